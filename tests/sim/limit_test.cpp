// Limit orders: fill when the quote crosses, at the limit or better, time priority.
#include "sim_checkers.hpp"

namespace engine::sim::testing {
namespace {

using S = OrderSide;
using St = OrderStatus;
using T = TimeInForce;

class limit_rule : public ::testing::TestWithParam<scenario> {};

TEST_P(limit_rule, fills_when_crossed_at_limit_or_better) { run_scenario(GetParam()); }

const scenario limit_cases[] = {
  // marketable on arrival: min(limit, market price)
  {"buy_marketable_fills_at_ask", config{}, {quote("100.00", "100.02", 0)},
   limit("l1", S::buy, 10, "100.05"), {}, {{"l1", "10", "100.02"}}, St::filled},
  {"sell_marketable_fills_at_bid", config{}, {quote("100.00", "100.02", 0)},
   limit("l1", S::sell, 10, "99.99"), {}, {{"l1", "10", "100.00"}}, St::filled},
  // the slipped market price 100.08 is capped at the limit
  {"buy_capped_at_limit", config{}.slippage("5"), {quote("100.00", "100.02", 0)},
   limit("l1", S::buy, 10, "100.03"), {}, {{"l1", "10", "100.03"}}, St::filled},
  // bid 100.02, market rule 100.02 - 2 x 0.01 = 100.00, floored at the limit 100.01
  {"sell_floored_at_limit", config{}.multiplier("3"), {quote("100.02", "100.04", 0)},
   limit("l1", S::sell, 10, "100.01"), {}, {{"l1", "10", "100.01"}}, St::filled},
  // rests until the ask comes down to the limit, then fills there
  {"buy_rests_then_crossed", config{}, {quote("100.00", "100.02", 0)},
   limit("l1", S::buy, 10, "100.01"),
   {quote("100.00", "100.02", 0), quote("100.00", "100.01", 0)}, {{"l1", "10", "100.01"}},
   St::filled},
  // the ask gaps through the limit: the buyer gets the better price
  {"buy_gap_fills_better", config{}, {quote("100.00", "100.02", 0)},
   limit("l1", S::buy, 10, "100.01"), {quote("99.90", "99.95", 0)}, {{"l1", "10", "99.95"}},
   St::filled},
  {"sell_rests_then_better", config{}, {quote("100.00", "100.02", 0)},
   limit("l1", S::sell, 10, "100.01"), {quote("100.02", "100.03", 0)},
   {{"l1", "10", "100.02"}}, St::filled},
  // the quote touches the other side only: no fill
  {"buy_not_crossed_by_bid", config{}, {quote("100.00", "100.02", 0)},
   limit("l1", S::buy, 10, "100.01"), {quote("100.01", "100.02", 0)}, {}, St::new_},
  // no quote at all is fine for a limit order: it rests
  {"rests_without_quote", config{}, {}, limit("l1", S::buy, 10, "100.01"),
   {quote("100.00", "100.01", 0)}, {{"l1", "10", "100.01"}}, St::filled},
  {"gtc_rests", config{}, {quote("100.00", "100.02", 0)},
   limit("l1", S::buy, 10, "99.00", T::gtc), {quote("99.50", "99.60", 0)}, {}, St::new_},
};

INSTANTIATE_TEST_SUITE_P(cases, limit_rule, ::testing::ValuesIn(limit_cases),
                         [](const auto& info) { return info.param.name; });

TEST(limit, time_priority_not_price_priority_among_crossing_orders) {
  harness h;
  h.on_quote(quote("9.90", "10.10", ms(1)));
  h.submit(limit("early", S::buy, 50, "10.00"), ms(2));
  h.submit(limit("late", S::buy, 50, "10.05"), ms(3));
  h.on_quote(quote("9.90", "10.00", ms(4), 1000, 60));
  // both cross; the earlier order takes 50, the later gets the 10 left
  expect_fills(h.all, {{"early", "50", "10.00"}, {"late", "10", "10.00"}});
  h.on_quote(quote("9.90", "10.00", ms(5), 1000, 60));
  expect_fills(h.all, {{"early", "50", "10.00"}, {"late", "10", "10.00"}, {"late", "40", "10.00"}});
}

TEST(limit, only_crossing_orders_fill_and_far_ones_keep_resting) {
  harness h;
  h.on_quote(quote("99.00", "101.00", ms(1)));
  h.submit(limit("far_buy", S::buy, 5, "90.00"), ms(2));
  h.submit(limit("near_buy", S::buy, 5, "100.50"), ms(3));
  h.submit(limit("far_sell", S::sell, 5, "110.00"), ms(4));
  h.submit(limit("near_sell", S::sell, 5, "99.50"), ms(5));
  EXPECT_EQ(h.eng.resting_orders(), 4u);
  h.on_quote(quote("99.60", "100.40", ms(6)));
  expect_fills(h.all, {{"near_buy", "5", "100.40"}, {"near_sell", "5", "99.60"}});
  EXPECT_EQ(h.eng.resting_orders(), 2u);
  auto open = h.eng.open_orders();
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].order_id, "far_buy");
  EXPECT_EQ(open[1].order_id, "far_sell");
}

TEST(limit, sub_tick_limit_price_fills_at_the_limit) {
  harness h;
  h.on_quote(quote("10.00", "10.02", ms(1)));
  h.submit(limit("l1", S::buy, 10, "10.015"), ms(2));
  h.on_quote(quote("10.00", "10.01", ms(3)));
  expect_fills(h.all, {{"l1", "10", "10.01"}});
  // the buy price min(10.015, 10.02 + costs) is the limit when it is below
  harness h2{config{}.slippage("10")};
  h2.on_quote(quote("10.00", "10.01", ms(1)));
  h2.submit(limit("l2", S::buy, 10, "10.015"), ms(2));
  expect_fills(h2.all, {{"l2", "10", "10.015"}});
}

} // namespace
} // namespace engine::sim::testing
