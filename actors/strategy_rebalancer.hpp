// rebalancer: the seed's portfolio rebalancer — target weights, trading only past a drift threshold.
#pragma once

#include <map>

#include "actors/strategy.hpp"

namespace engine {

/// Every rebalance_interval_ms of engine time it values its own positions at
/// the quote mids against the account's equity; where a ticker's weight is
/// more than drift_threshold away from its target it sends a market order
/// for the whole shares that bring it back to the target (the seed's 2% rule).
class rebalancer final : public strategy {
public:
  explicit rebalancer(strategy_config cfg);
  void on_quote(strategy_context& ctx, const Quote& q) override;
  void on_update(strategy_context& ctx, const OrderUpdate& u) override;

private:
  void rebalance(strategy_context& ctx);

  strategy_config cfg_;
  timestamp_ns next_at_ = 0;
  std::map<std::string, std::string> in_flight_; // ticker -> client_order_id
};

} // namespace engine
