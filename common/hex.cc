#include "common/hex.h"

namespace s2lite::common {

std::string HexEncode(const uint8_t* data, size_t n) {
  std::string out(2 * n, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kLowerHexDigits[data[i] >> 4];
    out[2 * i + 1] = kLowerHexDigits[data[i] & 15];
  }
  return out;
}

bool AppendHexDecoded(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexDigitValue(hex[i]);
    int lo = HexDigitValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    *out += static_cast<char>(hi * 16 + lo);
  }
  return true;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  if (!AppendHexDecoded(hex, &out)) return std::nullopt;
  return out;
}

}  // namespace s2lite::common
