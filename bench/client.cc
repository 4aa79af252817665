#include "bench/client.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cmath>
#include <ctime>
#include <memory>
#include <thread>

#include "auth/sigv4.h"
#include "common/uri.h"

namespace s2lite::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::optional<std::pair<std::string, uint16_t>> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  url.remove_prefix(kScheme.size());
  while (!url.empty() && (url.back() == '/' || url.back() == '\n')) url.remove_suffix(1);
  auto colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  unsigned port = 0;
  for (char c : url.substr(colon + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
    if (port > 65535) return std::nullopt;
  }
  if (port == 0) return std::nullopt;
  std::string host(url.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return std::make_pair(host, static_cast<uint16_t>(port));
}

void Request::Clear() {
  method.clear();
  path.clear();
  query.clear();
  headers.clear();
  body = {};
  payload_hash.clear();
}

Signer::Signer(const Target& t)
    : host_(t.host + ":" + std::to_string(t.port)),
      access_key_(t.access_key),
      secret_key_(t.secret_key),
      region_(t.region) {}

const std::string& Signer::AmzDate() {
  std::time_t now = std::time(nullptr);
  if (now != date_second_) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    amz_date_ = buf;
    date_second_ = now;
  }
  return amz_date_;
}

std::string Signer::SignAndSerialize(Request& r) {
  const std::string& date = AmzDate();
  std::string_view day = std::string_view(date).substr(0, 8);
  if (day != day_) {
    day_ = std::string(day);
    key_ = auth::SigningKey(secret_key_, day_, region_, "s3");
    ++key_derivations_;
  }
  std::string payload = r.payload_hash.empty() ? common::Sha256Hex(r.body) : r.payload_hash;
  r.headers.emplace_back("host", host_);
  r.headers.emplace_back("x-amz-date", date);
  r.headers.emplace_back("x-amz-content-sha256", payload);

  auth::RequestView view;
  view.method = std::move(r.method);
  view.raw_path = std::move(r.path);
  view.query = std::move(r.query);
  view.headers = std::move(r.headers);
  std::vector<std::string> names;
  names.reserve(view.headers.size());
  for (const auto& h : view.headers) names.push_back(h.first);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string scope = day_ + "/" + region_ + "/s3/aws4_request";
  std::string canonical = auth::CanonicalRequest(view, names, payload);
  std::string signature = auth::SignatureHex(key_, auth::StringToSign(date, scope, canonical));

  std::string out;
  out.reserve(512);
  out += view.method;
  out += ' ';
  out += view.raw_path;
  char sep = '?';
  for (const auto& q : view.query) {
    out += sep;
    sep = '&';
    out += common::UriEncode(q.name, false);
    if (q.has_value) {
      out += '=';
      out += common::UriEncode(q.value, false);
    }
  }
  out += " HTTP/1.1\r\n";
  for (const auto& [n, v] : view.headers) {
    out += n;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += "authorization: AWS4-HMAC-SHA256 Credential=";
  out += access_key_;
  out += '/';
  out += scope;
  out += ", SignedHeaders=";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ';';
    out += names[i];
  }
  out += ", Signature=";
  out += signature;
  out += "\r\n";
  if (!r.body.empty() || view.method == "PUT" || view.method == "POST") {
    out += "content-length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
  }
  out += "\r\n";
  r.method = std::move(view.method);
  r.path = std::move(view.raw_path);
  r.query = std::move(view.query);
  r.headers = std::move(view.headers);
  return out;
}

std::string XmlValue(std::string_view xml, std::string_view name, size_t from) {
  std::string open = "<" + std::string(name) + ">";
  std::string close = "</" + std::string(name) + ">";
  size_t a = xml.find(open, from);
  if (a == std::string_view::npos) return "";
  a += open.size();
  size_t b = xml.find(close, a);
  return b == std::string_view::npos ? "" : std::string(xml.substr(a, b - a));
}

size_t XmlCount(std::string_view xml, std::string_view name) {
  std::string open = "<" + std::string(name) + ">";
  size_t n = 0;
  for (size_t at = xml.find(open); at != std::string_view::npos; at = xml.find(open, at + 1)) ++n;
  return n;
}

double LoadResult::PercentileMs(double q) const {
  if (latencies_ns.empty()) return std::nan("");
  double rank = std::ceil(q * static_cast<double>(latencies_ns.size()));
  size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  i = std::min(i, latencies_ns.size() - 1);
  return static_cast<double>(latencies_ns[i]) / 1e6;
}

namespace {

// A keep-alive HTTP/1.1 client connection. Reconnects lazily after a close.
class Conn {
 public:
  Conn(asio::any_io_executor ex, tcp::endpoint ep) : socket_(ex), endpoint_(ep) {
    // Beast reads at most the free capacity of a flat buffer (>= 512 B):
    // without room, big answers (listings) arrive in sub-KiB reads.
    buffer_.reserve(64 * 1024);
  }

  error_code ConnectNow() {
    error_code ec;
    socket_.connect(endpoint_, ec);
    if (!ec) socket_.set_option(tcp::no_delay(true), ec);
    open_ = !ec;
    return ec;
  }

  void Close() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    buffer_.consume(buffer_.size());
    open_ = false;
  }

  asio::awaitable<error_code> RoundTrip(const std::string& head, std::string_view body,
                                        bool discard, Response& out) {
    if (!open_) {
      auto [ec] = co_await socket_.async_connect(endpoint_, kTuple);
      if (ec) co_return ec;
      socket_.set_option(tcp::no_delay(true), ec);
      open_ = true;
    }
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head),
                                           asio::buffer(body.data(), body.size())};
    auto [wec, written] = co_await asio::async_write(socket_, bufs, kTuple);
    // A server may answer (an error) and close before reading the whole
    // body: try to read that answer before reporting the write error.
    error_code rec = discard ? co_await ReadDiscard(out) : co_await ReadString(out);
    if (wec && rec) co_return wec;
    if (wec) out.keep_alive = false;
    co_return rec;
  }

 private:
  template <class Parser>
  void Fill(const Parser& p, Response& out) {
    const auto& m = p.get();
    out.status = static_cast<int>(m.result_int());
    out.keep_alive = m.keep_alive();
    if (auto it = m.find(http::field::etag); it != m.end()) out.etag = std::string(it->value());
    if (auto it = m.find("x-amz-request-id"); it != m.end())
      out.request_id = std::string(it->value());
  }

  asio::awaitable<error_code> ReadString(Response& out) {
    http::response_parser<http::string_body> p;
    p.body_limit(std::uint64_t{1} << 30);
    auto [ec, n] = co_await http::async_read(socket_, buffer_, p, kTuple);
    if (ec) co_return ec;
    Fill(p, out);
    out.body = std::move(p.get().body());
    out.body_bytes = out.body.size();
    co_return error_code{};
  }

  // Large bodies: after the header, known-length bodies are read straight
  // from the socket in 1 MiB reads (Beast's parser would copy them through
  // the flat buffer, at most 64 KiB per read).
  asio::awaitable<error_code> ReadDiscard(Response& out) {
    http::response_parser<http::buffer_body> p;
    p.body_limit(boost::none);
    auto [ec, n] = co_await http::async_read_header(socket_, buffer_, p, kTuple);
    if (ec) co_return ec;
    Fill(p, out);
    if (scratch_.empty()) scratch_.resize(1 << 20);
    if (p.is_done()) co_return error_code{};
    if (auto length = p.content_length(); length && !p.chunked()) {
      uint64_t left = *length;
      size_t buffered = static_cast<size_t>(std::min<uint64_t>(left, buffer_.size()));
      buffer_.consume(buffered);
      left -= buffered;
      out.body_bytes += buffered;
      while (left > 0) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(left, scratch_.size()));
        auto [rec, m] =
            co_await socket_.async_read_some(asio::buffer(scratch_.data(), want), kTuple);
        if (rec) co_return rec;
        left -= m;
        out.body_bytes += m;
      }
      co_return error_code{};
    }
    while (!p.is_done()) {
      p.get().body().data = scratch_.data();
      p.get().body().size = scratch_.size();
      auto [rec, m] = co_await http::async_read(socket_, buffer_, p, kTuple);
      if (rec == http::error::need_buffer) rec = {};
      if (rec) co_return rec;
      out.body_bytes += scratch_.size() - p.get().body().size;
    }
    co_return error_code{};
  }

  tcp::socket socket_;
  tcp::endpoint endpoint_;
  beast::flat_buffer buffer_;
  std::vector<char> scratch_;
  bool open_ = false;
};

std::optional<tcp::endpoint> Resolve(const Target& t, std::string* error) {
  error_code ec;
  asio::ip::address addr = asio::ip::make_address(t.host, ec);
  if (!ec) return tcp::endpoint(addr, t.port);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(t.host, std::to_string(t.port), ec);
  if (ec || results.empty()) {
    *error = "cannot resolve " + t.host + ": " + ec.message();
    return std::nullopt;
  }
  return results.begin()->endpoint();
}

std::string RequestText(const std::string& head) {
  // The head without the trailing blank line.
  return head.size() >= 4 ? head.substr(0, head.size() - 4) : head;
}

Failure MakeFailure(const std::string& head, const Response& r, const error_code& ec) {
  Failure f;
  f.request = RequestText(head);
  f.status = ec ? 0 : r.status;
  f.response = ec ? ec.message() : r.body.substr(0, 2048);
  if (!ec && !r.request_id.empty()) f.response += " [x-amz-request-id " + r.request_id + "]";
  return f;
}

struct ConnState {
  std::unique_ptr<Conn> conn;
  std::unique_ptr<Signer> signer;
  std::vector<uint64_t> latencies;
  uint64_t ok = 0, errors = 0, sent = 0, received = 0;
  std::optional<Failure> failure;
  Clock::time_point finished{};
};

struct ContextState {
  asio::io_context ioc{1};
  asio::steady_timer watchdog{ioc};
  int live = 0;
  std::vector<ConnState*> conns;
};

struct Shared {
  const LoadSpec* spec;
  const MakeFn* make;
  const CheckFn* check;
  std::atomic<uint64_t> next{0};
  std::atomic<bool> aborted{false};
  Clock::time_point deadline{};
};

asio::awaitable<void> Worker(Shared& sh, ContextState& cs, ConnState& st, int index) {
  Request req;
  for (;;) {
    if (sh.aborted.load(std::memory_order_relaxed)) break;
    uint64_t seq = sh.next.fetch_add(1, std::memory_order_relaxed);
    if (sh.spec->total_requests > 0 && seq >= sh.spec->total_requests) break;
    if (sh.spec->duration.count() > 0 && Clock::now() >= sh.deadline) break;
    req.Clear();
    if (!(*sh.make)(index, seq, req)) break;
    std::string head = st.signer->SignAndSerialize(req);
    Response resp;
    auto t0 = Clock::now();
    error_code ec = co_await st.conn->RoundTrip(head, req.body, sh.spec->discard_body, resp);
    auto t1 = Clock::now();
    if (ec || !resp.keep_alive) st.conn->Close();
    if (ec || resp.status / 100 != 2 || !(*sh.check)(index, seq, resp)) {
      ++st.errors;
      if (!st.failure) st.failure = MakeFailure(head, resp, ec);
      continue;
    }
    ++st.ok;
    st.sent += req.body.size();
    st.received += resp.body_bytes;
    if (sh.spec->keep_latencies) st.latencies.push_back(static_cast<uint64_t>((t1 - t0).count()));
  }
  st.finished = Clock::now();
  if (--cs.live == 0) cs.watchdog.cancel();
}

}  // namespace

LoadResult RunLoad(const Target& target, const LoadSpec& spec, const MakeFn& make,
                   const CheckFn& check) {
  LoadResult result;
  std::string error;
  auto endpoint = Resolve(target, &error);
  if (!endpoint) {
    result.errors = 1;
    result.first_failure = Failure{"", 0, error};
    return result;
  }
  const int n_conns = std::max(1, spec.connections);
  const int n_ctx = std::clamp(spec.threads, 1, n_conns);
  std::vector<std::unique_ptr<ContextState>> contexts;
  for (int i = 0; i < n_ctx; ++i) contexts.push_back(std::make_unique<ContextState>());
  std::vector<ConnState> conns(static_cast<size_t>(n_conns));
  for (int i = 0; i < n_conns; ++i) {
    ContextState& cs = *contexts[static_cast<size_t>(i % n_ctx)];
    ConnState& st = conns[static_cast<size_t>(i)];
    st.conn = std::make_unique<Conn>(cs.ioc.get_executor(), *endpoint);
    st.signer = std::make_unique<Signer>(target);
    if (spec.keep_latencies && spec.total_requests == 0) st.latencies.reserve(1 << 14);
    if (error_code ec = st.conn->ConnectNow()) {
      result.errors = 1;
      result.first_failure = Failure{"connect", 0, ec.message()};
      return result;
    }
    cs.conns.push_back(&st);
  }

  Shared sh;
  sh.spec = &spec;
  sh.make = &make;
  sh.check = &check;
  const auto start = Clock::now();
  sh.deadline = start + spec.duration;
  for (auto& cs : contexts) {
    cs->live = static_cast<int>(cs->conns.size());
    for (ConnState* st : cs->conns) {
      int index = static_cast<int>(st - conns.data());
      asio::co_spawn(cs->ioc, Worker(sh, *cs, *st, index), asio::detached);
    }
    cs->watchdog.expires_at(sh.deadline + spec.hard_timeout);
    cs->watchdog.async_wait([&sh, c = cs.get()](error_code ec) {
      if (ec) return;  // cancelled: every worker finished
      sh.aborted = true;
      for (ConnState* st : c->conns) st->conn->Close();
    });
  }
  std::vector<std::thread> threads;
  for (size_t i = 1; i < contexts.size(); ++i)
    threads.emplace_back([c = contexts[i].get()] { c->ioc.run(); });
  contexts[0]->ioc.run();
  for (auto& t : threads) t.join();

  Clock::time_point end = start;
  size_t total_latencies = 0;
  for (const ConnState& st : conns) total_latencies += st.latencies.size();
  result.latencies_ns.reserve(total_latencies);
  for (ConnState& st : conns) {
    end = std::max(end, st.finished);
    result.requests += st.ok;
    result.errors += st.errors;
    result.bytes_sent += st.sent;
    result.bytes_received += st.received;
    if (!result.first_failure && st.failure) result.first_failure = st.failure;
    result.latencies_ns.insert(result.latencies_ns.end(), st.latencies.begin(), st.latencies.end());
  }
  std::sort(result.latencies_ns.begin(), result.latencies_ns.end());
  result.seconds = std::chrono::duration<double>(end - start).count();
  result.timed_out = sh.aborted.load();
  if (result.timed_out) {
    result.errors += 1;
    if (!result.first_failure) result.first_failure = Failure{"", 0, "hard timeout: no answer"};
  }
  return result;
}

Single RoundTrip(const Target& target, Request req, bool discard_body,
                 std::chrono::seconds timeout) {
  Single single;
  std::string error;
  auto endpoint = Resolve(target, &error);
  if (!endpoint) {
    single.failure = Failure{"", 0, error};
    return single;
  }
  asio::io_context ioc{1};
  Conn conn(ioc.get_executor(), *endpoint);
  if (error_code ec = conn.ConnectNow()) {
    single.failure = Failure{"connect", 0, ec.message()};
    return single;
  }
  Signer signer(target);
  std::string head = signer.SignAndSerialize(req);
  bool done = false;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        auto t0 = Clock::now();
        error_code ec = co_await conn.RoundTrip(head, req.body, discard_body, single.response);
        single.ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (ec || single.response.status / 100 != 2)
          single.failure = MakeFailure(head, single.response, ec);
        done = true;
      },
      asio::detached);
  ioc.run_for(timeout);
  if (!done) single.failure = Failure{RequestText(head), 0, "timeout: no answer"};
  return single;
}

}  // namespace s2lite::bench
