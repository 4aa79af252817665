#pragma once

// CORS as S3 does it: a bucket's CORSConfiguration (parsed, validated,
// rendered in one canonical form) and the matching of a request's Origin,
// method and requested headers against its rules. Pure functions: the
// handlers (server/handlers/bucket_cors.cc) store and load the document.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s2lite/status.h"

namespace s2lite::server {

struct CorsRule {
  std::string id;
  std::vector<std::string> allowed_origins;  // each with at most one '*'
  std::vector<std::string> allowed_methods;  // GET PUT POST DELETE HEAD
  std::vector<std::string> allowed_headers;  // each with at most one '*', case-insensitive
  std::vector<std::string> expose_headers;
  std::optional<int64_t> max_age_seconds;
};

struct CorsConfiguration {
  std::vector<CorsRule> rules;
};

// S3's most rules in one configuration.
inline constexpr size_t kMaxCorsRules = 100;

// Parses and validates a PutBucketCors body. Errors: kMalformedXML (not
// well-formed, wrong root, unknown element, no rule, more than kMaxCorsRules,
// a rule without AllowedOrigin or AllowedMethod, MaxAgeSeconds not an
// integer), kInvalidRequest (an unsupported method, an origin or header with
// more than one '*', an ID over 255 characters), with S3's messages.
Result<CorsConfiguration> ParseCorsConfiguration(std::string_view xml);

// The document GetBucketCors returns (and the form stored).
std::string RenderCorsConfiguration(const CorsConfiguration& config);

// The rule --cors-allow-origin gives every bucket without its own configuration.
CorsConfiguration DefaultCorsConfiguration(const std::vector<std::string>& origins);

// `pattern` with at most one '*' matching any run of characters.
bool CorsWildcardMatch(std::string_view pattern, std::string_view value, bool ignore_case);

// "a, b ,c" -> {"a", "b", "c"} (empty items dropped), lower-cased.
std::vector<std::string> SplitCorsHeaderList(std::string_view list);

// The first rule allowing `origin` and `method` and, for a preflight, every
// header of `request_headers` (lower-case); nullptr when none does.
const CorsRule* MatchCorsRule(const CorsConfiguration& config, std::string_view origin,
                              std::string_view method,
                              const std::vector<std::string>& request_headers);

// The Access-Control-* and Vary headers answering a request from `origin`
// that `rule` allows. `request_headers` is the preflight's
// Access-Control-Request-Headers value, echoed as Access-Control-Allow-Headers
// ("" on an actual request).
std::vector<std::pair<std::string, std::string>> CorsResponseHeaders(
    const CorsRule& rule, std::string_view origin, std::string_view request_headers);

}  // namespace s2lite::server
