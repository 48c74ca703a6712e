// An in-process engine for end-to-end tests: the real actors, quotes and orders driven by the test.
#pragma once

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "actors/actor_directory.hpp"
#include "actors/clock/clock.hpp"
#include "actors/journal/file_ops.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_core.hpp"

namespace engine::testing {

inline Price px(const char* s) { return *Price::parse(s); }
inline Quantity qty(const char* s) { return *Quantity::parse(s); }
inline Money money(const char* s) { return *Money::parse(s); }
inline Rate rate(const char* s) { return *Rate::parse(s); }

/// The core actors (nodes/engine_core.hpp: trade logger, position keeper, risk manager, order
/// manager, simulator); the test plays the market data and the strategy (a scoped actor
/// subscribed to every update and fill).
class engine_fixture : public ::testing::Test {
protected:
  static constexpr auto timeout = std::chrono::seconds(10);

  engine_fixture() {
    cfg.initial_cash = money("100000");
    cfg.execution.simulator.commission_rate = rate("0.001");
    cfg.execution.simulator.min_commission = money("1");
    cfg.execution.simulator.execution_delay_ms = 0;
    cfg.journal.fsync = fsync_policy::never;
    char tmpl[] = "/tmp/engine-e2e-XXXXXX";
    journal_dir = mkdtemp(tmpl);
    cfg.journal.dir = journal_dir;
    now = parse_iso8601("2026-11-24T10:00:00-05:00");
  }

  ~engine_fixture() override {
    shutdown();
    std::filesystem::remove_all(journal_dir);
  }

  /// Stops every actor and the system (the journal writer drains and closes).
  void shutdown() {
    self.reset();
    if (sys) {
      stop_engine_core(*sys, core, *dir);
      sys.reset();
    }
  }

  /// A fresh actor system and directory (also after shutdown(), for restarts).
  void start_system() {
    sys_cfg = std::make_unique<caf::actor_system_config>();
    sys_cfg->add_message_types<caf::id_block::engine>();
    sys_cfg->set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(*sys_cfg);
    dir = std::make_shared<actor_directory>();
  }

  /// The engine from `cfg` and the knobs below; over a journal's `rec` for a restart (a fresh
  /// simulator then, which knows nothing of the orders the journal left open).
  void start(recovered_state rec = {}) {
    start_system();
    auto o = engine_core_options_from(cfg, dir);
    o.journal_ops = journal_ops;
    o.order_manager.max_queued_orders = max_queued_orders;
    o.universe = universe;
    o.incarnation = rec.summary.records > 0 ? rec.incarnation() : std::string{};
    o.recovered = std::move(rec);
    core = spawn_engine_core(*sys, std::move(o));
    self = std::make_unique<caf::scoped_actor>(*sys);
    (*self)->send(core.order_manager, subscribe_atom::value, caf::actor_cast<caf::actor>(*self));
  }

  /// One quote, one second after the previous, to the venue, risk and books.
  void quote(const std::string& ticker, const char* bid, const char* ask, const char* bid_size = "100",
             const char* ask_size = "100") {
    now += ns_per_second;
    Quote q;
    q.ticker = ticker;
    q.bid = px(bid);
    q.ask = px(ask);
    q.bid_size = qty(bid_size);
    q.ask_size = qty(ask_size);
    q.timestamp = now;
    if (auto e = step_engine_core(*sys, core, QuoteBatch{{q}}, timeout))
      ADD_FAILURE() << to_string(e);
    settle();
  }

  OrderRequest order(const std::string& ticker, OrderSide side, OrderType type, const char* q,
                     const char* limit = "0", const char* stop = "0") {
    OrderRequest o;
    o.ticker = ticker;
    o.side = side;
    o.order_type = type;
    o.quantity = qty(q);
    o.price = px(limit);
    o.stop_price = px(stop);
    o.time_in_force = TimeInForce::day;
    o.timestamp = now;
    o.strategy = "test";
    return o;
  }

  OrderUpdate submit(const OrderRequest& o) {
    OrderUpdate out;
    (*self)
      ->request(dir->get(names::order_manager), timeout, o)
      .receive([&](const OrderUpdate& u) { out = u; },
               [](caf::error& e) { FAIL() << to_string(e); });
    settle();
    return out;
  }

  OrderUpdate cancel(const std::string& order_id) {
    CancelRequest c;
    c.order_id = order_id;
    c.timestamp = now;
    OrderUpdate out;
    (*self)
      ->request(dir->get(names::order_manager), timeout, c)
      .receive([&](const OrderUpdate& u) { out = u; },
               [](caf::error& e) { FAIL() << to_string(e); });
    settle();
    return out;
  }

  /// Waits until everything in flight is journaled and in the books, then
  /// collects the updates and fills sent to the test.
  void settle() {
    for (int round = 0; round < 3; ++round) {
      query<std::vector<OrderExecution>>(names::simulator, orders_atom::value);
      query<OrderStats>(names::order_manager, stats_atom::value);
      query<uint64_t>(names::trade_logger, journal_atom::value);
      query<OrderStats>(names::order_manager, stats_atom::value);
      query<RiskLimits>(names::risk_manager, get_atom::value);
      query<AccountInfo>(names::position_keeper, account_atom::value);
    }
    bool more = true;
    while (more)
      (*self)->receive([&](const OrderUpdate& u) { updates.push_back(u); },
                       [&](const Fill& f) { fills.push_back(f); },
                       caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
  }

  template <class T, class... Ts>
  T query(const char* name, Ts... xs) {
    T out;
    (*self)->request(dir->get(name), timeout, xs...)
      .receive([&](const T& x) { out = x; }, [](caf::error& e) { FAIL() << to_string(e); });
    return out;
  }

  Position position(const std::string& ticker) {
    return query<Position>(names::position_keeper, positions_atom::value, ticker);
  }
  AccountInfo account() { return query<AccountInfo>(names::position_keeper, account_atom::value); }
  PerformanceMetrics metrics() {
    return query<PerformanceMetrics>(names::position_keeper, metrics_atom::value);
  }
  OrderStats stats() { return query<OrderStats>(names::order_manager, stats_atom::value); }
  OrderExecution execution(const std::string& id) {
    return query<OrderExecution>(names::order_manager, get_atom::value, id);
  }
  std::vector<OrderExecution> open_orders() {
    return query<std::vector<OrderExecution>>(names::order_manager, orders_atom::value);
  }
  void send_to(const char* name, caf::message msg) { (*self)->send(dir->get(name), std::move(msg)); }

  app_config cfg;
  std::shared_ptr<file_ops> journal_ops; // null: the real POSIX calls
  size_t max_queued_orders = 0;          // the order manager's admission bound (0: off)
  std::vector<std::string> universe{"AAPL", "MSFT"}; // tickers the simulator lists
  std::string journal_dir;
  timestamp_ns now;
  std::unique_ptr<caf::actor_system_config> sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<actor_directory> dir;
  std::unique_ptr<caf::scoped_actor> self;
  engine_core core;
  std::vector<OrderUpdate> updates;
  std::vector<Fill> fills;
};

} // namespace engine::testing
