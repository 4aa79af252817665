#pragma once

// The write path shared by UploadPart and PutObject: streams a request body
// into a new blob (never buffering it whole), computing its MD5 and, when the
// request names one, its flexible checksum; checks Content-MD5 and the
// checksum (header or aws-chunked trailer) before the blob is committed.

#include <memory>
#include <optional>
#include <string>

#include "auth/checksum.h"
#include "auth/md5_batch.h"
#include "common/crypto.h"
#include "s2lite/status.h"
#include "server/request.h"
#include "storage/blob_store.h"

namespace s2lite::server {

struct WrittenBody {
  storage::BlobRef blob;
  std::string md5_hex;             // lower-case hex
  std::string checksum_algorithm;  // "CRC32", ... or ""
  std::string checksum_value;      // base64, or ""
  std::string checksum_raw;        // raw digest bytes, or ""
};

class BodyWriter {
 public:
  // Validates the request before any byte is read: Content-Length present
  // (kMissingContentLength) and within max_part_size (kEntityTooLarge),
  // Content-MD5 well-formed (kInvalidDigest), checksum headers consistent
  // (kInvalidRequest). `default_algorithm` is computed when the request names
  // none (the upload's x-amz-checksum-algorithm), "" for none.
  static Result<std::unique_ptr<BodyWriter>> Start(RequestContext& ctx,
                                                   const std::string& default_algorithm = {});

  // `data` must stay valid until the next Write() or Finish() (BodySink's
  // contract: the MD5 may be computed then, batched).
  Status Write(const char* data, size_t n);

  // After the whole body: verifies Content-MD5 (kBadDigest) and the checksum
  // (kBadDigest / kInvalidRequest when a promised trailer is missing), then
  // commits the blob. On error nothing is stored.
  Result<WrittenBody> Finish();

 private:
  BodyWriter() = default;
  // Which flexible checksum: a value header, a promised trailer, the SDK's
  // algorithm hint, or `default_algorithm` (the upload's). Sets algorithm_
  // and expected_checksum_header_.
  Status ChooseChecksum(const RequestContext& ctx, const std::string& default_algorithm);
  RequestContext* ctx_ = nullptr;
  std::unique_ptr<storage::BlobWriter> blob_;
  std::unique_ptr<auth::Md5Stream> md5_;
  std::string content_md5_raw_;  // expected, from Content-MD5
  std::optional<auth::ChecksumAlgorithm> algorithm_;
  std::unique_ptr<auth::Checksummer> checksummer_;
  std::string expected_checksum_header_;  // header name whose value must match
};

// Response headers echoing a part's/object's checksum ("x-amz-checksum-crc32: ...").
void AddChecksumHeader(Response& r, const std::string& algorithm, const std::string& value);

}  // namespace s2lite::server
