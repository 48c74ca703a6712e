// A fill whose commission arrives later (IB's commissionReport): reported and journaled as
// pending, then completed once by a zero-quantity completion with the same exec id.
// Kept out of all_messages.hpp: only the few places that handle it include it.
#pragma once

#include <string>
#include <string_view>

#include "messages/orders.hpp"

namespace engine {

/// `update.reason` of a fill reported before its commission is known: `fill.commission` is 0
/// and means "unknown", not "free". A completion follows when the venue tells.
inline constexpr std::string_view commission_pending_reason = "commission_pending";
/// `update.reason` of a commission completion: the same `fill.exec_id` as the pending fill,
/// `fill.quantity == 0` and `fill.commission` = that execution's commission. Not an execution.
inline constexpr std::string_view commission_completion_reason = "commission_completion";

/// Journal events (trade log): a fill journaled with its commission pending is `<event>` +
/// this suffix ("fill_commission_pending", "fill_reconciled_commission_pending"); its
/// completion is a Fill record of event `commission_completed_event` (quantity 0).
inline constexpr std::string_view commission_pending_suffix = "_commission_pending";
inline constexpr std::string_view commission_completed_event = "commission";

inline bool is_commission_completion(const ExecutionReport& r) {
  return r.update.reason == commission_completion_reason && r.fill.quantity.is_zero();
}

inline bool is_commission_pending(const ExecutionReport& r) {
  return r.update.reason == commission_pending_reason && r.fill.quantity.is_positive();
}

/// A Fill message with no quantity is a completion: only its commission is booked.
inline bool is_commission_completion(const Fill& f) { return f.quantity.is_zero(); }

inline bool is_commission_pending_event(std::string_view event) {
  return event.size() > commission_pending_suffix.size() &&
         event.substr(event.size() - commission_pending_suffix.size()) ==
           commission_pending_suffix;
}

/// The completion record of `fill` (as the engine journaled it) with commission `c`.
inline Fill commission_completion_of(const Fill& fill, Money c) {
  Fill out = fill;
  out.quantity = Quantity{};
  out.price = Price{};
  out.commission = c;
  return out;
}

} // namespace engine
