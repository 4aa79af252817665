#pragma once

// The only unit that talks to OpenSSL: hashes, HMACs, base64, randomness and
// constant-time comparison.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/hex.h"

namespace s2lite::common {

using Sha256Digest = std::array<uint8_t, 32>;
using Md5Digest = std::array<uint8_t, 16>;
using Sha1Digest = std::array<uint8_t, 20>;

Sha256Digest Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
std::array<uint8_t, 20> HmacSha1(std::string_view key, std::string_view data);
Md5Digest Md5(std::string_view data);

std::string Base64Encode(std::string_view data);
// nullopt when `data` is not valid (padded) base64.
std::optional<std::string> Base64Decode(std::string_view data);

// True when equal; time depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `n` bytes from the kernel CSPRNG (getrandom), base64url without padding.
// Aborts if it fails.
std::string RandomUrlSafe(size_t n);
// `n` random bytes as lower-case hex.
std::string RandomHex(size_t n);

// Incremental hashes for streamed bodies. Movable, not copyable.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(Sha256Hasher&&) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&&) noexcept;
  void Update(const void* data, size_t n);
  Sha256Digest Final();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Sha1Hasher {
 public:
  Sha1Hasher();
  ~Sha1Hasher();
  Sha1Hasher(Sha1Hasher&&) noexcept;
  Sha1Hasher& operator=(Sha1Hasher&&) noexcept;
  void Update(const void* data, size_t n);
  Sha1Digest Final();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Md5Hasher {
 public:
  Md5Hasher();
  ~Md5Hasher();
  Md5Hasher(Md5Hasher&&) noexcept;
  Md5Hasher& operator=(Md5Hasher&&) noexcept;
  void Update(const void* data, size_t n);
  Md5Digest Final();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace s2lite::common
