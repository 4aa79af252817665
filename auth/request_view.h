#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/uri.h"

namespace s2lite::auth {

using common::QueryParam;

// The parts of an HTTP request that signatures cover. Built by server/ from
// the wire request; no Beast types. Header names are lower-case, values are
// as received (not trimmed); a header that appears twice appears twice.
struct RequestView {
  std::string method;             // "GET", "POST", ...
  std::string raw_path;           // request-target path exactly as sent, still %-encoded, no query
  std::vector<QueryParam> query;  // in the order sent
  std::vector<std::pair<std::string, std::string>> headers;

  // First value of a header (name lower-case), or nullptr.
  const std::string* Header(std::string_view lower_name) const {
    for (const auto& [n, v] : headers)
      if (n == lower_name) return &v;
    return nullptr;
  }
  const QueryParam* Query(std::string_view name) const {
    for (const auto& q : query)
      if (q.name == name) return &q;
    return nullptr;
  }
};

}  // namespace s2lite::auth
