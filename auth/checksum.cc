#include "auth/checksum.h"

#include "auth/crc.h"
#include "common/crypto.h"

namespace s2lite::auth {
namespace {

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

// A CRC function of crc.h (final values in and out) as a Checksummer.
template <typename T, T (*kCrc)(T, const void*, size_t)>
class CrcChecksummer final : public Checksummer {
 public:
  void Update(const void* data, size_t n) override { crc_ = kCrc(crc_, data, n); }
  std::string FinalRaw() override { return BigEndianBytes<T>(crc_); }

 private:
  T crc_ = 0;
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
      return std::make_unique<CrcChecksummer<uint32_t, &Crc32>>();
    case ChecksumAlgorithm::kCrc32c:
      return std::make_unique<CrcChecksummer<uint32_t, &Crc32c>>();
    case ChecksumAlgorithm::kCrc64Nvme:
      return std::make_unique<CrcChecksummer<uint64_t, &Crc64Nvme>>();
    case ChecksumAlgorithm::kSha1:
      return std::make_unique<HashChecksummer<common::Sha1Hasher>>();
    case ChecksumAlgorithm::kSha256:
      return std::make_unique<HashChecksummer<common::Sha256Hasher>>();
  }
  return nullptr;
}

std::string ChecksumRaw(ChecksumAlgorithm a, std::string_view data) {
  std::unique_ptr<Checksummer> c = NewChecksummer(a);
  c->Update(data.data(), data.size());
  return c->FinalRaw();
}

std::string ChecksumBase64(ChecksumAlgorithm a, std::string_view data) {
  return common::Base64Encode(ChecksumRaw(a, data));
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html#large-object-checksums
std::string CompositeChecksum(ChecksumAlgorithm a, const std::vector<std::string>& raw_parts) {
  std::unique_ptr<Checksummer> c = NewChecksummer(a);
  for (const std::string& raw : raw_parts) c->Update(raw.data(), raw.size());
  return common::Base64Encode(c->FinalRaw()) + "-" + std::to_string(raw_parts.size());
}

std::string CombineCrcFullObject(ChecksumAlgorithm a,
                                 const std::vector<std::pair<std::string, uint64_t>>& raw_parts) {
  auto combine = [&raw_parts]<typename T>(T (*crc_combine)(T, T, uint64_t)) -> std::string {
    // The CRC of no bytes is 0, and combining 0 with crc(B) gives crc(B).
    T crc = 0;
    for (const auto& [raw, size] : raw_parts) {
      if (raw.size() != sizeof(T)) return std::string();
      crc = crc_combine(crc, FromBigEndian<T>(raw), size);
    }
    return common::Base64Encode(BigEndianBytes<T>(crc));
  };
  switch (a) {
    case ChecksumAlgorithm::kCrc32:
      return combine(&Crc32Combine);
    case ChecksumAlgorithm::kCrc32c:
      return combine(&Crc32cCombine);
    case ChecksumAlgorithm::kCrc64Nvme:
      return combine(&Crc64NvmeCombine);
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256:
      break;
  }
  return std::string();
}

}  // namespace s2lite::auth
