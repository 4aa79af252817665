// A connection's requests, one after another: read a header, run the request
// pipeline (which reads the body), write the response, keep the connection
// or close it.
#include <spdlog/logger.h>

#include <boost/beast/http/read.hpp>
#include <chrono>

#include "server/body_reader.h"
#include "server/errors.h"
#include "server/http_request.h"
#include "server/logging.h"
#include "server/pipeline.h"
#include "server/response_writer.h"
#include "server/server_impl.h"

namespace s2lite {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using server::kTuple;
using server::RequestContext;
using server::Response;

// Counts the request in the metrics and the recent-requests list, and logs
// its access line.
void AccessLog(server::ServerState& st, const RequestContext& ctx, const Response& r,
               uint64_t bytes_in, uint64_t bytes_out, std::chrono::steady_clock::time_point start) {
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  int status = r.status;
  st.metrics.Observe(ctx.route.op, status, bytes_in, bytes_out, ms / 1000);
  server::RecordRecentRequest(st, ctx, r, bytes_in, bytes_out, ms);
  auto& log = *st.logger;
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

// Whether a failed header read deserves an answer: not a connection that
// closed, went idle or was cancelled, and only when bytes had arrived.
bool WorthAnswering(const beast::error_code& ec, const beast::flat_buffer& buffer) {
  return ec != http::error::end_of_stream && ec != asio::error::eof &&
         ec != asio::error::operation_aborted && ec != beast::error::timeout &&
         ec != asio::error::connection_reset && buffer.size() > 0;
}

}  // namespace

void Server::Impl::BeginRequest(RequestContext& ctx) {
  ctx.state = state.get();
  ctx.now = state->Now();
  ctx.request_id = state->NextRequestId();
}

template <class Stream>
asio::awaitable<void> Server::Impl::Serve(Stream& stream, SessionTrack& track) {
  beast::flat_buffer buffer;
  for (;;) {
    track.busy = false;
    if (stopping) co_return;
    server::HeaderParser hp;
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
    if (ec == http::error::header_limit) {
      co_await RefuseHeader(stream,
                            Status(ErrorCode::kRequestHeaderSectionTooLarge)
                                .With("MaxSizeAllowed", std::to_string(options.max_header_bytes)));
    } else if (ec && WorthAnswering(ec, buffer)) {
      co_await RefuseHeader(stream, Status(ErrorCode::kInvalidRequest, "Malformed HTTP request"));
    }
    if (ec) co_return;
    track.busy = true;
    bool keep = co_await HandleOne(stream, buffer, hp, track.md5_batch);
    if (!keep) co_return;
  }
}

template <class Stream>
asio::awaitable<void> Server::Impl::RefuseHeader(Stream& stream, Status error) {
  RequestContext ctx;
  BeginRequest(ctx);
  Response r = Response::Error(std::move(error));
  co_await server::Finalize(ctx, r);
  co_await server::WriteResponse(stream, ctx, r, false, false);
}

template <class Stream>
asio::awaitable<bool> Server::Impl::HandleOne(Stream& stream, beast::flat_buffer& buffer,
                                              server::HeaderParser& hp, auth::Md5Batch* md5_batch) {
  const auto start = std::chrono::steady_clock::now();
  RequestContext ctx;
  BeginRequest(ctx);
  ctx.tls = !std::is_same_v<Stream, server::PlainStream>;
  ctx.md5_batch = md5_batch;
  // Declared before the pipeline's frame holds the body's sink: its buffers
  // outlive the sink.
  server::BodyReader<Stream> body(stream, buffer, hp, options.read_timeout);
  server::Outcome out;
  bool keep_alive = hp.get().keep_alive();
  if (Status s = server::BuildView(hp, ctx, options.max_header_fields); !s.ok()) {
    // Too many fields is abuse, and a request whose framing or action
    // headers are refused may have a body we cannot delimit: answer, then close.
    keep_alive = false;
    out.response = Response::Error(std::move(s));
    co_await server::Finalize(ctx, out.response);
  } else {
    co_await server::RunPipeline(ctx, body, out);
  }
  if (out.reset) {
    AccessLog(*state, ctx, Response::Error(Status(ErrorCode::kInternalError)), 0, 0, start);
    co_return false;
  }
  // A body we did not read would be taken for the next request: close instead.
  if (!body.consumed() || stopping) keep_alive = false;
  Response& response = out.response;
  uint64_t bytes_out = response.source ? response.source_length : response.body.size();
  // Counted before the answer leaves, so a client that reads /metrics right
  // after its response sees its request; a streamed body is counted once sent,
  // so its duration covers the transfer.
  bool streamed = response.source != nullptr;
  if (!streamed) AccessLog(*state, ctx, response, body.bytes_in(), bytes_out, start);
  bool ok = co_await server::WriteResponse(stream, ctx, response, keep_alive, out.truncate);
  if (streamed) AccessLog(*state, ctx, response, body.bytes_in(), bytes_out, start);
  co_return ok&& keep_alive && !out.truncate;
}

template asio::awaitable<void> Server::Impl::Serve(server::PlainStream&, SessionTrack&);
template asio::awaitable<void> Server::Impl::Serve(server::TlsStream&, SessionTrack&);

}  // namespace s2lite
