#pragma once

// Plain snapshots of the store, for tests that check what a client did
// without going through HTTP (Server::ListUploads, ListObjects, ReadObject).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace s2lite {

// Metadata recorded at initiation / PutObject, carried by the object.
struct ObjectMetadata {
  std::string content_type;
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  std::string expires;
  // x-amz-meta-* without the prefix, names lower-case, in the order given.
  std::vector<std::pair<std::string, std::string>> user;
  std::string storage_class;
  std::string tagging;
  std::string acl;
  std::string checksum_algorithm;
  std::string server_side_encryption;
};

struct UploadSnapshot {
  std::string upload_id;
  std::string bucket;
  std::string key;
  std::string initiator;   // user name
  int64_t created_ms = 0;  // since the Unix epoch
  ObjectMetadata metadata;
  int parts = 0;  // parts uploaded so far
};

struct ObjectSnapshot {
  std::string bucket;
  std::string key;
  uint64_t size = 0;
  std::string etag;  // quoted, as S3 returns it
  int64_t last_modified_ms = 0;
  int parts_count = 0;  // 0 for a single PUT
  ObjectMetadata metadata;
};

}  // namespace s2lite
