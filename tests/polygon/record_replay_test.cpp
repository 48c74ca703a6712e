// Quotes recorded from fake-polygon, replayed through the csv reader twice: the same quotes.
#include "brokers/polygon/recorder.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "actors/market_data/csv_replay.hpp"
#include "brokers/polygon/feed.hpp"
#include "tests/polygon/fake_process.hpp"

namespace engine::polygon {
namespace {

std::vector<Quote> replay(const std::string& path) {
  quote_csv_reader reader{path, csv_error_policy::stop};
  std::vector<Quote> out;
  Quote q;
  while (reader.next(q))
    out.push_back(q);
  return out;
}

bool same(const Quote& a, const Quote& b) {
  return a.ticker == b.ticker && a.bid == b.bid && a.ask == b.ask && a.bid_size == b.bid_size &&
         a.ask_size == b.ask_size && a.timestamp == b.timestamp;
}

TEST(polygon_record, recorded_session_replays_identically_twice) {
  test::fake_polygon_process fake{{"--rate", "500", "--seed", "9"}};
  auto path = ::testing::TempDir() + "polygon_recorded.csv";
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<Quote> seen;
  size_t gaps = 0;
  {
    quote_recorder rec{path};
    feed_options o;
    o.ws_url = fake.ws_url();
    o.rest_url = fake.rest_url();
    o.api_key = secret{"k"};
    o.tickers = {"AAPL", "MSFT"};
    polygon_feed* fp = nullptr;
    feed_callbacks cb;
    cb.on_quotes = [&](QuoteBatch b) {
      {
        std::lock_guard<std::mutex> g{mtx};
        rec.write(b.quotes);
        seen.insert(seen.end(), b.quotes.begin(), b.quotes.end());
      }
      cv.notify_all();
      fp->ready();
    };
    cb.on_gap = [&](const feed_gap& gap) {
      std::lock_guard<std::mutex> g{mtx};
      rec.gap(gap.ticker, gap.from, gap.to);
      ++gaps;
    };
    polygon_feed feed{o, cb};
    fp = &feed;
    feed.start();
    std::unique_lock<std::mutex> g{mtx};
    ASSERT_TRUE(cv.wait_for(g, std::chrono::seconds(8), [&] { return seen.size() >= 300; }));
    g.unlock();
    feed.stop();
    rec.gap("AAPL", 1, 2); // a gap line is a comment the reader skips
    EXPECT_EQ(rec.rows(), seen.size());
  }
  auto first = replay(path);
  auto second = replay(path);
  ASSERT_EQ(first.size(), seen.size());
  ASSERT_EQ(second.size(), first.size());
  timestamp_ns last = 0;
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_TRUE(same(first[i], second[i])) << "row " << i;
    // What was delivered, exactly, with time made non-decreasing as recorded.
    Quote expect = seen[i];
    last = std::max(last, expect.timestamp);
    expect.timestamp = last;
    EXPECT_TRUE(same(first[i], expect)) << "row " << i << ": " << first[i].bid.to_string()
                                        << " vs " << expect.bid.to_string();
  }
}

} // namespace
} // namespace engine::polygon
