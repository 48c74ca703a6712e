// The position keeper actor: positions by average cost, P&L, cash, equity and daily metrics.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <vector>

#include "config/app_config.hpp"
#include "messages/orders.hpp"

namespace engine {

/// Protocol:
///   Fill                         applied once per exec_id
///   (step_atom, QuoteBatch)      -> done_atom   marks to the quote mid; daily reset
///   (positions_atom)             -> std::vector<Position>
///   (positions_atom, ticker)     -> Position (quantity 0 when flat)
///   (account_atom)               -> AccountInfo
///   (metrics_atom)               -> PerformanceMetrics
/// `initial_fills` (recovered from the journal) are applied in order first.
caf::actor spawn_position_keeper(caf::actor_system& sys, Money initial_cash,
                                 session_config session, std::vector<Fill> initial_fills = {});

} // namespace engine
