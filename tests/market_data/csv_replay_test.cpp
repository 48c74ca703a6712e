// Tests of the quote and bar CSV readers (sample files, every malformed-row kind, both policies) and bars-to-quotes.
#include "actors/market_data/csv_replay.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "actors/clock/iso8601.hpp"
#include "actors/market_data/ticks.hpp"

namespace engine {
namespace {

const std::string source_dir = ENGINE_SOURCE_DIR;
const std::string quotes_file = source_dir + "/config/data/sample_quotes.csv";
const std::string bars_file = source_dir + "/config/data/sample_bars.csv";

std::vector<Quote> read_all(quote_csv_reader& r) {
  std::vector<Quote> out;
  Quote q;
  while (r.next(q))
    out.push_back(q);
  return out;
}

std::vector<Bar> read_all(bar_csv_reader& r) {
  std::vector<Bar> out;
  Bar b;
  while (r.next(b))
    out.push_back(b);
  return out;
}

// --- sample files ------------------------------------------------------------------

TEST(csv_replay, sample_quotes_load_cleanly) {
  quote_csv_reader r(quotes_file, csv_error_policy::stop);
  auto quotes = read_all(r);
  EXPECT_EQ(quotes.size(), 300u);
  EXPECT_EQ(r.stats().rows_ok, 300u);
  EXPECT_EQ(r.stats().rows_skipped, 0u);
  EXPECT_TRUE(r.stats().errors.empty());
  std::set<std::string> tickers;
  timestamp_ns prev = INT64_MIN;
  for (const auto& q : quotes) {
    tickers.insert(q.ticker);
    EXPECT_LT(q.bid, q.ask);
    EXPECT_TRUE(on_tick(q.bid) && on_tick(q.ask));
    EXPECT_GE(q.timestamp, prev);
    prev = q.timestamp;
  }
  EXPECT_EQ(tickers, (std::set<std::string>{"AAPL", "MSFT", "SPY"}));
  EXPECT_EQ(quotes.front().timestamp, parse_iso8601("2026-11-24T09:30:00-05:00"));
  EXPECT_EQ(quotes.front().bid.to_string(), "231.39");
  EXPECT_EQ(quotes.front().bid_size, Quantity::from_units(100));
  EXPECT_LT(quotes.back().timestamp, parse_iso8601("2026-11-24T12:00:00-05:00"));
}

TEST(csv_replay, sample_bars_load_cleanly) {
  bar_csv_reader r(bars_file, csv_error_policy::stop);
  auto bars = read_all(r);
  EXPECT_EQ(bars.size(), 360u);
  EXPECT_TRUE(r.stats().errors.empty());
  for (const auto& b : bars) {
    EXPECT_LE(b.low, b.open);
    EXPECT_LE(b.low, b.close);
    EXPECT_GE(b.high, b.open);
    EXPECT_GE(b.high, b.close);
    EXPECT_EQ((b.timestamp - bars.front().timestamp) % (60 * ns_per_second), 0);
  }
  EXPECT_EQ(bars[3].timestamp - bars[0].timestamp, 60 * ns_per_second);
}

// --- malformed quote rows ----------------------------------------------------------

struct bad_row_case {
  const char* row;   // placed at line 3, between two good rows
  const char* error; // expected text after "quotes.csv:3: "
};

const char* const quote_header = "ts,ticker,bid,ask,bid_size,ask_size\n";
const char* const quote_good_2 = "2026-11-24T09:30:00-05:00,AAPL,231.39,231.40,100,200\n";
const char* const quote_good_4 = "2026-11-24T09:30:02-05:00,AAPL,231.40,231.41,100,200\n";

const bad_row_case quote_cases[] = {
    {"2026-11-24T09:30:01-05:00,AAPL,231.39,231.40,100", "expected 6 columns, got 5"},
    {"2026-11-24T09:30:01-05:00,AAPL,231.39,231.40,100,200,7", "expected 6 columns, got 7"},
    {"2026-11-24T09:30:01-05:00,AAPL,231.3x,231.40,100,200",
     "bad number in column bid: \"231.3x\""},
    {"2026-11-24T09:30:01-05:00,AAPL,231.39,,100,200", "bad number in column ask: \"\""},
    {"2026-11-24T09:30:01-05:00,AAPL,231.3900001,231.40,100,200",
     "bad number in column bid: \"231.3900001\""},
    {"2026-11-24T09:30:01-05:00,AAPL,231.39,231.40,1e2,200",
     "bad number in column bid_size: \"1e2\""},
    {"2026-11-24T09:30:01-05:00,AAPL,231.41,231.40,100,200",
     "bid 231.41 >= ask 231.4 (crossed or locked quote)"},
    {"2026-11-24T09:30:01-05:00,AAPL,231.40,231.40,100,200",
     "bid 231.4 >= ask 231.4 (crossed or locked quote)"},
    {"2026-11-24T09:30:01-05:00,AAPL,-1,231.40,100,200", "prices must be > 0 (bid -1, ask 231.4)"},
    {"2026-11-24T09:30:01-05:00,AAPL,231.39,231.40,-100,200",
     "sizes must be >= 0 (bid_size -100, ask_size 200)"},
    {"2026-11-24T09:30:01-05:00,,231.39,231.40,100,200", "empty ticker"},
    {"2026-11-24T25:30:01-05:00,AAPL,231.39,231.40,100,200",
     "bad timestamp: invalid ISO 8601 timestamp \"2026-11-24T25:30:01-05:00\": time of day out "
     "of range"},
    {"99999999999999999999,AAPL,231.39,231.40,100,200",
     "bad timestamp \"99999999999999999999\": integer nanoseconds out of range"},
    {"2026-11-24T09:29:59-05:00,AAPL,231.39,231.40,100,200",
     "timestamp goes backwards: 2026-11-24T14:29:59Z is before the previous row's "
     "2026-11-24T14:30:00Z"},
};

TEST(csv_replay, each_malformed_quote_row_is_skipped_with_file_and_line) {
  for (const auto& c : quote_cases) {
    std::istringstream in(std::string(quote_header) + quote_good_2 + c.row + "\n" + quote_good_4);
    quote_csv_reader r(in, "quotes.csv", csv_error_policy::skip);
    auto quotes = read_all(r);
    ASSERT_EQ(quotes.size(), 2u) << c.row;
    EXPECT_EQ(quotes[1].bid.to_string(), "231.4");
    EXPECT_EQ(r.stats().rows_ok, 2u);
    EXPECT_EQ(r.stats().rows_skipped, 1u);
    ASSERT_EQ(r.stats().errors.size(), 1u);
    EXPECT_EQ(r.stats().errors[0], std::string("quotes.csv:3: ") + c.error);
  }
}

TEST(csv_replay, each_malformed_quote_row_stops_the_run_with_file_and_line) {
  for (const auto& c : quote_cases) {
    std::istringstream in(std::string(quote_header) + quote_good_2 + c.row + "\n" + quote_good_4);
    quote_csv_reader r(in, "quotes.csv", csv_error_policy::stop);
    Quote q;
    ASSERT_TRUE(r.next(q)); // line 2 is fine
    try {
      r.next(q);
      ADD_FAILURE() << "no csv_error for " << c.row;
    } catch (const csv_error& e) {
      EXPECT_EQ(std::string(e.what()), std::string("quotes.csv:3: ") + c.error);
    }
  }
}

TEST(csv_replay, backwards_rows_are_compared_with_the_last_accepted_row) {
  std::istringstream in(std::string(quote_header) +
                        "1795530600000000000,AAPL,1.00,1.01,1,1\n"  // line 2
                        "1795530500000000000,AAPL,1.00,1.01,1,1\n"  // 3: backwards
                        "1795530550000000000,AAPL,1.00,1.01,1,1\n"  // 4: still before line 2
                        "1795530600000000000,AAPL,1.00,1.01,1,1\n"  // 5: equal is fine
                        "1795530700000000000,AAPL,1.00,1.01,1,1\n"); // 6
  quote_csv_reader r(in, "q", csv_error_policy::skip);
  auto quotes = read_all(r);
  EXPECT_EQ(quotes.size(), 3u);
  ASSERT_EQ(r.stats().errors.size(), 2u);
  EXPECT_EQ(r.stats().errors[0].rfind("q:3: timestamp goes backwards", 0), 0u);
  EXPECT_EQ(r.stats().errors[1].rfind("q:4: timestamp goes backwards", 0), 0u);
  EXPECT_EQ(quotes[0].timestamp, 1795530600000000000);
}

// --- malformed bar rows ------------------------------------------------------------

const char* const bar_header = "ts,ticker,open,high,low,close,volume\n";
const char* const bar_good_2 = "2026-11-24T09:30:00-05:00,SPY,590.10,590.50,590.00,590.40,12000\n";
const char* const bar_good_4 = "2026-11-24T09:32:00-05:00,SPY,590.40,590.60,590.20,590.30,9000\n";

const bad_row_case bar_cases[] = {
    {"2026-11-24T09:31:00-05:00,SPY,590.40,590.60,590.20,590.30", "expected 7 columns, got 6"},
    {"2026-11-24T09:31:00-05:00,SPY,590.40,590.60,590.20,590.30,9000,1",
     "expected 7 columns, got 8"},
    {"2026-11-24T09:31:00-05:00,SPY,590.40,590.60,590.20,590.30,lots",
     "bad number in column volume: \"lots\""},
    {"2026-11-24T09:31:00-05:00,SPY,590.40,590.1O,590.20,590.30,9000",
     "bad number in column high: \"590.1O\""},
    {"2026-11-24T09:31:00-05:00,SPY,590.40,590.10,590.20,590.30,9000",
     "high 590.1 < low 590.2"},
    {"2026-11-24T09:31:00-05:00,SPY,590.70,590.60,590.20,590.30,9000",
     "open 590.7 or close 590.3 outside [low 590.2, high 590.6]"},
    {"2026-11-24T09:31:00-05:00,SPY,590.40,590.60,590.20,590.10,9000",
     "open 590.4 or close 590.1 outside [low 590.2, high 590.6]"},
    {"2026-11-24T09:31:00-05:00,SPY,0,590.60,0,590.30,9000", "prices must be > 0"},
    {"2026-11-24T09:31:00-05:00,SPY,590.40,590.60,590.20,590.30,-5", "volume must be >= 0, got -5"},
    {"2026-11-24T09:31:00-05:00,,590.40,590.60,590.20,590.30,9000", "empty ticker"},
    {"2026-11-24T09:31:00,SPY,590.40,590.60,590.20,590.30,9000",
     "bad timestamp: invalid ISO 8601 timestamp \"2026-11-24T09:31:00\": missing UTC offset (Z "
     "or +HH:MM)"},
    {"2026-11-24T09:29:00-05:00,SPY,590.40,590.60,590.20,590.30,9000",
     "timestamp goes backwards: 2026-11-24T14:29:00Z is before the previous row's "
     "2026-11-24T14:30:00Z"},
};

TEST(csv_replay, each_malformed_bar_row_is_reported_in_both_modes) {
  for (const auto& c : bar_cases) {
    std::string text = std::string(bar_header) + bar_good_2 + c.row + "\n" + bar_good_4;
    std::string expected = std::string("bars.csv:3: ") + c.error;
    {
      std::istringstream in(text);
      bar_csv_reader r(in, "bars.csv", csv_error_policy::skip);
      auto bars = read_all(r);
      ASSERT_EQ(bars.size(), 2u) << c.row;
      EXPECT_EQ(r.stats().rows_skipped, 1u);
      ASSERT_EQ(r.stats().errors.size(), 1u);
      EXPECT_EQ(r.stats().errors[0], expected);
    }
    {
      std::istringstream in(text);
      bar_csv_reader r(in, "bars.csv", csv_error_policy::stop);
      Bar b;
      ASSERT_TRUE(r.next(b));
      try {
        r.next(b);
        ADD_FAILURE() << "no csv_error for " << c.row;
      } catch (const csv_error& e) {
        EXPECT_EQ(std::string(e.what()), expected);
      }
    }
  }
}

// --- headers and file handling -----------------------------------------------------

TEST(csv_replay, unknown_header_column_is_skipped_or_stops) {
  std::string text = "ts,ticker,bid,ask,venue,bid_size,ask_size\n"
                     "2026-11-24T09:30:00Z,AAPL,1.00,1.01,XNAS,10,20\n";
  {
    std::istringstream in(text);
    quote_csv_reader r(in, "h.csv", csv_error_policy::skip);
    auto quotes = read_all(r);
    ASSERT_EQ(quotes.size(), 1u);
    EXPECT_EQ(quotes[0].bid_size, Quantity::from_units(10));
    EXPECT_EQ(r.stats().header_issues, 1u);
    EXPECT_EQ(r.stats().rows_skipped, 0u);
    ASSERT_EQ(r.stats().errors.size(), 1u);
    EXPECT_EQ(r.stats().errors[0],
              "h.csv:1: unknown column \"venue\" in header (expected "
              "ts,ticker,bid,ask,bid_size,ask_size)");
  }
  {
    std::istringstream in(text);
    try {
      quote_csv_reader r(in, "h.csv", csv_error_policy::stop);
      ADD_FAILURE() << "accepted an unknown column";
    } catch (const csv_error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("h.csv:1: unknown column \"venue\"", 0), 0u);
    }
  }
}

TEST(csv_replay, header_problems_that_always_stop) {
  struct row {
    const char* text;
    const char* error;
  };
  const row rows[] = {
      {"ts,ticker,bid,ask,bid_size\n",
       "x.csv:1: missing column \"ask_size\" in header (expected "
       "ts,ticker,bid,ask,bid_size,ask_size)"},
      {"ts,ticker,bid,bid,ask,bid_size,ask_size\n",
       "x.csv:1: column \"bid\" appears twice in header"},
      {"", "x.csv:1: missing header line (expected ts,ticker,bid,ask,bid_size,ask_size)"},
      {"\n# only a comment\n\n",
       "x.csv:4: missing header line (expected ts,ticker,bid,ask,bid_size,ask_size)"},
      // Data where the header should be: under skip its six "unknown columns"
      // are reported, then the missing ones stop the run.
      {"2026-11-24T09:30:00Z,AAPL,1.00,1.01,10,20\n",
       "x.csv:1: missing column \"ts\" in header (expected ts,ticker,bid,ask,bid_size,ask_size)"},
  };
  for (const auto& r : rows) {
    std::istringstream in(r.text);
    try {
      quote_csv_reader reader(in, "x.csv", csv_error_policy::skip);
      ADD_FAILURE() << "accepted header: " << r.text;
    } catch (const csv_error& e) {
      EXPECT_EQ(std::string(e.what()), r.error);
    }
  }
  try {
    quote_csv_reader reader(source_dir + "/config/data/no_such_file.csv", csv_error_policy::skip);
    ADD_FAILURE() << "opened a missing file";
  } catch (const csv_error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_file.csv: cannot open"), std::string::npos);
  }
}

TEST(csv_replay, reordered_columns_epoch_nanoseconds_crlf_bom_comments) {
  std::string text = "\xEF\xBB\xBF# exported by a test\r\n"
                     "ticker, ts ,ask,bid,ask_size,bid_size\r\n"
                     "\r\n"
                     "AAPL,1795530600000000000,231.40,231.39,300,100\r\n"
                     "# a comment between rows\n"
                     "MSFT , 2026-11-24T09:30:00.5-05:00 , 418.26 , 418.25 , 10.5 , 0\r\n";
  std::istringstream in(text);
  quote_csv_reader r(in, "mixed.csv", csv_error_policy::stop);
  auto quotes = read_all(r);
  ASSERT_EQ(quotes.size(), 2u);
  EXPECT_EQ(quotes[0].ticker, "AAPL");
  EXPECT_EQ(quotes[0].bid.to_string(), "231.39");
  EXPECT_EQ(quotes[0].ask.to_string(), "231.4");
  EXPECT_EQ(quotes[0].bid_size, Quantity::from_units(100));
  EXPECT_EQ(quotes[0].ask_size, Quantity::from_units(300));
  EXPECT_EQ(quotes[0].timestamp, 1795530600000000000);
  EXPECT_EQ(quotes[1].ticker, "MSFT");
  EXPECT_EQ(quotes[1].ask_size, *Quantity::parse("10.5"));
  EXPECT_EQ(quotes[1].timestamp, 1795530600500000000);
  EXPECT_EQ(r.line(), 6u);
}

TEST(csv_replay, errors_name_the_real_file_path) {
  std::string path = std::string(ENGINE_BINARY_DIR) + "/csv_replay_test_bad.csv";
  {
    std::ofstream f(path);
    f << quote_header << quote_good_2 << quote_good_4
      << "2026-11-24T09:30:03-05:00,AAPL,231.40,231.40,1,1\n";
  }
  quote_csv_reader r(path, csv_error_policy::skip);
  EXPECT_EQ(read_all(r).size(), 2u);
  ASSERT_EQ(r.stats().errors.size(), 1u);
  EXPECT_EQ(r.stats().errors[0],
            path + ":4: bid 231.4 >= ask 231.4 (crossed or locked quote)");
  std::remove(path.c_str());
}

TEST(csv_replay, kept_error_list_is_bounded_but_counting_goes_on) {
  std::string text = quote_header;
  for (int i = 0; i < 1500; ++i)
    text += "2026-11-24T09:30:00Z,AAPL,2,1,1,1\n";
  std::istringstream in(text);
  quote_csv_reader r(in, "many.csv", csv_error_policy::skip);
  EXPECT_TRUE(read_all(r).empty());
  EXPECT_EQ(r.stats().rows_skipped, 1500u);
  EXPECT_EQ(r.stats().errors.size(), csv_stats::max_kept_errors);
  EXPECT_EQ(r.stats().errors.back().rfind("many.csv:1001: ", 0), 0u);
}

// --- bars to quotes ----------------------------------------------------------------

Bar bar(const char* o, const char* h, const char* l, const char* c) {
  Bar b;
  b.ticker = "SPY";
  b.open = *Price::parse(o);
  b.high = *Price::parse(h);
  b.low = *Price::parse(l);
  b.close = *Price::parse(c);
  b.volume = Quantity::from_units(1000);
  b.timestamp = parse_iso8601("2026-11-24T09:30:00-05:00");
  return b;
}

TEST(bar_to_quotes, up_bar_visits_low_before_high_down_bar_the_reverse) {
  bar_quote_options opts;
  opts.spread_bps = Rate{}; // one tick wide
  std::vector<Quote> out;
  bar_to_quotes(bar("590.10", "590.50", "590.00", "590.40"), opts, out);
  bar_to_quotes(bar("590.40", "590.50", "590.00", "590.10"), opts, out);
  ASSERT_EQ(out.size(), 8u);
  const char* up_bids[] = {"590.1", "590", "590.5", "590.4"};
  const char* down_bids[] = {"590.4", "590.5", "590", "590.1"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(out[i].bid.to_string(), up_bids[i]);
    EXPECT_EQ(out[4 + i].bid.to_string(), down_bids[i]);
    EXPECT_EQ((out[i].ask - out[i].bid).to_string(), "0.01");
    EXPECT_EQ(out[i].timestamp, out[0].timestamp + i * 15 * ns_per_second);
    EXPECT_EQ(out[i].bid_size, Quantity::from_units(100));
  }
}

TEST(bar_to_quotes, spread_is_centred_on_each_price) {
  bar_quote_options opts;
  opts.spread_bps = Rate::from_units(10); // 590 * 5 bps = 0.295 each side
  opts.bid_size = Quantity::from_units(7);
  opts.bar_ms = 4000;
  std::vector<Quote> out;
  bar_to_quotes(bar("590.00", "590.00", "590.00", "590.00"), opts, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].bid.to_string(), "589.7");
  EXPECT_EQ(out[0].ask.to_string(), "590.3");
  EXPECT_EQ(out[0].bid_size, Quantity::from_units(7));
  EXPECT_EQ(out[3].timestamp - out[0].timestamp, 3 * ns_per_second);
}

TEST(bar_to_quotes, sample_bars_become_time_ordered_valid_quotes) {
  bar_quote_reader r(bars_file, csv_error_policy::stop);
  Quote q;
  size_t n = 0;
  timestamp_ns prev = INT64_MIN;
  while (r.next(q)) {
    ++n;
    ASSERT_GE(q.timestamp, prev);
    ASSERT_LT(q.bid, q.ask);
    ASSERT_TRUE(on_tick(q.bid) && on_tick(q.ask));
    prev = q.timestamp;
  }
  EXPECT_EQ(n, 360u * 4);
  EXPECT_EQ(r.stats().rows_ok, 360u);
}

} // namespace
} // namespace engine
