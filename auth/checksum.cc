#include "auth/checksum.h"

#include <bit>
#include <cstring>

#include "auth/crypto.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace s2lite::auth {
namespace {

// All three CRCs are reflected (LSB-first) with init and xorout all ones, so
// one table-driven engine serves them; only the width and polynomial differ.
// https://reveng.sourceforge.io/crc-catalogue/all.htm (CRC-32/ISO-HDLC,
// CRC-32/ISCSI, CRC-64/NVME).
constexpr uint32_t kCrc32Poly = 0xEDB88320u;
constexpr uint32_t kCrc32cPoly = 0x82F63B78u;
constexpr uint64_t kCrc64NvmePoly = 0x9A6C9329AC4BC9B5ull;

// Slice-by-8: table k maps a byte to its contribution k bytes further along,
// so eight bytes fold into the register with eight independent lookups.
template <typename T>
struct CrcTables {
  T t[8][256];
};

template <typename T>
constexpr CrcTables<T> MakeCrcTables(T poly) {
  CrcTables<T> tables{};
  for (unsigned i = 0; i < 256; ++i) {
    T c = static_cast<T>(i);
    for (int k = 0; k < 8; ++k) c = (c & 1) ? static_cast<T>((c >> 1) ^ poly) : c >> 1;
    tables.t[0][i] = c;
  }
  for (unsigned i = 0; i < 256; ++i) {
    for (int s = 1; s < 8; ++s) {
      T prev = tables.t[s - 1][i];
      tables.t[s][i] = static_cast<T>((prev >> 8) ^ tables.t[0][prev & 0xff]);
    }
  }
  return tables;
}

constexpr CrcTables<uint32_t> kCrc32Tables = MakeCrcTables<uint32_t>(kCrc32Poly);
constexpr CrcTables<uint32_t> kCrc32cTables = MakeCrcTables<uint32_t>(kCrc32cPoly);
constexpr CrcTables<uint64_t> kCrc64NvmeTables = MakeCrcTables<uint64_t>(kCrc64NvmePoly);

uint64_t LoadLe64(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}

// Advances the raw register `crc` (no init/xorout applied) over `n` bytes.
template <typename T>
T CrcUpdate(const CrcTables<T>& tables, T crc, const uint8_t* p, size_t n) {
  const auto& t = tables.t;
  while (n >= 8) {
    uint64_t w = LoadLe64(p) ^ crc;
    crc = static_cast<T>(t[7][w & 0xff] ^ t[6][(w >> 8) & 0xff] ^ t[5][(w >> 16) & 0xff] ^
                         t[4][(w >> 24) & 0xff] ^ t[3][(w >> 32) & 0xff] ^ t[2][(w >> 40) & 0xff] ^
                         t[1][(w >> 48) & 0xff] ^ t[0][w >> 56]);
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = static_cast<T>(t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8));
  return crc;
}

#if defined(__x86_64__)
// SSE4.2's crc32 instruction computes exactly CRC32C (reflected Castagnoli,
// raw register), several times faster than the tables.
__attribute__((target("sse4.2"))) uint32_t Crc32cUpdateSse42(uint32_t crc, const uint8_t* p,
                                                             size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}
#endif

uint32_t Crc32cUpdate(uint32_t crc, const uint8_t* p, size_t n) {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("sse4.2")) return Crc32cUpdateSse42(crc, p, n);
#endif
  return CrcUpdate(kCrc32cTables, crc, p, n);
}

// Multiplication of two polynomials modulo P in the reflected representation
// (the most significant bit is x^0), as zlib's multmodp.
template <typename T>
T MulModP(T a, T b, T poly) {
  constexpr T kTop = T{1} << (sizeof(T) * 8 - 1);
  T product = 0;
  for (T m = kTop; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b & 1) ? static_cast<T>((b >> 1) ^ poly) : b >> 1;
  }
  return product;
}

// x^(8 * n) mod P, by repeated squaring.
template <typename T>
T XPow8nModP(uint64_t n, T poly) {
  constexpr T kTop = T{1} << (sizeof(T) * 8 - 1);
  T result = kTop;       // x^0
  T square = kTop >> 8;  // x^8
  while (n != 0) {
    if (n & 1) result = MulModP(result, square, poly);
    square = MulModP(square, square, poly);
    n >>= 1;
  }
  return result;
}

// With init = xorout = all ones the pre- and post-conditioning cancel, so
// crc(A || B) = crc(A) * x^(8 |B|) + crc(B) mod P, on final CRC values.
template <typename T>
T CrcCombine(T crc_a, T crc_b, uint64_t len_b, T poly) {
  return MulModP(XPow8nModP(len_b, poly), crc_a, poly) ^ crc_b;
}

template <typename T>
std::string BigEndianBytes(T v) {
  std::string out(sizeof(T), '\0');
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[sizeof(T) - 1 - i] = static_cast<char>(v & 0xff);
    v = static_cast<T>(v >> 8);
  }
  return out;
}

template <typename T>
T FromBigEndian(std::string_view raw) {
  T v = 0;
  for (char c : raw) v = static_cast<T>((v << 8) | static_cast<uint8_t>(c));
  return v;
}

class Crc32Checksummer final : public Checksummer {
 public:
  void Update(const void* data, size_t n) override {
    reg_ = CrcUpdate(kCrc32Tables, reg_, static_cast<const uint8_t*>(data), n);
  }
  std::string FinalRaw() override { return BigEndianBytes<uint32_t>(~reg_); }

 private:
  uint32_t reg_ = ~uint32_t{0};
};

class Crc32cChecksummer final : public Checksummer {
 public:
  void Update(const void* data, size_t n) override {
    reg_ = Crc32cUpdate(reg_, static_cast<const uint8_t*>(data), n);
  }
  std::string FinalRaw() override { return BigEndianBytes<uint32_t>(~reg_); }

 private:
  uint32_t reg_ = ~uint32_t{0};
};

class Crc64NvmeChecksummer final : public Checksummer {
 public:
  void Update(const void* data, size_t n) override {
    reg_ = CrcUpdate(kCrc64NvmeTables, reg_, static_cast<const uint8_t*>(data), n);
  }
  std::string FinalRaw() override { return BigEndianBytes<uint64_t>(~reg_); }

 private:
  uint64_t reg_ = ~uint64_t{0};
};

template <typename Hasher>
class HashChecksummer final : public Checksummer {
 public:
  void Update(const void* data, size_t n) override { hasher_.Update(data, n); }
  std::string FinalRaw() override {
    auto digest = hasher_.Final();
    return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
  }

 private:
  Hasher hasher_;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

constexpr ChecksumAlgorithm kAllAlgorithms[] = {
    ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
    ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256};

}  // namespace

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  for (ChecksumAlgorithm a : kAllAlgorithms) {
    if (EqualsIgnoreCase(name, ChecksumName(a))) return a;
  }
  return std::nullopt;
}

std::string_view ChecksumName(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "CRC64NVME";
    case ChecksumAlgorithm::kSha1:
      return "SHA1";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
  }
  return "";
}

std::string_view ChecksumHeader(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32:
      return "x-amz-checksum-crc32";
    case ChecksumAlgorithm::kCrc32c:
      return "x-amz-checksum-crc32c";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "x-amz-checksum-crc64nvme";
    case ChecksumAlgorithm::kSha1:
      return "x-amz-checksum-sha1";
    case ChecksumAlgorithm::kSha256:
      return "x-amz-checksum-sha256";
  }
  return "";
}

std::optional<ChecksumAlgorithm> ChecksumFromHeader(std::string_view header_name) {
  constexpr std::string_view kPrefix = "x-amz-checksum-";
  if (header_name.size() <= kPrefix.size() ||
      !EqualsIgnoreCase(header_name.substr(0, kPrefix.size()), kPrefix)) {
    return std::nullopt;
  }
  return ParseChecksumAlgorithm(header_name.substr(kPrefix.size()));
}

bool IsCrc(ChecksumAlgorithm a) {
  return a == ChecksumAlgorithm::kCrc32 || a == ChecksumAlgorithm::kCrc32c ||
         a == ChecksumAlgorithm::kCrc64Nvme;
}

std::unique_ptr<Checksummer> NewChecksummer(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32:
      return std::make_unique<Crc32Checksummer>();
    case ChecksumAlgorithm::kCrc32c:
      return std::make_unique<Crc32cChecksummer>();
    case ChecksumAlgorithm::kCrc64Nvme:
      return std::make_unique<Crc64NvmeChecksummer>();
    case ChecksumAlgorithm::kSha1:
      return std::make_unique<HashChecksummer<Sha1Hasher>>();
    case ChecksumAlgorithm::kSha256:
      return std::make_unique<HashChecksummer<Sha256Hasher>>();
  }
  return nullptr;
}

std::string ChecksumRaw(ChecksumAlgorithm a, std::string_view data) {
  std::unique_ptr<Checksummer> c = NewChecksummer(a);
  c->Update(data.data(), data.size());
  return c->FinalRaw();
}

std::string ChecksumBase64(ChecksumAlgorithm a, std::string_view data) {
  return Base64Encode(ChecksumRaw(a, data));
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html#large-object-checksums
std::string CompositeChecksum(ChecksumAlgorithm a, const std::vector<std::string>& raw_parts) {
  std::unique_ptr<Checksummer> c = NewChecksummer(a);
  for (const std::string& raw : raw_parts) c->Update(raw.data(), raw.size());
  return Base64Encode(c->FinalRaw()) + "-" + std::to_string(raw_parts.size());
}

std::string CombineCrcFullObject(ChecksumAlgorithm a,
                                 const std::vector<std::pair<std::string, uint64_t>>& raw_parts) {
  auto combine = [&raw_parts]<typename T>(T poly) -> std::string {
    // The CRC of no bytes is 0, and combining 0 with crc(B) gives crc(B).
    T crc = 0;
    for (const auto& [raw, size] : raw_parts) {
      if (raw.size() != sizeof(T)) return std::string();
      crc = CrcCombine<T>(crc, FromBigEndian<T>(raw), size, poly);
    }
    return Base64Encode(BigEndianBytes<T>(crc));
  };
  switch (a) {
    case ChecksumAlgorithm::kCrc32:
      return combine(kCrc32Poly);
    case ChecksumAlgorithm::kCrc32c:
      return combine(kCrc32cPoly);
    case ChecksumAlgorithm::kCrc64Nvme:
      return combine(kCrc64NvmePoly);
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256:
      break;
  }
  return std::string();
}

}  // namespace s2lite::auth
