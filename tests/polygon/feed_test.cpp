// The feed against fake-polygon on 127.0.0.1: auth, subscribe, each fault, conflation.
#include "brokers/polygon/feed.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/polygon/fake_process.hpp"
#include "tests/polygon/feed_harness.hpp"

namespace engine::polygon {
namespace {

using namespace std::chrono_literals;
using test::fake_polygon_process;
using test::feed_recorder;
using test::options_for;

TEST(polygon_feed, authenticates_subscribes_and_streams) {
  fake_polygon_process fake{{"--rate", "400", "--tickers", "AAPL,MSFT,NVDA", "--bar-ms", "200"}};
  feed_recorder r;
  polygon_feed feed{options_for(fake), r.callbacks()};
  r.feed = &feed;
  feed.start();
  ASSERT_TRUE(r.wait([&] { return r.count(feed_state::connected) >= 1 && r.quotes.size() >= 100; }))
    << "quotes " << r.quotes.size();
  ASSERT_TRUE(r.wait([&] { return !r.bars.empty(); })) << "no AM bar";
  feed.stop();
  std::lock_guard<std::mutex> g{r.mtx};
  EXPECT_EQ(r.states.front().state, feed_state::connecting);
  std::set<std::string> tickers;
  for (auto& q : r.quotes) {
    tickers.insert(q.ticker);
    EXPECT_LT(q.bid, q.ask);
    EXPECT_TRUE(q.bid.is_positive());
  }
  // Only what was subscribed: NVDA is generated but not asked for.
  EXPECT_EQ(tickers, (std::set<std::string>{"AAPL", "MSFT"}));
  EXPECT_FALSE(r.trades.empty());
  auto c = feed.counters();
  EXPECT_EQ(c.reconnects, 0u);
  EXPECT_EQ(c.garbage, 0u);
  EXPECT_EQ(c.snapshots, 2u); // one per ticker at start
  EXPECT_EQ(c.delivered, r.quotes.size());
  EXPECT_EQ(c.conflated, 0u);
  for (auto& b : r.bars)
    EXPECT_TRUE(b.ticker == "AAPL" || b.ticker == "MSFT");
}

TEST(polygon_feed, failed_auth_is_final) {
  fake_polygon_process fake{{"--key", "the-right-key", "--rate", "50"}};
  feed_recorder r;
  polygon_feed feed{options_for(fake, "a-wrong-key"), r.callbacks()};
  r.feed = &feed;
  feed.start();
  ASSERT_TRUE(r.wait([&] { return r.count(feed_state::auth_failed) == 1; }));
  EXPECT_EQ(feed.state(), feed_state::auth_failed);
  feed.stop();
  std::lock_guard<std::mutex> g{r.mtx};
  EXPECT_EQ(r.count(feed_state::reconnecting), 0u) << "a bad key is never retried";
  EXPECT_EQ(r.count(feed_state::connected), 0u);
  EXPECT_EQ(feed.counters().reconnects, 0u);
  for (auto& s : r.states)
    EXPECT_EQ(s.reason.find("a-wrong-key"), std::string::npos) << "the key leaked: " << s.reason;
  // The REST snapshot with the wrong key failed too, as a counted error.
  EXPECT_EQ(feed.counters().snapshots, 0u);
}

/// Runs the feed through one fault plan and checks: it reconnects, resubscribes, and the
/// snapshot fills (and marks) the gap of every ticker; quotes flow again afterwards.
void expect_recovers(const std::string& name, const std::string& plan, feed_options tweak(feed_options)) {
  auto path = ::testing::TempDir() + "polygon_" + name + ".yaml";
  fake_polygon_process::write_plan(path, plan);
  fake_polygon_process fake{{"--rate", "300", "--faults", path}};
  feed_recorder r;
  auto opts = tweak(options_for(fake));
  polygon_feed feed{opts, r.callbacks()};
  r.feed = &feed;
  feed.start();
  ASSERT_TRUE(r.wait([&] { return r.count(feed_state::connected) >= 2; }, 10000ms))
    << name << ": never came back";
  size_t after = 0;
  {
    std::lock_guard<std::mutex> g{r.mtx};
    after = r.quotes.size();
  }
  ASSERT_TRUE(r.wait([&] { return r.gaps.size() >= 2 && r.quotes.size() >= after + 20; }))
    << name << ": gaps " << r.gaps.size();
  feed.stop();
  std::lock_guard<std::mutex> g{r.mtx};
  EXPECT_GE(r.count(feed_state::reconnecting), 1u) << name;
  EXPECT_GE(feed.counters().reconnects, 1u) << name;
  EXPECT_GE(feed.counters().gaps, 2u) << name;
  EXPECT_EQ(std::set<std::string>(r.gaps.begin(), r.gaps.end()),
            (std::set<std::string>{"AAPL", "MSFT"}));
  // Each reconnect waited within the policy's bounds: initial x 2^(n-1) capped, + 20% jitter.
  for (auto& s : r.states)
    if (s.state == feed_state::reconnecting) {
      restart_policy p{opts.supervision};
      EXPECT_GE(s.delay_ms, p.base_delay_ms(s.attempt - 1));
      EXPECT_LE(s.delay_ms, p.base_delay_ms(s.attempt - 1) * 12 / 10);
    }
}

TEST(polygon_feed, disconnect_then_reconnect_resubscribe_snapshot) {
  expect_recovers("disconnect",
                  "seed: 1\nrules:\n  - kind: disconnect\n    at_s: 0.5\n    duration_ms: 300\n",
                  [](feed_options o) { return o; });
}

TEST(polygon_feed, stalled_stream_is_reconnected_after_the_silence_bound) {
  expect_recovers("hang", "seed: 1\nrules:\n  - kind: hang\n    at_s: 0.5\n    duration_ms: 1200\n",
                  [](feed_options o) {
                    o.silence_timeout_ms = 300;
                    o.connect_timeout_ms = 300;
                    return o;
                  });
}

TEST(polygon_feed, refused_connections_are_retried) {
  expect_recovers("refuse",
                  "seed: 1\nrules:\n  - kind: disconnect\n    at_s: 0.3\n    duration_ms: 50\n"
                  "  - kind: refuse\n    at_s: 0.3\n    duration_ms: 800\n",
                  [](feed_options o) { return o; });
}

TEST(polygon_feed, garbage_frames_are_dropped_and_counted) {
  auto path = ::testing::TempDir() + "polygon_garbage.yaml";
  fake_polygon_process::write_plan(
    path, "seed: 1\nrules:\n  - kind: garbage\n    at_s: 0.3\n    count: 3\n");
  fake_polygon_process fake{{"--rate", "300", "--faults", path}};
  feed_recorder r;
  polygon_feed feed{options_for(fake), r.callbacks()};
  r.feed = &feed;
  feed.start();
  ASSERT_TRUE(r.wait([&] { return feed.counters().garbage >= 3 && r.quotes.size() >= 200; }))
    << "garbage " << feed.counters().garbage;
  feed.stop();
  EXPECT_EQ(feed.counters().garbage, 3u);
  EXPECT_EQ(feed.counters().reconnects, 0u) << "a garbage frame is dropped, not a reason to reconnect";
}

TEST(polygon_feed, max_connections_is_retried_until_a_slot_frees) {
  fake_polygon_process fake{{"--rate", "100", "--max-connections", "1"}};
  feed_recorder first;
  auto first_feed = std::make_unique<polygon_feed>(options_for(fake), first.callbacks());
  first.feed = first_feed.get();
  first_feed->start();
  ASSERT_TRUE(first.wait([&] { return first.count(feed_state::connected) == 1; }));
  feed_recorder second;
  polygon_feed second_feed{options_for(fake), second.callbacks()};
  second.feed = &second_feed;
  second_feed.start();
  ASSERT_TRUE(second.wait([&] {
    for (auto& s : second.states)
      if (s.state == feed_state::reconnecting && s.reason.find("max_connections") != std::string::npos)
        return true;
    return false;
  }));
  first_feed->stop(); // the slot frees; the second gets in on a retry
  ASSERT_TRUE(second.wait([&] { return second.count(feed_state::connected) == 1; }));
  second_feed.stop();
}

TEST(polygon_feed, slow_consumer_conflates_to_latest_per_ticker) {
  fake_polygon_process fake{{"--rate", "3000", "--tickers", "AAPL,MSFT"}};
  feed_recorder r;
  auto o = options_for(fake);
  o.max_pending_quotes = 8;
  o.snapshots = false;
  std::mutex hold_mtx;
  std::condition_variable hold_cv;
  bool release = false;
  polygon_feed feed{o, r.callbacks()};
  r.feed = &feed;
  // The consumer holds the first batch until the feed has had to conflate.
  r.on_batch = [&](polygon_feed& f) {
    bool first = false;
    {
      std::lock_guard<std::mutex> g{r.mtx};
      first = r.batches.size() == 1;
    }
    if (!first)
      return f.ready();
    std::thread([&] {
      std::unique_lock<std::mutex> g{hold_mtx};
      hold_cv.wait_for(g, 10s, [&] { return release; });
      g.unlock();
      feed.ready(); // the last thing this thread touches
    }).detach();
  };
  feed.start();
  // The socket thread is never blocked: frames keep arriving while the batch is held.
  auto deadline = std::chrono::steady_clock::now() + 8s;
  while (feed.counters().conflated < 50 && std::chrono::steady_clock::now() < deadline)
    r.wait([&] { return false; }, 20ms); // a bounded wait on the feed's counters
  EXPECT_GE(feed.counters().conflated, 50u);
  {
    std::lock_guard<std::mutex> g{hold_mtx};
    release = true;
  }
  hold_cv.notify_all();
  ASSERT_TRUE(r.wait([&] { return r.batches.size() >= 3; }));
  feed.stop();
  std::lock_guard<std::mutex> g{r.mtx};
  // The batch after the hold is bounded, and holds each ticker's latest quote, in order.
  const auto& second = r.batches[1];
  EXPECT_LE(second.quotes.size(), o.max_pending_quotes);
  std::map<std::string, timestamp_ns> last;
  for (auto& q : second.quotes) {
    auto it = last.find(q.ticker);
    if (it != last.end()) {
      EXPECT_GE(q.timestamp, it->second);
    }
    last[q.ticker] = q.timestamp;
  }
  auto c = feed.counters();
  EXPECT_EQ(c.delivered + c.conflated + 0u <= c.quotes, true);
  EXPECT_GT(c.frames, r.batches.size()) << "frames were read while the consumer held a batch";
}

TEST(polygon_feed, refuses_plain_text_to_a_remote_host) {
  feed_options o;
  o.ws_url = "ws://example.com/stocks";
  o.rest_url = "https://api.polygon.io";
  o.api_key = secret{"k"};
  o.tickers = {"AAPL"};
  EXPECT_THROW(polygon_feed(o, {}), std::invalid_argument);
  o.ws_url = "wss://socket.polygon.io/stocks";
  o.rest_url = "http://api.polygon.io";
  EXPECT_THROW(polygon_feed(o, {}), std::invalid_argument);
  o.rest_url = "https://api.polygon.io";
  EXPECT_NO_THROW(polygon_feed(o, {}));
}

TEST(polygon_feed, url_parsing) {
  auto u = parse_url("wss://socket.polygon.io/stocks");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "socket.polygon.io");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/stocks");
  u = parse_url("http://127.0.0.1:8765");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->port, "8765");
  EXPECT_EQ(u->target, "/");
  EXPECT_FALSE(parse_url("ftp://x"));
  EXPECT_FALSE(parse_url("ws://:80/"));
  EXPECT_FALSE(parse_url("ws://host:port/"));
}

} // namespace
} // namespace engine::polygon
