// Execution and connection times in every format IB sends, to UTC nanoseconds, and back (for the
// execution filter and the fake TWS). Time zones by rule (US, EU, fixed), no tz database.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "messages/orders.hpp" // timestamp_ns

namespace engine::ibkr {

/// True when `zone` is a name we convert (see docs/BROKERS_IBKR.md for the list).
bool known_zone(std::string_view zone);

/// Offset from UTC in minutes of `zone` at the UTC instant `utc_ns`; nullopt for an unknown zone.
std::optional<int> utc_offset_minutes(std::string_view zone, timestamp_ns utc_ns);

/// Parses "yyyymmdd hh:mm:ss[ ZONE]" (any number of spaces), "yyyymmdd-hh:mm:ss" (UTC, as IB
/// documents the dash form) and epoch seconds. A time without a zone is read in `local_zone`.
/// nullopt when the text is not a time or the zone is unknown.
std::optional<timestamp_ns> parse_ib_time(std::string_view text, std::string_view local_zone);

/// A fill's time: never fails. When the text cannot be read, the receive time is used and
/// `fallback` is set (the caller logs it and marks the fill).
struct exec_time {
  timestamp_ns utc_ns = 0;
  bool fallback = false;
};
exec_time exec_time_or(std::string_view text, std::string_view local_zone,
                       timestamp_ns received_ns);

/// "yyyymmdd-hh:mm:ss" in UTC (the execution filter's unambiguous form).
std::string format_utc_dash(timestamp_ns utc_ns);
/// "yyyymmdd hh:mm:ss" in `zone` (+ " ZONE" when with_zone). Unknown zones print UTC.
std::string format_local(timestamp_ns utc_ns, std::string_view zone, bool with_zone);

} // namespace engine::ibkr
