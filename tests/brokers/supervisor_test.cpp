// The broker supervisor on CAF's deterministic test scheduler: restarts follow the backoff on
// the simulated clock, the intensity ends in down, a manual restart brings it back.
#include "brokers/broker_supervisor.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/actor_directory.hpp"
#include "messages/type_ids.hpp"

using namespace engine;

namespace {

struct recorded {
  std::vector<BrokerStatus> statuses;
  std::vector<OrderRequest> orders_at_venue;
  int attempts = 0;
  bool refuse = true; // connections fail at once while set
};

/// A connection that fails at once, or comes up and takes orders, as `rec->refuse` says.
caf::behavior fake_connection(caf::event_based_actor* self, caf::actor supervisor,
                              std::shared_ptr<recorded> rec) {
  ++rec->attempts;
  if (rec->refuse) {
    self->quit(caf::make_error(caf::sec::runtime_error, "connection refused"));
    return {};
  }
  BrokerStatus up;
  up.state = BrokerState::connected;
  self->send(supervisor, up);
  return {
    [=](const OrderRequest& o) { rec->orders_at_venue.push_back(o); },
    [=](ping_atom) { return ping_atom::value; },
  };
}

/// Stands in for the order manager: records statuses, reconciles at once.
caf::behavior fake_order_manager(caf::event_based_actor* self, std::shared_ptr<recorded> rec,
                                 std::shared_ptr<actor_directory> dir) {
  return {
    [=](const BrokerStatus& s) {
      rec->statuses.push_back(s);
      if (s.state == BrokerState::reconciling)
        self->send(dir->get(s.broker), reconcile_atom::value, s.broker);
    },
  };
}

class Supervisor : public ::testing::Test {
protected:
  Supervisor() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    cfg.add_message_types<caf::id_block::engine>();
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }
  ~Supervisor() override {
    for (auto& a : actors)
      caf::anon_send_exit(a, caf::exit_reason::kill);
    sched->run();
  }

  /// Nanoseconds on the test scheduler's clock: the supervisor's `now`.
  int64_t now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
             sched->clock().now().time_since_epoch())
      .count();
  }

  caf::actor start(broker_config b) {
    auto om = sys->spawn(fake_order_manager, rec, dir);
    dir->put(names::order_manager, om);
    broker_supervisor_options o;
    o.directory = dir;
    o.config = b;
    o.jitter = 0; // exact delays: the formula is checked here, the jitter in restart_policy_test
    o.now = [this] { return now(); };
    auto r = rec;
    o.spawn_connection = [r](caf::actor_system& s, caf::actor sup, int64_t) {
      return s.spawn(fake_connection, sup, r);
    };
    auto sup = spawn_broker_supervisor(*sys, o);
    dir->put(b.name, sup);
    actors = {om, sup};
    sched->run();
    return sup;
  }

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::shared_ptr<actor_directory> dir = std::make_shared<actor_directory>();
  std::shared_ptr<recorded> rec = std::make_shared<recorded>();
  std::vector<caf::actor> actors;
};

broker_config failing_broker() {
  broker_config b;
  b.name = "venue";
  b.max_restarts = 3;
  b.restart_window_s = 60;
  b.backoff_initial_ms = 100;
  b.backoff_max_ms = 250;
  b.down_retry_s = 0; // down stays down until a manual restart
  b.ping_interval_ms = 60'000;
  return b;
}

} // namespace

TEST_F(Supervisor, FailingForeverEndsDownAfterMaxRestartsWithTheConfiguredBackoff) {
  start(failing_broker());
  ASSERT_EQ(rec->attempts, 1);
  // Each restart comes exactly after its delay: 100, 200, then 250 (the cap).
  for (int64_t delay : {100, 200, 250}) {
    ASSERT_FALSE(rec->statuses.empty());
    auto& last = rec->statuses.back();
    ASSERT_EQ(last.state, BrokerState::reconnecting) << last.reason;
    EXPECT_EQ(last.next_delay_ms, delay);
    EXPECT_NE(last.reason.find("connection refused"), std::string::npos) << last.reason;
    int before = rec->attempts;
    sched->advance_time(std::chrono::milliseconds(delay) - std::chrono::nanoseconds(1));
    sched->run();
    EXPECT_EQ(rec->attempts, before) << "no restart before the delay has passed";
    sched->advance_time(std::chrono::nanoseconds(1));
    sched->run();
    EXPECT_EQ(rec->attempts, before + 1) << "the restart comes when the delay has passed";
  }
  ASSERT_EQ(rec->statuses.back().state, BrokerState::down);
  EXPECT_NE(rec->statuses.back().reason.find("restart intensity spent"), std::string::npos);
  // Down: nothing more is tried, however long we wait.
  sched->advance_time(std::chrono::seconds(3600));
  sched->run();
  EXPECT_EQ(rec->attempts, 4);
}

TEST_F(Supervisor, OrdersReachTheVenueOnlyWhileConnectedAndAManualRestartBringsItBack) {
  auto sup = start(failing_broker());
  for (int i = 0; i < 3; ++i) {
    sched->advance_time(std::chrono::milliseconds(300)); // past each backoff delay
    sched->run();
  }
  ASSERT_EQ(rec->statuses.back().state, BrokerState::down);
  OrderRequest o;
  o.order_id = "O-1";
  caf::anon_send(sup, o);
  sched->run();
  EXPECT_TRUE(rec->orders_at_venue.empty()) << "nothing reaches a venue that is down";
  // The venue is back; an operator restarts the connection.
  rec->refuse = false;
  caf::anon_send(sup, start_atom::value);
  sched->run();
  std::vector<BrokerState> tail;
  for (auto i = rec->statuses.end() - 3; i != rec->statuses.end(); ++i)
    tail.push_back(i->state);
  EXPECT_EQ(tail, (std::vector<BrokerState>{BrokerState::connecting, BrokerState::reconciling,
                                             BrokerState::connected}))
    << "back through reconciliation";
  o.order_id = "O-2";
  caf::anon_send(sup, o);
  sched->run();
  ASSERT_EQ(rec->orders_at_venue.size(), 1u);
  EXPECT_EQ(rec->orders_at_venue[0].order_id, "O-2");
}
