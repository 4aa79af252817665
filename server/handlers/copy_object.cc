// CopyObject: PUT /<bucket>/<key> with x-amz-copy-source
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
#include "common/time.h"
#include "server/handlers/common.h"
#include "server/handlers/conditional_write.h"
#include "server/handlers/handlers.h"
#include "server/handlers/object_common.h"
#include "server/handlers/ownership.h"
#include "server/lifecycle.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

Result<std::string> Directive(const RequestContext& ctx, std::string_view header,
                              const std::string& message) {
  std::string v = ctx.HeaderOr(header, "COPY");
  if (v != "COPY" && v != "REPLACE") {
    return Status(ErrorCode::kInvalidArgument, message)
        .With("ArgumentName", std::string(header))
        .With("ArgumentValue", v);
  }
  return v;
}

// The copy's attributes. With COPY (the default) the source's metadata and
// content headers are kept; storage class, ACL, encryption and checksum
// algorithm come from the request either way, as S3 does not inherit them.
Result<storage::ObjectAttrs> TargetAttrs(const RequestContext& ctx,
                                         const storage::ObjectInfo& source) {
  auto metadata = Directive(ctx, "x-amz-metadata-directive", "Unknown metadata directive.");
  if (!metadata.ok()) return metadata.status();
  auto tagging = Directive(ctx, "x-amz-tagging-directive", "Unknown tagging directive.");
  if (!tagging.ok()) return tagging.status();
  auto request = ParseWriteAttrs(ctx);
  if (!request.ok()) return request;
  storage::ObjectAttrs attrs = *metadata == "REPLACE" ? *request : source.attrs;
  attrs.storage_class = request->storage_class;
  attrs.acl = request->acl;
  attrs.sse = request->sse;
  attrs.sse_kms_key_id = request->sse_kms_key_id;
  attrs.tagging = *tagging == "REPLACE" ? request->tagging : source.attrs.tagging;
  attrs.checksum_algorithm = request->checksum_algorithm.empty() ? source.attrs.checksum_algorithm
                                                                 : request->checksum_algorithm;
  return attrs;
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html: a copy onto
// itself must change something.
bool ChangesSomething(const RequestContext& ctx) {
  return ctx.HeaderOr("x-amz-metadata-directive") == "REPLACE" ||
         ctx.Header("x-amz-storage-class") || ctx.Header("x-amz-server-side-encryption") ||
         ctx.Header("x-amz-website-redirect-location");
}

Response CopyResult(const storage::ObjectInfo& o) {
  XmlWriter w;
  w.Open("CopyObjectResult", true);
  w.Element("LastModified", common::FormatIso8601Millis(o.last_modified));
  w.Element("ETag", o.etag);
  if (!o.checksum_value.empty()) {
    w.Element("ChecksumType", "FULL_OBJECT");
    w.Element("Checksum" + o.attrs.checksum_algorithm, o.checksum_value);
  }
  w.Close("CopyObjectResult");
  return XmlWithSseHeaders(w.Take(), o.attrs);
}

}  // namespace

Task<Response> HandleCopyObject(RequestContext& ctx) {
  auto src = ParseCopySource(ctx.HeaderOr("x-amz-copy-source"));
  if (!src.ok()) co_return Response::Error(src.status());
  if (src->bucket == ctx.route.bucket && src->key == ctx.route.key && !ChangesSomething(ctx)) {
    co_return Response::Error(Status(
        ErrorCode::kInvalidRequest,
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or "
        "encryption attributes."));
  }
  std::shared_ptr<const void> lease;  // held until the copy is written
  auto source = co_await LoadCopySource(ctx, *src, &lease);
  if (!source.ok()) co_return Response::Error(source.status());
  auto attrs = TargetAttrs(ctx, *source);
  if (!attrs.ok()) co_return Response::Error(attrs.status());
  if (Status s = co_await CheckObjectAcl(ctx); !s.ok()) co_return Response::Error(std::move(s));
  if (Status s = CheckCopySourceConditions(ctx, *source); !s.ok())
    co_return Response::Error(std::move(s));
  if (Status s = CheckCopySize(ctx, source->size); !s.ok()) co_return Response::Error(std::move(s));
  auto condition = ParseWriteCondition(ctx);
  if (!condition.ok()) co_return Response::Error(condition.status());
  if (Status s = co_await PrecheckWriteCondition(ctx, *condition); !s.ok())
    co_return Response::Error(std::move(s));

  // The bytes are copied (not shared) so that the copy is a plain single-part
  // object with its own MD5 ETag, as S3 makes a CopyObject result.
  storage::ObjectReader reader(*ctx.state->store, {*source, std::move(lease)}, 0, source->size);
  auto body = CopyObjectBytes(*ctx.state->store, reader, attrs->checksum_algorithm);
  if (!body.ok()) co_return Response::Error(body.status());
  storage::ObjectInfo target = SinglePartObject(ctx, *body, std::move(*attrs));
  // Stamped here rather than by the store, as the result reports it.
  target.last_modified = ToTimeMs(ctx.state->Now());
  target.condition = *condition;
  if (Status s = co_await ctx.state->store->PutObject(target); !s.ok())
    co_return Response::Error(ConditionalCommitError(std::move(s), *condition));
  Response r = CopyResult(target);
  co_await AddExpirationHeader(r, *ctx.state, target);
  co_return r;
}

}  // namespace s2lite::server
