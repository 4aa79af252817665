// Accepts connections, deals them round-robin to the worker threads' event
// loops, starts TLS, and closes each connection once its session is done.
#include <spdlog/logger.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <exception>

#include "server/server_impl.h"

namespace s2lite {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using server::kTuple;

// Lingering close: a request refused before its body was read leaves bytes
// unread, and closing on them sends RST, which can destroy the error response
// before the client reads it. Send FIN, then discard what still arrives for a
// short while.
asio::awaitable<void> LingeringClose(beast::tcp_stream& stream,
                                     std::chrono::milliseconds read_timeout) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::min<std::chrono::milliseconds>(read_timeout, std::chrono::seconds(2)));
  std::unique_ptr<char[]> sink(new char[16 * 1024]);
  for (size_t drained = 0; !ec && drained < 4 * 1024 * 1024;) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink.get(), 16 * 1024), kTuple);
    ec = rec;
    drained += n;
  }
}

}  // namespace

asio::awaitable<void> Server::Impl::AcceptLoop() {
  for (;;) {
    const size_t worker = next_ioc++ % iocs.size();
    tcp::socket peer(*iocs[worker]);
    auto [ec] = co_await acceptor->async_accept(peer, kTuple);
    if (stopping) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      state->logger->warn("accept failed: {}", ec.message());
      continue;
    }
    beast::error_code ignored;
    if (connections.load() >= options.max_connections) {
      // Over the cap: close before reading a byte, so abuse costs no memory.
      peer.set_option(asio::socket_base::linger(true, 0), ignored);
      peer.close(ignored);
      continue;
    }
    ++connections;
    peer.set_option(tcp::no_delay(true), ignored);
    auto ex = peer.get_executor();
    asio::co_spawn(ex, RunSession(std::move(peer), md5_batches[worker].get()), asio::detached);
  }
}

asio::awaitable<void> Server::Impl::RunSession(tcp::socket socket, auth::Md5Batch* md5_batch) {
  auto track = std::make_shared<SessionTrack>();
  track->executor = socket.get_executor();
  track->md5_batch = md5_batch;
  {
    std::lock_guard lock(mu);
    sessions.insert(track);
  }
  beast::tcp_stream stream(std::move(socket));
  track->socket = &stream.socket();
  try {
    if (tls) {
      server::TlsStream tls_stream(stream, *tls);
      stream.expires_after(options.read_timeout);
      auto [ec] = co_await tls_stream.async_handshake(asio::ssl::stream_base::server, kTuple);
      if (!ec) {
        co_await Serve(tls_stream, *track);
        stream.expires_after(std::chrono::seconds(2));
        co_await tls_stream.async_shutdown(kTuple);
      }
    } else {
      co_await Serve(stream, *track);
    }
  } catch (const std::exception& e) {
    // One bad connection never stops the listener.
    state->logger->error("session error: {}", e.what());
  }
  if (!tls && !stopping) co_await LingeringClose(stream, options.read_timeout);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  track->socket = nullptr;
  {
    std::lock_guard lock(mu);
    sessions.erase(track);
  }
  --connections;
  cv.notify_all();
}

}  // namespace s2lite
