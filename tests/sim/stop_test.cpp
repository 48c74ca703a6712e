// Stop orders: buy triggers when ask >= stop, sell when bid <= stop, then a market order.
#include "sim_checkers.hpp"

namespace engine::sim::testing {
namespace {

using S = OrderSide;
using St = OrderStatus;

class stop_rule : public ::testing::TestWithParam<scenario> {};

TEST_P(stop_rule, triggers_and_fills_as_market) { run_scenario(GetParam()); }

const scenario stop_cases[] = {
  {"buy_waits_below_stop", config{}, {quote("100.00", "100.50", 0)},
   stop("s1", S::buy, 10, "101.00"), {quote("100.40", "100.99", 0)}, {}, St::new_},
  {"buy_triggers_at_stop", config{}, {quote("100.00", "100.50", 0)},
   stop("s1", S::buy, 10, "101.00"), {quote("100.90", "101.00", 0)}, {{"s1", "10", "101.00"}},
   St::filled},
  // a gap through the stop fills at the new ask, not at the stop
  {"buy_gap_fills_at_ask", config{}, {quote("100.00", "100.50", 0)},
   stop("s1", S::buy, 10, "101.00"), {quote("101.80", "102.00", 0)}, {{"s1", "10", "102.00"}},
   St::filled},
  // a bid above the stop does not trigger a buy stop
  {"buy_ignores_bid", config{}, {quote("100.00", "100.50", 0)},
   stop("s1", S::buy, 10, "100.60"), {quote("100.55", "100.59", 0)}, {}, St::new_},
  {"sell_triggers_at_stop", config{}, {quote("100.00", "100.50", 0)},
   stop("s1", S::sell, 10, "99.00"), {quote("99.50", "99.60", 0), quote("99.00", "99.10", 0)},
   {{"s1", "10", "99.00"}}, St::filled},
  {"sell_gap_fills_at_bid", config{}, {quote("100.00", "100.50", 0)},
   stop("s1", S::sell, 10, "99.00"), {quote("95.00", "95.10", 0)}, {{"s1", "10", "95.00"}},
   St::filled},
  // already beyond the stop when it becomes live: triggers at once
  {"buy_triggered_on_arrival", config{}, {quote("100.00", "100.50", 0)},
   stop("s1", S::buy, 10, "100.00"), {}, {{"s1", "10", "100.50"}}, St::filled},
  // triggered stops pay the market costs: 99.00 - 5 bps (0.0495) = 98.9505 -> 98.95
  {"sell_with_slippage", config{}.slippage("5"), {quote("100.00", "100.50", 0)},
   stop("s1", S::sell, 10, "99.00"), {quote("99.00", "99.10", 0)}, {{"s1", "10", "98.95"}},
   St::filled},
  // bounded by displayed size once triggered; the rest works as a market order
  {"triggered_partial_then_rest", config{}, {quote("100.00", "100.50", 0)},
   stop("s1", S::buy, 100, "101.00"),
   {quote("100.90", "101.00", 0, 1000, 30), quote("100.95", "101.05", 0, 1000, 500)},
   {{"s1", "30", "101.00"}, {"s1", "70", "101.05"}}, St::filled},
};

INSTANTIATE_TEST_SUITE_P(cases, stop_rule, ::testing::ValuesIn(stop_cases),
                         [](const auto& info) { return info.param.name; });

TEST(stop, triggered_stops_queue_behind_working_orders) {
  harness h;
  h.on_quote(quote("100.00", "100.50", ms(1), 1000, 10));
  h.submit(stop("stop", S::buy, 50, "101.00"), ms(2)); // accepted first...
  h.submit(market("mkt", S::buy, 100), ms(3));          // ...but this one works first
  // the stop triggers on this quote and queues behind the working market order
  h.on_quote(quote("100.90", "101.00", ms(4), 1000, 60));
  h.on_quote(quote("100.90", "101.00", ms(5), 1000, 100));
  expect_fills(h.all, {{"mkt", "10", "100.50"},
                       {"mkt", "60", "101.00"},
                       {"mkt", "30", "101.00"},
                       {"stop", "50", "101.00"}});
}

TEST(stop, several_stops_trigger_in_acceptance_order) {
  harness h;
  h.on_quote(quote("100.00", "100.50", ms(1)));
  h.submit(stop("s_high", S::sell, 10, "99.50"), ms(2));
  h.submit(stop("s_low", S::sell, 10, "99.00"), ms(3));
  h.submit(stop("s_mid", S::sell, 10, "99.20"), ms(4));
  h.submit(stop("s_none", S::sell, 10, "98.00"), ms(5));
  h.on_quote(quote("98.90", "99.00", ms(6), 25, 1000));
  expect_fills(h.all,
               {{"s_high", "10", "98.90"}, {"s_low", "10", "98.90"}, {"s_mid", "5", "98.90"}});
  EXPECT_EQ(h.status("s_none"), St::new_);
}

} // namespace
} // namespace engine::sim::testing
