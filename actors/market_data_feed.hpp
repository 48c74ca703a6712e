// The market data actor: publishes quote batches to subscribers and, in simulated time, drives the clock.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/market_data_status.hpp"
#include "config/app_config.hpp"

namespace engine {

class actor_directory;
class simulated_clock;

/// Protocol:
///   (start_atom)            begins publishing
///   (stop_atom) -> done_atom  stops; answered once the batch in flight has gone through
///                             every phase (at once when none is in flight)
///   (market_atom, ticker)   -> MarketData (the latest quote; empty ticker when none)
/// Publishing is in lock step, in phases: each (step_atom, QuoteBatch) goes
/// to every subscriber of the first phase (the venue and the books) as a
/// request, then, once all have answered done_atom, to the second phase
/// (the strategies), and the next batch leaves only when those have answered
/// too. The venue answers after the order manager has journaled and fanned
/// out what the batch caused; a strategy answers after everything it sent
/// meanwhile is acknowledged. So each batch's consequences settle before the
/// next batch: a run with the same seed is the same run.
/// With `settle` (the simulated venues), a last phase sends those venues an
/// empty batch: the reports of the orders the strategies sent meanwhile,
/// which the venues hold (sim_broker_options::hold_until_settled), reach the
/// order manager only then, after every command of the strategies.
/// When the data ends (the session close of the start day for synthetic
/// data, the end of the file for CSV) the close is one more step: the
/// venues of `settle` get (done_atom, end) in the first phase, the other
/// participants an empty batch; then it sends done_atom to `on_end`.
/// With `source: polygon` the batches come from the live feed's thread as
/// (step_atom, QuoteBatch) messages to this actor, one at a time: the feed
/// sends the next only after this batch went through every phase, and
/// conflates what waits meanwhile. The feed reconnects under the brokers'
/// restart policy (market_data.polygon: backoff_*, max_restarts,
/// restart_window_s, down_retry_s); its state is in the monitor. A failed
/// authentication ends the data (done_atom) with the monitor's `fatal` set. `record: FILE` writes every
/// quote published, from any source, to a CSV the csv source replays.
struct market_data_options {
  std::shared_ptr<actor_directory> directory;
  market_data_config market_data;
  clock_config clock;
  session_config session;
  std::vector<std::vector<std::string>> phases; // directory names, phase by phase
  std::vector<std::string> settle; // simulated venues (also in a phase): the settle phase
  std::shared_ptr<simulated_clock> sim_clock; // advanced with the data; null for a wall clock
  caf::actor on_end;
  /// Where each participant runs (name -> node), for the participants on other nodes: when a
  /// node is reported down (PeerStatus from the gateway) its participants leave the lock step
  /// at once, and rejoin when it is back. A local participant that dies leaves it for good.
  std::map<std::string, std::string> node_of;
  std::shared_ptr<market_data_monitor> monitor; // optional
  /// polygon: the journal of market data events (connects, disconnects, auth, gaps), normally
  /// `<journal.dir>/market_data.events`; empty: none.
  std::string events_journal;
};

caf::actor spawn_market_data(caf::actor_system& sys, market_data_options opts);

} // namespace engine
