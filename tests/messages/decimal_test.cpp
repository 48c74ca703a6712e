// The decimal types against a table of tricky values.
#include "messages/decimal.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace engine;

TEST(Decimal, PointOnePlusPointTwoIsExactlyPointThree) {
  auto a = *Money::parse("0.1");
  auto b = *Money::parse("0.2");
  EXPECT_EQ(a + b, *Money::parse("0.3"));
  EXPECT_EQ((a + b).to_string(), "0.3");
}

struct parse_case {
  const char* text;
  bool ok;
  int64_t raw;       // Price raw units (1e-6)
  const char* printed;
};

class PriceParse : public ::testing::TestWithParam<parse_case> {};

TEST_P(PriceParse, ParsesExactlyOrRefuses) {
  auto c = GetParam();
  auto p = Price::parse(c.text);
  ASSERT_EQ(p.has_value(), c.ok) << c.text;
  if (c.ok) {
    EXPECT_EQ(p->raw(), c.raw) << c.text;
    EXPECT_EQ(p->to_string(), c.printed) << c.text;
  }
}

INSTANTIATE_TEST_SUITE_P(
  Table, PriceParse,
  ::testing::Values(parse_case{"0", true, 0, "0"}, parse_case{"1", true, 1000000, "1"},
                    parse_case{"-1.5", true, -1500000, "-1.5"},
                    parse_case{"+2.25", true, 2250000, "2.25"},
                    parse_case{"0.000001", true, 1, "0.000001"},
                    parse_case{"-0.000001", true, -1, "-0.000001"},
                    parse_case{"123.4500", true, 123450000, "123.45"},
                    parse_case{"1.0000000", true, 1000000, "1"}, // extra zero digits are exact
                    parse_case{".5", true, 500000, "0.5"}, parse_case{"5.", true, 5000000, "5"},
                    parse_case{"0.0000001", false, 0, ""}, // would lose value
                    parse_case{"", false, 0, ""}, parse_case{"-", false, 0, ""},
                    parse_case{".", false, 0, ""}, parse_case{"1e3", false, 0, ""},
                    parse_case{"1.2.3", false, 0, ""}, parse_case{"abc", false, 0, ""},
                    parse_case{" 1", false, 0, ""}, parse_case{"1 ", false, 0, ""},
                    parse_case{"9223372036854.775807", true, INT64_MAX, "9223372036854.775807"},
                    parse_case{"-9223372036854.775808", true, INT64_MIN,
                               "-9223372036854.775808"},
                    parse_case{"9223372036854.775808", false, 0, ""},
                    parse_case{"99999999999999999999999", false, 0, ""}));

TEST(Decimal, OverflowIsReportedNeverWrapped) {
  auto max = Money::from_raw(INT64_MAX);
  auto one = Money::from_raw(1);
  EXPECT_FALSE(Money::try_add(max, one).has_value());
  EXPECT_THROW(max + one, decimal_overflow);
  EXPECT_THROW(-Money::from_raw(INT64_MIN), decimal_overflow);
  EXPECT_THROW(Money::from_raw(INT64_MIN) - one, decimal_overflow);
  // 9e9 shares at $1,000,000 is 9e15 dollars: beyond Money's range.
  auto qty = *Quantity::parse("9000000000");
  auto px = *Price::parse("1000000");
  EXPECT_FALSE(try_notional(qty, px).has_value());
  EXPECT_THROW(notional(qty, px), decimal_overflow);
  EXPECT_THROW(Money::from_units(INT64_MAX / 10), decimal_overflow);
}

TEST(Decimal, NotionalIsExactWithFractionalShares) {
  auto qty = *Quantity::parse("0.333333333");
  auto px = *Price::parse("150.03");
  // 0.333333333 * 150.03 = 50.00999995... -> half-even to 1e-6 = 50.01
  EXPECT_EQ(notional(qty, px).to_string(), "50.01");
  EXPECT_EQ(notional(*Quantity::parse("100"), *Price::parse("190.123456")).to_string(),
            "19012.3456");
  EXPECT_EQ(notional(*Quantity::parse("-3"), *Price::parse("10.5")).to_string(), "-31.5");
}

struct round_case {
  const char* value;
  const char* step;
  rounding mode;
  const char* expected;
};

class MoneyRounding : public ::testing::TestWithParam<round_case> {};

TEST_P(MoneyRounding, RoundsToStep) {
  auto c = GetParam();
  auto v = *Money::parse(c.value);
  auto step = *Money::parse(c.step);
  EXPECT_EQ(v.round_to(step, c.mode).to_string(), c.expected)
    << c.value << " step " << c.step << " mode " << static_cast<int>(c.mode);
}

INSTANTIATE_TEST_SUITE_P(
  Ties, MoneyRounding,
  ::testing::Values(round_case{"0.125", "0.01", rounding::half_even, "0.12"},
                    round_case{"0.135", "0.01", rounding::half_even, "0.14"},
                    round_case{"0.125", "0.01", rounding::half_up, "0.13"},
                    round_case{"-0.125", "0.01", rounding::half_even, "-0.12"},
                    round_case{"-0.125", "0.01", rounding::half_up, "-0.13"},
                    round_case{"0.121", "0.01", rounding::ceiling, "0.13"},
                    round_case{"-0.121", "0.01", rounding::ceiling, "-0.12"},
                    round_case{"0.129", "0.01", rounding::floor, "0.12"},
                    round_case{"-0.121", "0.01", rounding::floor, "-0.13"},
                    round_case{"0.129", "0.01", rounding::toward_zero, "0.12"},
                    round_case{"-0.129", "0.01", rounding::toward_zero, "-0.12"},
                    round_case{"1.2345", "0.0001", rounding::half_even, "1.2345"},
                    round_case{"100.005", "0.01", rounding::half_even, "100"},
                    round_case{"100.015", "0.01", rounding::half_even, "100.02"},
                    round_case{"7", "5", rounding::half_even, "5"},
                    round_case{"7.5", "5", rounding::half_even, "10"}));

TEST(Decimal, MulAndDivAcrossScales) {
  auto commission = mul<Money>(*Money::parse("12345.67"), *Rate::parse("0.001"),
                               rounding::half_up);
  EXPECT_EQ(commission.to_string(), "12.34567");
  EXPECT_EQ(commission.round_to(one_cent, rounding::half_up).to_string(), "12.35");
  auto avg = div<Price>(*Money::parse("1000"), *Quantity::parse("3"), rounding::half_even);
  EXPECT_EQ(avg.to_string(), "333.333333");
  EXPECT_FALSE(try_div<Price>(*Money::parse("1"), Quantity{}).has_value());
  EXPECT_EQ(convert<Money>(*Price::parse("1.5")).to_string(), "1.5");
  EXPECT_EQ(convert<Price>(*Rate::parse("0.1234567"), rounding::half_even).to_string(),
            "0.123457");
}

TEST(Decimal, FromDoubleOnlyAtTheEdges) {
  EXPECT_EQ(Price::from_double(0.1)->to_string(), "0.1");
  EXPECT_EQ(Price::from_double(190.12)->to_string(), "190.12");
  EXPECT_EQ(Price::from_double(-2.5000005, rounding::half_up)->to_string(), "-2.500001");
  EXPECT_FALSE(Price::from_double(1e300).has_value());
  EXPECT_FALSE(Price::from_double(std::nan("")).has_value());
}

TEST(Decimal, PrintParseRoundTripOverRandomRaws) {
  uint64_t s = 88172645463325252ull;
  for (int i = 0; i < 5000; ++i) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    auto q = Quantity::from_raw(static_cast<int64_t>(s));
    auto back = Quantity::parse(q.to_string());
    ASSERT_TRUE(back.has_value()) << q.to_string();
    ASSERT_EQ(*back, q);
  }
}

TEST(Decimal, AppendToAddsThePrintedFormToWhatIsThere) {
  std::string s = "x=";
  Quantity::parse("-12.5")->append_to(s);
  s += ' ';
  Quantity{}.append_to(s);
  s += ' ';
  Quantity::from_raw(INT64_MIN).append_to(s);
  EXPECT_EQ(s, "x=-12.5 0 " + Quantity::from_raw(INT64_MIN).to_string());
}
