// Multi-leg order checks (see leg_rules.hpp).
#include "actors/risk/leg_rules.hpp"

namespace engine {

namespace {

const Price cent = Price::from_raw(Price::scale / 100);

std::string cls(const OrderRequest& o) { return to_string(o.order_class); }

/// A buy's take-profit is above its base and its stop below (a sell's the other way round).
std::optional<std::string> against_base(const OrderRequest& o, Price base) {
  bool buy = o.side == OrderSide::buy;
  Price tp = o.take_profit_limit_price;
  Price sl = o.stop_loss_stop_price;
  if (tp.is_positive() && (buy ? tp < base + cent : tp > base - cent))
    return cls(o) + ": take_profit_limit_price " + tp.to_string() + " must be "
           + (buy ? ">= " + (base + cent).to_string() : "<= " + (base - cent).to_string())
           + " (base price " + base.to_string() + (buy ? " + 0.01)" : " - 0.01)");
  if (sl.is_positive() && (buy ? sl > base - cent : sl < base + cent))
    return cls(o) + ": stop_loss_stop_price " + sl.to_string() + " must be "
           + (buy ? "<= " + (base - cent).to_string() : ">= " + (base + cent).to_string())
           + " (base price " + base.to_string() + (buy ? " - 0.01)" : " + 0.01)");
  return std::nullopt;
}

} // namespace

std::optional<std::string> invalid_legs(const OrderRequest& o, std::optional<Price> base) {
  if (static_cast<size_t>(o.order_class) >= enum_count<OrderClass>)
    return std::string{"unknown order class"};
  Price tp = o.take_profit_limit_price;
  Price sl = o.stop_loss_stop_price;
  Price sll = o.stop_loss_limit_price;
  if (tp.is_negative() || sl.is_negative() || sll.is_negative())
    return std::string{"negative leg price"};
  if (sll.is_positive() && !sl.is_positive())
    return cls(o) + ": stop_loss_limit_price without a stop_loss_stop_price";
  if (o.extended_hours
      && (o.order_type != OrderType::limit || o.time_in_force != TimeInForce::day
          || o.order_class != OrderClass::simple))
    return std::string{"extended_hours: only a simple limit order with time in force day"};
  bool tif_ok = o.time_in_force == TimeInForce::day || o.time_in_force == TimeInForce::gtc;
  switch (o.order_class) {
    case OrderClass::simple:
      if (tp.is_positive() || sl.is_positive())
        return std::string{"simple order with take_profit or stop_loss legs: use order_class "
                           "bracket, oco or oto"};
      return std::nullopt;
    case OrderClass::bracket:
    case OrderClass::oto: {
      if (o.order_type != OrderType::market && o.order_type != OrderType::limit)
        return cls(o) + ": the entry must be a market or limit order, not "
               + to_string(o.order_type);
      if (!tif_ok)
        return cls(o) + ": time in force must be day or gtc, not " + to_string(o.time_in_force);
      if (o.order_class == OrderClass::bracket && (!tp.is_positive() || !sl.is_positive()))
        return std::string{"bracket: needs take_profit_limit_price and stop_loss_stop_price"};
      if (o.order_class == OrderClass::oto && tp.is_positive() == sl.is_positive())
        return std::string{"oto: needs exactly one of take_profit_limit_price and "
                           "stop_loss_stop_price"};
      if (o.order_class == OrderClass::bracket
          && (o.side == OrderSide::buy ? tp <= sl : tp >= sl))
        return "bracket: take_profit_limit_price " + tp.to_string() + " must be "
               + (o.side == OrderSide::buy ? "above" : "below") + " stop_loss_stop_price "
               + sl.to_string() + " for a " + to_string(o.side);
      if (base && base->is_positive())
        return against_base(o, *base);
      return std::nullopt;
    }
    case OrderClass::oco:
      if (o.order_type != OrderType::limit)
        return std::string{"oco: must be a limit order (it is the take-profit exit)"};
      if (!tif_ok)
        return "oco: time in force must be day or gtc, not " + to_string(o.time_in_force);
      if (!tp.is_positive() || !sl.is_positive())
        return std::string{"oco: needs take_profit_limit_price and stop_loss_stop_price"};
      if (o.price != tp)
        return "oco: price " + o.price.to_string() + " must equal take_profit_limit_price "
               + tp.to_string();
      // An oco closes a position: a sell takes profit above its stop, a buy below.
      if (o.side == OrderSide::sell ? tp <= sl : tp >= sl)
        return "oco: take_profit_limit_price " + tp.to_string() + " must be "
               + (o.side == OrderSide::sell ? "above" : "below") + " stop_loss_stop_price "
               + sl.to_string() + " for a " + to_string(o.side);
      return std::nullopt;
  }
  return std::nullopt;
}

} // namespace engine
