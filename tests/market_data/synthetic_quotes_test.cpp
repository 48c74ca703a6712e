// Tests of the synthetic quote generator: determinism, tick validity, round-robin timing, GBM statistics.
#include "actors/market_data/synthetic_quotes.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "actors/clock/iso8601.hpp"
#include "actors/market_data/ticks.hpp"

namespace engine {
namespace {

synthetic_ticker ticker(const char* name, const char* price, const char* vol, const char* drift,
                        const char* bps, int64_t bid_size = 100, int64_t ask_size = 200) {
  synthetic_ticker t;
  t.ticker = name;
  t.start_price = *Price::parse(price);
  t.volatility = *Rate::parse(vol);
  t.drift = *Rate::parse(drift);
  t.spread_bps = *Rate::parse(bps);
  t.bid_size = Quantity::from_units(bid_size);
  t.ask_size = Quantity::from_units(ask_size);
  return t;
}

const timestamp_ns t0 = 1795530600LL * 1000000000LL; // 2026-11-24T09:30:00-05:00

bool same(const Quote& a, const Quote& b) {
  return a.ticker == b.ticker && a.bid == b.bid && a.ask == b.ask && a.bid_size == b.bid_size &&
         a.ask_size == b.ask_size && a.timestamp == b.timestamp;
}

TEST(synthetic_quotes, matches_an_independent_port_bit_for_bit) {
  // Expected quotes from a Python port of det_random + GBM + tick rounding
  // (Python floats are IEEE doubles without FMA): a second platform.
  synthetic_quotes gen({ticker("AAPL", "230.50", "0.25", "0.05", "2"),
                        ticker("PENNY", "0.99", "0.9", "0", "10")},
                       42, t0, 100);
  struct expected {
    const char* ticker;
    const char* bid;
    const char* ask;
  };
  const expected first[] = {
      {"AAPL", "230.47", "230.53"}, {"PENNY", "0.9895", "0.9905"},
      {"AAPL", "230.47", "230.53"}, {"PENNY", "0.9895", "0.9906"},
      {"AAPL", "230.47", "230.52"}, {"PENNY", "0.9897", "0.9907"},
      {"AAPL", "230.45", "230.51"}, {"PENNY", "0.9897", "0.9908"},
  };
  for (const auto& e : first) {
    Quote q = gen.next();
    EXPECT_EQ(q.ticker, e.ticker);
    EXPECT_EQ(q.bid.to_string(), e.bid);
    EXPECT_EQ(q.ask.to_string(), e.ask);
  }
  std::vector<Quote> rest;
  gen.next_batch(1992, rest);
  EXPECT_EQ(rest[1990].bid.to_string(), "230.04");
  EXPECT_EQ(rest[1990].ask.to_string(), "230.09");
  EXPECT_EQ(rest[1991].bid.to_string(), "0.9871");
  EXPECT_EQ(rest[1991].ask.to_string(), "0.9882");
  EXPECT_EQ(rest[1991].timestamp, t0 + 999 * 100 * ns_per_ms);
}

TEST(synthetic_quotes, same_seed_same_quotes_different_seed_different_quotes) {
  auto tickers = std::vector<synthetic_ticker>{ticker("AAPL", "230.50", "0.25", "0.05", "2"),
                                               ticker("MSFT", "418.00", "0.2", "0", "1"),
                                               ticker("SPY", "590.00", "0.15", "0", "0.5")};
  synthetic_quotes a(tickers, 7, t0, 100);
  synthetic_quotes b(tickers, 7, t0, 100);
  synthetic_quotes c(tickers, 8, t0, 100);
  int differ = 0;
  for (int i = 0; i < 30000; ++i) {
    Quote qa = a.next();
    ASSERT_TRUE(same(qa, b.next())) << i;
    Quote qc = c.next();
    differ += qa.bid != qc.bid || qa.ask != qc.ask;
  }
  EXPECT_GT(differ, 25000); // paths diverge within a few steps
}

TEST(synthetic_quotes, a_tickers_path_does_not_depend_on_the_others) {
  synthetic_quotes alone({ticker("AAPL", "230.50", "0.25", "0.05", "2")}, 11, t0, 250);
  synthetic_quotes with_others({ticker("MSFT", "418.00", "0.2", "0", "1"),
                                ticker("AAPL", "230.50", "0.25", "0.05", "2")},
                               11, t0, 250);
  for (int i = 0; i < 5000; ++i) {
    Quote x = alone.next();
    with_others.next(); // MSFT
    Quote y = with_others.next();
    ASSERT_TRUE(same(x, y)) << i;
  }
}

TEST(synthetic_quotes, round_robin_with_one_timestamp_per_round) {
  synthetic_quotes gen({ticker("A", "10", "0.3", "0", "5"), ticker("B", "20", "0.3", "0", "5"),
                        ticker("C", "30", "0.3", "0", "5")},
                       1, t0, 100);
  const char* names[] = {"A", "B", "C"};
  for (int i = 0; i < 300; ++i) {
    timestamp_ns expected = t0 + (i / 3) * 100 * ns_per_ms;
    EXPECT_EQ(gen.peek_time(), expected);
    Quote q = gen.next();
    EXPECT_EQ(q.ticker, names[i % 3]);
    EXPECT_EQ(q.timestamp, expected);
  }
  // Round 0 quotes the start price itself.
  synthetic_quotes fresh({ticker("A", "10", "0.3", "0", "0")}, 1, t0, 100);
  Quote q = fresh.next();
  EXPECT_EQ(q.bid.to_string(), "10");
  EXPECT_EQ(q.ask.to_string(), "10.01");
}

TEST(synthetic_quotes, batches_equal_single_steps_and_reuse_the_vector) {
  auto tickers = std::vector<synthetic_ticker>{ticker("AAPL", "230.50", "0.25", "0.05", "2"),
                                               ticker("MSFT", "418.00", "0.2", "0", "1")};
  synthetic_options opts;
  opts.trade_probability = 0.3;
  synthetic_quotes one(tickers, 5, t0, 100, opts);
  synthetic_quotes many(tickers, 5, t0, 100, opts);
  std::vector<Quote> batch;
  std::vector<Trade> trades;
  size_t trade_count = 0;
  for (int round = 0; round < 50; ++round) {
    many.next_batch(64, batch, &trades);
    ASSERT_EQ(batch.size(), 64u);
    size_t k = 0;
    for (const Quote& b : batch) {
      ASSERT_TRUE(same(one.next(), b));
      if (one.last_trade()) {
        ASSERT_LT(k, trades.size());
        EXPECT_EQ(trades[k].price, one.last_trade()->price);
        EXPECT_EQ(trades[k].size, one.last_trade()->size);
        ++k;
      }
    }
    EXPECT_EQ(k, trades.size());
    trade_count += k;
  }
  EXPECT_GT(trade_count, 0u);
  many.next_batch(0, batch);
  EXPECT_TRUE(batch.empty());
}

TEST(synthetic_quotes, every_quote_is_on_tick_and_one_tick_wide_over_100000) {
  // PENNY is volatile around $1, so it crosses the sub-penny boundary often;
  // TIGHT asks for a zero spread and must still be one tick wide.
  synthetic_quotes gen({ticker("AAPL", "230.50", "0.25", "0.05", "2"),
                        ticker("PENNY", "1.00", "4", "0", "3"),
                        ticker("TIGHT", "5.00", "0.3", "0", "0"),
                        ticker("DUST", "0.03", "1.5", "0", "20")},
                       99, t0, 1000);
  std::map<std::string, int> below_dollar;
  std::map<std::string, int> above_dollar;
  const Price one = Price::from_units(1);
  for (int i = 0; i < 100000; ++i) {
    Quote q = gen.next();
    ASSERT_TRUE(on_tick(q.bid)) << q.ticker << " " << q.bid.to_string();
    ASSERT_TRUE(on_tick(q.ask)) << q.ticker << " " << q.ask.to_string();
    ASSERT_LT(q.bid, q.ask) << q.ticker;
    ASSERT_TRUE(q.bid.is_positive());
    ASSERT_EQ(q.bid_size, Quantity::from_units(100));
    ASSERT_EQ(q.ask_size, Quantity::from_units(200));
    if (q.ticker == "TIGHT") {
      ASSERT_EQ((q.ask - q.bid).to_string(), q.bid >= one ? "0.01" : "0.0001");
    }
    (q.bid < one ? below_dollar : above_dollar)[q.ticker]++;
  }
  EXPECT_GT(below_dollar["PENNY"], 1000);
  EXPECT_GT(above_dollar["PENNY"], 1000);
  EXPECT_EQ(above_dollar["DUST"], 0);
}

struct moments {
  double mean;
  double sd;
  double lag1; // autocorrelation
};

moments of(const std::vector<double>& r) {
  double n = static_cast<double>(r.size());
  double mean = 0;
  for (double x : r)
    mean += x;
  mean /= n;
  double var = 0;
  double cov = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    var += (r[i] - mean) * (r[i] - mean);
    if (i)
      cov += (r[i] - mean) * (r[i - 1] - mean);
  }
  return {mean, std::sqrt(var / (n - 1)), cov / var};
}

TEST(synthetic_quotes, model_log_returns_have_the_configured_volatility_and_drift) {
  const double vol = 0.25;
  const double mu = 0.10;
  synthetic_quotes gen({ticker("AAPL", "230.50", "0.25", "0.10", "2")}, 2024, t0, 1000);
  const int n = 200000;
  std::vector<double> r;
  r.reserve(n);
  gen.next(); // round 0: the start price
  double prev = std::log(gen.model_mid(0));
  for (int i = 0; i < n; ++i) {
    gen.next();
    double cur = std::log(gen.model_mid(0));
    r.push_back(cur - prev);
    prev = cur;
  }
  double dt = gen.dt_years();
  EXPECT_DOUBLE_EQ(dt, 1.0 / (252 * 6.5 * 3600));
  moments m = of(r);
  double expected_sd = vol * std::sqrt(dt);
  EXPECT_NEAR(m.sd / expected_sd, 1.0, 0.01); // sampling error ~0.16%
  double se_mean = expected_sd / std::sqrt(double(n));
  EXPECT_NEAR(m.mean, (mu - vol * vol / 2) * dt, 4 * se_mean);
  EXPECT_NEAR(m.lag1, 0.0, 4 / std::sqrt(double(n)));
}

TEST(synthetic_quotes, quoted_mids_have_the_configured_volatility) {
  // One-minute steps: cent rounding is small next to the moves.
  const double vol = 0.30;
  synthetic_quotes gen({ticker("MSFT", "418.00", "0.30", "0", "1")}, 77, t0, 60000);
  const int n = 50000;
  std::vector<double> r;
  auto mid = [](const Quote& q) { return (q.bid.to_double() + q.ask.to_double()) / 2; };
  double prev = std::log(mid(gen.next()));
  for (int i = 0; i < n; ++i) {
    double cur = std::log(mid(gen.next()));
    r.push_back(cur - prev);
    prev = cur;
  }
  moments m = of(r);
  EXPECT_NEAR(m.sd / (vol * std::sqrt(gen.dt_years())), 1.0, 0.02);
}

TEST(synthetic_quotes, spread_is_at_least_the_configured_basis_points) {
  synthetic_quotes gen({ticker("SPY", "590.00", "0.15", "0", "3")}, 3, t0, 100);
  for (int i = 0; i < 10000; ++i) {
    Quote q = gen.next();
    double mid = (q.bid.to_double() + q.ask.to_double()) / 2;
    double bps = (q.ask.to_double() - q.bid.to_double()) / mid * 1e4;
    ASSERT_GE(bps, 3.0 - 1e-9);
    ASSERT_LE(bps, 3.0 + 2 * 0.01 / mid * 1e4 + 1e-9); // at most a tick wider each side
  }
}

TEST(synthetic_quotes, jitter_and_trades_do_not_change_prices) {
  auto tickers = std::vector<synthetic_ticker>{ticker("AAPL", "230.50", "0.25", "0.05", "2", 500,
                                                      300)};
  synthetic_options opts;
  opts.size_jitter = 0.5;
  opts.trade_probability = 0.25;
  synthetic_quotes plain(tickers, 9, t0, 100);
  synthetic_quotes extra(tickers, 9, t0, 100, opts);
  int trades = 0;
  bool sizes_vary = false;
  for (int i = 0; i < 40000; ++i) {
    Quote p = plain.next();
    Quote q = extra.next();
    ASSERT_EQ(p.bid, q.bid);
    ASSERT_EQ(p.ask, q.ask);
    EXPECT_FALSE(plain.last_trade().has_value());
    // Whole shares within +-50% of the configured size.
    ASSERT_EQ(q.bid_size.raw() % Quantity::scale, 0);
    ASSERT_GE(q.bid_size, Quantity::from_units(250));
    ASSERT_LE(q.bid_size, Quantity::from_units(750));
    ASSERT_GE(q.ask_size, Quantity::from_units(150));
    ASSERT_LE(q.ask_size, Quantity::from_units(450));
    sizes_vary |= q.bid_size != Quantity::from_units(500);
    if (const auto& t = extra.last_trade()) {
      ++trades;
      ASSERT_TRUE(t->price == q.bid || t->price == q.ask);
      ASSERT_TRUE(t->size.is_positive());
      ASSERT_LE(t->size, t->price == q.ask ? q.ask_size : q.bid_size);
      ASSERT_EQ(t->timestamp, q.timestamp);
      ASSERT_EQ(t->ticker, "AAPL");
    }
  }
  EXPECT_TRUE(sizes_vary);
  EXPECT_NEAR(trades / 40000.0, 0.25, 0.015);
}

TEST(synthetic_quotes, rejects_bad_configuration) {
  auto good = ticker("AAPL", "230.50", "0.25", "0.05", "2");
  EXPECT_THROW(synthetic_quotes({}, 1, t0, 100), std::invalid_argument);
  EXPECT_THROW(synthetic_quotes({good}, 1, t0, 0), std::invalid_argument);
  EXPECT_THROW(synthetic_quotes({good, good}, 1, t0, 100), std::invalid_argument);
  auto bad = good;
  bad.start_price = Price{};
  EXPECT_THROW(synthetic_quotes({bad}, 1, t0, 100), std::invalid_argument);
  bad = good;
  bad.volatility = *Rate::parse("-0.1");
  EXPECT_THROW(synthetic_quotes({bad}, 1, t0, 100), std::invalid_argument);
  bad = good;
  bad.spread_bps = *Rate::parse("-1");
  EXPECT_THROW(synthetic_quotes({bad}, 1, t0, 100), std::invalid_argument);
  bad = good;
  bad.ticker.clear();
  EXPECT_THROW(synthetic_quotes({bad}, 1, t0, 100), std::invalid_argument);
  synthetic_options opts;
  opts.size_jitter = 1.5;
  EXPECT_THROW(synthetic_quotes({good}, 1, t0, 100, opts), std::invalid_argument);
}

// --- tick helpers ----------------------------------------------------------------

TEST(ticks, rounding_around_one_dollar) {
  struct row {
    const char* px;
    const char* floor;
    const char* ceil;
  };
  const row rows[] = {
      {"230.123", "230.12", "230.13"}, {"1", "1", "1"},          {"1.000001", "1", "1.01"},
      {"0.99995", "0.9999", "1"},      {"0.999999", "0.9999", "1"}, {"0.5", "0.5", "0.5"},
      {"0.00001", "0.0001", "0.0001"}, {"0", "0.0001", "0.0001"},
  };
  for (const auto& r : rows) {
    Price p = *Price::parse(r.px);
    EXPECT_EQ(floor_to_tick(p).to_string(), r.floor) << r.px;
    EXPECT_EQ(ceil_to_tick(p).to_string(), r.ceil) << r.px;
  }
  EXPECT_TRUE(on_tick(*Price::parse("0.9999")));
  EXPECT_FALSE(on_tick(*Price::parse("1.0001")));
  EXPECT_FALSE(on_tick(Price{}));
  two_sided q = quote_around(*Price::parse("0.99995"), Rate{});
  EXPECT_EQ(q.bid.to_string(), "0.9999");
  EXPECT_EQ(q.ask.to_string(), "1");
  q = quote_around(*Price::parse("100"), Rate::from_units(10)); // 5 cents each side
  EXPECT_EQ(q.bid.to_string(), "99.95");
  EXPECT_EQ(q.ask.to_string(), "100.05");
}

} // namespace
} // namespace engine
