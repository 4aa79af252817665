#include "auth/crc.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace s2lite::auth {
namespace {

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

struct Crc32Fn {
  std::string_view name;
  uint32_t (*fast)(uint32_t, const void*, size_t);
  uint32_t (*portable)(uint32_t, const void*, size_t);
  uint32_t check;  // of "123456789"
};

const Crc32Fn kCrc32s[] = {
    {"CRC32", &Crc32, &Crc32Portable, 0xCBF43926u},
    {"CRC32C", &Crc32c, &Crc32cPortable, 0xE3069283u},
};

TEST(CrcTest, PublishedCheckValues) {
  for (const Crc32Fn& f : kCrc32s) {
    SCOPED_TRACE(f.name);
    EXPECT_EQ(f.fast(0, "123456789", 9), f.check);
    EXPECT_EQ(f.portable(0, "123456789", 9), f.check);
    EXPECT_EQ(f.fast(0, "", 0), 0u);
  }
  EXPECT_EQ(Crc64NvmePortable(0, "123456789", 9), 0xAE8B14860A799888ull);
  EXPECT_EQ(Crc64Nvme(0, "123456789", 9), 0xAE8B14860A799888ull);
  for (const Crc64NvmeVariant& v : Crc64NvmeVariants()) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(v.fn(0, "123456789", 9), 0xAE8B14860A799888ull);
    EXPECT_EQ(v.fn(0, "", 0), 0u);
  }
}

TEST(CrcTest, DispatchPicksTheFirstVariant) {
  std::vector<Crc64NvmeVariant> variants = Crc64NvmeVariants();
  ASSERT_FALSE(variants.empty());
  EXPECT_EQ(variants.back().name, "slice-by-8");
  EXPECT_EQ(Crc64NvmeImplementation(), variants.front().name);
}

// Every length up to a few KiB (the folding loops' entry thresholds, strides
// and tails) at every alignment within a cache line, from a random register.
TEST(CrcTest, FastPathsMatchSliceBy8ForShortLengthsAndAlignments) {
  const std::string data = RandomBytes(8192 + 64, 1);
  std::mt19937_64 rng(2);
  for (size_t n = 0; n <= 4500; n += (n < 1100 ? 1 : 7)) {
    const size_t offset = rng() % 64;
    const char* p = data.data() + offset;
    const uint64_t init = n % 3 == 0 ? 0 : rng();
    SCOPED_TRACE("length " + std::to_string(n) + " offset " + std::to_string(offset));
    for (const Crc32Fn& f : kCrc32s) {
      ASSERT_EQ(f.fast(static_cast<uint32_t>(init), p, n),
                f.portable(static_cast<uint32_t>(init), p, n))
          << f.name;
    }
    const uint64_t expected = Crc64NvmePortable(init, p, n);
    for (const Crc64NvmeVariant& v : Crc64NvmeVariants()) {
      ASSERT_EQ(v.fn(init, p, n), expected) << v.name;
    }
  }
}

TEST(CrcTest, FastPathsMatchSliceBy8OnMebibytes) {
  const std::string data = RandomBytes((5 << 20) + 64, 3);
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 4; ++trial) {
    const size_t offset = rng() % 64;
    const size_t n = (size_t{1} << 20) + rng() % (4 << 20);
    const char* p = data.data() + offset;
    SCOPED_TRACE("length " + std::to_string(n) + " offset " + std::to_string(offset));
    for (const Crc32Fn& f : kCrc32s) EXPECT_EQ(f.fast(0, p, n), f.portable(0, p, n)) << f.name;
    const uint64_t expected = Crc64NvmePortable(0, p, n);
    for (const Crc64NvmeVariant& v : Crc64NvmeVariants())
      EXPECT_EQ(v.fn(0, p, n), expected) << v.name;
  }
}

TEST(CrcTest, PiecewiseEqualsOneShot) {
  const std::string data = RandomBytes(300000, 5);
  std::mt19937_64 rng(6);
  for (const Crc32Fn& f : kCrc32s) {
    uint32_t crc = 0;
    for (size_t pos = 0; pos < data.size();) {
      const size_t n = std::min<size_t>(rng() % 9000, data.size() - pos);
      crc = f.fast(crc, data.data() + pos, n);
      pos += n;
    }
    EXPECT_EQ(crc, f.portable(0, data.data(), data.size())) << f.name;
  }
  for (const Crc64NvmeVariant& v : Crc64NvmeVariants()) {
    uint64_t crc = 0;
    for (size_t pos = 0; pos < data.size();) {
      const size_t n = std::min<size_t>(rng() % 9000, data.size() - pos);
      crc = v.fn(crc, data.data() + pos, n);
      pos += n;
    }
    EXPECT_EQ(crc, Crc64NvmePortable(0, data.data(), data.size())) << v.name;
  }
}

TEST(CrcTest, CombineEqualsCrcOfConcatenation) {
  const std::string data = RandomBytes(1 << 20, 7);
  std::mt19937_64 rng(8);
  for (int trial = 0; trial < 50; ++trial) {
    const size_t cut = trial < 3 ? static_cast<size_t>(trial) : rng() % (data.size() + 1);
    const char* b = data.data() + cut;
    const size_t len_b = data.size() - cut;
    SCOPED_TRACE("cut at " + std::to_string(cut));
    EXPECT_EQ(Crc32Combine(Crc32(0, data.data(), cut), Crc32(0, b, len_b), len_b),
              Crc32(0, data.data(), data.size()));
    EXPECT_EQ(Crc32cCombine(Crc32c(0, data.data(), cut), Crc32c(0, b, len_b), len_b),
              Crc32c(0, data.data(), data.size()));
    EXPECT_EQ(Crc64NvmeCombine(Crc64Nvme(0, data.data(), cut), Crc64Nvme(0, b, len_b), len_b),
              Crc64Nvme(0, data.data(), data.size()));
  }
}

}  // namespace
}  // namespace s2lite::auth
