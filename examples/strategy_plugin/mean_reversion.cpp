// mean_reversion: an example strategy plug-in: buys a dip below the moving average of the mid, sells at the average.
#include "actors/strategy_plugin.hpp"

#include <deque>

#include "messages/order_state_machine.hpp"

namespace {

using namespace engine;
using namespace engine::config_read;

/// Keeps the mean of the last `window` mids of `ticker`. Flat and the mid
/// more than `band_bps` below the mean: buys `quantity` at market. Long and
/// the mid back at the mean or above: sells the position. One order at a time.
class mean_reversion final : public strategy {
public:
  /// Reads and checks `params:`; a bad value stops the start with
  /// "FILE:LINE: strategies[i].params.KEY: what", like any config error.
  explicit mean_reversion(const plugin_params& p) {
    auto s = p.keys({"ticker", "window", "band_bps", "quantity"});
    ticker_ = read_nonempty_string(s.require("ticker"));
    if (auto x = s.get("window"))
      window_ = static_cast<size_t>(read_int(*x, between<int64_t>(2, 100'000)));
    if (auto x = s.get("band_bps"))
      band_bps_ = read_decimal<Rate>(*x, above_up_to(Rate{}, Rate::from_units(10'000)));
    quantity_ = read_decimal<Quantity>(s.require("quantity"), above(Quantity{}));
  }

  void on_quote(strategy_context& ctx, const Quote& q) override {
    if (q.ticker != ticker_)
      return;
    auto mid = mid_price(q);
    mids_.push_back(mid);
    sum_ += convert<Money>(mid);
    if (mids_.size() > window_) {
      sum_ -= convert<Money>(mids_.front());
      mids_.pop_front();
    }
    if (mids_.size() < window_ || !in_flight_.empty())
      return;
    auto mean = div<Price>(sum_, Quantity::from_units(static_cast<int64_t>(window_)),
                           rounding::half_even);
    auto band = div<Rate>(band_bps_, Rate::from_units(10'000), rounding::half_even);
    auto floor = mean - mul<Price>(mean, band, rounding::half_even);
    auto pos = ctx.position(ticker_);
    if (pos.is_zero() && mid < floor)
      send(ctx, OrderSide::buy, quantity_);
    else if (pos.is_positive() && mid >= mean)
      send(ctx, OrderSide::sell, pos);
  }

  void on_update(strategy_context& ctx, const OrderUpdate& u) override {
    if (u.client_order_id != in_flight_ || !is_terminal(u.status))
      return;
    if (u.status == OrderStatus::rejected)
      ctx.log().warn("{} rejected: {}", u.client_order_id, u.reason);
    in_flight_.clear();
  }

private:
  void send(strategy_context& ctx, OrderSide side, Quantity qty) {
    OrderRequest o;
    o.ticker = ticker_;
    o.side = side;
    o.order_type = OrderType::market;
    o.quantity = qty;
    o.time_in_force = TimeInForce::day;
    in_flight_ = ctx.submit(std::move(o));
  }

  std::string ticker_;
  size_t window_ = 20;
  Rate band_bps_ = Rate::from_units(5);
  Quantity quantity_;
  std::deque<Price> mids_;
  Money sum_;
  std::string in_flight_; // client_order_id of the order in flight
};

const engine::plugin_class classes[] = {
  engine::plugin_class::of<mean_reversion>("mean_reversion"),
};

} // namespace

ENGINE_STRATEGY_PLUGIN(classes)
