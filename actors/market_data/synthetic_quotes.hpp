// Seeded synthetic quotes: one geometric Brownian motion per ticker, identical on every platform.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "actors/market_data/det_random.hpp"
#include "config/app_config.hpp"
#include "messages/market.hpp"

namespace engine {

/// Optional extras; the defaults give quotes with the configured sizes and no trades.
struct synthetic_options {
  /// Sizes vary uniformly by up to +-this fraction of the configured size,
  /// rounded to whole shares (at least 1). 0 = exactly the configured sizes.
  double size_jitter = 0;
  /// Probability that a quote is accompanied by a last trade (at the bid or
  /// the ask, for part of the displayed size): gives MarketData a `last`.
  double trade_probability = 0;
};

/// Quotes from a geometric Brownian motion per ticker:
///   ln S(t+dt) = ln S(t) + (drift - vol^2/2) dt + vol sqrt(dt) Z,
/// with dt = interval in years of trading time (252 days x 6.5 hours), so an
/// annualised volatility means what a trader expects of session data.
///
/// Order and time: round-robin over the tickers in config order; round k is
/// stamped start + k * interval for every ticker (the interval is the time
/// between two quotes of one ticker, as quote_interval_ms says). Round 0
/// quotes the start prices.
///
/// Determinism: each ticker draws from its own xoshiro256** stream seeded by
/// (seed, ticker name), so a ticker's path does not change when others are
/// added or reordered; jitter and trades use a second stream per ticker, so
/// turning them on does not change the prices. No std:: distribution, std::exp
/// or std::log is involved (see det_random.hpp).
///
/// Prices: the model mid (a double: this is an edge) is rounded to the
/// micro-dollar, then bid and ask are exact Prices on the tick grid (0.01 at
/// or above $1, 0.0001 below) with bid < ask by at least one tick.
class synthetic_quotes {
public:
  /// Throws std::invalid_argument on an empty ticker list, interval_ms <= 0,
  /// a non-positive start price, negative volatility, spread or sizes.
  synthetic_quotes(std::vector<synthetic_ticker> tickers, uint64_t seed, timestamp_ns start,
                   int64_t interval_ms, synthetic_options options = {});

  /// The next quote in round-robin order.
  Quote next();
  /// Replaces out's contents with the next n quotes; reuses out's elements
  /// (and their ticker strings), so a recycled vector does not allocate.
  /// If trades is given it is cleared and receives the trades of these quotes.
  void next_batch(size_t n, std::vector<Quote>& out, std::vector<Trade>* trades = nullptr);
  /// The timestamp of the quote the next call to next() returns.
  timestamp_ns peek_time() const;
  /// The trade that came with the last quote from next(), if any.
  const std::optional<Trade>& last_trade() const { return last_trade_; }

  size_t ticker_count() const { return tickers_.size(); }
  /// The unrounded model price of ticker i (for statistics and tests).
  double model_mid(size_t i) const;
  /// The time step of one ticker, in years.
  double dt_years() const { return dt_years_; }

  /// Trading seconds in a year: 252 sessions of 6.5 hours.
  static constexpr double seconds_per_year = 252.0 * 6.5 * 3600.0;

private:
  struct ticker_state {
    synthetic_ticker cfg;
    det_rng path;  // the price path
    det_rng extra; // jitter and trades
    double log_mid;
    double drift_step;
    double vol_step;
  };

  void fill(Quote& q, Trade* trade, bool& traded);
  Quantity jitter(ticker_state& st, Quantity base);

  std::vector<ticker_state> tickers_;
  synthetic_options options_;
  timestamp_ns start_;
  int64_t interval_ns_;
  double dt_years_;
  uint64_t round_ = 0;
  size_t cursor_ = 0;
  std::optional<Trade> last_trade_;
};

} // namespace engine
