// The engine's core actors (journal, books, risk, order manager, simulator) spawned and named in start-up order, stopped in reverse.
#include "nodes/engine_core.hpp"

#include <map>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/position_keeper.hpp"
#include "actors/risk_manager.hpp"
#include "actors/trade_logger.hpp"
#include "brokers/sim_broker.hpp"
#include "messages/type_ids.hpp"

namespace engine {

engine_core_options engine_core_options_from(const app_config& cfg,
                                             std::shared_ptr<actor_directory> directory) {
  engine_core_options o;
  o.directory = std::move(directory);
  o.journal = cfg.journal;
  o.initial_cash = cfg.initial_cash;
  o.session = cfg.session;
  o.risk_limits = cfg.execution.risk.limits;
  o.simulator = cfg.execution.simulator;
  o.order_manager.max_queued_orders = static_cast<size_t>(cfg.execution.max_queued_orders);
  o.order_manager.max_recent_closed_orders =
    static_cast<size_t>(cfg.execution.recent_closed_orders);
  return o;
}

std::vector<std::pair<std::string, caf::actor>> engine_core::in_start_order() const {
  std::vector<std::pair<std::string, caf::actor>> out;
  for (auto& [name, a] : {std::pair{names::trade_logger, &trade_logger},
                          std::pair{names::position_keeper, &position_keeper},
                          std::pair{names::risk_manager, &risk_manager},
                          std::pair{names::order_manager, &order_manager},
                          std::pair{names::simulator, &simulator}})
    if (*a)
      out.emplace_back(name, *a);
  return out;
}

engine_core spawn_engine_core(caf::actor_system& sys, engine_core_options opts) {
  auto here = [&](const char* name) { return !opts.hosts || opts.hosts(name); };
  auto& dir = opts.directory;
  auto& rec = opts.recovered;
  engine_core core;
  auto add = [&](caf::actor& slot, const char* name, caf::actor a) {
    dir->put(name, a);
    slot = std::move(a);
  };
  if (here(names::trade_logger))
    add(core.trade_logger, names::trade_logger,
        spawn_trade_logger(sys, opts.journal, rec.next_seq, opts.journal_ops, opts.session, dir));
  if (here(names::position_keeper))
    add(core.position_keeper, names::position_keeper,
        spawn_position_keeper(sys, opts.initial_cash, opts.session, rec.fills));
  if (here(names::risk_manager))
    add(core.risk_manager, names::risk_manager,
        spawn_risk_manager(sys, risk_manager_options{dir, opts.risk_limits, opts.initial_cash,
                                                     opts.session, std::move(rec.fills),
                                                     opts.incarnation}));
  if (here(names::order_manager)) {
    auto om = std::move(opts.order_manager);
    om.directory = dir;
    om.first_id = rec.next_order_id;
    om.recovered = std::move(rec.orders);
    om.commissions_pending = std::move(rec.commissions_pending);
    om.reject_codes = std::move(rec.reject_codes);
    add(core.order_manager, names::order_manager, spawn_order_manager(sys, std::move(om)));
  }
  if (opts.with_simulator && here(names::simulator)) {
    sim_broker_options so;
    so.directory = dir;
    so.simulator = opts.simulator;
    so.session = opts.session;
    so.universe = std::move(opts.universe);
    so.initial_cash = opts.initial_cash;
    // A restarted simulator must not hand out an exec id the journal already has.
    so.exec_id_prefix = opts.incarnation.empty() ? "SIM-" : "SIM-" + opts.incarnation + "-";
    add(core.simulator, names::simulator, spawn_sim_broker(sys, std::move(so)));
  }
  return core;
}

caf::error step_engine_core(caf::actor_system& sys, const engine_core& core,
                            const QuoteBatch& batch, std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  caf::error failure;
  for (auto* a : {&core.simulator, &core.risk_manager, &core.position_keeper})
    if (*a && !failure)
      self->request(*a, timeout, step_atom::value, batch)
        .receive([](done_atom) {}, [&](caf::error& e) { failure = std::move(e); });
  return failure;
}

void stop_actors(caf::actor_system& sys,
                 const std::vector<std::pair<std::string, caf::actor>>& started,
                 const std::function<void(const std::string&)>& on_stopped) {
  caf::scoped_actor self{sys};
  std::map<caf::actor_addr, std::string> running;
  for (auto i = started.rbegin(); i != started.rend(); ++i) {
    self->monitor(i->second);
    running.emplace(i->second.address(), i->first);
    // At high priority: an actor with a mailbox of answers would otherwise handle them all
    // before it reads the exit (CAF takes an exit_msg by its content).
    self->send<caf::message_priority::high>(
      i->second, caf::exit_msg{self->address(), caf::exit_reason::user_shutdown});
  }
  while (!running.empty())
    self->receive([&](const caf::down_msg& dm) {
      auto i = running.find(dm.source);
      if (i == running.end())
        return;
      if (on_stopped)
        on_stopped(i->second);
      running.erase(i);
    });
}

void stop_engine_core(caf::actor_system& sys, engine_core& core, actor_directory& directory) {
  auto started = core.in_start_order();
  stop_actors(sys, started);
  for (auto& [name, a] : started)
    directory.erase(name);
  core = engine_core{};
}

} // namespace engine
