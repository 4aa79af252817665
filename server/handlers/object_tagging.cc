// GetObjectTagging, PutObjectTagging, DeleteObjectTagging: /<bucket>/<key>?tagging
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
#include "server/handlers/handlers.h"
#include "server/handlers/object_common.h"
#include "server/handlers/tagging.h"
#include "server/state.h"

namespace s2lite::server {
namespace {

Response StoreTags(RequestContext& ctx, const TagSet& tags, int status) {
  if (Status s = CheckNullVersionId(ctx); !s.ok()) return Response::Error(std::move(s));
  Status s = ctx.state->store->PutObjectTagging(ctx.route.bucket, ctx.route.key,
                                                ctx.bucket_generation, EncodeTags(tags));
  if (s.code() == ErrorCode::kNoSuchKey) return Response::Error(NoSuchKeyError(ctx.route.key));
  if (!s.ok()) return Response::Error(std::move(s));
  Response r;
  r.status = status;
  r.AddHeader("x-amz-version-id", "null");
  return r;
}

}  // namespace

Response HandleGetObjectTagging(RequestContext& ctx) {
  if (Status s = CheckNullVersionId(ctx); !s.ok()) return Response::Error(std::move(s));
  auto object = ctx.state->store->GetObject(ctx.route.bucket, ctx.route.key);
  if (object.status().code() == ErrorCode::kNoSuchKey)
    return Response::Error(NoSuchKeyError(ctx.route.key));
  if (!object.ok()) return Response::Error(object.status());
  Response r = Response::Xml(TaggingXml(DecodeTags(object->attrs.tagging)));
  r.AddHeader("x-amz-version-id", "null");
  return r;
}

Response HandlePutObjectTagging(RequestContext& ctx) {
  auto tags = ParseTaggingXml(ctx.body, kMaxObjectTags);
  if (!tags.ok()) return Response::Error(tags.status());
  return StoreTags(ctx, *tags, 200);
}

Response HandleDeleteObjectTagging(RequestContext& ctx) { return StoreTags(ctx, {}, 204); }

}  // namespace s2lite::server
