#include "server/handlers/common.h"

#include <array>
#include <ctime>

#include "auth/checksum.h"
#include "common/ascii.h"
#include "common/crypto.h"
#include "common/time.h"
#include "common/uri.h"
#include "server/handlers/tagging.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

constexpr std::string_view kStorageClasses[] = {
    "STANDARD",       "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER",        "DEEP_ARCHIVE",       "OUTPOSTS",    "GLACIER_IR", "SNOW",
    "EXPRESS_ONEZONE"};
constexpr std::string_view kCannedAcls[] = {"private",
                                            "public-read",
                                            "public-read-write",
                                            "aws-exec-read",
                                            "authenticated-read",
                                            "bucket-owner-read",
                                            "bucket-owner-full-control",
                                            "log-delivery-write"};
constexpr std::string_view kChecksumAlgorithms[] = {"CRC32", "CRC32C", "SHA1", "SHA256",
                                                    "CRC64NVME"};
constexpr std::string_view kSseAlgorithms[] = {"AES256", "aws:kms", "aws:kms:dsse"};

template <size_t N>
bool OneOf(const std::string_view (&list)[N], std::string_view v) {
  for (std::string_view x : list)
    if (x == v) return true;
  return false;
}

constexpr std::string_view kMetaPrefix = "x-amz-meta-";

Status CheckChecksum(auth::ChecksumAlgorithm algorithm, const std::string& expected,
                     const std::string& body) {
  if (auth::ChecksumBase64(algorithm, body) == expected) return Status::Ok();
  return Status(ErrorCode::kBadDigest, "The " + std::string(auth::ChecksumName(algorithm)) +
                                           " you specified did not match the calculated "
                                           "checksum.");
}

}  // namespace

bool IsCannedAcl(std::string_view acl) { return OneOf(kCannedAcls, acl); }

namespace {

// The x-amz-meta-* headers into a.metadata; returns their size in bytes.
size_t ParseUserMetadata(const RequestContext& ctx, storage::ObjectAttrs& a) {
  size_t meta_bytes = 0;
  for (const auto& [name, value] : ctx.view.headers) {
    if (name.size() <= kMetaPrefix.size() || name.compare(0, kMetaPrefix.size(), kMetaPrefix) != 0)
      continue;
    std::string meta_name = name.substr(kMetaPrefix.size());  // already lower-case
    meta_bytes += meta_name.size() + value.size();
    a.metadata.emplace_back(std::move(meta_name), value);
  }
  return meta_bytes;
}

// A control character stored here would be written back as a header by
// every GET: refused when it enters, not only when it leaves.
Status CheckStoredHeaders(const storage::ObjectAttrs& a, size_t meta_bytes) {
  for (const std::string* v : {&a.content_type, &a.cache_control, &a.content_disposition,
                               &a.content_encoding, &a.content_language, &a.expires}) {
    if (common::HasControlChars(*v))
      return Status(ErrorCode::kInvalidArgument, "Header value contains control characters");
  }
  for (const auto& [name, value] : a.metadata) {
    if (common::HasControlChars(value)) {
      return Status(ErrorCode::kInvalidArgument, "Header value contains control characters")
          .With("ArgumentName", "x-amz-meta-" + name);
    }
  }
  if (meta_bytes > kMaxUserMetadataBytes) {
    return Status(ErrorCode::kMetadataTooLarge)
        .With("Size", std::to_string(meta_bytes))
        .With("MaxSizeAllowed", std::to_string(kMaxUserMetadataBytes));
  }
  return Status::Ok();
}

// x-amz-checksum-algorithm and x-amz-checksum-type.
Status ParseChecksumHeaders(const RequestContext& ctx, storage::ObjectAttrs& a) {
  if (const std::string* alg = ctx.Header("x-amz-checksum-algorithm")) {
    std::string up = common::AsciiUpper(*alg);
    if (!OneOf(kChecksumAlgorithms, up))
      return Status(ErrorCode::kInvalidRequest,
                    "Value for x-amz-checksum-algorithm header is invalid.");
    a.checksum_algorithm = up;
  }
  if (const std::string* type = ctx.Header("x-amz-checksum-type")) {
    std::string up = common::AsciiUpper(*type);
    if (up != "COMPOSITE" && up != "FULL_OBJECT")
      return Status(ErrorCode::kInvalidRequest, "Value for x-amz-checksum-type header is invalid.");
    a.checksum_type = up;
  }
  return Status::Ok();
}

}  // namespace

Result<storage::ObjectAttrs> ParseObjectAttrs(const RequestContext& ctx) {
  storage::ObjectAttrs a;
  if (const std::string* ct = ctx.Header("content-type"); ct && !ct->empty()) a.content_type = *ct;
  a.cache_control = ctx.HeaderOr("cache-control");
  a.content_disposition = ctx.HeaderOr("content-disposition");
  a.content_encoding = ctx.HeaderOr("content-encoding");
  a.content_language = ctx.HeaderOr("content-language");
  a.expires = ctx.HeaderOr("expires");
  const size_t meta_bytes = ParseUserMetadata(ctx, a);
  if (Status s = CheckStoredHeaders(a, meta_bytes); !s.ok()) return s;

  if (const std::string* sc = ctx.Header("x-amz-storage-class")) {
    if (!OneOf(kStorageClasses, *sc)) return Status(ErrorCode::kInvalidStorageClass);
    a.storage_class = *sc;
  }
  if (const std::string* acl = ctx.Header("x-amz-acl")) {
    if (!IsCannedAcl(*acl))
      return Status(ErrorCode::kInvalidArgument)
          .With("ArgumentName", "x-amz-acl")
          .With("ArgumentValue", *acl);
    a.acl = *acl;
  }
  if (const std::string* tagging = ctx.Header("x-amz-tagging")) {
    auto tags = ParseTaggingHeader(*tagging);
    if (!tags.ok()) return tags.status();
    a.tagging = EncodeTags(*tags);
  }
  if (Status s = ParseChecksumHeaders(ctx, a); !s.ok()) return s;
  if (const std::string* sse = ctx.Header("x-amz-server-side-encryption")) {
    if (!OneOf(kSseAlgorithms, *sse))
      return Status(ErrorCode::kInvalidArgument,
                    "Server Side Encryption with unsupported algorithm")
          .With("ArgumentName", "x-amz-server-side-encryption")
          .With("ArgumentValue", *sse);
    a.sse = *sse;
    a.sse_kms_key_id = ctx.HeaderOr("x-amz-server-side-encryption-aws-kms-key-id");
  }
  return a;
}

storage::TimeMs ToTimeMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string CanonicalUserId(std::string_view user_name) {
  return common::Sha256Hex(std::string("s2lite-user:") + std::string(user_name));
}

void WriteOwner(XmlWriter& w, std::string_view element, std::string_view user_name) {
  w.Open(element);
  w.Element("ID", CanonicalUserId(user_name));
  w.Element("DisplayName", user_name);
  w.Close(element);
}

Status CheckXmlBodyDigest(const RequestContext& ctx) {
  bool checked = false;
  if (const std::string* md5 = ctx.Header("content-md5")) {
    auto raw = common::Base64Decode(*md5);
    if (!raw || raw->size() != 16) return Status(ErrorCode::kInvalidDigest);
    common::Md5Digest got = common::Md5(ctx.body);
    std::string_view got_raw(reinterpret_cast<const char*>(got.data()), got.size());
    if (!common::ConstantTimeEquals(*raw, got_raw)) {
      return Status(ErrorCode::kBadDigest)
          .With("ExpectedDigest", *md5)
          .With("CalculatedDigest", common::Base64Encode(got_raw));
    }
    checked = true;
  }
  for (const auto* fields : {&ctx.view.headers, &ctx.trailers}) {
    for (const auto& [name, value] : *fields) {
      auto algorithm = auth::ChecksumFromHeader(name);
      if (!algorithm) continue;
      if (Status s = CheckChecksum(*algorithm, value, ctx.body); !s.ok()) return s;
      checked = true;
    }
  }
  if (!checked) {
    return Status(ErrorCode::kInvalidRequest,
                  "Missing required header for this request: Content-MD5");
  }
  return Status::Ok();
}

}  // namespace s2lite::server
