// Why the engine refused an order, a cancel or a replace: a code to match on, beside the text.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "messages/enums.hpp"

namespace engine {

/// Every refusal the engine makes or relays (docs/RISK_AND_PNL.md, "Reject reasons"). The
/// values travel in msgpack as numbers: new reasons are appended, never inserted.
enum class RejectReason : uint8_t {
  none,
  // the risk rules (actors/risk/risk_rules.hpp)
  trading_halted,
  reducing_only,
  invalid_order, // also the leg rules: bracket, oco, oto and extended_hours
  price_collar,
  max_order_size,
  max_position_size,
  max_daily_trades,
  buying_power,
  rate_limit,
  // the order manager
  overloaded,
  shutting_down,
  not_ready,
  no_route,
  broker_unavailable,
  risk_unavailable,
  journal_failure,
  duplicate_client_order_id,
  unknown_order,
  cannot_cancel,
  cannot_replace,
  order_unknown,
  // the venue (a broker adapter's or the simulator's reject; its text says why)
  venue_reject,
  not_at_broker,
};

template <>
struct enum_names<RejectReason> {
  static constexpr std::array<std::string_view, 24> values{
    "none",           "trading_halted",   "reducing_only",
    "invalid_order",  "price_collar",     "max_order_size",
    "max_position_size", "max_daily_trades", "buying_power",
    "rate_limit",     "overloaded",       "shutting_down",
    "not_ready",      "no_route",         "broker_unavailable",
    "risk_unavailable", "journal_failure", "duplicate_client_order_id",
    "unknown_order",  "cannot_cancel",    "cannot_replace",
    "order_unknown",  "venue_reject",     "not_at_broker"};
};

/// A refusal: its code, and a detail for people (the numbers that failed, the state it was in).
struct refusal {
  RejectReason code = RejectReason::none;
  std::string detail;

  explicit operator bool() const { return code != RejectReason::none; }
  /// The human text that travels beside the code: "name: detail", or "name" alone.
  std::string text() const {
    if (code == RejectReason::none)
      return detail;
    std::string s{enum_name(code)};
    if (!detail.empty())
      s.append(": ").append(detail);
    return s;
  }
};

} // namespace engine
