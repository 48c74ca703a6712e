// The engine's time source (wall or simulated), deadline queue, replay pacer and ISO 8601 text.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "messages/orders.hpp" // timestamp_ns

namespace engine {

inline constexpr int64_t ns_per_us = 1000;
inline constexpr int64_t ns_per_ms = 1000 * ns_per_us;
inline constexpr int64_t ns_per_second = 1000 * ns_per_ms;
inline constexpr int64_t ns_per_minute = 60 * ns_per_second;
inline constexpr int64_t ns_per_day = 1440 * ns_per_minute;

/// Nanoseconds since the Unix epoch (UTC). Logic asks a clock, never the OS.
class clock {
public:
  virtual ~clock() = default;
  virtual timestamp_ns now() const = 0;
  virtual bool simulated() const = 0;
};

/// std::chrono::system_clock in nanoseconds; for paper and live trading.
class wall_clock final : public clock {
public:
  timestamp_ns now() const override;
  bool simulated() const override { return false; }
};

/// Time that only moves when told, so tests and replays are deterministic and
/// faster than real time. Safe to read from other threads (one writer).
class simulated_clock final : public clock {
public:
  explicit simulated_clock(timestamp_ns start) : now_(start) {}

  timestamp_ns now() const override { return now_.load(std::memory_order_acquire); }
  bool simulated() const override { return true; }

  /// Moves time to t. Going backwards is refused (returns false, time unchanged);
  /// t == now() is accepted.
  bool advance_to(timestamp_ns t);
  /// Moves time forward by d >= 0 nanoseconds; false (and unchanged) if d < 0.
  bool advance_by(int64_t d);

private:
  std::atomic<timestamp_ns> now_;
};

/// Deadlines on either kind of clock. Due entries come out in a deterministic
/// order: by time, then by insertion (ids grow with each schedule call).
/// Not thread-safe: its owner (one actor) drives it.
class timer_queue {
public:
  using entry = std::pair<uint64_t /*id*/, uint64_t /*tag*/>;

  /// Adds a deadline; returns its id (never 0). A deadline in the past is due
  /// at the next pop_due.
  uint64_t schedule(timestamp_ns at, uint64_t tag);
  /// Removes a pending deadline; false if unknown, already popped or cancelled.
  bool cancel(uint64_t id);
  /// The earliest pending deadline, if any.
  std::optional<timestamp_ns> next() const;
  /// Removes and returns every deadline at or before now, in order.
  std::vector<entry> pop_due(timestamp_ns now);
  /// Same, appending into out (no allocation once out has capacity).
  void pop_due(timestamp_ns now, std::vector<entry>& out);
  size_t size() const { return by_time_.size(); }
  bool empty() const { return by_time_.empty(); }

private:
  // Key (time, id): ids are issued in insertion order, so the map order is the
  // required (time, insertion) order.
  std::map<std::pair<timestamp_ns, uint64_t>, uint64_t> by_time_;
  std::unordered_map<uint64_t, timestamp_ns> by_id_;
  uint64_t next_id_ = 1;
};

/// Paces a replay at `speed` times real time: maps simulated time onto wall
/// time from an anchor and says how long the caller must wait before the next
/// event is due. Computes only; it never sleeps (the caller schedules a timer).
class pacer {
public:
  /// speed 0 = as fast as possible (never wait); speed < 0 or not finite throws
  /// std::invalid_argument. The anchor says: simulated time sim_anchor happens
  /// at wall time wall_anchor.
  pacer(double speed, timestamp_ns sim_anchor, timestamp_ns wall_anchor);

  /// Nanoseconds to wait at wall time wall_now before delivering an event at
  /// simulated time sim_next; 0 if already due, speed is 0 or sim_next is
  /// before the anchor.
  int64_t wait_ns(timestamp_ns sim_next, timestamp_ns wall_now) const;
  /// The wall time at which simulated time sim_next is due.
  timestamp_ns wall_due(timestamp_ns sim_next) const;
  /// Re-anchors, e.g. after a pause or a speed change, so no catch-up burst follows.
  void reanchor(timestamp_ns sim_anchor, timestamp_ns wall_anchor);
  void set_speed(double speed);
  double speed() const { return speed_; }

private:
  double speed_;
  timestamp_ns sim_anchor_;
  timestamp_ns wall_anchor_;
};

/// Parses "2026-11-24T09:30:00-05:00", "2026-11-24T14:30:00Z", with optional
/// fractional seconds (up to 9 digits) and a 'T' or ' ' separator. Offsets:
/// "Z", "+HH:MM", "-HH:MM" or "+HHMM"; an offset is required (a local time
/// without one is ambiguous). Throws std::invalid_argument quoting the text.
timestamp_ns parse_iso8601(std::string_view text);

/// Prints t at the given UTC offset: "2026-11-24T09:30:00-05:00", "Z" for 0,
/// fractional seconds only when non-zero (trailing zeros trimmed), so
/// parse_iso8601(format_iso8601(t, o)) == t.
std::string format_iso8601(timestamp_ns t, int utc_offset_minutes = 0);

/// Calendar helpers shared with the session calendar (proleptic Gregorian).
namespace civil {

/// Days since 1970-01-01 of a date; the date must be valid.
int64_t days_from_date(int64_t year, int month, int day);

struct date {
  int64_t year;
  int month; // 1..12
  int day;   // 1..31
};

/// The date of a day number (days since 1970-01-01, may be negative).
date date_from_days(int64_t days);
/// 0 = Sunday ... 6 = Saturday.
int weekday(int64_t days);
int days_in_month(int64_t year, int month);
/// Floor division, for negative timestamps.
inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

} // namespace civil

} // namespace engine
