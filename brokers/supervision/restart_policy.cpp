// Backoff and restart intensity of broker connections.
#include "brokers/supervision/restart_policy.hpp"

#include <algorithm>

namespace engine {

restart_policy::restart_policy(restart_policy_config cfg) : cfg_(cfg), rng_(cfg.seed) {}

int64_t restart_policy::base_delay_ms(int n) const {
  int64_t d = cfg_.backoff_initial_ms;
  for (int i = 0; i < n && d < cfg_.backoff_max_ms; ++i)
    d *= 2;
  return std::min(d, cfg_.backoff_max_ms);
}

std::optional<int64_t> restart_policy::on_failure(int64_t now_ns) {
  const int64_t window_ns = cfg_.window_ms * 1'000'000;
  while (!restarts_.empty() && restarts_.front() <= now_ns - window_ns)
    restarts_.pop_front();
  if (static_cast<int>(restarts_.size()) >= cfg_.max_restarts)
    return std::nullopt;
  restarts_.push_back(now_ns);
  auto base = base_delay_ms(consecutive_);
  ++consecutive_;
  // 53 random bits to [0, 1): the same sequence on every standard library.
  double u = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0);
  return static_cast<int64_t>(static_cast<double>(base) * (1.0 + u * cfg_.jitter));
}

void restart_policy::reset() {
  restarts_.clear();
  consecutive_ = 0;
}

} // namespace engine
