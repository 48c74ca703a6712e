// The feed under the brokers' restart policy: backoff, restart intensity, down, down_retry.
#include "brokers/polygon/feed.hpp"

#include <gtest/gtest.h>

#include "tests/polygon/fake_process.hpp"
#include "tests/polygon/feed_harness.hpp"

namespace engine::polygon {
namespace {

using namespace std::chrono_literals;
using test::fake_polygon_process;
using test::feed_recorder;
using test::options_for;

// The fake drops and refuses every connection for 3 s from its start. Two restarts are allowed: the
// third failure (within ~0.2 s) puts the feed down; after down_retry_ms (4 s, so past the
// refusal even on a fast machine) the intensity starts over and the feed connects, as a broker
// supervisor does after down_retry_s. The refusal is long so that a loaded machine still spends
// the intensity inside it; every wait is on a condition with a generous bound.
TEST(polygon_feed_supervision, intensity_spent_goes_down_then_down_retry_reconnects) {
  auto plan = fake_polygon_process::write_plan(
    ::testing::TempDir() + "polygon_refuse_long.yaml",
    "seed: 1\nrules:\n  - kind: disconnect\n    at_s: 0\n    duration_ms: 0\n"
    "  - kind: refuse\n    at_s: 0\n    duration_ms: 3000\n");
  fake_polygon_process fake{{"--rate", "200", "--faults", plan}};
  feed_recorder r;
  auto o = options_for(fake);
  o.supervision.max_restarts = 2;
  o.supervision.window_ms = 60'000;
  o.down_retry_ms = 4000;
  polygon_feed feed{o, r.callbacks()};
  r.feed = &feed;
  feed.start();
  ASSERT_TRUE(r.wait([&] { return r.count(feed_state::down) == 1; }, 20000ms));
  EXPECT_EQ(feed.state(), feed_state::down);
  ASSERT_TRUE(r.wait([&] { return r.count(feed_state::connected) == 1; }, 30000ms))
    << "down_retry never brought the feed back";
  feed.stop();

  std::lock_guard<std::mutex> g{r.mtx};
  size_t down_at = 0;
  for (size_t i = 0; i < r.states.size(); ++i)
    if (r.states[i].state == feed_state::down)
      down_at = i;
  const auto& down = r.states[down_at];
  EXPECT_NE(down.reason.find("restart intensity spent (2 restarts in 60 s)"), std::string::npos)
    << down.reason;
  EXPECT_NE(down.reason.find("last failure"), std::string::npos) << down.reason;
  // Exactly max_restarts reconnects before down, with attempts 1, 2 and growing delays.
  std::vector<feed_state_change> before(r.states.begin(), r.states.begin() + down_at);
  std::vector<int> attempts;
  for (auto& s : before)
    if (s.state == feed_state::reconnecting)
      attempts.push_back(s.attempt);
  EXPECT_EQ(attempts, (std::vector<int>{1, 2}));
  // Nothing happened while down until down_retry_ms had passed. A lower bound only (load can
  // only make it later): the down callback is timed before the retry timer is armed, and a
  // steady timer never fires early; 100 ms spare for clock granularity.
  ASSERT_LT(down_at + 1, r.states.size());
  EXPECT_EQ(r.states[down_at + 1].state, feed_state::connecting);
  EXPECT_GE(r.state_times[down_at + 1] - r.state_times[down_at],
            std::chrono::milliseconds(o.down_retry_ms) - 100ms);
  EXPECT_EQ(feed.counters().reconnects, 2u);
}

// A connection that subscribed resets the backoff (not the intensity): the next failure waits
// the first delay again. The fake drops the sessions it has at 1 s and 2.5 s, late enough that
// a loaded machine has connected (and reconnected) before each.
TEST(polygon_feed_supervision, a_good_connection_resets_the_backoff) {
  auto plan = fake_polygon_process::write_plan(
    ::testing::TempDir() + "polygon_two_drops.yaml",
    "seed: 1\nrules:\n  - kind: disconnect\n    at_s: 1\n    duration_ms: 0\n"
    "  - kind: disconnect\n    at_s: 2.5\n    duration_ms: 0\n");
  fake_polygon_process fake{{"--rate", "200", "--faults", plan}};
  feed_recorder r;
  auto o = options_for(fake);
  o.supervision.backoff_initial_ms = 100;
  o.supervision.backoff_max_ms = 1000;
  polygon_feed feed{o, r.callbacks()};
  r.feed = &feed;
  feed.start();
  ASSERT_TRUE(r.wait([&] { return r.count(feed_state::connected) >= 3; }, 30000ms));
  feed.stop();
  std::lock_guard<std::mutex> g{r.mtx};
  std::vector<uint64_t> restarts;
  for (auto& s : r.states)
    if (s.state == feed_state::reconnecting) {
      EXPECT_EQ(s.attempt, 1) << "each drop followed a good connection";
      EXPECT_GE(s.delay_ms, 100);
      EXPECT_LE(s.delay_ms, 120);
      restarts.push_back(s.restarts);
    }
  EXPECT_EQ(restarts, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(feed.counters().reconnects, 2u);
}

} // namespace
} // namespace engine::polygon
