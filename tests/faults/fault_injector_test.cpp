// The fault injector on explicit clocks: at_s (with repeat), after_orders, seeded
// probabilities, count budgets, episodes and active(), daily windows across days, next_time.
#include "brokers/faults/fault_injector.hpp"

#include <gtest/gtest.h>

namespace engine {
namespace {

constexpr int64_t ms = 1'000'000;
constexpr int64_t s = 1000 * ms;
constexpr int64_t minute = 60 * s;
constexpr int64_t hour = 60 * minute;
constexpr int64_t day = 24 * hour;
// 2026-12-01 00:00 UTC: days since the epoch, so daily_at lands on real UTC days.
constexpr int64_t dec1 = 20788 * day;

fault_plan plan_of(const std::string& yaml) { return parse_fault_plan_text(yaml, "plan.yaml"); }

TEST(fault_injector, at_s_fires_once_on_the_given_clock) {
  const int64_t start = dec1 + 10 * hour;
  fault_injector f{plan_of("rules: [{kind: disconnect, at_s: 5, duration_ms: 2000}]"), start};
  EXPECT_EQ(f.next_time(start), start + 5 * s);
  f.tick(start + 5 * s - 1);
  EXPECT_EQ(f.fired(fault_kind::disconnect), 0);
  EXPECT_TRUE(f.take_episodes().empty());
  f.tick(start + 5 * s);
  EXPECT_EQ(f.fired(fault_kind::disconnect), 1);
  auto eps = f.take_episodes();
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].kind, fault_kind::disconnect);
  EXPECT_EQ(eps[0].start_ns, start + 5 * s);
  EXPECT_EQ(eps[0].end_ns, start + 7 * s);
  EXPECT_TRUE(f.take_episodes().empty()); // taken once
  f.tick(start + 60 * s);
  EXPECT_EQ(f.fired(fault_kind::disconnect), 1);
  EXPECT_FALSE(f.next_time(start + 60 * s));
}

TEST(fault_injector, at_s_counts_from_the_start_not_from_zero) {
  // Simulated clocks start anywhere: at_s is relative to start_ns.
  fault_injector f{plan_of("rules: [{kind: reject, at_s: 1, count: 1}]"), 1000 * s};
  f.tick(2 * s);
  EXPECT_EQ(f.pending(fault_kind::reject), 0);
  f.tick(1001 * s);
  EXPECT_EQ(f.pending(fault_kind::reject), 1);
}

TEST(fault_injector, at_s_with_repeat_fires_every_period_and_catches_up) {
  fault_injector f{plan_of("rules: [{kind: rate_limit, at_s: 2, count: 2, repeat: 3}]"), 0};
  f.tick(2 * s);
  EXPECT_EQ(f.pending(fault_kind::rate_limit), 2);
  EXPECT_EQ(f.next_time(2 * s), 4 * s);
  f.tick(3 * s);
  EXPECT_EQ(f.pending(fault_kind::rate_limit), 2);
  f.tick(4 * s);
  EXPECT_EQ(f.pending(fault_kind::rate_limit), 4);
  f.tick(100 * s); // the third and last
  EXPECT_EQ(f.pending(fault_kind::rate_limit), 6);
  EXPECT_EQ(f.fired(fault_kind::rate_limit), 3);
  EXPECT_FALSE(f.next_time(100 * s));

  // A late tick fires every period it missed, and no more than repeat.
  fault_injector g{plan_of("rules: [{kind: disconnect, at_s: 1, repeat: 3}]"), 0};
  g.tick(10 * s);
  EXPECT_EQ(g.fired(fault_kind::disconnect), 3);
  EXPECT_EQ(g.take_episodes().size(), 3u);
}

TEST(fault_injector, at_s_zero_fires_on_the_first_tick) {
  fault_injector f{plan_of("rules: [{kind: garbage, at_s: 0, count: 2}]"), 50 * s};
  EXPECT_EQ(f.next_time(50 * s), 50 * s);
  f.tick(50 * s);
  EXPECT_EQ(f.pending(fault_kind::garbage), 2);
  f.tick(51 * s);
  EXPECT_EQ(f.pending(fault_kind::garbage), 2);
}

TEST(fault_injector, after_orders_with_repeat) {
  fault_injector f{plan_of("rules: [{kind: reject, after_orders: 3, count: 1, repeat: 2}]"), 0};
  std::vector<int> rejected;
  for (int i = 1; i <= 12; ++i) {
    f.order(i * ms);
    if (f.take(fault_kind::reject))
      rejected.push_back(i);
  }
  // The 3rd and the 6th order; then the repeat is spent.
  EXPECT_EQ(rejected, (std::vector<int>{3, 6}));
  EXPECT_EQ(f.fired(fault_kind::reject), 2);
}

TEST(fault_injector, after_orders_episode_starts_at_that_order) {
  fault_injector f{plan_of("rules: [{kind: refuse, after_orders: 2, duration_ms: 100}]"), 0};
  f.order(10 * ms);
  EXPECT_FALSE(f.active(fault_kind::refuse, 10 * ms));
  f.order(20 * ms);
  EXPECT_TRUE(f.active(fault_kind::refuse, 20 * ms));
  EXPECT_TRUE(f.active(fault_kind::refuse, 119 * ms));
  EXPECT_FALSE(f.active(fault_kind::refuse, 120 * ms)); // the end is exclusive
}

std::vector<int> fired_orders(uint64_t seed, int n) {
  fault_injector f{plan_of("seed: " + std::to_string(seed) +
                           "\nrules: [{kind: reject, probability: 0.3, count: 1}]"),
                   0};
  std::vector<int> out;
  for (int i = 0; i < n; ++i) {
    f.order(i * ms);
    if (f.take(fault_kind::reject))
      out.push_back(i);
  }
  return out;
}

TEST(fault_injector, seeded_probability_is_deterministic_for_one_seed) {
  auto a = fired_orders(42, 1000);
  auto b = fired_orders(42, 1000);
  auto c = fired_orders(43, 1000);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // About 30%: 300 expected, sd ~14.5; 6 sd either way.
  EXPECT_GT(a.size(), 213u);
  EXPECT_LT(a.size(), 387u);
  EXPECT_GT(c.size(), 213u);
  EXPECT_LT(c.size(), 387u);
}

TEST(fault_injector, probabilities_zero_and_one) {
  fault_injector f{plan_of("rules: [{kind: reject, probability: 0, count: 1}, "
                           "{kind: disconnect, probability: 1}]"),
                   0};
  for (int i = 0; i < 100; ++i)
    f.order(i);
  EXPECT_EQ(f.fired(fault_kind::reject), 0);
  EXPECT_EQ(f.fired(fault_kind::disconnect), 100);
}

TEST(fault_injector, each_probability_rolls_on_its_own_event) {
  fault_injector f{plan_of(R"(rules:
  - {kind: drop_fill, probability: 1}
  - {kind: rate_limit, probability: 1}
  - {kind: hang, probability: 1, duration_ms: 10}
)"),
                   0};
  f.order(1); // per order: hang only
  EXPECT_EQ(f.fired(fault_kind::hang), 1);
  EXPECT_EQ(f.fired(fault_kind::drop_fill), 0);
  EXPECT_EQ(f.fired(fault_kind::rate_limit), 0);
  f.fill(2); // per fill: drop_fill only
  EXPECT_EQ(f.fired(fault_kind::drop_fill), 1);
  EXPECT_EQ(f.fired(fault_kind::rate_limit), 0);
  EXPECT_EQ(f.fired(fault_kind::hang), 1);
  f.request(3); // per request: rate_limit only
  EXPECT_EQ(f.fired(fault_kind::rate_limit), 1);
  EXPECT_EQ(f.fired(fault_kind::drop_fill), 1);
  EXPECT_EQ(f.fired(fault_kind::hang), 1);
}

TEST(fault_injector, count_budgets_add_up_and_are_consumed_one_by_one) {
  fault_injector f{plan_of("rules: [{kind: server_error, after_orders: 1, count: 2, repeat: 2}]"),
                   0};
  EXPECT_FALSE(f.take(fault_kind::server_error));
  f.order(1);
  f.order(2); // fires again (every 1st order, twice)
  EXPECT_EQ(f.pending(fault_kind::server_error), 4);
  EXPECT_FALSE(f.take(fault_kind::rate_limit)); // another kind's budget is its own
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(f.take(fault_kind::server_error)) << i;
  EXPECT_FALSE(f.take(fault_kind::server_error));
  EXPECT_EQ(f.pending(fault_kind::server_error), 0);
  f.order(3);
  EXPECT_EQ(f.pending(fault_kind::server_error), 0);
}

TEST(fault_injector, episodes_and_active) {
  fault_injector f{plan_of(R"(rules:
  - {kind: delay, at_s: 1, duration_ms: 500, delay_ms: 40}
  - {kind: hang, at_s: 2, duration_ms: 300}
)"),
                   0};
  f.tick(1 * s);
  auto eps = f.take_episodes();
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].delay_ms, 40);
  auto d = f.active(fault_kind::delay, 1200 * ms);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->delay_ms, 40);
  EXPECT_EQ(d->end_ns, 1500 * ms);
  EXPECT_FALSE(f.active(fault_kind::hang, 1200 * ms));
  EXPECT_FALSE(f.active(fault_kind::delay, 1500 * ms));
  EXPECT_FALSE(f.active(fault_kind::delay, 999 * ms));
  f.tick(2100 * ms); // late by 100 ms: the hang starts when it is seen, for its full length
  auto h = f.active(fault_kind::hang, 2150 * ms);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->start_ns, 2100 * ms);
  EXPECT_EQ(h->end_ns, 2400 * ms);
  EXPECT_FALSE(f.active(fault_kind::delay, 2150 * ms));
}

TEST(fault_injector, many_episodes_keep_the_active_one) {
  // A long refuse, then hundreds of short disconnects: the refuse stays active throughout.
  fault_injector f{plan_of(R"(rules:
  - {kind: refuse, at_s: 0, duration_ms: 3600000}
  - {kind: disconnect, probability: 1}
)"),
                   0};
  f.tick(0);
  for (int i = 1; i <= 500; ++i)
    f.order(i * s);
  EXPECT_TRUE(f.active(fault_kind::refuse, 501 * s));
  EXPECT_EQ(f.fired(fault_kind::disconnect), 500);
}

TEST(fault_injector, daily_window_fires_once_a_day_across_days) {
  const int64_t start = dec1 + 10 * hour;
  fault_injector f{
    plan_of("rules: [{kind: reset_window, daily_at: \"22:30\", duration_ms: 3600000}]"), start};
  EXPECT_EQ(f.next_time(start), dec1 + 22 * hour + 30 * minute);
  f.tick(dec1 + 22 * hour + 29 * minute);
  EXPECT_EQ(f.fired(fault_kind::reset_window), 0);
  f.tick(dec1 + 22 * hour + 45 * minute); // seen late: the window started at 22:30
  ASSERT_EQ(f.fired(fault_kind::reset_window), 1);
  auto eps = f.take_episodes();
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].start_ns, dec1 + 22 * hour + 30 * minute);
  EXPECT_EQ(eps[0].end_ns, dec1 + 23 * hour + 30 * minute);
  EXPECT_TRUE(f.active(fault_kind::reset_window, dec1 + 23 * hour));
  f.tick(dec1 + 23 * hour);
  EXPECT_EQ(f.fired(fault_kind::reset_window), 1); // once that day
  EXPECT_FALSE(f.active(fault_kind::reset_window, dec1 + 23 * hour + 30 * minute));
  EXPECT_EQ(f.next_time(dec1 + 23 * hour), dec1 + day + 22 * hour + 30 * minute);
  // The next day, and the one after.
  f.tick(dec1 + day + 12 * hour);
  EXPECT_EQ(f.fired(fault_kind::reset_window), 1);
  f.tick(dec1 + day + 22 * hour + 30 * minute);
  EXPECT_EQ(f.fired(fault_kind::reset_window), 2);
  EXPECT_TRUE(f.active(fault_kind::reset_window, dec1 + day + 22 * hour + 31 * minute));
  f.tick(dec1 + 2 * day + 22 * hour + 31 * minute);
  EXPECT_EQ(f.fired(fault_kind::reset_window), 3);
}

TEST(fault_injector, daily_window_across_midnight) {
  // 23:30 for two hours; the first tick after the start comes at 00:30 the next day.
  const int64_t start = dec1 + 23 * hour;
  fault_injector f{
    plan_of("rules: [{kind: reset_window, daily_at: \"23:30\", duration_ms: 7200000}]"), start};
  f.tick(dec1 + day + 30 * minute);
  ASSERT_EQ(f.fired(fault_kind::reset_window), 1);
  auto eps = f.take_episodes();
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].start_ns, dec1 + 23 * hour + 30 * minute);
  EXPECT_TRUE(f.active(fault_kind::reset_window, dec1 + day + 89 * minute));
  EXPECT_FALSE(f.active(fault_kind::reset_window, dec1 + day + 90 * minute));
  // That night's window is next, not yesterday's again.
  f.tick(dec1 + day + 60 * minute);
  EXPECT_EQ(f.fired(fault_kind::reset_window), 1);
  EXPECT_EQ(f.next_time(dec1 + day + 60 * minute), dec1 + day + 23 * hour + 30 * minute);
}

TEST(fault_injector, daily_window_open_at_the_start_fires_at_once) {
  const int64_t start = dec1 + 22 * hour + 45 * minute;
  fault_injector f{
    plan_of("rules: [{kind: refuse, daily_at: \"22:30\", duration_ms: 3600000}]"), start};
  EXPECT_EQ(f.next_time(start), start);
  f.tick(start);
  EXPECT_TRUE(f.active(fault_kind::refuse, start));
}

TEST(fault_injector, daily_window_over_before_the_start_waits_for_tomorrow) {
  const int64_t start = dec1 + 23 * hour + 45 * minute;
  fault_injector f{
    plan_of("rules: [{kind: refuse, daily_at: \"22:30\", duration_ms: 3600000}]"), start};
  f.tick(start + minute);
  EXPECT_EQ(f.fired(fault_kind::refuse), 0);
  EXPECT_EQ(f.next_time(start + minute), dec1 + day + 22 * hour + 30 * minute);
}

TEST(fault_injector, a_zero_length_daily_rule_is_not_missed_by_a_late_tick) {
  const int64_t start = dec1 + 4 * hour;
  fault_injector f{plan_of(R"(rules:
  - {kind: disconnect, daily_at: "04:45"}
  - {kind: rate_limit, daily_at: "04:45", count: 3}
)"),
                   start};
  EXPECT_EQ(f.next_time(start), dec1 + 4 * hour + 45 * minute);
  f.tick(dec1 + 4 * hour + 45 * minute + 7 * ms); // a timer wakes a little late
  EXPECT_EQ(f.fired(fault_kind::disconnect), 1);
  EXPECT_EQ(f.pending(fault_kind::rate_limit), 3);
  f.tick(dec1 + 5 * hour);
  EXPECT_EQ(f.fired(fault_kind::disconnect), 1);
  EXPECT_EQ(f.next_time(dec1 + 5 * hour), dec1 + day + 4 * hour + 45 * minute);
  // A zero-length moment that passed before the start does not fire.
  fault_injector g{plan_of("rules: [{kind: disconnect, daily_at: \"04:45\"}]"),
                   dec1 + 5 * hour};
  g.tick(dec1 + 5 * hour);
  EXPECT_EQ(g.fired(fault_kind::disconnect), 0);
}

TEST(fault_injector, next_time_is_the_earliest_rule) {
  const int64_t start = dec1 + 4 * hour;
  fault_injector f{plan_of(R"(rules:
  - {kind: disconnect, at_s: 3600}
  - {kind: refuse, daily_at: "04:30", duration_ms: 1000}
  - {kind: reject, after_orders: 1}
)"),
                   start};
  EXPECT_EQ(f.next_time(start), dec1 + 4 * hour + 30 * minute);
  f.tick(dec1 + 4 * hour + 30 * minute);
  EXPECT_EQ(f.next_time(dec1 + 4 * hour + 31 * minute), start + hour);
  f.tick(start + hour);
  EXPECT_EQ(f.next_time(start + hour), dec1 + day + 4 * hour + 30 * minute);
  fault_injector none{plan_of("rules: [{kind: reject, after_orders: 1}]"), 0};
  EXPECT_FALSE(none.next_time(0)); // nothing time-triggered
}

} // namespace
} // namespace engine
