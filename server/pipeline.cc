#include "server/pipeline.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "common/ascii.h"
#include "common/time.h"
#include "server/body_pipeline.h"
#include "server/console.h"
#include "server/errors.h"
#include "server/handlers/common.h"
#include "server/leader.h"
#include "server/logging.h"
#include "server/state.h"

namespace s2lite::server {
namespace {

Status NotImplemented(const Route& route, const std::string& method) {
  if (route.method_not_allowed) {
    return Status(ErrorCode::kMethodNotAllowed)
        .With("Method", method)
        .With("ResourceType", route.bucket.empty() ? "SERVICE"
                              : route.key.empty()  ? "BUCKET"
                                                   : "OBJECT");
  }
  return Status(ErrorCode::kNotImplemented);
}

Task<Status> CheckBucket(RequestContext& ctx) {
  auto bucket = co_await ctx.state->store->GetBucket(ctx.route.bucket);
  if (!bucket.ok()) {
    Status s = bucket.status();
    if (s.code() == ErrorCode::kNoSuchBucket) s.With("BucketName", ctx.route.bucket);
    co_return s;
  }
  if (bucket->owner != ctx.user->name) co_return Status(ErrorCode::kAccessDenied);
  ctx.bucket_generation = bucket->generation;
  co_return Status::Ok();
}

// The two requests S3 takes without a signed header: a CORS preflight
// (browsers never sign one) and a browser form upload, whose signature is a
// field of its body. Their handlers authenticate (or need no identity).
bool AuthenticatesInHandler(Op op) { return op == Op::kCorsPreflight || op == Op::kPostObject; }

bool IsAnonymous(const auth::RequestView& v) {
  return !v.Header("authorization") && !v.Query("X-Amz-Signature") && !v.Query("Signature");
}

Response Plain(int status, std::string body, std::string type = "text/plain; charset=utf-8") {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.AddHeader("Content-Type", std::move(type));
  return r;
}

// Whether the request may be for an operational endpoint: a GET or HEAD in
// path style (in virtual-hosted style every path is an object key:
// "_s2lite/metrics" is an object there). Checked before ServeOperational, so
// that other requests pay no coroutine for it.
bool MayBeOperational(const RequestContext& ctx) {
  const auth::RequestView& v = ctx.view;
  if (v.method != "GET" && v.method != "HEAD") return false;
  return !VirtualHostBucket(ctx.host, ctx.state->options.domains);
}

// Health and metrics, unauthenticated. Under the reserved "/_s2lite/" prefix
// ('_' is invalid in bucket names) they can never collide with a bucket; the
// conventional "/health/live", "/health/ready" and "/metrics" are served only
// to anonymous requests, which S3 would refuse anyway, so a bucket named
// "health" or "metrics" stays reachable with signed requests.
Task<std::optional<Response>> ServeOperational(RequestContext& ctx) {
  const auth::RequestView& v = ctx.view;
  std::string_view path = v.raw_path;
  bool reserved = path.rfind("/_s2lite/", 0) == 0;
  if (reserved)
    path.remove_prefix(std::string_view("/_s2lite").size());
  else if (!IsAnonymous(v))
    co_return std::nullopt;
  ServerState& st = *ctx.state;
  if (reserved) {
    if (auto r = ServeConsole(ctx, path)) co_return r;
  }
  if (path == "/health/live") co_return Plain(200, "OK\n");
  if (path == "/health/ready") {
    if (!st.ready) co_return Plain(503, "starting or stopping\n");
    const bool reachable = co_await st.store->Probe();
    co_return reachable ? Plain(200, "OK\n") : Plain(503, "registry unreachable\n");
  }
  if (path == "/metrics") {
    StoreGauges g;
    if (auto b = co_await st.store->ListBuckets(""); b.ok())
      g.buckets = static_cast<int64_t>(b->size());
    std::string text = st.metrics.Render(g);
    text +=
        "# HELP s2lite_faults_fired_total Injected faults that fired.\n"
        "# TYPE s2lite_faults_fired_total counter\n"
        "s2lite_faults_fired_total " +
        std::to_string(st.faults.fired()) + "\n";
    text +=
        "# HELP s2lite_leader 1 while this daemon runs the background work (sweeps).\n"
        "# TYPE s2lite_leader gauge\n"
        "s2lite_leader " +
        std::string(st.leader && st.leader->leader() ? "1" : "0") + "\n";
    co_return Plain(200, std::move(text), "text/plain; version=0.0.4; charset=utf-8");
  }
  if (reserved && path != "/faults" && path != "/requests")
    co_return Response::Error(Status(ErrorCode::kInvalidRequest, "Unknown s2lite endpoint"));
  co_return std::nullopt;
}

// Refuses a Host the development credentials must not answer: a web page
// whose own name was rebound to 127.0.0.1 sends its Host.
Status CheckHost(const RequestContext& ctx) {
  const ServerState& st = *ctx.state;
  if (!st.options.local_hosts_only || IsLocalHost(ctx.host, st.options.domains))
    return Status::Ok();
  return Status(ErrorCode::kInvalidRequest,
                "This server runs on the public development credentials and answers "
                "only localhost, loopback addresses and its domains, not Host '" +
                    ctx.host + "'; configure users to serve other names")
      .With("Host", ctx.host);
}

// Verifies the request's signature (header or presigned URL); sets ctx.auth
// and ctx.user.
Status Authenticate(RequestContext& ctx) {
  ServerState& st = *ctx.state;
  auth::VerifyContext vc;
  vc.region = st.options.region;
  vc.bucket = ctx.route.bucket;
  vc.virtual_host = ctx.route.virtual_host;
  vc.now = ctx.now;
  vc.max_skew = st.options.max_clock_skew;
  vc.lookup = [&st](std::string_view key) { return st.FindUser(key); };
  auto auth = auth::Verify(ctx.view, vc);
  if (!auth.ok()) return auth.status();
  ctx.auth = std::move(*auth);
  ctx.user = ctx.auth.user;
  return Status::Ok();
}

// Routes the request and, unless its handler authenticates it, verifies its
// signature; sets `handler`.
Status RouteAndAuthenticate(RequestContext& ctx, const OpHandler*& handler) {
  auto route = ParseRoute(ctx.view, ctx.host, ctx.state->options.domains);
  if (!route.ok()) return route.status();
  ctx.route = std::move(*route);
  handler = FindHandler(ctx.route.op);
  if (AuthenticatesInHandler(ctx.route.op)) return Status::Ok();
  if (Status s = Authenticate(ctx); !s.ok()) return s;
  if (!handler) return NotImplemented(ctx.route, ctx.view.method);
  return Status::Ok();
}

// The fault rule (if any) that fires for this request, logged.
std::optional<FaultRule> MatchFault(const RequestContext& ctx) {
  // Never the admin endpoints themselves: a rule can always be removed.
  if (ctx.route.op == Op::kAdminFaults || ctx.route.op == Op::kAdminRequests) return std::nullopt;
  ServerState& st = *ctx.state;
  int part = 0;
  if (const auto* q = ctx.view.Query("partNumber")) part = std::atoi(q->value.c_str());
  auto fault = st.faults.Match(OpName(ctx.route.op), ctx.route.bucket, ctx.route.key, part);
  if (fault) {
    st.logger->warn("fault fired: req={} op={} action={} code={} status={}", ctx.request_id,
                    OpName(ctx.route.op), FaultActionName(fault->action), fault->error_code,
                    fault->http_status);
  }
  return fault;
}

// An injected error fault's answer (FaultAction::kError): its S3 code and
// HTTP status, whatever the error table says.
Response FaultResponse(const RequestContext& ctx, const FaultRule& fault) {
  Response r;
  r.status = fault.http_status;
  if (ctx.view.method != "HEAD") {
    const ServerState& st = *ctx.state;
    r.body =
        RenderErrorXml(fault.error_code, fault.message.empty() ? "Injected fault" : fault.message,
                       ctx.view.raw_path, ctx.request_id, st.host_id);
    r.headers.emplace_back("Content-Type", "application/xml");
  }
  return r;
}

// Runs a kNone/kXml handler, catching escaped exceptions as InternalError.
Task<Response> Run(RequestContext& ctx, const OpHandler& handler) {
  try {
    co_return co_await handler.handle(ctx);
  } catch (const std::exception& e) {
    ctx.state->logger->error("request {}: handler threw: {}", ctx.request_id, e.what());
    co_return Response::Error(Status(ErrorCode::kInternalError));
  }
}

// Runs `handler` on the worker pool and resumes on the session's thread.
Task<Response> RunOffLoop(RequestContext& ctx, const OpHandler& handler) {
  co_return co_await boost::asio::co_spawn(
      ctx.state->workers->get_executor(),
      [&]() -> Task<Response> {
        // The MD5 lanes belong to the session's event loop, not to this thread.
        ctx.md5_batch = nullptr;
        co_return co_await Run(ctx, handler);
      },
      boost::asio::use_awaitable);
}

}  // namespace

Task<void> RunPipeline(RequestContext& ctx, RequestBody& body, Outcome& out) {
  std::optional<Response> answer;  // given before the handler runs
  if (Status s = CheckHost(ctx); !s.ok()) answer = Response::Error(std::move(s));
  if (!answer && MayBeOperational(ctx)) {
    answer = co_await ServeOperational(ctx);
    ctx.operational = answer.has_value();
  }
  const OpHandler* handler = nullptr;
  if (!answer) {
    Status s = RouteAndAuthenticate(ctx, handler);
    if (s.ok() && !AuthenticatesInHandler(ctx.route.op) && handler->needs_bucket)
      s = co_await CheckBucket(ctx);
    if (!s.ok()) answer = Response::Error(std::move(s));
  }
  std::optional<FaultRule> fault;
  if (!answer) fault = MatchFault(ctx);
  if (fault && fault->action == FaultAction::kDelay) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                    std::chrono::milliseconds(fault->delay_ms));
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  } else if (fault && fault->action == FaultAction::kError) {
    answer = FaultResponse(ctx, *fault);
    ctx.fault_code = fault->error_code;
  } else if (fault && fault->action == FaultAction::kReset) {
    co_await body.Reset();
    out.reset = true;
    co_return;
  }
  out.truncate = fault && fault->action == FaultAction::kTruncate;
  const ServerState& st = *ctx.state;
  if (answer) {
    out.response = std::move(*answer);
  } else if (handler->mode == BodyMode::kStream) {
    auto sink = co_await handler->begin(ctx);
    Status s = sink.status();
    if (s.ok()) s = co_await body.Read(ctx, sink->get(), st.options.max_part_size);
    if (s.ok()) {
      out.response = co_await (*sink)->Finish();
    } else {
      out.response = Response::Error(std::move(s));
    }
  } else if (Status s = co_await body.Read(ctx, nullptr, st.options.max_xml_body); !s.ok()) {
    out.response = Response::Error(std::move(s));
  } else if (handler->off_loop) {
    out.response = co_await RunOffLoop(ctx, *handler);
  } else {
    out.response = co_await Run(ctx, *handler);
  }
  co_await Finalize(ctx, out.response);
}

Task<void> Finalize(RequestContext& ctx, Response& r) {
  ServerState& st = *ctx.state;
  // The last line of defence against response splitting: values are checked
  // where they enter, but a header carrying CR/LF or another control
  // character is never written, whatever produced it.
  for (const auto& [name, value] : r.headers) {
    if (common::HasControlChars(name) || common::HasControlChars(value)) {
      st.logger->error("request {}: response header {} holds control characters; not sent",
                       ctx.request_id, LogQuote(name));
      r = Response::Error(Status(ErrorCode::kInternalError));
      break;
    }
  }
  if (!r.error.ok()) {
    if (r.error.code() == ErrorCode::kInternalError && !r.error.message().empty()) {
      // Internal detail (SQLite, I/O) goes to the log, never to the client.
      st.logger->error("request {}: {}", ctx.request_id, r.error.message());
      r.error = Status(ErrorCode::kInternalError);
    }
    const ErrorInfo& info = LookupError(r.error.code());
    r.status = info.http_status;
    r.source.reset();
    r.headers.clear();
    if (ctx.view.method != "HEAD") {
      std::string resource = ctx.view.raw_path;
      r.body = RenderErrorXml(r.error, resource, ctx.request_id, st.host_id);
      r.headers.emplace_back("Content-Type", "application/xml");
    } else {
      r.body.clear();
    }
  }
  co_await AddCorsHeaders(ctx, r);
  r.headers.emplace_back("Date", common::FormatHttpDate(ToTimeMs(ctx.now) / 1000));
  r.headers.emplace_back("x-amz-request-id", ctx.request_id);
  r.headers.emplace_back("x-amz-id-2", st.host_id);
  if (ctx.user) r.headers.emplace_back("x-amz-s2-requester", ctx.user->name);
  r.headers.emplace_back("Server", "s2lite");
}

}  // namespace s2lite::server
