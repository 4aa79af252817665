#pragma once

// ASCII case mapping for protocol tokens (host names, header names and
// values such as "100-continue", checksum algorithm names, hex digests).
// Only A-Z and a-z are mapped; every other byte, UTF-8 included, is kept, and
// unlike std::tolower the result does not depend on the process locale.

#include <algorithm>
#include <string>
#include <string_view>

namespace s2lite::common {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline char AsciiUpper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

inline std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiUpper(c);
  return out;
}

// Whether `a` and `b` are equal but for ASCII case.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

// `s` without leading and trailing optional whitespace (RFC 9110 OWS: space
// and horizontal tab), as header and form field values are trimmed.
inline std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `s` without leading and trailing spaces, tabs, CRs and LFs (XML text,
// values split out of a multi-line string).
inline std::string_view TrimWhitespace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Whether `v` holds a byte that must never reach a response header: CR, LF,
// NUL and every other C0 control but HTAB, and DEL (RFC 9110 field-value).
inline bool HasControlChars(std::string_view v) {
  return std::any_of(v.begin(), v.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

}  // namespace s2lite::common
