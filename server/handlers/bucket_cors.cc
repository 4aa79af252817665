// PutBucketCors, GetBucketCors, DeleteBucketCors: PUT/GET/DELETE /<bucket>?cors
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
// The OPTIONS preflight and the headers of actual cross-origin responses:
// https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html
#include <optional>

#include "common/ascii.h"
#include "server/cors.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/state.h"

namespace s2lite::server {
namespace {

constexpr char kSettingName[] = "cors";

// The rules that apply to `bucket`: its own configuration, else the
// --cors-allow-origin default (also for a bucket that does not exist, so a
// page can read the NoSuchBucket error), else nullopt. Errors: kNoSuchBucket
// (without a default), storage errors.
Task<Result<std::optional<CorsConfiguration>>> EffectiveCors(RequestContext& ctx) {
  const Options& o = ctx.state->options;
  auto stored = co_await ctx.state->store->GetBucketSetting(ctx.route.bucket, kSettingName);
  if (stored.ok() && *stored) {
    auto config = ParseCorsConfiguration(**stored);
    if (!config.ok())
      co_return Status(ErrorCode::kInternalError, "stored CORS configuration unreadable");
    co_return std::optional<CorsConfiguration>(std::move(*config));
  }
  if (!o.cors_allow_origins.empty())
    co_return std::optional<CorsConfiguration>(DefaultCorsConfiguration(o.cors_allow_origins));
  if (!stored.ok()) co_return stored.status();
  co_return std::optional<CorsConfiguration>();
}

Status Forbidden(const RequestContext& ctx, std::string message, const std::string& method) {
  return Status(ErrorCode::kAccessForbidden, std::move(message))
      .With("Method", method)
      .With("ResourceType", ctx.route.key.empty() ? "BUCKET" : "OBJECT");
}

}  // namespace

Task<Response> HandlePutBucketCors(RequestContext& ctx) {
  if (Status s = CheckXmlBodyDigest(ctx); !s.ok()) co_return Response::Error(std::move(s));
  auto config = ParseCorsConfiguration(ctx.body);
  if (!config.ok()) co_return Response::Error(config.status());
  const std::optional<std::string> document = RenderCorsConfiguration(*config);
  Status s = co_await ctx.state->store->PutBucketSetting(ctx.route.bucket, ctx.bucket_generation,
                                                         kSettingName, document);
  if (!s.ok()) co_return Response::Error(std::move(s.With("BucketName", ctx.route.bucket)));
  co_return Response();
}

Task<Response> HandleGetBucketCors(RequestContext& ctx) {
  auto stored = co_await ctx.state->store->GetBucketSetting(ctx.route.bucket, kSettingName);
  if (!stored.ok()) co_return Response::Error(stored.status());
  if (!*stored) {
    co_return Response::Error(
        Status(ErrorCode::kNoSuchCORSConfiguration).With("BucketName", ctx.route.bucket));
  }
  co_return Response::Xml(std::move(**stored));
}

Task<Response> HandleDeleteBucketCors(RequestContext& ctx) {
  const std::optional<std::string> none;
  Status s = co_await ctx.state->store->PutBucketSetting(ctx.route.bucket, ctx.bucket_generation,
                                                         kSettingName, none);
  if (!s.ok()) co_return Response::Error(std::move(s.With("BucketName", ctx.route.bucket)));
  Response r;
  r.status = 204;
  co_return r;
}

// Unsigned, as browsers send it: it reveals only whether the rules allow
// the request, which is what S3 answers anyone.
Task<Response> HandleCorsPreflight(RequestContext& ctx) {
  const std::string* origin = ctx.Header("origin");
  if (!origin) co_return Response::Error(Status(ErrorCode::kBadRequest));
  const std::string* method = ctx.Header("access-control-request-method");
  if (!method) {
    co_return Response::Error(
        Status(ErrorCode::kBadRequest, "Invalid Access-Control-Request-Method: null"));
  }
  auto config = co_await EffectiveCors(ctx);
  if (!config.ok()) {
    Status s = config.status();
    if (s.code() == ErrorCode::kNoSuchBucket) s.With("BucketName", ctx.route.bucket);
    co_return Response::Error(std::move(s));
  }
  if (!*config)
    co_return Response::Error(
        Forbidden(ctx, "CORSResponse: CORS is not enabled for this bucket.", *method));
  std::string requested = ctx.HeaderOr("access-control-request-headers");
  const CorsRule* rule = MatchCorsRule(**config, *origin, *method, SplitCorsHeaderList(requested));
  if (!rule) {
    co_return Response::Error(Forbidden(
        ctx,
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution "
        "of Origin, request method / Access-Control-Request-Method or "
        "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        *method));
  }
  Response r;
  r.headers = CorsResponseHeaders(*rule, *origin, requested);
  co_return r;
}

Task<void> AddCorsHeaders(RequestContext& ctx, Response& response) {
  if (ctx.route.op == Op::kCorsPreflight || ctx.route.bucket.empty() || !ctx.state) co_return;
  const std::string* origin = ctx.Header("origin");
  if (!origin) co_return;
  auto config = co_await EffectiveCors(ctx);
  if (!config.ok() || !*config) co_return;
  const CorsRule* rule = MatchCorsRule(**config, *origin, ctx.view.method, {});
  if (!rule) co_return;
  for (auto& [name, value] : CorsResponseHeaders(*rule, *origin, {})) {
    // Added after Finalize's control-character check: never a header that would fail it.
    if (!common::HasControlChars(value))
      response.headers.emplace_back(std::move(name), std::move(value));
  }
}

}  // namespace s2lite::server
