// What each TWS error/notice code means for the engine: one table, one enum of actions.
#pragma once

#include <string_view>

namespace engine::ibkr {

enum class error_action {
  notice,             // informational (farm connections, warnings): log and go on
  connectivity_lost,  // 1100: TWS lost IB; the connection is down, orders in flight unknown
  restored_data_lost, // 1101: restored, subscriptions lost: reconnect, resubscribe, reconcile
  restored_data_kept, // 1102: restored, data kept: still reconcile executions
  client_id_in_use,   // 326: retry with backoff (another session holds the client id)
  order_rejected,     // 201, 110, 103...: the order does not exist at IB
  order_canceled,     // 202: the cancel is confirmed
  cancel_refused,     // 10147 (not found) / 10148 (cannot be cancelled): resolve by reconciling
  modify_refused,     // 104/105: a replace was refused, the order stands as it was
  connection_failed,  // 502/504/507...: the socket is unusable
  fatal,              // an error no retry fixes (unsupported version)
  other,              // unknown code: logged at warning, order-scoped ones do not change state
};

struct error_info {
  int code;
  error_action action;
  std::string_view meaning;
};

/// The table entry of a code; unknown codes give `other` (with an order id) or `notice`.
error_info classify_error(int code, bool has_order_id);

std::string_view action_name(error_action a);

} // namespace engine::ibkr
