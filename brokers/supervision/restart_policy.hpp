// When to restart a failed broker connection: exponential backoff with jitter (Akka's
// BackoffSupervisor) within a restart intensity (OTP: at most N restarts in a window).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <random>

namespace engine {

struct restart_policy_config {
  int max_restarts = 5;          // within window_ms; more and the broker is down
  int64_t window_ms = 60'000;
  int64_t backoff_initial_ms = 100;
  int64_t backoff_max_ms = 10'000;
  double jitter = 0.2;           // delay x (1 + u * jitter), u uniform in [0, 1)
  uint64_t seed = 1;
};

class restart_policy {
public:
  explicit restart_policy(restart_policy_config cfg);

  /// A connection failed at `now_ns`: the delay before the next attempt, or nullopt when
  /// the restart intensity is spent (the broker goes down).
  std::optional<int64_t> on_failure(int64_t now_ns);
  /// A connection came up and was reconciled: the next failure starts from the first delay.
  void on_connected() { consecutive_ = 0; }
  /// A manual (or timed) restart after down: the intensity starts over.
  void reset();

  /// The delay formula alone, without jitter, for attempt n (0-based).
  int64_t base_delay_ms(int n) const;
  /// Attempts since the last successful connection (1 after the first failure).
  int consecutive_failures() const { return consecutive_; }

private:
  restart_policy_config cfg_;
  std::deque<int64_t> restarts_; // times of the restarts inside the window
  int consecutive_ = 0;
  std::mt19937_64 rng_;
};

} // namespace engine
