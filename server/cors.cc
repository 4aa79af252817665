#include "server/cors.h"

#include <algorithm>
#include <charconv>
#include <pugixml.hpp>

#include "common/ascii.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

constexpr std::string_view kCorsMethods[] = {"GET", "PUT", "POST", "DELETE", "HEAD"};

Status Malformed(std::string message = {}) {
  return Status(ErrorCode::kMalformedXML, std::move(message));
}

bool MoreThanOneWildcard(std::string_view s) { return std::count(s.begin(), s.end(), '*') > 1; }

Result<CorsRule> ParseRule(const pugi::xml_node& node) {
  CorsRule rule;
  bool have_id = false;
  for (pugi::xml_node f : node.children()) {
    if (f.type() != pugi::node_element) continue;
    std::string_view name = f.name();
    std::string value(common::TrimWhitespace(f.child_value()));
    // Origins and headers come back as response header values.
    if (common::HasControlChars(value)) return Malformed();
    if (name == "ID") {
      if (have_id) return Malformed();
      have_id = true;
      if (value.size() > 255)
        return Status(ErrorCode::kInvalidRequest,
                      "ID length should not exceed allowed limit of 255");
      rule.id = std::move(value);
    } else if (name == "AllowedOrigin") {
      if (MoreThanOneWildcard(value))
        return Status(ErrorCode::kInvalidRequest,
                      "AllowedOrigin \"" + value + "\" can not have more than one wildcard.");
      rule.allowed_origins.push_back(std::move(value));
    } else if (name == "AllowedMethod") {
      if (std::find(std::begin(kCorsMethods), std::end(kCorsMethods), value) ==
          std::end(kCorsMethods))
        return Status(
            ErrorCode::kInvalidRequest,
            "Found unsupported HTTP method in CORS config. Unsupported method is " + value);
      rule.allowed_methods.push_back(std::move(value));
    } else if (name == "AllowedHeader") {
      if (MoreThanOneWildcard(value))
        return Status(ErrorCode::kInvalidRequest,
                      "AllowedHeader \"" + value + "\" can not have more than one wildcard.");
      rule.allowed_headers.push_back(std::move(value));
    } else if (name == "ExposeHeader") {
      rule.expose_headers.push_back(std::move(value));
    } else if (name == "MaxAgeSeconds") {
      if (rule.max_age_seconds) return Malformed();
      int64_t age = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), age);
      if (ec != std::errc() || p != value.data() + value.size() || value.empty())
        return Malformed();
      rule.max_age_seconds = age;
    } else {
      return Malformed();
    }
  }
  if (rule.allowed_origins.empty() || rule.allowed_methods.empty()) return Malformed();
  return rule;
}

}  // namespace

Result<CorsConfiguration> ParseCorsConfiguration(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8))
    return Malformed();
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "CORSConfiguration") return Malformed();
  CorsConfiguration config;
  for (pugi::xml_node n : root.children()) {
    if (n.type() != pugi::node_element) continue;
    if (std::string_view(n.name()) != "CORSRule") return Malformed();
    if (config.rules.size() == kMaxCorsRules) return Malformed();
    auto rule = ParseRule(n);
    if (!rule.ok()) return rule.status();
    config.rules.push_back(std::move(*rule));
  }
  if (config.rules.empty()) return Malformed();
  return config;
}

std::string RenderCorsConfiguration(const CorsConfiguration& config) {
  XmlWriter w;
  w.Open("CORSConfiguration", true);
  for (const CorsRule& r : config.rules) {
    w.Open("CORSRule");
    if (!r.id.empty()) w.Element("ID", r.id);
    for (const auto& h : r.allowed_headers) w.Element("AllowedHeader", h);
    for (const auto& m : r.allowed_methods) w.Element("AllowedMethod", m);
    for (const auto& o : r.allowed_origins) w.Element("AllowedOrigin", o);
    for (const auto& h : r.expose_headers) w.Element("ExposeHeader", h);
    if (r.max_age_seconds) w.Element("MaxAgeSeconds", std::to_string(*r.max_age_seconds));
    w.Close("CORSRule");
  }
  w.Close("CORSConfiguration");
  return w.Take();
}

CorsConfiguration DefaultCorsConfiguration(const std::vector<std::string>& origins) {
  CorsRule rule;
  rule.id = "s2lite-cors-allow-origin";
  rule.allowed_origins = origins;
  rule.allowed_methods.assign(std::begin(kCorsMethods), std::end(kCorsMethods));
  rule.allowed_headers = {"*"};
  // What a browser client reads: the ETag of each part, versions, request ids,
  // checksums, and the usual entity headers.
  rule.expose_headers = {"ETag",
                         "x-amz-version-id",
                         "x-amz-request-id",
                         "x-amz-id-2",
                         "x-amz-delete-marker",
                         "x-amz-server-side-encryption",
                         "x-amz-checksum-crc32",
                         "x-amz-checksum-crc32c",
                         "x-amz-checksum-crc64nvme",
                         "x-amz-checksum-sha1",
                         "x-amz-checksum-sha256",
                         "x-amz-checksum-type",
                         "x-amz-mp-parts-count",
                         "Content-Length",
                         "Content-Range",
                         "Content-Disposition",
                         "Content-Encoding",
                         "Last-Modified",
                         "Location"};
  rule.max_age_seconds = 3000;
  CorsConfiguration config;
  config.rules.push_back(std::move(rule));
  return config;
}

bool CorsWildcardMatch(std::string_view pattern, std::string_view value, bool ignore_case) {
  auto eq = [ignore_case](std::string_view a, std::string_view b) {
    return ignore_case ? common::AsciiLower(a) == common::AsciiLower(b) : a == b;
  };
  auto star = pattern.find('*');
  if (star == std::string_view::npos) return eq(pattern, value);
  std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  if (value.size() < head.size() + tail.size()) return false;
  return eq(head, value.substr(0, head.size())) &&
         eq(tail, value.substr(value.size() - tail.size()));
}

std::vector<std::string> SplitCorsHeaderList(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = common::TrimWhitespace(list.substr(0, comma));
    if (!item.empty()) out.push_back(common::AsciiLower(item));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

const CorsRule* MatchCorsRule(const CorsConfiguration& config, std::string_view origin,
                              std::string_view method,
                              const std::vector<std::string>& request_headers) {
  for (const CorsRule& rule : config.rules) {
    bool origin_ok =
        std::any_of(rule.allowed_origins.begin(), rule.allowed_origins.end(),
                    [&](const std::string& o) { return CorsWildcardMatch(o, origin, false); });
    if (!origin_ok) continue;
    if (std::find(rule.allowed_methods.begin(), rule.allowed_methods.end(), method) ==
        rule.allowed_methods.end())
      continue;
    bool headers_ok =
        std::all_of(request_headers.begin(), request_headers.end(), [&](const std::string& h) {
          return std::any_of(rule.allowed_headers.begin(), rule.allowed_headers.end(),
                             [&](const std::string& a) { return CorsWildcardMatch(a, h, true); });
        });
    if (headers_ok) return &rule;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> CorsResponseHeaders(
    const CorsRule& rule, std::string_view origin, std::string_view request_headers) {
  std::vector<std::pair<std::string, std::string>> h;
  // A rule allowing exactly "*" answers "*" and no credentials, as S3 does;
  // any other rule echoes the origin and allows credentials.
  bool any = std::find(rule.allowed_origins.begin(), rule.allowed_origins.end(), "*") !=
             rule.allowed_origins.end();
  h.emplace_back("Access-Control-Allow-Origin", any ? "*" : std::string(origin));
  std::string methods;
  for (const auto& m : rule.allowed_methods) methods += (methods.empty() ? "" : ", ") + m;
  h.emplace_back("Access-Control-Allow-Methods", methods);
  if (!request_headers.empty()) {
    std::string allowed;
    for (const auto& r : SplitCorsHeaderList(request_headers))
      allowed += (allowed.empty() ? "" : ", ") + r;
    h.emplace_back("Access-Control-Allow-Headers", allowed);
  }
  if (!rule.expose_headers.empty()) {
    std::string expose;
    for (const auto& e : rule.expose_headers) expose += (expose.empty() ? "" : ", ") + e;
    h.emplace_back("Access-Control-Expose-Headers", expose);
  }
  if (rule.max_age_seconds)
    h.emplace_back("Access-Control-Max-Age", std::to_string(*rule.max_age_seconds));
  if (!any) h.emplace_back("Access-Control-Allow-Credentials", "true");
  h.emplace_back("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
  return h;
}

}  // namespace s2lite::server
