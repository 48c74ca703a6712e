// Stop-limit orders: the stop triggers a limit order that then fills only at the limit or better.
#include "sim_checkers.hpp"

namespace engine::sim::testing {
namespace {

using S = OrderSide;
using St = OrderStatus;

class stop_limit_rule : public ::testing::TestWithParam<scenario> {};

TEST_P(stop_limit_rule, triggers_then_fills_as_limit) { run_scenario(GetParam()); }

const scenario stop_limit_cases[] = {
  {"buy_waits", config{}, {quote("100.00", "100.50", 0)},
   stop_limit("sl", S::buy, 10, "101.00", "101.20"), {quote("100.50", "100.99", 0)}, {},
   St::new_},
  {"buy_triggers_and_fills", config{}, {quote("100.00", "100.50", 0)},
   stop_limit("sl", S::buy, 10, "101.00", "101.20"), {quote("101.00", "101.10", 0)},
   {{"sl", "10", "101.10"}}, St::filled},
  // the ask gaps above the limit: triggered but resting, fills when it comes back
  {"buy_gap_rests_then_fills", config{}, {quote("100.00", "100.50", 0)},
   stop_limit("sl", S::buy, 10, "101.00", "101.20"),
   {quote("101.40", "101.50", 0), quote("101.10", "101.15", 0)}, {{"sl", "10", "101.15"}},
   St::filled},
  // once triggered it stays a limit order even if the ask falls back below the stop
  {"buy_stays_triggered", config{}, {quote("100.00", "100.50", 0)},
   stop_limit("sl", S::buy, 10, "101.00", "101.20"),
   {quote("101.40", "101.50", 0), quote("100.40", "100.50", 0)}, {{"sl", "10", "100.50"}},
   St::filled},
  {"sell_gap_rests_then_fills", config{}, {quote("100.00", "100.50", 0)},
   stop_limit("sl", S::sell, 10, "99.00", "98.80"),
   {quote("98.50", "98.60", 0), quote("98.90", "99.00", 0)}, {{"sl", "10", "98.90"}},
   St::filled},
  // slippage is capped at the limit: 99.00 - 50 bps = 98.505 -> limit 98.80
  {"sell_capped_at_limit", config{}.slippage("50"), {quote("100.00", "100.50", 0)},
   stop_limit("sl", S::sell, 10, "99.00", "98.80"), {quote("99.00", "99.10", 0)},
   {{"sl", "10", "98.80"}}, St::filled},
  // no quote is needed to accept a stop-limit
  {"accepted_without_quote", config{}, {}, stop_limit("sl", S::buy, 10, "101.00", "101.20"),
   {quote("100.00", "100.50", 0), quote("101.00", "101.05", 0)}, {{"sl", "10", "101.05"}},
   St::filled},
};

INSTANTIATE_TEST_SUITE_P(cases, stop_limit_rule, ::testing::ValuesIn(stop_limit_cases),
                         [](const auto& info) { return info.param.name; });

} // namespace
} // namespace engine::sim::testing
