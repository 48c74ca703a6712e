// Stop-loss / take-profit planning: one SL and one TP per open position, replaced on change.
#include "actors/risk/protective_orders.hpp"

#include <utility>

namespace engine {

namespace {

constexpr int64_t cent_tick = Price::scale / 100;      // 0.01
constexpr int64_t sub_dollar_tick = Price::scale / 10000; // 0.0001

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

} // namespace

protective_orders::protective_orders(Rate stop_loss_pct, Rate take_profit_pct,
                                     std::string id_tag, std::string strategy)
  : stop_loss_pct_(stop_loss_pct),
    take_profit_pct_(take_profit_pct),
    id_tag_(std::move(id_tag)),
    strategy_(std::move(strategy)) {}

void protective_orders::set_pcts(Rate stop_loss_pct, Rate take_profit_pct) {
  stop_loss_pct_ = stop_loss_pct;
  take_profit_pct_ = take_profit_pct;
}

Price protective_orders::round_to_tick(Price px, rounding mode) {
  const int64_t tick = px.raw() >= Price::scale ? cent_tick : sub_dollar_tick;
  return px.round_to(Price::from_raw(tick), mode);
}

std::optional<Price> protective_orders::protective_price(Price avg, Rate pct, bool above,
                                                         rounding mode) {
  const __int128 factor = above ? static_cast<__int128>(Rate::scale) + pct.raw()
                                : static_cast<__int128>(Rate::scale) - pct.raw();
  if (factor <= 0 || !avg.is_positive())
    return std::nullopt;
  // The exact product is in units of 1e-15 dollars; divide once, straight onto the tick.
  const __int128 exact = static_cast<__int128>(avg.raw()) * factor;
  const __int128 one_dollar = static_cast<__int128>(Price::scale) * Rate::scale;
  const int64_t tick = exact >= one_dollar ? cent_tick : sub_dollar_tick;
  auto ticks = detail::div_round(exact, static_cast<__int128>(tick) * Rate::scale, mode);
  if (!ticks || *ticks <= 0)
    return std::nullopt;
  const __int128 raw = static_cast<__int128>(*ticks) * tick;
  if (raw > INT64_MAX)
    return std::nullopt;
  return Price::from_raw(static_cast<int64_t>(raw));
}

std::string protective_orders::next_id(const char* prefix, const std::string& ticker) {
  std::string id = prefix + ticker + "-";
  if (!id_tag_.empty())
    id += id_tag_ + "-";
  return id + std::to_string(++seq_);
}

protective_plan protective_orders::on_position_change(const std::string& ticker, Quantity qty,
                                                      Price avg_price) {
  protective_plan plan;
  auto it = by_ticker_.find(ticker);
  if (it != by_ticker_.end()) {
    if (it->second.quantity == qty && it->second.average_price == avg_price)
      return plan; // nothing changed: the live orders still fit
    for (auto& id : it->second.order_ids) {
      ticker_by_id_.erase(id);
      plan.cancel.push_back(std::move(id));
    }
    by_ticker_.erase(it);
  }
  if (qty.is_zero())
    return plan;

  protection prot;
  prot.quantity = qty;
  prot.average_price = avg_price;
  const bool is_long = qty.is_positive();
  const OrderSide exit_side = is_long ? OrderSide::sell : OrderSide::buy;
  auto make = [&](const char* prefix, OrderType type, Price px) {
    OrderRequest o;
    o.ticker = ticker;
    o.side = exit_side;
    o.order_type = type;
    o.quantity = qty.abs();
    if (type == OrderType::stop)
      o.stop_price = px;
    else
      o.price = px;
    o.time_in_force = TimeInForce::gtc; // protection outlives the session
    o.client_order_id = next_id(prefix, ticker);
    o.strategy = strategy_;
    prot.order_ids.push_back(o.client_order_id);
    ticker_by_id_[o.client_order_id] = ticker;
    plan.place.push_back(std::move(o));
  };
  // Stop below a long / above a short; take-profit the other side. Both round towards avg.
  if (stop_loss_pct_.is_positive()) {
    auto px = is_long ? protective_price(avg_price, stop_loss_pct_, false, rounding::ceiling)
                      : protective_price(avg_price, stop_loss_pct_, true, rounding::floor);
    if (px)
      make(stop_loss_prefix, OrderType::stop, *px);
  }
  if (take_profit_pct_.is_positive()) {
    auto px = is_long ? protective_price(avg_price, take_profit_pct_, true, rounding::floor)
                      : protective_price(avg_price, take_profit_pct_, false, rounding::ceiling);
    if (px)
      make(take_profit_prefix, OrderType::limit, *px);
  }
  // Remember the position even without orders, so an unchanged one stays a no-op.
  by_ticker_[ticker] = std::move(prot);
  return plan;
}

void protective_orders::on_order_done(const std::string& client_order_id) {
  auto it = ticker_by_id_.find(client_order_id);
  if (it == ticker_by_id_.end())
    return;
  auto& ids = by_ticker_[it->second].order_ids;
  for (auto i = ids.begin(); i != ids.end(); ++i)
    if (*i == client_order_id) {
      ids.erase(i);
      break;
    }
  ticker_by_id_.erase(it);
}

std::vector<std::string> protective_orders::live_orders(const std::string& ticker) const {
  auto it = by_ticker_.find(ticker);
  return it != by_ticker_.end() ? it->second.order_ids : std::vector<std::string>{};
}

std::optional<std::string> protective_orders::ticker_of(const std::string& client_order_id) const {
  auto it = ticker_by_id_.find(client_order_id);
  if (it == ticker_by_id_.end())
    return std::nullopt;
  return it->second;
}

bool protective_orders::is_protective(const std::string& client_order_id) {
  return is_stop_loss(client_order_id) || is_take_profit(client_order_id);
}

bool protective_orders::is_stop_loss(const std::string& client_order_id) {
  return starts_with(client_order_id, stop_loss_prefix);
}

bool protective_orders::is_take_profit(const std::string& client_order_id) {
  return starts_with(client_order_id, take_profit_prefix);
}

} // namespace engine
