// random_orders: seeded random market and limit orders at a fixed rate (the load and soak generator).
#include "actors/strategy_random_orders.hpp"

#include <algorithm>
#include <cmath>

#include "messages/order_state_machine.hpp"

namespace engine {

random_orders::random_orders(strategy_config cfg)
  : cfg_(std::move(cfg)), state_(cfg_.seed),
    interval_ns_(static_cast<int64_t>(1e9 / std::max(cfg_.orders_per_second, 1e-9))) {
  if (interval_ns_ < 1)
    interval_ns_ = 1;
}

uint64_t random_orders::next_random() {
  // splitmix64: tiny, fast and the same on every platform.
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void random_orders::on_quote(strategy_context& ctx, const Quote& q) {
  if (!cfg_.tickers.empty()
      && std::find(cfg_.tickers.begin(), cfg_.tickers.end(), q.ticker) == cfg_.tickers.end())
    return;
  if (next_at_ == 0)
    next_at_ = q.timestamp;
  // Catch up on every order due by this quote's time (a high rate can be
  // several orders per quote), each on this quote's ticker.
  while (q.timestamp >= next_at_) {
    if (cfg_.max_orders > 0 && sent_ >= static_cast<uint64_t>(cfg_.max_orders))
      return; // its share sent: from now on it only watches its orders
    send_one(ctx, q);
    next_at_ += interval_ns_;
  }
}

void random_orders::on_update(strategy_context& ctx, const OrderUpdate& u) {
  auto i = resting_at_.find(u.order_id);
  if (is_terminal(u.status)) {
    if (i != resting_at_.end()) {
      resting_.erase(i->second);
      resting_at_.erase(i);
    }
    return;
  }
  // The submit's own answer (pending_new) comes first and exactly once per order.
  if (u.status == OrderStatus::pending_new && i == resting_at_.end() && !u.order_id.empty())
    resting_at_.emplace(u.order_id, resting_.insert(resting_.end(), u.order_id));
  while (resting_.size() > static_cast<size_t>(cfg_.max_resting)) {
    ctx.cancel(resting_.front());
    resting_at_.erase(resting_.front());
    resting_.pop_front();
  }
}

bool random_orders::crosses(uint64_t draw) const {
  // At the default of one half this is the old coin flip (an odd draw crossed), so a seed
  // gives the same orders as before the knob.
  static const Rate half = *Rate::parse("0.5"); // parsed once, not per order
  if (cfg_.crossing_fraction == half)
    return draw % 2 != 0;
  return static_cast<int64_t>(draw % Rate::scale) < cfg_.crossing_fraction.raw();
}

void random_orders::send_one(strategy_context& ctx, const Quote& q) {
  OrderRequest o;
  o.ticker = q.ticker;
  auto max_lots = std::max<int64_t>(1, cfg_.max_quantity.raw() / Quantity::scale);
  auto lots = static_cast<int64_t>(next_random() % static_cast<uint64_t>(max_lots)) + 1;
  o.quantity = Quantity::from_units(lots);
  auto pos = ctx.position(q.ticker);
  auto lean = Quantity::from_units(5 * max_lots);
  if (pos > lean)
    o.side = OrderSide::sell;
  else if (pos < -lean)
    o.side = OrderSide::buy;
  else
    o.side = next_random() % 2 == 0 ? OrderSide::buy : OrderSide::sell;
  auto draw = static_cast<int64_t>(next_random() % Rate::scale);
  bool limit = draw < cfg_.limit_fraction.raw();
  if (limit) {
    o.order_type = OrderType::limit;
    // crossing_fraction of the limits cross the touch (half unless configured), the rest rest
    // away from it. The draw is taken either way, so the stream stays the same for any value.
    auto touch = o.side == OrderSide::buy ? q.bid : q.ask;
    auto offset = mul<Price>(touch, cfg_.limit_offset_bps, rounding::half_even);
    offset = div<Price>(offset, Rate::from_units(10000), rounding::half_even);
    bool away = !crosses(next_random());
    bool lower = (o.side == OrderSide::buy) == away;
    auto px = lower ? touch - offset : touch + offset;
    static const Price cent = *Price::parse("0.01"), sub_penny = *Price::parse("0.0001");
    auto tick = px >= Price::from_units(1) ? cent : sub_penny;
    o.price = px.round_to(tick, rounding::half_even);
    if (!o.price.is_positive())
      o.price = tick;
  }
  o.time_in_force = TimeInForce::day;
  o.timestamp = q.timestamp;
  ++sent_;
  ctx.submit(std::move(o));
}

} // namespace engine
