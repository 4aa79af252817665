#include "common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace s2lite::common {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The digest and MAC calls below cannot fail for in-memory input with these
// built-in algorithms short of memory exhaustion, which we treat as fatal.
void CheckOk(int rc) {
  if (rc != 1) std::abort();
}

// OpenSSL 3 looks an algorithm up (a locked property query) on every
// EVP_DigestInit with the legacy EVP_sha256() objects and on every one-shot
// HMAC(). Fetch each digest once and keep one context per thread.
const EVP_MD* Fetched(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) std::abort();
  return md;
}
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = Fetched("SHA256");
  return md;
}
const EVP_MD* Sha1Md() {
  static const EVP_MD* md = Fetched("SHA1");
  return md;
}
const EVP_MD* Md5Md() {
  static const EVP_MD* md = Fetched("MD5");
  return md;
}

EVP_MD_CTX* ThreadCtx() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  if (holder.ctx == nullptr) std::abort();
  return holder.ctx;
}

template <size_t N>
std::array<uint8_t, N> Digest(const EVP_MD* md, std::string_view data) {
  std::array<uint8_t, N> out{};
  unsigned int len = 0;
  EVP_MD_CTX* ctx = ThreadCtx();
  CheckOk(EVP_DigestInit_ex2(ctx, md, nullptr));
  CheckOk(EVP_DigestUpdate(ctx, data.data(), data.size()));
  CheckOk(EVP_DigestFinal_ex(ctx, out.data(), &len));
  return out;
}

// RFC 2104 over a fetched digest (both SHA-1 and SHA-256 use 64-byte blocks).
template <size_t N>
std::array<uint8_t, N> Hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;
  uint8_t k[kBlock] = {};
  if (key.size() > kBlock) {
    auto hashed = Digest<N>(md, key);
    std::memcpy(k, hashed.data(), N);
  } else if (!key.empty()) {
    std::memcpy(k, key.data(), key.size());
  }
  uint8_t pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x36;
  std::array<uint8_t, N> inner{};
  unsigned int len = 0;
  EVP_MD_CTX* ctx = ThreadCtx();
  CheckOk(EVP_DigestInit_ex2(ctx, md, nullptr));
  CheckOk(EVP_DigestUpdate(ctx, pad, kBlock));
  CheckOk(EVP_DigestUpdate(ctx, data.data(), data.size()));
  CheckOk(EVP_DigestFinal_ex(ctx, inner.data(), &len));
  for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x5c;
  std::array<uint8_t, N> out{};
  CheckOk(EVP_DigestInit_ex2(ctx, md, nullptr));
  CheckOk(EVP_DigestUpdate(ctx, pad, kBlock));
  CheckOk(EVP_DigestUpdate(ctx, inner.data(), N));
  CheckOk(EVP_DigestFinal_ex(ctx, out.data(), &len));
  OPENSSL_cleanse(k, sizeof(k));
  OPENSSL_cleanse(pad, sizeof(pad));
  return out;
}

std::string Base64EncodeWith(std::string_view data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(data[k])); };
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = byte(i) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

Sha256Digest Sha256(std::string_view data) { return Digest<32>(Sha256Md(), data); }

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  return Hmac<32>(Sha256Md(), key, data);
}

std::array<uint8_t, 20> HmacSha1(std::string_view key, std::string_view data) {
  return Hmac<20>(Sha1Md(), key, data);
}

Md5Digest Md5(std::string_view data) { return Digest<16>(Md5Md(), data); }

std::string Base64Encode(std::string_view data) {
  return Base64EncodeWith(data, kBase64Alphabet, /*pad=*/true);
}

std::optional<std::string> Base64Decode(std::string_view data) {
  if (data.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  if (!data.empty() && data.back() == '=') ++padding;
  if (data.size() >= 2 && data[data.size() - 2] == '=') ++padding;
  std::string out;
  out.reserve(data.size() / 4 * 3);
  for (size_t i = 0; i < data.size(); i += 4) {
    bool last = i + 4 == data.size();
    size_t pad_here = last ? padding : 0;
    uint32_t v = 0;
    for (size_t j = 0; j < 4; ++j) {
      int d = 0;
      if (j >= 4 - pad_here) {
        if (data[i + j] != '=') return std::nullopt;
      } else {
        d = Base64Value(data[i + j]);
        if (d < 0) return std::nullopt;
      }
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out += static_cast<char>((v >> 16) & 0xff);
    if (pad_here < 2) out += static_cast<char>((v >> 8) & 0xff);
    if (pad_here < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

// The kernel's CSPRNG (getrandom), not OpenSSL's DRBG: ids are needed at
// startup, and initializing OpenSSL's random generator and providers there
// costs an idle daemon about 2 MiB of RSS before it has served anything.
std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::getrandom(bytes.data() + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::abort();
    }
    got += static_cast<size_t>(r);
  }
  return bytes;
}

}  // namespace

std::string RandomUrlSafe(size_t n) {
  return Base64EncodeWith(RandomBytes(n), kBase64UrlAlphabet, /*pad=*/false);
}

std::string RandomHex(size_t n) {
  std::string bytes = RandomBytes(n);
  return HexEncode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

struct Sha256Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256Hasher::Sha256Hasher() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr) std::abort();
  CheckOk(EVP_DigestInit_ex2(impl_->ctx, Sha256Md(), nullptr));
}
Sha256Hasher::~Sha256Hasher() = default;
Sha256Hasher::Sha256Hasher(Sha256Hasher&&) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&&) noexcept = default;

void Sha256Hasher::Update(const void* data, size_t n) {
  CheckOk(EVP_DigestUpdate(impl_->ctx, data, n));
}

Sha256Digest Sha256Hasher::Final() {
  Sha256Digest out{};
  unsigned int len = 0;
  CheckOk(EVP_DigestFinal_ex(impl_->ctx, out.data(), &len));
  // Leave the hasher reusable, as a fresh one.
  CheckOk(EVP_DigestInit_ex2(impl_->ctx, Sha256Md(), nullptr));
  return out;
}

struct Sha1Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha1Hasher::Sha1Hasher() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr) std::abort();
  CheckOk(EVP_DigestInit_ex2(impl_->ctx, Sha1Md(), nullptr));
}
Sha1Hasher::~Sha1Hasher() = default;
Sha1Hasher::Sha1Hasher(Sha1Hasher&&) noexcept = default;
Sha1Hasher& Sha1Hasher::operator=(Sha1Hasher&&) noexcept = default;

void Sha1Hasher::Update(const void* data, size_t n) {
  CheckOk(EVP_DigestUpdate(impl_->ctx, data, n));
}

Sha1Digest Sha1Hasher::Final() {
  Sha1Digest out{};
  unsigned int len = 0;
  CheckOk(EVP_DigestFinal_ex(impl_->ctx, out.data(), &len));
  CheckOk(EVP_DigestInit_ex2(impl_->ctx, Sha1Md(), nullptr));
  return out;
}

struct Md5Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Md5Hasher::Md5Hasher() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr) std::abort();
  CheckOk(EVP_DigestInit_ex2(impl_->ctx, Md5Md(), nullptr));
}
Md5Hasher::~Md5Hasher() = default;
Md5Hasher::Md5Hasher(Md5Hasher&&) noexcept = default;
Md5Hasher& Md5Hasher::operator=(Md5Hasher&&) noexcept = default;

void Md5Hasher::Update(const void* data, size_t n) {
  CheckOk(EVP_DigestUpdate(impl_->ctx, data, n));
}

Md5Digest Md5Hasher::Final() {
  Md5Digest out{};
  unsigned int len = 0;
  CheckOk(EVP_DigestFinal_ex(impl_->ctx, out.data(), &len));
  CheckOk(EVP_DigestInit_ex2(impl_->ctx, Md5Md(), nullptr));
  return out;
}

}  // namespace s2lite::common
