#include "common/time.h"

#include <gtest/gtest.h>

#include <clocale>
#include <string>

namespace s2lite::common {
namespace {

constexpr int64_t kRfcExample = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

TEST(HttpDateTest, ParsesExactlyRfc9110sThreeForms) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sun Nov 16 08:49:37 1994"), kRfcExample + 10 * 86400);
  // RFC 850's two-digit years: 70-99 are the 1900s, 00-69 the 2000s.
  EXPECT_EQ(ParseHttpDate("Thursday, 01-Jan-70 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Saturday, 01-Jan-00 00:00:00 GMT"), 946684800);
}

TEST(HttpDateTest, RefusesEverythingElse) {
  for (const char* bad :
       {"", "yesterday", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 +0000", "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ", " Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 8:49:37 GMT", "Sun Nov 6 08:49:37 1994",
        "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z",
        "Dim, 06 Nov 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(ParseHttpDate(bad)) << bad;
  }
}

TEST(HttpDateTest, NumericZonesOnlyWhenAsked) {
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 +0000"));
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 +0000", HttpDateZones::kAlsoNumeric),
            kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 09:49:37 +0100", HttpDateZones::kAlsoNumeric),
            kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 03:19:37 -0530", HttpDateZones::kAlsoNumeric),
            kRfcExample);
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 +0060", HttpDateZones::kAlsoNumeric));
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 0000", HttpDateZones::kAlsoNumeric));
}

TEST(HttpDateTest, FormatsImfFixdateAndRoundTrips) {
  EXPECT_EQ(FormatHttpDate(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  for (int64_t t : {int64_t{0}, kRfcExample, int64_t{1798761599}, int64_t{4102444800}}) {
    EXPECT_EQ(ParseHttpDate(FormatHttpDate(t)), t);
  }
}

TEST(HttpDateTest, IndependentOfTheProcessLocale) {
  // A locale with other day and month names must change nothing.
  const char* previous = std::setlocale(LC_TIME, nullptr);
  std::string saved = previous != nullptr ? previous : "C";
  if (std::setlocale(LC_TIME, "fr_FR.UTF-8") == nullptr) std::setlocale(LC_TIME, "C.UTF-8");
  EXPECT_EQ(FormatHttpDate(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
  std::setlocale(LC_TIME, saved.c_str());
}

TEST(Iso8601Test, FormatsSecondsMillisAndAmzDate) {
  EXPECT_EQ(FormatIso8601(kRfcExample), "1994-11-06T08:49:37Z");
  EXPECT_EQ(FormatIso8601Millis(kRfcExample * 1000 + 7), "1994-11-06T08:49:37.007Z");
  EXPECT_EQ(FormatIso8601Millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatAmzDate(kRfcExample), "19941106T084937Z");
}

TEST(Iso8601Test, ParsesUtcWithOrWithoutAFraction) {
  EXPECT_EQ(ParseIso8601Millis("1994-11-06T08:49:37Z"), kRfcExample * 1000);
  EXPECT_EQ(ParseIso8601Millis("1994-11-06T08:49:37.5Z"), kRfcExample * 1000 + 500);
  EXPECT_EQ(ParseIso8601Millis("1994-11-06T08:49:37.123456Z"), kRfcExample * 1000 + 123);
  for (const char* bad :
       {"", "1994-11-06T08:49:37", "1994-11-06 08:49:37Z", "1994-11-6T08:49:37Z",
        "1994-11-06T08:49:37.Z", "1994-11-06T08:49:37+00:00", "1994-02-30T00:00:00Z",
        "1994-11-06T24:00:00Z", "1994-11-06T08:49:37Zx"}) {
    EXPECT_FALSE(ParseIso8601Millis(bad)) << bad;
  }
}

TEST(CivilTest, ValidatesFields) {
  EXPECT_EQ(EpochFromCivil(1994, 11, 6, 8, 49, 37), kRfcExample);
  EXPECT_EQ(EpochFromCivil(2024, 2, 29, 0, 0, 0), 1709164800);
  EXPECT_FALSE(EpochFromCivil(2023, 2, 29, 0, 0, 0));
  EXPECT_FALSE(EpochFromCivil(2023, 13, 1, 0, 0, 0));
  EXPECT_FALSE(EpochFromCivil(2023, 0, 1, 0, 0, 0));
  EXPECT_FALSE(EpochFromCivil(2023, 1, 1, -1, 0, 0));
}

}  // namespace
}  // namespace s2lite::common
