// The engine's core actors (journal, books, risk, order manager, simulator) spawned and named in start-up order, stopped in reverse.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include "actors/journal/journal_recovery.hpp"
#include "actors/order_manager.hpp"
#include "config/app_config.hpp"
#include "messages/market.hpp"

namespace engine {

class actor_directory;
class file_ops;

/// What the core actors start with. engine_node, the end-to-end tests and the benchmarks
/// differ only in these fields, so none of them spells out the spawns.
struct engine_core_options {
  std::shared_ptr<actor_directory> directory; // every actor is registered here by its name
  journal_config journal;
  std::shared_ptr<file_ops> journal_ops; // null: the real POSIX calls (tests inject faults)
  Money initial_cash = Money::from_units(100000); // the books, risk and the simulator's account
  session_config session;
  RiskLimits risk_limits; // all 0: off
  /// The order manager's own settings (routing, admission bound, event tap); its directory and
  /// what it resumes from the journal are filled in from the fields here.
  order_manager_options order_manager;
  /// The plain simulator under names::simulator; false when the caller wires its own venues
  /// (engine_node's brokers behind supervisors).
  bool with_simulator = true;
  simulator_config simulator;
  std::vector<std::string> universe; // tickers the simulator lists (empty: any with a quote)
  /// What the journal remembered (recover_journal): the journal's next seq, the books' and
  /// risk's fills, the order manager's orders. Default: a fresh start.
  recovered_state recovered;
  /// Tags ids made after a restart (protective orders, the simulator's exec ids); "" when fresh.
  std::string incarnation;
  /// Placement: whether this process hosts the named core actor (null: all of them).
  std::function<bool(const std::string&)> hosts;
};

/// The app config's journal, cash, session, risk limits, simulator and admission bound.
engine_core_options engine_core_options_from(const app_config& cfg,
                                             std::shared_ptr<actor_directory> directory);

/// Handles of the core actors spawned (invalid where one was not).
struct engine_core {
  caf::actor trade_logger;
  caf::actor position_keeper;
  caf::actor risk_manager;
  caf::actor order_manager;
  caf::actor simulator;

  /// Name and handle of each actor spawned, in start-up order.
  std::vector<std::pair<std::string, caf::actor>> in_start_order() const;
};

/// Spawns and registers, in this order: trade logger (everything acknowledged goes through
/// it), position keeper, risk manager, order manager, simulator.
engine_core spawn_engine_core(caf::actor_system& sys, engine_core_options opts);

/// One batch of quotes to the simulator, then risk and the books, each answered before the
/// next (the market data's first phase; tests and benchmarks play the market with it).
caf::error step_engine_core(caf::actor_system& sys, const engine_core& core,
                            const QuoteBatch& batch, std::chrono::milliseconds timeout);

/// Tells every actor to exit, newest first and ahead of its mailbox, then waits until each is
/// down (their clean-ups overlap instead of adding up). `on_stopped` hears each name.
void stop_actors(caf::actor_system& sys,
                 const std::vector<std::pair<std::string, caf::actor>>& started,
                 const std::function<void(const std::string&)>& on_stopped = {});

/// stop_actors for the core, then its names leave the directory and the handles are reset.
void stop_engine_core(caf::actor_system& sys, engine_core& core, actor_directory& directory);

} // namespace engine
