// Streaming readers of quote and bar CSV files, with per-row error reporting, and bars-to-quotes.
#pragma once

#include <array>
#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/app_config.hpp"
#include "messages/market.hpp"

namespace engine {

/// A CSV problem that stops the run; what() is "file:line: what".
struct csv_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What a reader has seen so far.
struct csv_stats {
  size_t rows_ok = 0;      // rows returned
  size_t rows_skipped = 0; // malformed rows reported and skipped (skip policy)
  size_t header_issues = 0; // unknown header columns ignored (skip policy)
  /// "file:line: what" for each problem, the first max_kept_errors of them
  /// (rows_skipped keeps counting past that).
  std::vector<std::string> errors;
  static constexpr size_t max_kept_errors = 1000;
};

/// The shared machinery: reads one line at a time (never the whole file),
/// checks the header, splits rows, keeps line numbers and applies the policy.
///
/// Format: the first non-blank line is the header; columns may appear in any
/// order, each required column exactly once. An unknown column is a problem
/// (skip: reported and ignored; stop: csv_error); a missing or duplicated
/// required column, an unreadable file or a missing header always throw
/// csv_error. Blank lines and lines starting with '#' are ignored; CRLF and a
/// UTF-8 BOM are accepted; fields are trimmed of spaces; no quoting (tickers
/// and numbers never need it). `ts` is ISO 8601 with an offset or integer
/// nanoseconds since the Unix epoch. Timestamps must not go backwards across
/// the file (equal is fine); a row that does is a problem.
class csv_reader_base {
public:
  csv_reader_base(const csv_reader_base&) = delete;
  csv_reader_base& operator=(const csv_reader_base&) = delete;
  virtual ~csv_reader_base() = default;

  const csv_stats& stats() const { return stats_; }
  const std::string& name() const { return name_; }
  /// The line number of the last line read (1-based).
  size_t line() const { return line_no_; }

protected:
  template <size_t N>
  csv_reader_base(const std::string& path, csv_error_policy policy,
                  const std::array<std::string_view, N>& columns)
    : csv_reader_base(open(path), nullptr, path, policy, columns.data(), N) {}
  template <size_t N>
  csv_reader_base(std::istream& in, std::string name, csv_error_policy policy,
                  const std::array<std::string_view, N>& columns)
    : csv_reader_base(nullptr, &in, std::move(name), policy, columns.data(), N) {}

  /// Reads the next data row with the right column count; false at the end.
  bool next_row();
  /// Field i of the current row, i being the index in the column list.
  std::string_view field(size_t i) const { return fields_[column_pos_[i]]; }
  /// Reports a problem with the current row: throws csv_error (stop) or
  /// records and counts it (skip). Returns normally only under skip.
  void problem(const std::string& what);
  /// Parses field i as a timestamp; on failure reports and returns false.
  bool timestamp_field(size_t i, timestamp_ns& out);
  /// Parses field i as an exact decimal; on failure reports and returns false.
  template <class D>
  bool decimal_field(size_t i, D& out) {
    if (auto v = D::parse(field(i))) {
      out = *v;
      return true;
    }
    bad_number(i);
    return false;
  }
  /// Accepts a row's timestamp if it does not go backwards; else reports.
  bool check_order(timestamp_ns t);
  void accepted() { ++stats_.rows_ok; }

private:
  csv_reader_base(std::unique_ptr<std::ifstream> file, std::istream* in, std::string name,
                  csv_error_policy policy, const std::string_view* columns, size_t n);
  static std::unique_ptr<std::ifstream> open(const std::string& path);
  void read_header(const std::string_view* columns, size_t n);
  void report(const std::string& what, bool row);
  void bad_number(size_t i);
  std::string where() const;

  std::unique_ptr<std::ifstream> file_;
  std::istream* in_;
  std::string name_;
  csv_error_policy policy_;
  std::string line_;
  size_t line_no_ = 0;
  size_t width_ = 0;                // columns in the header
  std::vector<size_t> column_pos_;  // required column -> position in the row
  std::vector<std::string_view> column_names_;
  std::vector<std::string_view> fields_;
  timestamp_ns last_ts_ = INT64_MIN;
  csv_stats stats_;
};

/// Quotes from `ts,ticker,bid,ask,bid_size,ask_size`. A row is a problem if it
/// has the wrong column count, a bad timestamp or number (prices exact to
/// 1e-6, sizes to 1e-9), an empty ticker, a non-positive price, a negative
/// size, bid >= ask, or a timestamp before the previous row's.
class quote_csv_reader : public csv_reader_base {
public:
  static constexpr std::array<std::string_view, 6> columns{"ts",  "ticker",   "bid",
                                                           "ask", "bid_size", "ask_size"};
  quote_csv_reader(const std::string& path, csv_error_policy policy);
  /// Reads from a stream (tests, pipes); name is used in messages.
  quote_csv_reader(std::istream& in, std::string name, csv_error_policy policy);
  /// The next valid quote; false at the end. Reuses out's ticker string.
  bool next(Quote& out);
};

/// Bars from `ts,ticker,open,high,low,close,volume` (ts = start of the bar).
/// A row is a problem if it has the wrong column count, a bad timestamp or
/// number, an empty ticker, a non-positive price, a negative volume,
/// high < low, open or close outside [low, high], or a timestamp before the
/// previous row's.
class bar_csv_reader : public csv_reader_base {
public:
  static constexpr std::array<std::string_view, 7> columns{"ts",  "ticker", "open",  "high",
                                                           "low", "close",  "volume"};
  bar_csv_reader(const std::string& path, csv_error_policy policy);
  bar_csv_reader(std::istream& in, std::string name, csv_error_policy policy);
  bool next(Bar& out);
};

/// How a bar becomes quotes for the simulator.
struct bar_quote_options {
  Rate spread_bps = Rate::from_units(2);             // full spread around each price
  Quantity bid_size = Quantity::from_units(100);
  Quantity ask_size = Quantity::from_units(100);
  int64_t bar_ms = 60000;                             // the bars' length
};

/// Appends four quotes for a bar, at its open, its extremes and its close, at
/// bar start + 0, 1/4, 2/4 and 3/4 of its length. The extremes come in the
/// usual back-testing order: low before high for an up bar (close >= open),
/// high before low for a down bar. Each quote is centred on the price with
/// the configured spread, on the tick grid, bid < ask.
void bar_to_quotes(const Bar& bar, const bar_quote_options& options, std::vector<Quote>& out);

/// A bar CSV read as a stream of quotes (four per bar, via bar_to_quotes).
/// Bars with the same start time (one per ticker) are interleaved phase by
/// phase, so the quotes come out in time order; the file's bar order is kept
/// within a phase.
class bar_quote_reader {
public:
  bar_quote_reader(const std::string& path, csv_error_policy policy, bar_quote_options options = {});
  bar_quote_reader(std::istream& in, std::string name, csv_error_policy policy,
                   bar_quote_options options = {});
  bool next(Quote& out);
  const csv_stats& stats() const { return bars_.stats(); }

private:
  bar_csv_reader bars_;
  bar_quote_options options_;
  Bar lookahead_;
  bool have_lookahead_ = false;
  std::vector<Bar> group_;
  std::vector<Quote> scratch_;
  std::vector<Quote> pending_;
  size_t next_pending_ = 0;
};

} // namespace engine
