// Closed orders leave the order manager's memory (execution.recent_closed_orders) without
// losing what they guard: a resubmission stays refused and a late fill is booked once.
#include "tests/nodes/engine_fixture.hpp"

#include <chrono>
#include <thread>

#include "actors/journal/journal_recovery.hpp"

using namespace engine;
using namespace engine::testing;

class RecentOrders : public engine_fixture {
protected:
  /// Waits (bounded) until the order manager no longer holds `id`: closed orders leave in its
  /// 1 s tick, no earlier than one tick after they closed.
  bool left(const std::string& id) {
    for (int i = 0; i < 60; ++i) {
      if (execution(id).order_id.empty())
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  ExecutionReport late_fill(const std::string& order_id, const std::string& exec_id) {
    ExecutionReport rep;
    rep.event = OrderEvent::fill;
    rep.update.order_id = order_id;
    rep.update.ticker = "AAPL";
    rep.update.side = OrderSide::buy;
    rep.fill.exec_id = exec_id;
    rep.fill.ticker = "AAPL";
    rep.fill.side = OrderSide::buy;
    rep.fill.quantity = qty("1");
    rep.fill.price = px("99");
    rep.fill.timestamp = now;
    return rep;
  }
};

TEST_F(RecentOrders, ALeftOrderStaysRefusedAndItsLateFillIsBookedOnce) {
  cfg.execution.recent_closed_orders = 1;
  start();
  quote("AAPL", "100.00", "100.10");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto o = order("AAPL", OrderSide::buy, OrderType::limit, "1", "99");
    o.client_order_id = "mine-" + std::to_string(i);
    auto u = submit(o);
    ASSERT_EQ(u.status, OrderStatus::pending_new) << u.reason;
    ids.push_back(u.order_id);
    cancel(u.order_id);
  }
  settle();
  ASSERT_EQ(execution(ids[0]).status, OrderStatus::canceled);
  ASSERT_TRUE(left(ids[0]));
  EXPECT_TRUE(execution(ids[1]).order_id.empty());
  EXPECT_EQ(execution(ids[2]).status, OrderStatus::canceled); // the newest closed one stays

  // The counts of the run keep what left.
  auto s = stats();
  EXPECT_EQ(s.submitted, 3);
  EXPECT_EQ(s.canceled, 3);
  EXPECT_EQ(s.open, 0);

  // Its client order id is still refused, and it cannot be canceled again.
  auto again = order("AAPL", OrderSide::buy, OrderType::limit, "1", "99");
  again.client_order_id = "mine-0";
  auto refused = submit(again);
  EXPECT_EQ(refused.status, OrderStatus::rejected);
  EXPECT_EQ(refused.reason.rfind("duplicate_client_order_id", 0), 0u) << refused.reason;
  EXPECT_TRUE(refused.order_id.empty());
  EXPECT_EQ(cancel(ids[0]).reason.rfind("cannot_cancel", 0), 0u);
  EXPECT_EQ(stats().submitted, 3);

  // A fill that crossed its cancel in flight: booked once, to the books and the journal.
  send_to(names::order_manager, caf::make_message(late_fill(ids[0], "late-1")));
  settle();
  send_to(names::order_manager, caf::make_message(late_fill(ids[0], "late-1")));
  settle();
  EXPECT_EQ(position("AAPL").quantity, qty("1"));
  EXPECT_EQ(stats().fills, 1);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].order_id, ids[0]);

  shutdown();
  auto rec = recover_journal(journal_dir, false);
  auto o = std::find_if(rec.orders.begin(), rec.orders.end(),
                        [&](const OrderExecution& x) { return x.order_id == ids[0]; });
  ASSERT_NE(o, rec.orders.end());
  ASSERT_EQ(o->fills.size(), 1u);
  EXPECT_EQ(o->fills[0].exec_id, "late-1");
  EXPECT_EQ(rec.fills.size(), 1u);
}

TEST_F(RecentOrders, OpenOrdersNeverLeave) {
  cfg.execution.recent_closed_orders = 0;
  start();
  quote("AAPL", "100.00", "100.10");
  auto resting = submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "90"));
  auto closed = submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "90"));
  cancel(closed.order_id);
  settle();
  ASSERT_TRUE(left(closed.order_id));
  EXPECT_EQ(execution(resting.order_id).status, OrderStatus::new_);
  ASSERT_EQ(open_orders().size(), 1u);
  EXPECT_EQ(open_orders()[0].order_id, resting.order_id);
}
