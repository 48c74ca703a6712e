// Pre-trade checks: validity, kill switch, collar, sizes, daily trades, buying power, rate.
#include "actors/risk/risk_rules.hpp"

#include "actors/risk/leg_rules.hpp"

#include "messages/order_state_machine.hpp"

#include <utility>

namespace engine {

namespace {

constexpr __int128 rate_scale = Rate::scale;

refusal reject(RejectReason reason, std::string detail) {
  return refusal{reason, std::move(detail)};
}

/// Returns what is wrong with the order's fields for its type, or nullopt when valid.
std::optional<std::string> invalid_fields(const OrderRequest& o) {
  if (o.ticker.empty())
    return "empty ticker";
  if (static_cast<size_t>(o.side) >= enum_count<OrderSide>)
    return "unknown side";
  if (static_cast<size_t>(o.order_type) >= enum_count<OrderType>)
    return "unknown order type";
  if (static_cast<size_t>(o.time_in_force) >= enum_count<TimeInForce>)
    return "unknown time in force";
  if (!o.quantity.is_positive())
    return "quantity must be positive, got " + o.quantity.to_string();
  if (o.price.is_negative())
    return "negative limit price " + o.price.to_string();
  if (o.stop_price.is_negative())
    return "negative stop price " + o.stop_price.to_string();
  if (o.trail_amount.is_negative() || o.trail_percent.is_negative())
    return "negative trail";
  switch (o.order_type) {
    case OrderType::market:
      if (!o.price.is_zero())
        return "market order with a limit price";
      break;
    case OrderType::limit:
      if (!o.price.is_positive())
        return "limit order without a limit price";
      break;
    case OrderType::stop:
      if (!o.stop_price.is_positive())
        return "stop order without a stop price";
      break;
    case OrderType::stop_limit:
      if (!o.stop_price.is_positive())
        return "stop_limit order without a stop price";
      if (!o.price.is_positive())
        return "stop_limit order without a limit price";
      break;
    case OrderType::trailing_stop:
      if (!o.trail_amount.is_positive() && !o.trail_percent.is_positive())
        return "trailing_stop order without a trail amount or percent";
      break;
  }
  return std::nullopt;
}

bool has_limit_price(OrderType t) {
  return t == OrderType::limit || t == OrderType::stop_limit;
}

bool has_stop_price(OrderType t) {
  return t == OrderType::stop || t == OrderType::stop_limit;
}

/// |px − last| > collar × last, compared exactly (Price and Rate raws in 128 bits).
bool outside_collar(Price px, Price last, Rate collar) {
  __int128 dist = static_cast<__int128>(px.raw()) - last.raw();
  if (dist < 0)
    dist = -dist;
  return dist * rate_scale > static_cast<__int128>(collar.raw()) * last.raw();
}

} // namespace

risk_rules::risk_rules(RiskLimits limits) : limits_(std::move(limits)) {}

void risk_rules::on_last_price(const std::string& ticker, Price px) {
  last_prices_[ticker] = px;
}

std::optional<Price> risk_rules::last_price(const std::string& ticker) const {
  auto it = last_prices_.find(ticker);
  if (it == last_prices_.end())
    return std::nullopt;
  return it->second;
}

void risk_rules::start_day(int64_t session_day) {
  if (session_day_ && *session_day_ != session_day) {
    daily_trades_ = 0;
  }
  session_day_ = session_day;
}

void risk_rules::on_fill(const Fill&, int64_t session_day) {
  start_day(session_day);
  ++daily_trades_;
}

std::optional<Price> risk_rules::reference_price(const OrderRequest& o,
                                                 const position_book& book) const {
  // The limit price bounds what the order can cost; otherwise the market decides.
  if (has_limit_price(o.order_type))
    return o.price;
  if (auto last = last_price(o.ticker))
    return last;
  if (auto mark = book.mark_price(o.ticker))
    return mark;
  if (has_stop_price(o.order_type))
    return o.stop_price;
  return std::nullopt;
}

void risk_rules::prune_window(timestamp_ns now) {
  // Window is (now − 1 s, now]: an order exactly one second old no longer counts.
  while (!accepted_.empty() && accepted_.front() <= now - rate_window_ns)
    accepted_.pop_front();
}

std::optional<refusal> risk_rules::check(const OrderRequest& o, const position_book& book,
                                         timestamp_ns now) {
  try {
    return evaluate(o, book, now);
  } catch (const decimal_overflow&) {
    // Backstop: every notional is computed with try_*; the book's equity may still overflow.
    return reject(RejectReason::invalid_order, "notional overflow");
  }
}

std::optional<refusal> risk_rules::evaluate(const OrderRequest& o, const position_book& book,
                                            timestamp_ns now) {
  if (limits_.trading_state == TradingState::halted)
    return reject(RejectReason::trading_halted, "trading is halted: only cancels are accepted");

  if (auto what = invalid_fields(o))
    return reject(RejectReason::invalid_order, *what);
  if (auto what = invalid_legs(o, o.order_type == OrderType::limit ? std::optional<Price>{o.price}
                                                                    : last_price(o.ticker)))
    return reject(RejectReason::invalid_order, *what);

  const Quantity current = book.quantity(o.ticker);
  const Quantity delta = o.side == OrderSide::buy ? o.quantity : -o.quantity;
  // Worst case: every open order on the same side fills before this one.
  const Quantity pending = open_quantity(o.ticker, o.side);
  auto with_pending = Quantity::try_add(current, o.side == OrderSide::buy ? pending : -pending);
  if (!with_pending)
    return reject(RejectReason::invalid_order, "quantity overflow");
  auto resulting = Quantity::try_add(*with_pending, delta);
  if (!resulting)
    return reject(RejectReason::invalid_order, "quantity overflow");
  // Reduces the absolute position without flipping it: such orders only lower risk.
  const bool reduces = !current.is_zero() && current.is_positive() != delta.is_positive()
                       && o.quantity <= current.abs();

  if ((limits_.trading_state == TradingState::reducing || ticker_reducing(o.ticker)) && !reduces)
    return reject(RejectReason::reducing_only,
                  "trading is reducing-only: position " + current.to_string() + ", order "
                    + to_string(o.side) + " " + o.quantity.to_string());

  if (limits_.price_collar.is_positive()) {
    if (auto last = last_price(o.ticker); last && last->is_positive()) {
      if (has_limit_price(o.order_type) && outside_collar(o.price, *last, limits_.price_collar))
        return reject(RejectReason::price_collar,
                      "limit price " + o.price.to_string() + " is more than "
                        + limits_.price_collar.to_string() + " from last " + last->to_string());
      if (has_stop_price(o.order_type)
          && outside_collar(o.stop_price, *last, limits_.price_collar))
        return reject(RejectReason::price_collar,
                      "stop price " + o.stop_price.to_string() + " is more than "
                        + limits_.price_collar.to_string() + " from last "
                        + last->to_string());
    }
  }

  auto ref = reference_price(o, book);
  if (!ref)
    return reject(RejectReason::invalid_order, "no reference price for " + o.ticker);
  auto order_notional = try_notional(o.quantity, *ref);
  if (!order_notional)
    return reject(RejectReason::invalid_order, "notional overflow");

  if (limits_.max_order_size.is_positive() && *order_notional > limits_.max_order_size)
    return reject(RejectReason::max_order_size,
                  "notional " + order_notional->to_string() + " > max_order_size "
                    + limits_.max_order_size.to_string());

  if (limits_.max_position_size.is_positive() && !reduces) {
    auto value = try_notional(resulting->abs(), *ref);
    if (!value)
      return reject(RejectReason::invalid_order, "notional overflow");
    const Money equity = book.equity();
    // value > fraction × equity, exactly: Money raws scaled by the Rate's 1e9.
    if (static_cast<__int128>(value->raw()) * rate_scale
        > static_cast<__int128>(limits_.max_position_size.raw()) * equity.raw())
      return reject(RejectReason::max_position_size,
                    "position value " + value->to_string() + " > "
                      + limits_.max_position_size.to_string() + " of equity "
                      + equity.to_string());
  }

  if (limits_.max_daily_trades > 0 && daily_trades_ >= limits_.max_daily_trades)
    return reject(RejectReason::max_daily_trades,
                  "daily trades " + std::to_string(daily_trades_) + " >= max_daily_trades "
                    + std::to_string(limits_.max_daily_trades));

  if (!reduces) {
    if (o.side == OrderSide::buy) {
      // Cash already promised to open buys is not available again.
      const Money cash = book.cash() - open_buy_notional_;
      if (cash < *order_notional)
        return reject(RejectReason::buying_power,
                      "buy notional " + order_notional->to_string() + " > cash "
                        + cash.to_string() + " not committed to open buys");
    } else if (auto r = check_margin(o, book, current, *resulting, *ref, *order_notional)) {
      return r;
    }
  }

  prune_window(now);
  if (limits_.max_orders_per_second > 0
      && static_cast<int64_t>(accepted_.size()) >= limits_.max_orders_per_second)
    return reject(RejectReason::rate_limit,
                  std::to_string(accepted_.size()) + " orders in the last second, max "
                    + std::to_string(limits_.max_orders_per_second));
  accepted_.push_back(now);
  if (!o.order_id.empty())
    track_open(o, *ref);
  return std::nullopt;
}

void risk_rules::track_open(const OrderRequest& o, Price ref) {
  auto ticker = tickers_.intern(o.ticker);
  if (ticker == exposure_.size())
    exposure_.emplace_back();
  auto candidate = static_cast<uint32_t>(free_open_.empty() ? open_orders_.size()
                                                            : free_open_.back());
  auto i = open_by_id_.find_or_insert(o.order_id, candidate);
  if (i != candidate) {
    // The same id again (as the map's assignment did): it replaces the old
    // entry, whose exposure stays counted until released by updates.
    open_orders_[i] = open_order{compact_id{o.order_id}, ticker, o.side, o.quantity, ref};
  } else if (i == open_orders_.size()) {
    open_orders_.push_back(open_order{compact_id{o.order_id}, ticker, o.side, o.quantity, ref});
  } else {
    free_open_.pop_back();
    open_orders_[i] = open_order{compact_id{o.order_id}, ticker, o.side, o.quantity, ref};
  }
  if (o.side == OrderSide::buy) {
    exposure_[ticker].buys += o.quantity;
    open_buy_notional_ += notional(o.quantity, ref);
  } else {
    exposure_[ticker].sells += o.quantity;
  }
}

void risk_rules::on_order_update(const OrderUpdate& u) {
  auto i = open_by_id_.find(u.order_id);
  if (!i)
    return;
  auto& oo = open_orders_[*i];
  bool done = is_terminal(u.status);
  Quantity leaves = done ? Quantity{} : u.leaves_quantity;
  if (leaves > oo.leaves)
    leaves = oo.leaves; // an update never adds exposure it was not checked for
  auto released = oo.leaves - leaves;
  if (oo.side == OrderSide::buy) {
    exposure_[oo.ticker].buys -= released;
    open_buy_notional_ -= notional(released, oo.ref);
  } else {
    exposure_[oo.ticker].sells -= released;
  }
  oo.leaves = leaves;
  if (done) {
    open_by_id_.erase(oo.order_id);
    oo = open_order{};
    free_open_.push_back(*i);
  }
}

Quantity risk_rules::open_quantity(const std::string& ticker, OrderSide side) const {
  auto t = tickers_.find(ticker);
  if (!t)
    return Quantity{};
  return side == OrderSide::buy ? exposure_[*t].buys : exposure_[*t].sells;
}

std::optional<refusal> risk_rules::check_margin(const OrderRequest& o,
                                                const position_book& book, Quantity current,
                                                Quantity resulting, Price ref,
                                                Money order_notional) const {
  // A sell that opens or grows a short: equity after the order (sale proceeds in, the
  // position revalued at its mark) must cover 50% of all short notional after the order.
  const Price mark = book.mark_price(o.ticker).value_or(ref);
  auto before = try_notional(current, mark);
  auto after = try_notional(resulting, mark);
  if (!before || !after)
    return reject(RejectReason::invalid_order, "notional overflow");
  const Money equity_after = book.equity() + order_notional - (*before - *after);
  Money shorts_after = book.short_market_value();
  if (current.is_negative())
    shorts_after -= before->abs();
  if (resulting.is_negative())
    shorts_after += after->abs();
  const __int128 cover = static_cast<__int128>(equity_after.raw()) * 100;
  const __int128 needed = static_cast<__int128>(shorts_after.raw()) * short_margin_percent;
  if (cover < needed)
    return reject(RejectReason::buying_power,
                  "short margin: equity after order " + equity_after.to_string()
                    + " < 50% of short notional " + shorts_after.to_string());
  return std::nullopt;
}

} // namespace engine
