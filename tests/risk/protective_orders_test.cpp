// Tests of stop-loss / take-profit planning: prices on the tick, placement, replacement on a
// size change, cancellation on close, completions and disabled percentages.
#include "actors/risk/protective_orders.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace engine {
namespace {

Price P(const char* s) { return *Price::parse(s); }
Quantity Q(const char* s) { return *Quantity::parse(s); }
Rate R(const char* s) { return *Rate::parse(s); }

struct price_case {
  const char* avg;
  const char* pct;
  bool above;
  rounding mode;
  const char* expected; // nullptr: no valid price
};

TEST(protective_orders, protective_price_is_exact_and_on_the_tick) {
  // clang-format off
  const std::vector<price_case> cases = {
    {"10",       "0.05", false, rounding::ceiling, "9.5"},
    {"10",       "0.1",  true,  rounding::floor,   "11"},
    {"10.003",   "0.05", false, rounding::ceiling, "9.51"},    // 9.50285 up to the cent
    {"10.003",   "0.1",  true,  rounding::floor,   "11"},      // 11.0033 down to the cent
    {"10.003",   "0.05", true,  rounding::floor,   "10.50"},   // 10.50315 (short's stop)
    {"10.003",   "0.1",  false, rounding::ceiling, "9.01"},    // 9.0027 (short's take-profit)
    {"0.12345",  "0.05", false, rounding::ceiling, "0.1173"},  // 0.1172775, sub-dollar tick
    {"0.12345",  "0.1",  true,  rounding::floor,   "0.1357"},  // 0.135795
    {"1.02",     "0.02", false, rounding::ceiling, "0.9996"},  // below $1: the 0.0001 tick
    {"1.0201",   "0.02", false, rounding::ceiling, "0.9997"},  // 0.999698 up
    {"0.99",     "0.02", true,  rounding::floor,   "1"},       // 1.0098 -> cent tick, 1.00
    {"0.0001",   "0.5",  false, rounding::floor,   nullptr},   // 0.00005 floors to nothing
    {"10",       "1",    false, rounding::ceiling, nullptr},   // a 100% stop is no price
    {"10",       "1.5",  false, rounding::ceiling, nullptr},
  };
  // clang-format on
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.avg) + " pct " + c.pct);
    auto px = protective_orders::protective_price(P(c.avg), R(c.pct), c.above, c.mode);
    if (c.expected == nullptr) {
      EXPECT_FALSE(px.has_value());
    } else {
      ASSERT_TRUE(px.has_value());
      EXPECT_EQ(*px, P(c.expected)) << px->to_string();
    }
  }
  EXPECT_EQ(protective_orders::round_to_tick(P("12.345678"), rounding::floor), P("12.34"));
  EXPECT_EQ(protective_orders::round_to_tick(P("0.345678"), rounding::ceiling), P("0.3457"));
}

TEST(protective_orders, long_position_gets_a_stop_sell_and_a_limit_sell) {
  protective_orders prot(R("0.05"), R("0.1"));
  auto plan = prot.on_position_change("AAPL", Q("100"), P("10"));
  EXPECT_TRUE(plan.cancel.empty());
  ASSERT_EQ(plan.place.size(), 2u);
  const auto& sl = plan.place[0];
  EXPECT_EQ(sl.ticker, "AAPL");
  EXPECT_EQ(sl.side, OrderSide::sell);
  EXPECT_EQ(sl.order_type, OrderType::stop);
  EXPECT_EQ(sl.stop_price, P("9.5"));
  EXPECT_TRUE(sl.price.is_zero());
  EXPECT_EQ(sl.quantity, Q("100"));
  EXPECT_EQ(sl.time_in_force, TimeInForce::gtc);
  EXPECT_EQ(sl.client_order_id, "SL-AAPL-1");
  EXPECT_EQ(sl.strategy, "risk_manager");
  const auto& tp = plan.place[1];
  EXPECT_EQ(tp.side, OrderSide::sell);
  EXPECT_EQ(tp.order_type, OrderType::limit);
  EXPECT_EQ(tp.price, P("11"));
  EXPECT_TRUE(tp.stop_price.is_zero());
  EXPECT_EQ(tp.quantity, Q("100"));
  EXPECT_EQ(tp.client_order_id, "TP-AAPL-2");
  EXPECT_TRUE(protective_orders::is_stop_loss(sl.client_order_id));
  EXPECT_TRUE(protective_orders::is_take_profit(tp.client_order_id));
  EXPECT_TRUE(protective_orders::is_protective(tp.client_order_id));
  EXPECT_FALSE(protective_orders::is_protective("C-17"));
  EXPECT_EQ(prot.live_orders("AAPL"), (std::vector<std::string>{"SL-AAPL-1", "TP-AAPL-2"}));
  EXPECT_EQ(prot.ticker_of("TP-AAPL-2"), "AAPL");
}

TEST(protective_orders, short_position_is_mirrored) {
  protective_orders prot(R("0.05"), R("0.1"), "inc7", "guard");
  auto plan = prot.on_position_change("TSLA", Q("-30"), P("200.01"));
  ASSERT_EQ(plan.place.size(), 2u);
  const auto& sl = plan.place[0];
  EXPECT_EQ(sl.side, OrderSide::buy);
  EXPECT_EQ(sl.order_type, OrderType::stop);
  EXPECT_EQ(sl.stop_price, P("210.01")); // 210.0105 floored: never risks more than 5%
  EXPECT_EQ(sl.quantity, Q("30"));
  EXPECT_EQ(sl.client_order_id, "SL-TSLA-inc7-1");
  EXPECT_EQ(sl.strategy, "guard");
  const auto& tp = plan.place[1];
  EXPECT_EQ(tp.side, OrderSide::buy);
  EXPECT_EQ(tp.order_type, OrderType::limit);
  EXPECT_EQ(tp.price, P("180.01")); // 180.009 ceiled
  EXPECT_EQ(tp.client_order_id, "TP-TSLA-inc7-2");
}

TEST(protective_orders, size_change_replaces_and_close_cancels) {
  protective_orders prot(R("0.02"), R("0.04"));
  auto first = prot.on_position_change("AAPL", Q("100"), P("50"));
  ASSERT_EQ(first.place.size(), 2u);
  // Unchanged position: nothing to do.
  auto same = prot.on_position_change("AAPL", Q("100"), P("50"));
  EXPECT_TRUE(same.place.empty());
  EXPECT_TRUE(same.cancel.empty());
  // Partial sell: same average, smaller size.
  auto smaller = prot.on_position_change("AAPL", Q("60"), P("50"));
  EXPECT_EQ(smaller.cancel, (std::vector<std::string>{"SL-AAPL-1", "TP-AAPL-2"}));
  ASSERT_EQ(smaller.place.size(), 2u);
  EXPECT_EQ(smaller.place[0].quantity, Q("60"));
  EXPECT_EQ(smaller.place[0].stop_price, P("49"));
  EXPECT_EQ(smaller.place[1].price, P("52"));
  EXPECT_EQ(smaller.place[0].client_order_id, "SL-AAPL-3");
  // Adding at another price moves the average and the prices.
  auto added = prot.on_position_change("AAPL", Q("160"), P("51.25"));
  EXPECT_EQ(added.cancel, (std::vector<std::string>{"SL-AAPL-3", "TP-AAPL-4"}));
  ASSERT_EQ(added.place.size(), 2u);
  EXPECT_EQ(added.place[0].stop_price, P("50.23")); // 50.225 up
  EXPECT_EQ(added.place[1].price, P("53.3"));       // 53.30
  // Another ticker is independent.
  auto other = prot.on_position_change("MSFT", Q("5"), P("300"));
  EXPECT_TRUE(other.cancel.empty());
  EXPECT_EQ(other.place.size(), 2u);
  // Flat: cancel all of AAPL's, place nothing.
  auto flat = prot.on_position_change("AAPL", Q("0"), P("0"));
  EXPECT_EQ(flat.cancel, (std::vector<std::string>{"SL-AAPL-5", "TP-AAPL-6"}));
  EXPECT_TRUE(flat.place.empty());
  EXPECT_TRUE(prot.live_orders("AAPL").empty());
  EXPECT_FALSE(prot.ticker_of("SL-AAPL-5").has_value());
  EXPECT_EQ(prot.live_orders("MSFT").size(), 2u);
  // Flat again: nothing left to cancel.
  auto again = prot.on_position_change("AAPL", Q("0"), P("0"));
  EXPECT_TRUE(again.cancel.empty());
  EXPECT_TRUE(again.place.empty());
}

TEST(protective_orders, long_flipping_to_short_swaps_sides) {
  protective_orders prot(R("0.1"), R("0.1"));
  prot.on_position_change("AAPL", Q("10"), P("100"));
  auto flipped = prot.on_position_change("AAPL", Q("-5"), P("105"));
  EXPECT_EQ(flipped.cancel.size(), 2u);
  ASSERT_EQ(flipped.place.size(), 2u);
  EXPECT_EQ(flipped.place[0].side, OrderSide::buy);
  EXPECT_EQ(flipped.place[0].stop_price, P("115.5"));
  EXPECT_EQ(flipped.place[1].price, P("94.5"));
  EXPECT_EQ(flipped.place[1].quantity, Q("5"));
}

TEST(protective_orders, done_orders_are_not_cancelled_again) {
  protective_orders prot(R("0.05"), R("0.05"));
  prot.on_position_change("AAPL", Q("100"), P("20"));
  // The stop-loss filled (the owner reports it done), the position went flat: only the
  // take-profit, still live, is to be cancelled (one-cancels-other).
  prot.on_order_done("SL-AAPL-1");
  prot.on_order_done("not-ours"); // ignored
  EXPECT_EQ(prot.live_orders("AAPL"), (std::vector<std::string>{"TP-AAPL-2"}));
  auto flat = prot.on_position_change("AAPL", Q("0"), P("0"));
  EXPECT_EQ(flat.cancel, (std::vector<std::string>{"TP-AAPL-2"}));
  // A rejected protective order is not re-placed while the position stays the same.
  prot.on_position_change("AAPL", Q("10"), P("20"));
  prot.on_order_done("TP-AAPL-4");
  auto same = prot.on_position_change("AAPL", Q("10"), P("20"));
  EXPECT_TRUE(same.place.empty());
  EXPECT_TRUE(same.cancel.empty());
  EXPECT_EQ(prot.live_orders("AAPL"), (std::vector<std::string>{"SL-AAPL-3"}));
}

TEST(protective_orders, zero_percent_disables_that_order) {
  protective_orders off(Rate{}, Rate{});
  auto none = off.on_position_change("AAPL", Q("100"), P("10"));
  EXPECT_TRUE(none.place.empty());
  EXPECT_TRUE(none.cancel.empty());

  protective_orders stop_only(R("0.05"), Rate{});
  auto s = stop_only.on_position_change("AAPL", Q("100"), P("10"));
  ASSERT_EQ(s.place.size(), 1u);
  EXPECT_EQ(s.place[0].order_type, OrderType::stop);

  protective_orders tp_only(Rate{}, R("0.05"));
  auto t = tp_only.on_position_change("AAPL", Q("100"), P("10"));
  ASSERT_EQ(t.place.size(), 1u);
  EXPECT_EQ(t.place[0].order_type, OrderType::limit);
  EXPECT_EQ(t.place[0].price, P("10.5"));

  // Turning protection off at run time cancels on the next change and places nothing.
  tp_only.set_pcts(Rate{}, Rate{});
  auto later = tp_only.on_position_change("AAPL", Q("50"), P("10"));
  EXPECT_EQ(later.cancel, (std::vector<std::string>{t.place[0].client_order_id}));
  EXPECT_TRUE(later.place.empty());
}

} // namespace
} // namespace engine
