// One conformance suite for the broker contract (brokers/broker_protocol.hpp), parameterized
// over broker kinds: every venue answers the same messages the same way. The simulator runs
// in process; Alpaca and IBKR run their real adapters (through the venue factory, the
// supervisor and network_broker, as execution-node builds them) against fake-alpaca and
// fake-tws, each started as a child process on 127.0.0.1 for every test.
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <set>

#include "actors/actor_directory.hpp"
#include "brokers/broker_supervisor.hpp"
#include "brokers/ibkr/fake/fake_tws.hpp"
#include "brokers/network_broker.hpp"
#include "brokers/sim_broker.hpp"
#include "brokers/sim_link.hpp"
#include "brokers/venue_factory.hpp"
#include "fake_server_process.hpp"
#include "stand_in_order_manager.hpp"
#include "messages/type_ids.hpp"

using namespace engine;
using engine::testing::stand_in_order_manager;

namespace {

// Generous: a loaded 2-core machine. Every wait ends as soon as its condition holds.
constexpr auto timeout = std::chrono::seconds(15);
constexpr const char* broker_name = "venue";
constexpr const char* ticker = "AAPL";

/// What a started kind holds until the test ends (a fake's process, a state directory).
using keep_alive = std::vector<std::shared_ptr<void>>;

/// How a kind of broker is started and what its market is, so that every test asserts the
/// same contract on every kind.
struct broker_kind {
  std::string name;
  /// Starts the venue and its supervisor; what must outlive the broker goes into `keep`.
  std::function<caf::actor(caf::actor_system&, std::shared_ptr<actor_directory>, keep_alive&)>
    start;
  /// Makes AAPL tradable (the simulator is given a quote); settled when it returns.
  std::function<void(caf::scoped_actor&, const caf::actor&)> open_market = nullptr;
  /// Every fill of a marketable AAPL buy lands in [fill_low, fill_high].
  Price fill_low, fill_high;
  /// A buy limit that fills at once, and one that never fills while a test runs.
  Price marketable_buy_limit;
  Price resting_buy_limit = *Price::parse("1.00");
};

/// gtest names a kind by its name (in ctest's test names too), not by its bytes.
void PrintTo(const broker_kind& k, std::ostream* os) { *os << k.name; }

Price px(const char* text) { return *Price::parse(text); }

broker_kind simulator_kind() {
  broker_kind k;
  k.name = "simulator";
  k.start = [](caf::actor_system& sys, std::shared_ptr<actor_directory> dir, keep_alive&) {
    sim_broker_options so;
    so.directory = dir;
    so.name = broker_name;
    so.supervised = true;
    so.simulated_time = true;
    auto venue = spawn_sim_broker(sys, so);
    broker_supervisor_options o;
    o.directory = dir;
    o.config.name = broker_name;
    o.venue = venue;
    o.spawn_connection = [dir, venue](caf::actor_system& s, caf::actor sup, int64_t) {
      return spawn_sim_link(s, sim_link_options{dir, venue, sup, broker_name, nullptr, nullptr});
    };
    return spawn_broker_supervisor(sys, o);
  };
  k.open_market = [](caf::scoped_actor& self, const caf::actor& broker) {
    Quote q;
    q.ticker = ticker;
    q.bid = px("100.00");
    q.ask = px("100.10");
    q.bid_size = q.ask_size = Quantity::from_units(1000);
    q.timestamp = 1'764'000'000'000'000'000; // a Monday 15:xx UTC, inside the session
    self->request(broker, timeout, step_atom::value, QuoteBatch{{q}})
      .receive([](done_atom) {}, [](caf::error& e) { FAIL() << to_string(e); });
  };
  k.fill_low = px("100.00");
  k.fill_high = px("100.20");
  k.marketable_buy_limit = px("101.00");
  return k;
}

/// A network broker as execution-node builds it: the venue factory's maker behind
/// network_broker, under a supervisor.
caf::actor start_network_broker(caf::actor_system& sys, std::shared_ptr<actor_directory> dir,
                                broker_config b, keep_alive& keep) {
  char tmpl[] = "/tmp/conformance-XXXXXX";
  if (!::mkdtemp(tmpl))
    throw std::runtime_error("mkdtemp failed");
  std::string state_dir = tmpl; // IB's order id floor lives here
  keep.push_back(std::shared_ptr<void>(nullptr, [state_dir](void*) {
    std::error_code ec;
    std::filesystem::remove_all(state_dir, ec);
  }));
  b.name = broker_name;
  b.backoff_initial_ms = 50;
  broker_supervisor_options o;
  o.directory = dir;
  o.config = b;
  o.spawn_connection = network_connection_spawner(dir, b.name, make_venue_maker(b, {state_dir}));
  return spawn_broker_supervisor(sys, o);
}

broker_kind alpaca_kind() {
  broker_kind k;
  k.name = "alpaca";
  k.start = [](caf::actor_system& sys, std::shared_ptr<actor_directory> dir, keep_alive& keep) {
    // AAPL held at 150.00: a known market for the fill prices.
    auto fake = std::make_shared<engine::testing::fake_server_process>(
      ENGINE_BINARY_DIR "/brokers/fake-alpaca",
      std::vector<std::string>{"--port", "0", "--tick-ms", "5", "--price", "AAPL=150.00"});
    keep.push_back(fake);
    broker_config b;
    b.type = "alpaca";
    auto port = std::to_string(fake->port());
    b.base_url = "http://127.0.0.1:" + port;
    b.stream_url = "ws://127.0.0.1:" + port + "/stream";
    b.api_key = secret{"fake-key"};
    b.secret_key = secret{"fake-secret"};
    b.requests_per_minute = 0; // the factory keeps the adapter's default bucket
    return start_network_broker(sys, dir, b, keep);
  };
  k.fill_low = k.fill_high = px("150.00");
  k.marketable_buy_limit = px("1000.00");
  return k;
}

broker_kind ibkr_kind() {
  broker_kind k;
  k.name = "ibkr";
  k.start = [](caf::actor_system& sys, std::shared_ptr<actor_directory> dir, keep_alive& keep) {
    auto fake = std::make_shared<engine::testing::fake_server_process>(
      ENGINE_BINARY_DIR "/brokers/fake-tws", std::vector<std::string>{"--port", "0"});
    keep.push_back(fake);
    broker_config b;
    b.type = "ibkr";
    b.host = "127.0.0.1";
    b.port = fake->port();
    b.client_id = 1;
    b.account = "DU1234567"; // fake-tws's default account
    return start_network_broker(sys, dir, b, keep);
  };
  // fake-tws fills at a fixed reference price per symbol.
  k.fill_low = k.fill_high = ibkr::fake::fake_tws::reference_price(ticker);
  k.marketable_buy_limit = k.fill_high + px("50.00");
  return k;
}

class BrokerConformance : public ::testing::TestWithParam<broker_kind> {
protected:
  void SetUp() override {
    cfg.add_message_types<caf::id_block::engine>();
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
    self = std::make_unique<caf::scoped_actor>(*sys);
    om = sys->spawn(stand_in_order_manager, caf::actor_cast<caf::actor>(*self), dir);
    dir->put(names::order_manager, om);
    broker = GetParam().start(*sys, dir, keep);
    dir->put(broker_name, broker);
    ASSERT_TRUE(wait_connected()) << "the broker never connected";
    if (GetParam().open_market)
      GetParam().open_market(*self, broker);
  }
  void TearDown() override {
    caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(om, caf::exit_reason::user_shutdown);
    dir->clear();
    broker = om = caf::actor{};
    self.reset();
    sys.reset(); // waits for every actor (the adapters' threads joined) before the fakes go
    keep.clear();
  }

  bool wait_connected() {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (state() == BrokerState::connected)
        return true;
      // Polls the state; reports meanwhile stay in the mailbox for the test.
      (*self)->receive([](ping_atom) {}, caf::after(std::chrono::milliseconds(20)) >> [] {});
    }
    return false;
  }

  BrokerState state() {
    BrokerStatus s;
    (*self)->request(broker, timeout, status_atom::value)
      .receive([&](const BrokerStatus& x) { s = x; }, [](caf::error&) {});
    return s.state;
  }

  OrderRequest order(const std::string& id, OrderType type, const char* q, Price limit = {}) {
    OrderRequest o;
    o.order_id = id;
    o.client_order_id = id;
    o.ticker = ticker;
    o.side = OrderSide::buy;
    o.order_type = type;
    o.quantity = *Quantity::parse(q);
    o.price = limit;
    o.time_in_force = TimeInForce::day;
    return o;
  }

  /// The next report about order `id` (fails after the timeout; others are set aside).
  ExecutionReport next_report(const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      ExecutionReport got;
      bool ok = false;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() > 0)
        (*self)->receive([&](const ExecutionReport& r) { got = r; ok = true; },
                         caf::after(left) >> [] {});
      if (!ok) {
        ADD_FAILURE() << "no report about " << id << " from the venue";
        return got;
      }
      if (got.update.order_id == id)
        return got;
      others.push_back(got);
    }
  }

  /// Reports about `id` up to and including the one that ends `done` (or the timeout).
  std::vector<ExecutionReport> reports_until(const std::string& id,
                                             const std::function<bool(const ExecutionReport&)>& done) {
    std::vector<ExecutionReport> out;
    for (int i = 0; i < 100; ++i) {
      out.push_back(next_report(id));
      if (out.back().update.order_id.empty() || done(out.back()))
        break;
    }
    return out;
  }

  /// Sends an order, checks it is accepted, and waits until it is filled: every fill with its
  /// own exec id, quantity and price, the cumulative quantity right after each.
  std::vector<Fill> expect_filled(const OrderRequest& o) {
    (*self)->send(broker, o);
    auto ack = next_report(o.order_id);
    EXPECT_EQ(ack.event, OrderEvent::accept) << "the first answer is the acceptance";
    auto rs = reports_until(o.order_id, [](auto& r) { return r.event == OrderEvent::fill; });
    std::vector<Fill> fills;
    std::set<std::string> exec_ids;
    Quantity cumulative;
    for (auto& r : rs) {
      if (r.event != OrderEvent::fill && r.event != OrderEvent::partial_fill) {
        ADD_FAILURE() << "unexpected " << enum_name(r.event) << " for " << o.order_id;
        continue;
      }
      EXPECT_EQ(r.fill.order_id, o.order_id);
      EXPECT_FALSE(r.fill.exec_id.empty());
      EXPECT_TRUE(exec_ids.insert(r.fill.exec_id).second) << "exec id reported twice";
      EXPECT_TRUE(r.fill.quantity.is_positive());
      EXPECT_GE(r.fill.price, GetParam().fill_low);
      EXPECT_LE(r.fill.price, GetParam().fill_high);
      cumulative += r.fill.quantity;
      EXPECT_EQ(r.update.executed_quantity, cumulative) << "the cumulative quantity";
      EXPECT_EQ(r.update.status, r.event == OrderEvent::fill ? OrderStatus::filled
                                                             : OrderStatus::partially_filled);
      fills.push_back(r.fill);
    }
    EXPECT_EQ(cumulative, o.quantity) << "the fills add up to the order";
    EXPECT_FALSE(rs.empty() || rs.back().event != OrderEvent::fill) << "the order ends filled";
    return fills;
  }

  /// Sends a limit that rests; checks it is accepted.
  void expect_resting(const std::string& id, const char* q) {
    (*self)->send(broker, order(id, OrderType::limit, q, GetParam().resting_buy_limit));
    auto ack = next_report(id);
    EXPECT_EQ(ack.event, OrderEvent::accept);
    EXPECT_EQ(ack.update.status, OrderStatus::new_);
  }

  template <class T, class... Ts>
  T ask(Ts... xs) {
    T out{};
    (*self)->request(broker, timeout, xs...)
      .receive([&](const T& x) { out = x; }, [](caf::error& e) { ADD_FAILURE() << to_string(e); });
    return out;
  }

  static std::set<std::string> exec_ids(const std::vector<Fill>& fs) {
    std::set<std::string> out;
    for (auto& f : fs)
      out.insert(f.exec_id);
    return out;
  }

  keep_alive keep; // declared first: outlives the actor system
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> self;
  std::shared_ptr<actor_directory> dir = std::make_shared<actor_directory>();
  caf::actor om, broker;
  std::vector<ExecutionReport> others; // reports about other orders, set aside
};

} // namespace

TEST_P(BrokerConformance, SaysItIsConnected) {
  auto s = ask<BrokerStatus>(status_atom::value);
  EXPECT_EQ(s.broker, broker_name);
  EXPECT_EQ(s.state, BrokerState::connected);
}

TEST_P(BrokerConformance, AMarketOrderIsAcceptedThenFilledWithItsOwnQuantitiesAndPrices) {
  auto fills = expect_filled(order("C-1", OrderType::market, "10"));
  ASSERT_FALSE(fills.empty());
  // The same order, asked by its client order id.
  auto e = ask<OrderExecution>(get_atom::value, std::string{"C-1"});
  EXPECT_EQ(e.order_id, "C-1");
  EXPECT_EQ(e.status, OrderStatus::filled);
  EXPECT_EQ(e.executed_quantity, *Quantity::parse("10"));
  EXPECT_EQ(exec_ids(e.fills), exec_ids(fills));
  // The fills since a watermark: exactly the ones made, nothing after the last.
  EXPECT_EQ(exec_ids(ask<std::vector<Fill>>(fills_atom::value, timestamp_ns{0})), exec_ids(fills));
  timestamp_ns first = fills.front().timestamp, last = fills.front().timestamp;
  for (auto& f : fills) {
    first = std::min(first, f.timestamp);
    last = std::max(last, f.timestamp);
  }
  EXPECT_EQ(exec_ids(ask<std::vector<Fill>>(fills_atom::value, first)), exec_ids(fills));
  EXPECT_TRUE(ask<std::vector<Fill>>(fills_atom::value, last + 1).empty())
    << "nothing after the watermark";
  auto ps = ask<std::vector<Position>>(positions_atom::value);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].ticker, ticker);
  EXPECT_EQ(ps[0].quantity, *Quantity::parse("10"));
  auto acct = ask<AccountInfo>(account_atom::value);
  EXPECT_LT(acct.cash, Money::from_units(100000)) << "the purchase was paid for";
  EXPECT_TRUE(acct.cash.is_positive());
}

TEST_P(BrokerConformance, AMarketableLimitFillsAtItsLimitOrBetter) {
  auto fills = expect_filled(order("C-5", OrderType::limit, "4", GetParam().marketable_buy_limit));
  for (auto& f : fills)
    EXPECT_LE(f.price, GetParam().marketable_buy_limit);
  EXPECT_TRUE(ask<std::vector<OrderExecution>>(orders_atom::value).empty()) << "nothing left open";
}

TEST_P(BrokerConformance, ARestingLimitIsListedOpenUntilCanceled) {
  expect_resting("C-2", "5");
  auto open = ask<std::vector<OrderExecution>>(orders_atom::value);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].order_id, "C-2");
  EXPECT_EQ(open[0].quantity, *Quantity::parse("5"));
  EXPECT_EQ(open[0].price, GetParam().resting_buy_limit);
  auto e = ask<OrderExecution>(get_atom::value, std::string{"C-2"});
  EXPECT_EQ(e.order_id, "C-2");
  EXPECT_EQ(e.status, OrderStatus::new_);
  EXPECT_TRUE(e.fills.empty());
  CancelRequest c;
  c.order_id = "C-2";
  (*self)->send(broker, c);
  auto r = next_report("C-2");
  EXPECT_EQ(r.event, OrderEvent::cancel);
  EXPECT_EQ(r.update.status, OrderStatus::canceled);
  EXPECT_TRUE(ask<std::vector<OrderExecution>>(orders_atom::value).empty());
  EXPECT_EQ(ask<OrderExecution>(get_atom::value, std::string{"C-2"}).status, OrderStatus::canceled);
  EXPECT_TRUE(ask<std::vector<Fill>>(fills_atom::value, timestamp_ns{0}).empty());
}

TEST_P(BrokerConformance, AReplaceChangesTheRestingQuantity) {
  expect_resting("C-3", "5");
  ReplaceRequest rq;
  rq.order_id = "C-3";
  rq.quantity = *Quantity::parse("7");
  (*self)->send(broker, rq);
  auto r = next_report("C-3");
  EXPECT_EQ(r.event, OrderEvent::replace);
  EXPECT_EQ(r.update.leaves_quantity, *Quantity::parse("7"));
  // The venue lists the one order, by the engine's id, with its new quantity.
  auto open = ask<std::vector<OrderExecution>>(orders_atom::value);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].order_id, "C-3");
  EXPECT_EQ(open[0].quantity, *Quantity::parse("7"));
  EXPECT_EQ(ask<OrderExecution>(get_atom::value, std::string{"C-3"}).quantity,
            *Quantity::parse("7"));
}

TEST_P(BrokerConformance, ACancelOfAnUnknownOrderIsRefused) {
  CancelRequest c;
  c.order_id = "NOPE-1";
  (*self)->send(broker, c);
  auto r = next_report("NOPE-1");
  EXPECT_EQ(r.event, OrderEvent::cancel_reject);
  EXPECT_FALSE(r.update.reason.empty());
}

TEST_P(BrokerConformance, AnInvalidOrderIsRejectedWithAReasonAndTheBrokerGoesOn) {
  (*self)->send(broker, order("C-4", OrderType::market, "0"));
  auto r = next_report("C-4");
  EXPECT_EQ(r.event, OrderEvent::reject);
  EXPECT_EQ(r.update.status, OrderStatus::rejected);
  EXPECT_FALSE(r.update.reason.empty());
  auto e = ask<OrderExecution>(get_atom::value, std::string{"NEVER-SENT"});
  EXPECT_TRUE(e.order_id.empty()) << "an order the venue never got is unknown there";
  EXPECT_EQ(state(), BrokerState::connected);
  expect_filled(order("C-6", OrderType::market, "2"));
}

INSTANTIATE_TEST_SUITE_P(Venues, BrokerConformance,
                         ::testing::Values(simulator_kind(), alpaca_kind(), ibkr_kind()),
                         [](const auto& info) { return info.param.name; });
