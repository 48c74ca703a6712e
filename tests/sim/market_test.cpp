// Market orders: far touch, spread multiplier, slippage and size impact, to the cent.
#include "sim_checkers.hpp"

namespace engine::sim::testing {
namespace {

using S = OrderSide;
using St = OrderStatus;

class market_rule : public ::testing::TestWithParam<scenario> {};

TEST_P(market_rule, fills_at_the_expected_price) { run_scenario(GetParam()); }

// Half-spread is 0.01 on a 100.00 x 100.02 quote.
const scenario market_cases[] = {
  {"buy_at_ask", config{}, {quote("100.00", "100.02", 0)}, market("m1", S::buy, 10), {},
   {{"m1", "10", "100.02"}}, St::filled},
  {"sell_at_bid", config{}, {quote("100.00", "100.02", 0)}, market("m1", S::sell, 10), {},
   {{"m1", "10", "100.00"}}, St::filled},
  // (2 - 1) x 0.01 away from the mid
  {"buy_multiplier_2", config{}.multiplier("2"), {quote("100.00", "100.02", 0)},
   market("m1", S::buy, 10), {}, {{"m1", "10", "100.03"}}, St::filled},
  {"sell_multiplier_3", config{}.multiplier("3"), {quote("100.00", "100.02", 0)},
   market("m1", S::sell, 10), {}, {{"m1", "10", "99.98"}}, St::filled},
  // 5 bps of 100.02 = 0.05001 -> 100.07001, ceiling to the cent
  {"buy_slippage_rounds_up", config{}.slippage("5"), {quote("100.00", "100.02", 0)},
   market("m1", S::buy, 10), {}, {{"m1", "10", "100.08"}}, St::filled},
  {"sell_slippage_exact", config{}.slippage("5"), {quote("100.00", "100.02", 0)},
   market("m1", S::sell, 10), {}, {{"m1", "10", "99.95"}}, St::filled},
  // 2 bps per 1000 shares x 500 = 1 bp of 100.02 = 0.010002 -> 100.030002 -> 100.04
  {"buy_impact", config{}.impact("2"), {quote("100.00", "100.02", 0)},
   market("m1", S::buy, 500), {}, {{"m1", "500", "100.04"}}, St::filled},
  // 2 bps x 2.5 = 5 bps of 100.00 = 0.05
  {"sell_impact", config{}.impact("2"), {quote("100.00", "100.02", 0, 3000, 3000)},
   market("m1", S::sell, 2500), {}, {{"m1", "2500", "99.95"}}, St::filled},
  // 50.10 + 0.5 x 0.05 + 1 bp (0.00501) + 1 bp x 1 (0.00501) = 50.13502 -> 50.14
  {"buy_all_costs", config{}.multiplier("1.5").slippage("1").impact("1"),
   {quote("50.00", "50.10", 0)}, market("m1", S::buy, 1000), {}, {{"m1", "1000", "50.14"}},
   St::filled},
  // 50.00 - 0.025 - 0.005 - 0.005 = 49.965 -> floor 49.96
  {"sell_all_costs", config{}.multiplier("1.5").slippage("1").impact("1"),
   {quote("50.00", "50.10", 0)}, market("m1", S::sell, 1000), {}, {{"m1", "1000", "49.96"}},
   St::filled},
  // the latest quote is used, not an older one
  {"uses_latest_quote", config{}, {quote("100.00", "100.02", 0), quote("101.00", "101.05", 0)},
   market("m1", S::buy, 10), {}, {{"m1", "10", "101.05"}}, St::filled},
  // fractional shares fill as they are
  {"fractional_quantity", config{}, {quote("20.00", "20.01", 0)},
   [] {
     auto o = market("m1", S::buy, 1);
     o.quantity = qty("0.5");
     return o;
   }(),
   {}, {{"m1", "0.5", "20.01"}}, St::filled},
};

INSTANTIATE_TEST_SUITE_P(cases, market_rule, ::testing::ValuesIn(market_cases),
                         [](const auto& info) { return info.param.name; });

TEST(market, reports_accepted_then_fill_with_update) {
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1)));
  auto ev = h.submit(market("m1", S::buy, 10), ms(2));
  ASSERT_EQ(kinds_of(ev),
            (std::vector<sim_event::kind>{sim_event::kind::accepted, sim_event::kind::fill}));
  EXPECT_EQ(ev[0].update.status, St::new_);
  EXPECT_EQ(ev[0].update.leaves_quantity, qty(10));
  const auto& f = ev[1];
  EXPECT_EQ(f.fill.exec_id, "SIM-1");
  EXPECT_EQ(f.fill.client_order_id, "c-m1");
  EXPECT_EQ(f.fill.broker, "simulator");
  EXPECT_EQ(f.fill.timestamp, ms(2));
  EXPECT_EQ(f.update.status, St::filled);
  EXPECT_EQ(f.update.executed_quantity, qty(10));
  EXPECT_EQ(f.update.leaves_quantity, qty(0));
  EXPECT_EQ(f.update.average_price, px("100.02"));
  EXPECT_EQ(f.update.strategy, "test");
  EXPECT_EQ(h.eng.resting_orders(), 0u);
  auto x = h.eng.order("m1");
  ASSERT_TRUE(x.has_value());
  ASSERT_EQ(x->fills.size(), 1u);
  EXPECT_EQ(x->fills[0].exec_id, "SIM-1");
}

TEST(market, exec_ids_count_up) {
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1)));
  h.submit(market("a", S::buy, 1), ms(2));
  h.submit(market("b", S::sell, 1), ms(3));
  auto f = fills_of(h.all);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].exec_id, "SIM-1");
  EXPECT_EQ(f[1].exec_id, "SIM-2");
}

TEST(market, remainder_waits_for_next_quote_then_fills_at_new_price) {
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1), 1000, 40));
  h.submit(market("m1", S::buy, 100), ms(2));
  EXPECT_EQ(h.status("m1"), St::partially_filled);
  EXPECT_EQ(h.eng.resting_orders(), 1u);
  h.on_quote(quote("100.01", "100.03", ms(3), 1000, 100));
  expect_fills(h.all, {{"m1", "40", "100.02"}, {"m1", "60", "100.03"}});
  // (40 x 100.02 + 60 x 100.03) / 100 = 10002.60 / 100
  EXPECT_EQ(h.eng.order("m1")->average_price, px("100.026"));
  EXPECT_EQ(h.status("m1"), St::filled);
}

} // namespace
} // namespace engine::sim::testing
