// ma_crossover: long when the fast moving average of one-minute closes is above the slow one, flat otherwise.
#pragma once

#include <deque>

#include "actors/strategy.hpp"

namespace engine {

/// Samples the quote mid of `ticker` once per minute of engine time (the last
/// mid of each minute), keeps a fast and a slow simple moving average over
/// those closes (exact decimals), and on a cross sends a market order that
/// moves its own position to +quantity (fast above slow) or to zero.
class ma_crossover final : public strategy {
public:
  explicit ma_crossover(strategy_config cfg);
  void on_quote(strategy_context& ctx, const Quote& q) override;
  void on_update(strategy_context& ctx, const OrderUpdate& u) override;

private:
  void on_close(strategy_context& ctx, Price close);
  static Price average(const std::deque<Price>& xs, size_t n);

  strategy_config cfg_;
  std::deque<Price> closes_;
  int64_t minute_ = -1;
  Price last_mid_;
  int signal_ = 0;           // +1 fast above slow, -1 below, 0 unknown
  bool order_in_flight_ = false;
  std::string in_flight_id_;
};

} // namespace engine
