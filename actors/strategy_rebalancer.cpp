// rebalancer: the seed's portfolio rebalancer — target weights, trading only past a drift threshold.
#include "actors/strategy_rebalancer.hpp"

#include "messages/order_state_machine.hpp"

namespace engine {

rebalancer::rebalancer(strategy_config cfg) : cfg_(std::move(cfg)) {}

void rebalancer::on_quote(strategy_context& ctx, const Quote& q) {
  if (next_at_ == 0)
    next_at_ = q.timestamp; // the first rebalance waits for quotes of every ticker
  if (q.timestamp < next_at_)
    return;
  for (auto& [ticker, w] : cfg_.target_weights)
    if (!ctx.last_quote(ticker))
      return;
  next_at_ = q.timestamp + cfg_.rebalance_interval_ms * 1'000'000;
  rebalance(ctx);
}

void rebalancer::rebalance(strategy_context& ctx) {
  auto equity = ctx.account().equity;
  if (!equity.is_positive())
    return;
  for (auto& [ticker, target] : cfg_.target_weights) {
    if (in_flight_.count(ticker))
      continue; // wait for the last order on this ticker to finish
    auto mid = mid_price(*ctx.last_quote(ticker));
    if (!mid.is_positive())
      continue;
    auto value = notional(ctx.position(ticker), mid);
    auto weight = div<Rate>(value, equity, rounding::half_even);
    auto drift = weight - target;
    if (drift.abs() <= cfg_.drift_threshold)
      continue;
    // Whole shares toward the target value; rounding toward zero never overshoots.
    auto target_value = mul<Money>(equity, target, rounding::half_even);
    auto shares = div<Quantity>(target_value - value, mid, rounding::toward_zero)
                    .round_to(Quantity::from_units(1), rounding::toward_zero);
    if (shares.is_zero())
      continue;
    OrderRequest o;
    o.ticker = ticker;
    o.side = shares.is_positive() ? OrderSide::buy : OrderSide::sell;
    o.order_type = OrderType::market;
    o.quantity = shares.abs();
    o.time_in_force = TimeInForce::day;
    o.timestamp = ctx.now();
    in_flight_[ticker] = ctx.submit(std::move(o));
  }
}

void rebalancer::on_update(strategy_context&, const OrderUpdate& u) {
  if (!is_terminal(u.status))
    return;
  for (auto i = in_flight_.begin(); i != in_flight_.end(); ++i)
    if (i->second == u.client_order_id) {
      in_flight_.erase(i);
      return;
    }
}

} // namespace engine
