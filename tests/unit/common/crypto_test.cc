#include "common/crypto.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace s2lite::common {
namespace {

TEST(CryptoTest, Sha256MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(CryptoTest, Sha256HasherMatchesOneShotAcrossChunks) {
  std::string data(100000, 'a');
  Sha256Hasher hasher;
  for (size_t i = 0; i < data.size(); i += 777) {
    size_t n = std::min<size_t>(777, data.size() - i);
    hasher.Update(data.data() + i, n);
  }
  EXPECT_EQ(hasher.Final(), Sha256(data));
}

TEST(CryptoTest, Sha256HasherIsMovable) {
  Sha256Hasher a;
  a.Update("ab", 2);
  Sha256Hasher b = std::move(a);
  b.Update("c", 1);
  EXPECT_EQ(HexEncode(b.Final()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, Md5MatchesKnownVectors) {
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(Md5("The quick brown fox jumps over the lazy dog")),
            "9e107d9d372bb6826bd81d3542a419d6");
  Md5Hasher hasher;
  hasher.Update("The quick brown fox ", 20);
  hasher.Update("jumps over the lazy dog", 23);
  EXPECT_EQ(HexEncode(hasher.Final()), "9e107d9d372bb6826bd81d3542a419d6");
}

// RFC 4231 test cases 1 and 2.
TEST(CryptoTest, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 2202 test cases 1 and 2.
TEST(CryptoTest, HmacSha1MatchesRfc2202) {
  EXPECT_EQ(HexEncode(HmacSha1(std::string(20, '\x0b'), "Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(HexEncode(HmacSha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(CryptoTest, HexEncodeIsLowerCase) {
  const uint8_t bytes[] = {0x00, 0x0f, 0xab, 0xff};
  EXPECT_EQ(HexEncode(bytes, sizeof(bytes)), "000fabff");
}

// RFC 4648 section 10.
TEST(CryptoTest, Base64EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(CryptoTest, Base64RoundTripsAllByteValues) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t len = 0; len <= all.size(); len += 37) {
    std::string data = all.substr(0, len);
    auto decoded = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(decoded.has_value()) << len;
    EXPECT_EQ(*decoded, data);
  }
}

TEST(CryptoTest, Base64DecodeRejectsInvalidInput) {
  for (const char* bad :
       {"Zg", "Zg=", "Z===", "Zm9v!A==", "Zm=v", "=Zm9", "Zg==Zg==", "Zm9v Yg==", "Zm9vYg=\n"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(Base64Decode(bad).has_value());
  }
  EXPECT_EQ(Base64Decode(""), std::string());
  EXPECT_EQ(Base64Decode("Zm9vYg=="), std::string("foob"));
}

TEST(CryptoTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(CryptoTest, RandomUrlSafeHasExpectedLengthCharsetAndIsUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string token = RandomUrlSafe(16);
    EXPECT_EQ(token.size(), 22u);
    for (char c : token) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << token;
    }
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_EQ(RandomUrlSafe(0), "");
  EXPECT_EQ(RandomUrlSafe(1).size(), 2u);
  EXPECT_EQ(RandomUrlSafe(3).size(), 4u);
}

TEST(CryptoTest, RandomHexHasTwoLowerHexCharsPerByte) {
  std::string hex = RandomHex(20);
  EXPECT_EQ(hex.size(), 40u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(RandomHex(20), hex);
}

}  // namespace
}  // namespace s2lite::common
