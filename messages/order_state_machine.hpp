// The order state machine: every legal (status, event) pair in one place.
#pragma once

#include <string>

#include "messages/enums.hpp"

namespace engine {

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
