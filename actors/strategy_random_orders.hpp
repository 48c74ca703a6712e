// random_orders: seeded random market and limit orders at a fixed rate (the load and soak generator).
#pragma once

#include <list>
#include <string>
#include <unordered_map>

#include "actors/strategy.hpp"

namespace engine {

/// Every 1/orders_per_second of engine time it sends one order on a ticker
/// drawn from `tickers`: side, quantity (1..max_quantity whole shares) and
/// type (limit with probability limit_fraction, priced limit_offset_bps
/// inside or outside the touch) come from a splitmix64 stream seeded with
/// `seed`, so the same seed and data give the same orders. It leans against
/// its own position (sells when long beyond 5 lots, buys when short) so a
/// long soak does not walk into the position limit. It keeps at most
/// `max_resting` orders resting (4 unless configured) and cancels the oldest
/// past that, so a soak exercises cancels and does not tie up the risk limits;
/// a large value leaves many orders open (the stop bench, bench/stop_timing.py).
/// `crossing_fraction` of the limits (one half unless configured) are priced through the
/// touch, the rest away from it; past `max_orders` sent (0: no limit) it sends no more and
/// only follows its orders, so a bench can build a book of a known size and then idle.
class random_orders final : public strategy {
public:
  explicit random_orders(strategy_config cfg);
  void on_quote(strategy_context& ctx, const Quote& q) override;
  void on_update(strategy_context& ctx, const OrderUpdate& u) override;
  uint64_t sent() const { return sent_; }

private:
  uint64_t next_random();
  bool crosses(uint64_t draw) const; // this limit order is priced through the touch
  void send_one(strategy_context& ctx, const Quote& q);

  strategy_config cfg_;
  uint64_t state_;
  timestamp_ns next_at_ = 0;
  int64_t interval_ns_;
  uint64_t sent_ = 0;
  // Order ids, oldest first, and where each is: an update finds its order in O(1), so a
  // book of 100,000 resting orders costs no more per update than one of four.
  std::list<std::string> resting_;
  std::unordered_map<std::string, std::list<std::string>::iterator> resting_at_;
};

} // namespace engine
