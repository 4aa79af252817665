#pragma once

// Asio/Beast basics shared by the listener, the session, the body reader and
// the response writer: the two streams a session runs over, the error-as-value
// completion token, and the stall watchdog.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

namespace s2lite::server {

// A session is the same over TCP and TLS: it is a template over one of these.
using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream&>;

// Completions as (error_code, ...) tuples: expected conditions are values.
constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

// The unit a body is read in and a streamed response is written in.
constexpr size_t kBodyChunk = 256 * 1024;

// Cancels a socket operation that made no progress for `timeout` (a body
// that stops arriving, a reader that stops reading), leaving the socket open
// so an answer can still be written. Armed on construction, disarmed on
// destruction (before the socket can go away); the timer runs on the
// session's thread.
class StallWatchdog {
 public:
  StallWatchdog(boost::asio::any_io_executor ex, boost::asio::ip::tcp::socket* socket,
                std::chrono::milliseconds timeout)
      : state_(std::make_shared<State>(std::move(ex), socket, timeout)) {
    Progress();
    Wait(state_);
  }
  ~StallWatchdog() {
    state_->socket = nullptr;
    state_->timer.cancel();
  }
  StallWatchdog(const StallWatchdog&) = delete;
  StallWatchdog& operator=(const StallWatchdog&) = delete;

  void Progress() { state_->deadline = std::chrono::steady_clock::now() + state_->timeout; }
  bool fired() const { return state_->fired; }

 private:
  // Shared with the pending wait, which may complete after the guard is gone.
  struct State {
    State(boost::asio::any_io_executor ex, boost::asio::ip::tcp::socket* s,
          std::chrono::milliseconds t)
        : timer(std::move(ex)), socket(s), timeout(t) {}
    boost::asio::steady_timer timer;
    boost::asio::ip::tcp::socket* socket;
    std::chrono::milliseconds timeout;
    std::chrono::steady_clock::time_point deadline;
    bool fired = false;
  };

  static void Wait(std::shared_ptr<State> st) {
    st->timer.expires_at(st->deadline);
    st->timer.async_wait([st](const boost::system::error_code& ec) {
      if (ec || st->socket == nullptr) return;
      if (std::chrono::steady_clock::now() < st->deadline) {
        Wait(st);  // progress was made meanwhile
        return;
      }
      st->fired = true;
      boost::system::error_code ignored;
      st->socket->cancel(ignored);
    });
  }

  std::shared_ptr<State> state_;
};

}  // namespace s2lite::server
