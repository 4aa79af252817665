#include "common/uri.h"

#include <gtest/gtest.h>

namespace s2lite::common {
namespace {

TEST(UriTest, EncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UriEncode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a b+c=d&e/f", false), "a%20b%2Bc%3Dd%26e%2Ff");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(UriEncode("*", true), "%2A");
  EXPECT_EQ(UriEncode("\xe1\x88\xb4", false), "%E1%88%B4");
  EXPECT_EQ(UriEncode(std::string_view("\0", 1), false), "%00");
}

TEST(UriTest, PercentDecodeLeavesPlusAlone) {
  EXPECT_EQ(PercentDecode("a%20b+c%2fd%7E"), "a b+c/d~");
  EXPECT_EQ(PercentDecode(""), "");
}

TEST(UriTest, PercentDecodeRejectsMalformedEscapes) {
  for (const char* bad : {"%", "%2", "a%g0", "%0g", "abc%"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(PercentDecode(bad).has_value());
  }
}

TEST(UriTest, ParseQuerySplitsDecodesAndKeepsOrder) {
  auto params = ParseQuery("b=2&a=x+y%2B&uploads&&c=&d=e=f");
  ASSERT_TRUE(params.has_value());
  ASSERT_EQ(params->size(), 5u);
  EXPECT_EQ((*params)[0].name, "b");
  EXPECT_EQ((*params)[0].value, "2");
  EXPECT_TRUE((*params)[0].has_value);
  EXPECT_EQ((*params)[1].name, "a");
  EXPECT_EQ((*params)[1].value, "x y+");
  EXPECT_EQ((*params)[2].name, "uploads");
  EXPECT_FALSE((*params)[2].has_value);
  EXPECT_EQ((*params)[3].name, "c");
  EXPECT_EQ((*params)[3].value, "");
  EXPECT_TRUE((*params)[3].has_value);
  EXPECT_EQ((*params)[4].name, "d");
  EXPECT_EQ((*params)[4].value, "e=f");
}

TEST(UriTest, ParseQueryOfEmptyStringIsEmpty) {
  auto params = ParseQuery("");
  ASSERT_TRUE(params.has_value());
  EXPECT_TRUE(params->empty());
}

TEST(UriTest, ParseQueryRejectsMalformedEscapes) {
  EXPECT_FALSE(ParseQuery("a=%zz").has_value());
  EXPECT_FALSE(ParseQuery("%4=1").has_value());
}

}  // namespace
}  // namespace s2lite::common
