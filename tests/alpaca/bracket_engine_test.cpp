// A bracket order end to end against fake-alpaca: the engine's order manager, risk manager, books
// and journal, the Alpaca adapter behind its supervisor. The entry fills; the price is moved past
// the take-profit, whose leg fills, and the stop-loss leg is canceled. Both legs are orders of
// the parent's strategy (never "external"), and the books equal the fake's.
#include <caf/all.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "actors/actor_directory.hpp"
#include "actors/clock/clock.hpp"
#include "actors/journal/journal_recovery.hpp"
#include "brokers/broker_supervisor.hpp"
#include "brokers/network_broker.hpp"
#include "fake_process.hpp"
#include "messages/order_legs.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_core.hpp"
#include "tests/nodes/journal_check.hpp"

namespace engine::alpaca::testing {
namespace {

namespace fs = std::filesystem;
constexpr auto timeout = std::chrono::seconds(10);
constexpr const char* strategy = "bracket-test";

Price px(const char* s) { return *Price::parse(s); }
Quantity qty(const char* s) { return *Quantity::parse(s); }

class AlpacaBracketEngine : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/alpaca-bracket-XXXXXX";
    journal_dir = mkdtemp(tmpl);
    sys_cfg.add_message_types<caf::id_block::engine>();
    sys_cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    dir = std::make_shared<actor_directory>();
    auto opts = fake.options();
    engine_core_options co;
    co.directory = dir;
    co.journal.dir = journal_dir.string();
    co.journal.fsync = fsync_policy::never;
    co.initial_cash = initial_cash;
    co.with_simulator = false; // the Alpaca adapter below is the venue
    co.order_manager.broker_name = opts.broker;
    co.order_manager.supervised = {opts.broker};
    co.order_manager.answer_timeout_ms[opts.broker] = 5000;
    core = spawn_engine_core(*sys, std::move(co));
    // The broker as execution-node makes it: a supervisor spawning network_broker connections.
    broker_supervisor_options sup;
    sup.directory = dir;
    sup.config.name = opts.broker;
    sup.config.type = "alpaca";
    sup.config.backoff_initial_ms = 20;
    sup.now = [] { return wall_clock{}.now(); };
    auto d = dir;
    sup.spawn_connection = [d, opts](caf::actor_system& s, caf::actor supervisor, int64_t) {
      network_broker_options no;
      no.directory = d;
      no.broker_name = opts.broker;
      no.supervisor = supervisor;
      no.connection = std::make_unique<alpaca_connection>(opts);
      return spawn_network_broker(s, std::move(no));
    };
    add(opts.broker, spawn_broker_supervisor(*sys, sup));
    self = std::make_unique<caf::scoped_actor>(*sys);
    bool started = false;
    (*self)
      ->request(dir->get(names::order_manager), timeout, start_atom::value)
      .receive([&](bool b) { started = b; }, [](caf::error& e) { FAIL() << to_string(e); });
    ASSERT_TRUE(started);
    ASSERT_TRUE(eventually([&] {
      BrokerStatus st;
      (*self)
        ->request(dir->get(opts.broker), timeout, status_atom::value)
        .receive([&](const BrokerStatus& s) { st = s; }, [](caf::error&) {});
      return st.state == BrokerState::connected;
    })) << "the adapter connected to fake-alpaca";
  }

  void TearDown() override {
    shutdown();
    fs::remove_all(journal_dir);
  }

  /// Stops the adapter and the core; the journal writer drains and closes.
  void shutdown() {
    self.reset();
    if (!sys)
      return;
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    spawned.clear();
    stop_engine_core(*sys, core, *dir);
    dir->clear();
    sys.reset();
  }

  void add(const std::string& name, caf::actor a) {
    dir->put(name, a);
    spawned.push_back(a);
  }

  /// Polls `pred` until it holds, at most 10 s: the fake fills on its own clock.
  static bool eventually(const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred())
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
  }

  template <class T, class... Ts>
  T ask(const std::string& name, Ts... xs) {
    T out{};
    (*self)
      ->request(dir->get(name), timeout, xs...)
      .receive([&](const T& x) { out = x; }, [](caf::error& e) { FAIL() << to_string(e); });
    return out;
  }
  OrderExecution execution(const std::string& id) {
    return ask<OrderExecution>(names::order_manager, get_atom::value, id);
  }
  bool has_status(const std::string& id, OrderStatus s) { return execution(id).status == s; }

  std::string submit(const OrderRequest& o) {
    OrderUpdate u;
    (*self)
      ->request(dir->get(names::order_manager), timeout, o)
      .receive([&](const OrderUpdate& x) { u = x; }, [](caf::error& e) { FAIL() << to_string(e); });
    EXPECT_NE(u.status, OrderStatus::rejected) << u.reason;
    return u.order_id;
  }

  OrderRequest buy_limit(const char* q, const char* limit) {
    OrderRequest o;
    o.ticker = "AAPL";
    o.side = OrderSide::buy;
    o.order_type = OrderType::limit;
    o.quantity = qty(q);
    o.price = px(limit);
    o.time_in_force = TimeInForce::gtc;
    o.timestamp = wall_clock{}.now();
    o.strategy = strategy;
    return o;
  }

  void set_price(const char* p) {
    int status = 0;
    fake.post(std::string{"/fake/price?symbol=AAPL&price="} + p, &status);
    ASSERT_EQ(status, 200);
  }

  fake_process fake;
  Money initial_cash = Money::from_units(100000); // the fake account's cash
  fs::path journal_dir;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<actor_directory> dir;
  std::unique_ptr<caf::scoped_actor> self;
  engine_core core;
  std::vector<caf::actor> spawned; // besides the core: the broker supervisor
};

TEST_F(AlpacaBracketEngine, TakeProfitFillsStopLossIsCanceledAndTheBooksMatchTheFake) {
  set_price("100");
  // A simple buy first, so that the books end with a position to compare.
  auto first = submit(buy_limit("3", "101"));
  ASSERT_TRUE(eventually([&] { return has_status(first, OrderStatus::filled); }));

  auto bracket = buy_limit("10", "101");
  bracket.order_class = OrderClass::bracket;
  bracket.take_profit_limit_price = px("105");
  bracket.stop_loss_stop_price = px("95");
  auto parent = submit(bracket);
  auto tp = leg_order_id(parent, OrderLeg::take_profit);
  auto sl = leg_order_id(parent, OrderLeg::stop_loss);
  ASSERT_TRUE(eventually([&] { return has_status(parent, OrderStatus::filled); }));
  // The entry filled: both legs are working at the venue, and orders of the engine.
  ASSERT_TRUE(eventually([&] {
    return has_status(tp, OrderStatus::new_) && has_status(sl, OrderStatus::new_);
  })) << "tp " << enum_name(execution(tp).status) << ", sl " << enum_name(execution(sl).status);

  set_price("107"); // past the take-profit (105), far from the stop (95)
  ASSERT_TRUE(eventually([&] {
    return has_status(tp, OrderStatus::filled) && has_status(sl, OrderStatus::canceled);
  })) << "tp " << enum_name(execution(tp).status) << ", sl " << enum_name(execution(sl).status);

  auto p = execution(parent);
  auto t = execution(tp);
  auto s = execution(sl);
  EXPECT_EQ(p.executed_quantity, qty("10"));
  EXPECT_EQ(t.strategy, strategy);
  EXPECT_EQ(s.strategy, strategy);
  EXPECT_EQ(t.side, OrderSide::sell);
  EXPECT_EQ(t.order_type, OrderType::limit);
  EXPECT_EQ(t.executed_quantity, qty("10"));
  EXPECT_GE(t.average_price, px("105"));
  EXPECT_EQ(s.order_type, OrderType::stop);
  EXPECT_EQ(s.stop_price, px("95"));
  EXPECT_TRUE(s.executed_quantity.is_zero());
  for (auto& e : ask<std::vector<OrderExecution>>(names::order_manager, orders_atom::value, true))
    EXPECT_EQ(e.strategy, strategy) << e.order_id << " is not the strategy's";

  // The books equal the fake's positions and cash, and hold exactly the fake's fills.
  simdjson::dom::parser parser;
  std::map<std::string, Quantity> venue_positions;
  auto positions_body = fake.get("/v2/positions");
  simdjson::dom::array positions;
  ASSERT_EQ(parser.parse(positions_body).get(positions), simdjson::SUCCESS) << positions_body;
  for (auto pos : positions) {
    std::string_view sym, q;
    ASSERT_EQ(pos["symbol"].get(sym), simdjson::SUCCESS);
    ASSERT_EQ(pos["qty"].get(q), simdjson::SUCCESS);
    venue_positions[std::string{sym}] = *Quantity::parse(q);
  }
  EXPECT_EQ(venue_positions, (std::map<std::string, Quantity>{{"AAPL", qty("3")}}));
  auto ours = ask<Position>(names::position_keeper, positions_atom::value, std::string{"AAPL"});
  EXPECT_EQ(ours.quantity, venue_positions["AAPL"]);

  auto account_body = fake.get("/v2/account");
  std::string_view cash;
  ASSERT_EQ(parser.parse(account_body)["cash"].get(cash), simdjson::SUCCESS) << account_body;
  EXPECT_EQ(ask<AccountInfo>(names::position_keeper, account_atom::value).cash,
            *Money::parse(cash));

  auto state_body = fake.get("/fake/state");
  simdjson::dom::element state;
  ASSERT_EQ(parser.parse(state_body).get(state), simdjson::SUCCESS) << state_body;
  int64_t duplicates = -1;
  ASSERT_EQ(state["duplicate_posts"].get(duplicates), simdjson::SUCCESS);
  EXPECT_EQ(duplicates, 0);
  std::set<std::string> venue_fills;
  for (auto f : state["fills"].get_array()) {
    std::string_view id;
    ASSERT_EQ(f["execution_id"].get(id), simdjson::SUCCESS);
    venue_fills.insert(std::string{id});
  }
  EXPECT_EQ(venue_fills.size(), 3u) << state_body; // the simple buy, the entry, the take-profit
  // Every fill journaled (and applied) once: the trade log is the fake's fills.
  ASSERT_TRUE(eventually([&] {
    return engine::testing::recompute(journal_dir, initial_cash).exec_ids.size()
           == venue_fills.size();
  }));
  auto books = engine::testing::recompute(journal_dir, initial_cash);
  EXPECT_EQ(std::set<std::string>(books.exec_ids.begin(), books.exec_ids.end()), venue_fills);
  EXPECT_EQ(books.quantity["AAPL"], qty("3"));

  // The legs are in the journal as accepted orders of the strategy, for a restart to find.
  shutdown();
  auto rec = recover_journal(journal_dir.string(), false);
  std::map<std::string, std::string> journaled;
  for (auto& o : rec.orders)
    journaled[o.order_id] = o.strategy;
  EXPECT_EQ(journaled[tp], strategy);
  EXPECT_EQ(journaled[sl], strategy);
}

} // namespace
} // namespace engine::alpaca::testing
