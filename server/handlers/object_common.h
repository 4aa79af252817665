#pragma once

// Helpers shared by the object handlers (PutObject, GetObject, CopyObject,
// and UploadPartCopy): the attributes a write request sets, the record of a
// written object, the source of a copy, the SSE response headers, and reading
// or copying a byte range of a stored object across its manifest's blobs, one
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

// The record of a single-part object at the request's bucket and key, owned
// by the caller, holding `body`: its ETag is the body's MD5, and a checksum
// computed over the body is a FULL_OBJECT one (without one, any checksum type
// in `attrs` is dropped). last_modified is left 0, for the store to stamp.
storage::ObjectInfo SinglePartObject(const RequestContext& ctx, const WrittenBody& body,
                                     storage::ObjectAttrs attrs);

// x-amz-server-side-encryption (and the KMS key id) of an object or upload.
void AddSseHeaders(Response& r, const storage::ObjectAttrs& attrs);

// An XML result document with the SSE headers of `attrs` (CopyObject,
// UploadPartCopy, CompleteMultipartUpload).
Response XmlWithSseHeaders(std::string xml, const storage::ObjectAttrs& attrs);

// The object named by x-amz-copy-source (CopyObject, UploadPartCopy).
struct CopySource {
  std::string bucket;
  std::string key;
};

// Parses x-amz-copy-source: "[/]bucket/key[?versionId=null]", percent-encoded
// (the slash after the bucket may be encoded too). Buckets are unversioned, so
// the only version id accepted is "null". Errors: kInvalidArgument, with
// ArgumentName x-amz-copy-source (malformed: no bucket or key, a bad escape, a
// query other than one versionId) or versionId (another version).
Result<CopySource> ParseCopySource(std::string_view header);

// The source object; its bucket must be the caller's. `lease` keeps its blobs
// readable while the copy runs, even if the source is replaced meanwhile.
// Errors: kNoSuchBucket (with BucketName), kAccessDenied, kNoSuchKey (with
// Key), store errors.
Task<Result<storage::ObjectInfo>> LoadCopySource(const RequestContext& ctx,
                                                 const CopySource& source,
                                                 std::shared_ptr<const void>* lease);

// The x-amz-copy-source-if-* conditions against the source's ETag and
// Last-Modified. Errors: PreconditionFailed (also for what a GET would answer
// 304), naming the deciding condition.
Status CheckCopySourceConditions(const RequestContext& ctx, const storage::ObjectInfo& source);

// A copy of `bytes` bytes must fit the largest single write (max_part_size).
// Errors: kInvalidRequest.
Status CheckCopySize(const RequestContext& ctx, uint64_t bytes);

// Streams [offset, offset + length) of the concatenation of `manifest`'s
// blobs. Opens one blob at a time, in order. The store must outlive it.
class ManifestReader final : public BodySource {
 public:
  // Precondition: offset + length <= the manifest's total size.
  // `lease` (GetObjectForRead) keeps the blobs from being removed meanwhile.
  ManifestReader(storage::ObjectStore* store, std::vector<storage::BlobRef> manifest,
                 uint64_t offset, uint64_t length, std::shared_ptr<const void> lease = nullptr);

  // Opens the first blob, so that a blob gone missing (the object was
  // replaced meanwhile) is reported before a response header is sent.
  Status Open();

  // Up to n bytes; 0 once `length` bytes have been read. kInternalError when
  // a blob is missing or shorter than the manifest says.
  Result<size_t> Read(char* data, size_t n) override;
  Result<FileSpan> NextFileSpan(size_t max) override;
  void Consume(size_t n) override;

 private:
  // Moves to the blob holding the next byte, opening it.
  Status Advance();

  storage::ObjectStore* store_;
  std::vector<storage::BlobRef> manifest_;
  size_t index_ = 0;          // current blob
  uint64_t blob_offset_ = 0;  // next byte within the current blob
  uint64_t left_;
  std::unique_ptr<storage::BlobReader> reader_;
  std::shared_ptr<const void> lease_;
};

// Copies [offset, offset + length) of an object's bytes into a new committed
// blob, computing its MD5 and, when `checksum_algorithm` is not "", that
// checksum (CopyObject, UploadPartCopy).
Result<WrittenBody> CopyManifestRange(storage::ObjectStore* store,
                                      const std::vector<storage::BlobRef>& manifest,
                                      uint64_t offset, uint64_t length,
                                      const std::string& checksum_algorithm);

}  // namespace s2lite::server
