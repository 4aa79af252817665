#include "auth/checksum.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/crypto.h"

namespace s2lite::auth {
namespace {

// Bit-at-a-time reflected CRC with init and xorout all ones: the textbook
// definition the table-driven and hardware paths must agree with.
template <typename T>
T ReferenceCrc(std::string_view data, T poly) {
  T crc = static_cast<T>(~T{0});
  for (char ch : data) {
    crc ^= static_cast<uint8_t>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? static_cast<T>((crc >> 1) ^ poly) : crc >> 1;
  }
  return static_cast<T>(~crc);
}

uint64_t ReferenceFor(ChecksumAlgorithm a, std::string_view data) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32:
      return ReferenceCrc<uint32_t>(data, 0xEDB88320u);
    case ChecksumAlgorithm::kCrc32c:
      return ReferenceCrc<uint32_t>(data, 0x82F63B78u);
    default:
      return ReferenceCrc<uint64_t>(data, 0x9A6C9329AC4BC9B5ull);
  }
}

uint64_t FromBigEndian(std::string_view raw) {
  uint64_t v = 0;
  for (char c : raw) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

std::string ToBigEndian(uint64_t v, size_t width) {
  std::string out(width, '\0');
  for (size_t i = 0; i < width; ++i) out[width - 1 - i] = static_cast<char>(v >> (8 * i));
  return out;
}

size_t CrcWidth(ChecksumAlgorithm a) { return a == ChecksumAlgorithm::kCrc64Nvme ? 8 : 4; }

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>(x >> 16);
  }
  return s;
}

constexpr ChecksumAlgorithm kCrcs[] = {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                                       ChecksumAlgorithm::kCrc64Nvme};

TEST(ChecksumTest, MatchesKnownVectors) {
  struct Case {
    ChecksumAlgorithm algorithm;
    std::string input;
    std::string base64;
  };
  // CRC check values from the reveng catalogue ("123456789"); the rest from
  // zlib.crc32 / hashlib and S3's documented "hello world" CRC32.
  const Case cases[] = {
      {ChecksumAlgorithm::kCrc32, "", "AAAAAA=="},
      {ChecksumAlgorithm::kCrc32, "123456789", "y/Q5Jg=="},  // 0xcbf43926
      {ChecksumAlgorithm::kCrc32, "hello world", "DUoRhQ=="},
      {ChecksumAlgorithm::kCrc32c, "", "AAAAAA=="},
      {ChecksumAlgorithm::kCrc32c, "123456789", "4waSgw=="},  // 0xe3069283
      {ChecksumAlgorithm::kCrc32c, "hello world", "yZRlqg=="},
      {ChecksumAlgorithm::kCrc32c, std::string(66560, 'a'), "sOO8/Q=="},  // AWS trailer example
      {ChecksumAlgorithm::kCrc64Nvme, "", "AAAAAAAAAAA="},
      {ChecksumAlgorithm::kCrc64Nvme, "123456789", "rosUhgp5mIg="},  // 0xae8b14860a799888
      {ChecksumAlgorithm::kCrc64Nvme, "hello world", "jSnVw/bqjr4="},
      {ChecksumAlgorithm::kSha1, "", "2jmj7l5rSw0yVb/vlWAYkK/YBwk="},
      {ChecksumAlgorithm::kSha1, "123456789", "98O8HYCOBHMq32eZZczDTKeuNEE="},
      {ChecksumAlgorithm::kSha1, "hello world", "Kq5sNclPz7QV2+lfQIuc6R7oRu0="},
      {ChecksumAlgorithm::kSha256, "", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
      {ChecksumAlgorithm::kSha256, "123456789", "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="},
      {ChecksumAlgorithm::kSha256, "hello world", "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(ChecksumName(c.algorithm)) + " of \"" + c.input.substr(0, 16) + "\"");
    EXPECT_EQ(ChecksumBase64(c.algorithm, c.input), c.base64);
    EXPECT_EQ(common::Base64Encode(ChecksumRaw(c.algorithm, c.input)), c.base64);
  }
}

TEST(ChecksumTest, CrcCheckValuesAsIntegers) {
  EXPECT_EQ(FromBigEndian(ChecksumRaw(ChecksumAlgorithm::kCrc32, "123456789")), 0xCBF43926u);
  EXPECT_EQ(FromBigEndian(ChecksumRaw(ChecksumAlgorithm::kCrc32c, "123456789")), 0xE3069283u);
  EXPECT_EQ(FromBigEndian(ChecksumRaw(ChecksumAlgorithm::kCrc64Nvme, "123456789")),
            0xAE8B14860A799888ull);
}

TEST(ChecksumTest, RawDigestSizes) {
  EXPECT_EQ(ChecksumRaw(ChecksumAlgorithm::kCrc32, "x").size(), 4u);
  EXPECT_EQ(ChecksumRaw(ChecksumAlgorithm::kCrc32c, "x").size(), 4u);
  EXPECT_EQ(ChecksumRaw(ChecksumAlgorithm::kCrc64Nvme, "x").size(), 8u);
  EXPECT_EQ(ChecksumRaw(ChecksumAlgorithm::kSha1, "x").size(), 20u);
  EXPECT_EQ(ChecksumRaw(ChecksumAlgorithm::kSha256, "x").size(), 32u);
}

TEST(ChecksumTest, CrcsMatchBitwiseReferenceOnOneMebibyte) {
  std::string data = Pattern(1 << 20);
  for (ChecksumAlgorithm a : kCrcs) {
    SCOPED_TRACE(ChecksumName(a));
    EXPECT_EQ(FromBigEndian(ChecksumRaw(a, data)), ReferenceFor(a, data));
  }
}

TEST(ChecksumTest, CrcsMatchBitwiseReferenceForEveryShortLength) {
  // Lengths around the 8-byte stride exercise the byte-wise head and tail.
  std::string data = Pattern(100);
  for (ChecksumAlgorithm a : kCrcs) {
    for (size_t n = 0; n <= data.size(); ++n) {
      SCOPED_TRACE(std::string(ChecksumName(a)) + " length " + std::to_string(n));
      std::string_view prefix(data.data(), n);
      ASSERT_EQ(FromBigEndian(ChecksumRaw(a, prefix)), ReferenceFor(a, prefix));
    }
  }
}

TEST(ChecksumTest, IncrementalUpdatesMatchOneShot) {
  std::string data = Pattern(300000);
  std::mt19937 rng(7);
  for (ChecksumAlgorithm a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    SCOPED_TRACE(ChecksumName(a));
    auto c = NewChecksummer(a);
    size_t pos = 0;
    while (pos < data.size()) {
      size_t n = std::min<size_t>(rng() % 5000, data.size() - pos);
      c->Update(data.data() + pos, n);
      pos += n;
    }
    EXPECT_EQ(c->FinalRaw(), ChecksumRaw(a, data));
  }
}

TEST(ChecksumTest, ParsesNamesAndHeaders) {
  struct Case {
    std::string_view name;
    ChecksumAlgorithm algorithm;
    std::string_view header;
  };
  const Case cases[] = {
      {"CRC32", ChecksumAlgorithm::kCrc32, "x-amz-checksum-crc32"},
      {"CRC32C", ChecksumAlgorithm::kCrc32c, "x-amz-checksum-crc32c"},
      {"CRC64NVME", ChecksumAlgorithm::kCrc64Nvme, "x-amz-checksum-crc64nvme"},
      {"SHA1", ChecksumAlgorithm::kSha1, "x-amz-checksum-sha1"},
      {"SHA256", ChecksumAlgorithm::kSha256, "x-amz-checksum-sha256"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ChecksumName(c.algorithm), c.name);
    EXPECT_EQ(ChecksumHeader(c.algorithm), c.header);
    EXPECT_EQ(ParseChecksumAlgorithm(c.name), c.algorithm);
    std::string lower(c.name);
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_EQ(ParseChecksumAlgorithm(lower), c.algorithm);
    EXPECT_EQ(ChecksumFromHeader(c.header), c.algorithm);
    std::string upper_header(c.header);
    for (char& ch : upper_header) {
      ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    EXPECT_EQ(ChecksumFromHeader(upper_header), c.algorithm);
  }
  EXPECT_FALSE(ParseChecksumAlgorithm("MD5"));
  EXPECT_FALSE(ParseChecksumAlgorithm(""));
  EXPECT_FALSE(ParseChecksumAlgorithm("CRC32CC"));
  EXPECT_FALSE(ChecksumFromHeader("x-amz-checksum-algorithm"));
  EXPECT_FALSE(ChecksumFromHeader("x-amz-checksum-type"));
  EXPECT_FALSE(ChecksumFromHeader("x-amz-checksum-"));
  EXPECT_FALSE(ChecksumFromHeader("content-md5"));
  EXPECT_TRUE(IsCrc(ChecksumAlgorithm::kCrc32));
  EXPECT_TRUE(IsCrc(ChecksumAlgorithm::kCrc32c));
  EXPECT_TRUE(IsCrc(ChecksumAlgorithm::kCrc64Nvme));
  EXPECT_FALSE(IsCrc(ChecksumAlgorithm::kSha1));
  EXPECT_FALSE(IsCrc(ChecksumAlgorithm::kSha256));
}

// The expected composite is built without Checksummer: CRCs from the bitwise
// reference, SHAs straight from OpenSSL.
std::string IndependentRaw(ChecksumAlgorithm a, std::string_view data) {
  switch (a) {
    case ChecksumAlgorithm::kSha1: {
      common::Sha1Hasher h;
      h.Update(data.data(), data.size());
      auto d = h.Final();
      return std::string(reinterpret_cast<const char*>(d.data()), d.size());
    }
    case ChecksumAlgorithm::kSha256: {
      auto d = common::Sha256(data);
      return std::string(reinterpret_cast<const char*>(d.data()), d.size());
    }
    default:
      return ToBigEndian(ReferenceFor(a, data), CrcWidth(a));
  }
}

TEST(ChecksumTest, CompositeIsChecksumOfPartChecksumsWithPartCount) {
  const std::vector<std::vector<std::string>> uploads = {
      {"hello ", "world"},
      {Pattern(5000), Pattern(7), ""},
      {std::string(1 << 16, 'x')},
  };
  for (ChecksumAlgorithm a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    for (const auto& parts : uploads) {
      SCOPED_TRACE(std::string(ChecksumName(a)) + " with " + std::to_string(parts.size()) +
                   " parts");
      std::vector<std::string> raws;
      std::string concatenated;
      for (const std::string& part : parts) {
        raws.push_back(ChecksumRaw(a, part));
        concatenated += IndependentRaw(a, part);
      }
      std::string expected = common::Base64Encode(IndependentRaw(a, concatenated)) + "-" +
                             std::to_string(parts.size());
      EXPECT_EQ(CompositeChecksum(a, raws), expected);
    }
  }
}

TEST(ChecksumTest, CompositeOfKnownParts) {
  // crc32("hello ") || crc32("world"), then crc32 of those 8 bytes.
  std::vector<std::string> raws = {ChecksumRaw(ChecksumAlgorithm::kCrc32, "hello "),
                                   ChecksumRaw(ChecksumAlgorithm::kCrc32, "world")};
  uint32_t expected = ReferenceCrc<uint32_t>(raws[0] + raws[1], 0xEDB88320u);
  EXPECT_EQ(CompositeChecksum(ChecksumAlgorithm::kCrc32, raws),
            common::Base64Encode(ToBigEndian(expected, 4)) + "-2");
}

TEST(ChecksumTest, CombinedFullObjectCrcEqualsCrcOfConcatenation) {
  std::string data = Pattern(200000);
  std::mt19937 rng(42);
  for (ChecksumAlgorithm a : kCrcs) {
    for (int trial = 0; trial < 25; ++trial) {
      size_t parts = 1 + rng() % 5;
      std::vector<size_t> cuts = {0, data.size()};
      for (size_t i = 1; i < parts; ++i) cuts.push_back(rng() % (data.size() + 1));
      std::sort(cuts.begin(), cuts.end());  // repeated cuts make empty parts
      std::vector<std::pair<std::string, uint64_t>> raw_parts;
      for (size_t i = 0; i + 1 < cuts.size(); ++i) {
        std::string_view part(data.data() + cuts[i], cuts[i + 1] - cuts[i]);
        raw_parts.emplace_back(ChecksumRaw(a, part), part.size());
      }
      SCOPED_TRACE(std::string(ChecksumName(a)) + " trial " + std::to_string(trial) + ", " +
                   std::to_string(raw_parts.size()) + " parts");
      EXPECT_EQ(CombineCrcFullObject(a, raw_parts), ChecksumBase64(a, data));
    }
  }
}

TEST(ChecksumTest, CombinedFullObjectCrcOfKnownSplit) {
  std::vector<std::pair<std::string, uint64_t>> parts = {
      {ChecksumRaw(ChecksumAlgorithm::kCrc32, "hello "), 6},
      {ChecksumRaw(ChecksumAlgorithm::kCrc32, "world"), 5}};
  EXPECT_EQ(CombineCrcFullObject(ChecksumAlgorithm::kCrc32, parts), "DUoRhQ==");
  EXPECT_EQ(CombineCrcFullObject(ChecksumAlgorithm::kCrc32, {}), "AAAAAA==");
  EXPECT_EQ(CombineCrcFullObject(ChecksumAlgorithm::kCrc64Nvme, {}), "AAAAAAAAAAA=");
}

TEST(ChecksumTest, CombinedFullObjectCrcIsAssociativeForHugeParts) {
  // Parts of several GiB cannot be materialized in a unit test; regrouping
  // them checks that x^(8a) * x^(8b) = x^(8(a + b)) at those sizes.
  for (ChecksumAlgorithm a : kCrcs) {
    SCOPED_TRACE(ChecksumName(a));
    const uint64_t len_b = (uint64_t{5} << 30) + 3;
    const uint64_t len_c = (uint64_t{3} << 30) + 7;
    std::string raw_a = ChecksumRaw(a, "first");
    std::string raw_b = ChecksumRaw(a, "second");
    std::string raw_c = ChecksumRaw(a, "third");
    auto b_then_c = common::Base64Decode(CombineCrcFullObject(a, {{raw_b, len_b}, {raw_c, len_c}}));
    ASSERT_TRUE(b_then_c);
    EXPECT_EQ(CombineCrcFullObject(a, {{raw_a, 5}, {raw_b, len_b}, {raw_c, len_c}}),
              CombineCrcFullObject(a, {{raw_a, 5}, {*b_then_c, len_b + len_c}}));
  }
}

TEST(ChecksumTest, CombineRejectsNonCrcAndMalformedParts) {
  EXPECT_EQ(CombineCrcFullObject(ChecksumAlgorithm::kSha256,
                                 {{ChecksumRaw(ChecksumAlgorithm::kSha256, "a"), 1}}),
            "");
  EXPECT_EQ(CombineCrcFullObject(ChecksumAlgorithm::kCrc32, {{"abc", 1}}), "");
  EXPECT_EQ(CombineCrcFullObject(ChecksumAlgorithm::kCrc64Nvme,
                                 {{ChecksumRaw(ChecksumAlgorithm::kCrc32, "a"), 1}}),
            "");
}

}  // namespace
}  // namespace s2lite::auth
