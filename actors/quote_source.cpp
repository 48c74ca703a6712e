// Where quotes come from: synthetic random walks or a CSV replay, behind one interface.
#include "actors/quote_source.hpp"

#include <stdexcept>

#include "actors/clock/clock.hpp"
#include "actors/clock/session_calendar.hpp"
#include "actors/market_data/csv_replay.hpp"
#include "actors/market_data/synthetic_quotes.hpp"

namespace engine {

namespace {

/// Synthetic quotes from the configured start until the session closes.
class synthetic_source final : public quote_source {
public:
  synthetic_source(const market_data_config& md, timestamp_ns start, timestamp_ns end)
    : gen_(md.tickers, md.seed, start, md.quote_interval_ms), end_(end) {}

  std::optional<timestamp_ns> peek_time() override {
    auto t = gen_.peek_time();
    if (t >= end_)
      return std::nullopt;
    return t;
  }

  void next_batch(size_t n, std::vector<Quote>& out) override {
    out.clear();
    while (out.size() < n && gen_.peek_time() < end_)
      out.push_back(gen_.next());
  }

  std::optional<timestamp_ns> end_time() const override { return end_; }

private:
  synthetic_quotes gen_;
  timestamp_ns end_;
};

/// Quotes replayed from a CSV file (quotes, or bars turned into quotes), with
/// one quote of lookahead so the feed knows the next time without consuming it.
template <class Reader>
class csv_source final : public quote_source {
public:
  template <class... Ts>
  explicit csv_source(Ts&&... xs) : reader_(std::forward<Ts>(xs)...) {
    have_next_ = reader_.next(next_);
  }

  std::optional<timestamp_ns> peek_time() override {
    if (!have_next_)
      return std::nullopt;
    return next_.timestamp;
  }

  void next_batch(size_t n, std::vector<Quote>& out) override {
    out.clear();
    while (have_next_ && out.size() < n) {
      out.push_back(next_);
      have_next_ = reader_.next(next_);
    }
  }

private:
  Reader reader_;
  Quote next_;
  bool have_next_ = false;
};

} // namespace

std::unique_ptr<quote_source> make_quote_source(const market_data_config& md,
                                                const clock_config& clock,
                                                const session_config& session) {
  auto start = parse_iso8601(clock.start);
  if (md.source == "synthetic") {
    session_calendar cal{session};
    return std::make_unique<synthetic_source>(md, start, cal.next_close(start));
  }
  if (md.source == "csv" && !md.csv_quotes.empty())
    return std::make_unique<csv_source<quote_csv_reader>>(md.csv_quotes, md.csv_on_error);
  if (md.source == "csv" && !md.csv_bars.empty())
    return std::make_unique<csv_source<bar_quote_reader>>(md.csv_bars, md.csv_on_error);
  throw std::invalid_argument("market_data.source " + md.source + " is not supported by this node");
}

} // namespace engine
