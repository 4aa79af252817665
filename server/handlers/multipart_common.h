#pragma once

// Helpers shared by the multipart handlers (upload_part.cc, upload_part_copy.cc,
// complete_multipart_upload.cc, list_parts.cc, ...).

#include <string>
#include <string_view>

#include "s2lite/status.h"
#include "server/handlers/body_writer.h"
#include "server/request.h"
#include "storage/types.h"

namespace s2lite::server {

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
inline constexpr int kMaxPartNumber = 10000;
// Largest page ListParts / ListMultipartUploads return, and their default.
inline constexpr int kMaxListPage = 1000;

// The partNumber query parameter: an integer 1..10000. Errors: kInvalidArgument
// (ArgumentName partNumber, ArgumentValue).
Result<int> ParsePartNumber(const RequestContext& ctx);

// The pending upload named by ?uploadId. An upload of another bucket or key is
// as unknown as a missing one. Errors: kNoSuchUpload (with UploadId).
Task<Result<storage::UploadInfo>> LoadUpload(const RequestContext& ctx);

// A part request must not name a flexible checksum other than the upload's
// (x-amz-checksum-*, x-amz-trailer, x-amz-sdk-checksum-algorithm). Errors:
// kInvalidRequest.
Status CheckPartChecksumAlgorithm(const RequestContext& ctx, const storage::UploadInfo& upload);

// The part record for a written body.
storage::PartInfo MakePart(int part_number, const WrittenBody& body, storage::TimeMs now);

// The checksum type an upload's checksum combines with: its recorded
// x-amz-checksum-type, else S3's default for the algorithm (FULL_OBJECT for
// CRC64NVME, COMPOSITE otherwise); "" without an algorithm.
std::string EffectiveChecksumType(const storage::ObjectAttrs& attrs);

// An optional non-negative integer query argument (max-parts, max-uploads,
// part-number-marker): `fallback` when absent, at most `cap`. Errors:
// kInvalidArgument ("Argument <name> must be an integer between 0 and 2147483647").
Result<int> ParseListArgument(const RequestContext& ctx, std::string_view name, int fallback,
                              int cap);

}  // namespace s2lite::server
