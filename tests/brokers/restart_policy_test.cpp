// Backoff delays and restart intensity of broker connections, on a simulated clock.
#include "brokers/supervision/restart_policy.hpp"

#include <gtest/gtest.h>

using namespace engine;

namespace {

constexpr int64_t ms = 1'000'000;

restart_policy_config cfg(double jitter = 0) {
  restart_policy_config c;
  c.max_restarts = 4;
  c.window_ms = 10'000;
  c.backoff_initial_ms = 100;
  c.backoff_max_ms = 1'000;
  c.jitter = jitter;
  c.seed = 7;
  return c;
}

} // namespace

TEST(RestartPolicy, DelaysDoubleUpToTheCap) {
  restart_policy p{cfg()};
  EXPECT_EQ(p.base_delay_ms(0), 100);
  EXPECT_EQ(p.base_delay_ms(1), 200);
  EXPECT_EQ(p.base_delay_ms(3), 800);
  EXPECT_EQ(p.base_delay_ms(4), 1000);
  EXPECT_EQ(p.base_delay_ms(40), 1000);
  int64_t t = 0;
  std::vector<int64_t> got;
  for (int i = 0; i < 4; ++i) {
    auto d = p.on_failure(t);
    ASSERT_TRUE(d);
    got.push_back(*d);
    t += *d * ms;
  }
  EXPECT_EQ(got, (std::vector<int64_t>{100, 200, 400, 800}));
}

TEST(RestartPolicy, IntensitySpentMeansDownUntilTheWindowMovesOn) {
  restart_policy p{cfg()};
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(p.on_failure(i * ms));
  EXPECT_FALSE(p.on_failure(5 * ms)) << "a fifth restart inside 10 s is past the intensity";
  // Once the first restarts fall out of the window, restarts are allowed again.
  EXPECT_TRUE(p.on_failure(10'001 * ms));
}

TEST(RestartPolicy, JitterStaysWithinItsBoundAndIsSeeded) {
  restart_policy a{cfg(0.5)}, b{cfg(0.5)};
  for (int i = 0; i < 4; ++i) {
    auto da = a.on_failure(i * ms), db = b.on_failure(i * ms);
    ASSERT_TRUE(da && db);
    EXPECT_EQ(*da, *db) << "the same seed gives the same delays";
    auto base = a.base_delay_ms(i);
    EXPECT_GE(*da, base);
    EXPECT_LE(*da, base + base / 2);
  }
}

TEST(RestartPolicy, AConnectionThatCameUpStartsFromTheFirstDelay) {
  restart_policy p{cfg()};
  EXPECT_EQ(*p.on_failure(0), 100);
  EXPECT_EQ(*p.on_failure(ms), 200);
  p.on_connected();
  EXPECT_EQ(*p.on_failure(2 * ms), 100);
  p.reset();
  EXPECT_EQ(p.consecutive_failures(), 0);
}
