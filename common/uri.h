#pragma once

// Percent-encoding: AWS's URI encoding (SigV4, listings) and query parsing.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace s2lite::common {

// One query parameter. `name`/`value` are percent-decoded; `has_value` is
// false for a bare `?uploads` (no '=').
struct QueryParam {
  std::string name;
  std::string value;
  bool has_value = false;
};

// AWS's URI encoding: every byte except A-Z a-z 0-9 - _ . ~ becomes %XX
// (upper-case hex); '/' is kept when `keep_slash`.
std::string UriEncode(std::string_view s, bool keep_slash);

// Percent-decodes `s`. '+' is NOT a space (S3 paths). nullopt when a '%' is
// not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view s);

// Splits a raw query string ("a=1&b&c=%20") into decoded params, in order.
// In query strings '+' decodes to a space, as form-encoding clients send it.
// nullopt when an escape is malformed.
std::optional<std::vector<QueryParam>> ParseQuery(std::string_view raw_query);

}  // namespace s2lite::common
