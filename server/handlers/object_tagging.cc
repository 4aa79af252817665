// GetObjectTagging, PutObjectTagging, DeleteObjectTagging: /<bucket>/<key>?tagging
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
#include "server/handlers/handlers.h"
#include "server/handlers/object_common.h"
#include "server/handlers/tagging.h"
#include "server/state.h"

namespace s2lite::server {
namespace {

Task<Response> StoreTags(RequestContext& ctx, const TagSet& tags, int status) {
  if (Status s = CheckNullVersionId(ctx); !s.ok()) co_return Response::Error(std::move(s));
  Status s = co_await ctx.state->store->PutObjectTagging(ctx.route.bucket, ctx.route.key,
                                                         ctx.bucket_generation, EncodeTags(tags));
  if (s.code() == ErrorCode::kNoSuchKey) co_return Response::Error(NoSuchKeyError(ctx.route.key));
  if (!s.ok()) co_return Response::Error(std::move(s));
  Response r;
  r.status = status;
  r.AddHeader("x-amz-version-id", "null");
  co_return r;
}

}  // namespace

Task<Response> HandleGetObjectTagging(RequestContext& ctx) {
  if (Status s = CheckNullVersionId(ctx); !s.ok()) co_return Response::Error(std::move(s));
  auto object = co_await ctx.state->store->GetObject(ctx.route.bucket, ctx.route.key);
  if (object.status().code() == ErrorCode::kNoSuchKey)
    co_return Response::Error(NoSuchKeyError(ctx.route.key));
  if (!object.ok()) co_return Response::Error(object.status());
  Response r = Response::Xml(TaggingXml(DecodeTags(object->attrs.tagging)));
  r.AddHeader("x-amz-version-id", "null");
  co_return r;
}

Task<Response> HandlePutObjectTagging(RequestContext& ctx) {
  auto tags = ParseTaggingXml(ctx.body, kMaxObjectTags);
  if (!tags.ok()) co_return Response::Error(tags.status());
  co_return co_await StoreTags(ctx, *tags, 200);
}

Task<Response> HandleDeleteObjectTagging(RequestContext& ctx) {
  co_return co_await StoreTags(ctx, {}, 204);
}

}  // namespace s2lite::server
