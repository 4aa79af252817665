#pragma once

// S3's flexible checksums: CRC32, CRC32C, CRC64NVME, SHA1, SHA256 — computed
// incrementally over streamed bodies, base64 encoded as S3 sends them, and
// combined for multipart objects (composite "checksum of checksums-N", and
// full-object CRC combination).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s2lite::auth {

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

// "CRC32", "crc32c", ... (case-insensitive) -> algorithm.
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);
// "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256".
std::string_view ChecksumName(ChecksumAlgorithm a);
// "x-amz-checksum-crc32", ...
std::string_view ChecksumHeader(ChecksumAlgorithm a);
// The algorithm named by a header "x-amz-checksum-<alg>" (case-insensitive), if any.
std::optional<ChecksumAlgorithm> ChecksumFromHeader(std::string_view header_name);
// Whether the algorithm is a CRC (supports FULL_OBJECT combination).
bool IsCrc(ChecksumAlgorithm a);

class Checksummer {
 public:
  virtual ~Checksummer() = default;
  virtual void Update(const void* data, size_t n) = 0;
  // Raw digest bytes (big-endian for CRCs, as S3 encodes them). Call once.
  virtual std::string FinalRaw() = 0;
};
std::unique_ptr<Checksummer> NewChecksummer(ChecksumAlgorithm a);

// One-shot helpers.
std::string ChecksumRaw(ChecksumAlgorithm a, std::string_view data);
std::string ChecksumBase64(ChecksumAlgorithm a, std::string_view data);

// Composite multipart checksum: base64(alg(concat(raw part checksums))) + "-" + N.
std::string CompositeChecksum(ChecksumAlgorithm a, const std::vector<std::string>& raw_parts);

// Full-object CRC of a multipart object from its parts' raw CRCs and sizes
// (crc combine, as S3 computes for FULL_OBJECT). Base64, no "-N" suffix.
// Only for CRC algorithms: empty for a non-CRC algorithm or a raw part whose
// size is not the CRC's width (4 or 8 bytes).
std::string CombineCrcFullObject(ChecksumAlgorithm a,
                                 const std::vector<std::pair<std::string, uint64_t>>& raw_parts);

}  // namespace s2lite::auth
