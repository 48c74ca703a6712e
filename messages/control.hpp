// Control messages: liveness, broker health, risk limits and shutdown.
#pragma once

#include <cstdint>
#include <string>

#include "messages/decimal.hpp"
#include "messages/enums.hpp"
#include "messages/field.hpp"
#include "messages/orders.hpp"

namespace engine {

struct Heartbeat {
  std::string node;
  uint64_t incarnation = 0; // changes on every restart of the node
  uint64_t seq = 0;
  timestamp_ns timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Heartbeat& x) {
  return f(caf::meta::type_name("Heartbeat"), ENGINE_FIELD(x, node),
           ENGINE_FIELD(x, incarnation), ENGINE_FIELD(x, seq), ENGINE_FIELD(x, timestamp));
}

// BrokerStatus is in orders.hpp, beside the OrderStats that carry it.

/// The risk manager's limits; changeable at run time by sending a new set.
struct RiskLimits {
  TradingState trading_state = TradingState::active;
  Rate max_position_size;       // fraction of equity per ticker
  Money max_order_size;         // notional dollars per order
  int64_t max_daily_trades = 0;
  int64_t max_orders_per_second = 0;
  Rate price_collar;            // max distance of a limit price from the last price
  Rate stop_loss_pct;           // 0 disables protective stops
  Rate take_profit_pct;         // 0 disables protective take-profits
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RiskLimits& x) {
  return f(caf::meta::type_name("RiskLimits"), ENGINE_FIELD(x, trading_state),
           ENGINE_FIELD(x, max_position_size), ENGINE_FIELD(x, max_order_size),
           ENGINE_FIELD(x, max_daily_trades), ENGINE_FIELD(x, max_orders_per_second),
           ENGINE_FIELD(x, price_collar), ENGINE_FIELD(x, stop_loss_pct),
           ENGINE_FIELD(x, take_profit_pct));
}

/// A peer node went silent (up = false) or was heard from again (up = true).
struct PeerStatus {
  std::string node;
  bool up = false;
  timestamp_ns timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, PeerStatus& x) {
  return f(caf::meta::type_name("PeerStatus"), ENGINE_FIELD(x, node), ENGINE_FIELD(x, up),
           ENGINE_FIELD(x, timestamp));
}

/// Something an operator did by hand (the kill switch, new limits): journaled as an audit record.
struct OperatorAction {
  std::string who;    // e.g. "operator@127.0.0.1" (never a token)
  std::string action; // "trading_state" | "risk_limits"
  std::string value;  // the new state, or the new limits as JSON
  std::string reason; // why, as the operator gave it
  timestamp_ns timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, OperatorAction& x) {
  return f(caf::meta::type_name("OperatorAction"), ENGINE_FIELD(x, who), ENGINE_FIELD(x, action),
           ENGINE_FIELD(x, value), ENGINE_FIELD(x, reason), ENGINE_FIELD(x, timestamp));
}

struct Shutdown {
  std::string reason;
  timestamp_ns timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Shutdown& x) {
  return f(caf::meta::type_name("Shutdown"), ENGINE_FIELD(x, reason),
           ENGINE_FIELD(x, timestamp));
}

} // namespace engine
