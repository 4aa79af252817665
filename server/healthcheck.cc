#include "server/healthcheck.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <ostream>
#include <string_view>

#include "config/config.h"

namespace s2lite::daemon {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Target {
  std::string authority;  // the Host header: "127.0.0.1:9000"
  std::string host;       // "127.0.0.1", "::1", "localhost"
  uint16_t port = 80;
  std::string path;
};

bool ParseUrl(std::string_view url, Target* t) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return false;
  url.remove_prefix(kScheme.size());
  size_t slash = url.find('/');
  t->authority = std::string(url.substr(0, slash));
  t->path = slash == std::string_view::npos || slash + 1 == url.size()
                ? "/health/ready"
                : std::string(url.substr(slash));
  if (t->authority.empty()) return false;
  if (t->authority.back() != ']' && t->authority.find(':') != std::string::npos)
    return config::ParseListen(t->authority, &t->host, &t->port);
  t->host =
      t->authority.front() == '[' ? t->authority.substr(1, t->authority.size() - 2) : t->authority;
  return !t->host.empty();
}

// The status of the answer, or the error that prevented one.
asio::awaitable<beast::error_code> Get(const Target& t, std::chrono::milliseconds timeout,
                                       http::response<http::string_body>& res) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(t.host, std::to_string(t.port), kTuple);
  if (resolve_ec) co_return resolve_ec;
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);
  auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, kTuple);
  if (connect_ec) co_return connect_ec;
  http::request<http::empty_body> req(http::verb::get, t.path, 11);
  req.set(http::field::host, t.authority);
  req.set(http::field::user_agent, "s2lite-healthcheck");
  req.set(http::field::connection, "close");
  auto [write_ec, written] = co_await http::async_write(stream, req, kTuple);
  if (write_ec) co_return write_ec;
  beast::flat_buffer buffer;
  auto [read_ec, read] = co_await http::async_read(stream, buffer, res, kTuple);
  co_return read_ec;
}

}  // namespace

int Healthcheck(const std::string& url, std::chrono::milliseconds timeout, std::ostream& out,
                std::ostream& err) {
  Target target;
  if (!ParseUrl(url, &target)) {
    err << "s2lite healthcheck: invalid URL '" << url << "': expected http://HOST[:PORT][/PATH]\n";
    return 1;
  }
  http::response<http::string_body> res;
  beast::error_code ec = asio::error::timed_out;
  asio::io_context ioc(1);  // last: pending operations end before what they refer to
  asio::co_spawn(ioc, Get(target, timeout, res), [&](std::exception_ptr e, beast::error_code r) {
    ec = e ? asio::error::fault : r;
  });
  // The stream's deadline covers connect, write and read; this bounds name resolution too.
  ioc.run_for(timeout);
  std::string where = "http://" + target.authority + target.path;
  if (ec) {
    err << "s2lite healthcheck: " << where << ": " << ec.message() << "\n";
    return 1;
  }
  if (res.result() != http::status::ok) {
    err << "s2lite healthcheck: " << where << ": " << res.result_int() << " " << res.reason()
        << "\n";
    return 1;
  }
  out << "s2lite healthcheck: " << where << ": " << res.result_int() << " " << res.reason() << "\n";
  return 0;
}

}  // namespace s2lite::daemon
