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
#include "storage/object_reader.h"
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

// A GET's body: the storage-level reader (storage/object_reader.h, which
// holds the object's lease) as a BodySource.
class ObjectBody final : public BodySource {
 public:
  explicit ObjectBody(std::unique_ptr<storage::ObjectReader> reader) : reader_(std::move(reader)) {}
  Result<size_t> Read(char* data, size_t n) override { return reader_->Read(data, n); }
  Result<FileSpan> NextFileSpan(size_t max) override;
  void Consume(size_t n) override { reader_->Consume(n); }

 private:
  std::unique_ptr<storage::ObjectReader> reader_;
};

// Copies what `reader` has left into a new committed blob, computing its MD5
// and, when `checksum_algorithm` is not "", that checksum (CopyObject,
// UploadPartCopy).
Result<WrittenBody> CopyObjectBytes(storage::ObjectStore& store, storage::ObjectReader& reader,
                                    const std::string& checksum_algorithm);

}  // namespace s2lite::server
