// The legs of multi-leg orders (bracket, oco, oto): their engine ids and the orders they stand
// for. A venue makes each leg an order of its own; the engine names it after its parent, so
// the leg's updates and fills belong to the parent's strategy (docs/BROKERS_ALPACA.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "messages/orders.hpp"

namespace engine {

/// "<parent>.tp" for the take-profit leg, "<parent>.sl" for the stop-loss leg.
inline std::string leg_order_id(std::string_view parent, OrderLeg leg) {
  return std::string{parent} + (leg == OrderLeg::take_profit ? ".tp" : ".sl");
}

/// Splits a leg's engine id into its parent's id and the leg; false for any other id.
inline bool parse_leg_order_id(std::string_view id, std::string& parent, OrderLeg& leg) {
  if (id.size() < 4 || id[id.size() - 3] != '.')
    return false;
  auto tail = id.substr(id.size() - 2);
  if (tail == "tp")
    leg = OrderLeg::take_profit;
  else if (tail == "sl")
    leg = OrderLeg::stop_loss;
  else
    return false;
  parent = std::string{id.substr(0, id.size() - 3)};
  return true;
}

/// The legs the venue makes for an order, in Alpaca's order (take-profit first). An oco order
/// is itself the take-profit limit: its one leg is the stop-loss.
inline std::vector<OrderLeg> legs_of(const OrderRequest& o) {
  std::vector<OrderLeg> legs;
  bool tp = o.take_profit_limit_price.is_positive();
  bool sl = o.stop_loss_stop_price.is_positive();
  switch (o.order_class) {
    case OrderClass::simple: break;
    case OrderClass::bracket: legs = {OrderLeg::take_profit, OrderLeg::stop_loss}; break;
    case OrderClass::oco: legs = {OrderLeg::stop_loss}; break;
    case OrderClass::oto:
      if (tp)
        legs.push_back(OrderLeg::take_profit);
      else if (sl)
        legs.push_back(OrderLeg::stop_loss);
      break;
  }
  return legs;
}

/// The order a leg of `parent` is: an exit (the opposite side, except for an oco whose legs
/// both close the same position), the parent's quantity, time in force and strategy.
inline OrderRequest leg_request(const OrderRequest& parent, OrderLeg leg) {
  OrderRequest r;
  r.order_id = leg_order_id(parent.order_id, leg);
  r.client_order_id = r.order_id;
  r.ticker = parent.ticker;
  r.side = parent.order_class == OrderClass::oco ? parent.side : opposite(parent.side);
  r.quantity = parent.quantity;
  r.time_in_force = parent.time_in_force;
  r.timestamp = parent.timestamp;
  r.strategy = parent.strategy;
  r.broker = parent.broker;
  if (leg == OrderLeg::take_profit) {
    r.order_type = OrderType::limit;
    r.price = parent.take_profit_limit_price;
  } else {
    r.order_type = parent.stop_loss_limit_price.is_positive() ? OrderType::stop_limit
                                                              : OrderType::stop;
    r.stop_price = parent.stop_loss_stop_price;
    r.price = parent.stop_loss_limit_price;
  }
  return r;
}

} // namespace engine
