#include "server/dispatch.h"

#include <spdlog/spdlog.h>

#include "auth/aws_chunked.h"
#include "common/ascii.h"
#include "common/crypto.h"
#include "common/time.h"
#include "server/console.h"
#include "server/errors.h"
#include "server/handlers/common.h"
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

Prepared Fail(Status s) {
  Prepared p;
  p.done = true;
  p.response = Response::Error(std::move(s));
  return p;
}

// Hashes the body and compares it with the signed x-amz-content-sha256.
class PayloadPipeline final : public BodyPipeline {
 public:
  PayloadPipeline(RequestContext& ctx, std::string expected_sha256, BodySink* sink, uint64_t limit)
      : ctx_(ctx), expected_(std::move(expected_sha256)), sink_(sink), limit_(limit) {}

  Status Write(const char* data, size_t n) override {
    received_ += n;
    if (received_ > limit_)
      return Status(sink_ ? ErrorCode::kEntityTooLarge : ErrorCode::kMaxMessageLengthExceeded);
    if (!expected_.empty()) hasher_.Update(data, n);
    if (sink_) return sink_->Write(data, n);
    ctx_.body.append(data, n);
    return Status::Ok();
  }

  Status End() override {
    ctx_.body_bytes = received_;
    if (expected_.empty()) return Status::Ok();
    std::string got = common::HexEncode(hasher_.Final());
    if (!common::ConstantTimeEquals(got, expected_)) {
      return Status(ErrorCode::kXAmzContentSHA256Mismatch)
          .With("ClientComputedContentSHA256", expected_)
          .With("S3ComputedContentSHA256", got);
    }
    return Status::Ok();
  }

  uint64_t payload_bytes() const override { return received_; }

 private:
  RequestContext& ctx_;
  std::string expected_;
  BodySink* sink_;
  uint64_t limit_;
  uint64_t received_ = 0;
  common::Sha256Hasher hasher_;
};

// Decodes aws-chunked framing (signed chunks or unsigned with trailers),
// passing only payload bytes on: framing is never stored as data.
class ChunkedPipeline final : public BodyPipeline {
 public:
  ChunkedPipeline(RequestContext& ctx, std::optional<auth::ChunkSigning> signing, bool trailer,
                  BodySink* sink, uint64_t limit)
      : ctx_(ctx), decoder_(std::move(signing), trailer), sink_(sink), limit_(limit) {}

  Status Write(const char* data, size_t n) override {
    return decoder_.Feed(data, n, [this](const char* p, size_t k) -> Status {
      if (decoder_.decoded_bytes() + k > limit_) return Status(ErrorCode::kEntityTooLarge);
      if (sink_) return sink_->Write(p, k);
      ctx_.body.append(p, k);
      return Status::Ok();
    });
  }

  Status End() override {
    if (Status s = decoder_.Finish(); !s.ok()) return s;
    ctx_.trailers = decoder_.trailers();
    ctx_.body_bytes = decoder_.decoded_bytes();
    if (const std::string* d = ctx_.Header("x-amz-decoded-content-length")) {
      if (*d != std::to_string(decoder_.decoded_bytes())) return Status(ErrorCode::kIncompleteBody);
    }
    return Status::Ok();
  }

  uint64_t payload_bytes() const override { return decoder_.decoded_bytes(); }

 private:
  RequestContext& ctx_;
  auth::AwsChunkedDecoder decoder_;
  BodySink* sink_;
  uint64_t limit_;
};

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

// Health and metrics, unauthenticated. Under the reserved "/_s2lite/" prefix
// ('_' is invalid in bucket names) they can never collide with a bucket; the
// conventional "/health/live", "/health/ready" and "/metrics" are served only
// to anonymous requests, which S3 would refuse anyway, so a bucket named
// "health" or "metrics" stays reachable with signed requests.
Task<std::optional<Response>> ServeOperational(RequestContext& ctx) {
  const auth::RequestView& v = ctx.view;
  if (v.method != "GET" && v.method != "HEAD") co_return std::nullopt;
  // In virtual-hosted style every path is an object key: "_s2lite/metrics"
  // is an object there.
  if (VirtualHostBucket(ctx.host, ctx.state->options.domains)) co_return std::nullopt;
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
    co_return Plain(200, std::move(text), "text/plain; version=0.0.4; charset=utf-8");
  }
  if (reserved && path != "/faults" && path != "/requests")
    co_return Response::Error(Status(ErrorCode::kInvalidRequest, "Unknown s2lite endpoint"));
  co_return std::nullopt;
}

}  // namespace

Task<Prepared> Prepare(RequestContext& ctx) {
  ServerState& st = *ctx.state;
  if (st.options.local_hosts_only && !IsLocalHost(ctx.host, st.options.domains)) {
    // A web page whose own name was rebound to 127.0.0.1 sends its Host.
    co_return Fail(Status(ErrorCode::kInvalidRequest,
                          "This server runs on the public development credentials and answers "
                          "only localhost, loopback addresses and its domains, not Host '" +
                              ctx.host + "'; configure users to serve other names")
                       .With("Host", ctx.host));
  }
  if (auto r = co_await ServeOperational(ctx)) {
    ctx.operational = true;
    Prepared p;
    p.done = true;
    p.response = std::move(*r);
    co_return p;
  }
  auto route = ParseRoute(ctx.view, ctx.host, st.options.domains);
  if (!route.ok()) co_return Fail(route.status());
  ctx.route = std::move(*route);
  if (AuthenticatesInHandler(ctx.route.op)) {
    Prepared p;
    p.handler = FindHandler(ctx.route.op);
    co_return p;
  }

  auth::VerifyContext vc;
  vc.region = st.options.region;
  vc.bucket = ctx.route.bucket;
  vc.virtual_host = ctx.route.virtual_host;
  vc.now = ctx.now;
  vc.max_skew = st.options.max_clock_skew;
  vc.lookup = [&st](std::string_view key) { return st.FindUser(key); };
  auto auth = auth::Verify(ctx.view, vc);
  if (!auth.ok()) co_return Fail(auth.status());
  ctx.auth = std::move(*auth);
  ctx.user = ctx.auth.user;

  const OpHandler* handler = FindHandler(ctx.route.op);
  if (!handler) co_return Fail(NotImplemented(ctx.route, ctx.view.method));
  if (handler->needs_bucket) {
    if (Status s = co_await CheckBucket(ctx); !s.ok()) co_return Fail(std::move(s));
  }
  Prepared p;
  p.handler = handler;
  co_return p;
}

Result<std::unique_ptr<BodyPipeline>> MakeBodyPipeline(RequestContext& ctx, BodySink* sink,
                                                       uint64_t limit) {
  const std::string& hash = ctx.auth.payload_hash;
  if (hash.rfind("STREAMING-", 0) == 0) {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
    bool trailer = hash.size() > 8 && hash.compare(hash.size() - 8, 8, "-TRAILER") == 0;
    std::optional<auth::ChunkSigning> signing;
    if (hash.rfind("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", 0) == 0) {
      signing = auth::ChunkSigning{ctx.auth.signing_key, ctx.auth.amz_date, ctx.auth.scope,
                                   ctx.auth.seed_signature};
    } else if (hash != "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
      return Status(ErrorCode::kInvalidArgument, "Unsupported x-amz-content-sha256: " + hash);
    }
    return std::unique_ptr<BodyPipeline>(
        std::make_unique<ChunkedPipeline>(ctx, std::move(signing), trailer, sink, limit));
  }
  std::string expected = hash.size() == 64 ? hash : std::string();
  return std::unique_ptr<BodyPipeline>(
      std::make_unique<PayloadPipeline>(ctx, std::move(expected), sink, limit));
}

Task<Response> Run(RequestContext& ctx, const OpHandler& handler) {
  try {
    co_return co_await handler.handle(ctx);
  } catch (const std::exception& e) {
    ctx.state->logger->error("request {}: handler threw: {}", ctx.request_id, e.what());
    co_return Response::Error(Status(ErrorCode::kInternalError));
  }
}

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
