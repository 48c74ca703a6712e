// The engine's time source (wall or simulated), deadline queue and replay pacer.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/clock/iso8601.hpp" // parse_iso8601, format_iso8601, civil::
#include "messages/orders.hpp"       // timestamp_ns

namespace engine {

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

} // namespace engine
