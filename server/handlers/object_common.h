#pragma once

// Helpers shared by the object handlers (PutObject, GetObject, CopyObject,
// and UploadPartCopy): the attributes a write request sets, and reading or
// copying a byte range of a stored object across its manifest's blobs, one
// blob at a time, never holding the object in memory.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "s2lite/status.h"
#include "server/handlers/body_writer.h"
#include "server/request.h"
#include "storage/object_store.h"

namespace s2lite::server {

// NoSuchKey naming the key, as S3 reports it.
Status NoSuchKeyError(const std::string& key);

// Buckets are unversioned: the only version id that exists is "null", and
// any other ?versionId is refused (kInvalidArgument) rather than ignored.
Status CheckNullVersionId(const RequestContext& ctx);

// `content_encoding` without "aws-chunked", which only frames the request
// body and is never part of the stored object's encoding. "" when nothing
// else remains.
std::string StripAwsChunked(std::string_view content_encoding);

// ParseObjectAttrs, with aws-chunked stripped from Content-Encoding.
Result<storage::ObjectAttrs> ParseWriteAttrs(const RequestContext& ctx);

// Streams [offset, offset + length) of the concatenation of `manifest`'s
// blobs. Opens one blob at a time, in order. The store must outlive it.
class ManifestReader final : public BodySource {
 public:
  // Precondition: offset + length <= the manifest's total size.
  ManifestReader(storage::ObjectStore* store, std::vector<storage::BlobRef> manifest,
                 uint64_t offset, uint64_t length);

  // Opens the first blob, so that a blob gone missing (the object was
  // replaced meanwhile) is reported before a response header is sent.
  Status Open();

  // Up to n bytes; 0 once `length` bytes have been read. kInternalError when
  // a blob is missing or shorter than the manifest says.
  Result<size_t> Read(char* data, size_t n) override;

 private:
  // Moves to the blob holding the next byte, opening it.
  Status Advance();

  storage::ObjectStore* store_;
  std::vector<storage::BlobRef> manifest_;
  size_t index_ = 0;          // current blob
  uint64_t blob_offset_ = 0;  // next byte within the current blob
  uint64_t left_;
  std::unique_ptr<storage::BlobReader> reader_;
};

// Copies [offset, offset + length) of an object's bytes into a new committed
// blob, computing its MD5 and, when `checksum_algorithm` is not "", that
// checksum (CopyObject, UploadPartCopy).
Result<WrittenBody> CopyManifestRange(storage::ObjectStore* store,
                                      const std::vector<storage::BlobRef>& manifest,
                                      uint64_t offset, uint64_t length,
                                      const std::string& checksum_algorithm);

}  // namespace s2lite::server
