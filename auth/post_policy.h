#pragma once

// Browser form uploads (POST Object): the policy document and its checks.
// Pure functions: the form fields, the bucket and the time are passed in.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s2lite/status.h"

namespace s2lite::auth {

struct PolicyCondition {
  enum class Kind { kEq, kStartsWith, kContentLengthRange };
  Kind kind = Kind::kEq;
  std::string field;         // lower-case, without '$' ("key", "x-amz-meta-tag", "bucket")
  std::string value;         // kEq / kStartsWith
  int64_t min = 0, max = 0;  // kContentLengthRange
  // The condition as written, for S3's "Policy Condition failed: ..." message.
  std::string text;
};

struct PostPolicy {
  std::chrono::system_clock::time_point expiration;
  std::vector<PolicyCondition> conditions;
  // The content-length-range, when the policy sets one.
  std::optional<std::pair<int64_t, int64_t>> length_range;
};

// Parses the base64 policy field. Errors: kInvalidPolicyDocument ("Invalid
// Policy: Invalid Base64 Encoding.", "Invalid Policy: Invalid JSON.",
// a missing or malformed expiration, conditions that are not S3's forms).
Result<PostPolicy> ParsePostPolicy(std::string_view base64_policy);

// The form's fields (names lower-case, values as sent), in order.
using FormFields = std::vector<std::pair<std::string, std::string>>;

// Checks `policy` against the form: not expired ("Invalid according to
// Policy: Policy expired."), every condition met ("Invalid according to
// Policy: Policy Condition failed: [...]"; `bucket` is the bucket addressed,
// `fields` hold the key as sent, before ${filename}), and every field but
// the signature's, `policy`, `file` and `x-ignore-*` named by a condition
// ("Invalid according to Policy: Extra input fields: a, b"). Errors:
// kAccessDenied with those messages. content-length-range is checked by the
// caller once the file's size is known.
Status CheckPostPolicy(const PostPolicy& policy, const FormFields& fields, std::string_view bucket,
                       std::chrono::system_clock::time_point now);

// Parses "2026-12-06T14:00:00Z" / "2026-12-06T14:00:00.000Z" (UTC).
std::optional<std::chrono::system_clock::time_point> ParseIso8601Utc(std::string_view s);

}  // namespace s2lite::auth
