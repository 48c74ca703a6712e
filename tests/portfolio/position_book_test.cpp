// Tests of the position book: hand-computed P&L to the cent, the exact P&L identity over random
// fills, exec_id dedup, marks and daily counters.
#include "actors/portfolio/position_book.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace engine {
namespace {

Money M(const char* s) { return *Money::parse(s); }
Price P(const char* s) { return *Price::parse(s); }
Quantity Q(const char* s) { return *Quantity::parse(s); }

Fill make_fill(const std::string& exec_id, const std::string& ticker, OrderSide side,
               const char* qty, const char* px, const char* commission) {
  Fill f;
  f.exec_id = exec_id;
  f.order_id = "O-" + exec_id;
  f.ticker = ticker;
  f.side = side;
  f.quantity = Q(qty);
  f.price = P(px);
  f.commission = M(commission);
  return f;
}

constexpr auto buy = OrderSide::buy;
constexpr auto sell = OrderSide::sell;

// One step of the hand-computed scenario: a fill (qty != nullptr) or a mark, then everything
// the books must say afterwards. Initial cash 100000; ticker AAPL.
struct step {
  const char* what;
  OrderSide side;
  const char* qty; // nullptr: this step is a mark at px
  const char* px;
  const char* commission;
  // expected after the step
  const char* quantity;
  const char* average_price;
  const char* realized;
  const char* unrealized;
  const char* cash;
  const char* equity;
  const char* total_pnl;
  int64_t daily_trades;
  const char* daily_volume;
  const char* daily_commission;
  int64_t position_count;
};

// clang-format off
const std::vector<step> scenario = {
  // what                          side  qty    px       comm    qty    avg          realized      unrealized    cash         equity       total   trades volume     comm  count
  {"open long 100 @ 10",            buy,  "100", "10",    "1",    "100", "10",        "0",          "0",          "98999",     "99999",     "-1",     1, "1000",    "1",    1},
  {"add 50 @ 13 (avg 11)",          buy,  "50",  "13",    "1",    "150", "11",        "0",          "300",        "98348",     "100298",    "298",    2, "1650",    "2",    1},
  {"mark 12.50",                    buy,  nullptr,"12.5", "0",    "150", "11",        "0",          "225",        "98348",     "100223",    "223",    2, "1650",    "2",    1},
  {"sell 60 @ 12 (partial)",        sell, "60",  "12",    "1",    "90",  "11",        "60",         "135",        "99067",     "100192",    "192",    3, "2370",    "3",    1},
  {"sell 90 @ 11.50 (flat)",        sell, "90",  "11.5",  "1",    "0",   "0",         "105",        "0",          "100101",    "100101",    "101",    4, "3405",    "4",    0},
  {"mark 20",                       buy,  nullptr,"20",   "0",    "0",   "0",         "105",        "0",          "100101",    "100101",    "101",    4, "3405",    "4",    0},
  {"short 40 @ 20 (partial fill)",  sell, "40",  "20",    "0.5",  "-40", "20",        "105",        "0",          "100900.5",  "100100.5",  "100.5",  5, "4205",    "4.5",  1},
  {"short 60 @ 20.50 (rest)",       sell, "60",  "20.5",  "0.5",  "-100","20.3",      "105",        "30",         "102130",    "100130",    "130",    6, "5435",    "5",    1},
  {"cover 30 @ 19",                 buy,  "30",  "19",    "0.5",  "-70", "20.3",      "144",        "21",         "101559.5",  "100159.5",  "159.5",  7, "6005",    "5.5",  1},
  {"mark 19.37",                    buy,  nullptr,"19.37","0",    "-70", "20.3",      "144",        "65.1",       "101559.5",  "100203.6",  "203.6",  7, "6005",    "5.5",  1},
  {"flip: buy 100 @ 21",            buy,  "100", "21",    "1",    "30",  "21",        "95",         "-48.9",      "99458.5",   "100039.6",  "39.6",   8, "8105",    "6.5",  1},
  {"add 7 @ 21.13 (avg rounds)",    buy,  "7",   "21.13", "0.35", "37",  "21.024595", "95",         "-61.22",     "99310.24",  "100026.93", "26.93",  9, "8252.91", "6.85", 1},
  {"sell 10 @ 22 (basis rounds)",   sell, "10",  "22",    "0.25", "27",  "21.024595", "104.754054", "-44.674054", "99529.99",  "100052.98", "52.98", 10, "8472.91", "7.1",  1},
  {"sell 27 @ 20 (flat)",           sell, "27",  "20",    "0.25", "0",   "0",         "77.09",      "0",          "100069.74", "100069.74", "69.74", 11, "9012.91", "7.35", 0},
};
// clang-format on

TEST(position_book, hand_computed_scenario_to_the_micro_dollar) {
  position_book book(M("100000"));
  book.start_day(1);
  int n = 0;
  for (const auto& s : scenario) {
    SCOPED_TRACE(s.what);
    if (s.qty != nullptr)
      ASSERT_TRUE(book.apply_fill(
        make_fill("E" + std::to_string(++n), "AAPL", s.side, s.qty, s.px, s.commission)));
    else
      book.mark("AAPL", P(s.px));

    auto pos = book.position("AAPL");
    ASSERT_TRUE(pos.has_value());
    EXPECT_EQ(pos->quantity, Q(s.quantity)) << pos->quantity.to_string();
    EXPECT_EQ(book.quantity("AAPL"), Q(s.quantity));
    EXPECT_EQ(pos->average_price, P(s.average_price)) << pos->average_price.to_string();
    EXPECT_EQ(pos->realized_pnl, M(s.realized)) << pos->realized_pnl.to_string();
    EXPECT_EQ(pos->unrealized_pnl, M(s.unrealized)) << pos->unrealized_pnl.to_string();
    EXPECT_EQ(book.cash(), M(s.cash)) << book.cash().to_string();
    EXPECT_EQ(book.equity(), M(s.equity)) << book.equity().to_string();

    auto acct = book.account();
    EXPECT_EQ(acct.cash, M(s.cash));
    EXPECT_EQ(acct.equity, M(s.equity));
    EXPECT_EQ(acct.initial_cash, M("100000"));
    EXPECT_EQ(acct.buying_power, M(s.cash));

    auto m = book.metrics();
    EXPECT_EQ(m.total_pnl, M(s.total_pnl)) << m.total_pnl.to_string();
    EXPECT_EQ(m.realized_pnl, M(s.realized));
    EXPECT_EQ(m.unrealized_pnl, M(s.unrealized));
    EXPECT_EQ(m.daily_trades, s.daily_trades);
    EXPECT_EQ(m.daily_volume, M(s.daily_volume)) << m.daily_volume.to_string();
    EXPECT_EQ(m.daily_commission, M(s.daily_commission));
    EXPECT_EQ(m.position_count, s.position_count);
    EXPECT_EQ(book.positions().size(), static_cast<size_t>(s.position_count));
    // The identity, on every step.
    EXPECT_EQ(m.realized_pnl + m.unrealized_pnl - book.total_commission(), m.total_pnl);
  }
}

TEST(position_book, average_price_rounds_half_even_from_the_exact_basis) {
  position_book book(M("1000"));
  // 1.000001 + 1.000000 = 2.000001 over 2 shares = 1.0000005: a tie, to even.
  ASSERT_TRUE(book.apply_fill(make_fill("a1", "T", buy, "1", "1.000001", "0")));
  ASSERT_TRUE(book.apply_fill(make_fill("a2", "T", buy, "1", "1", "0")));
  EXPECT_EQ(book.position("T")->average_price, P("1"));
  EXPECT_EQ(book.cost_basis("T"), M("2.000001"));
  // 2.000003 / 2 = 1.0000015: a tie, to even (up this time).
  ASSERT_TRUE(book.apply_fill(make_fill("b1", "U", buy, "1", "1.000001", "0")));
  ASSERT_TRUE(book.apply_fill(make_fill("b2", "U", buy, "1", "1.000002", "0")));
  EXPECT_EQ(book.position("U")->average_price, P("1.000002"));
  // Short average is positive too.
  ASSERT_TRUE(book.apply_fill(make_fill("c1", "V", sell, "3", "10", "0")));
  ASSERT_TRUE(book.apply_fill(make_fill("c2", "V", sell, "1", "10.01", "0")));
  EXPECT_EQ(book.position("V")->average_price, P("10.0025"));
  EXPECT_EQ(book.cost_basis("V"), M("-40.01"));
}

TEST(position_book, fractional_notional_rounds_half_even_to_the_micro_dollar) {
  position_book book(M("100"));
  // 0.333333333 × 3 = 0.999999999 dollars -> 1.000000.
  ASSERT_TRUE(book.apply_fill(make_fill("f1", "T", buy, "0.333333333", "3", "0")));
  EXPECT_EQ(book.cash(), M("99"));
  EXPECT_EQ(book.cost_basis("T"), M("1"));
  // The mark value rounds the same way, so nothing is lost: equity is exactly cash + 1.
  EXPECT_EQ(book.equity(), M("100"));
  EXPECT_EQ(book.metrics().total_pnl, M("0"));
}

TEST(position_book, flip_splits_the_notional_exactly) {
  position_book book(M("1000"));
  ASSERT_TRUE(book.apply_fill(make_fill("1", "T", buy, "0.5", "10.000001", "0")));
  // Sell 1.5 at 9.999999 (notional 14.9999985 -> 14.999998): closes 0.5 (4.9999995 ->
  // 5.000000, half-even) and opens 1 short with the rest, 9.999998.
  ASSERT_TRUE(book.apply_fill(make_fill("2", "T", sell, "1.5", "9.999999", "0")));
  EXPECT_EQ(book.quantity("T"), Q("-1"));
  const Money fill_notional = notional(Q("1.5"), P("9.999999"));
  const Money closing = notional(Q("0.5"), P("9.999999"));
  EXPECT_EQ(fill_notional, M("14.999998"));
  EXPECT_EQ(closing, M("5"));
  EXPECT_EQ(book.cost_basis("T"), M("-9.999998"));
  EXPECT_EQ(book.cost_basis("T"), -(fill_notional - closing));
  EXPECT_EQ(book.realized_pnl(), closing - notional(Q("0.5"), P("10.000001")));
  EXPECT_EQ(book.cash(), M("1000") - notional(Q("0.5"), P("10.000001")) + fill_notional);
  auto m = book.metrics();
  EXPECT_EQ(m.realized_pnl + m.unrealized_pnl, m.total_pnl);
}

TEST(position_book, repeated_exec_id_is_ignored) {
  position_book book(M("10000"));
  auto f = make_fill("X1", "AAPL", buy, "10", "100", "1");
  EXPECT_TRUE(book.apply_fill(f));
  const auto cash = book.cash();
  const auto metrics = book.metrics();
  EXPECT_FALSE(book.apply_fill(f));
  f.quantity = Q("999"); // same exec_id, different content: still a duplicate
  EXPECT_FALSE(book.apply_fill(f));
  EXPECT_EQ(book.quantity("AAPL"), Q("10"));
  EXPECT_EQ(book.cash(), cash);
  EXPECT_EQ(book.metrics().daily_trades, metrics.daily_trades);
  EXPECT_EQ(book.metrics().daily_volume, metrics.daily_volume);
  // A new exec_id is booked.
  EXPECT_TRUE(book.apply_fill(make_fill("X2", "AAPL", buy, "10", "100", "1")));
  EXPECT_EQ(book.quantity("AAPL"), Q("20"));
}

// A venue's own account trusts its engine's exec ids never to repeat and keeps none: the
// same id twice is two fills, and it takes no commission completions.
TEST(position_book, an_account_whose_exec_ids_never_repeat_keeps_none) {
  position_book book(M("10000"), position_book::exec_ids::never_repeat);
  auto f = make_fill("X1", "AAPL", buy, "10", "100", "1");
  EXPECT_TRUE(book.apply_fill(f));
  EXPECT_TRUE(book.apply_fill(f));
  EXPECT_EQ(book.quantity("AAPL"), Q("20"));
  EXPECT_EQ(book.cash(), M("7998"));
  EXPECT_FALSE(book.apply_commission(make_fill("X1", "AAPL", buy, "0", "0", "1")));
  EXPECT_EQ(book.cash(), M("7998"));
}

TEST(position_book, a_late_commission_is_booked_once_for_a_booked_fill) {
  position_book book{M("100000")};
  ASSERT_TRUE(book.apply_fill(make_fill("E1", "AAPL", buy, "10", "50", "0"))); // pending
  auto before = book.position("AAPL");
  Fill c = make_fill("E1", "AAPL", buy, "0", "0", "1.25");
  EXPECT_TRUE(book.apply_commission(c));
  EXPECT_EQ(book.cash(), M("99498.75"));
  EXPECT_EQ(book.total_commission(), M("1.25"));
  EXPECT_EQ(book.metrics().daily_commission, M("1.25"));
  EXPECT_EQ(book.metrics().daily_trades, 1); // not a trade
  EXPECT_EQ(book.position("AAPL")->quantity, before->quantity);
  EXPECT_EQ(book.position("AAPL")->realized_pnl, before->realized_pnl); // P&L excludes it
  EXPECT_FALSE(book.apply_commission(c)); // once
  EXPECT_FALSE(book.apply_commission(make_fill("E9", "AAPL", buy, "0", "0", "1"))); // no fill
  EXPECT_FALSE(book.apply_fill(c)); // and never a fill
  ASSERT_TRUE(book.apply_fill(make_fill("E2", "AAPL", buy, "1", "50", "0")));
  EXPECT_FALSE(book.apply_commission(make_fill("E2", "AAPL", buy, "0", "0", "-1")));
  EXPECT_EQ(book.cash(), M("99448.75"));
  // The P&L identity still holds: realized + unrealized - commissions = equity - initial.
  auto m = book.metrics();
  EXPECT_EQ(m.realized_pnl + m.unrealized_pnl - book.total_commission(),
            book.equity() - book.initial_cash());
}

TEST(position_book, invalid_fills_change_nothing) {
  position_book book(M("10000"));
  EXPECT_FALSE(book.apply_fill(make_fill("z1", "AAPL", buy, "0", "100", "1")));
  EXPECT_FALSE(book.apply_fill(make_fill("z2", "AAPL", buy, "-1", "100", "1")));
  EXPECT_FALSE(book.apply_fill(make_fill("z3", "AAPL", buy, "1", "0", "1")));
  EXPECT_FALSE(book.apply_fill(make_fill("z4", "", buy, "1", "100", "1")));
  EXPECT_EQ(book.cash(), M("10000"));
  EXPECT_EQ(book.metrics().daily_trades, 0);
  EXPECT_FALSE(book.position("AAPL").has_value());
  // A rejected fill's exec_id is not burnt: the corrected fill books.
  EXPECT_TRUE(book.apply_fill(make_fill("z1", "AAPL", buy, "1", "100", "1")));
}

TEST(position_book, overflowing_fill_throws_and_leaves_the_books_untouched) {
  position_book book(M("10000"));
  ASSERT_TRUE(book.apply_fill(make_fill("ok", "AAPL", buy, "1", "100", "0")));
  // 9e9 shares × $5000 = $4.5e13: past Money's range.
  EXPECT_THROW(book.apply_fill(make_fill("big", "AAPL", buy, "9000000000", "5000", "0")),
               decimal_overflow);
  EXPECT_EQ(book.quantity("AAPL"), Q("1"));
  EXPECT_EQ(book.cash(), M("9900"));
  EXPECT_EQ(book.metrics().daily_trades, 1);
}

TEST(position_book, marks_default_to_the_last_fill_price) {
  position_book book(M("10000"));
  EXPECT_FALSE(book.mark_price("AAPL").has_value());
  ASSERT_TRUE(book.apply_fill(make_fill("1", "AAPL", buy, "10", "100", "0")));
  EXPECT_EQ(book.mark_price("AAPL"), P("100"));
  ASSERT_TRUE(book.apply_fill(make_fill("2", "AAPL", buy, "10", "102", "0")));
  EXPECT_EQ(book.mark_price("AAPL"), P("102")); // still no mark: the last fill
  EXPECT_EQ(book.position("AAPL")->market_value, M("2040"));
  book.mark("AAPL", P("99.5"));
  ASSERT_TRUE(book.apply_fill(make_fill("3", "AAPL", buy, "1", "105", "0")));
  EXPECT_EQ(book.mark_price("AAPL"), P("99.5")); // a mark wins over later fills
  EXPECT_EQ(book.position("AAPL")->market_value, M("2089.5"));
  // A mark set before the first fill of a ticker is used.
  book.mark("MSFT", P("300"));
  ASSERT_TRUE(book.apply_fill(make_fill("4", "MSFT", sell, "2", "310", "0")));
  EXPECT_EQ(book.position("MSFT")->market_value, M("-600"));
  EXPECT_EQ(book.position("MSFT")->unrealized_pnl, M("20"));
  EXPECT_EQ(book.short_market_value(), M("600"));
}

TEST(position_book, positions_are_open_ones_sorted_by_ticker) {
  position_book book(M("100000"));
  ASSERT_TRUE(book.apply_fill(make_fill("1", "MSFT", buy, "1", "300", "0")));
  ASSERT_TRUE(book.apply_fill(make_fill("2", "AAPL", sell, "2", "150", "0")));
  ASSERT_TRUE(book.apply_fill(make_fill("3", "GOOG", buy, "3", "100", "0")));
  ASSERT_TRUE(book.apply_fill(make_fill("4", "GOOG", sell, "3", "101", "0")));
  auto ps = book.positions();
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].ticker, "AAPL");
  EXPECT_EQ(ps[0].quantity, Q("-2"));
  EXPECT_EQ(ps[1].ticker, "MSFT");
  // A flat ticker still answers, with its realized P&L.
  auto goog = book.position("GOOG");
  ASSERT_TRUE(goog.has_value());
  EXPECT_TRUE(goog->quantity.is_zero());
  EXPECT_EQ(goog->realized_pnl, M("3"));
  EXPECT_EQ(goog->market_value, M("0"));
  EXPECT_EQ(book.metrics().position_count, 2);
  EXPECT_FALSE(book.position("TSLA").has_value());
  EXPECT_TRUE(book.quantity("TSLA").is_zero());
}

TEST(position_book, start_day_resets_only_daily_counters_on_a_new_day) {
  position_book book(M("10000"));
  ASSERT_TRUE(book.apply_fill(make_fill("1", "AAPL", buy, "10", "100", "1")));
  book.start_day(20000); // the first day is adopted, counters kept
  EXPECT_EQ(book.metrics().daily_trades, 1);
  ASSERT_TRUE(book.apply_fill(make_fill("2", "AAPL", sell, "5", "110", "1")));
  book.start_day(20000); // same day: nothing
  auto m = book.metrics();
  EXPECT_EQ(m.daily_trades, 2);
  EXPECT_EQ(m.daily_volume, M("1550"));
  EXPECT_EQ(m.daily_commission, M("2"));
  book.start_day(20001);
  m = book.metrics();
  EXPECT_EQ(m.daily_trades, 0);
  EXPECT_EQ(m.daily_volume, M("0"));
  EXPECT_EQ(m.daily_commission, M("0"));
  // P&L and positions carry over.
  EXPECT_EQ(m.realized_pnl, M("50"));
  EXPECT_EQ(book.quantity("AAPL"), Q("5"));
  EXPECT_EQ(book.total_commission(), M("2"));
  EXPECT_EQ(book.session_day(), 20001);
  // Dedup outlives the day change.
  EXPECT_FALSE(book.apply_fill(make_fill("2", "AAPL", sell, "5", "110", "1")));
}

// The identity realized + unrealized − Σ commission == total_pnl must hold exactly after every
// one of thousands of random fills and marks, with fractional shares, sub-penny prices, flips.
TEST(position_book, pnl_identity_holds_exactly_over_random_fills) {
  std::mt19937_64 rng(20240601);
  const std::vector<std::string> tickers = {"AAPL", "MSFT", "PENNY", "GOOG", "TSLA"};
  const Money initial = M("10000000");
  position_book book(initial);
  Money commissions;
  Money expected_cash = initial;
  std::uniform_int_distribution<int> pick(0, static_cast<int>(tickers.size()) - 1);
  std::uniform_int_distribution<int> percent(0, 99);
  int64_t day = 1;
  book.start_day(day);
  int fills = 0, flips = 0, closes = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto& t = tickers[static_cast<size_t>(pick(rng))];
    // PENNY trades below a dollar with six decimals; others between $1 and $500.
    const int64_t px_raw = t == "PENNY"
                             ? std::uniform_int_distribution<int64_t>(1, 999'999)(rng)
                             : std::uniform_int_distribution<int64_t>(1'000'000, 500'000'000)(rng);
    const Price px = Price::from_raw(px_raw);
    const int r = percent(rng);
    if (r < 15) {
      book.mark(t, px);
    } else {
      Fill f;
      f.exec_id = "E" + std::to_string(i);
      f.ticker = t;
      f.side = percent(rng) < 50 ? OrderSide::buy : OrderSide::sell;
      // Whole lots most of the time, arbitrary fractions otherwise.
      f.quantity = percent(rng) < 70
                     ? Quantity::from_units(std::uniform_int_distribution<int64_t>(1, 400)(rng))
                     : Quantity::from_raw(
                         std::uniform_int_distribution<int64_t>(1, 400'000'000'000)(rng));
      f.price = px;
      f.commission = Money::from_raw(std::uniform_int_distribution<int64_t>(0, 5'000'000)(rng));
      const Quantity before = book.quantity(t);
      // A random walk drifts away from zero: steer some fills into exact closes and flips.
      const int shape = percent(rng);
      if (!before.is_zero() && shape < 25) {
        f.side = before.is_positive() ? OrderSide::sell : OrderSide::buy;
        f.quantity = shape < 10 ? before.abs() : before.abs() + f.quantity;
      }
      ASSERT_TRUE(book.apply_fill(f));
      ++fills;
      const Quantity after = book.quantity(t);
      if ((before.is_positive() && after.is_negative())
          || (before.is_negative() && after.is_positive()))
        ++flips;
      else if (!before.is_zero() && after.is_zero())
        ++closes;
      commissions += f.commission;
      const Money n = notional(f.quantity, f.price);
      expected_cash += (f.side == OrderSide::buy ? -n : n) - f.commission;
      if (r > 97)
        book.start_day(++day);
    }
    auto m = book.metrics();
    ASSERT_EQ(m.realized_pnl + m.unrealized_pnl - commissions, m.total_pnl) << "step " << i;
    ASSERT_EQ(book.cash(), expected_cash) << "step " << i;
    ASSERT_EQ(book.total_commission(), commissions);
    // Per-ticker sums agree with the account.
    Money realized, unrealized, market_value;
    for (const auto& tk : tickers) {
      if (auto p = book.position(tk)) {
        realized += p->realized_pnl;
        unrealized += p->unrealized_pnl;
        market_value += p->market_value;
        if (p->quantity.is_zero())
          ASSERT_TRUE(book.cost_basis(tk).is_zero()) << tk << " flat with a basis, step " << i;
        else if (p->quantity.is_positive())
          ASSERT_FALSE(book.cost_basis(tk).is_negative()) << tk << " step " << i;
        else
          ASSERT_FALSE(book.cost_basis(tk).is_positive()) << tk << " step " << i;
      }
    }
    ASSERT_EQ(realized, m.realized_pnl);
    ASSERT_EQ(unrealized, m.unrealized_pnl);
    ASSERT_EQ(book.equity(), book.cash() + market_value);
    ASSERT_EQ(m.total_pnl, book.equity() - initial);
  }
  EXPECT_GT(fills, 15000);
  EXPECT_GT(flips, 1000); // the paths that matter most were exercised
  EXPECT_GT(closes, 10);
  // Flatten everything at the marks: all P&L is then realized, still exactly.
  for (const auto& tk : tickers) {
    const Quantity q = book.quantity(tk);
    if (q.is_zero())
      continue;
    Fill f;
    f.exec_id = "close-" + tk;
    f.ticker = tk;
    f.side = q.is_positive() ? OrderSide::sell : OrderSide::buy;
    f.quantity = q.abs();
    f.price = *book.mark_price(tk);
    ASSERT_TRUE(book.apply_fill(f));
  }
  auto m = book.metrics();
  EXPECT_EQ(m.position_count, 0);
  EXPECT_TRUE(m.unrealized_pnl.is_zero());
  EXPECT_EQ(m.realized_pnl - commissions, m.total_pnl);
  EXPECT_EQ(book.cash(), book.equity());
}

} // namespace
} // namespace engine
