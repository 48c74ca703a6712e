// The market data actor: publishes quote batches to subscribers and, in simulated time, drives the clock.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "config/app_config.hpp"

namespace engine {

class actor_directory;
class simulated_clock;

/// Protocol:
///   (start_atom)            begins publishing
///   (stop_atom)             stops after the batch in flight
///   (market_atom, ticker)   -> MarketData (the latest quote; empty ticker when none)
/// Publishing is in lock step: each (step_atom, QuoteBatch) goes to every
/// subscriber as a request and the next batch leaves only when all have
/// answered done_atom. Subscribers answer after acting on the batch (a
/// strategy after its orders are acknowledged), so what a batch causes is
/// in the simulator's mailbox before the next batch: runs are deterministic.
/// When the data ends (the session close of the start day for synthetic
/// data, the end of the file for CSV) it sends done_atom to `on_end`.
struct market_data_options {
  std::shared_ptr<actor_directory> directory;
  market_data_config market_data;
  clock_config clock;
  session_config session;
  std::vector<std::string> subscribers; // directory names
  std::shared_ptr<simulated_clock> sim_clock; // advanced with the data; null for a wall clock
  caf::actor on_end;
};

caf::actor spawn_market_data(caf::actor_system& sys, market_data_options opts);

} // namespace engine
