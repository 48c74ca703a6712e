// Replaying the journal reproduces what the engine had: open orders, positions and cash, exactly.
#include "tests/nodes/engine_fixture.hpp"

#include "actors/journal/journal_recovery.hpp"
#include "actors/portfolio/position_book.hpp"

using namespace engine;
using namespace engine::testing;

class Recovery : public engine_fixture {};

TEST_F(Recovery, ReplayReproducesOpenOrdersPositionsAndCash) {
  start();
  quote("AAPL", "100.00", "100.10", "100", "100");
  quote("MSFT", "400.00", "400.20", "100", "100");
  submit(order("AAPL", OrderSide::buy, OrderType::market, "150")); // 100 now, 50 on the next quote
  submit(order("MSFT", OrderSide::sell, OrderType::market, "5"));  // a short
  auto resting = submit(order("AAPL", OrderSide::buy, OrderType::limit, "7", "95"));
  auto canceled = submit(order("MSFT", OrderSide::buy, OrderType::limit, "3", "390"));
  cancel(canceled.order_id);
  quote("AAPL", "100.20", "100.30", "100", "100");
  submit(order("AAPL", OrderSide::sell, OrderType::market, "30"));

  auto open_before = open_orders();
  auto account_before = account();
  auto aapl = position("AAPL");
  auto msft = position("MSFT");
  auto stats_before = stats();
  ASSERT_EQ(open_before.size(), 1u);
  EXPECT_EQ(open_before[0].order_id, resting.order_id);
  shutdown();

  auto rec = recover_journal(journal_dir, false);
  EXPECT_TRUE(rec.summary.clean());
  EXPECT_EQ(rec.open_orders, 1u);
  EXPECT_EQ(rec.next_order_id, 6u);
  EXPECT_EQ(rec.next_seq, rec.summary.last_seq + 1);
  EXPECT_EQ(static_cast<int64_t>(rec.fills.size()), stats_before.fills);
  for (auto& o : rec.orders) {
    if (o.order_id == resting.order_id) {
      EXPECT_EQ(o.status, OrderStatus::new_);
      EXPECT_EQ(o.price, px("95"));
      EXPECT_EQ(o.quantity, qty("7"));
    }
    if (o.order_id == canceled.order_id) {
      EXPECT_EQ(o.status, OrderStatus::canceled);
    }
    if (o.order_id == "O-1") {
      EXPECT_EQ(o.status, OrderStatus::filled);
      EXPECT_EQ(o.executed_quantity, qty("150"));
      EXPECT_EQ(o.fills.size(), 2u);
    }
  }
  position_book book{cfg.initial_cash};
  for (auto& f : rec.fills)
    book.apply_fill(f);
  EXPECT_EQ(book.cash(), account_before.cash);
  EXPECT_EQ(book.quantity("AAPL"), aapl.quantity);
  EXPECT_EQ(book.quantity("MSFT"), msft.quantity);
  EXPECT_EQ(book.position("AAPL")->average_price, aapl.average_price);
  EXPECT_EQ(book.position("AAPL")->realized_pnl, aapl.realized_pnl);
}

TEST_F(Recovery, RestartedEngineContinuesIdsAndReconcilesLostOrders) {
  start();
  quote("AAPL", "100.00", "100.10");
  submit(order("AAPL", OrderSide::buy, OrderType::market, "10"));
  auto resting = submit(order("AAPL", OrderSide::buy, OrderType::limit, "5", "90"));
  shutdown();

  // A new engine over the same journal: a fresh simulator knows nothing of the
  // resting order, so reconciliation cancels it before new orders are taken.
  auto rec = recover_journal(journal_dir, false);
  start(rec);
  // Before reconciliation nothing new is accepted.
  auto early = submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "90"));
  EXPECT_EQ(early.reject, RejectReason::not_ready);
  EXPECT_EQ(early.reason, "not_ready: reconciling recovered open orders with the broker");
  EXPECT_TRUE(query<bool>(names::order_manager, start_atom::value));
  auto ex = execution(resting.order_id);
  EXPECT_EQ(ex.status, OrderStatus::canceled);
  EXPECT_EQ(ex.reason, "reconciled: not open at the broker after restart");
  EXPECT_EQ(position("AAPL").quantity, qty("10"));
  auto next = submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "90"));
  EXPECT_EQ(next.order_id, "O-" + std::to_string(rec.next_order_id + 1)); // after the early reject
  EXPECT_EQ(next.status, OrderStatus::pending_new) << next.reason;
}
