#include "server/handlers/listing.h"

#include <charconv>
#include <limits>

#include "common/uri.h"

namespace s2lite::server {

Result<int> ParseMaxKeys(const RequestContext& ctx, std::string_view name) {
  const auth::QueryParam* q = ctx.view.Query(name);
  if (!q) return kMaxListKeys;
  const std::string& v = q->value;
  int n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || n < 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "Provided " + std::string(name) + " not an integer or within integer range")
        .With("ArgumentName", std::string(name))
        .With("ArgumentValue", v);
  }
  return n;
}

Result<bool> ParseEncodingType(const RequestContext& ctx) {
  const auth::QueryParam* q = ctx.view.Query("encoding-type");
  if (!q) return false;
  if (q->value == "url") return true;
  return Status(ErrorCode::kInvalidArgument, "Invalid Encoding Method specified in Request")
      .With("ArgumentName", "encoding-type")
      .With("ArgumentValue", q->value);
}

std::string ListingEncode(std::string_view value, bool url) {
  return url ? common::UriEncode(value, true) : std::string(value);
}

std::string CommonPrefixOf(std::string_view key, std::string_view prefix,
                           std::string_view delimiter) {
  if (delimiter.empty()) return {};
  size_t at = key.find(delimiter, prefix.size());
  if (at == std::string_view::npos) return {};
  return std::string(key.substr(0, at + delimiter.size()));
}

std::string SkipBound(std::string_view common_prefix) {
  return std::string(common_prefix) + "\xFF\xFF\xFF\xFF";
}

}  // namespace s2lite::server
