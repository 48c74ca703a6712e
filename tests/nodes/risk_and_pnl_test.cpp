// End-to-end risk checks, the kill switch, protective orders and P&L through a long/flat/short flip.
#include "tests/nodes/engine_fixture.hpp"

using namespace engine;
using namespace engine::testing;

class RiskChecks : public engine_fixture {};

struct risk_case {
  const char* name;
  void (*limit)(RiskLimits&);
  const char* qty;
  RejectReason expected_reason;
};

class RiskRejects : public engine_fixture, public ::testing::WithParamInterface<risk_case> {};

TEST_P(RiskRejects, EachCheckRejectsWithItsReason) {
  auto c = GetParam();
  c.limit(cfg.execution.risk.limits);
  start();
  quote("AAPL", "100.00", "100.10");
  auto ack = submit(order("AAPL", OrderSide::buy, OrderType::market, c.qty));
  EXPECT_EQ(ack.status, OrderStatus::rejected) << c.name;
  EXPECT_EQ(ack.reject, c.expected_reason) << ack.reason;
  EXPECT_EQ(ack.reason.rfind(std::string{enum_name(c.expected_reason)}, 0), 0u) << ack.reason;
  EXPECT_TRUE(fills.empty());
}

INSTANTIATE_TEST_SUITE_P(
  Table, RiskRejects,
  ::testing::Values(
    risk_case{"notional above max_order_size",
              [](RiskLimits& l) { l.max_order_size = money("1000"); }, "20",
              RejectReason::max_order_size},
    risk_case{"position above max_position_size",
              [](RiskLimits& l) { l.max_position_size = rate("0.1"); }, "101",
              RejectReason::max_position_size},
    risk_case{"more than the cash", [](RiskLimits&) {}, "1000", RejectReason::buying_power},
    risk_case{"halted", [](RiskLimits& l) { l.trading_state = TradingState::halted; }, "1",
              RejectReason::trading_halted},
    risk_case{"reducing only when flat", [](RiskLimits& l) { l.trading_state = TradingState::reducing; },
              "1", RejectReason::reducing_only},
    risk_case{"quantity zero", [](RiskLimits&) {}, "0", RejectReason::invalid_order}));

TEST_F(RiskChecks, MaxDailyTradesCountsFills) {
  cfg.execution.risk.limits.max_daily_trades = 2;
  start();
  quote("AAPL", "100.00", "100.10");
  EXPECT_EQ(submit(order("AAPL", OrderSide::buy, OrderType::market, "1")).status,
            OrderStatus::pending_new);
  EXPECT_EQ(submit(order("AAPL", OrderSide::buy, OrderType::market, "1")).status,
            OrderStatus::pending_new);
  auto third = submit(order("AAPL", OrderSide::buy, OrderType::market, "1"));
  EXPECT_EQ(third.status, OrderStatus::rejected);
  EXPECT_EQ(third.reject, RejectReason::max_daily_trades);
  EXPECT_EQ(third.reason, "max_daily_trades: daily trades 2 >= max_daily_trades 2");
}

TEST_F(RiskChecks, PriceCollarAgainstTheLastPrice) {
  cfg.execution.risk.limits.price_collar = rate("0.05");
  start();
  quote("AAPL", "100.00", "100.10");
  auto far = submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "90"));
  EXPECT_EQ(far.reject, RejectReason::price_collar) << far.reason;
  auto near = submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "99"));
  EXPECT_EQ(near.status, OrderStatus::pending_new) << near.reason;
}

TEST_F(RiskChecks, RateThrottle) {
  cfg.execution.risk.limits.max_orders_per_second = 2;
  start();
  quote("AAPL", "100.00", "100.10");
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "99")).status,
              OrderStatus::pending_new);
  auto third = submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "99"));
  EXPECT_EQ(third.reject, RejectReason::rate_limit) << third.reason;
  quote("AAPL", "100.00", "100.10"); // one second later the window has moved
  EXPECT_EQ(submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "99")).status,
            OrderStatus::pending_new);
}

TEST_F(RiskChecks, OpenOrdersCountAgainstThePositionLimit) {
  cfg.execution.risk.limits.max_position_size = rate("0.1"); // 10,000 of 100,000
  start();
  quote("AAPL", "100.00", "100.10");
  // Two resting buys of 60 shares: each alone is fine, together they are not.
  EXPECT_EQ(submit(order("AAPL", OrderSide::buy, OrderType::limit, "60", "99")).status,
            OrderStatus::pending_new);
  auto second = submit(order("AAPL", OrderSide::buy, OrderType::limit, "60", "99"));
  EXPECT_EQ(second.reject, RejectReason::max_position_size) << second.reason;
}

TEST_F(RiskChecks, KillSwitchAtRunTime) {
  start();
  quote("AAPL", "100.00", "100.10");
  submit(order("AAPL", OrderSide::buy, OrderType::market, "10"));
  send_to(names::risk_manager, caf::make_message(TradingState::reducing));
  settle();
  auto more = submit(order("AAPL", OrderSide::buy, OrderType::market, "1"));
  EXPECT_EQ(more.reject, RejectReason::reducing_only) << more.reason;
  auto reduce = submit(order("AAPL", OrderSide::sell, OrderType::market, "4"));
  EXPECT_EQ(reduce.status, OrderStatus::pending_new) << reduce.reason;
  send_to(names::risk_manager, caf::make_message(TradingState::halted));
  settle();
  auto halted = submit(order("AAPL", OrderSide::sell, OrderType::market, "1"));
  EXPECT_EQ(halted.reject, RejectReason::trading_halted) << halted.reason;
  send_to(names::risk_manager, caf::make_message(TradingState::active));
  settle();
  EXPECT_EQ(submit(order("AAPL", OrderSide::buy, OrderType::market, "1")).status,
            OrderStatus::pending_new);
  EXPECT_EQ(position("AAPL").quantity, qty("7"));
}

TEST_F(RiskChecks, LimitsChangeAtRunTimeByMessage) {
  start();
  quote("AAPL", "100.00", "100.10");
  RiskLimits l;
  l.max_order_size = money("500");
  send_to(names::risk_manager, caf::make_message(l));
  settle();
  auto r = submit(order("AAPL", OrderSide::buy, OrderType::market, "10"));
  EXPECT_EQ(r.reject, RejectReason::max_order_size) << r.reason;
}

class ProtectiveOrders : public engine_fixture {};

TEST_F(ProtectiveOrders, PlacedAfterAFillAndCancelledWhenThePositionCloses) {
  cfg.execution.risk.limits.stop_loss_pct = rate("0.05");
  cfg.execution.risk.limits.take_profit_pct = rate("0.10");
  start();
  quote("AAPL", "100.00", "100.00");
  submit(order("AAPL", OrderSide::buy, OrderType::market, "10"));
  settle();
  auto open = open_orders();
  ASSERT_EQ(open.size(), 2u);
  bool stop_seen = false, tp_seen = false;
  for (auto& o : open) {
    EXPECT_EQ(o.side, OrderSide::sell);
    EXPECT_EQ(o.quantity, qty("10"));
    if (o.order_type == OrderType::stop) {
      stop_seen = true;
      EXPECT_EQ(o.stop_price, px("95"));
      EXPECT_EQ(o.client_order_id.rfind("SL-", 0), 0u);
    } else {
      tp_seen = true;
      EXPECT_EQ(o.order_type, OrderType::limit);
      EXPECT_EQ(o.price, px("110"));
      EXPECT_EQ(o.client_order_id.rfind("TP-", 0), 0u);
    }
  }
  EXPECT_TRUE(stop_seen && tp_seen);
  // Close the position by hand: both protective orders go.
  submit(order("AAPL", OrderSide::sell, OrderType::market, "10"));
  settle();
  EXPECT_TRUE(open_orders().empty());
  EXPECT_EQ(position("AAPL").quantity, qty("0"));
}

TEST_F(ProtectiveOrders, StopLossFiresAndFlattens) {
  cfg.execution.risk.limits.stop_loss_pct = rate("0.05");
  start();
  quote("AAPL", "100.00", "100.00");
  submit(order("AAPL", OrderSide::buy, OrderType::market, "10"));
  settle();
  quote("AAPL", "94.00", "94.10");
  settle();
  EXPECT_EQ(position("AAPL").quantity, qty("0"));
  EXPECT_TRUE(open_orders().empty());
}

class PnlFlip : public engine_fixture {};

// Hand-computed to the cent: long 150 in two partial fills, flat in two, short 80, flat.
TEST_F(PnlFlip, LongFlatShortFlatWithPartialFills) {
  start();
  quote("AAPL", "100.00", "100.10", "100", "100");
  submit(order("AAPL", OrderSide::buy, OrderType::market, "150"));
  ASSERT_EQ(fills.size(), 1u); // 100 at the displayed size
  quote("AAPL", "100.20", "100.30", "100", "100");
  ASSERT_EQ(fills.size(), 2u); // the remaining 50
  auto p = position("AAPL");
  EXPECT_EQ(p.quantity, qty("150"));
  EXPECT_EQ(p.average_price, px("100.166667")); // (10010 + 5015) / 150, half-even
  EXPECT_EQ(fills[0].commission, money("10.01"));
  EXPECT_EQ(fills[1].commission, money("5.02")); // 5.015 rounds half-up

  quote("AAPL", "101.00", "101.10", "100", "100");
  submit(order("AAPL", OrderSide::sell, OrderType::market, "150"));
  quote("AAPL", "101.50", "101.60", "100", "100");
  ASSERT_EQ(fills.size(), 4u);
  p = position("AAPL");
  EXPECT_EQ(p.quantity, qty("0"));
  EXPECT_EQ(p.realized_pnl, money("150")); // 10100 + 5075 - 15025
  EXPECT_EQ(fills[2].commission, money("10.10"));
  EXPECT_EQ(fills[3].commission, money("5.08")); // 5.075 half-up

  quote("AAPL", "102.00", "102.10", "100", "100");
  submit(order("AAPL", OrderSide::sell, OrderType::market, "80"));
  p = position("AAPL");
  EXPECT_EQ(p.quantity, qty("-80"));
  EXPECT_EQ(p.average_price, px("102"));
  EXPECT_EQ(fills[4].commission, money("8.16"));

  quote("AAPL", "101.00", "101.10", "100", "100");
  submit(order("AAPL", OrderSide::buy, OrderType::market, "80"));
  ASSERT_EQ(fills.size(), 6u);
  EXPECT_EQ(fills[5].price, px("101.10"));
  EXPECT_EQ(fills[5].commission, money("8.09")); // 8.088
  p = position("AAPL");
  EXPECT_EQ(p.quantity, qty("0"));
  EXPECT_EQ(p.realized_pnl, money("222")); // 150 + (102 - 101.10) x 80

  auto a = account();
  // 100000 - 15025 + 15175 + 8160 - 8088 - 46.46 commissions
  EXPECT_EQ(a.cash, money("100175.54"));
  EXPECT_EQ(a.equity, money("100175.54"));
  auto m = metrics();
  EXPECT_EQ(m.daily_trades, 6);
  EXPECT_EQ(m.daily_commission, money("46.46"));
  EXPECT_EQ(m.total_pnl, money("175.54"));
  EXPECT_EQ(m.realized_pnl, money("222"));
  EXPECT_EQ(m.position_count, 0);
  auto s = stats();
  EXPECT_EQ(s.filled, 4);
  EXPECT_EQ(s.fills, 6);
}
