// One conformance suite for the broker contract (brokers/broker_protocol.hpp), parameterized
// over broker kinds: every venue answers the same messages the same way.
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <functional>

#include "actors/actor_directory.hpp"
#include "brokers/broker_supervisor.hpp"
#include "brokers/sim_broker.hpp"
#include "brokers/sim_link.hpp"
#include "messages/type_ids.hpp"

using namespace engine;

namespace {

constexpr auto timeout = std::chrono::seconds(10);
constexpr const char* broker_name = "venue";

/// How a kind of broker is started and given a market to trade in.
struct broker_kind {
  std::string name;
  std::function<caf::actor(caf::actor_system&, std::shared_ptr<actor_directory>)> start;
  /// Makes AAPL tradable at bid/ask, settled when it returns.
  std::function<void(caf::scoped_actor&, const caf::actor&, const char*, const char*)> quote;
};

/// Stands in for the order manager: reports go to the test, barriers and reconciliation
/// are answered at once.
caf::behavior stand_in_order_manager(caf::event_based_actor* self, caf::actor test,
                                     std::shared_ptr<actor_directory> dir) {
  return {
    [=](const ExecutionReport& r) { self->send(test, r); },
    [=](sync_atom, const std::string& who, uint64_t token) {
      self->send(dir->get(who), sync_atom::value, token);
    },
    [=](const BrokerStatus& s) {
      if (s.state == BrokerState::reconciling)
        self->send(dir->get(s.broker), reconcile_atom::value, s.broker);
    },
  };
}

broker_kind simulator_kind() {
  broker_kind k;
  k.name = "simulator";
  k.start = [](caf::actor_system& sys, std::shared_ptr<actor_directory> dir) {
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
  k.quote = [](caf::scoped_actor& self, const caf::actor& broker, const char* bid,
               const char* ask) {
    static int64_t t = 1'764'000'000'000'000'000; // a Monday 15:xx UTC, inside the session
    t += 1'000'000'000;
    Quote q;
    q.ticker = "AAPL";
    q.bid = *Price::parse(bid);
    q.ask = *Price::parse(ask);
    q.bid_size = q.ask_size = Quantity::from_units(1000);
    q.timestamp = t;
    self->request(broker, timeout, step_atom::value, QuoteBatch{{q}})
      .receive([](done_atom) {}, [](caf::error& e) { FAIL() << to_string(e); });
  };
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
    broker = GetParam().start(*sys, dir);
    dir->put(broker_name, broker);
    wait_connected();
    GetParam().quote(*self, broker, "100.00", "100.10");
  }
  void TearDown() override {
    caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(om, caf::exit_reason::user_shutdown);
    dir->clear();
    self.reset();
  }

  void wait_connected() {
    for (int i = 0; i < 500; ++i) {
      BrokerStatus s;
      (*self)->request(broker, timeout, status_atom::value)
        .receive([&](const BrokerStatus& x) { s = x; }, [](caf::error&) {});
      if (s.state == BrokerState::connected)
        return;
      (*self)->receive([](const ExecutionReport&) {}, caf::after(std::chrono::milliseconds(10)) >> [] {});
    }
    FAIL() << "the broker never connected";
  }

  OrderRequest order(const std::string& id, OrderType type, const char* q, const char* limit = "0") {
    OrderRequest o;
    o.order_id = id;
    o.client_order_id = id;
    o.ticker = "AAPL";
    o.side = OrderSide::buy;
    o.order_type = type;
    o.quantity = *Quantity::parse(q);
    o.price = *Price::parse(limit);
    o.time_in_force = TimeInForce::day;
    return o;
  }

  /// The next report from the venue (fails after the timeout).
  ExecutionReport next_report() {
    ExecutionReport got;
    bool ok = false;
    (*self)->receive([&](const ExecutionReport& r) { got = r; ok = true; },
                     caf::after(timeout) >> [] {});
    EXPECT_TRUE(ok) << "no report from the venue";
    return got;
  }

  template <class T, class... Ts>
  T ask(Ts... xs) {
    T out{};
    (*self)->request(broker, timeout, xs...)
      .receive([&](const T& x) { out = x; }, [](caf::error& e) { ADD_FAILURE() << to_string(e); });
    return out;
  }

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> self;
  std::shared_ptr<actor_directory> dir = std::make_shared<actor_directory>();
  caf::actor om, broker;
};

} // namespace

TEST_P(BrokerConformance, SaysItIsConnected) {
  auto s = ask<BrokerStatus>(status_atom::value);
  EXPECT_EQ(s.broker, broker_name);
  EXPECT_EQ(s.state, BrokerState::connected);
}

TEST_P(BrokerConformance, AMarketOrderIsAcceptedThenFilledWithItsOwnQuantityAndPrice) {
  (*self)->send(broker, order("C-1", OrderType::market, "10"));
  auto ack = next_report();
  EXPECT_EQ(ack.event, OrderEvent::accept);
  EXPECT_EQ(ack.update.order_id, "C-1");
  auto fill = next_report();
  ASSERT_EQ(fill.event, OrderEvent::fill);
  EXPECT_EQ(fill.fill.order_id, "C-1");
  EXPECT_FALSE(fill.fill.exec_id.empty());
  EXPECT_EQ(fill.fill.quantity, *Quantity::parse("10"));
  EXPECT_GE(fill.fill.price, *Price::parse("100.00"));
  EXPECT_LE(fill.fill.price, *Price::parse("100.20"));
  EXPECT_EQ(fill.update.status, OrderStatus::filled);
  // The same order, asked by its client order id, and the fill since a watermark.
  auto e = ask<OrderExecution>(get_atom::value, std::string{"C-1"});
  EXPECT_EQ(e.status, OrderStatus::filled);
  ASSERT_EQ(e.fills.size(), 1u);
  EXPECT_EQ(e.fills[0].exec_id, fill.fill.exec_id);
  auto fills = ask<std::vector<Fill>>(fills_atom::value, timestamp_ns{0});
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].exec_id, fill.fill.exec_id);
  auto after = ask<std::vector<Fill>>(fills_atom::value, fill.fill.timestamp + 1);
  EXPECT_TRUE(after.empty()) << "nothing after the watermark";
  auto ps = ask<std::vector<Position>>(positions_atom::value);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].ticker, "AAPL");
  EXPECT_EQ(ps[0].quantity, *Quantity::parse("10"));
  auto acct = ask<AccountInfo>(account_atom::value);
  EXPECT_LT(acct.cash, Money::from_units(100000)) << "the purchase was paid for";
}

TEST_P(BrokerConformance, ARestingLimitIsListedOpenUntilCanceled) {
  (*self)->send(broker, order("C-2", OrderType::limit, "5", "90.00"));
  EXPECT_EQ(next_report().event, OrderEvent::accept);
  auto open = ask<std::vector<OrderExecution>>(orders_atom::value);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].order_id, "C-2");
  CancelRequest c;
  c.order_id = "C-2";
  (*self)->send(broker, c);
  auto r = next_report();
  EXPECT_EQ(r.event, OrderEvent::cancel);
  EXPECT_EQ(r.update.status, OrderStatus::canceled);
  EXPECT_TRUE(ask<std::vector<OrderExecution>>(orders_atom::value).empty());
}

TEST_P(BrokerConformance, AReplaceChangesTheRestingQuantity) {
  (*self)->send(broker, order("C-3", OrderType::limit, "5", "90.00"));
  EXPECT_EQ(next_report().event, OrderEvent::accept);
  ReplaceRequest rq;
  rq.order_id = "C-3";
  rq.quantity = *Quantity::parse("7");
  (*self)->send(broker, rq);
  auto r = next_report();
  EXPECT_EQ(r.event, OrderEvent::replace);
  EXPECT_EQ(r.update.leaves_quantity, *Quantity::parse("7"));
}

TEST_P(BrokerConformance, ACancelOfAnUnknownOrderIsRefused) {
  CancelRequest c;
  c.order_id = "NOPE-1";
  (*self)->send(broker, c);
  auto r = next_report();
  EXPECT_EQ(r.event, OrderEvent::cancel_reject);
  EXPECT_FALSE(r.update.reason.empty());
}

TEST_P(BrokerConformance, AnInvalidOrderIsRejectedWithAReason) {
  auto o = order("C-4", OrderType::market, "10");
  o.ticker = "NOSUCH";
  (*self)->send(broker, o);
  auto r = next_report();
  EXPECT_EQ(r.event, OrderEvent::reject);
  EXPECT_FALSE(r.update.reason.empty());
  auto e = ask<OrderExecution>(get_atom::value, std::string{"NEVER-SENT"});
  EXPECT_TRUE(e.order_id.empty()) << "an order the venue never got is unknown there";
}

INSTANTIATE_TEST_SUITE_P(Venues, BrokerConformance, ::testing::Values(simulator_kind()),
                         [](const auto& info) { return info.param.name; });
