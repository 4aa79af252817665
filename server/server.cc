// The HTTP side: listener, per-connection sessions (Beast, C++20 coroutines),
// and Server's lifecycle. Request logic lives in dispatch.cc and handlers/.
#include "s2lite/server.h"

#include <signal.h>
#include <spdlog/logger.h>
#include <sys/sendfile.h>

#include <algorithm>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "common/ascii.h"
#include "common/crypto.h"
#include "server/dispatch.h"
#include "server/errors.h"
#include "server/handlers/common.h"
#include "server/http_request.h"
#include "server/lifecycle.h"
#include "server/logging.h"
#include "server/seed.h"
#include "server/state.h"
#include "storage/object_reader.h"
#include "storage/sync_store.h"

namespace s2lite {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using server::RequestContext;
using server::Response;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kBodyChunk = 256 * 1024;

// One connection's shutdown handle, touched only on the session's thread
// (stream/busy) or under Impl::mu (the set).
struct SessionTrack {
  asio::any_io_executor executor;
  tcp::socket* socket = nullptr;
  bool busy = false;
  auth::Md5Batch* md5_batch = nullptr;  // its event loop's
};

// The two buffers a streamed body is read into. The sink may still need the
// payload it was last handed (its MD5 may be pending until its next Write:
// BodySink's contract), so a read never goes into the buffer that payload is
// in: after a read that handed payload on, the next goes into the other
// buffer; after one that handed none on (only aws-chunked framing, which the
// decoder copies), into the same one again. They outlive the body's sink.
struct BodyChunks {
  std::unique_ptr<char[]> chunk[2];
  size_t size = 0;
  int current = 0;
  // The buffer to read into next, of `n` bytes (the same n every time).
  char* Next(size_t n) {
    if (size != n) {
      chunk[0].reset(new char[n]);
      chunk[1].reset(new char[n]);
      size = n;
    }
    return chunk[current].get();
  }
  // Hands `n` bytes just read into Next() to `pipe`.
  Status Hand(server::BodyPipeline& pipe, const char* data, size_t n) {
    const uint64_t before = pipe.payload_bytes();
    Status s = pipe.Write(data, n);
    if (pipe.payload_bytes() != before) current ^= 1;
    return s;
  }
};

// Cancels a socket operation that made no progress for `timeout` (a body
// that stops arriving, a reader that stops reading), leaving the socket open
// so an answer can still be written. Armed on construction, disarmed on
// destruction (before the socket can go away); the timer runs on the
// session's thread.
class StallWatchdog {
 public:
  StallWatchdog(asio::any_io_executor ex, tcp::socket* socket, std::chrono::milliseconds timeout)
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
    State(asio::any_io_executor ex, tcp::socket* s, std::chrono::milliseconds t)
        : timer(std::move(ex)), socket(s), timeout(t) {}
    asio::steady_timer timer;
    tcp::socket* socket;
    std::chrono::milliseconds timeout;
    std::chrono::steady_clock::time_point deadline;
    bool fired = false;
  };

  static void Wait(std::shared_ptr<State> st) {
    st->timer.expires_at(st->deadline);
    st->timer.async_wait([st](const beast::error_code& ec) {
      if (ec || st->socket == nullptr) return;
      if (std::chrono::steady_clock::now() < st->deadline) {
        Wait(st);  // progress was made meanwhile
        return;
      }
      st->fired = true;
      beast::error_code ignored;
      st->socket->cancel(ignored);
    });
  }

  std::shared_ptr<State> state_;
};

// Threads of the worker pool that runs copies.
constexpr size_t kWorkerThreads = 2;

// Blocks SIGPIPE in the calling thread while alive, so that the threads it
// starts meanwhile inherit the blocked mask; restores the mask after.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &saved_);
  }
  ~SigpipeBlocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t saved_;
};

// Creates a configured bucket owned by the first user; an existing one is kept.
Status EnsureBucket(server::ServerState& st, const std::string& name) {
  if (!server::IsValidBucketName(name))
    return Status(ErrorCode::kInvalidBucketName, "invalid bucket name: " + name);
  storage::BucketInfo b{name, st.options.users.front().name, st.options.region,
                        server::ToTimeMs(st.Now()), "private"};
  Status s = storage::Sync(st.store->CreateBucket(b));
  if (s.code() == ErrorCode::kBucketAlreadyOwnedByYou ||
      s.code() == ErrorCode::kBucketAlreadyExists)
    return Status::Ok();
  return s;
}

// Whether the client waits for "100 Continue" before sending its body.
bool ExpectsContinue(const http::request_header<>& h) {
  auto it = h.find(http::field::expect);
  return it != h.end() && common::EqualsIgnoreCase(it->value(), "100-continue");
}

}  // namespace

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
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  // Keep each worker's run() going while it has no connection yet.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> idle_guards;
  size_t next_ioc = 0;  // touched by the accept loop only
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::ssl::context> tls;  // set when serving HTTPS
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
  std::unique_ptr<asio::steady_timer> reaper;
  // Runs the handlers that would hold an I/O thread for long (copies).
  std::unique_ptr<asio::thread_pool> workers;

  Status Start();
  void Stop();
  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> ReapStaleUploads();
  // One stale-upload and lifecycle sweep.
  asio::awaitable<void> SweepOnce();
  asio::awaitable<void> RunSession(tcp::socket socket, auth::Md5Batch* md5_batch);
  // The session is the same over TCP and TLS: Stream is beast::tcp_stream or
  // beast::ssl_stream<beast::tcp_stream>.
  template <class Stream>
  asio::awaitable<void> Serve(Stream& stream, SessionTrack& track);
  template <class Stream>
  asio::awaitable<bool> HandleOne(Stream& stream, beast::flat_buffer& buffer,
                                  http::request_parser<http::empty_body>& hp,
                                  auth::Md5Batch* md5_batch);
  template <class Stream>
  asio::awaitable<Status> ReadBody(Stream& stream, beast::flat_buffer& buffer,
                                   http::request_parser<http::empty_body>& hp,
                                   server::BodyPipeline& pipe, BodyChunks& chunks, uint64_t limit,
                                   ErrorCode too_large, bool& broken);
  // `truncate`: an injected fault — send the headers and half the body only.
  template <class Stream>
  asio::awaitable<bool> WriteResponse(Stream& stream, RequestContext& ctx, Response& r,
                                      bool keep_alive, bool truncate = false);
  std::optional<FaultRule> MatchFault(RequestContext& ctx);
  // Runs `handler` on the worker pool and resumes on the session's thread.
  asio::awaitable<Response> RunOffLoop(RequestContext& ctx, const server::OpHandler& handler);
  // "HTTP/1.1 100 Continue"; returns the write's error.
  template <class Stream>
  asio::awaitable<beast::error_code> WriteContinue(Stream& stream);
  // ReadBody's two ways: a Content-Length body, or one Beast's parser frames.
  template <class Stream>
  asio::awaitable<Status> ReadSizedBody(Stream& stream, beast::flat_buffer& buffer, uint64_t length,
                                        server::BodyPipeline& pipe, BodyChunks& chunks,
                                        uint64_t limit, ErrorCode too_large,
                                        StallWatchdog& watchdog);
  template <class Stream>
  asio::awaitable<Status> ReadChunkedBody(Stream& stream, beast::flat_buffer& buffer,
                                          http::request_parser<http::buffer_body>& bp,
                                          server::BodyPipeline& pipe, BodyChunks& chunks,
                                          ErrorCode too_large, StallWatchdog& watchdog);
  template <class Stream>
  asio::awaitable<void> ResetConnection(Stream& stream, beast::flat_buffer& buffer,
                                        http::request_parser<http::empty_body>& hp);
  void AccessLog(const RequestContext& ctx, const Response& r, uint64_t bytes_in,
                 uint64_t bytes_out, std::chrono::steady_clock::time_point start);
};

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
      beast::ssl_stream<beast::tcp_stream&> tls_stream(stream, *tls);
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
  beast::error_code ec;
  if (!tls && !stopping) {
    // Lingering close: a request refused before its body was read leaves
    // bytes unread, and closing on them sends RST, which can destroy the
    // error response before the client reads it. Send FIN, then discard
    // what still arrives for a short while.
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(
        std::min<std::chrono::milliseconds>(options.read_timeout, std::chrono::seconds(2)));
    std::unique_ptr<char[]> sink(new char[16 * 1024]);
    for (size_t drained = 0; !ec && drained < 4 * 1024 * 1024;) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink.get(), 16 * 1024), kTuple);
      ec = rec;
      drained += n;
    }
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  track->socket = nullptr;
  {
    std::lock_guard lock(mu);
    sessions.erase(track);
  }
  --connections;
  cv.notify_all();
}

template <class Stream>
asio::awaitable<void> Server::Impl::Serve(Stream& stream, SessionTrack& track) {
  beast::flat_buffer buffer;
  for (;;) {
    track.busy = false;
    if (stopping) co_return;
    http::request_parser<http::empty_body> hp;
    hp.header_limit(options.max_header_bytes);
    // Beast's default 1 MiB body limit would refuse a part at header time;
    // limits are per operation, applied once the route is known.
    hp.body_limit(boost::none);
    beast::error_code ec;
    if (buffer.size() == 0) {
      // Idle until the first byte of the next request...
      beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
      auto [ec1, n1] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
      buffer.commit(n1);
      ec = ec1;
    }
    if (!ec) {
      // ...then the whole header section within one absolute deadline, however
      // slowly its bytes keep coming (slowloris).
      beast::get_lowest_layer(stream).expires_after(options.read_timeout);
      auto [ec2, n2] = co_await http::async_read_header(stream, buffer, hp, kTuple);
      ec = ec2;
    }
    if (ec) {
      if (ec == http::error::header_limit) {
        RequestContext ctx;
        ctx.state = state.get();
        ctx.now = state->Now();
        ctx.request_id = state->NextRequestId();
        Response r =
            Response::Error(Status(ErrorCode::kRequestHeaderSectionTooLarge)
                                .With("MaxSizeAllowed", std::to_string(options.max_header_bytes)));
        co_await server::Finalize(ctx, r);
        co_await WriteResponse(stream, ctx, r, false);
      } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                 ec != asio::error::operation_aborted && ec != beast::error::timeout &&
                 ec != asio::error::connection_reset && buffer.size() > 0) {
        RequestContext ctx;
        ctx.state = state.get();
        ctx.now = state->Now();
        ctx.request_id = state->NextRequestId();
        Response r = Response::Error(Status(ErrorCode::kInvalidRequest, "Malformed HTTP request"));
        co_await server::Finalize(ctx, r);
        co_await WriteResponse(stream, ctx, r, false);
      }
      co_return;
    }
    track.busy = true;
    bool keep = co_await HandleOne(stream, buffer, hp, track.md5_batch);
    if (!keep) co_return;
  }
}

template <class Stream>
asio::awaitable<bool> Server::Impl::HandleOne(Stream& stream, beast::flat_buffer& buffer,
                                              http::request_parser<http::empty_body>& hp,
                                              auth::Md5Batch* md5_batch) {
  auto start = std::chrono::steady_clock::now();
  RequestContext ctx;
  ctx.state = state.get();
  ctx.now = state->Now();
  ctx.request_id = state->NextRequestId();
  ctx.tls = !std::is_same_v<Stream, beast::tcp_stream>;
  ctx.md5_batch = md5_batch;
  // Declared before the body's sink, so that they outlive it.
  BodyChunks chunks;
  bool keep_alive = hp.get().keep_alive();
  uint64_t bytes_in = 0;

  Response response;
  bool truncate = false;
  bool body_consumed = hp.is_done();
  if (Status s = server::BuildView(hp, ctx, options.max_header_fields); !s.ok()) {
    // Too many fields is abuse, and a request whose framing or action
    // headers are refused may have a body we cannot delimit: answer, then close.
    keep_alive = false;
    response = Response::Error(std::move(s));
  } else {
    server::Prepared p = co_await server::Prepare(ctx);
    std::optional<FaultRule> fault;
    if (!p.done) fault = MatchFault(ctx);
    if (fault && fault->action == FaultAction::kDelay) {
      asio::steady_timer timer(stream.get_executor(), std::chrono::milliseconds(fault->delay_ms));
      co_await timer.async_wait(kTuple);
    } else if (fault && fault->action == FaultAction::kError) {
      p.done = true;
      p.response = server::FaultResponse(ctx, *fault);
      ctx.fault_code = fault->error_code;
    } else if (fault && fault->action == FaultAction::kReset) {
      co_await ResetConnection(stream, buffer, hp);
      AccessLog(ctx, Response::Error(Status(ErrorCode::kInternalError)), 0, 0, start);
      co_return false;
    } else if (fault && fault->action == FaultAction::kTruncate) {
      truncate = true;
    }
    if (p.done) {
      response = std::move(p.response);
    } else if (p.handler->mode == server::BodyMode::kStream) {
      auto sink = co_await p.handler->begin(ctx);
      if (!sink.ok()) {
        response = Response::Error(sink.status());
      } else {
        auto pipe = server::MakeBodyPipeline(ctx, sink->get(), options.max_part_size);
        if (!pipe.ok()) {
          response = Response::Error(pipe.status());
        } else {
          bool broken = false;
          Status s = co_await ReadBody(stream, buffer, hp, **pipe, chunks, options.max_part_size,
                                       ErrorCode::kEntityTooLarge, broken);
          body_consumed = !broken;
          bytes_in = ctx.content_length.value_or(0);
          if (s.ok()) {
            response = co_await (*sink)->Finish();
          } else {
            response = Response::Error(std::move(s));
          }
        }
      }
    } else {
      auto pipe = server::MakeBodyPipeline(ctx, nullptr, options.max_xml_body);
      if (!pipe.ok()) {
        response = Response::Error(pipe.status());
      } else {
        bool broken = false;
        Status s = co_await ReadBody(stream, buffer, hp, **pipe, chunks, options.max_xml_body,
                                     ErrorCode::kMaxMessageLengthExceeded, broken);
        body_consumed = !broken;
        bytes_in = ctx.body.size();
        if (!s.ok()) {
          response = Response::Error(std::move(s));
        } else if (p.handler->off_loop) {
          response = co_await RunOffLoop(ctx, *p.handler);
        } else {
          response = co_await server::Run(ctx, *p.handler);
        }
      }
    }
  }
  // A body we did not read would be taken for the next request: close instead.
  if (!body_consumed) keep_alive = false;
  if (stopping) keep_alive = false;
  co_await server::Finalize(ctx, response);
  uint64_t bytes_out = response.source ? response.source_length : response.body.size();
  // Counted before the answer leaves, so a client that reads /metrics right
  // after its response sees its request; a streamed body is counted once sent,
  // so its duration covers the transfer.
  bool streamed = response.source != nullptr;
  if (!streamed) AccessLog(ctx, response, bytes_in, bytes_out, start);
  bool ok = co_await WriteResponse(stream, ctx, response, keep_alive, truncate);
  if (streamed) AccessLog(ctx, response, bytes_in, bytes_out, start);
  co_return ok&& keep_alive && !truncate;
}

template <class Stream>
asio::awaitable<Status> Server::Impl::ReadBody(Stream& stream, beast::flat_buffer& buffer,
                                               http::request_parser<http::empty_body>& hp,
                                               server::BodyPipeline& pipe, BodyChunks& chunks,
                                               uint64_t limit, ErrorCode too_large, bool& broken) {
  broken = true;
  http::request_parser<http::buffer_body> bp(std::move(hp));
  bp.body_limit(limit);
  // Header-first reading lets us answer Expect: 100-continue only once we
  // know we want the body (boto3 waits for it before sending parts).
  if (!bp.is_done() && ExpectsContinue(bp.get())) {
    if (co_await WriteContinue(stream)) co_return Status(ErrorCode::kIncompleteBody);
  }
  // A body that stops arriving for read_timeout gets S3's 400 RequestTimeout.
  // Beast's own deadline would close the socket before we could answer, so
  // body reads run without it and a watchdog cancels the read instead.
  beast::get_lowest_layer(stream).expires_never();
  StallWatchdog watchdog(stream.get_executor(), &beast::get_lowest_layer(stream).socket(),
                         options.read_timeout);
  // Not one conditional expression of two co_awaits: GCC 12 destroys its
  // temporaries twice.
  Status s;
  if (auto length = bp.content_length(); length && !bp.chunked()) {
    s = co_await ReadSizedBody(stream, buffer, *length, pipe, chunks, limit, too_large, watchdog);
  } else {
    s = co_await ReadChunkedBody(stream, buffer, bp, pipe, chunks, too_large, watchdog);
  }
  if (!s.ok()) co_return s;
  broken = false;
  co_return pipe.End();
}

// The usual upload: a Content-Length body, read straight from the socket into
// one chunk and handed on from there (hashes, then the blob file) while it is
// in cache. Beast's buffer_body would copy every byte once more, from the
// connection buffer into the body buffer. Bytes that arrived with the header
// go first, from the connection buffer; no read goes past the body, so a
// pipelined next request stays in the connection buffer.
template <class Stream>
asio::awaitable<Status> Server::Impl::ReadSizedBody(Stream& stream, beast::flat_buffer& buffer,
                                                    uint64_t length, server::BodyPipeline& pipe,
                                                    BodyChunks& chunks, uint64_t limit,
                                                    ErrorCode too_large, StallWatchdog& watchdog) {
  if (length > limit) co_return Status(too_large);
  uint64_t left = length;
  if (buffer.size() > 0 && left > 0) {
    size_t k = static_cast<size_t>(std::min<uint64_t>(buffer.size(), left));
    if (Status s = pipe.Write(static_cast<const char*>(buffer.data().data()), k); !s.ok())
      co_return s;
    buffer.consume(k);
    left -= k;
  }
  if (left == 0) co_return Status::Ok();
  const size_t chunk_size = static_cast<size_t>(std::min<uint64_t>(left, kBodyChunk));
  while (left > 0) {
    watchdog.Progress();
    char* chunk = chunks.Next(chunk_size);
    size_t want = static_cast<size_t>(std::min<uint64_t>(left, chunk_size));
    // read_some: returns after each recv, so every byte counts as progress.
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk, want), kTuple);
    if (watchdog.fired()) co_return Status(ErrorCode::kRequestTimeout);
    if (ec) co_return Status(ErrorCode::kIncompleteBody);
    if (Status s = chunks.Hand(pipe, chunk, n); !s.ok()) co_return s;
    left -= n;
  }
  co_return Status::Ok();
}

// Transfer-Encoding: chunked (or a body delimited by the connection's end):
// Beast's parser takes the framing apart.
template <class Stream>
asio::awaitable<Status> Server::Impl::ReadChunkedBody(Stream& stream, beast::flat_buffer& buffer,
                                                      http::request_parser<http::buffer_body>& bp,
                                                      server::BodyPipeline& pipe,
                                                      BodyChunks& chunks, ErrorCode too_large,
                                                      StallWatchdog& watchdog) {
  // The connection's buffer starts at 4 KiB, and Beast reads no more than its
  // free capacity per recv(): large bodies get room for 256 KiB reads while
  // they stream, then the buffer shrinks back.
  buffer.reserve(kBodyChunk);
  struct Shrink {
    beast::flat_buffer& b;
    ~Shrink() { b.shrink_to_fit(); }
  } shrink{buffer};
  while (!bp.is_done()) {
    char* chunk = chunks.Next(kBodyChunk);
    bp.get().body().data = chunk;
    bp.get().body().size = kBodyChunk;
    watchdog.Progress();
    auto [ec, n] = co_await http::async_read_some(stream, buffer, bp, kTuple);
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) co_return Status(too_large);
    if (watchdog.fired()) co_return Status(ErrorCode::kRequestTimeout);
    if (ec) co_return Status(ErrorCode::kIncompleteBody);
    size_t got = kBodyChunk - bp.get().body().size;
    if (got > 0) {
      if (Status s = chunks.Hand(pipe, chunk, got); !s.ok()) co_return s;
    }
  }
  co_return Status::Ok();
}

template <class Stream>
asio::awaitable<bool> Server::Impl::WriteResponse(Stream& stream, RequestContext& ctx, Response& r,
                                                  bool keep_alive, bool truncate) {
  bool head = ctx.view.method == "HEAD";
  beast::get_lowest_layer(stream).expires_after(options.read_timeout);
  using SpanBody = http::span_body<const char>;
  http::response<SpanBody> res{static_cast<http::status>(r.status), 11};
  std::optional<uint64_t> declared_length;
  for (auto& [name, value] : r.headers) {
    if (name == "Content-Length") {
      declared_length = std::stoull(value);
      continue;
    }
    res.insert(name, value);
  }
  res.set(http::field::connection, keep_alive ? "keep-alive" : "close");
  uint64_t length = r.source ? r.source_length : r.body.size();
  if (head && declared_length) length = *declared_length;
  bool no_body_status = r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);
  if (!no_body_status) res.content_length(length);
  if (!r.source && !truncate) {
    // Header and body leave in one gather write: one send, one segment.
    if (!head && !no_body_status) res.body() = SpanBody::value_type(r.body.data(), r.body.size());
    http::response_serializer<SpanBody> sr{res};
    auto [ec, n] = co_await http::async_write(stream, sr, kTuple);
    co_return !ec;
  }
  http::response_serializer<SpanBody> sr{res};
  auto [ec, n] = co_await http::async_write_header(stream, sr, kTuple);
  if (ec) co_return false;
  if (head || no_body_status) co_return true;
  if (!r.source) {
    if (r.body.empty()) co_return true;
    size_t n = truncate ? r.body.size() / 2 : r.body.size();
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(r.body.data(), n), kTuple);
    co_return !wec;
  }
  uint64_t left = truncate ? r.source_length / 2 : r.source_length;
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    // Plain TCP: blobs go from the page cache to the socket with sendfile,
    // as nginx does; a watchdog bounds a stalled reader.
    tcp::socket& sock = beast::get_lowest_layer(stream).socket();
    beast::error_code ignored;
    // Already so after the session's first async operation: no ioctl per GET.
    if (!sock.native_non_blocking()) sock.native_non_blocking(true, ignored);
    StallWatchdog watchdog(stream.get_executor(), &sock, options.read_timeout);
    constexpr size_t kSendfileMax = 2 << 20;  // nginx's sendfile_max_chunk
    while (left > 0) {
      auto span =
          r.source->NextFileSpan(static_cast<size_t>(std::min<uint64_t>(left, kSendfileMax)));
      if (!span.ok() || span->fd < 0) break;  // not in a file (or failing): Read reports it below
      off_t offset = static_cast<off_t>(span->offset);
      ssize_t sent = ::sendfile(sock.native_handle(), span->fd, &offset, span->length);
      if (sent > 0) {
        r.source->Consume(static_cast<size_t>(sent));
        left -= static_cast<uint64_t>(sent);
        watchdog.Progress();
      } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        auto [wec] = co_await sock.async_wait(tcp::socket::wait_write, kTuple);
        if (wec || watchdog.fired()) co_return false;
      } else if (sent < 0 && errno == EINTR) {
        continue;
      } else {
        if (sent == 0) {
          state->logger->error("request {}: blob shorter than its manifest after headers were sent",
                               ctx.request_id);
        }
        co_return false;
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
      state->logger->error("request {}: body read failed after headers were sent", ctx.request_id);
      co_return false;
    }
    beast::get_lowest_layer(stream).expires_after(options.read_timeout);
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(chunk.get(), *got), kTuple);
    if (wec) co_return false;
    left -= *got;
  }
  co_return true;
}

std::optional<FaultRule> Server::Impl::MatchFault(RequestContext& ctx) {
  // Never the admin endpoints themselves: a rule can always be removed.
  if (ctx.route.op == server::Op::kAdminFaults || ctx.route.op == server::Op::kAdminRequests)
    return std::nullopt;
  int part = 0;
  if (const auto* q = ctx.view.Query("partNumber")) part = std::atoi(q->value.c_str());
  auto fault =
      state->faults.Match(server::OpName(ctx.route.op), ctx.route.bucket, ctx.route.key, part);
  if (fault) {
    state->logger->warn("fault fired: req={} op={} action={} code={} status={}", ctx.request_id,
                        server::OpName(ctx.route.op), server::FaultActionName(fault->action),
                        fault->error_code, fault->http_status);
  }
  return fault;
}

asio::awaitable<Response> Server::Impl::RunOffLoop(RequestContext& ctx,
                                                   const server::OpHandler& handler) {
  co_return co_await asio::co_spawn(
      workers->get_executor(),
      [&]() -> asio::awaitable<Response> {
        // The MD5 lanes belong to the session's event loop, not to this thread.
        ctx.md5_batch = nullptr;
        co_return co_await server::Run(ctx, handler);
      },
      asio::use_awaitable);
}

template <class Stream>
asio::awaitable<beast::error_code> Server::Impl::WriteContinue(Stream& stream) {
  http::response<http::empty_body> cont{http::status::continue_, 11};
  beast::get_lowest_layer(stream).expires_after(options.read_timeout);
  auto [ec, n] = co_await http::async_write(stream, cont, kTuple);
  co_return ec;
}

// An injected connection reset: take some of the body (so the client is
// mid-upload), then close with RST (SO_LINGER 0).
template <class Stream>
asio::awaitable<void> Server::Impl::ResetConnection(Stream& stream, beast::flat_buffer& buffer,
                                                    http::request_parser<http::empty_body>& hp) {
  beast::error_code ec;
  if (!hp.is_done()) {
    if (ExpectsContinue(hp.get())) co_await WriteContinue(stream);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_read_some(buffer.prepare(64 * 1024), kTuple);
  }
  beast::get_lowest_layer(stream).socket().set_option(asio::socket_base::linger(true, 0), ec);
  beast::get_lowest_layer(stream).socket().close(ec);
}

void Server::Impl::AccessLog(const RequestContext& ctx, const Response& r, uint64_t bytes_in,
                             uint64_t bytes_out, std::chrono::steady_clock::time_point start) {
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  int status = r.status;
  state->metrics.Observe(ctx.route.op, status, bytes_in, bytes_out, ms / 1000);
  server::RecordRecentRequest(*state, ctx, r, bytes_in, bytes_out, ms);
  auto& log = *state->logger;
  // Health probes and metrics scrapes come every few seconds: debug only.
  const auto level = ctx.operational ? spdlog::level::debug : spdlog::level::info;
  if (!log.should_log(level)) return;
  std::string_view code = r.error.ok() ? std::string_view("-") : server::LookupErrorCode(r.error);
  // Never the Authorization header, signatures or secrets: only who and what.
  log.log(level,
          "access req={} op={} method={} bucket={} key={} status={} code={} in={} out={} "
          "ms={:.3f} user={}",
          ctx.request_id, server::OpName(ctx.route.op), ctx.view.method,
          server::LogQuote(ctx.route.bucket.empty() ? "-" : ctx.route.bucket),
          server::LogQuote(ctx.route.key.empty() ? "-" : ctx.route.key), status, code, bytes_in,
          bytes_out, ms, ctx.user ? server::LogQuote(ctx.user->name) : std::string("-"));
}

// Aborts uploads pending longer than abort_incomplete_after (when set) and
// applies the buckets' lifecycle rules.
asio::awaitable<void> Server::Impl::SweepOnce() {
  const std::chrono::milliseconds age = options.abort_incomplete_after;
  Result<int> aborted = 0;
  if (age.count() > 0)
    aborted = co_await state->store->AbortUploadsOlderThan(server::ToTimeMs(state->Now() - age));
  auto swept = co_await server::ApplyLifecycle(*state, server::ToTimeMs(state->Now()));
  if (!aborted.ok()) {
    state->logger->warn("stale upload sweep failed: {}", aborted.status().message());
  } else if (*aborted > 0) {
    state->logger->info("aborted {} multipart uploads pending over {} s", *aborted,
                        age.count() / 1000);
  }
  if (!swept.ok()) {
    state->logger->warn("lifecycle sweep failed: {}", swept.status().message());
  } else if (swept->uploads_aborted + swept->objects_expired > 0) {
    state->logger->info("lifecycle: aborted {} multipart uploads, expired {} objects",
                        swept->uploads_aborted, swept->objects_expired);
  }
}

// Sweeps at start and then every min(abort_incomplete_after / 4, 60 s,
// lifecycle_interval), until Stop cancels the timer.
asio::awaitable<void> Server::Impl::ReapStaleUploads() {
  using std::chrono::milliseconds;
  const milliseconds age = options.abort_incomplete_after;
  milliseconds every = std::max(options.lifecycle_interval, milliseconds(10));
  if (age.count() > 0)
    every = std::min(every, std::clamp(age / 4, milliseconds(10), milliseconds(60'000)));
  while (!stopping) {
    co_await SweepOnce();
    if (stopping) co_return;
    reaper->expires_after(every);
    auto [ec] = co_await reaper->async_wait(kTuple);
    if (ec) co_return;
  }
}

Status Server::Impl::Start() {
  if (running) return Status(ErrorCode::kInvalidArgument, "server already started");
  if (options.users.empty())
    return Status(ErrorCode::kInvalidArgument, "at least one user (access key) is required");
  for (const auto& u : options.users) {
    if (u.name.empty() || u.access_key.empty() || u.secret_key.empty())
      return Status(ErrorCode::kInvalidArgument, "users need a name, access key and secret key");
  }
  if (options.domains.empty()) options.domains = {"localhost"};
  auto st = std::make_unique<server::ServerState>();
  st->options = options;
  st->logger = server::MakeLogger(options, "s2lite");
  for (const auto& u : options.users) st->users_by_access_key[u.access_key] = u;
  st->host_id = common::Base64Encode(common::RandomHex(24));
  st->request_id_prefix = common::RandomHex(4);
  storage::StoreOptions so{options.data_dir, options.in_memory, options.fsync,
                           /*group_commit=*/!options.in_memory};
  so.registry = options.registry;
  // A PostgreSQL registry's pool: four connections per I/O thread.
  so.registry_connections =
      4 * static_cast<int>(options.threads ? options.threads
                                           : std::max(1u, std::thread::hardware_concurrency()));
  if (options.clock) so.now = [clock = options.clock] { return server::ToTimeMs(clock()); };
  so.warn = [logger = st->logger](const std::string& message) { logger->warn("{}", message); };
  auto store = storage::OpenObjectStore(so);
  if (!store.ok()) return store.status();
  st->store = std::move(*store);
  for (const auto& name : options.buckets) {
    if (Status s = EnsureBucket(*st, name); !s.ok()) return s;
  }
  if (!options.seed_dir.empty()) {
    auto seeded = server::SeedFromDirectory(*st, options.seed_dir);
    if (!seeded.ok()) return seeded.status();
    st->logger->info("seeded {} buckets from {}: {} objects uploaded, {} unchanged",
                     seeded->buckets, options.seed_dir, seeded->uploaded, seeded->unchanged);
  }

  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty())
      return Status(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key file");
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    beast::error_code tls_ec;
    ctx->use_certificate_chain_file(options.tls_cert_file, tls_ec);
    if (!tls_ec) ctx->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, tls_ec);
    if (tls_ec)
      return Status(ErrorCode::kInvalidArgument,
                    "cannot load TLS certificate/key: " + tls_ec.message());
    tls = std::move(ctx);
  }
  unsigned n =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  iocs.clear();
  md5_batches.clear();
  for (unsigned i = 0; i < n; ++i) {
    iocs.push_back(std::make_unique<asio::io_context>(1));
    md5_batches.push_back(options.md5_lanes ? std::make_unique<auth::Md5Batch>() : nullptr);
  }
  beast::error_code ec;
  std::string host = options.listen_host == "localhost" ? "127.0.0.1" : options.listen_host;
  auto address = asio::ip::make_address(host, ec);
  if (ec)
    return Status(ErrorCode::kInvalidArgument, "invalid listen address: " + options.listen_host);
  tcp::endpoint ep(address, options.listen_port);
  // On the first worker's (single-threaded) io_context: Stop() posts the
  // close to it, so it never runs while the accept loop arms its next accept.
  acceptor = std::make_unique<tcp::acceptor>(*iocs.front());
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(ErrorCode::kInternalError, "cannot listen on " + options.listen_host + ":" +
                                                 std::to_string(options.listen_port) + ": " +
                                                 ec.message());
  }
  port = acceptor->local_endpoint().port();
  {
    asio::ip::address bound = acceptor->local_endpoint().address();
    listen_address = bound.is_v6() ? "[" + bound.to_string() + "]" : bound.to_string();
    listen_address += ":" + std::to_string(port);
  }
  for (const auto& rule : options.faults) st->faults.Add(rule);
  state = std::move(st);
  // Every thread the library starts inherits a mask with SIGPIPE blocked: a
  // write to a peer that reset (sendfile has no MSG_NOSIGNAL) then fails with
  // EPIPE instead of killing a host process that keeps SIGPIPE's default.
  SigpipeBlocked no_sigpipe;
  workers = std::make_unique<asio::thread_pool>(kWorkerThreads);
  stopping = false;
  asio::co_spawn(acceptor->get_executor(), AcceptLoop(), asio::detached);
  reaper = std::make_unique<asio::steady_timer>(*iocs.front());
  asio::co_spawn(reaper->get_executor(), ReapStaleUploads(), asio::detached);
  for (auto& ioc : iocs) {
    idle_guards.push_back(asio::make_work_guard(*ioc));
    threads.emplace_back([ctx = ioc.get()] { ctx->run(); });
  }
  running = true;
  state->ready = true;
  return Status::Ok();
}

void Server::Impl::Stop() {
  if (!running) return;
  stopping = true;
  if (reaper) asio::post(reaper->get_executor(), [this] { reaper->cancel(); });
  state->ready = false;
  asio::post(acceptor->get_executor(), [this] {
    beast::error_code ec;
    acceptor->close(ec);
  });
  idle_guards.clear();  // each run() returns once its connections are gone
  {
    std::unique_lock lock(mu);
    for (const auto& track : sessions) {
      // Idle connections are cancelled; busy ones finish their request, then close.
      asio::post(track->executor, [track] {
        // The socket may already be closed (a deadline fired, or a reset
        // fault): cancel must not throw on this thread.
        beast::error_code ignored;
        if (track->socket && !track->busy) track->socket->cancel(ignored);
      });
    }
    if (!cv.wait_for(lock, std::chrono::seconds(10), [this] { return sessions.empty(); })) {
      state->logger->warn("stop: {} connections still busy, closing them", sessions.size());
      for (auto& ioc : iocs) ioc->stop();
    }
  }
  for (auto& t : threads) t.join();
  threads.clear();
  workers->join();  // a copy still running finishes (its session is gone)
  workers.reset();
  // The store's last commit, before the io_contexts its waiters belong to go.
  state->store.reset();
  acceptor.reset();
  reaper.reset();
  iocs.clear();
  state->logger->flush();
  state.reset();  // closes the registry cleanly
  running = false;
  port = 0;
  listen_address.clear();
}

namespace server {
std::string ServerState::NextRequestId() {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08llX", static_cast<unsigned long long>(request_counter++));
  std::string id = request_id_prefix + buf;
  for (char& c : id)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  return id;
}
}  // namespace server

Server::Server(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
Server::~Server() { Stop(); }
Status Server::Start() { return impl_->Start(); }
void Server::Stop() { impl_->Stop(); }
uint16_t Server::port() const { return impl_->port; }
std::string Server::listen_address() const { return impl_->listen_address; }
std::string Server::endpoint() const {
  std::string host = impl_->options.listen_host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::")
    host = "[::1]";
  else if (host.find(':') != std::string::npos && host.front() != '[')
    host = "[" + host + "]";
  return (impl_->tls ? "https://" : "http://") + host + ":" + std::to_string(impl_->port);
}
const Options& Server::options() const { return impl_->options; }

}  // namespace s2lite

// --- Inspection ------------------------------------------------------------

namespace s2lite {
namespace {

ObjectMetadata ToPublic(const storage::ObjectAttrs& a) {
  ObjectMetadata m;
  m.content_type = a.content_type;
  m.cache_control = a.cache_control;
  m.content_disposition = a.content_disposition;
  m.content_encoding = a.content_encoding;
  m.content_language = a.content_language;
  m.expires = a.expires;
  m.user = a.metadata;
  m.storage_class = a.storage_class;
  m.tagging = a.tagging;
  m.acl = a.acl;
  m.checksum_algorithm = a.checksum_algorithm;
  m.server_side_encryption = a.sse;
  return m;
}

Status NotRunning() { return Status(ErrorCode::kServiceUnavailable, "server is not started"); }

}  // namespace

Result<std::vector<UploadSnapshot>> Server::ListUploads(const std::string& bucket) const {
  if (!impl_->state) return NotRunning();
  storage::SyncStore store(*impl_->state->store);
  std::vector<std::string> buckets;
  if (!bucket.empty()) {
    buckets.push_back(bucket);
  } else {
    auto all = store.ListBuckets("");
    if (!all.ok()) return all.status();
    for (const auto& b : *all) buckets.push_back(b.name);
  }
  std::vector<UploadSnapshot> out;
  for (const auto& b : buckets) {
    storage::ListUploadsQuery q;
    q.bucket = b;
    q.max_uploads = 1000;
    for (;;) {
      auto page = store.ListUploads(q);
      if (!page.ok()) return page.status();
      for (const auto& u : page->uploads) {
        UploadSnapshot s{u.upload_id, u.bucket, u.key, u.initiator, u.created, ToPublic(u.attrs)};
        bool truncated = false;
        auto parts = store.ListParts(u.upload_id, 0, 10000, &truncated);
        if (parts.ok()) s.parts = static_cast<int>(parts->size());
        out.push_back(std::move(s));
      }
      if (!page->truncated || page->uploads.empty()) break;
      q.key_marker = page->uploads.back().key;
      q.upload_id_marker = page->uploads.back().upload_id;
    }
  }
  return out;
}

Result<std::vector<ObjectSnapshot>> Server::ListObjects(const std::string& bucket) const {
  if (!impl_->state) return NotRunning();
  storage::SyncStore store(*impl_->state->store);
  if (auto b = store.GetBucket(bucket); !b.ok()) return b.status();
  std::vector<ObjectSnapshot> out;
  storage::ListObjectsQuery q;
  q.bucket = bucket;
  for (;;) {
    auto page = store.ListObjects(q);
    if (!page.ok()) return page.status();
    for (const auto& o : page->objects) {
      out.push_back(
          {o.bucket, o.key, o.size, o.etag, o.last_modified, o.parts_count, ToPublic(o.attrs)});
    }
    if (!page->truncated || page->objects.empty()) break;
    q.start_after = page->objects.back().key;
  }
  return out;
}

Result<std::string> Server::ReadObject(const std::string& bucket, const std::string& key) const {
  if (!impl_->state) return NotRunning();
  storage::SyncStore store(*impl_->state->store);
  if (auto b = store.GetBucket(bucket); !b.ok()) return b.status();
  auto object = store.GetObjectForRead(bucket, key);
  if (!object.ok()) return object.status();
  const uint64_t size = object->info.size;
  storage::ObjectReader reader(store.async(), std::move(*object), 0, size);
  if (Status s = reader.Open(); !s.ok()) return s;
  std::string bytes(size, '\0');
  for (uint64_t done = 0; done < size;) {
    auto n = reader.Read(bytes.data() + done, size - done);
    if (!n.ok()) return n.status();
    if (*n == 0) return Status(ErrorCode::kInternalError, "object shorter than recorded");
    done += *n;
  }
  return bytes;
}

Status Server::CreateBucket(const std::string& bucket) {
  if (!impl_->state) return NotRunning();
  return EnsureBucket(*impl_->state, bucket);
}

int Server::AddFault(FaultRule rule) {
  if (!impl_->state) {
    impl_->options.faults.push_back(std::move(rule));
    return 0;
  }
  return impl_->state->faults.Add(std::move(rule));
}

bool Server::RemoveFault(int id) { return impl_->state ? impl_->state->faults.Remove(id) : false; }

void Server::ClearFaults() {
  impl_->options.faults.clear();
  if (impl_->state) impl_->state->faults.Clear();
}

uint64_t Server::FaultsFired() const { return impl_->state ? impl_->state->faults.fired() : 0; }

Status Server::Reset() {
  if (!impl_->state) return NotRunning();
  if (Status s = storage::Sync(impl_->state->store->Reset()); !s.ok()) return s;
  for (const auto& b : impl_->options.buckets) {
    if (Status s = CreateBucket(b); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace s2lite
