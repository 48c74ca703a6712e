// An order's state as the order book keeps it: OrderExecution's fields, packed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "messages/compact_id.hpp"
#include "messages/orders.hpp"

namespace engine {

/// What few open orders have: the reason an order finished or was refused, and what its
/// fills made of it.
struct order_story {
  std::string reason;
  std::vector<Fill> fills;
  Price average_price;
  Money commission;
  Money filled_notional; // exact sum of qty x price, for the average price
};

/// OrderExecution's fields with the ticker and strategy as ids of names the book interned
/// (order_book::name()) and the reason, the fills and what they add up to on the side, made
/// on first use: a resting order has none of them. order_book::execution() gives the
/// OrderExecution back.
struct order_state {
  compact_id order_id;
  compact_id client_order_id;
  uint32_t ticker = 0;   // order_book::name(ticker)
  uint32_t strategy = 0; // order_book::name(strategy)
  OrderSide side = OrderSide::buy;
  OrderType order_type = OrderType::market;
  TimeInForce time_in_force = TimeInForce::day;
  OrderStatus status = OrderStatus::pending_new;
  Quantity quantity;
  Price price;
  Price stop_price;
  Quantity executed_quantity;
  timestamp_ns timestamp = 0;
  std::unique_ptr<order_story> story; // null: no reason, no fills

  const std::string& reason() const { return story ? story->reason : no_text(); }
  void set_reason(std::string why) { told().reason = std::move(why); }

  const std::vector<Fill>& fills() const { return story ? story->fills : no_fills(); }
  void add_fill(Fill f) { told().fills.push_back(std::move(f)); }

  Price average_price() const { return story ? story->average_price : Price{}; }
  void set_average_price(Price p) {
    if (story || !p.is_zero())
      told().average_price = p;
  }
  Money commission() const { return story ? story->commission : Money{}; }
  void add_commission(Money c) {
    if (story || !c.is_zero())
      told().commission += c;
  }
  Money filled_notional() const { return story ? story->filled_notional : Money{}; }
  void add_filled_notional(Money n) {
    if (story || !n.is_zero())
      told().filled_notional += n;
  }
  /// The fill with this exec id, to change its commission; null when there is none.
  Fill* fill(const std::string& exec_id) {
    if (story)
      for (auto& f : story->fills)
        if (f.exec_id == exec_id)
          return &f;
    return nullptr;
  }

private:
  order_story& told() {
    if (!story)
      story = std::make_unique<order_story>();
    return *story;
  }
  static const std::string& no_text() {
    static const std::string empty;
    return empty;
  }
  static const std::vector<Fill>& no_fills() {
    static const std::vector<Fill> none;
    return none;
  }
};

} // namespace engine
