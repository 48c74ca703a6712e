// What a polygon feed under test said, with bounded waits on it, and its options for a local fake.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "brokers/polygon/feed.hpp"
#include "tests/polygon/fake_process.hpp"

namespace engine::test {

/// Collects the feed's callbacks; wait() blocks on a condition, never a bare sleep.
struct feed_recorder {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<Quote> quotes;
  std::vector<QuoteBatch> batches;
  std::vector<Trade> trades;
  std::vector<Bar> bars;
  std::vector<polygon::feed_state_change> states;
  std::vector<std::chrono::steady_clock::time_point> state_times; // one per state
  std::vector<std::string> gaps;
  std::vector<polygon::feed_gap> gap_details;
  std::function<void(polygon::polygon_feed&)> on_batch; // default: ready() at once
  polygon::polygon_feed* feed = nullptr;

  polygon::feed_callbacks callbacks() {
    polygon::feed_callbacks cb;
    cb.on_quotes = [this](QuoteBatch b) {
      {
        std::lock_guard<std::mutex> g{mtx};
        quotes.insert(quotes.end(), b.quotes.begin(), b.quotes.end());
        batches.push_back(std::move(b));
      }
      cv.notify_all();
      if (on_batch)
        on_batch(*feed);
      else
        feed->ready();
    };
    cb.on_trade = [this](const Trade& t) {
      std::lock_guard<std::mutex> g{mtx};
      trades.push_back(t);
    };
    cb.on_bar = [this](const Bar& b) {
      std::lock_guard<std::mutex> g{mtx};
      bars.push_back(b);
    };
    cb.on_state = [this](const polygon::feed_state_change& s) {
      {
        std::lock_guard<std::mutex> g{mtx};
        states.push_back(s);
        state_times.push_back(std::chrono::steady_clock::now());
      }
      cv.notify_all();
    };
    cb.on_gap = [this](const polygon::feed_gap& gap) {
      {
        std::lock_guard<std::mutex> g{mtx};
        gaps.push_back(gap.ticker);
        gap_details.push_back(gap);
      }
      cv.notify_all();
    };
    return cb;
  }

  template <class Pred>
  bool wait(Pred p, std::chrono::milliseconds timeout = std::chrono::milliseconds(8000)) {
    std::unique_lock<std::mutex> g{mtx};
    return cv.wait_for(g, timeout, [&] { return p(); });
  }

  size_t count(polygon::feed_state s) {
    size_t n = 0;
    for (auto& x : states)
      n += x.state == s;
    return n;
  }
};

/// Short bounds for a local fake; restarts generous (these tests recover, not go down).
inline polygon::feed_options options_for(const fake_polygon_process& fake,
                                         const std::string& key = "test-key") {
  polygon::feed_options o;
  o.ws_url = fake.ws_url();
  o.rest_url = fake.rest_url();
  o.api_key = secret{key};
  o.tickers = {"AAPL", "MSFT"};
  o.silence_timeout_ms = 2000;
  o.connect_timeout_ms = 1000;
  o.rest_timeout_ms = 1000;
  o.supervision.backoff_initial_ms = 50;
  o.supervision.backoff_max_ms = 400;
  o.supervision.max_restarts = 50;
  o.supervision.seed = 3;
  return o;
}

} // namespace engine::test
