// The CRCs of auth/crc.h: every implementation this CPU runs (ISA-L's CRC32
// and CRC32C, our PCLMULQDQ / VPCLMULQDQ CRC-64/NVME) against the portable
// slice-by-8 reference, on the input at every alignment the input asks for,
// one-shot and fed in pieces, and the combination of two pieces' CRCs.
// Also the multi-buffer MD5 (auth/md5_batch.h) against OpenSSL's.
// Byte 0: offset of the data in a 64-byte-aligned buffer (low 6 bits);
// byte 1: piece size (1..256, x 64 when bit 7 of byte 0 is set); bytes 2..7:
// initial register; the rest: the data.
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "auth/checksum.h"
#include "auth/crc.h"
#include "auth/md5_batch.h"
#include "common/crypto.h"

namespace {

template <typename T>
T Load(const uint8_t* p) {
  T v = 0;
  std::memcpy(&v, p, sizeof(T) < 6 ? sizeof(T) : 6);
  return v;
}

// Fed in pieces of `piece` bytes: the same as one call.
template <typename T, typename Fn>
T Piecewise(Fn fn, T init, const uint8_t* p, size_t n, size_t piece) {
  T crc = init;
  for (size_t pos = 0; pos < n; pos += piece) crc = fn(crc, p + pos, std::min(piece, n - pos));
  return crc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s2lite::auth;
  if (size < 8) return 0;
  const size_t offset = data[0] & 63;
  const size_t piece = (static_cast<size_t>(data[1]) + 1) * ((data[0] & 0x80) ? 64 : 1);
  const uint64_t init = Load<uint64_t>(data + 2);
  const size_t n = size - 8;
  std::vector<uint8_t> buffer(n + 64 + 64);
  uint8_t* aligned = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(buffer.data()) + 63) &
                                                ~uintptr_t{63});
  uint8_t* p = aligned + offset;
  std::memcpy(p, data + 8, n);

  const uint32_t init32 = static_cast<uint32_t>(init);
  const uint32_t crc32 = Crc32Portable(init32, p, n);
  const uint32_t crc32c = Crc32cPortable(init32, p, n);
  const uint64_t crc64 = Crc64NvmePortable(init, p, n);
  if (Crc32(init32, p, n) != crc32) __builtin_trap();
  if (Crc32c(init32, p, n) != crc32c) __builtin_trap();
  if (Crc64Nvme(init, p, n) != crc64) __builtin_trap();
  if (Piecewise<uint32_t>(&Crc32, init32, p, n, piece) != crc32) __builtin_trap();
  if (Piecewise<uint32_t>(&Crc32c, init32, p, n, piece) != crc32c) __builtin_trap();
  for (const Crc64NvmeVariant& v : Crc64NvmeVariants()) {
    if (v.fn(init, p, n) != crc64) __builtin_trap();
    if (Piecewise<uint64_t>(v.fn, init, p, n, piece) != crc64) __builtin_trap();
  }

  // Combining the CRCs of a split at `piece` gives the CRC of the whole.
  const size_t cut = std::min(piece, n);
  const uint8_t* b = p + cut;
  if (Crc32Combine(Crc32(init32, p, cut), Crc32(0, b, n - cut), n - cut) != crc32) __builtin_trap();
  if (Crc32cCombine(Crc32c(init32, p, cut), Crc32c(0, b, n - cut), n - cut) != crc32c)
    __builtin_trap();
  if (Crc64NvmeCombine(Crc64Nvme(init, p, cut), Crc64Nvme(0, b, n - cut), n - cut) != crc64)
    __builtin_trap();

  // The Checksummer (what the body writer runs) fed in pieces.
  for (ChecksumAlgorithm a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme}) {
    auto c = NewChecksummer(a);
    for (size_t pos = 0; pos < n; pos += piece) c->Update(p + pos, std::min(piece, n - pos));
    if (c->FinalRaw() != ChecksumRaw(a, std::string_view(reinterpret_cast<char*>(p), n)))
      __builtin_trap();
  }
  // Multi-buffer MD5: 1-4 streams (low bits of byte 2) over suffixes of the
  // data, fed round-robin in pieces, through every kernel with the lanes
  // running from one waiting stream on: each digest is OpenSSL's.
  const int streams = 1 + (data[2] & 3);
  for (Md5Kernel k : Md5Batch::Available()) {
    Md5Batch batch(k, 1);
    std::vector<std::unique_ptr<Md5Stream>> md5s;
    std::vector<size_t> fed(streams, 0);
    for (int i = 0; i < streams; ++i) md5s.push_back(std::make_unique<Md5Stream>(&batch));
    for (bool more = true; more;) {
      more = false;
      for (int i = 0; i < streams; ++i) {
        const size_t len = n - std::min<size_t>(n, static_cast<size_t>(i));
        if (fed[i] >= len) continue;
        const size_t k_piece = std::min(piece, len - fed[i]);
        md5s[i]->Update(p + i + fed[i], k_piece);
        fed[i] += k_piece;
        more = true;
      }
    }
    for (int i = 0; i < streams; ++i) {
      const size_t skip = std::min<size_t>(n, static_cast<size_t>(i));
      if (md5s[i]->Final() !=
          s2lite::common::Md5(std::string_view(reinterpret_cast<char*>(p) + skip, n - skip)))
        __builtin_trap();
    }
  }
  return 0;
}
