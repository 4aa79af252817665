#include <gtest/gtest.h>

#include <array>
#include <clocale>
#include <string>

#include "common/ascii.h"
#include "common/hex.h"

namespace s2lite::common {
namespace {

TEST(HexTest, EncodesLowerCaseAndDecodesEitherCase) {
  const std::array<uint8_t, 4> bytes = {0x00, 0x9f, 0xab, 0xff};
  EXPECT_EQ(HexEncode(bytes), "009fabff");
  EXPECT_EQ(HexEncode(std::string_view("\x01Z", 2)), "015a");
  EXPECT_EQ(HexDecode("009FabfF"), std::string("\x00\x9f\xab\xff", 4));
  EXPECT_EQ(HexDecode(""), std::string());
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("zz"));
  EXPECT_FALSE(HexDecode("0g"));
  EXPECT_EQ(HexDigitValue('7'), 7);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('/'), -1);
}

TEST(AsciiTest, MapsOnlyAsciiLettersWhateverTheLocale) {
  std::setlocale(LC_CTYPE, "C.UTF-8");
  EXPECT_EQ(AsciiLower("Content-MD5 \xc3\x89T\xc3\x89"), "content-md5 \xc3\x89t\xc3\x89");
  EXPECT_EQ(AsciiUpper("crc32c-\xc3\xa9"), "CRC32C-\xc3\xa9");
  EXPECT_TRUE(EqualsIgnoreCase("100-Continue", "100-continue"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abd"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abcd"));
  std::setlocale(LC_CTYPE, "C");
}

TEST(AsciiTest, TrimsOwsOrAllWhitespace) {
  EXPECT_EQ(TrimOws(" \t a b \t"), "a b");
  EXPECT_EQ(TrimOws("\r\nx\r\n"), "\r\nx\r\n");
  EXPECT_EQ(TrimWhitespace("\r\n\t x y \n"), "x y");
  EXPECT_EQ(TrimOws("   "), "");
  EXPECT_EQ(TrimWhitespace(""), "");
}

TEST(AsciiTest, ControlCharactersAreFoundButTabIsAllowed) {
  EXPECT_FALSE(HasControlChars("a\tb c"));
  EXPECT_TRUE(HasControlChars("a\r\nSet-Cookie: x"));
  EXPECT_TRUE(HasControlChars(std::string("a\0b", 3)));
  EXPECT_TRUE(HasControlChars("\x7f"));
  EXPECT_FALSE(HasControlChars("\xc3\xa9"));
}

}  // namespace
}  // namespace s2lite::common
