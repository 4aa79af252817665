#pragma once

// Hexadecimal: digests as lower-case hex, and decoding either case.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace s2lite::common {

inline constexpr char kLowerHexDigits[] = "0123456789abcdef";
inline constexpr char kUpperHexDigits[] = "0123456789ABCDEF";

// The value of a hex digit (0-9, a-f, A-F), or -1.
constexpr int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Lower-case hex of `n` bytes.
std::string HexEncode(const uint8_t* data, size_t n);
inline std::string HexEncode(std::string_view bytes) {
  return HexEncode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}
template <size_t N>
std::string HexEncode(const std::array<uint8_t, N>& a) {
  return HexEncode(a.data(), N);
}

// Appends the bytes `hex` encodes (either case); false, with `out` partly
// appended, unless `hex` is even-length hex.
bool AppendHexDecoded(std::string_view hex, std::string* out);
// The bytes `hex` encodes, or nullopt.
std::optional<std::string> HexDecode(std::string_view hex);

}  // namespace s2lite::common
