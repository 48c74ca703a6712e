// Tick rounding: 0.01 at or above $1, 0.0001 below, always against the taker.
#include "sim_checkers.hpp"

#include "brokers/sim/pricing.hpp"

namespace engine::sim::testing {
namespace {

using S = OrderSide;

struct round_case {
  std::string name;
  const char* price;
  S side;
  const char* rounded;
};

class round_rule : public ::testing::TestWithParam<round_case> {};

TEST_P(round_rule, rounds_against_the_taker) {
  const auto& c = GetParam();
  EXPECT_EQ(round_to_tick(px(c.price), c.side), px(c.rounded));
}

const round_case round_cases[] = {
  {"buy_up_to_cent", "10.001", S::buy, "10.01"},
  {"sell_down_to_cent", "10.009", S::sell, "10.00"},
  {"on_tick_buy", "10.02", S::buy, "10.02"},
  {"on_tick_sell", "10.02", S::sell, "10.02"},
  {"buy_sub_dollar", "0.12341", S::buy, "0.1235"},
  {"sell_sub_dollar", "0.12349", S::sell, "0.1234"},
  {"one_dollar_is_cents", "1.000001", S::buy, "1.01"},
  {"just_below_one_dollar", "0.999901", S::buy, "1.00"},
};

INSTANTIATE_TEST_SUITE_P(cases, round_rule, ::testing::ValuesIn(round_cases),
                         [](const auto& info) { return info.param.name; });

struct market_price_case {
  std::string name;
  const char* slippage_bps;
  const char* bid;
  const char* ask;
  S side;
  const char* price;
};

class market_price_rule : public ::testing::TestWithParam<market_price_case> {};

TEST_P(market_price_rule, exact_then_rounded_once) {
  const auto& c = GetParam();
  simulator_config cfg = config{}.slippage(c.slippage_bps);
  auto p = market_fill_price(cfg, c.side, px(c.bid), px(c.ask), qty(100));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, px(c.price));
  // and through the engine
  harness h{cfg};
  h.on_quote(quote(c.bid, c.ask, ms(1)));
  h.submit(market("m", c.side, 100), ms(2));
  expect_fills(h.all, {{"m", "100", c.price}});
}

const market_price_case market_price_cases[] = {
  // 0.5000 + 1 bp = 0.50005 -> 0.5001
  {"sub_dollar_buy", "1", "0.4999", "0.5000", S::buy, "0.5001"},
  {"sub_dollar_sell", "1", "0.5000", "0.5001", S::sell, "0.4999"},
  // 0.9999 + 1 bp = 0.99999999: below $1, so the 0.0001 grid -> 1.0000
  {"buy_crosses_one_dollar", "1", "0.9998", "0.9999", S::buy, "1.00"},
  // 1.00 - 1 bp = 0.9999 exactly: sub-dollar tick, no rounding
  {"sell_lands_below_one_dollar", "1", "1.00", "1.01", S::sell, "0.9999"},
  // 1.01 - 1 bp = 1.009899 -> 1.00
  {"sell_floor_to_cent", "1", "1.01", "1.02", S::sell, "1.00"},
  // 10.00 + 3 bps = 10.003 -> 10.01 (a tenth of a cent costs a whole one)
  {"buy_tiny_slippage_costs_a_cent", "3", "9.99", "10.00", S::buy, "10.01"},
  // a sell pushed through zero gets the smallest tick
  {"sell_never_below_smallest_tick", "10000", "0.0001", "0.0002", S::sell, "0.0001"},
};

INSTANTIATE_TEST_SUITE_P(cases, market_price_rule, ::testing::ValuesIn(market_price_cases),
                         [](const auto& info) { return info.param.name; });

TEST(tick_rounding, tick_for_price) {
  EXPECT_EQ(tick_for(px("1.00")), px("0.01"));
  EXPECT_EQ(tick_for(px("250.37")), px("0.01"));
  EXPECT_EQ(tick_for(px("0.999999")), px("0.0001"));
}

} // namespace
} // namespace engine::sim::testing
