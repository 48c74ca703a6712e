// Alpaca Trading API v2 JSON <-> engine types: order bodies, order objects, trade_updates
// events, account, positions and FILL activities. No sockets, no threads: table-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/all_messages.hpp"

namespace engine::alpaca {

// ---- scalars -----------------------------------------------------------------------------

/// RFC 3339 time ("2021-03-16T18:38:01.942282Z", 0 to 9 fractional digits, Z or +hh:mm)
/// to UTC nanoseconds; nullopt when malformed.
std::optional<timestamp_ns> parse_timestamp(std::string_view text);
/// UTC nanoseconds as RFC 3339 with the fraction's trailing zeros trimmed, as Alpaca prints.
std::string format_timestamp(timestamp_ns ns);

/// A decimal string with more fractional digits than T keeps (filled_avg_price can carry
/// many), rounded half-even to T's scale; nullopt when malformed.
template <class T>
std::optional<T> parse_rounded(std::string_view text);

/// Alpaca's wire names for the engine's enums (nullopt: not expressible at Alpaca).
std::optional<std::string_view> order_type_name(OrderType t);
std::optional<std::string_view> time_in_force_name(TimeInForce t);
std::optional<OrderType> order_type_from(std::string_view s);
std::optional<TimeInForce> time_in_force_from(std::string_view s);

/// An Alpaca order status (new, accepted, partially_filled, filled, done_for_day, canceled,
/// expired, replaced, pending_cancel, pending_replace, pending_new, accepted_for_bidding,
/// stopped, rejected, suspended, calculated) as the engine's status.
std::optional<OrderStatus> status_from(std::string_view s);

/// The engine order id behind a client_order_id: replacements are sent as "<id>.r<n>", so a
/// fresh connection (with no memory) still maps every order back to the engine's id.
std::string engine_order_id(std::string_view client_order_id);
/// The client_order_id of the n-th replacement (n >= 1) of engine order `id`.
std::string replacement_client_id(std::string_view id, int n);

// ---- requests ----------------------------------------------------------------------------

/// A request body or why the order cannot be expressed at Alpaca.
struct body_result {
  std::string body;
  std::string error; // empty when body is valid
};

/// POST /v2/orders body: the engine order_id as client_order_id, exact decimal strings; a
/// bracket, oco or oto order with order_class, take_profit {limit_price} and stop_loss
/// {stop_price, limit_price}; extended_hours when set. An oco carries no top-level limit_price
/// (its take_profit is it).
body_result order_body(const OrderRequest& order);
/// PATCH /v2/orders/{id} body: only the fields the replace changes (zero keeps the old value),
/// plus the replacement's client_order_id.
body_result replace_body(const ReplaceRequest& replace, const std::string& client_order_id);

/// The trade_updates stream's messages the client sends. `legacy` is the older
/// {"action":"authenticate","data":{"key_id":..,"secret_key":..}} form.
std::string auth_message(const std::string& key, const std::string& secret, bool legacy);
std::string listen_message();

// ---- answers -----------------------------------------------------------------------------

/// An Alpaca order object (the fields the engine uses).
struct order_object {
  std::string id;
  std::string client_order_id;
  std::string symbol;
  OrderSide side = OrderSide::buy;
  std::string type;          // market, limit, stop, stop_limit, trailing_stop
  std::string time_in_force; // day, gtc, opg, cls, ioc, fok
  std::string status;        // Alpaca's status text
  std::string order_class;   // "", simple, bracket, oco, oto
  std::string replaced_by;   // the replacement's Alpaca id, after a replace
  std::string replaces;      // the Alpaca id this order replaced
  Quantity qty;
  Quantity filled_qty;
  Price limit_price;
  Price stop_price;
  Price trail_price;
  Rate trail_percent;        // as the engine's fraction (Alpaca "1" = 0.01)
  Price filled_avg_price;    // rounded to the Price scale
  timestamp_ns created_at = 0;
  timestamp_ns updated_at = 0;
  std::vector<order_object> legs;
};

/// Which leg of its parent a leg order is: the limit is the take-profit, a stop or stop_limit
/// the stop-loss (Alpaca names no leg otherwise); nullopt for any other type.
std::optional<OrderLeg> leg_kind(const order_object& leg);

/// Alpaca's error body {"code":40010001,"message":"..."}.
struct api_error {
  int64_t code = 0;
  std::string message;
};

std::optional<order_object> parse_order(std::string_view json, std::string& error);
std::optional<std::vector<order_object>> parse_orders(std::string_view json, std::string& error);
std::optional<api_error> parse_error(std::string_view json);

/// An order object as the engine's execution record, under the engine's order id.
OrderExecution to_execution(const order_object& o);

/// The 16 trade_updates event names.
enum class trade_event : uint8_t {
  new_, fill, partial_fill, canceled, expired, done_for_day, replaced, rejected, pending_new,
  pending_cancel, pending_replace, stopped, suspended, calculated, order_cancel_rejected,
  order_replace_rejected,
};
std::optional<trade_event> trade_event_from(std::string_view name);
std::string_view trade_event_name(trade_event e);
/// The engine event a trade_updates event means; nullopt for the ones that change nothing the
/// engine tracks (pending_*, done_for_day, stopped, suspended, calculated,
/// order_replace_rejected): they are logged as notices.
std::optional<OrderEvent> engine_event(trade_event e);

/// One trade_updates event: the event's own execution (qty, price) and the order after it.
struct trade_update {
  trade_event event = trade_event::new_;
  std::string execution_id;
  std::optional<Quantity> qty;   // this execution's quantity (fills only)
  std::optional<Price> price;    // this execution's price (fills only)
  std::optional<Quantity> position_qty;
  timestamp_ns timestamp = 0;
  order_object order;
};

/// A message of the trade_updates stream.
struct stream_message {
  enum class kind : uint8_t { authorization, listening, trade_update, error, other };
  kind type = kind::other;
  bool authorized = false;           // authorization
  std::vector<std::string> streams;  // listening
  trade_update update;               // trade_update
  std::string error;                 // error / unauthorized text
};
std::optional<stream_message> parse_stream_message(std::string_view json, std::string& error);

/// The report for a trade update. For fills, `fill_qty`/`fill_price` are the execution's own
/// (from the event, never the cumulative filled_qty); `broker` names the venue in Fill.broker.
ExecutionReport to_report(const trade_update& u, OrderEvent ev, Quantity fill_qty,
                          Price fill_price, const std::string& broker);
/// The engine's order update carried by a report for order object `o`.
OrderUpdate to_update(const order_object& o, timestamp_ns ts);

/// One FILL account activity.
struct fill_activity {
  std::string id;        // "20190524113406977::8efc..." (the part after "::" is the execution id)
  std::string order_id;  // Alpaca's order id (activities carry no client_order_id)
  std::string symbol;
  OrderSide side = OrderSide::buy;
  Quantity qty;
  Price price;
  timestamp_ns transaction_time = 0;
  std::string exec_id() const;
};
std::optional<std::vector<fill_activity>> parse_fill_activities(std::string_view json,
                                                                std::string& error);
std::optional<AccountInfo> parse_account(std::string_view json, std::string& error);
std::optional<std::vector<Position>> parse_positions(std::string_view json, std::string& error);

} // namespace engine::alpaca
