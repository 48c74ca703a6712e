// One node of the engine: the actors config places on it, started in order and stopped in reverse.
#include "nodes/engine_node.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/clock/clock.hpp"
#include "actors/journal/journal_recovery.hpp"
#include "actors/market_data_feed.hpp"
#include "actors/order_manager.hpp"
#include "actors/strategy_host.hpp"
#include "brokers/broker_supervisor.hpp"
#include "brokers/network_broker.hpp"
#include "brokers/sim_broker.hpp"
#include "brokers/sim_link.hpp"
#include "brokers/venue_factory.hpp"
#include "config/config_loader.hpp"
#include "config/logging.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_core.hpp"
#include "nodes/http/event_tap.hpp"
#include "nodes/scheduler_settings.hpp"
#include "nodes/http/http_service.hpp"
#include "nodes/remote_bridge.hpp"

namespace engine {

namespace {

constexpr auto query_timeout = std::chrono::seconds(30);
constexpr auto drain_budget = std::chrono::seconds(20); // the whole drain, normally milliseconds
// How long the drain waits for the batch in flight to go through the lock step (normally a
// few milliseconds; only an overloaded run takes longer, and that one is cut).
constexpr auto step_budget = std::chrono::milliseconds(100);
// The last reconciliation's share with simulated venues: with tens of thousands of open orders
// behind a backlog it takes most of a second; cut, it goes on in the order manager, and the
// rounds below wait behind it.
constexpr auto reconcile_budget = std::chrono::milliseconds(300);

caf::actor_system_config make_system_config(const scheduler_config& s) {
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::engine>();
  apply_scheduler_settings(cfg, s);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}

/// Signals the node when the market data ends.
struct end_signal {
  std::mutex mtx;
  std::condition_variable cv;
  bool done = false;
};

bool hosts(const app_config& cfg, const std::string& node, const std::string& actor) {
  for (auto& n : cfg.nodes) {
    if (n.name != node)
      continue;
    for (auto& a : n.actors)
      if (a == "all" || a == actor)
        return true;
  }
  return cfg.nodes.empty();
}

/// An actor whose exit only frees memory: no file to write or close, no socket, nothing it
/// would still send. The simulated venue and its supervisor, the order manager, risk, the
/// books and the built-in strategies (a plug-in or the gateway may hold more than memory).
bool holds_only_memory(const app_config& cfg, const std::string& name) {
  if (name == names::order_manager || name == names::risk_manager ||
      name == names::position_keeper)
    return true;
  // A fallback simulator is added under names::simulator when the config has none.
  bool named_simulator = false;
  for (auto& b : cfg.execution.brokers) {
    named_simulator = named_simulator || b.name == names::simulator;
    if (name == b.name || name == b.name + ".venue")
      return b.type == "simulator";
  }
  if (!named_simulator && (name == names::simulator || name == std::string{names::simulator} + ".venue"))
    return true;
  for (auto& s : cfg.strategies)
    if (name == "strategy:" + s.name)
      return s.type == "random_orders" || s.type == "rebalancer" || s.type == "ma_crossover";
  return false;
}

} // namespace

struct engine_node::impl {
  app_config cfg;
  node_options opts;
  std::string node_name;
  caf::actor_system_config sys_cfg = make_system_config(cfg.scheduler); // cfg is set first
  caf::actor_system sys{sys_cfg};
  std::shared_ptr<actor_directory> dir = std::make_shared<actor_directory>();
  std::shared_ptr<simulated_clock> sim_clock;
  std::shared_ptr<end_signal> ended = std::make_shared<end_signal>();
  std::vector<std::pair<std::string, caf::actor>> started; // in start order
  std::shared_ptr<spdlog::logger> log = logger("node");
  std::unique_ptr<remote_bridge> bridge; // only when the config spreads over several nodes
  std::shared_ptr<market_data_monitor> md_monitor = std::make_shared<market_data_monitor>();
  std::unique_ptr<http::http_service> http; // the operator's API, when configured
  std::shared_ptr<http::event_tap> events_tap; // /events' window on a local order manager
  bool running = false;

  impl(app_config c, node_options o)
    : cfg(std::move(c)), opts(std::move(o)), node_name(opts.name) {}

  void add(const std::string& name, caf::actor a) {
    dir->put(name, a);
    started_here(name, std::move(a));
  }

  /// An actor already in the directory (the core's), to be stopped with the others.
  void started_here(const std::string& name, caf::actor a) {
    started.emplace_back(name, std::move(a));
    log->info("started {}", name);
  }

  bool here(const std::string& actor) const { return hosts(cfg, node_name, actor); }
};

engine_node::engine_node(app_config cfg, node_options opts)
  : impl_(std::make_unique<impl>(std::move(cfg), std::move(opts))) {}

engine_node::~engine_node() { stop(); }

void engine_node::start() {
  auto& m = *impl_;
  if (m.running)
    return;
  m.running = true;
  auto& cfg = m.cfg;
  if (cfg.clock.kind == clock_kind::simulated)
    m.sim_clock = std::make_shared<simulated_clock>(parse_iso8601(cfg.clock.start));
  // Actors placed on other nodes get proxies under their names first.
  if (is_multi_node(cfg))
    m.bridge = std::make_unique<remote_bridge>(m.sys, m.dir, cfg, m.node_name);

  // What the journal remembers comes back first: fills into the books, orders
  // into the order manager, and the sequence and id counters continue.
  recovered_state rec;
  if (m.here(names::trade_logger)) {
    rec = recover_journal(cfg.journal.dir, m.opts.recover_journal);
    for (auto& p : rec.summary.problems)
      m.log->critical("journal: {}", p);
    if (rec.summary.records > 0)
      m.log->warn("recovered from the journal: {} records, {} fills, {} orders ({} open), next "
                  "seq {}",
                  rec.summary.records, rec.fills.size(), rec.orders.size(), rec.open_orders,
                  rec.next_seq);
  }
  // Ids made after a restart carry the incarnation, so none repeats one in the journal.
  auto incarnation = rec.summary.records > 0 ? rec.incarnation() : std::string{};
  // A node of a cluster without the journal has no history to number from:
  // its start time keeps the ids it makes (client order ids) unique across restarts.
  if (m.bridge && !m.here(names::trade_logger))
    incarnation = "n" + std::to_string(wall_clock{}.now());

  // Brokers: each is a supervisor under the broker's name; a type this build has no client
  // for stops the start before any actor runs (never a silent run without a venue).
  // fallback_to_simulator (refused in live mode by the loader) needs a simulator to fall to.
  auto brokers = cfg.execution.brokers;
  std::map<std::string, std::string> fallback;
  for (auto& b : cfg.execution.brokers)
    if (b.fallback_to_simulator && b.type != "simulator") {
      bool have_sim = false;
      for (auto& x : brokers)
        have_sim = have_sim || x.name == names::simulator;
      if (!have_sim) {
        broker_config sim;
        sim.name = names::simulator;
        brokers.push_back(sim);
      }
      fallback[b.name] = names::simulator;
    }
  for (auto& b : brokers) {
    if (!venue_type_built_in(b.type))
      throw startup_error("broker '" + b.name + "' of type '" + b.type +
                          "' has no client in this build of execution-node");
    if (auto why = venue_config_problem(b); !why.empty())
      throw startup_error("broker '" + b.name + "': " + why);
  }

  // Start order: the journal first (everything acknowledged goes through it),
  // then the books, risk, the order manager (nodes/engine_core.hpp), the venues,
  // strategies, and last the market data that sets everything in motion. stop() reverses it.
  auto venue_fills = rec.fills; // the venue's account remembers what it traded
  auto core = engine_core_options_from(cfg, m.dir);
  core.with_simulator = false; // the venues below, behind their supervisors
  core.incarnation = incarnation;
  core.hosts = [&m](const std::string& actor) { return m.here(actor); };
  auto& om = core.order_manager;
  om.broker_name = cfg.execution.broker.name.empty() ? names::simulator : cfg.execution.broker.name;
  for (auto& b : brokers) {
    om.supervised.push_back(b.name);
    om.answer_timeout_ms[b.name] = b.answer_timeout_ms;
  }
  om.fallback = fallback;
  if (cfg.http.enabled && m.here(names::order_manager))
    om.tap = m.events_tap = std::make_shared<http::event_tap>();
  core.recovered = std::move(rec);
  for (auto& [name, a] : spawn_engine_core(m.sys, std::move(core)).in_start_order())
    m.started_here(name, std::move(a));
  std::vector<std::string> universe;
  for (auto& t : cfg.market_data.tickers)
    universe.push_back(t.ticker);
  if (cfg.market_data.source == "polygon")
    universe = cfg.market_data.polygon_tickers;
  auto clock_now = [sim = m.sim_clock] { return sim ? sim->now() : wall_clock{}.now(); };
  for (auto& b : brokers) {
    bool is_sim = b.type == "simulator";
    if (!m.here(is_sim ? names::simulator : "broker"))
      continue;
    broker_supervisor_options sup;
    sup.directory = m.dir;
    sup.config = b;
    sup.now = clock_now;
    sup.seed = cfg.execution.simulator.seed;
    if (is_sim) {
      sim_broker_options so;
      so.directory = m.dir;
      so.simulator = cfg.execution.simulator;
      so.session = cfg.session;
      so.universe = universe;
      so.simulated_time = cfg.clock.kind == clock_kind::simulated;
      so.initial_cash = cfg.initial_cash;
      so.initial_fills = venue_fills;
      so.exec_id_prefix = incarnation.empty() ? "SIM-" : "SIM-" + incarnation + "-";
      so.name = b.name;
      so.supervised = true;
      so.hold_until_settled = so.simulated_time && m.here(names::market_data);
      auto venue = spawn_sim_broker(m.sys, so);
      m.add(b.name + ".venue", venue);
      auto faults = b.faults.empty() ? nullptr
                                     : std::make_shared<shared_faults>(b.faults, clock_now());
      if (faults)
        m.log->warn("broker {}: fault plan: {}", b.name, describe(b.faults));
      sup.venue = venue;
      auto dir = m.dir;
      auto name = b.name;
      sup.spawn_connection = [=](caf::actor_system& sys, caf::actor supervisor, int64_t) {
        sim_link_options lo{dir, venue, supervisor, name, faults, clock_now};
        return spawn_sim_link(sys, lo);
      };
    } else {
      venue_context ctx;
      ctx.state_dir = cfg.journal.dir;
      sup.spawn_connection = network_connection_spawner(m.dir, b.name, make_venue_maker(b, ctx));
    }
    m.add(b.name, spawn_broker_supervisor(m.sys, sup));
  }
  if (m.bridge) {
    // Only now can what arrives find its local target; then wait for the peers.
    m.bridge->start();
    if (!m.bridge->wait_peers_up(std::chrono::seconds(60)))
      m.log->error("not every peer answered within a minute: {}", m.bridge->status());
  }
  // Recovered open orders are reconciled with the broker before anything new.
  if (auto om = m.here(names::order_manager) ? m.dir->get(names::order_manager) : caf::actor{}) {
    caf::scoped_actor self{m.sys};
    bool ok = false;
    self->request(om, query_timeout, start_atom::value)
      .receive([&](bool b) { ok = b; }, [&](caf::error&) { ok = false; });
    if (!ok)
      throw std::runtime_error("recovered open orders could not be reconciled with the broker");
  }
  // Orders flow only once every local broker is connected and reconciled: a simulated day
  // must not begin with rejects that a busier machine would not have had.
  for (auto& b : brokers) {
    auto h = m.here(b.type == "simulator" ? names::simulator : "broker") ? m.dir->get(b.name)
                                                                         : caf::actor{};
    if (!h)
      continue;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    caf::scoped_actor self{m.sys};
    BrokerStatus st;
    while (std::chrono::steady_clock::now() < deadline) {
      self->request(h, query_timeout, status_atom::value)
        .receive([&](const BrokerStatus& s) { st = s; }, [&](caf::error&) {});
      if (st.state == BrokerState::connected || st.state == BrokerState::down)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (st.state != BrokerState::connected)
      m.log->error("broker {} is {} after the start ({}); its orders are rejected "
                   "broker_unavailable until it connects",
                   b.name, enum_name(st.state), st.reason);
  }
  // Phase one: the venue and the books; phase two: the strategies. Only a simulated venue
  // takes part in the lock step.
  std::vector<std::vector<std::string>> phases{{names::risk_manager, names::position_keeper}, {}};
  std::vector<std::string> settle; // simulated venues that hold reports until the settle step
  for (auto& b : brokers)
    if (b.type == "simulator") {
      phases[0].insert(phases[0].begin(), b.name);
      if (cfg.clock.kind == clock_kind::simulated && m.here(names::simulator))
        settle.push_back(b.name);
    }
  for (auto& s : cfg.strategies) {
    auto name = "strategy:" + s.name;
    phases[1].push_back(name);
    if (!m.here(name))
      continue;
    strategy_host_options ho{m.dir, s.name, cfg.initial_cash, incarnation, m.opts.print_acks,
                             s.broker};
    m.add(name, spawn_strategy(m.sys, ho, s)); // a host, the gateway or a registered actor
  }
  if (m.here(names::market_data)) {
    auto ended = m.ended;
    auto on_end = m.sys.spawn([ended](caf::event_based_actor* self) -> caf::behavior {
      return {[=](done_atom) {
        {
          std::lock_guard<std::mutex> guard{ended->mtx};
          ended->done = true;
        }
        ended->cv.notify_all();
        self->quit();
      }};
    });
    market_data_options mo;
    mo.directory = m.dir;
    mo.market_data = cfg.market_data;
    mo.clock = cfg.clock;
    mo.session = cfg.session;
    mo.phases = phases;
    mo.settle = settle;
    mo.sim_clock = m.sim_clock;
    mo.on_end = on_end;
    // Participants on other nodes leave the lock step when their node goes down.
    if (m.bridge)
      for (auto& n : cfg.nodes)
        if (n.name != m.node_name)
          for (auto& a : node_actors(cfg, n))
            mo.node_of[a] = n.name;
    mo.monitor = m.md_monitor;
    if (cfg.market_data.source == "polygon")
      mo.events_journal = (std::filesystem::path{cfg.journal.dir} / "market_data.events").string();
    auto md = spawn_market_data(m.sys, mo);
    m.add(names::market_data, md);
    caf::anon_send(md, start_atom::value);
  }
  // Last up, first down: the API only asks the actors started above.
  if (cfg.http.enabled) {
    http::http_service_options ho;
    ho.config = cfg.http;
    ho.system = &m.sys;
    ho.directory = m.dir;
    ho.tap = m.events_tap;
    ho.tickers = universe;
    ho.status_line = [this] { return status_line(); };
    ho.now = [this] { return now(); };
    ho.brokers = [this] { // each supervisor's own state, and the live data feed's
      auto out = broker_statuses();
      auto md = impl_->md_monitor->get();
      if (md.source == "polygon")
        out.push_back(as_broker_status(md));
      return out;
    };
    for (auto& b : cfg.execution.brokers)
      ho.broker_names.push_back(b.name); // their state changes go to /events as they happen
    m.http = std::make_unique<http::http_service>(ho);
    m.http->start();
  }
}

bool engine_node::data_finished() const {
  std::lock_guard<std::mutex> guard{impl_->ended->mtx};
  return impl_->ended->done;
}

bool engine_node::wait_data_finished(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> guard{impl_->ended->mtx};
  return impl_->ended->cv.wait_for(guard, timeout, [&] { return impl_->ended->done; });
}

void engine_node::drain() { drain(std::chrono::steady_clock::now(), drain_budget); }

void engine_node::drain(std::chrono::steady_clock::time_point requested,
                        std::chrono::milliseconds budget) {
  auto& m = *impl_;
  if (!m.running)
    return;
  // Only this node's own actors: a peer may already be gone, and waiting on it
  // would only run into timeouts.
  auto local = [&](const char* name) { return m.here(name) ? m.dir->get(name) : caf::actor{}; };
  // A fill report lost without a reconnect is found by one last reconciliation (with the
  // brokers on this node: one on another node may already be gone).
  bool brokers_here = true;
  bool all_simulated = true; // a network venue's answers may take their time: no cut then
  bool lossless = true;      // in-process simulators without a fault plan lose no report
  for (auto& b : m.cfg.execution.brokers) {
    brokers_here = brokers_here && m.here(b.type == "simulator" ? names::simulator : "broker");
    all_simulated = all_simulated && b.type == "simulator";
    lossless = lossless && b.type == "simulator" && b.faults.empty();
  }
  // One budget for the whole drain, counted from the request, not a timeout per step:
  // whatever is still unsettled when it runs out stays as it is (journaled orders stay open,
  // as a venue keeps them; what was not journaled was never acknowledged).
  auto deadline = requested + (all_simulated ? std::min(budget, std::chrono::milliseconds(drain_budget))
                                             : std::chrono::milliseconds(drain_budget));
  auto left = [&](std::chrono::milliseconds cap = drain_budget) {
    auto rest = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    return caf::duration{std::clamp(rest, std::chrono::milliseconds(5), cap)};
  };
  // When each step ended, for the one line that says where a slow stop spent its time.
  auto began = std::chrono::steady_clock::now();
  std::vector<std::pair<const char*, std::chrono::steady_clock::time_point>> marks;
  auto mark = [&](const char* step) { marks.emplace_back(step, std::chrono::steady_clock::now()); };
  caf::scoped_actor self{m.sys};
  // The feed stops first and answers once the batch in flight has gone through every phase
  // of the lock step: the run ends between two steps, so the journals of two runs cut at the
  // same batch are the same. A backlog that does not settle in step_budget is cut short below.
  if (auto md = local(names::market_data))
    self->request(md, left(step_budget), stop_atom::value)
      .receive([](done_atom) {}, [&](caf::error&) {
        m.log->warn("the batch in flight did not settle in {} ms: the orders still queued are "
                    "refused", step_budget.count());
      });
  // Then stop admitting, ahead of any backlog: the orders still queued are refused
  // shutting_down at once (nothing of them was acknowledged), so the drain below waits for
  // what was taken, not for what was offered.
  mark("batch in flight");
  if (auto om = local(names::order_manager))
    self->send<caf::message_priority::high>(om, stop_atom::value);
  // Over a lossless link there is nothing to find, and listing 100,000 open orders at the
  // venue and comparing them took the order manager most of a second.
  if (auto om = brokers_here && !lossless ? local(names::order_manager) : caf::actor{})
    self->request(om, all_simulated ? left(reconcile_budget) : left(), reconcile_atom::value)
      .receive([](bool) {}, [&](caf::error& e) {
        m.log->error("final reconciliation failed: {}", m.sys.render(e));
      });
  mark(lossless ? "no reconciliation (lossless venues)" : "reconciliation");
  // Each answer below comes after everything the previous hop sent, so after
  // two rounds every report from the venue is journaled and in the books.
  const char* round_names[] = {"round 1", "round 2"};
  for (int round = 0; round < 2 && std::chrono::steady_clock::now() < deadline; ++round) {
    // Any query through the connection is a barrier; an order id that is none costs nothing
    // (the list of open orders would copy every resting order, twice).
    if (auto sim = local(names::simulator))
      self->request(sim, left(), get_atom::value, std::string{})
        .receive([](const OrderExecution&) {}, [](caf::error&) {});
    if (auto om = local(names::order_manager))
      self->request(om, left(), stats_atom::value)
        .receive([](const OrderStats&) {}, [](caf::error&) {});
    if (auto tl = local(names::trade_logger))
      self->request(tl, left(), journal_atom::value)
        .receive([](uint64_t) {}, [](caf::error&) {});
    if (auto om = local(names::order_manager))
      self->request(om, left(), stats_atom::value)
        .receive([](const OrderStats&) {}, [](caf::error&) {});
    if (auto pk = local(names::position_keeper))
      self->request(pk, left(), account_atom::value)
        .receive([](const AccountInfo&) {}, [](caf::error&) {});
    mark(round_names[round]);
  }
  std::string took;
  auto from = began;
  for (auto& [step, at] : marks) {
    took += (took.empty() ? "" : ", ") + std::string{step} + " " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(at - from).count()) + " ms";
    from = at;
  }
  if (marks.size() < 4)
    took += ", rounds cut";
  m.log->info("drained: {} ({} ms after the request)", took,
              std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - requested).count());
  if (std::chrono::steady_clock::now() >= deadline)
    m.log->warn("the drain ran out of its {} ms: venue reports still queued at the order manager "
                "are not journaled (none of them was acknowledged; the orders stay open in the "
                "journal and are reconciled at the next start)",
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - requested).count());
  if (m.bridge)
    m.bridge->drain(std::chrono::seconds(5)); // what this node sent is acknowledged
}

void engine_node::stop() {
  auto& m = *impl_;
  if (!m.running)
    return;
  m.running = false;
  if (m.http) {
    m.http->stop();
    m.http.reset();
    m.log->info("stopped the HTTP API");
  }
  stop_actors([](const std::string&) { return true; });
  if (m.bridge)
    m.bridge->stop();
  m.dir->clear();
}

void engine_node::stop_for_exit() {
  auto& m = *impl_;
  if (!m.running)
    return;
  if (m.bridge) { // the proxies go with the bridge: no actor may outlive it
    stop();
    return;
  }
  if (m.http) {
    m.http->stop();
    m.http.reset();
    m.log->info("stopped the HTTP API");
  }
  stop_actors([&](const std::string& name) { return !holds_only_memory(m.cfg, name); });
  m.log->info("left {} actors that hold only memory to the process's exit", m.started.size());
}

void engine_node::stop_actors(const std::function<bool(const std::string&)>& which) {
  auto& m = *impl_;
  // Every actor is told at once (in reverse of the start order) and then awaited: after the
  // drain nothing flows between them, and each one's clean-up (the journal closing its files)
  // overlaps the others' instead of adding up.
  std::vector<std::pair<std::string, caf::actor>> chosen;
  for (auto& started : m.started)
    if (which(started.first))
      chosen.push_back(started);
  engine::stop_actors(m.sys, chosen, [&](const std::string& name) { m.log->info("stopped {}", name); });
  m.started.erase(std::remove_if(m.started.begin(), m.started.end(),
                                 [&](const auto& s) { return which(s.first); }),
                  m.started.end());
}

node_report engine_node::report() {
  // A peer that is gone answers nothing: do not wait long for it.
  return report_within(impl_->bridge ? std::chrono::seconds(10) : std::chrono::seconds(30));
}

node_report engine_node::report_within(std::chrono::milliseconds budget) {
  auto& m = *impl_;
  node_report r;
  auto deadline = std::chrono::steady_clock::now() + budget;
  // Each query gets what is left of the budget (at least a moment, so that an idle
  // actor still answers).
  auto left = [&] {
    auto rest = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    return caf::duration{std::max(rest, std::chrono::milliseconds(5))};
  };
  caf::scoped_actor self{m.sys};
  // Ahead of any backlog: a status line must not hold the run loop (and the deadline it
  // watches) behind an overloaded order manager; the report follows the drain anyway.
  constexpr auto high = caf::message_priority::high;
  auto fail = [&](caf::error& e) {
    if (r.complete)
      m.log->warn("report query failed: {}", m.sys.render(e));
    r.complete = false;
  };
  if (auto pk = m.dir->get(names::position_keeper)) {
    self->request<high>(pk, left(), positions_atom::value)
      .receive([&](const std::vector<Position>& ps) { r.positions = ps; }, fail);
    // Tickers traded that ended flat stay in the report with their realized P&L.
    for (auto& t : m.cfg.market_data.tickers) {
      auto held = std::any_of(r.positions.begin(), r.positions.end(),
                              [&](const Position& p) { return p.ticker == t.ticker; });
      if (held)
        continue;
      self->request<high>(pk, left(), positions_atom::value, t.ticker)
        .receive(
          [&](const Position& p) {
            if (p.timestamp != 0 || !p.realized_pnl.is_zero())
              r.positions.push_back(p);
          },
          fail);
    }
    std::sort(r.positions.begin(), r.positions.end(),
              [](const Position& a, const Position& b) { return a.ticker < b.ticker; });
    self->request<high>(pk, left(), account_atom::value)
      .receive([&](const AccountInfo& a) { r.account = a; }, fail);
    self->request<high>(pk, left(), metrics_atom::value)
      .receive([&](const PerformanceMetrics& x) { r.metrics = x; }, fail);
  }
  if (auto om = m.dir->get(names::order_manager))
    self->request<high>(om, left(), stats_atom::value)
      .receive([&](const OrderStats& s) { r.orders = s; }, fail);
  r.brokers = r.orders.brokers; // as the order manager knows them, wherever they run
  r.market_data = m.md_monitor->get();
  for (auto& s : m.cfg.strategies)
    if (m.here("strategy:" + s.name))
      if (auto h = m.dir->get("strategy:" + s.name))
        self->request<high>(h, left(), stats_atom::value)
          .receive([&](const std::string& st) { r.strategies.emplace_back(s.name, st); }, fail);
  return r;
}

std::vector<BrokerStatus> engine_node::broker_statuses() {
  auto& m = *impl_;
  std::vector<BrokerStatus> out;
  caf::scoped_actor self{m.sys};
  for (auto& b : m.cfg.execution.brokers) {
    auto h = m.dir->get(b.name);
    if (!h)
      continue;
    self->request(h, std::chrono::seconds(3), status_atom::value)
      .receive([&](const BrokerStatus& s) { out.push_back(s); }, [](caf::error&) {});
  }
  return out;
}

std::string engine_node::status_line(std::chrono::milliseconds budget) {
  // Never holds the run loop (and its deadline) behind a busy actor's backlog.
  auto r = report_within(budget);
  std::string line = r.complete ? "" : "(busy: some figures are missing) ";
  line += r.orders.halt_reason.empty() ? "" : "HALTED (" + r.orders.halt_reason + ") ";
  line += "orders " + std::to_string(r.orders.submitted) + " (open "
                     + std::to_string(r.orders.open) + ", rejected "
                     + std::to_string(r.orders.rejected) + ") fills "
                     + std::to_string(r.orders.fills) + " equity "
                     + r.account.equity.round_to(one_cent, rounding::half_even).to_string()
                     + " P&L " + r.metrics.total_pnl.round_to(one_cent, rounding::half_even).to_string();
  for (auto& b : r.brokers) {
    line += " | " + b.broker + " " + std::string{enum_name(b.state)};
    if (b.state == BrokerState::reconnecting)
      line += " (attempt " + std::to_string(b.attempt) + " in " + std::to_string(b.next_delay_ms) + " ms)";
    if (b.restarts > 0)
      line += " restarts " + std::to_string(b.restarts);
  }
  if (r.orders.unknown > 0)
    line += " unknown " + std::to_string(r.orders.unknown);
  for (auto& rc : r.orders.rejects_by_reason)
    if (rc.reason == "overloaded" || rc.reason == "shutting_down")
      line += " " + std::string{rc.reason == "overloaded" ? "shed" : "refused at stop"} + " " +
              std::to_string(rc.count);
  if (impl_->sim_clock)
    line += " sim time " + format_iso8601(impl_->sim_clock->now(), -5 * 60);
  const auto& md = r.market_data;
  if (md.source == "polygon") {
    line += " | data " + md.state;
    if (md.state == "reconnecting")
      line += " (attempt " + std::to_string(md.attempt) + " in " + std::to_string(md.next_delay_ms) + " ms)";
    else if (md.state == "down" || md.state == "auth_failed")
      line += " (" + md.reason + ")";
    line += " quotes " + std::to_string(md.quotes) + " reconnects " +
            std::to_string(md.reconnects) + " gaps " + std::to_string(md.gaps) + " conflated " +
            std::to_string(md.conflated) + " garbage " + std::to_string(md.garbage);
  }
  return line;
}

timestamp_ns engine_node::now() const {
  if (impl_->sim_clock)
    return impl_->sim_clock->now();
  return wall_clock{}.now();
}

uint16_t engine_node::http_port() const { return impl_->http ? impl_->http->port() : 0; }

caf::actor_system& engine_node::system() { return impl_->sys; }
const std::shared_ptr<actor_directory>& engine_node::directory() const { return impl_->dir; }
const app_config& engine_node::config() const { return impl_->cfg; }

} // namespace engine
