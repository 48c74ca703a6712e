// Regular trading session hours (open/close, weekends, DST) for day orders and daily resets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/clock/clock.hpp"
#include "config/app_config.hpp"

namespace engine {

/// The regular session of one market, from session_config.
///
/// Timezones: "America/New_York" (US rule since 2007, computed, no tz
/// database: EDT from the second Sunday of March 02:00 EST to the first Sunday
/// of November 02:00 EDT), "UTC", and fixed offsets "+HH:MM" / "-HH:MM".
/// Anything else throws std::invalid_argument.
///
/// Saturdays and Sundays are closed. There is NO built-in holiday list
/// (exchange holidays and early closes change every year): pass the closed
/// dates ("YYYY-MM-DD", local dates) to the constructor if you need them.
///
/// A session is [open, close): the open instant is open, the close instant
/// is closed. Sessions must not cross local midnight (open < close).
class session_calendar {
public:
  explicit session_calendar(const session_config& cfg,
                            const std::vector<std::string>& closed_dates = {});

  bool is_open(timestamp_ns t) const;
  /// The first session open at or after t (t itself if t is exactly an open).
  timestamp_ns next_open(timestamp_ns t) const;
  /// The first session close strictly after t: the close of the current
  /// session when open, else the close of the next session.
  timestamp_ns next_close(timestamp_ns t) const;
  /// The local date of t as YYYYMMDD (e.g. 20261124): the day daily counters
  /// belong to. Weekends and closed dates still have a date.
  int64_t session_day(timestamp_ns t) const;
  /// The UTC instants of the local midnights before and after t: [start, end) of t's local
  /// day, all of whose times have t's session_day (DST never changes at midnight here).
  std::pair<timestamp_ns, timestamp_ns> local_day_span(timestamp_ns t) const;
  /// Offset of local time from UTC at t, in minutes (e.g. -300 for EST).
  int utc_offset_minutes(timestamp_ns t) const;

  /// Whether a local date (days since 1970-01-01) has a session at all.
  bool is_trading_day(int64_t local_days) const;
  /// The UTC instants of the session on a trading day's local date.
  timestamp_ns open_on(int64_t local_days) const;
  timestamp_ns close_on(int64_t local_days) const;

  /// Parses "YYYY-MM-DD" into days since 1970-01-01; throws std::invalid_argument.
  static int64_t parse_date(std::string_view text);

private:
  enum class zone_kind { fixed, new_york };

  // Converts a local wall time (date + minute of day) to UTC. In a DST gap the
  // result is the instant after the jump; in an overlap, the earlier instant.
  timestamp_ns local_to_utc(int64_t local_days, int minute_of_day) const;
  // Whether US daylight time is in force at t (new_york only).
  bool in_dst(timestamp_ns t) const;
  int64_t local_days_of(timestamp_ns t) const;
  // Upper bound on how many days to scan for the next trading day.
  int64_t scan_limit() const;

  zone_kind kind_ = zone_kind::fixed;
  int fixed_offset_ = 0; // minutes, for zone_kind::fixed
  int open_minute_;
  int close_minute_;
  std::vector<int64_t> closed_days_; // sorted
};

} // namespace engine
