// Civil-date arithmetic and ISO 8601 timestamps; header-only so readers outside the clock library can parse times.
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

#include "messages/orders.hpp" // timestamp_ns

namespace engine {

inline constexpr int64_t ns_per_us = 1000;
inline constexpr int64_t ns_per_ms = 1000 * ns_per_us;
inline constexpr int64_t ns_per_second = 1000 * ns_per_ms;
inline constexpr int64_t ns_per_minute = 60 * ns_per_second;
inline constexpr int64_t ns_per_day = 1440 * ns_per_minute;

/// Calendar helpers (proleptic Gregorian, day numbers since 1970-01-01).
namespace civil {

/// Floor division, for negative timestamps.
constexpr int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

constexpr bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr int days_in_month(int64_t year, int month) {
  constexpr int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : lengths[month - 1];
}

/// Days from 0000-03-01. Counting years from March puts the leap day last,
/// so the day of year needs no leap test.
constexpr int64_t days_from_march_epoch(int64_t year, int month, int day) {
  int64_t y = month <= 2 ? year - 1 : year;
  int m = (month + 9) % 12; // March = 0 ... February = 11
  // (153 * m + 2) / 5 is the day of the March-based year on which month m starts.
  int64_t doy = (153 * m + 2) / 5 + day - 1;
  return 365 * y + floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400) + doy;
}

/// Days since 1970-01-01 of a valid date.
constexpr int64_t days_from_date(int64_t year, int month, int day) {
  return days_from_march_epoch(year, month, day) - days_from_march_epoch(1970, 1, 1);
}

struct date {
  int64_t year;
  int month; // 1..12
  int day;   // 1..31
};

/// The date of a day number (may be negative).
inline date date_from_days(int64_t days) {
  // Estimate the year from the mean Gregorian year (146097 days per 400
  // years), then correct it by a step either way.
  int64_t y = 1970 + static_cast<int64_t>(static_cast<__int128>(days) * 400 / 146097);
  while (days_from_date(y, 1, 1) > days)
    --y;
  while (days_from_date(y + 1, 1, 1) <= days)
    ++y;
  int64_t rest = days - days_from_date(y, 1, 1);
  int m = 1;
  while (rest >= days_in_month(y, m)) {
    rest -= days_in_month(y, m);
    ++m;
  }
  return date{y, m, static_cast<int>(rest) + 1};
}

/// 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday).
constexpr int weekday(int64_t days) {
  int64_t w = (days + 4) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

} // namespace civil

namespace detail {

[[noreturn]] inline void bad_iso(std::string_view text, const char* why) {
  throw std::invalid_argument("invalid ISO 8601 timestamp \"" + std::string(text) +
                              "\": " + why);
}

// Exactly n digits at pos, or -1.
inline int64_t read_digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size())
    return -1;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

} // namespace detail

/// Parses "2026-11-24T09:30:00-05:00", "2026-11-24T14:30:00Z", with optional
/// fractional seconds (up to 9 digits) and a 'T' or ' ' separator. Offsets:
/// "Z", "+HH:MM", "-HH:MM" or "+HHMM"; an offset is required (a local time
/// without one is ambiguous). Throws std::invalid_argument quoting the text.
inline timestamp_ns parse_iso8601(std::string_view text) {
  using detail::bad_iso;
  using detail::read_digits;
  const std::string_view s = text;
  if (s.size() < 19) // YYYY-MM-DDTHH:MM:SS
    bad_iso(text, "too short, expected YYYY-MM-DDTHH:MM:SS and Z or an offset");
  if (s[4] != '-' || s[7] != '-')
    bad_iso(text, "expected YYYY-MM-DD");
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
    bad_iso(text, "expected 'T' between date and time");
  if (s[13] != ':' || s[16] != ':')
    bad_iso(text, "expected HH:MM:SS");
  int64_t year = read_digits(s, 0, 4);
  int64_t month = read_digits(s, 5, 2);
  int64_t day = read_digits(s, 8, 2);
  int64_t hour = read_digits(s, 11, 2);
  int64_t minute = read_digits(s, 14, 2);
  int64_t second = read_digits(s, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0)
    bad_iso(text, "expected digits in the date and time");
  if (month < 1 || month > 12)
    bad_iso(text, "month out of range");
  if (day < 1 || day > civil::days_in_month(year, static_cast<int>(month)))
    bad_iso(text, "day out of range for the month");
  if (hour > 23 || minute > 59 || second > 59)
    bad_iso(text, "time of day out of range");

  size_t pos = 19;
  int64_t frac_ns = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    size_t start = ++pos;
    int64_t unit = ns_per_second;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start == 9)
        bad_iso(text, "more than 9 fractional digits");
      unit /= 10;
      frac_ns += (s[pos] - '0') * unit;
      ++pos;
    }
    if (pos == start)
      bad_iso(text, "expected digits after the decimal point");
  }

  int64_t offset_minutes = 0;
  if (pos >= s.size())
    bad_iso(text, "missing UTC offset (Z or +HH:MM)");
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int64_t sign = s[pos] == '-' ? -1 : 1;
    int64_t oh = read_digits(s, pos + 1, 2);
    size_t mpos = pos + 3;
    if (mpos < s.size() && s[mpos] == ':')
      ++mpos;
    int64_t om = read_digits(s, mpos, 2);
    if (oh < 0 || om < 0)
      bad_iso(text, "bad UTC offset, expected +HH:MM");
    if (oh > 23 || om > 59)
      bad_iso(text, "UTC offset out of range");
    offset_minutes = sign * (oh * 60 + om);
    pos = mpos + 2;
  } else {
    bad_iso(text, "expected Z or a UTC offset after the time");
  }
  if (pos != s.size())
    bad_iso(text, "unexpected text after the UTC offset");

  int64_t days = civil::days_from_date(year, static_cast<int>(month), static_cast<int>(day));
  __int128 seconds = static_cast<__int128>(days) * 86400 + hour * 3600 + minute * 60 + second -
                     offset_minutes * 60;
  __int128 ns = seconds * ns_per_second + frac_ns;
  if (ns > INT64_MAX || ns < INT64_MIN)
    bad_iso(text, "outside the nanosecond range (years 1677 to 2262)");
  return static_cast<timestamp_ns>(ns);
}

/// Prints t at a UTC offset (|offset| < 24 h): "2026-11-24T09:30:00-05:00",
/// "Z" for 0, fractional seconds only when non-zero (trailing zeros trimmed),
/// so parse_iso8601(format_iso8601(t, o)) == t.
inline std::string format_iso8601(timestamp_ns t, int utc_offset_minutes = 0) {
  if (utc_offset_minutes <= -24 * 60 || utc_offset_minutes >= 24 * 60)
    throw std::invalid_argument("format_iso8601: UTC offset out of range: " +
                                std::to_string(utc_offset_minutes) + " minutes");
  // Local time in 128 bits, so extreme timestamps cannot overflow.
  __int128 local =
      static_cast<__int128>(t) + static_cast<__int128>(utc_offset_minutes) * ns_per_minute;
  __int128 days = local / ns_per_day;
  __int128 rem = local % ns_per_day;
  if (rem < 0) {
    rem += ns_per_day;
    --days;
  }
  civil::date d = civil::date_from_days(static_cast<int64_t>(days));
  int64_t in_day = static_cast<int64_t>(rem);
  int64_t secs = in_day / ns_per_second;
  int64_t frac = in_day % ns_per_second;

  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02lld:%02lld:%02lld",
                        static_cast<long long>(d.year), d.month, d.day,
                        static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60),
                        static_cast<long long>(secs % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    n = std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(frac));
    while (buf[n - 1] == '0')
      --n;
    out.append(buf, static_cast<size_t>(n));
  }
  if (utc_offset_minutes == 0) {
    out += 'Z';
  } else {
    int a = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", utc_offset_minutes < 0 ? '-' : '+', a / 60,
                  a % 60);
    out += buf;
  }
  return out;
}

} // namespace engine
