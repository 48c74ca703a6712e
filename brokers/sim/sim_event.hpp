// What the simulator's fill engine reports (one event per order change) and its reason texts.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "messages/enums.hpp"
#include "messages/field.hpp"
#include "messages/orders.hpp"

namespace engine::sim {

/// One change of one order, in the order the engine decided it.
struct sim_event {
  enum class kind : uint8_t {
    accepted,
    rejected,
    fill,
    canceled,
    expired,
    replaced,
    cancel_rejected, // a cancel or a replace was refused (FIX's OrderCancelReject)
  };
  kind what = kind::accepted;
  OrderUpdate update;         // always set: status after the event, quantities, reason
  Fill fill;                  // set when what == fill
  ReplaceRequest replacement; // set when what == replaced: the order's new quantity and prices
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_event& x) {
  return f(caf::meta::type_name("sim_event"), ENGINE_FIELD(x, what), ENGINE_FIELD(x, update),
           ENGINE_FIELD(x, fill), ENGINE_FIELD(x, replacement));
}

/// The reason texts the engine puts in OrderUpdate::reason (tests and callers compare them).
namespace reasons {
// rejects at submit
inline constexpr const char* missing_order_id = "missing order id";
inline constexpr const char* duplicate_order_id = "duplicate order id";
inline constexpr const char* unknown_ticker = "unknown ticker";
inline constexpr const char* quantity_not_positive = "quantity not positive";
inline constexpr const char* limit_price_required = "invalid price: limit price must be positive";
inline constexpr const char* stop_price_required = "invalid price: stop price must be positive";
inline constexpr const char* trail_required =
  "invalid price: trailing stop needs one positive trail_amount or trail_percent below 1";
inline constexpr const char* price_not_allowed =
  "invalid price: price not allowed for this order type";
inline constexpr const char* stop_price_not_allowed =
  "invalid price: stop price not allowed for this order type";
inline constexpr const char* trail_not_allowed =
  "invalid price: trail not allowed for this order type";
inline constexpr const char* tif_not_supported = "time in force not supported for this order type";
inline constexpr const char* gtd_without_expire_time = "gtd without expire_time";
inline constexpr const char* gtd_expire_time_passed = "gtd expire_time not in the future";
inline constexpr const char* market_closed = "market closed";
inline constexpr const char* opg_while_open = "opg accepted only while the session is closed";
inline constexpr const char* no_quote = "no quote yet";
// The simulator fills simple orders only; bracket, oco and oto are for Alpaca (docs/BROKERS_ALPACA.md).
inline constexpr const char* unsupported_order_class =
  "unsupported_order_class: the simulator fills simple orders only";
// ends of life
inline constexpr const char* ioc_remainder = "ioc remainder";
inline constexpr const char* fok_not_filled = "fok not filled";
inline constexpr const char* day_expired = "day order expired";
inline constexpr const char* gtd_expired = "gtd order expired";
inline constexpr const char* canceled = "canceled"; // when the CancelRequest gives no reason
inline constexpr const char* auction_not_live = "order not live at the auction";
inline constexpr const char* auction_no_quote = "no quote at the auction";
inline constexpr const char* auction_limit_not_marketable = "auction limit not marketable";
// cancel and replace refusals ("order already <status>" for finished orders)
inline constexpr const char* unknown_order = "unknown order";
inline constexpr const char* already_prefix = "order already ";
inline constexpr const char* cancel_pending = "cancel pending";
inline constexpr const char* replace_nothing = "nothing to change";
inline constexpr const char* replace_quantity_not_above_executed =
  "quantity not above executed quantity";
inline constexpr const char* replace_quantity_not_positive = "quantity not positive";
inline constexpr const char* replace_price_not_allowed =
  "invalid price: price not allowed for this order type";
inline constexpr const char* replace_stop_price_not_allowed =
  "invalid price: stop price not allowed for this order type";
inline constexpr const char* replace_negative_price = "invalid price: negative price";
inline constexpr const char* replace_stop_triggered = "stop already triggered";
} // namespace reasons

} // namespace engine::sim

namespace engine {

template <>
struct enum_names<sim::sim_event::kind> {
  static constexpr std::array<std::string_view, 7> values{
    "accepted", "rejected", "fill", "canceled", "expired", "replaced", "cancel_rejected"};
};

} // namespace engine
