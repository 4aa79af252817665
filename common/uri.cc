#include "common/uri.h"

#include "common/hex.h"

namespace s2lite::common {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

std::optional<std::string> Decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (s.size() - i < 3) return std::nullopt;
      int hi = HexDigitValue(s[i + 1]);
      int lo = HexDigitValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kUpperHexDigits[c >> 4];
      out += kUpperHexDigits[c & 15];
    }
  }
  return out;
}

std::optional<std::string> PercentDecode(std::string_view s) { return Decode(s, false); }

std::optional<std::vector<QueryParam>> ParseQuery(std::string_view raw_query) {
  std::vector<QueryParam> params;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view segment = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (segment.empty()) continue;
    QueryParam param;
    size_t eq = segment.find('=');
    auto name = Decode(segment.substr(0, eq), true);
    if (!name) return std::nullopt;
    param.name = std::move(*name);
    if (eq != std::string_view::npos) {
      auto value = Decode(segment.substr(eq + 1), true);
      if (!value) return std::nullopt;
      param.value = std::move(*value);
      param.has_value = true;
    }
    params.push_back(std::move(param));
  }
  return params;
}

}  // namespace s2lite::common
