#include "server/dispatch.h"

#include <spdlog/spdlog.h>

#include "auth/crypto.h"
#include "server/errors.h"
#include "server/handlers/common.h"
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

Status CheckBucket(RequestContext& ctx) {
  auto bucket = ctx.state->store->GetBucket(ctx.route.bucket);
  if (!bucket.ok()) {
    Status s = bucket.status();
    if (s.code() == ErrorCode::kNoSuchBucket) s.With("BucketName", ctx.route.bucket);
    return s;
  }
  if (bucket->owner != ctx.user->name) return Status(ErrorCode::kAccessDenied);
  return Status::Ok();
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
  PayloadPipeline(std::string expected_sha256, BodySink* sink, std::string* out, uint64_t limit)
      : expected_(std::move(expected_sha256)), sink_(sink), out_(out), limit_(limit) {}

  Status Write(const char* data, size_t n) override {
    received_ += n;
    if (received_ > limit_) return Status(ErrorCode::kMaxMessageLengthExceeded);
    if (!expected_.empty()) hasher_.Update(data, n);
    if (sink_) return sink_->Write(data, n);
    out_->append(data, n);
    return Status::Ok();
  }

  Status End() override {
    if (expected_.empty()) return Status::Ok();
    std::string got = auth::HexEncode(hasher_.Final());
    if (!auth::ConstantTimeEquals(got, expected_)) {
      return Status(ErrorCode::kXAmzContentSHA256Mismatch)
          .With("ClientComputedContentSHA256", expected_)
          .With("S3ComputedContentSHA256", got);
    }
    return Status::Ok();
  }

 private:
  std::string expected_;
  BodySink* sink_;
  std::string* out_;
  uint64_t limit_;
  uint64_t received_ = 0;
  auth::Sha256Hasher hasher_;
};

}  // namespace

Prepared Prepare(RequestContext& ctx) {
  ServerState& st = *ctx.state;
  auto route = ParseRoute(ctx.view, ctx.host, st.options.domains);
  if (!route.ok()) return Fail(route.status());
  ctx.route = std::move(*route);

  auth::VerifyContext vc;
  vc.region = st.options.region;
  vc.bucket = ctx.route.bucket;
  vc.virtual_host = ctx.route.virtual_host;
  vc.now = ctx.now;
  vc.max_skew = st.options.max_clock_skew;
  vc.lookup = [&st](std::string_view key) { return st.FindUser(key); };
  auto auth = auth::Verify(ctx.view, vc);
  if (!auth.ok()) return Fail(auth.status());
  ctx.auth = std::move(*auth);
  ctx.user = ctx.auth.user;

  const OpHandler* handler = FindHandler(ctx.route.op);
  if (!handler) return Fail(NotImplemented(ctx.route, ctx.view.method));
  if (handler->needs_bucket) {
    if (Status s = CheckBucket(ctx); !s.ok()) return Fail(std::move(s));
  }
  Prepared p;
  p.handler = handler;
  return p;
}

Result<std::unique_ptr<BodyPipeline>> MakeBodyPipeline(RequestContext& ctx, BodySink* sink,
                                                       uint64_t limit) {
  const std::string& hash = ctx.auth.payload_hash;
  std::string expected;
  if (hash.size() == 64) {
    expected = hash;
  } else if (hash.rfind("STREAMING-", 0) == 0) {
    return Status(ErrorCode::kNotImplemented,
                  "aws-chunked (STREAMING-*) payloads are not supported yet");
  }
  return std::unique_ptr<BodyPipeline>(
      std::make_unique<PayloadPipeline>(std::move(expected), sink, &ctx.body, limit));
}

Response Run(RequestContext& ctx, const OpHandler& handler) {
  try {
    return handler.handle(ctx);
  } catch (const std::exception& e) {
    ctx.state->logger->error("request {}: handler threw: {}", ctx.request_id, e.what());
    return Response::Error(Status(ErrorCode::kInternalError));
  }
}

void Finalize(RequestContext& ctx, Response& r) {
  ServerState& st = *ctx.state;
  if (!r.error.ok()) {
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
  r.headers.emplace_back("Date", FormatRfc1123(ToTimeMs(ctx.now)));
  r.headers.emplace_back("x-amz-request-id", ctx.request_id);
  r.headers.emplace_back("x-amz-id-2", st.host_id);
  if (ctx.user) r.headers.emplace_back("x-amz-s2-requester", ctx.user->name);
  r.headers.emplace_back("Server", "s2lite");
}

}  // namespace s2lite::server
