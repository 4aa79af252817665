#include "test_client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "auth/request_view.h"
#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "common/crypto.h"
#include "common/uri.h"

namespace s2lite::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpResponse::Header(const std::string& name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return "";
}

std::string HttpResponse::Xml(const std::string& name) const {
  std::string open = "<" + name + ">", close = "</" + name + ">";
  auto a = body.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  auto b = body.find(close, a);
  return b == std::string::npos ? "" : body.substr(a, b - a);
}

std::string HttpResponse::XmlText(const std::string& name) const {
  const std::string s = Xml(name);
  const std::pair<std::string_view, char> entities[] = {
      {"&quot;", '"'}, {"&apos;", '\''}, {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    auto it = std::find_if(std::begin(entities), std::end(entities), [&](const auto& e) {
      return s.compare(i, e.first.size(), e.first) == 0;
    });
    if (it == std::end(entities)) {
      out += s[i++];
    } else {
      out += it->second;
      i += it->first.size();
    }
  }
  return out;
}

std::vector<std::string> HttpResponse::XmlAll(const std::string& name) const {
  std::string open = "<" + name + ">", close = "</" + name + ">";
  std::vector<std::string> out;
  for (size_t a = body.find(open); a != std::string::npos; a = body.find(open, a)) {
    a += open.size();
    size_t b = body.find(close, a);
    if (b == std::string::npos) break;
    out.push_back(body.substr(a, b - a));
    a = b + close.size();
  }
  return out;
}

struct TestClient::Conn {
  asio::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
};

TestClient::TestClient(uint16_t port, std::string ak, std::string sk, std::string region)
    : port_(port),
      access_key_(std::move(ak)),
      secret_key_(std::move(sk)),
      region_(std::move(region)) {}
TestClient::~TestClient() = default;

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

namespace {

std::string HttpDate(std::chrono::system_clock::time_point t) {
  std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

auth::RequestView ViewOf(const HttpRequest& req) {
  auth::RequestView v;
  v.method = req.method;
  auto q = req.target.find('?');
  v.raw_path = req.target.substr(0, q);
  if (q != std::string::npos) v.query = *common::ParseQuery(req.target.substr(q + 1));
  for (const auto& [n, val] : req.headers) {
    std::string lower = n;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    v.headers.emplace_back(lower, val);
  }
  return v;
}

// Bucket named by a virtual host ("b.localhost:9000" -> "b").
std::string VirtualBucket(const std::string& host) {
  std::string h = host.substr(0, host.rfind(':'));
  auto pos = h.find(".localhost");
  return pos == std::string::npos ? "" : h.substr(0, pos);
}

}  // namespace

std::string TestClient::Serialize(HttpRequest req) {
  if (req.host.empty()) req.host = "127.0.0.1:" + std::to_string(port_);
  std::string ak = req.access_key.empty() ? access_key_ : req.access_key;
  std::string sk = req.secret_key.empty() ? secret_key_ : req.secret_key;
  auto now = req.time.value_or(std::chrono::system_clock::now());
  req.headers.emplace_back("Host", req.host);
  if (req.sign == Sign::kV4) {
    std::string amz_date = AmzDate(now);
    std::string payload = !req.payload_hash.empty() ? req.payload_hash
                          : req.unsigned_payload    ? "UNSIGNED-PAYLOAD"
                                                    : common::Sha256Hex(req.body);
    req.headers.emplace_back("x-amz-date", amz_date);
    req.headers.emplace_back("x-amz-content-sha256", payload);
    auth::RequestView v = ViewOf(req);
    std::vector<std::string> signed_headers;
    for (const auto& [n, val] : v.headers) signed_headers.push_back(n);
    std::sort(signed_headers.begin(), signed_headers.end());
    signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()),
                         signed_headers.end());
    std::string scope = amz_date.substr(0, 8) + "/" + region_ + "/s3/aws4_request";
    std::string canonical = auth::CanonicalRequest(v, signed_headers, payload);
    std::string sts = auth::StringToSign(amz_date, scope, canonical);
    std::string sig =
        auth::SignatureHex(auth::SigningKey(sk, amz_date.substr(0, 8), region_, "s3"), sts);
    std::string joined;
    for (const auto& h : signed_headers) joined += (joined.empty() ? "" : ";") + h;
    req.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + ak + "/" + scope +
                                                  ", SignedHeaders=" + joined +
                                                  ", Signature=" + sig);
  } else if (req.sign == Sign::kV2) {
    req.headers.emplace_back("Date", HttpDate(now));
    auth::RequestView v = ViewOf(req);
    std::string bucket = VirtualBucket(req.host);
    std::string sts = auth::SigV2StringToSign(v, bucket, !bucket.empty());
    req.headers.emplace_back("Authorization", "AWS " + ak + ":" + auth::SigV2Signature(sk, sts));
  }
  std::string out = req.method + " " + req.target + " HTTP/1.1\r\n";
  bool has_length = false;
  for (const auto& [n, v] : req.headers) {
    out += n + ": " + v + "\r\n";
    if (n == "Content-Length" || n == "Transfer-Encoding") has_length = true;
  }
  if (!has_length && (!req.body.empty() || req.method == "PUT" || req.method == "POST"))
    out += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
  out += "\r\n" + req.body;
  return out;
}

namespace {

HttpResponse ReadOne(tcp::socket& socket, beast::flat_buffer& buffer, bool head) {
  http::response_parser<http::string_body> p;
  p.body_limit(1ull << 30);
  p.skip(head);
  http::read(socket, buffer, p);
  HttpResponse r;
  r.status = static_cast<int>(p.get().result_int());
  for (const auto& f : p.get()) {
    std::string n(f.name_string());
    for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(n, std::string(f.value()));
  }
  r.body = p.get().body();
  return r;
}

}  // namespace

HttpResponse TestClient::Send(HttpRequest req, bool keep) {
  bool head = req.method == "HEAD";
  std::string bytes = Serialize(std::move(req));
  if (!keep || !conn_) {
    conn_ = std::make_unique<Conn>();
    conn_->socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  }
  asio::write(conn_->socket, asio::buffer(bytes));
  HttpResponse r = ReadOne(conn_->socket, conn_->buffer, head);
  if (!keep) conn_.reset();
  return r;
}

std::vector<HttpResponse> SendRaw(uint16_t port, const std::string& bytes, size_t expect) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(socket, asio::buffer(bytes));
  beast::flat_buffer buffer;
  std::vector<HttpResponse> out;
  for (size_t i = 0; i < expect; ++i) out.push_back(ReadOne(socket, buffer, false));
  return out;
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/s2lite-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}
TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace s2lite::testing
