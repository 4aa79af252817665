#pragma once

// Server::Impl, private to server/: the state one Server's listener,
// sessions, background sweep and Start/Stop share. server.cc wires it
// (Start/Stop); listener.cc accepts connections, session.cc serves them,
// background.cc sweeps, inspect.cc answers the inspection API.

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "auth/md5_batch.h"
#include "s2lite/server.h"
#include "server/http_request.h"
#include "server/net.h"
#include "server/state.h"

namespace s2lite {

// One connection's shutdown handle, touched only on the session's thread
// (stream/busy) or under Impl::mu (the set).
struct SessionTrack {
  boost::asio::any_io_executor executor;
  boost::asio::ip::tcp::socket* socket = nullptr;
  bool busy = false;
  auth::Md5Batch* md5_batch = nullptr;  // its event loop's
};

struct Server::Impl {
  Options options;
  std::unique_ptr<server::ServerState> state;
  // One single-threaded io_context per worker thread (the nginx model): a
  // connection lives on one of them, so its handlers need no strand and the
  // threads never hand work to each other. The acceptor is on the first and
  // deals connections round-robin.
  // Each worker's multi-buffer MD5, for the bodies its connections stream.
  // Declared before iocs: sessions (coroutines on iocs) hold streams of them.
  std::vector<std::unique_ptr<auth::Md5Batch>> md5_batches;
  std::vector<std::unique_ptr<boost::asio::io_context>> iocs;
  // Keep each worker's run() going while it has no connection yet.
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> idle_guards;
  size_t next_ioc = 0;  // touched by the accept loop only
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
  std::unique_ptr<boost::asio::ssl::context> tls;  // set when serving HTTPS
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::string listen_address;  // "0.0.0.0:9000" while running
  bool running = false;
  std::atomic<bool> stopping{false};
  // Sessions running, for options.max_connections.
  std::atomic<uint32_t> connections{0};

  std::mutex mu;
  std::condition_variable cv;
  std::unordered_set<std::shared_ptr<SessionTrack>> sessions;
  // Wakes the stale-upload and lifecycle sweep.
  std::unique_ptr<boost::asio::steady_timer> reaper;
  // Runs the handlers that would hold an I/O thread for long (copies).
  std::unique_ptr<boost::asio::thread_pool> workers;

  // server.cc
  Status Start();
  void Stop();
  // The steps of Start.
  Result<std::unique_ptr<server::ServerState>> OpenState();
  Status LoadTls();
  Status Listen();
  void Launch(std::unique_ptr<server::ServerState> st);

  // listener.cc
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> RunSession(boost::asio::ip::tcp::socket socket,
                                          auth::Md5Batch* md5_batch);

  // session.cc: Stream is server::PlainStream or server::TlsStream.
  template <class Stream>
  boost::asio::awaitable<void> Serve(Stream& stream, SessionTrack& track);
  template <class Stream>
  boost::asio::awaitable<bool> HandleOne(Stream& stream, boost::beast::flat_buffer& buffer,
                                         server::HeaderParser& hp, auth::Md5Batch* md5_batch);
  // Answers a request whose header could not be read with `error`.
  template <class Stream>
  boost::asio::awaitable<void> RefuseHeader(Stream& stream, Status error);
  // A new request's context: state, time, request id.
  void BeginRequest(server::RequestContext& ctx);

  // background.cc
  boost::asio::awaitable<void> ReapStaleUploads();
  // One stale-upload and lifecycle sweep.
  boost::asio::awaitable<void> SweepOnce();
};

// Creates a configured bucket owned by the first user; an existing one is
// kept (inspect.cc).
Status EnsureBucket(server::ServerState& st, const std::string& name);

}  // namespace s2lite
