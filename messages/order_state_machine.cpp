// Order status transitions, after the cases real venues produce (NautilusTrader's table).
#include "messages/order_state_machine.hpp"

namespace engine {

namespace {

transition_result to(OrderStatus s) { return {true, s, {}}; }

transition_result illegal(OrderStatus from, OrderEvent ev) {
  return {false, from,
          "illegal transition: event " + std::string{enum_name(ev)} + " in status "
            + std::string{enum_name(from)}};
}

} // namespace

transition_result transition(OrderStatus from, OrderEvent ev, bool has_fills) {
  using S = OrderStatus;
  using E = OrderEvent;
  switch (from) {
    case S::pending_new:
      switch (ev) {
        case E::accept: return to(S::new_);
        case E::reject: return to(S::rejected);
        // A fast venue can fill (or cancel an IOC) before its ack arrives.
        case E::partial_fill: return to(S::partially_filled);
        case E::fill: return to(S::filled);
        case E::cancel_request: return to(S::pending_cancel);
        case E::cancel: return to(S::canceled);
        case E::expire: return to(S::expired);
        case E::lose: return to(S::unknown);
        default: return illegal(from, ev);
      }
    case S::new_:
      switch (ev) {
        case E::partial_fill: return to(S::partially_filled);
        case E::fill: return to(S::filled);
        case E::cancel_request: return to(S::pending_cancel);
        case E::cancel: return to(S::canceled);
        case E::expire: return to(S::expired);
        case E::replace: return to(S::replaced);
        case E::lose: return to(S::unknown);
        default: return illegal(from, ev);
      }
    case S::partially_filled:
      switch (ev) {
        case E::partial_fill: return to(S::partially_filled);
        case E::fill: return to(S::filled);
        case E::cancel_request: return to(S::pending_cancel);
        case E::cancel: return to(S::canceled);
        case E::expire: return to(S::expired);
        case E::replace: return to(S::replaced);
        case E::lose: return to(S::unknown);
        default: return illegal(from, ev);
      }
    case S::pending_cancel:
      switch (ev) {
        // Fills race the cancel: a partial one keeps the cancel pending.
        case E::partial_fill: return to(S::pending_cancel);
        case E::fill: return to(S::filled);
        case E::cancel_request: return to(S::pending_cancel);
        case E::cancel_reject: return to(has_fills ? S::partially_filled : S::new_);
        case E::cancel: return to(S::canceled);
        case E::expire: return to(S::expired);
        case E::accept: return to(S::pending_cancel); // the ack overtook by the cancel
        case E::lose: return to(S::unknown);
        default: return illegal(from, ev);
      }
    case S::unknown:
      // Reconciliation tells what the venue did; a cancel asked meanwhile waits for it.
      switch (ev) {
        case E::accept: return to(S::new_);
        case E::reject: return to(S::rejected);
        case E::partial_fill: return to(S::partially_filled);
        case E::fill: return to(S::filled);
        case E::cancel_request: return to(S::unknown);
        case E::cancel_reject: return to(has_fills ? S::partially_filled : S::new_);
        case E::cancel: return to(S::canceled);
        case E::expire: return to(S::expired);
        case E::replace: return to(S::replaced);
        case E::lose: return to(S::unknown);
        default: return illegal(from, ev);
      }
    case S::canceled:
    case S::expired:
      switch (ev) {
        // An execution the venue made before it canceled, reported after.
        case E::partial_fill: return to(from);
        case E::fill: return to(S::filled);
        default: return illegal(from, ev);
      }
    case S::filled:
    case S::rejected:
    case S::replaced:
      return illegal(from, ev);
  }
  return illegal(from, ev);
}

bool is_terminal(OrderStatus s) {
  switch (s) {
    case OrderStatus::filled:
    case OrderStatus::canceled:
    case OrderStatus::rejected:
    case OrderStatus::expired:
    case OrderStatus::replaced:
      return true;
    default:
      return false;
  }
}

bool is_open(OrderStatus s) { return !is_terminal(s); }

} // namespace engine
