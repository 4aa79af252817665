// CopyObject: PUT /<bucket>/<key> with x-amz-copy-source
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
#include "auth/uri.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/object_common.h"
#include "server/handlers/preconditions.h"
#include "server/state.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

struct CopySource {
  std::string bucket;
  std::string key;
};

Status InvalidCopySource(const std::string& header) {
  return Status(ErrorCode::kInvalidArgument,
                "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
      .With("ArgumentName", "x-amz-copy-source")
      .With("ArgumentValue", header);
}

// "[/]bucket/key[?versionId=id]", URL-encoded. Buckets are unversioned, so
// the only version that exists is "null".
Result<CopySource> ParseCopySource(const std::string& header) {
  std::string_view path = header;
  size_t q = path.find('?');
  if (q != std::string_view::npos) {
    auto params = auth::ParseQuery(path.substr(q + 1));
    if (!params) return InvalidCopySource(header);
    for (const auth::QueryParam& p : *params) {
      if (p.name == "versionId" && p.value != "null") {
        return Status(ErrorCode::kInvalidArgument, "Invalid version id specified")
            .With("ArgumentName", "versionId")
            .With("ArgumentValue", p.value);
      }
    }
    path = path.substr(0, q);
  }
  auto decoded = auth::PercentDecode(path);
  if (!decoded) return InvalidCopySource(header);
  std::string_view d = *decoded;
  if (!d.empty() && d.front() == '/') d.remove_prefix(1);
  size_t slash = d.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == d.size())
    return InvalidCopySource(header);
  return CopySource{std::string(d.substr(0, slash)), std::string(d.substr(slash + 1))};
}

Result<storage::ObjectInfo> LoadSource(RequestContext& ctx, const CopySource& src) {
  auto bucket = ctx.state->store->GetBucket(src.bucket);
  if (!bucket.ok()) {
    Status s = bucket.status();
    if (s.code() == ErrorCode::kNoSuchBucket) s.With("BucketName", src.bucket);
    return s;
  }
  if (bucket->owner != ctx.user->name) return Status(ErrorCode::kAccessDenied);
  auto object = ctx.state->store->GetObject(src.bucket, src.key);
  if (!object.ok() && object.status().code() == ErrorCode::kNoSuchKey)
    return NoSuchKeyError(src.key);
  return object;
}

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
  attrs.checksum_type.clear();
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
  w.Element("LastModified", FormatIso8601(o.last_modified));
  w.Element("ETag", o.etag);
  if (!o.checksum_value.empty()) {
    w.Element("ChecksumType", "FULL_OBJECT");
    w.Element("Checksum" + o.attrs.checksum_algorithm, o.checksum_value);
  }
  w.Close("CopyObjectResult");
  Response r = Response::Xml(w.Take());
  if (!o.attrs.sse.empty()) r.AddHeader("x-amz-server-side-encryption", o.attrs.sse);
  if (!o.attrs.sse_kms_key_id.empty())
    r.AddHeader("x-amz-server-side-encryption-aws-kms-key-id", o.attrs.sse_kms_key_id);
  return r;
}

}  // namespace

Response HandleCopyObject(RequestContext& ctx) {
  const std::string header = ctx.HeaderOr("x-amz-copy-source");
  auto src = ParseCopySource(header);
  if (!src.ok()) return Response::Error(src.status());
  if (src->bucket == ctx.route.bucket && src->key == ctx.route.key && !ChangesSomething(ctx)) {
    return Response::Error(Status(
        ErrorCode::kInvalidRequest,
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or "
        "encryption attributes."));
  }
  auto source = LoadSource(ctx, *src);
  if (!source.ok()) return Response::Error(source.status());
  auto attrs = TargetAttrs(ctx, *source);
  if (!attrs.ok()) return Response::Error(attrs.status());
  PreconditionResult pre =
      EvaluatePreconditions(ctx, "x-amz-copy-source-", source->etag, source->last_modified);
  if (pre.outcome != Precondition::kProceed) return Response::Error(PreconditionFailedError(pre));
  const uint64_t max = ctx.state->options.max_part_size;
  if (source->size > max) {
    return Response::Error(Status(ErrorCode::kInvalidRequest,
                                  "The specified copy source is larger than the maximum "
                                  "allowable size for a copy source: " +
                                      std::to_string(max)));
  }

  // The bytes are copied (not shared) so that the copy is a plain single-part
  // object with its own MD5 ETag, as S3 makes a CopyObject result.
  auto body = CopyManifestRange(ctx.state->store.get(), source->manifest, 0, source->size,
                                attrs->checksum_algorithm);
  if (!body.ok()) return Response::Error(body.status());
  storage::ObjectInfo target;
  target.bucket = ctx.route.bucket;
  target.key = ctx.route.key;
  target.size = body->blob.size;
  target.etag = "\"" + body->md5_hex + "\"";
  target.last_modified = ToTimeMs(std::chrono::system_clock::now());
  target.owner = ctx.user->name;
  target.attrs = std::move(*attrs);
  if (!body->checksum_value.empty()) target.attrs.checksum_type = "FULL_OBJECT";
  target.checksum_value = body->checksum_value;
  target.manifest = {body->blob};
  if (Status s = ctx.state->store->PutObject(target); !s.ok()) return Response::Error(std::move(s));
  return CopyResult(target);
}

}  // namespace s2lite::server
