// CompleteMultipartUpload: POST /<key>?uploadId=ID with a <CompleteMultipartUpload> body
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
#include <map>

#include "auth/checksum.h"
#include "common/ascii.h"
#include "common/crypto.h"
#include "common/uri.h"
#include "server/handlers/common.h"
#include "server/handlers/conditional_write.h"
#include "server/handlers/handlers.h"
#include "server/handlers/multipart_common.h"
#include "server/handlers/object_common.h"
#include "server/lifecycle.h"
#include "server/state.h"
#include "server/xml.h"
#include "storage/errors.h"

namespace s2lite::server {
namespace {

std::string UploadIdOf(const RequestContext& ctx) {
  const auth::QueryParam* q = ctx.view.Query("uploadId");
  return q ? q->value : std::string();
}

Status InvalidChecksumArgument() {
  return Status(ErrorCode::kInvalidArgument,
                "Invalid Base64 or multiple checksums present in request");
}

// A listed part's checksum against the stored part's. Mismatches follow S3:
// the upload's own algorithm is an InvalidPart, another one a BadDigest.
Status CheckListedChecksum(const CompletePartXml& listed, const storage::PartInfo& stored,
                           const storage::UploadInfo& upload) {
  if (listed.checksums.size() > 1) return InvalidChecksumArgument();
  for (const auto& [name, value] : listed.checksums) {
    auto alg = auth::ParseChecksumAlgorithm(name);
    if (!alg) return Status(ErrorCode::kMalformedXML);
    auto raw = common::Base64Decode(value);
    if (!raw || raw->size() != auth::ChecksumRaw(*alg, {}).size()) return InvalidChecksumArgument();
    std::string alg_name(auth::ChecksumName(*alg));
    if (stored.checksum_algorithm == alg_name && stored.checksum_value == value) continue;
    const std::string& upload_alg = upload.attrs.checksum_algorithm;
    if (alg_name == upload_alg || upload_alg.empty()) {
      return Status(ErrorCode::kInvalidPart)
          .With("UploadId", upload.upload_id)
          .With("PartNumber", std::to_string(listed.part_number));
    }
    return Status(ErrorCode::kBadDigest,
                  "The " + common::AsciiLower(alg_name) + " you specified for part " +
                      std::to_string(listed.part_number) + " did not match what we received.");
  }
  return Status::Ok();
}

// Validates the listed parts' checksums and derives the object's multipart
// checksum from the stored parts ("" when the upload has no algorithm). Parts
// that are not stored are left to the store, which reports them InvalidPart.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
Task<Result<std::string>> MultipartChecksum(const RequestContext& ctx,
                                            const storage::UploadInfo& upload,
                                            const std::vector<CompletePartXml>& listed) {
  const std::string& alg_name = upload.attrs.checksum_algorithm;
  auto stored = co_await ctx.state->store->ListParts(upload.upload_id, 0, -1, nullptr);
  if (!stored.ok()) co_return stored.status();
  std::map<int, const storage::PartInfo*> by_number;
  for (const storage::PartInfo& p : *stored) by_number[p.part_number] = &p;

  const bool composite = EffectiveChecksumType(upload.attrs) == "COMPOSITE";
  std::vector<std::pair<std::string, uint64_t>> raws;
  for (const CompletePartXml& part : listed) {
    auto it = by_number.find(part.part_number);
    if (it == by_number.end() ||
        common::AsciiLower(it->second->md5_hex) != common::AsciiLower(part.etag))
      continue;
    if (Status s = CheckListedChecksum(part, *it->second, upload); !s.ok()) co_return s;
    if (alg_name.empty()) continue;
    if (composite && part.checksums.empty()) {
      co_return Status(ErrorCode::kInvalidRequest,
                       "The upload was created using a " + common::AsciiLower(alg_name) +
                           " checksum. The complete request must include the checksum for each "
                           "part. It was missing for part " +
                           std::to_string(part.part_number) + " in the request.");
    }
    auto raw = common::Base64Decode(it->second->checksum_value);
    if (!raw || it->second->checksum_algorithm != alg_name) co_return std::string();
    raws.emplace_back(std::move(*raw), it->second->blob.size);
  }
  auto alg = auth::ParseChecksumAlgorithm(alg_name);
  if (!alg || raws.empty()) co_return std::string();
  if (composite) {
    std::vector<std::string> parts;
    for (auto& [raw, size] : raws) parts.push_back(raw);
    co_return auth::CompositeChecksum(*alg, parts);
  }
  co_return auth::CombineCrcFullObject(*alg, raws);
}

// The whole-object checksum and checksum type a Complete request may assert.
Status CheckRequestedChecksum(const RequestContext& ctx, const storage::UploadInfo& upload,
                              const std::string& computed) {
  std::string type = EffectiveChecksumType(upload.attrs);
  if (const std::string* want = ctx.Header("x-amz-checksum-type")) {
    if (common::AsciiLower(*want) != common::AsciiLower(type)) {
      return Status(ErrorCode::kInvalidRequest,
                    "The upload was created using the " + (type.empty() ? "null" : type) +
                        " checksum mode. The complete request must use the same checksum mode.");
    }
  }
  auto alg = auth::ParseChecksumAlgorithm(upload.attrs.checksum_algorithm);
  if (!alg || computed.empty()) return Status::Ok();
  const std::string* want = ctx.Header(auth::ChecksumHeader(*alg));
  if (!want) return Status::Ok();
  std::string bare = computed.substr(0, computed.find('-'));
  if (*want == computed || *want == bare) return Status::Ok();
  return Status(ErrorCode::kBadDigest, "The " +
                                           common::AsciiLower(upload.attrs.checksum_algorithm) +
                                           " you specified did not match the calculated "
                                           "checksum.");
}

std::string Location(const RequestContext& ctx) {
  std::string out = (ctx.tls ? "https://" : "http://") + ctx.host + "/";
  if (!ctx.route.virtual_host) out += common::UriEncode(ctx.route.bucket, false) + "/";
  return out + common::UriEncode(ctx.route.key, true);
}

Response Answer(const RequestContext& ctx, const storage::ObjectInfo& object) {
  XmlWriter w;
  w.Open("CompleteMultipartUploadResult", true);
  w.Element("Location", Location(ctx));
  w.Element("Bucket", object.bucket);
  w.Element("Key", object.key);
  w.Element("ETag", object.etag);
  const std::string& alg = object.attrs.checksum_algorithm;
  if (!alg.empty() && !object.checksum_value.empty()) {
    w.Element("Checksum" + alg, object.checksum_value);
    w.Element("ChecksumType", EffectiveChecksumType(object.attrs));
  }
  w.Close("CompleteMultipartUploadResult");
  return XmlWithSseHeaders(w.Take(), object.attrs);
}

}  // namespace

Task<Response> HandleCompleteMultipartUpload(RequestContext& ctx) {
  auto listed = ParseCompleteMultipartUpload(ctx.body);
  if (!listed.ok()) co_return Response::Error(listed.status());
  auto condition = ParseWriteCondition(ctx);
  if (!condition.ok()) co_return Response::Error(condition.status());
  const std::string id = UploadIdOf(ctx);
  storage::ObjectStore& store = *ctx.state->store;

  std::string checksum;
  Result<storage::UploadInfo> upload = co_await store.GetUpload(id);
  if (upload.ok()) {
    if (upload->bucket != ctx.route.bucket || upload->key != ctx.route.key)
      co_return Response::Error(storage::NoSuchUploadError(id));
    Result<std::string> sum = co_await MultipartChecksum(ctx, *upload, *listed);
    if (!sum.ok() && sum.status().code() != ErrorCode::kNoSuchUpload)
      co_return Response::Error(sum.status());
    if (sum.ok()) checksum = *sum;
    if (Status s = CheckRequestedChecksum(ctx, *upload, checksum); !s.ok())
      co_return Response::Error(std::move(s));
    if (Status s = co_await PrecheckWriteCondition(ctx, *condition); !s.ok())
      co_return Response::Error(std::move(s));
  } else if (upload.status().code() != ErrorCode::kNoSuchUpload) {
    co_return Response::Error(upload.status());
  }
  // Not pending: a retry of a Complete that already succeeded gets the same
  // answer from the store; anything else is NoSuchUpload.

  std::vector<storage::CompletePart> parts;
  parts.reserve(listed->size());
  for (const CompletePartXml& p : *listed) parts.push_back({p.part_number, p.etag});
  auto object = co_await store.CompleteUpload(id, parts, ctx.state->options.min_part_size, checksum,
                                              *condition);
  if (!object.ok()) co_return Response::Error(ConditionalCommitError(object.status(), *condition));
  if (object->bucket != ctx.route.bucket || object->key != ctx.route.key)
    co_return Response::Error(storage::NoSuchUploadError(id));
  Response r = Answer(ctx, *object);
  co_await AddExpirationHeader(r, *ctx.state, *object);
  co_return r;
}

}  // namespace s2lite::server
