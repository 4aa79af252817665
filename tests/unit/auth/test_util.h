#pragma once

// Helpers shared by the auth unit tests: reading vector files and turning a
// raw HTTP/1.1 request into a RequestView.

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "auth/request_view.h"
#include "common/uri.h"

namespace s2lite::auth::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct ParsedRequest {
  RequestView view;
  std::string body;
};

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Sets the path and query of `view` from a request-target ("/a/b?x=1").
inline void SetTarget(RequestView& view, std::string_view target) {
  size_t q = target.find('?');
  view.raw_path = std::string(target.substr(0, q));
  view.query.clear();
  if (q != std::string_view::npos) {
    auto params = common::ParseQuery(target.substr(q + 1));
    EXPECT_TRUE(params.has_value()) << target;
    if (params) view.query = std::move(*params);
  }
}

// Parses "METHOD target HTTP/1.1\nName:value\n...\n\nbody". The target may
// contain spaces (the AWS vectors send "/example space/" raw). Continuation
// lines (obs-fold) are joined to the previous value with one space, as
// RFC 7230 section 3.2.4 lets a recipient do.
inline ParsedRequest ParseHttpRequest(std::string_view text) {
  ParsedRequest out;
  auto next_line = [&text]() -> std::string_view {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  std::string_view request_line = next_line();
  size_t first_space = request_line.find(' ');
  size_t last_space = request_line.rfind(' ');
  out.view.method = std::string(request_line.substr(0, first_space));
  SetTarget(out.view, request_line.substr(first_space + 1, last_space - first_space - 1));
  while (!text.empty()) {
    std::string_view line = next_line();
    if (line.empty()) break;
    if ((line.front() == ' ' || line.front() == '\t') && !out.view.headers.empty()) {
      size_t start = line.find_first_not_of(" \t");
      out.view.headers.back().second += ' ';
      out.view.headers.back().second += line.substr(start);
      continue;
    }
    size_t colon = line.find(':');
    out.view.headers.emplace_back(Lower(line.substr(0, colon)),
                                  std::string(line.substr(colon + 1)));
  }
  out.body = std::string(text);
  return out;
}

inline void SetHeader(RequestView& view, std::string_view name, std::string value) {
  for (auto& [n, v] : view.headers) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  view.headers.emplace_back(std::string(name), std::move(value));
}

inline void RemoveHeader(RequestView& view, std::string_view name) {
  std::erase_if(view.headers, [&](const auto& h) { return h.first == name; });
}

inline void RemoveQuery(RequestView& view, std::string_view name) {
  std::erase_if(view.query, [&](const QueryParam& q) { return q.name == name; });
}

}  // namespace s2lite::auth::testing
