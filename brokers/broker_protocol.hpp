// The one broker contract: what every venue actor (simulator, Alpaca, IBKR) is sent and
// answers, and how its supervisor, connection and the order manager talk. docs/BROKERS.md.
#pragma once

#include "messages/all_messages.hpp"

namespace engine {

/// The broker's directory name (its `name`, by default its type) is its supervisor.
/// Order manager -> supervisor (forwarded to the live connection, dropped when none:
/// the order manager already rejects new orders `broker_unavailable` while not connected,
/// and marks what was in flight `unknown`):
///   OrderRequest, CancelRequest, ReplaceRequest
/// Answers, from the connection to the order manager, as ExecutionReport: accept, reject,
/// partial_fill / fill (the fill's own quantity and price), cancel, cancel_reject, expire,
/// replace, and lose (the venue's answer to this order was lost: outcome unknown).
///
/// Queries (answered by the connection, an error while none is up):
///   (orders_atom)                        -> std::vector<OrderExecution>  open at the venue
///   (get_atom, order_id)                 -> OrderExecution  by engine id = venue client
///                                           order id; empty order_id when unknown there
///   (fills_atom, timestamp_ns since)     -> std::vector<Fill>  executions since a watermark
///   (positions_atom)                     -> std::vector<Position>
///   (account_atom)                       -> AccountInfo
///   (market_atom, ticker)                -> MarketData
///   (status_atom)                        -> BrokerStatus  the supervisor's current state
///   (start_atom)                         a manual restart (also after down)
///
/// Supervision: the supervisor publishes every BrokerStatus (connecting, reconciling,
/// connected, reconnecting with attempt and delay, down with the reason) to the order
/// manager, the risk manager and every subscriber ((subscribe_atom, actor)). On
/// `reconciling` the order manager reconciles with the venue (open orders, fills since its
/// watermark, each unknown order by client order id, positions, account), sends the cancels
/// it kept, and answers (reconcile_atom, broker) -> the supervisor, which goes connected.
///
/// Connection actor (a child of the supervisor, one per attempt):
///   -> supervisor: BrokerStatus{connected} once usable; it quits with an error (or sends
///      BrokerStatus{disconnected}) when the connection is lost.
///   (ping_atom) -> ping_atom   liveness; a connection that does not answer in time is hung
///
/// Simulation lock step (simulator only, not part of the venue contract): the market data's
/// (step_atom, QuoteBatch) requests, Trade and (done_atom, end) go through the supervisor to
/// the simulated venue, and its (sync_atom, name, token) barriers go through the live
/// connection, so a barrier follows the reports before it. A network broker never sees them.

} // namespace engine
