#include "server/handlers/object_common.h"

#include <algorithm>
#include <optional>

#include "auth/checksum.h"
#include "common/ascii.h"
#include "common/crypto.h"
#include "common/uri.h"
#include "server/handlers/common.h"
#include "server/handlers/preconditions.h"
#include "server/state.h"
#include "storage/errors.h"

namespace s2lite::server {
namespace {

constexpr size_t kCopyBuffer = 1 << 20;

Status InvalidCopySource(std::string_view header) {
  return Status(ErrorCode::kInvalidArgument,
                "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
      .With("ArgumentName", "x-amz-copy-source")
      .With("ArgumentValue", std::string(header));
}

}  // namespace

Status NoSuchKeyError(const std::string& key) { return storage::NoSuchKeyError().With("Key", key); }

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html: objects
// of a bucket that never had versioning enabled have the version id "null".
Status CheckNullVersionId(const RequestContext& ctx) {
  const auth::QueryParam* v = ctx.view.Query("versionId");
  if (!v || v->value == "null") return Status::Ok();
  return Status(ErrorCode::kInvalidArgument, "Invalid version id specified")
      .With("ArgumentName", "versionId")
      .With("ArgumentValue", v->value);
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html: "aws-chunked"
// describes the transfer only; S3 stores the encodings that remain.
std::string StripAwsChunked(std::string_view content_encoding) {
  std::string out;
  while (!content_encoding.empty()) {
    size_t comma = content_encoding.find(',');
    std::string_view item = common::TrimOws(content_encoding.substr(0, comma));
    content_encoding =
        comma == std::string_view::npos ? std::string_view() : content_encoding.substr(comma + 1);
    if (item.empty() || common::EqualsIgnoreCase(item, "aws-chunked")) continue;
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

Result<storage::ObjectAttrs> ParseWriteAttrs(const RequestContext& ctx) {
  auto attrs = ParseObjectAttrs(ctx);
  if (!attrs.ok()) return attrs;
  attrs->content_encoding = StripAwsChunked(attrs->content_encoding);
  return attrs;
}

storage::ObjectInfo SinglePartObject(const RequestContext& ctx, const WrittenBody& body,
                                     storage::ObjectAttrs attrs) {
  storage::ObjectInfo object;
  object.bucket = ctx.route.bucket;
  object.key = ctx.route.key;
  object.size = body.blob.size;
  object.etag = "\"" + body.md5_hex + "\"";
  object.owner = ctx.user->name;
  object.bucket_generation = ctx.bucket_generation;
  object.attrs = std::move(attrs);
  if (!body.checksum_algorithm.empty()) {
    object.attrs.checksum_algorithm = body.checksum_algorithm;
    object.attrs.checksum_type = "FULL_OBJECT";
    object.checksum_value = body.checksum_value;
  } else {
    object.attrs.checksum_type.clear();
  }
  object.manifest = {body.blob};
  return object;
}

void AddSseHeaders(Response& r, const storage::ObjectAttrs& attrs) {
  if (attrs.sse.empty()) return;
  r.AddHeader("x-amz-server-side-encryption", attrs.sse);
  if (!attrs.sse_kms_key_id.empty())
    r.AddHeader("x-amz-server-side-encryption-aws-kms-key-id", attrs.sse_kms_key_id);
}

Response XmlWithSseHeaders(std::string xml, const storage::ObjectAttrs& attrs) {
  Response r = Response::Xml(std::move(xml));
  AddSseHeaders(r, attrs);
  return r;
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#API_CopyObject_RequestSyntax
Result<CopySource> ParseCopySource(std::string_view header) {
  std::string_view path = header;
  std::optional<std::string> version;
  if (size_t q = path.find('?'); q != std::string_view::npos) {
    // versionId is all a copy source takes: anything else, such as the rest of
    // a key with an unencoded '?', would copy another object than meant.
    auto params = common::ParseQuery(path.substr(q + 1));
    if (!params || params->size() != 1 || params->front().name != "versionId")
      return InvalidCopySource(header);
    version = std::move(params->front().value);
    path = path.substr(0, q);
  }
  // Decoded before it is split, as clients may encode the whole "bucket/key".
  auto decoded = common::PercentDecode(path);
  if (!decoded) return InvalidCopySource(header);
  std::string_view d = *decoded;
  if (!d.empty() && d.front() == '/') d.remove_prefix(1);
  size_t slash = d.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == d.size())
    return InvalidCopySource(header);
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
  if (version && *version != "null") {
    return Status(ErrorCode::kInvalidArgument, "Invalid version id specified")
        .With("ArgumentName", "versionId")
        .With("ArgumentValue", *version);
  }
  return CopySource{std::string(d.substr(0, slash)), std::string(d.substr(slash + 1))};
}

Task<Result<storage::ObjectInfo>> LoadCopySource(const RequestContext& ctx,
                                                 const CopySource& source,
                                                 std::shared_ptr<const void>* lease) {
  storage::ObjectStore& store = *ctx.state->store;
  Result<storage::BucketInfo> bucket = co_await store.GetBucket(source.bucket);
  if (!bucket.ok()) {
    Status s = bucket.status();
    if (s.code() == ErrorCode::kNoSuchBucket) s.With("BucketName", source.bucket);
    co_return s;
  }
  if (bucket->owner != ctx.user->name) co_return Status(ErrorCode::kAccessDenied);
  auto object = co_await store.GetObjectForRead(source.bucket, source.key);
  if (!object.ok()) {
    if (object.status().code() == ErrorCode::kNoSuchKey) co_return NoSuchKeyError(source.key);
    co_return object.status();
  }
  *lease = std::move(object->lease);
  co_return std::move(object->info);
}

Status CheckCopySourceConditions(const RequestContext& ctx, const storage::ObjectInfo& source) {
  PreconditionResult pre =
      EvaluatePreconditions(ctx, "x-amz-copy-source-", source.etag, source.last_modified);
  if (pre.outcome == Precondition::kProceed) return Status::Ok();
  return PreconditionFailedError(pre);
}

Status CheckCopySize(const RequestContext& ctx, uint64_t bytes) {
  const uint64_t max = ctx.state->options.max_part_size;
  if (bytes <= max) return Status::Ok();
  return Status(ErrorCode::kInvalidRequest,
                "The specified copy source is larger than the maximum allowable size for a "
                "copy source: " +
                    std::to_string(max));
}

Result<BodySource::FileSpan> ObjectBody::NextFileSpan(size_t max) {
  auto span = reader_->NextFileSpan(max);
  if (!span.ok()) return span.status();
  return FileSpan{span->fd, span->offset, span->length};
}

Result<WrittenBody> CopyObjectBytes(storage::ObjectStore& store, storage::ObjectReader& reader,
                                    const std::string& checksum_algorithm) {
  if (Status s = reader.Open(); !s.ok()) return s;
  std::unique_ptr<auth::Checksummer> checksummer;
  std::optional<auth::ChecksumAlgorithm> algorithm;
  if (!checksum_algorithm.empty()) {
    algorithm = auth::ParseChecksumAlgorithm(checksum_algorithm);
    if (!algorithm) return Status(ErrorCode::kInvalidRequest, "Invalid checksum algorithm");
    checksummer = auth::NewChecksummer(*algorithm);
  }
  auto blob = store.NewBlob();
  if (!blob.ok()) return blob.status();
  common::Md5Hasher md5;
  std::unique_ptr<char[]> buffer(new char[kCopyBuffer]);
  for (;;) {
    auto got = reader.Read(buffer.get(), kCopyBuffer);
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    md5.Update(buffer.get(), *got);
    if (checksummer) checksummer->Update(buffer.get(), *got);
    if (Status s = (*blob)->Write(buffer.get(), *got); !s.ok()) return s;
  }
  WrittenBody out;
  out.md5_hex = common::HexEncode(md5.Final());
  if (algorithm) {
    out.checksum_algorithm = std::string(auth::ChecksumName(*algorithm));
    out.checksum_raw = checksummer->FinalRaw();
    out.checksum_value = common::Base64Encode(out.checksum_raw);
  }
  auto committed = (*blob)->Commit();
  if (!committed.ok()) return committed.status();
  out.blob = *committed;
  return out;
}

}  // namespace s2lite::server
