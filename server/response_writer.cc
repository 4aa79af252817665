#include "server/response_writer.h"

#include <spdlog/logger.h>
#include <sys/sendfile.h>

#include <algorithm>
#include <array>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>
#include <cerrno>
#include <optional>
#include <string>

#include "server/state.h"

namespace s2lite::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The status line and header section of `r`: its own headers in order, then
// Connection and Content-Length (a HEAD answer keeps the length it declares;
// 1xx, 204 and 304 have none). Sets `no_body` for those statuses. Written by
// hand, in one buffer: Beast's serializer allocates a node per field and
// walks them as a sequence of small buffers.
std::string FormatHead(const Response& r, bool head, bool keep_alive, bool& no_body) {
  std::optional<uint64_t> declared_length;
  std::string out;
  out.reserve(256);
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += http::obsolete_reason(static_cast<http::status>(r.status));
  out += "\r\n";
  for (const auto& [name, value] : r.headers) {
    if (name == "Content-Length") {
      declared_length = std::stoull(value);
      continue;
    }
    out.append(name).append(": ").append(value).append("\r\n");
  }
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  uint64_t length = r.source ? r.source_length : r.body.size();
  if (head && declared_length) length = *declared_length;
  no_body = r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);
  if (!no_body) out.append("Content-Length: ").append(std::to_string(length)).append("\r\n");
  out += "\r\n";
  return out;
}

enum class Sent {
  kSome,        // bytes went out
  kWouldBlock,  // the socket is full: wait until it is writable
  kNotInFile,   // the next bytes are not in a file (or failing): use Read
  kFailed,      // the connection is broken
};

// One sendfile() of at most 2 MiB (nginx's sendfile_max_chunk) of `source`
// to the non-blocking socket `fd`; counts the bytes sent off `left`.
Sent SendFileOnce(int fd, BodySource& source, uint64_t& left, const RequestContext& ctx) {
  constexpr size_t kSendfileMax = 2 << 20;
  for (;;) {
    auto span = source.NextFileSpan(static_cast<size_t>(std::min<uint64_t>(left, kSendfileMax)));
    if (!span.ok() || span->fd < 0) return Sent::kNotInFile;  // Read reports a failure
    off_t offset = static_cast<off_t>(span->offset);
    ssize_t sent = ::sendfile(fd, span->fd, &offset, span->length);
    if (sent > 0) {
      source.Consume(static_cast<size_t>(sent));
      left -= static_cast<uint64_t>(sent);
      return Sent::kSome;
    }
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Sent::kWouldBlock;
    if (sent < 0 && errno == EINTR) continue;
    if (sent == 0) {
      ctx.state->logger->error("request {}: blob shorter than its manifest after headers were sent",
                               ctx.request_id);
    }
    return Sent::kFailed;
  }
}

// The stream's socket in non-blocking mode, for sendfile. Already so after
// the session's first async operation: no ioctl per GET.
tcp::socket& NonBlockingSocket(PlainStream& stream) {
  tcp::socket& sock = stream.socket();
  beast::error_code ignored;
  if (!sock.native_non_blocking()) sock.native_non_blocking(true, ignored);
  return sock;
}

}  // namespace

template <class Stream>
Task<bool> WriteResponse(Stream& stream, const RequestContext& ctx, Response& r, bool keep_alive,
                         bool truncate) {
  const bool head = ctx.view.method == "HEAD";
  const auto timeout = ctx.state->options.read_timeout;
  beast::get_lowest_layer(stream).expires_after(timeout);
  bool no_body_status = false;
  const std::string head_section = FormatHead(r, head, keep_alive, no_body_status);
  if (!r.source && !truncate) {
    // Header and body leave in one gather write: one send, one segment.
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head_section), asio::const_buffer()};
    if (!head && !no_body_status) buffers[1] = asio::buffer(r.body);
    auto [ec, n] = co_await asio::async_write(stream, buffers, kTuple);
    co_return !ec;
  }
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head_section), kTuple);
  if (ec) co_return false;
  if (head || no_body_status) co_return true;
  if (!r.source) {
    if (r.body.empty()) co_return true;
    size_t n = truncate ? r.body.size() / 2 : r.body.size();
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(r.body.data(), n), kTuple);
    co_return !wec;
  }
  uint64_t left = truncate ? r.source_length / 2 : r.source_length;
  if constexpr (std::is_same_v<Stream, PlainStream>) {
    // Plain TCP: blobs go from the page cache to the socket with sendfile,
    // as nginx does; a watchdog bounds a stalled reader.
    tcp::socket& sock = NonBlockingSocket(stream);
    StallWatchdog watchdog(stream.get_executor(), &sock, timeout);
    for (Sent step = Sent::kSome; left > 0 && step != Sent::kNotInFile;) {
      step = SendFileOnce(sock.native_handle(), *r.source, left, ctx);
      if (step == Sent::kSome) watchdog.Progress();
      if (step == Sent::kFailed) co_return false;
      if (step == Sent::kWouldBlock) {
        auto [wec] = co_await sock.async_wait(tcp::socket::wait_write, kTuple);
        if (wec || watchdog.fired()) co_return false;
      }
    }
    if (left == 0) co_return true;
  }
  std::unique_ptr<char[]> chunk(new char[kBodyChunk]);
  while (left > 0) {
    auto got =
        r.source->Read(chunk.get(), static_cast<size_t>(std::min<uint64_t>(left, kBodyChunk)));
    if (!got.ok() || *got == 0) {
      // The status line is gone: all we can do is cut the connection short.
      ctx.state->logger->error("request {}: body read failed after headers were sent",
                               ctx.request_id);
      co_return false;
    }
    beast::get_lowest_layer(stream).expires_after(timeout);
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(chunk.get(), *got), kTuple);
    if (wec) co_return false;
    left -= *got;
  }
  co_return true;
}

template Task<bool> WriteResponse(PlainStream&, const RequestContext&, Response&, bool, bool);
template Task<bool> WriteResponse(TlsStream&, const RequestContext&, Response&, bool, bool);

}  // namespace s2lite::server
