#include "auth/crc.h"

#include <isa-l/crc.h>

#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace s2lite::auth {
namespace {

// Reflected polynomials (bit 63 or 31 is x^0).
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
T TableUpdate(const CrcTables<T>& tables, T crc, const uint8_t* p, size_t n) {
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

template <typename T>
T TableCrc(const CrcTables<T>& tables, T crc, const void* data, size_t n) {
  return static_cast<T>(
      ~TableUpdate<T>(tables, static_cast<T>(~crc), static_cast<const uint8_t*>(data), n));
}

// Multiplication of two polynomials modulo P in the reflected representation
// (the most significant bit is x^0), as zlib's multmodp.
template <typename T>
constexpr T MulModP(T a, T b, T poly) {
  constexpr T kTop = T{1} << (sizeof(T) * 8 - 1);
  T product = 0;
  for (T m = kTop; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b & 1) ? static_cast<T>((b >> 1) ^ poly) : b >> 1;
  }
  return product;
}

// x^k mod P, by repeated squaring.
template <typename T>
constexpr T XPowModP(uint64_t k, T poly) {
  constexpr T kTop = T{1} << (sizeof(T) * 8 - 1);
  T result = kTop;       // x^0
  T square = kTop >> 1;  // x^1
  while (k != 0) {
    if (k & 1) result = MulModP(result, square, poly);
    square = MulModP(square, square, poly);
    k >>= 1;
  }
  return result;
}

// With init = xorout = all ones the pre- and post-conditioning cancel, so
// crc(A || B) = crc(A) * x^(8 |B|) + crc(B) mod P, on final CRC values. The
// shift count 8 |B| may overflow 64 bits: square x^8 instead.
template <typename T>
T CrcCombine(T crc_a, T crc_b, uint64_t len_b, T poly) {
  constexpr T kTop = T{1} << (sizeof(T) * 8 - 1);
  T x_pow = kTop;
  T square = XPowModP<T>(8, poly);
  for (uint64_t n = len_b; n != 0; n >>= 1) {
    if (n & 1) x_pow = MulModP(x_pow, square, poly);
    square = MulModP(square, square, poly);
  }
  return MulModP(x_pow, crc_a, poly) ^ crc_b;
}

#if defined(__x86_64__)
// CRC-64/NVME by folding with carry-less multiplication, after Intel's "Fast
// CRC Computation for Generic Polynomials Using PCLMULQDQ Instruction" (2009).
// A 128-bit lane loaded little-endian holds message bits in the reflected
// order: bit j is x^(127 - j) relative to the lane's end. Moving a lane
// X = H x^64 + L forward by d bits is X x^d = H x^(d+64) + L x^d, and mod P
// that is H (x^(d+64) mod P) + L (x^d mod P), a 127-bit value. A carry-less
// product of two reflected 64-bit values comes out one bit short of the lane
// convention (its bit m is x^(126 - m)), so the constants are x^(d+63) and
// x^(d-1) mod P. They are computed here from P rather than copied.
struct FoldConstants {
  uint64_t high;  // x^(d+63) mod P, multiplies H (the lane's low qword)
  uint64_t low;   // x^(d-1) mod P, multiplies L (the lane's high qword)
};
constexpr FoldConstants Fold(uint64_t d) {
  return {XPowModP<uint64_t>(d + 63, kCrc64NvmePoly), XPowModP<uint64_t>(d - 1, kCrc64NvmePoly)};
}
constexpr int kLanes = 8;  // 8 lanes x 16 bytes in flight hide PCLMULQDQ's latency
constexpr size_t kStride = kLanes * 16;
constexpr FoldConstants kFoldStride = Fold(kStride * 8);
// kFoldTo[i]: lane i to the position of lane 7, (7 - i) x 128 bits on.
constexpr FoldConstants kFoldTo[kLanes - 1] = {Fold(7 * 128), Fold(6 * 128), Fold(5 * 128),
                                               Fold(4 * 128), Fold(3 * 128), Fold(2 * 128),
                                               Fold(1 * 128)};

__attribute__((target("sse2,pclmul"))) inline __m128i FoldLane(__m128i x, __m128i k) {
  return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

__attribute__((target("sse2,pclmul"))) inline __m128i Constants(FoldConstants c) {
  return _mm_set_epi64x(static_cast<long long>(c.low), static_cast<long long>(c.high));
}

__attribute__((target("sse2,pclmul"))) inline __m128i Load(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// Folds the remaining whole blocks into `acc`, then reduces: acc is a 128-bit
// message remainder with the same CRC as everything so far, so the tables
// reduce it (crc(0, acc) = acc x^64 mod P) and then take the tail.
__attribute__((target("sse2,pclmul"))) uint64_t FinishLane(__m128i acc, const uint8_t* p,
                                                           size_t n) {
  const __m128i k_one = Constants(Fold(128));
  while (n >= 16) {
    acc = _mm_xor_si128(FoldLane(acc, k_one), Load(p));
    p += 16;
    n -= 16;
  }
  alignas(16) uint8_t rest[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(rest), acc);
  uint64_t reg = TableUpdate(kCrc64NvmeTables, uint64_t{0}, rest, sizeof(rest));
  return TableUpdate(kCrc64NvmeTables, reg, p, n);
}

// Raw register in, raw register out. Below a few strides the tables win.
__attribute__((target("sse2,pclmul"))) uint64_t Crc64NvmeUpdatePclmul(uint64_t reg,
                                                                      const uint8_t* p, size_t n) {
  if (n < 2 * kStride) return TableUpdate(kCrc64NvmeTables, reg, p, n);
  // Unrolled so that the lanes live in registers.
  __m128i lane[kLanes];
#pragma GCC unroll 8
  for (int i = 0; i < kLanes; ++i) lane[i] = Load(p + 16 * i);
  // The register's x^63..x^0 are the message's first 64 bits (the init trick:
  // crc(reg, M) = crc(0, M with reg xored into its first 8 bytes)).
  lane[0] = _mm_xor_si128(lane[0], _mm_cvtsi64_si128(static_cast<long long>(reg)));
  p += kStride;
  n -= kStride;
  const __m128i k_stride = Constants(kFoldStride);
  while (n >= kStride) {
#pragma GCC unroll 8
    for (int i = 0; i < kLanes; ++i) {
      lane[i] = _mm_xor_si128(FoldLane(lane[i], k_stride), Load(p + 16 * i));
    }
    p += kStride;
    n -= kStride;
  }
  __m128i acc = lane[kLanes - 1];
#pragma GCC unroll 8
  for (int i = 0; i < kLanes - 1; ++i) {
    acc = _mm_xor_si128(acc, FoldLane(lane[i], Constants(kFoldTo[i])));
  }
  return FinishLane(acc, p, n);
}

// The same with VPCLMULQDQ on 512-bit registers: four lanes per register,
// four registers in flight.
constexpr size_t kWideStride = 4 * 64;
constexpr FoldConstants kWideFoldStride = Fold(kWideStride * 8);

__attribute__((target("avx512f,avx512vl,vpclmulqdq"))) inline __m512i FoldWide(__m512i x,
                                                                               __m512i k) {
  return _mm512_xor_si512(_mm512_clmulepi64_epi128(x, k, 0x00),
                          _mm512_clmulepi64_epi128(x, k, 0x11));
}

__attribute__((target("avx512f,avx512vl,vpclmulqdq"))) inline __m512i Broadcast(FoldConstants c) {
  // Not _mm512_broadcast_i32x4: GCC 12 warns on its undefined pass-through.
  return _mm512_set_epi64(static_cast<long long>(c.low), static_cast<long long>(c.high),
                          static_cast<long long>(c.low), static_cast<long long>(c.high),
                          static_cast<long long>(c.low), static_cast<long long>(c.high),
                          static_cast<long long>(c.low), static_cast<long long>(c.high));
}

__attribute__((target("avx512f,avx512vl,vpclmulqdq"))) uint64_t Crc64NvmeUpdateVpclmul(
    uint64_t reg, const uint8_t* p, size_t n) {
  if (n < 4 * kWideStride) return Crc64NvmeUpdatePclmul(reg, p, n);
  __m512i z[4];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) z[i] = _mm512_loadu_si512(p + 64 * i);
  z[0] = _mm512_xor_si512(z[0],
                          _mm512_zextsi128_si512(_mm_cvtsi64_si128(static_cast<long long>(reg))));
  p += kWideStride;
  n -= kWideStride;
  const __m512i k_stride = Broadcast(kWideFoldStride);
  while (n >= kWideStride) {
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      z[i] = _mm512_xor_si512(FoldWide(z[i], k_stride), _mm512_loadu_si512(p + 64 * i));
    }
    p += kWideStride;
    n -= kWideStride;
  }
  __m512i acc = z[3];
  acc = _mm512_xor_si512(acc, FoldWide(z[0], Broadcast(Fold(3 * 512))));
  acc = _mm512_xor_si512(acc, FoldWide(z[1], Broadcast(Fold(2 * 512))));
  acc = _mm512_xor_si512(acc, FoldWide(z[2], Broadcast(Fold(1 * 512))));
  // Lanes 0..2 to the position of lane 3; lane 3 stays.
  constexpr FoldConstants k0 = Fold(3 * 128), k1 = Fold(2 * 128), k2 = Fold(1 * 128);
  const __m512i k_lanes =
      _mm512_set_epi64(0, 0, static_cast<long long>(k2.low), static_cast<long long>(k2.high),
                       static_cast<long long>(k1.low), static_cast<long long>(k1.high),
                       static_cast<long long>(k0.low), static_cast<long long>(k0.high));
  __m512i folded = FoldWide(acc, k_lanes);
  // The masked extracts: GCC 12 warns on the plain ones' undefined pass-through.
  __m128i x = _mm_xor_si128(_mm512_maskz_extracti32x4_epi32(0xf, folded, 0),
                            _mm512_maskz_extracti32x4_epi32(0xf, folded, 1));
  x = _mm_xor_si128(x, _mm512_maskz_extracti32x4_epi32(0xf, folded, 2));
  x = _mm_xor_si128(x, _mm512_maskz_extracti32x4_epi32(0xf, acc, 3));
  return FinishLane(x, p, n);
}
#endif

using Crc64UpdateFn = uint64_t (*)(uint64_t, const uint8_t*, size_t);

uint64_t Crc64NvmeUpdateTables(uint64_t reg, const uint8_t* p, size_t n) {
  return TableUpdate(kCrc64NvmeTables, reg, p, n);
}

template <Crc64UpdateFn kUpdate>
uint64_t Crc64NvmeWith(uint64_t crc, const void* data, size_t n) {
  return ~kUpdate(~crc, static_cast<const uint8_t*>(data), n);
}

bool CpuHasVpclmulqdq() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("vpclmulqdq");
#else
  return false;
#endif
}

bool CpuHasPclmulqdq() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("pclmul");
#else
  return false;
#endif
}

// Chosen once; a function-local static, not process-global mutable state.
const Crc64NvmeVariant& Crc64NvmeBest() {
  static const Crc64NvmeVariant best = Crc64NvmeVariants().front();
  return best;
}

}  // namespace

uint32_t Crc32(uint32_t crc, const void* data, size_t n) {
  // ISA-L's gzip_refl is zlib's crc32(): final values in and out.
  return crc32_gzip_refl(crc, static_cast<const unsigned char*>(data), n);
}

uint32_t Crc32c(uint32_t crc, const void* data, size_t n) {
  // ISA-L's iSCSI CRC takes and returns the raw register, with an int length.
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  uint32_t reg = ~crc;
  constexpr size_t kMaxPiece = size_t{1} << 30;
  while (n > 0) {
    size_t piece = n < kMaxPiece ? n : kMaxPiece;
    reg = crc32_iscsi(p, static_cast<int>(piece), reg);
    p += piece;
    n -= piece;
  }
  return ~reg;
}

uint64_t Crc64Nvme(uint64_t crc, const void* data, size_t n) {
  return Crc64NvmeBest().fn(crc, data, n);
}

uint32_t Crc32Portable(uint32_t crc, const void* data, size_t n) {
  return TableCrc(kCrc32Tables, crc, data, n);
}

uint32_t Crc32cPortable(uint32_t crc, const void* data, size_t n) {
  return TableCrc(kCrc32cTables, crc, data, n);
}

uint64_t Crc64NvmePortable(uint64_t crc, const void* data, size_t n) {
  return TableCrc(kCrc64NvmeTables, crc, data, n);
}

uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  return CrcCombine(crc_a, crc_b, len_b, kCrc32Poly);
}

uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  return CrcCombine(crc_a, crc_b, len_b, kCrc32cPoly);
}

uint64_t Crc64NvmeCombine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b) {
  return CrcCombine(crc_a, crc_b, len_b, kCrc64NvmePoly);
}

std::vector<Crc64NvmeVariant> Crc64NvmeVariants() {
  std::vector<Crc64NvmeVariant> out;
#if defined(__x86_64__)
  if (CpuHasVpclmulqdq()) out.push_back({"vpclmulqdq", &Crc64NvmeWith<&Crc64NvmeUpdateVpclmul>});
  if (CpuHasPclmulqdq()) out.push_back({"pclmulqdq", &Crc64NvmeWith<&Crc64NvmeUpdatePclmul>});
#endif
  out.push_back({"slice-by-8", &Crc64NvmeWith<&Crc64NvmeUpdateTables>});
  return out;
}

std::string_view Crc64NvmeImplementation() { return Crc64NvmeBest().name; }

}  // namespace s2lite::auth
