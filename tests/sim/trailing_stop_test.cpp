// Trailing stops: follow the bid's high (sell) or the ask's low (buy) from when live, then market.
#include "sim_checkers.hpp"

namespace engine::sim::testing {
namespace {

using S = OrderSide;
using St = OrderStatus;

class trailing_rule : public ::testing::TestWithParam<scenario> {};

TEST_P(trailing_rule, tracks_the_water_mark_and_triggers) { run_scenario(GetParam()); }

const scenario trailing_cases[] = {
  // high 101.00 -> stop 100.00: 100.20 holds, 100.00 triggers at the bid
  {"sell_amount", config{}, {quote("100.00", "100.10", 0)},
   trail_amount("t", S::sell, 10, "1.00"),
   {quote("100.50", "100.60", 0), quote("101.00", "101.10", 0), quote("100.20", "100.30", 0),
    quote("100.00", "100.10", 0)},
   {{"t", "10", "100.00"}}, St::filled},
  // without a new high the stop is 99.00
  {"sell_amount_no_new_high", config{}, {quote("100.00", "100.10", 0)},
   trail_amount("t", S::sell, 10, "1.00"),
   {quote("99.50", "99.60", 0), quote("99.01", "99.10", 0)}, {}, St::new_},
  // high 105 x (1 - 2%) = 102.90: 103.00 holds, 102.90 triggers
  {"sell_percent", config{}, {quote("100.00", "100.10", 0)},
   trail_percent("t", S::sell, 10, "0.02"),
   {quote("105.00", "105.10", 0), quote("103.00", "103.10", 0), quote("102.90", "103.00", 0)},
   {{"t", "10", "102.90"}}, St::filled},
  // low 49.50 + 0.50 = 50.00: 49.99 holds, 50.00 triggers at the ask
  {"buy_amount", config{}, {quote("49.90", "50.00", 0)}, trail_amount("t", S::buy, 10, "0.50"),
   {quote("49.40", "49.50", 0), quote("49.89", "49.99", 0), quote("49.90", "50.00", 0)},
   {{"t", "10", "50.00"}}, St::filled},
  // low 198 x 1.01 = 199.98
  {"buy_percent", config{}, {quote("199.90", "200.00", 0)},
   trail_percent("t", S::buy, 10, "0.01"),
   {quote("197.90", "198.00", 0), quote("199.80", "199.97", 0), quote("199.90", "199.98", 0)},
   {{"t", "10", "199.98"}}, St::filled},
  // a gap below the stop fills at the bid, with market costs: 97.00 - 10 bps = 96.903 -> 96.90
  {"sell_gap_with_slippage", config{}.slippage("10"), {quote("100.00", "100.10", 0)},
   trail_amount("t", S::sell, 10, "1.00"), {quote("97.00", "97.10", 0)},
   {{"t", "10", "96.90"}}, St::filled},
};

INSTANTIATE_TEST_SUITE_P(cases, trailing_rule, ::testing::ValuesIn(trailing_cases),
                         [](const auto& info) { return info.param.name; });

TEST(trailing_stop, water_mark_starts_when_live_not_at_submit) {
  harness h{config{}.delay(10)};
  h.on_quote(quote("100.00", "100.10", ms(0)));
  h.submit(trail_amount("t", S::sell, 10, "1.00"), ms(0));
  h.on_quote(quote("103.00", "103.10", ms(5))); // before live: not a water mark
  h.on_quote(quote("101.00", "101.10", ms(8)));
  h.advance_to(ms(10)); // live: water mark = 101.00
  h.on_quote(quote("100.50", "100.60", ms(12)));
  EXPECT_TRUE(fills_of(h.all).empty()) << "a 103.00 high would have triggered at 100.50";
  h.on_quote(quote("100.00", "100.10", ms(14)));
  expect_fills(h.all, {{"t", "10", "100.00"}});
  EXPECT_EQ(h.all.back().fill.timestamp, ms(14));
}

TEST(trailing_stop, needs_a_quote_to_start) {
  harness h;
  auto ev = h.submit(trail_amount("t", S::sell, 10, "1.00"), ms(1));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].what, sim_event::kind::rejected);
  EXPECT_EQ(ev[0].update.reason, reasons::no_quote);
}

} // namespace
} // namespace engine::sim::testing
