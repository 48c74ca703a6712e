// ma_crossover: long when the fast moving average of one-minute closes is above the slow one, flat otherwise.
#include "actors/strategy_ma_crossover.hpp"

#include "messages/order_state_machine.hpp"

namespace engine {

ma_crossover::ma_crossover(strategy_config cfg) : cfg_(std::move(cfg)) {}

Price ma_crossover::average(const std::deque<Price>& xs, size_t n) {
  Money sum;
  for (size_t i = xs.size() - n; i < xs.size(); ++i)
    sum += convert<Money>(xs[i]);
  return div<Price>(sum, Quantity::from_units(static_cast<int64_t>(n)), rounding::half_even);
}

void ma_crossover::on_quote(strategy_context& ctx, const Quote& q) {
  if (q.ticker != cfg_.ticker)
    return;
  auto minute = q.timestamp / (60LL * 1000 * 1000 * 1000);
  if (minute_ >= 0 && minute != minute_)
    on_close(ctx, last_mid_);
  minute_ = minute;
  last_mid_ = mid_price(q);
}

void ma_crossover::on_close(strategy_context& ctx, Price close) {
  closes_.push_back(close);
  auto slow = static_cast<size_t>(cfg_.slow_window);
  auto fast = static_cast<size_t>(cfg_.fast_window);
  while (closes_.size() > slow)
    closes_.pop_front();
  if (closes_.size() < slow)
    return;
  int signal = average(closes_, fast) > average(closes_, slow) ? 1 : -1;
  if (signal == signal_)
    return;
  signal_ = signal;
  if (order_in_flight_)
    return; // the next cross will move the position again
  auto target = signal > 0 ? cfg_.quantity : Quantity{};
  auto delta = target - ctx.position(cfg_.ticker);
  if (delta.is_zero())
    return;
  OrderRequest o;
  o.ticker = cfg_.ticker;
  o.side = delta.is_positive() ? OrderSide::buy : OrderSide::sell;
  o.order_type = OrderType::market;
  o.quantity = delta.abs();
  o.time_in_force = TimeInForce::day;
  o.timestamp = ctx.now();
  order_in_flight_ = true;
  in_flight_id_ = ctx.submit(std::move(o));
}

void ma_crossover::on_update(strategy_context&, const OrderUpdate& u) {
  if (u.client_order_id == in_flight_id_ && is_terminal(u.status))
    order_in_flight_ = false;
}

} // namespace engine
