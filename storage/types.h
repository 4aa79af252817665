#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace s2lite::storage {

// Milliseconds since the Unix epoch (UTC).
using TimeMs = int64_t;

struct BucketInfo {
  std::string name;
  std::string owner;  // user name
  std::string region;
  TimeMs created = 0;
  std::string acl;  // canned ACL, "private" by default
  // Which creation of this name the bucket is: a bucket deleted and created
  // again (by anyone) has another generation. Set by ObjectStore::CreateBucket.
  uint64_t generation = 0;
};

// Everything recorded at initiation (or PutObject) that the object carries.
struct ObjectAttrs {
  std::string content_type = "binary/octet-stream";
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  std::string expires;
  // x-amz-meta-* with the prefix stripped, names lower-case, in order given.
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string storage_class = "STANDARD";
  std::string tagging;             // raw x-amz-tagging (URL query form)
  std::string acl;                 // canned ACL or ""
  std::string checksum_algorithm;  // CRC32, CRC32C, SHA1, SHA256, CRC64NVME or ""
  std::string checksum_type;       // COMPOSITE, FULL_OBJECT or ""
  std::string sse;                 // x-amz-server-side-encryption, recorded only
  std::string sse_kms_key_id;
};

struct UploadInfo {
  std::string upload_id;
  std::string bucket;
  std::string key;
  std::string initiator;  // user name
  std::string owner;      // bucket owner's user name
  TimeMs created = 0;
  ObjectAttrs attrs;
  // Writes only: the bucket generation the request was authorized against.
  // Recording fails with kNoSuchBucket when the bucket has since been
  // deleted (and perhaps created again by another owner). 0 = not checked.
  uint64_t bucket_generation = 0;
};

// The precondition of a conditional write (If-None-Match: * / If-Match:
// <etag> on PutObject, CompleteMultipartUpload, CopyObject), checked inside
// the transaction that writes the object.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
struct WriteCondition {
  bool if_none_match = false;  // no object may exist at the key
  std::string if_match;        // the current object's ETag (quoted or not); "" = no check
  bool empty() const { return !if_none_match && if_match.empty(); }
};

// A stored run of bytes, named by a generated id (never by key).
struct BlobRef {
  std::string blob_id;
  uint64_t size = 0;
};

struct PartInfo {
  int part_number = 0;
  BlobRef blob;
  std::string etag;     // quoted hex MD5: "\"...\""
  std::string md5_hex;  // unquoted lower-case hex MD5 of the part
  TimeMs last_modified = 0;
  // Flexible checksum of this part (algorithm name upper-case, base64 value), if any.
  std::string checksum_algorithm;
  std::string checksum_value;
};

struct ObjectInfo {
  std::string bucket;
  std::string key;
  uint64_t size = 0;
  std::string etag;  // quoted, "<md5>" or "<md5-of-md5s>-N"
  TimeMs last_modified = 0;
  std::string owner;
  ObjectAttrs attrs;
  // The bytes, in order: one blob for PutObject, one per part after Complete.
  std::vector<BlobRef> manifest;
  // Part boundaries for multipart objects (part sizes in order); empty for PUT.
  int parts_count = 0;
  std::string checksum_value;  // full or composite checksum, base64, if any
  // Writes only: as UploadInfo::bucket_generation.
  uint64_t bucket_generation = 0;
  // Writes only: the write fails with kPreconditionFailed when it does not
  // hold (kNoSuchKey for If-Match on an absent key).
  WriteCondition condition;
};

}  // namespace s2lite::storage
