#include "common/time.h"

#include <array>
#include <chrono>
#include <cstdio>

namespace s2lite::common {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Civil {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t offset = 0;  // seconds east of UTC
};

// A left-to-right matcher over the date text; every method fails (returns
// false) without consuming on a mismatch.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Done() const { return s_.empty(); }
  bool Lit(std::string_view lit) {
    if (s_.substr(0, lit.size()) != lit) return false;
    s_.remove_prefix(lit.size());
    return true;
  }
  template <size_t N>
  bool Name(const std::array<std::string_view, N>& names, int* index) {
    for (size_t i = 0; i < N; ++i) {
      if (Lit(names[i])) {
        if (index != nullptr) *index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  bool Digits(size_t n, int* out) {
    if (s_.size() < n) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      if (s_[i] < '0' || s_[i] > '9') return false;
      v = v * 10 + (s_[i] - '0');
    }
    s_.remove_prefix(n);
    *out = v;
    return true;
  }
  // "HH:MM:SS"
  bool TimeOfDay(Civil* c) {
    return Digits(2, &c->hour) && Lit(":") && Digits(2, &c->minute) && Lit(":") &&
           Digits(2, &c->second);
  }
  bool Month(Civil* c) {
    if (!Name(kMonths, &c->month)) return false;
    ++c->month;
    return true;
  }

 private:
  std::string_view s_;
};

// " GMT", or with kAlsoNumeric " +hhmm" / " -hhmm".
bool Zone(Cursor& in, HttpDateZones zones, Civil* c) {
  if (in.Lit(" GMT")) return true;
  if (zones != HttpDateZones::kAlsoNumeric) return false;
  int sign = in.Lit(" +") ? 1 : in.Lit(" -") ? -1 : 0;
  int hh = 0, mm = 0;
  if (sign == 0 || !in.Digits(2, &hh) || !in.Digits(2, &mm) || mm > 59) return false;
  c->offset = sign * (hh * 3600 + mm * 60);
  return true;
}

bool ImfFixdate(Cursor in, HttpDateZones zones, Civil* c) {
  return in.Name(kDays, nullptr) && in.Lit(", ") && in.Digits(2, &c->day) && in.Lit(" ") &&
         in.Month(c) && in.Lit(" ") && in.Digits(4, &c->year) && in.Lit(" ") && in.TimeOfDay(c) &&
         Zone(in, zones, c) && in.Done();
}

bool Rfc850(Cursor in, Civil* c) {
  if (!(in.Name(kLongDays, nullptr) && in.Lit(", ") && in.Digits(2, &c->day) && in.Lit("-") &&
        in.Month(c) && in.Lit("-") && in.Digits(2, &c->year) && in.Lit(" ") && in.TimeOfDay(c) &&
        in.Lit(" GMT") && in.Done())) {
    return false;
  }
  c->year += c->year < 70 ? 2000 : 1900;
  return true;
}

bool Asctime(Cursor in, Civil* c) {
  if (!(in.Name(kDays, nullptr) && in.Lit(" ") && in.Month(c) && in.Lit(" "))) return false;
  if (!in.Digits(2, &c->day) && !(in.Lit(" ") && in.Digits(1, &c->day))) return false;
  return in.Lit(" ") && in.TimeOfDay(c) && in.Lit(" ") && in.Digits(4, &c->year) && in.Done();
}

struct Broken {
  int year;
  unsigned month, day;
  int hour, minute, second, weekday;
};

Broken Break(int64_t seconds) {
  std::chrono::sys_seconds t{std::chrono::seconds{seconds}};
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{t - day};
  return {static_cast<int>(ymd.year()),
          static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),
          static_cast<int>(hms.hours().count()),
          static_cast<int>(hms.minutes().count()),
          static_cast<int>(hms.seconds().count()),
          static_cast<int>(std::chrono::weekday{day}.c_encoding())};
}

// `format` takes year, month, day, hour, minute, second.
std::string FormatNumeric(int64_t seconds, const char* format) {
  Broken b = Break(seconds);
  char buf[40];
  std::snprintf(buf, sizeof buf, format, b.year, b.month, b.day, b.hour, b.minute, b.second);
  return buf;
}

}  // namespace

std::optional<int64_t> EpochFromCivil(int year, int month, int day, int hour, int minute,
                                      int second) {
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{year},
                                  std::chrono::month{static_cast<unsigned>(month)},
                                  std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 60) {
    return std::nullopt;
  }
  int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

std::optional<int64_t> ParseHttpDate(std::string_view text, HttpDateZones zones) {
  Civil c;
  Cursor in(text);
  if (!ImfFixdate(in, zones, &c) && !Rfc850(in, &(c = Civil{})) && !Asctime(in, &(c = Civil{}))) {
    return std::nullopt;
  }
  std::optional<int64_t> t = EpochFromCivil(c.year, c.month, c.day, c.hour, c.minute, c.second);
  if (!t) return std::nullopt;
  return *t - c.offset;
}

std::optional<int64_t> ParseIso8601Millis(std::string_view text) {
  Civil c;
  Cursor in(text);
  if (!(in.Digits(4, &c.year) && in.Lit("-") && in.Digits(2, &c.month) && in.Lit("-") &&
        in.Digits(2, &c.day) && in.Lit("T") && in.TimeOfDay(&c))) {
    return std::nullopt;
  }
  int64_t millis = 0;
  if (in.Lit(".")) {
    int digit = 0, count = 0;
    while (in.Digits(1, &digit)) {
      if (count < 3) millis = millis * 10 + digit;
      ++count;
    }
    if (count == 0) return std::nullopt;
    for (; count < 3; ++count) millis *= 10;
  }
  if (!in.Lit("Z") || !in.Done()) return std::nullopt;
  std::optional<int64_t> t = EpochFromCivil(c.year, c.month, c.day, c.hour, c.minute, c.second);
  if (!t) return std::nullopt;
  return *t * 1000 + millis;
}

std::string FormatHttpDate(int64_t seconds) {
  Broken b = Break(seconds);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                kDays[static_cast<size_t>(b.weekday)].data(), b.day, kMonths[b.month - 1].data(),
                b.year, b.hour, b.minute, b.second);
  return buf;
}

std::string FormatIso8601(int64_t seconds) {
  return FormatNumeric(seconds, "%04d-%02u-%02uT%02d:%02d:%02dZ");
}

std::string FormatIso8601Millis(int64_t milliseconds) {
  int64_t seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000;
  int millis = static_cast<int>(milliseconds - seconds * 1000);
  Broken b = Break(seconds);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", b.year, b.month, b.day,
                b.hour, b.minute, b.second, millis);
  return buf;
}

std::string FormatAmzDate(int64_t seconds) {
  return FormatNumeric(seconds, "%04d%02u%02uT%02d%02d%02dZ");
}

}  // namespace s2lite::common
