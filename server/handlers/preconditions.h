#pragma once

// Conditional requests (RFC 7232) as S3 evaluates them for GetObject and
// HeadObject (If-*), and CopyObject / UploadPartCopy (x-amz-copy-source-if-*).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/request.h"
#include "storage/types.h"

namespace s2lite::server {

// Whether an If-Match / If-None-Match value ("*", or a comma-separated list
// of entity tags, quoted or not, weak or strong) matches `etag` (quoted or not).
bool EtagListMatches(std::string_view list, std::string_view etag);

enum class Precondition {
  kProceed,
  kFailed,       // 412 PreconditionFailed
  kNotModified,  // 304 for GET/HEAD; 412 for copies
};

struct PreconditionResult {
  Precondition outcome = Precondition::kProceed;
  std::string condition;  // the header that decided a non-proceed outcome
};

// Evaluates the conditional headers named `<prefix>if-match`, `<prefix>if-none-match`,
// `<prefix>if-modified-since`, `<prefix>if-unmodified-since` (prefix "" or
// "x-amz-copy-source-") against an object's ETag and Last-Modified. As S3
// does: If-Match decides alone when present (If-Unmodified-Since is then
// ignored), likewise If-None-Match over If-Modified-Since; failures of the
// first pair win over the second. Unparseable dates are ignored.
PreconditionResult EvaluatePreconditions(const RequestContext& ctx, std::string_view prefix,
                                         std::string_view etag, storage::TimeMs last_modified);

// The Status for a kFailed / kNotModified outcome on a copy (always 412) or a
// kFailed one on a read: PreconditionFailed with its Condition element.
Status PreconditionFailedError(const PreconditionResult& result);

}  // namespace s2lite::server
