// Commission per fill: max(min_commission, rate x notional), rounded half-up to the cent.
#include "sim_checkers.hpp"

#include "brokers/sim/pricing.hpp"

namespace engine::sim::testing {
namespace {

using S = OrderSide;

struct commission_case {
  std::string name;
  const char* rate;
  const char* min;
  int64_t quantity;
  const char* price;
  const char* commission;
};

class commission_rule : public ::testing::TestWithParam<commission_case> {};

TEST_P(commission_rule, per_fill_to_the_cent) {
  const auto& c = GetParam();
  harness h{config{}.commission(c.rate, c.min)};
  h.on_quote(quote("0.0001", c.price, ms(1), 1000, 1'000'000));
  h.submit(market("m", S::buy, c.quantity), ms(2));
  expect_fills(h.all, {{"m", std::to_string(c.quantity).c_str(), c.price, c.commission}});
  EXPECT_EQ(commission_for(config{}.commission(c.rate, c.min), qty(c.quantity), px(c.price)),
            money(c.commission));
}

const commission_case commission_cases[] = {
  {"rate_times_notional", "0.001", "1.00", 100, "50.00", "5.00"},
  {"minimum_applies", "0.001", "1.00", 10, "50.00", "1.00"},
  // 330.33 x 0.0005 = 0.165165
  {"rounds_to_cent", "0.0005", "0", 33, "10.01", "0.17"},
  // 5.00 x 0.001 = 0.005: half-up gives a cent (half-even would give 0)
  {"half_up_tie", "0.001", "0", 5, "1.00", "0.01"},
  // 123450 x 0.0035 = 432.075
  {"half_up_tie_large", "0.0035", "0", 1000, "123.45", "432.08"},
  // 0.004 x 1.00 = 0.004 rounds down
  {"below_half_rounds_down", "0.001", "0", 4, "1.00", "0"},
  // the minimum is compared before rounding: max(0.005, 0) = 0.005 -> 0.01
  {"sub_cent_minimum", "0", "0.005", 100, "10.00", "0.01"},
  {"free", "0", "0", 100, "10.00", "0"},
  // sub-dollar stock: 10000 x 0.1234 x 0.001 = 1.234
  {"sub_dollar", "0.001", "0", 10000, "0.1234", "1.23"},
};

INSTANTIATE_TEST_SUITE_P(cases, commission_rule, ::testing::ValuesIn(commission_cases),
                         [](const auto& info) { return info.param.name; });

TEST(commission, each_partial_fill_pays_its_own_and_the_order_sums_them) {
  harness h{config{}.commission("0.001", "1.00")};
  h.on_quote(quote("49.99", "50.00", ms(1), 1000, 10));
  h.submit(market("m", S::buy, 100), ms(2));
  h.on_quote(quote("49.99", "50.00", ms(3), 1000, 1000));
  // 10 x 50 x 0.001 = 0.50 -> minimum 1.00; 90 x 50 x 0.001 = 4.50
  expect_fills(h.all, {{"m", "10", "50.00", "1.00"}, {"m", "90", "50.00", "4.50"}});
  EXPECT_EQ(h.all.back().update.commission, money("5.50"));
  EXPECT_EQ(h.eng.order("m")->commission, money("5.50"));
}

} // namespace
} // namespace engine::sim::testing
