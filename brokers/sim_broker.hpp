// The simulator broker actor: owns the fill engine and feeds it orders, quotes and time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "config/app_config.hpp"

namespace engine {

class actor_directory;

/// Protocol (the same as every broker actor's):
///   OrderRequest, CancelRequest, ReplaceRequest   from the order manager
///   (step_atom, QuoteBatch) -> done_atom          quotes drive fills and, in simulated
///                                                 time, the clock (session open/close, delays);
///                                                 answered once the order manager has settled
///                                                 (sync_atom) what the batch caused
///   Trade                                         volume for participation-bounded fills
///   (done_atom, timestamp_ns end) -> done_atom    the data ended at `end`: time moves there
///                                                 (session close), between two barriers
///   (orders_atom) -> std::vector<OrderExecution>  open orders at the venue (reconciliation)
///   (get_atom, order_id) -> OrderExecution         an order's status (empty id when unknown)
///   (positions_atom) -> std::vector<Position>      the venue's positions from its fills
///   (account_atom) -> AccountInfo                  the venue's account
///   (market_atom, ticker) -> MarketData            the last quote it has seen
///   (fills_atom, timestamp_ns since) -> std::vector<Fill>  executions at or after `since`
///   (sink_atom, actor)                             where reports go (supervised; see options)
/// It reports every event as an ExecutionReport to the order manager.
/// With a wall clock it also arms timers for delays; with simulated time the
/// data's timestamps are the clock, so replays are exact and never wait.
struct sim_broker_options {
  std::shared_ptr<actor_directory> directory;
  simulator_config simulator;
  session_config session;
  std::vector<std::string> universe; // tickers it accepts (empty: any with a quote)
  bool simulated_time = true;
  std::string name = "simulator";
  std::string exec_id_prefix = "SIM-"; // carries the incarnation after a restart
  Money initial_cash = Money::from_units(100000); // the venue's account starts with this
  std::vector<Fill> initial_fills; // the account's history (a venue keeps it across restarts)
  /// How many of its latest fills it remembers for (fills_atom, since): reconciliation asks
  /// for the fills since the engine's oldest open order, and a run's memory must not grow
  /// with every fill of its life (about 250 B each).
  size_t fill_history = 1'000'000;
  /// Behind a broker_supervisor: reports and barriers go to the current sink (the
  /// connection, set with (sink_atom, actor)); without one the connection is down, reports
  /// are lost (reconciliation finds them) and barriers go straight to the order manager.
  bool supervised = false;
  /// In the node's lock step: the reports of orders taken after a batch's step wait for the
  /// settle step (an empty QuoteBatch) the market data sends after the strategies, or for
  /// any query (orders, get, fills), so the order manager journals them in one order.
  bool hold_until_settled = false;
};

caf::actor spawn_sim_broker(caf::actor_system& sys, sim_broker_options opts);

} // namespace engine
