#pragma once

// The column lists and positions both registries' SELECTs share (their
// schemas name and order the columns alike), a detail of storage/.

#include <string>
#include <string_view>

namespace s2lite::storage::columns {

// The ObjectAttrs columns, in the order the registries bind and read them.
inline constexpr std::string_view kAttrColumns =
    "content_type, cache_control, content_disposition, content_encoding, content_language, "
    "expires, metadata, storage_class, tagging, acl, checksum_algorithm, checksum_type, sse, "
    "sse_kms_key_id";
inline constexpr int kAttrCount = 14;

// Column positions in "upload_id, bucket, key, initiator, owner, created_ms,
// <attrs>, completed_ms, completed_parts, completed_size, completed_etag".
inline constexpr int kUploadAttrs = 6;
inline constexpr int kUploadCompletedMs = kUploadAttrs + kAttrCount;
inline constexpr int kUploadCompletedParts = kUploadCompletedMs + 1;
inline constexpr int kUploadCompletedSize = kUploadCompletedMs + 2;
inline constexpr int kUploadCompletedEtag = kUploadCompletedMs + 3;
// Column positions in "bucket, key, size, etag, last_modified_ms, owner,
// <attrs>, parts_count, checksum_value, upload_id".
inline constexpr int kObjectAttrs = 6;
inline constexpr int kObjectPartsCount = kObjectAttrs + kAttrCount;
inline constexpr int kObjectChecksum = kObjectPartsCount + 1;
inline constexpr int kObjectUploadId = kObjectPartsCount + 2;

// `count` numbered SQL parameters from `first`, comma-separated, each
// written `sigil` + number: "?1, ?2" (SQLite) or "$1, $2" (PostgreSQL).
inline std::string Placeholders(char sigil, int first, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += sigil + std::to_string(first + i);
  }
  return out;
}

}  // namespace s2lite::storage::columns
