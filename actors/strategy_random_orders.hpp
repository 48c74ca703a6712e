// random_orders: seeded random market and limit orders at a fixed rate (the load and soak generator).
#pragma once

#include <deque>

#include "actors/strategy.hpp"

namespace engine {

/// Every 1/orders_per_second of engine time it sends one order on a ticker
/// drawn from `tickers`: side, quantity (1..max_quantity whole shares) and
/// type (limit with probability limit_fraction, priced limit_offset_bps
/// inside or outside the touch) come from a splitmix64 stream seeded with
/// `seed`, so the same seed and data give the same orders. It leans against
/// its own position (sells when long beyond 5 lots, buys when short) so a
/// long soak does not walk into the position limit.
class random_orders final : public strategy {
public:
  explicit random_orders(strategy_config cfg);
  void on_quote(strategy_context& ctx, const Quote& q) override;
  void on_update(strategy_context& ctx, const OrderUpdate& u) override;
  uint64_t sent() const { return sent_; }

  /// Resting orders it keeps at most; past this it cancels the oldest, so a
  /// soak exercises cancels and does not tie up the risk limits forever.
  static constexpr size_t max_resting = 4;

private:
  uint64_t next_random();
  void send_one(strategy_context& ctx, const Quote& q);

  strategy_config cfg_;
  uint64_t state_;
  timestamp_ns next_at_ = 0;
  int64_t interval_ns_;
  uint64_t sent_ = 0;
  std::deque<std::string> resting_; // order ids, oldest first
};

} // namespace engine
