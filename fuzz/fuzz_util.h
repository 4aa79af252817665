#pragma once

// Helpers shared by the fuzz targets: turn fuzzer bytes into the inputs the
// parsers take. Not part of the library.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/request_view.h"
#include "common/uri.h"
#include "s2lite/options.h"

namespace s2lite::fuzz {

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// A request in a compact text form, so the auth targets spend their effort on
// signatures rather than on HTTP syntax:
//   METHOD SP TARGET \n
//   name: value \n ...
// Header names are lower-cased, values kept as given (after one optional space).
inline bool ParseRequestText(std::string_view in, auth::RequestView& req) {
  auto nl = in.find('\n');
  std::string_view first = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  auto sp = first.find(' ');
  if (sp == std::string_view::npos) return false;
  req.method = std::string(first.substr(0, sp));
  std::string_view target = first.substr(sp + 1);
  auto q = target.find('?');
  req.raw_path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    auto query = common::ParseQuery(target.substr(q + 1));
    if (!query) return false;
    req.query = std::move(*query);
  }
  while (!in.empty()) {
    nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.emplace_back(Lower(line.substr(0, colon)), std::string(value));
  }
  return true;
}

// The AWS documentation's example credentials and clock (2013-05-24T00:00:00Z).
inline const UserCredentials& ExampleUser() {
  static const UserCredentials user{"example", "AKIAIOSFODNN7EXAMPLE",
                                    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
  return user;
}
inline std::chrono::system_clock::time_point ExampleNow() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1369353600));
}

}  // namespace s2lite::fuzz
