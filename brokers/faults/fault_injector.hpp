// Decides, event by event, which faults of a plan fire: deterministic for one seed and one
// sequence of calls. Pure logic, owned by one thread (an actor, a fake server, the proxy).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "config/fault_plan.hpp"

namespace engine {

/// An episode that fired: act on it now (drop the connection, refuse, hang, delay).
struct fault_episode {
  fault_kind kind = fault_kind::disconnect;
  int64_t start_ns = 0;
  int64_t end_ns = 0;   // start + duration
  int64_t delay_ms = 0; // for delay
};

class fault_injector {
public:
  /// `start_ns`: the time at_s counts from (the engine's clock, wall or simulated).
  fault_injector(fault_plan plan, int64_t start_ns);

  /// Fires the time-triggered rules due at `now`: at_s once (or every at_s, `repeat` times),
  /// daily_at once a day (late if the moment passed since the start, or while its window is
  /// open).
  void tick(int64_t now_ns);
  /// Counts one order (submit) at `now`: after_orders rules and per-order probabilities.
  void order(int64_t now_ns);
  /// One fill report about to be sent: per-fill probabilities (drop_fill, duplicate_fill).
  void fill(int64_t now_ns);
  /// One request about to be answered: per-request probabilities (rate_limit, server_error,
  /// garbage).
  void request(int64_t now_ns);

  /// Consumes one unit of a count fault's budget; true if this event is to be faulted.
  bool take(fault_kind k);
  /// Budget left of a count fault.
  int64_t pending(fault_kind k) const { return budget_[index(k)]; }
  /// Episodes fired since the last call, in firing order.
  std::vector<fault_episode> take_episodes();
  /// The active episode of kind k at `now` (refuse, hang, delay, reset_window), if any.
  std::optional<fault_episode> active(fault_kind k, int64_t now_ns) const;
  /// When tick() next has something to fire (the earliest at_s or daily_at), if ever.
  std::optional<int64_t> next_time(int64_t now_ns) const;

  /// How many times each kind has fired (for reports and tests).
  int64_t fired(fault_kind k) const { return fired_[index(k)]; }
  const fault_plan& plan() const { return plan_; }

private:
  static size_t index(fault_kind k) { return static_cast<size_t>(k); }
  void fire(size_t rule, int64_t now_ns);
  static int64_t daily_at_ns(const fault_rule& r, int64_t day);
  bool daily_due(size_t rule, int64_t day, int64_t now_ns) const;
  bool roll(double p);

  fault_plan plan_;
  int64_t start_ns_;
  int64_t orders_ = 0;
  std::vector<int64_t> times_fired_;  // per rule
  std::vector<int64_t> last_day_;     // per rule: the UTC day a daily rule last fired
  std::array<int64_t, enum_count<fault_kind>> budget_{};
  std::array<int64_t, enum_count<fault_kind>> fired_{};
  std::vector<fault_episode> new_episodes_;
  std::vector<fault_episode> episodes_; // every episode that fired (for active())
  std::mt19937_64 rng_;
};

} // namespace engine
