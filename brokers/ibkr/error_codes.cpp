// The TWS error code table (codes from IB's "Message Codes" reference).
#include "brokers/ibkr/error_codes.hpp"

namespace engine::ibkr {

namespace {

constexpr error_info table[] = {
  {1100, error_action::connectivity_lost, "connectivity between IB and TWS lost"},
  {1101, error_action::restored_data_lost, "connectivity restored, data lost"},
  {1102, error_action::restored_data_kept, "connectivity restored, data maintained"},
  {1300, error_action::connection_failed, "socket port reset during active connection"},
  {2103, error_action::notice, "market data farm connection is broken"},
  {2104, error_action::notice, "market data farm connection is OK"},
  {2105, error_action::notice, "historical data farm connection is broken"},
  {2106, error_action::notice, "historical data farm connection is OK"},
  {2107, error_action::notice, "historical data farm connection is inactive"},
  {2108, error_action::notice, "market data farm connection is inactive"},
  {2109, error_action::notice, "outside regular trading hours attribute ignored"},
  {2119, error_action::notice, "market data farm is connecting"},
  {2137, error_action::notice, "cross side warning"},
  {2157, error_action::notice, "sec-def data farm connection is broken"},
  {2158, error_action::notice, "sec-def data farm connection is OK"},
  {2100, error_action::notice, "account data subscription overridden"},
  {399, error_action::notice, "order message (warning), the order stands"},
  {326, error_action::client_id_in_use, "client id already in use"},
  {502, error_action::connection_failed, "couldn't connect to TWS"},
  {503, error_action::fatal, "TWS is out of date and must be upgraded"},
  {504, error_action::connection_failed, "not connected"},
  {507, error_action::connection_failed, "bad message length"},
  {201, error_action::order_rejected, "order rejected"},
  {203, error_action::order_rejected, "security not available or allowed for this account"},
  {110, error_action::order_rejected, "price does not conform to the minimum price variation"},
  {103, error_action::order_rejected, "duplicate order id"},
  {135, error_action::order_rejected, "can't find order"},
  {200, error_action::order_rejected, "no security definition found"},
  {321, error_action::order_rejected, "error validating request"},
  {322, error_action::order_rejected, "error processing request"},
  {383, error_action::order_rejected, "size exceeds the limit"},
  {387, error_action::order_rejected, "unsupported order type for this exchange"},
  {202, error_action::order_canceled, "order canceled"},
  {161, error_action::cancel_refused, "cancel attempted when order is not in a cancellable state"},
  {10147, error_action::cancel_refused, "order to cancel not found"},
  {10148, error_action::cancel_refused, "order cannot be cancelled (state)"},
  {104, error_action::modify_refused, "can't modify a filled order"},
  {105, error_action::modify_refused, "order being modified does not match original order"},
};

} // namespace

error_info classify_error(int code, bool has_order_id) {
  for (const auto& e : table)
    if (e.code == code)
      return e;
  // 2100..2199 are warnings by IB's convention.
  if (code >= 2100 && code < 2200)
    return {code, error_action::notice, "warning"};
  return {code, has_order_id ? error_action::other : error_action::notice, "unclassified"};
}

std::string_view action_name(error_action a) {
  switch (a) {
    case error_action::notice: return "notice";
    case error_action::connectivity_lost: return "connectivity_lost";
    case error_action::restored_data_lost: return "restored_data_lost";
    case error_action::restored_data_kept: return "restored_data_kept";
    case error_action::client_id_in_use: return "client_id_in_use";
    case error_action::order_rejected: return "order_rejected";
    case error_action::order_canceled: return "order_canceled";
    case error_action::cancel_refused: return "cancel_refused";
    case error_action::modify_refused: return "modify_refused";
    case error_action::connection_failed: return "connection_failed";
    case error_action::fatal: return "fatal";
    case error_action::other: return "other";
  }
  return "?";
}

} // namespace engine::ibkr
