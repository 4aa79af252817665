#include "server/handlers/multipart_common.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <optional>

#include "auth/checksum.h"
#include "common/ascii.h"
#include "server/state.h"
#include "storage/errors.h"

namespace s2lite::server {
namespace {

std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// The flexible checksum a part request names, if any.
std::optional<auth::ChecksumAlgorithm> RequestedAlgorithm(const RequestContext& ctx) {
  for (const auto& [name, value] : ctx.view.headers) {
    if (auto a = auth::ChecksumFromHeader(name)) return a;
  }
  if (const std::string* trailer = ctx.Header("x-amz-trailer")) {
    if (auto a = auth::ChecksumFromHeader(common::AsciiLower(*trailer))) return a;
  }
  if (const std::string* sdk = ctx.Header("x-amz-sdk-checksum-algorithm")) {
    return auth::ParseChecksumAlgorithm(*sdk);
  }
  return std::nullopt;
}

}  // namespace

Result<int> ParsePartNumber(const RequestContext& ctx) {
  const auth::QueryParam* q = ctx.view.Query("partNumber");
  std::string value = q ? q->value : std::string();
  std::optional<int> n = ParseInt(value);
  if (!n || *n < 1 || *n > kMaxPartNumber) {
    return Status(ErrorCode::kInvalidArgument,
                  "Part number must be an integer between 1 and 10000, inclusive")
        .With("ArgumentName", "partNumber")
        .With("ArgumentValue", value);
  }
  return *n;
}

Task<Result<storage::UploadInfo>> LoadUpload(const RequestContext& ctx) {
  const auth::QueryParam* q = ctx.view.Query("uploadId");
  std::string id = q ? q->value : std::string();
  if (id.empty()) co_return storage::NoSuchUploadError(id);
  Result<storage::UploadInfo> upload = co_await ctx.state->store->GetUpload(id);
  if (!upload.ok()) co_return upload;
  if (upload->bucket != ctx.route.bucket || upload->key != ctx.route.key) {
    co_return storage::NoSuchUploadError(id);
  }
  co_return upload;
}

Status CheckPartChecksumAlgorithm(const RequestContext& ctx, const storage::UploadInfo& upload) {
  if (upload.attrs.checksum_algorithm.empty()) return Status::Ok();
  std::optional<auth::ChecksumAlgorithm> requested = RequestedAlgorithm(ctx);
  if (!requested) return Status::Ok();
  std::string got(auth::ChecksumName(*requested));
  if (got == upload.attrs.checksum_algorithm) return Status::Ok();
  return Status(ErrorCode::kInvalidRequest,
                "Checksum Type mismatch occurred, expected checksum Type: " +
                    common::AsciiLower(upload.attrs.checksum_algorithm) +
                    ", actual checksum Type: " + common::AsciiLower(got));
}

storage::PartInfo MakePart(int part_number, const WrittenBody& body, storage::TimeMs now) {
  storage::PartInfo part;
  part.part_number = part_number;
  part.blob = body.blob;
  part.md5_hex = body.md5_hex;
  part.etag = "\"" + body.md5_hex + "\"";
  part.last_modified = now;
  part.checksum_algorithm = body.checksum_algorithm;
  part.checksum_value = body.checksum_value;
  return part;
}

std::string EffectiveChecksumType(const storage::ObjectAttrs& attrs) {
  if (attrs.checksum_algorithm.empty()) return {};
  if (!attrs.checksum_type.empty()) return attrs.checksum_type;
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
  return attrs.checksum_algorithm == "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE";
}

Result<int> ParseListArgument(const RequestContext& ctx, std::string_view name, int fallback,
                              int cap) {
  const auth::QueryParam* q = ctx.view.Query(name);
  if (!q) return fallback;
  std::optional<int> n = ParseInt(q->value);
  if (!n || *n < 0) {
    return Status(ErrorCode::kInvalidArgument, "Argument " + std::string(name) +
                                                   " must be an integer between 0 and " +
                                                   std::to_string(INT_MAX))
        .With("ArgumentName", std::string(name))
        .With("ArgumentValue", q->value);
  }
  return std::min(*n, cap);
}

}  // namespace s2lite::server
