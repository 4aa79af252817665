// UploadPartCopy: PUT /<key>?partNumber=N&uploadId=ID with x-amz-copy-source
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
#include <charconv>

#include "auth/uri.h"
#include "server/handlers/body_writer.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/multipart_common.h"
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

struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

Status BadCopySource(const std::string& value) {
  return Status(ErrorCode::kInvalidArgument,
                "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
      .With("ArgumentName", "x-amz-copy-source")
      .With("ArgumentValue", value);
}

// "[/]bucket/key[?versionId=V]", percent-encoded. Without versioning only the
// "null" version exists.
Result<CopySource> ParseCopySource(const std::string& header) {
  std::string_view v = header;
  if (!v.empty() && v.front() == '/') v.remove_prefix(1);
  std::string_view version;
  if (size_t q = v.find('?'); q != std::string_view::npos) {
    std::string_view query = v.substr(q + 1);
    v = v.substr(0, q);
    if (query.rfind("versionId=", 0) != 0) return BadCopySource(header);
    version = query.substr(10);
  }
  size_t slash = v.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == v.size())
    return BadCopySource(header);
  auto bucket = auth::PercentDecode(v.substr(0, slash));
  auto key = auth::PercentDecode(v.substr(slash + 1));
  if (!bucket || !key) return BadCopySource(header);
  if (!version.empty() && version != "null") {
    return Status(ErrorCode::kInvalidArgument, "Invalid version id specified")
        .With("ArgumentName", "versionId")
        .With("ArgumentValue", std::string(version));
  }
  return CopySource{std::move(*bucket), std::move(*key)};
}

// The source bucket must be the caller's, as for CopyObject.
Result<storage::ObjectInfo> LoadSource(const RequestContext& ctx, const CopySource& src) {
  storage::ObjectStore& store = *ctx.state->store;
  Result<storage::BucketInfo> bucket = store.GetBucket(src.bucket);
  if (!bucket.ok()) {
    Status s = bucket.status();
    if (s.code() == ErrorCode::kNoSuchBucket) s.With("BucketName", src.bucket);
    return s;
  }
  if (bucket->owner != ctx.user->name) return Status(ErrorCode::kAccessDenied);
  Result<storage::ObjectInfo> object = store.GetObject(src.bucket, src.key);
  if (!object.ok() && object.status().code() == ErrorCode::kNoSuchKey)
    return NoSuchKeyError(src.key);
  return object;
}

// "bytes=first-last", both inclusive and within the object.
Result<ByteRange> ParseRange(const RequestContext& ctx, uint64_t size) {
  const std::string* h = ctx.Header("x-amz-copy-source-range");
  if (!h) return ByteRange{0, size};
  auto invalid = [h](std::string message) {
    return Status(ErrorCode::kInvalidArgument, std::move(message))
        .With("ArgumentName", "x-amz-copy-source-range")
        .With("ArgumentValue", *h);
  };
  std::string_view v = *h;
  size_t dash = v.find('-');
  uint64_t first = 0, last = 0;
  bool ok = v.rfind("bytes=", 0) == 0 && dash != std::string_view::npos && dash > 6 &&
            dash + 1 < v.size();
  if (ok) {
    std::string_view a = v.substr(6, dash - 6), b = v.substr(dash + 1);
    ok = std::from_chars(a.data(), a.data() + a.size(), first).ptr == a.data() + a.size() &&
         std::from_chars(b.data(), b.data() + b.size(), last).ptr == b.data() + b.size() &&
         first <= last;
  }
  if (!ok) {
    return invalid(
        "The x-amz-copy-source-range value must be of the form bytes=first-last where first "
        "and last are the zero-based offsets of the first and last bytes to copy");
  }
  if (last >= size)
    return invalid("Range specified is not valid for source object of size: " +
                   std::to_string(size));
  return ByteRange{first, last - first + 1};
}

Response CopyPartResult(const storage::PartInfo& part, const storage::UploadInfo& upload) {
  XmlWriter w;
  w.Open("CopyPartResult", true);
  w.Element("LastModified", FormatIso8601(part.last_modified));
  w.Element("ETag", part.etag);
  if (!part.checksum_algorithm.empty())
    w.Element("Checksum" + part.checksum_algorithm, part.checksum_value);
  w.Close("CopyPartResult");
  Response r = Response::Xml(w.Take());
  AddSseHeaders(r, upload.attrs);
  return r;
}

}  // namespace

Response HandleUploadPartCopy(RequestContext& ctx) {
  Result<int> part_number = ParsePartNumber(ctx);
  if (!part_number.ok()) return Response::Error(part_number.status());
  Result<storage::UploadInfo> upload = LoadUpload(ctx);
  if (!upload.ok()) return Response::Error(upload.status());
  Result<CopySource> source = ParseCopySource(ctx.HeaderOr("x-amz-copy-source"));
  if (!source.ok()) return Response::Error(source.status());
  Result<storage::ObjectInfo> src = LoadSource(ctx, *source);
  if (!src.ok()) return Response::Error(src.status());
  PreconditionResult pre =
      EvaluatePreconditions(ctx, "x-amz-copy-source-", src->etag, src->last_modified);
  if (pre.outcome != Precondition::kProceed) return Response::Error(PreconditionFailedError(pre));
  Result<ByteRange> range = ParseRange(ctx, src->size);
  if (!range.ok()) return Response::Error(range.status());
  const uint64_t max = ctx.state->options.max_part_size;
  if (range->length > max) {
    return Response::Error(Status(ErrorCode::kInvalidRequest,
                                  "The specified copy source is larger than the maximum "
                                  "allowable size for a copy source: " +
                                      std::to_string(max)));
  }

  storage::ObjectStore& store = *ctx.state->store;
  Result<WrittenBody> body = CopyManifestRange(&store, src->manifest, range->first, range->length,
                                               upload->attrs.checksum_algorithm);
  if (!body.ok()) return Response::Error(body.status());
  storage::PartInfo part = MakePart(*part_number, *body, ToTimeMs(ctx.now));
  if (Status s = store.PutPart(upload->upload_id, part); !s.ok())
    return Response::Error(std::move(s));
  return CopyPartResult(part, *upload);
}

}  // namespace s2lite::server
