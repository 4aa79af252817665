#pragma once

// Dates on the wire, locale-independent: HTTP dates (RFC 9110 section 5.6.7),
// ISO-8601 as S3 writes it in XML, and SigV4's basic-format timestamp. All
// times are UTC; seconds (or milliseconds where named) since the Unix epoch.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace s2lite::common {

// Seconds since the epoch of a proleptic Gregorian civil time; nullopt when a
// field is out of range (second 60 is accepted as a leap second).
std::optional<int64_t> EpochFromCivil(int year, int month, int day, int hour, int minute,
                                      int second);

enum class HttpDateZones {
  kGmtOnly,      // exactly RFC 9110's three forms
  kAlsoNumeric,  // IMF-fixdate may also end in "+hhmm"/"-hhmm" (SigV2's Date, as AWS's examples)
};

// Exactly one of RFC 9110's three forms, names in English whatever the locale:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years 70-99 are 19xx)
//   asctime      "Sun Nov  6 08:49:37 1994"
// nullopt for anything else.
std::optional<int64_t> ParseHttpDate(std::string_view text,
                                     HttpDateZones zones = HttpDateZones::kGmtOnly);

// "2026-11-25T17:30:00Z" or with a fraction ("...:00.123Z"), UTC only: the
// form of S3's policy expirations and lifecycle dates. Milliseconds since the
// epoch (digits past the third are dropped); nullopt for anything else.
std::optional<int64_t> ParseIso8601Millis(std::string_view text);

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (Last-Modified, Date, ...).
std::string FormatHttpDate(int64_t seconds);
// "2026-11-25T17:30:00Z": S3's ServerTime and Expires in error documents.
std::string FormatIso8601(int64_t seconds);
// "2026-11-25T17:30:00.000Z": S3's LastModified, Initiated, CreationDate.
std::string FormatIso8601Millis(int64_t milliseconds);
// "20261125T173000Z": SigV4's X-Amz-Date.
std::string FormatAmzDate(int64_t seconds);

}  // namespace s2lite::common
