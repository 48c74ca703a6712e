// The order state machine: every legal (status, event) pair in one place.
#pragma once

#include <string>

#include "messages/enums.hpp"

namespace engine {

/// What can happen to an order.
enum class OrderEvent : uint8_t {
  submit,         // accepted by the engine, sent towards a broker
  accept,         // the broker acknowledged it
  reject,         // risk or broker refused it
  partial_fill,   // an execution that leaves quantity open
  fill,           // the execution that completes the quantity
  cancel_request, // someone asked to cancel
  cancel_reject,  // the broker refused the cancel (too late, unknown)
  cancel,         // the broker canceled it
  expire,         // its time in force ran out
  replace,        // the broker replaced it with a new order
};

template <>
struct enum_names<OrderEvent> {
  static constexpr std::array<std::string_view, 10> values{
    "submit", "accept",        "reject", "partial_fill", "fill",
    "cancel_request", "cancel_reject", "cancel", "expire", "replace"};
};

/// The outcome of applying an event: the new status, or why it is illegal.
struct transition_result {
  bool ok = false;
  OrderStatus status = OrderStatus::pending_new;
  std::string reason; // empty when ok
};

/// Applies event to an order in status `from`. `has_fills` says whether any
/// quantity has executed (a refused cancel returns to new or partially_filled).
/// Late fills are legal: after a cancel request, and after a broker-side
/// cancel or expiry that crossed an execution in flight.
transition_result transition(OrderStatus from, OrderEvent event, bool has_fills = false);

/// True when no further event can change the order (filled, canceled, ...).
/// canceled and expired still accept fills that crossed them in flight.
bool is_terminal(OrderStatus s);

/// True while the order can still execute at the broker.
bool is_open(OrderStatus s);

} // namespace engine
