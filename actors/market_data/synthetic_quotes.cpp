// The synthetic quote generator: per-ticker GBM paths rounded to valid two-sided quotes.
#include "actors/market_data/synthetic_quotes.hpp"

#include <cmath>
#include <set>
#include <stdexcept>

#include "actors/market_data/ticks.hpp"

// Same reason as in det_random.cpp: no fused multiply-add, identical bits everywhere.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace engine {

namespace {

constexpr uint64_t extra_stream_salt = 0x6a09e667f3bcc908ULL;
// Model prices are capped so that exact quote arithmetic cannot overflow.
constexpr double max_mid = 1e9;

void check(bool ok, const std::string& ticker, const char* what) {
  if (!ok)
    throw std::invalid_argument("synthetic ticker \"" + ticker + "\": " + what);
}

} // namespace

synthetic_quotes::synthetic_quotes(std::vector<synthetic_ticker> tickers, uint64_t seed,
                                   timestamp_ns start, int64_t interval_ms,
                                   synthetic_options options)
  : options_(options), start_(start), interval_ns_(interval_ms * 1000000) {
  if (tickers.empty())
    throw std::invalid_argument("synthetic_quotes: no tickers");
  if (interval_ms <= 0)
    throw std::invalid_argument("synthetic_quotes: interval_ms must be > 0, got " +
                                std::to_string(interval_ms));
  if (!(options.size_jitter >= 0 && options.size_jitter <= 1))
    throw std::invalid_argument("synthetic_quotes: size_jitter must be in [0, 1]");
  if (!(options.trade_probability >= 0 && options.trade_probability <= 1))
    throw std::invalid_argument("synthetic_quotes: trade_probability must be in [0, 1]");
  dt_years_ = static_cast<double>(interval_ms) / 1000.0 / seconds_per_year;
  double sqrt_dt = std::sqrt(dt_years_);

  std::set<std::string> seen;
  tickers_.reserve(tickers.size());
  for (auto& t : tickers) {
    check(!t.ticker.empty(), t.ticker, "empty ticker name");
    check(seen.insert(t.ticker).second, t.ticker, "listed twice");
    check(t.start_price.is_positive(), t.ticker, "start_price must be > 0");
    check(!t.volatility.is_negative(), t.ticker, "volatility must be >= 0");
    check(!t.spread_bps.is_negative(), t.ticker, "spread_bps must be >= 0");
    check(!t.bid_size.is_negative() && !t.ask_size.is_negative(), t.ticker,
          "sizes must be >= 0");
    uint64_t base = seed ^ stable_hash(t.ticker);
    double vol = t.volatility.to_double();
    double mu = t.drift.to_double();
    double log_mid = det_log(t.start_price.to_double());
    double drift_step = (mu - 0.5 * vol * vol) * dt_years_;
    double vol_step = vol * sqrt_dt;
    tickers_.push_back(ticker_state{std::move(t), det_rng(base), det_rng(base ^ extra_stream_salt),
                                    log_mid, drift_step, vol_step});
  }
}

timestamp_ns synthetic_quotes::peek_time() const {
  return start_ + static_cast<int64_t>(round_) * interval_ns_;
}

double synthetic_quotes::model_mid(size_t i) const {
  return det_exp(tickers_.at(i).log_mid);
}

Quantity synthetic_quotes::jitter(ticker_state& st, Quantity base) {
  if (options_.size_jitter <= 0)
    return base;
  double u = st.extra.next_double();
  double shares = std::floor(base.to_double() * (1.0 + options_.size_jitter * (2.0 * u - 1.0)) + 0.5);
  if (shares < 1)
    shares = 1;
  if (shares > 1e9)
    shares = 1e9;
  return Quantity::from_raw(static_cast<int64_t>(shares) * Quantity::scale);
}

void synthetic_quotes::fill(Quote& q, Trade* trade, bool& traded) {
  ticker_state& st = tickers_[cursor_];
  timestamp_ns t = peek_time();
  if (round_ > 0)
    st.log_mid += st.drift_step + st.vol_step * st.path.next_normal();

  double mid = det_exp(st.log_mid);
  if (mid > max_mid)
    mid = max_mid;
  // Rounding the double to micro-dollars with floor(x + 0.5) is exact IEEE
  // arithmetic (no long double, whose width differs between platforms).
  Price mid_px = Price::from_raw(static_cast<int64_t>(std::floor(mid * 1e6 + 0.5)));
  two_sided s = quote_around(mid_px, st.cfg.spread_bps);

  q.ticker = st.cfg.ticker;
  q.bid = s.bid;
  q.ask = s.ask;
  q.bid_size = jitter(st, st.cfg.bid_size);
  q.ask_size = jitter(st, st.cfg.ask_size);
  q.timestamp = t;

  traded = false;
  if (options_.trade_probability > 0 && st.extra.next_double() < options_.trade_probability) {
    bool at_ask = (st.extra.next_u64() >> 63) != 0; // a buyer lifts the ask
    Quantity shown = at_ask ? q.ask_size : q.bid_size;
    if (shown.is_positive()) {
      int64_t whole = shown.raw() / Quantity::scale;
      Quantity size = whole >= 1
                          ? Quantity::from_raw(static_cast<int64_t>(
                                                   1 + st.extra.below(static_cast<uint64_t>(whole))) *
                                               Quantity::scale)
                          : shown;
      if (trade) {
        trade->ticker = q.ticker;
        trade->price = at_ask ? q.ask : q.bid;
        trade->size = size;
        trade->timestamp = t;
      }
      traded = true;
    }
  }

  if (++cursor_ == tickers_.size()) {
    cursor_ = 0;
    ++round_;
  }
}

Quote synthetic_quotes::next() {
  Quote q;
  Trade tr;
  bool traded = false;
  fill(q, &tr, traded);
  if (traded)
    last_trade_ = std::move(tr);
  else
    last_trade_.reset();
  return q;
}

void synthetic_quotes::next_batch(size_t n, std::vector<Quote>& out, std::vector<Trade>* trades) {
  out.resize(n);
  if (trades)
    trades->clear();
  Trade tr;
  for (size_t i = 0; i < n; ++i) {
    bool traded = false;
    fill(out[i], trades ? &tr : nullptr, traded);
    if (traded && trades)
      trades->push_back(tr);
  }
  last_trade_.reset();
}

} // namespace engine
