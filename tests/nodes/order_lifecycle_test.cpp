// End-to-end order life cycles through the real actors: each order type to its fills.
#include "tests/nodes/engine_fixture.hpp"

using namespace engine;
using namespace engine::testing;

class OrderLifecycle : public engine_fixture {};

TEST_F(OrderLifecycle, MarketBuyFillsAtTheAskWithCommission) {
  start();
  quote("AAPL", "100.00", "100.10");
  auto ack = submit(order("AAPL", OrderSide::buy, OrderType::market, "10"));
  ASSERT_EQ(ack.status, OrderStatus::pending_new) << ack.reason;
  EXPECT_EQ(ack.order_id, "O-1");
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].price, px("100.10"));
  EXPECT_EQ(fills[0].quantity, qty("10"));
  EXPECT_EQ(fills[0].commission, money("1.00")); // max(1, 0.001 x 1001)
  auto ex = execution(ack.order_id);
  EXPECT_EQ(ex.status, OrderStatus::filled);
  EXPECT_EQ(ex.average_price, px("100.10"));
  auto p = position("AAPL");
  EXPECT_EQ(p.quantity, qty("10"));
  EXPECT_EQ(account().cash, money("98998"));  // 100000 - 1001 - 1
  ASSERT_FALSE(updates.empty());
  EXPECT_EQ(updates.back().status, OrderStatus::filled);
}

TEST_F(OrderLifecycle, LimitOrderRestsThenFillsWhenTheQuoteCrosses) {
  start();
  quote("AAPL", "100.00", "100.10");
  auto ack = submit(order("AAPL", OrderSide::buy, OrderType::limit, "10", "99.50"));
  ASSERT_EQ(ack.status, OrderStatus::pending_new);
  EXPECT_TRUE(fills.empty());
  EXPECT_EQ(execution(ack.order_id).status, OrderStatus::new_);
  ASSERT_EQ(open_orders().size(), 1u);
  quote("AAPL", "99.30", "99.40");
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].price, px("99.40")); // at the ask, better than the limit
  EXPECT_EQ(execution(ack.order_id).status, OrderStatus::filled);
  EXPECT_TRUE(open_orders().empty());
}

TEST_F(OrderLifecycle, StopOrderTriggersAndFillsAsMarket) {
  start();
  quote("AAPL", "100.00", "100.10");
  submit(order("AAPL", OrderSide::buy, OrderType::market, "10"));
  fills.clear();
  auto ack = submit(order("AAPL", OrderSide::sell, OrderType::stop, "10", "0", "99.00"));
  ASSERT_EQ(ack.status, OrderStatus::pending_new) << ack.reason;
  quote("AAPL", "99.50", "99.60");
  EXPECT_TRUE(fills.empty());
  quote("AAPL", "98.90", "99.00");
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].price, px("98.90"));
  EXPECT_EQ(position("AAPL").quantity, qty("0"));
}

TEST_F(OrderLifecycle, StopLimitBecomesALimitOnTrigger) {
  start();
  quote("AAPL", "100.00", "100.10");
  auto ack = submit(order("AAPL", OrderSide::buy, OrderType::stop_limit, "5", "101.00", "100.50"));
  ASSERT_EQ(ack.status, OrderStatus::pending_new) << ack.reason;
  quote("AAPL", "100.95", "101.05"); // triggers (ask >= 100.50) but 101.05 > limit 101.00
  EXPECT_TRUE(fills.empty());
  quote("AAPL", "100.80", "100.90");
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].price, px("100.90"));
}

TEST_F(OrderLifecycle, TrailingStopFollowsTheHighAndSellsOnTheTurn) {
  start();
  quote("AAPL", "100.00", "100.10");
  submit(order("AAPL", OrderSide::buy, OrderType::market, "10"));
  fills.clear();
  auto o = order("AAPL", OrderSide::sell, OrderType::trailing_stop, "10");
  o.trail_amount = px("1.00");
  auto ack = submit(o);
  ASSERT_EQ(ack.status, OrderStatus::pending_new) << ack.reason;
  quote("AAPL", "102.00", "102.10"); // high water 102: stop at 101
  quote("AAPL", "101.50", "101.60"); // above the stop
  EXPECT_TRUE(fills.empty());
  quote("AAPL", "100.90", "101.00"); // bid 100.90 <= 101: triggers, sells at the bid
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].price, px("100.90"));
  EXPECT_EQ(position("AAPL").quantity, qty("0"));
}

TEST_F(OrderLifecycle, IocFillsWhatIsThereAndCancelsTheRest) {
  start();
  quote("AAPL", "100.00", "100.10", "100", "40");
  auto o = order("AAPL", OrderSide::buy, OrderType::limit, "100", "100.10");
  o.time_in_force = TimeInForce::ioc;
  auto ack = submit(o);
  ASSERT_EQ(ack.status, OrderStatus::pending_new) << ack.reason;
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].quantity, qty("40"));
  auto ex = execution(ack.order_id);
  EXPECT_EQ(ex.status, OrderStatus::canceled);
  EXPECT_EQ(ex.executed_quantity, qty("40"));
  EXPECT_EQ(stats().partially_filled, 1);
}

TEST_F(OrderLifecycle, FokNeverFillsPartially) {
  start();
  quote("AAPL", "100.00", "100.10", "100", "40");
  auto o = order("AAPL", OrderSide::buy, OrderType::market, "100");
  o.time_in_force = TimeInForce::fok;
  auto ack = submit(o);
  EXPECT_TRUE(fills.empty());
  EXPECT_EQ(execution(ack.order_id).status, OrderStatus::canceled);
}

TEST_F(OrderLifecycle, TheVenueAnswersStatusPositionsAccountAndMarketData) {
  start();
  quote("AAPL", "100.00", "100.10");
  auto ack = submit(order("AAPL", OrderSide::buy, OrderType::market, "10"));
  auto at_venue = query<OrderExecution>(names::simulator, get_atom::value, ack.order_id);
  EXPECT_EQ(at_venue.status, OrderStatus::filled);
  auto ps = query<std::vector<Position>>(names::simulator, positions_atom::value);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].quantity, qty("10"));
  // The venue's account agrees with the engine's books.
  EXPECT_EQ(query<AccountInfo>(names::simulator, account_atom::value).cash, account().cash);
  auto md = query<MarketData>(names::simulator, market_atom::value, std::string{"AAPL"});
  EXPECT_EQ(md.ask, px("100.10"));
}

TEST_F(OrderLifecycle, CancelOfARestingOrder) {
  start();
  quote("AAPL", "100.00", "100.10");
  auto ack = submit(order("AAPL", OrderSide::buy, OrderType::limit, "10", "95"));
  auto c = cancel(ack.order_id);
  EXPECT_EQ(c.status, OrderStatus::pending_cancel);
  EXPECT_EQ(execution(ack.order_id).status, OrderStatus::canceled);
  EXPECT_EQ(stats().canceled, 1);
  // A second cancel is refused with a reason, and nothing changes.
  auto again = cancel(ack.order_id);
  EXPECT_EQ(again.reject, RejectReason::cannot_cancel);
  EXPECT_EQ(again.reason, "cannot_cancel: order is canceled");
}

TEST_F(OrderLifecycle, VenueRejectCarriesItsReason) {
  start();
  // Risk passes a limit order (its price is the reference); the venue does not list ZZZZ.
  auto ack = submit(order("ZZZZ", OrderSide::buy, OrderType::limit, "1", "10"));
  ASSERT_EQ(ack.status, OrderStatus::pending_new) << ack.reason;
  auto ex = execution(ack.order_id);
  EXPECT_EQ(ex.status, OrderStatus::rejected);
  EXPECT_EQ(ex.reason, "unknown ticker"); // the venue's words
  EXPECT_EQ(stats().rejected, 1);
  ASSERT_FALSE(updates.empty());
  EXPECT_EQ(updates.back().status, OrderStatus::rejected);
}

TEST_F(OrderLifecycle, RiskRejectIsTheAnswerToTheSubmit) {
  start();
  auto ack = submit(order("AAPL", OrderSide::buy, OrderType::market, "1"));
  EXPECT_EQ(ack.status, OrderStatus::rejected);
  EXPECT_EQ(ack.reject, RejectReason::invalid_order);
  EXPECT_EQ(ack.reason, "invalid_order: no reference price for AAPL");
  EXPECT_EQ(stats().rejects_by_reason.at(0).reason, "invalid_order");
}

TEST_F(OrderLifecycle, ResubmissionWithTheSameClientIdReturnsTheExistingOrder) {
  start();
  quote("AAPL", "100.00", "100.10");
  auto o = order("AAPL", OrderSide::buy, OrderType::limit, "10", "99");
  o.client_order_id = "my-order-1";
  auto first = submit(o);
  auto second = submit(o);
  EXPECT_EQ(first.order_id, second.order_id);
  EXPECT_EQ(second.client_order_id, "my-order-1");
  EXPECT_EQ(stats().submitted, 1);
  EXPECT_EQ(open_orders().size(), 1u);
}

TEST_F(OrderLifecycle, EveryAcknowledgedOrderAndFillIsInTheJournal) {
  start();
  quote("AAPL", "100.00", "100.10");
  auto ack = submit(order("AAPL", OrderSide::buy, OrderType::market, "3"));
  ASSERT_EQ(fills.size(), 1u);
  std::string order_book, trade_log;
  for (auto& e : std::filesystem::directory_iterator(journal_dir)) {
    std::ifstream in{e.path()};
    std::string text{std::istreambuf_iterator<char>(in), {}};
    auto name = e.path().filename().string();
    if (name.rfind("order_book", 0) == 0)
      order_book += text;
    else if (name.rfind("trade_log", 0) == 0)
      trade_log += text;
  }
  EXPECT_NE(order_book.find("\"event\":\"accepted\""), std::string::npos) << order_book;
  EXPECT_NE(order_book.find("\"order_id\":\"" + ack.order_id + "\""), std::string::npos);
  EXPECT_NE(trade_log.find("\"exec_id\":\"" + fills[0].exec_id + "\""), std::string::npos)
    << trade_log;
  EXPECT_NE(trade_log.find("\"price\":\"100.1\""), std::string::npos);
}
