#pragma once

// The three CRCs of S3's flexible checksums, at the speed of the CPU's
// instructions: CRC32 (IEEE, reflected) through ISA-L's carry-less-multiply
// code, CRC32C through ISA-L's SSE4.2 crc32 code, CRC64/NVME through our own
// PCLMULQDQ folding (ISA-L 2.30 has no NVMe polynomial). Each has a portable
// slice-by-8 version: the reference the fast ones are tested against, and
// the fallback where the CPU lacks the instructions (ISA-L dispatches by CPU
// itself; CRC64/NVME is dispatched here, once, on first use).
//
// All three are reflected with init = xorout = all ones, and the functions
// take and return final CRC values as zlib's crc32() does: start with 0, feed
// the previous result back to continue. Thread-safe; no state besides the
// arguments.
// https://reveng.sourceforge.io/crc-catalogue/all.htm (CRC-32/ISO-HDLC,
// CRC-32/ISCSI, CRC-64/NVME)

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace s2lite::auth {

// Fastest implementation for this CPU.
uint32_t Crc32(uint32_t crc, const void* data, size_t n);
uint32_t Crc32c(uint32_t crc, const void* data, size_t n);
uint64_t Crc64Nvme(uint64_t crc, const void* data, size_t n);

// Portable slice-by-8 (the reference).
uint32_t Crc32Portable(uint32_t crc, const void* data, size_t n);
uint32_t Crc32cPortable(uint32_t crc, const void* data, size_t n);
uint64_t Crc64NvmePortable(uint64_t crc, const void* data, size_t n);

// crc(A || B) from crc(A), crc(B) and |B| in bytes (zlib's crc32_combine),
// for any length up to 2^64 - 1, in O(log |B|) time.
uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);
uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);
uint64_t Crc64NvmeCombine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b);

// Which code Crc64Nvme() runs on this CPU: "vpclmulqdq", "pclmulqdq" or
// "slice-by-8" (for benchmark reports).
std::string_view Crc64NvmeImplementation();

// Every CRC-64/NVME implementation this CPU can run, the portable one last,
// so that tests and the fuzz target can compare each with the reference.
struct Crc64NvmeVariant {
  std::string_view name;
  uint64_t (*fn)(uint64_t crc, const void* data, size_t n);
};
std::vector<Crc64NvmeVariant> Crc64NvmeVariants();

}  // namespace s2lite::auth
