// Order messages: requests from strategies, updates and fills back to them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/decimal.hpp"
#include "messages/enums.hpp"
#include "messages/field.hpp"
#include "messages/reject_reason.hpp"

namespace engine {

/// Nanoseconds since the Unix epoch, on the engine's clock (wall or simulated).
using timestamp_ns = int64_t;

/// A new order. Optional prices are zero when not set (a limit order's price
/// must be positive; a market order's must be zero).
struct OrderRequest {
  std::string order_id;        // assigned by the order manager; empty from a strategy
  std::string ticker;
  OrderSide side = OrderSide::buy;
  OrderType order_type = OrderType::market;
  Quantity quantity;
  Price price;                 // limit price (limit, stop_limit)
  Price stop_price;            // trigger (stop, stop_limit)
  TimeInForce time_in_force = TimeInForce::day;
  std::string client_order_id; // the submitter's idempotency key
  timestamp_ns timestamp = 0;
  Price trail_amount;          // trailing_stop by amount
  Rate trail_percent;          // trailing_stop by fraction (0.01 = 1%)
  timestamp_ns expire_time = 0; // gtd
  std::string strategy;        // who submitted: receives updates and fills
  std::string broker;          // the venue to route to; empty: the default broker
  // Multi-leg orders (messages/order_legs.hpp): the legs' prices; zero when not set.
  OrderClass order_class = OrderClass::simple;
  Price take_profit_limit_price; // take_profit leg: its limit price
  Price stop_loss_stop_price;    // stop_loss leg: its trigger
  Price stop_loss_limit_price;   // stop_loss leg: its limit (zero: a stop, not a stop_limit)
  bool extended_hours = false;   // may trade outside regular hours (limit + day only)
};

/// The fields after `broker` were added later: optional, so older journals still decode.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, OrderRequest& x) {
  return f(caf::meta::type_name("OrderRequest"), ENGINE_FIELD(x, order_id),
           ENGINE_FIELD(x, ticker), ENGINE_FIELD(x, side), ENGINE_FIELD(x, order_type),
           ENGINE_FIELD(x, quantity), ENGINE_FIELD(x, price), ENGINE_FIELD(x, stop_price),
           ENGINE_FIELD(x, time_in_force), ENGINE_FIELD(x, client_order_id),
           ENGINE_FIELD(x, timestamp), ENGINE_FIELD(x, trail_amount),
           ENGINE_FIELD(x, trail_percent), ENGINE_FIELD(x, expire_time),
           ENGINE_FIELD(x, strategy), ENGINE_FIELD(x, broker),
           ENGINE_OPTIONAL_FIELD(x, order_class),
           ENGINE_OPTIONAL_FIELD(x, take_profit_limit_price),
           ENGINE_OPTIONAL_FIELD(x, stop_loss_stop_price),
           ENGINE_OPTIONAL_FIELD(x, stop_loss_limit_price),
           ENGINE_OPTIONAL_FIELD(x, extended_hours));
}

struct CancelRequest {
  std::string order_id;
  std::string client_order_id;
  std::string reason;
  timestamp_ns timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CancelRequest& x) {
  return f(caf::meta::type_name("CancelRequest"), ENGINE_FIELD(x, order_id),
           ENGINE_FIELD(x, client_order_id), ENGINE_FIELD(x, reason),
           ENGINE_FIELD(x, timestamp));
}

/// Changes quantity and/or prices of a resting order (zero keeps the old value).
struct ReplaceRequest {
  std::string order_id;
  Quantity quantity;
  Price price;
  Price stop_price;
  timestamp_ns timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ReplaceRequest& x) {
  return f(caf::meta::type_name("ReplaceRequest"), ENGINE_FIELD(x, order_id),
           ENGINE_FIELD(x, quantity), ENGINE_FIELD(x, price), ENGINE_FIELD(x, stop_price),
           ENGINE_FIELD(x, timestamp));
}

/// One execution against an order.
struct Fill {
  std::string exec_id; // unique per fill: the dedup key of the journal
  std::string order_id;
  std::string client_order_id;
  std::string ticker;
  OrderSide side = OrderSide::buy;
  Quantity quantity;
  Price price;
  Money commission;
  timestamp_ns timestamp = 0;
  std::string broker;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Fill& x) {
  return f(caf::meta::type_name("Fill"), ENGINE_FIELD(x, exec_id), ENGINE_FIELD(x, order_id),
           ENGINE_FIELD(x, client_order_id), ENGINE_FIELD(x, ticker), ENGINE_FIELD(x, side),
           ENGINE_FIELD(x, quantity), ENGINE_FIELD(x, price), ENGINE_FIELD(x, commission),
           ENGINE_FIELD(x, timestamp), ENGINE_FIELD(x, broker));
}

/// A change of an order's state, sent to the submitter and monitors.
struct OrderUpdate {
  std::string order_id;
  std::string client_order_id;
  std::string ticker;
  OrderSide side = OrderSide::buy;
  OrderStatus status = OrderStatus::pending_new;
  Quantity executed_quantity;
  Quantity leaves_quantity;
  Price average_price;
  Money commission;
  std::string reason; // why rejected, canceled or expired, for people: "name: detail"
  timestamp_ns timestamp = 0;
  std::string strategy;
  RejectReason reject = RejectReason::none; // the refusal's code, the name in `reason`
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, OrderUpdate& x) {
  return f(caf::meta::type_name("OrderUpdate"), ENGINE_FIELD(x, order_id),
           ENGINE_FIELD(x, client_order_id), ENGINE_FIELD(x, ticker), ENGINE_FIELD(x, side),
           ENGINE_FIELD(x, status), ENGINE_FIELD(x, executed_quantity),
           ENGINE_FIELD(x, leaves_quantity), ENGINE_FIELD(x, average_price),
           ENGINE_FIELD(x, commission), ENGINE_FIELD(x, reason), ENGINE_FIELD(x, timestamp),
           ENGINE_FIELD(x, strategy), ENGINE_OPTIONAL_FIELD(x, reject));
}

/// Marks an update refused: the code and its text are set together, so they never disagree.
inline void set_refusal(OrderUpdate& u, const refusal& r) {
  u.reject = r.code;
  u.reason = r.text();
}

/// The full state of an order with its fills (the seed's OrderExecution).
struct OrderExecution {
  std::string order_id;
  std::string client_order_id;
  std::string ticker;
  OrderSide side = OrderSide::buy;
  OrderType order_type = OrderType::market;
  Quantity quantity;
  Price price;
  Price stop_price;
  TimeInForce time_in_force = TimeInForce::day;
  Quantity executed_quantity;
  Price average_price;
  Money commission;
  timestamp_ns timestamp = 0;
  OrderStatus status = OrderStatus::pending_new;
  std::string reason;
  std::string strategy;
  std::vector<Fill> fills;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, OrderExecution& x) {
  return f(caf::meta::type_name("OrderExecution"), ENGINE_FIELD(x, order_id),
           ENGINE_FIELD(x, client_order_id), ENGINE_FIELD(x, ticker), ENGINE_FIELD(x, side),
           ENGINE_FIELD(x, order_type), ENGINE_FIELD(x, quantity), ENGINE_FIELD(x, price),
           ENGINE_FIELD(x, stop_price), ENGINE_FIELD(x, time_in_force),
           ENGINE_FIELD(x, executed_quantity), ENGINE_FIELD(x, average_price),
           ENGINE_FIELD(x, commission), ENGINE_FIELD(x, timestamp), ENGINE_FIELD(x, status),
           ENGINE_FIELD(x, reason), ENGINE_FIELD(x, strategy), ENGINE_FIELD(x, fills));
}

/// A new order's execution record: its request's fields, nothing executed yet.
inline OrderExecution execution_from(const OrderRequest& req) {
  OrderExecution e;
  e.order_id = req.order_id;
  e.client_order_id = req.client_order_id;
  e.ticker = req.ticker;
  e.side = req.side;
  e.order_type = req.order_type;
  e.quantity = req.quantity;
  e.price = req.price;
  e.stop_price = req.stop_price;
  e.time_in_force = req.time_in_force;
  e.timestamp = req.timestamp;
  e.status = OrderStatus::pending_new;
  e.strategy = req.strategy;
  return e;
}

/// What a broker reports about an order: the event, the order's state after
/// it, and the execution when the event is a fill.
struct ExecutionReport {
  OrderEvent event = OrderEvent::accept;
  OrderUpdate update;
  Fill fill; // set for partial_fill and fill
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ExecutionReport& x) {
  return f(caf::meta::type_name("ExecutionReport"), ENGINE_FIELD(x, event),
           ENGINE_FIELD(x, update), ENGINE_FIELD(x, fill));
}

/// How many orders ended how, for the status line and the run report.
struct ReasonCount {
  std::string reason;
  int64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ReasonCount& x) {
  return f(caf::meta::type_name("ReasonCount"), ENGINE_FIELD(x, reason), ENGINE_FIELD(x, count));
}

/// A broker connection's state change, published by its supervisor (docs/BROKERS.md).
struct BrokerStatus {
  std::string broker;
  BrokerState state = BrokerState::connecting;
  std::string reason;
  int64_t restarts = 0;      // connections started after the first
  timestamp_ns timestamp = 0;
  int64_t attempt = 0;       // reconnecting: the attempt this delay leads to (1, 2, ...)
  int64_t next_delay_ms = 0; // reconnecting: the backoff before that attempt
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, BrokerStatus& x) {
  return f(caf::meta::type_name("BrokerStatus"), ENGINE_FIELD(x, broker), ENGINE_FIELD(x, state),
           ENGINE_FIELD(x, reason), ENGINE_FIELD(x, restarts), ENGINE_FIELD(x, timestamp),
           ENGINE_FIELD(x, attempt), ENGINE_FIELD(x, next_delay_ms));
}

struct OrderStats {
  int64_t submitted = 0;
  int64_t filled = 0;
  int64_t partially_filled = 0;
  int64_t canceled = 0;
  int64_t rejected = 0;
  int64_t expired = 0;
  int64_t open = 0;
  int64_t fills = 0;
  std::vector<ReasonCount> rejects_by_reason;
  std::string halt_reason; // non-empty once the engine refuses new orders (journal failure)
  int64_t unknown = 0;     // orders whose outcome waits for reconciliation
  /// What reconciliations found, by kind: fills_recovered, orders_closed, orders_adopted,
  /// unknown_resolved, position_mismatches.
  std::vector<ReasonCount> reconciliation;
  std::vector<BrokerStatus> brokers; // each broker's state as the order manager last heard it
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, OrderStats& x) {
  return f(caf::meta::type_name("OrderStats"), ENGINE_FIELD(x, submitted), ENGINE_FIELD(x, filled),
           ENGINE_FIELD(x, partially_filled), ENGINE_FIELD(x, canceled),
           ENGINE_FIELD(x, rejected), ENGINE_FIELD(x, expired), ENGINE_FIELD(x, open),
           ENGINE_FIELD(x, fills), ENGINE_FIELD(x, rejects_by_reason),
           ENGINE_FIELD(x, halt_reason), ENGINE_FIELD(x, unknown),
           ENGINE_FIELD(x, reconciliation), ENGINE_FIELD(x, brokers));
}

} // namespace engine
