// Portfolio messages: positions, account and the seed's performance metrics.
#pragma once

#include <cstdint>
#include <string>

#include "messages/decimal.hpp"
#include "messages/field.hpp"
#include "messages/orders.hpp"

namespace engine {

struct Position {
  std::string ticker;
  Quantity quantity; // negative when short
  Price average_price;
  Money market_value;
  Money unrealized_pnl;
  Money realized_pnl;
  timestamp_ns timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Position& x) {
  return f(caf::meta::type_name("Position"), ENGINE_FIELD(x, ticker), ENGINE_FIELD(x, quantity),
           ENGINE_FIELD(x, average_price), ENGINE_FIELD(x, market_value),
           ENGINE_FIELD(x, unrealized_pnl), ENGINE_FIELD(x, realized_pnl),
           ENGINE_FIELD(x, timestamp));
}

struct AccountInfo {
  std::string account_id;
  Money cash;
  Money equity;
  Money buying_power;
  Money initial_cash;
  timestamp_ns timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AccountInfo& x) {
  return f(caf::meta::type_name("AccountInfo"), ENGINE_FIELD(x, account_id),
           ENGINE_FIELD(x, cash), ENGINE_FIELD(x, equity), ENGINE_FIELD(x, buying_power),
           ENGINE_FIELD(x, initial_cash), ENGINE_FIELD(x, timestamp));
}

struct PerformanceMetrics {
  int64_t daily_trades = 0;
  Money daily_volume;
  Money daily_commission;
  Money total_pnl;
  Money realized_pnl;
  Money unrealized_pnl;
  int64_t position_count = 0;
  timestamp_ns timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, PerformanceMetrics& x) {
  return f(caf::meta::type_name("PerformanceMetrics"), ENGINE_FIELD(x, daily_trades),
           ENGINE_FIELD(x, daily_volume), ENGINE_FIELD(x, daily_commission),
           ENGINE_FIELD(x, total_pnl), ENGINE_FIELD(x, realized_pnl),
           ENGINE_FIELD(x, unrealized_pnl), ENGINE_FIELD(x, position_count),
           ENGINE_FIELD(x, timestamp));
}

} // namespace engine
