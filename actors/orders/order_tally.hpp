// The order counts of OrderStats, kept as orders change instead of counted by walking every order.
#pragma once

#include <cstdint>

#include "actors/orders/order_state.hpp"
#include "messages/order_state_machine.hpp"
#include "messages/orders.hpp"

namespace engine {

/// The status line, /status, /metrics and the report ask for the counts every second or so:
/// walking every order the run ever took made each ask cost more as the run went on (30 ms on
/// the order manager's thread at 300,000 orders). Each order's contribution leaves the tally
/// before it changes and joins it after (order_book::change), so an ask is O(1).
struct order_tally {
  int64_t filled = 0, partially_filled = 0, canceled = 0, rejected = 0, expired = 0;
  int64_t open = 0, unknown = 0;

  void add(const order_state& x) { count(x, 1); }
  void remove(const order_state& x) { count(x, -1); }

  /// The counts into `s` (the rest of OrderStats is not the tally's).
  void fill_in(OrderStats& s) const {
    s.filled = filled;
    s.partially_filled = partially_filled;
    s.canceled = canceled;
    s.rejected = rejected;
    s.expired = expired;
    s.open = open;
    s.unknown = unknown;
  }

private:
  void count(const order_state& x, int64_t n) {
    switch (x.status) {
      case OrderStatus::filled: filled += n; break;
      case OrderStatus::canceled: canceled += n; break;
      case OrderStatus::rejected: rejected += n; break;
      case OrderStatus::expired: expired += n; break;
      default: break;
    }
    if (x.executed_quantity.is_positive() && x.executed_quantity < x.quantity)
      partially_filled += n;
    if (is_open(x.status))
      open += n;
    if (x.status == OrderStatus::unknown)
      unknown += n;
  }
};

} // namespace engine
