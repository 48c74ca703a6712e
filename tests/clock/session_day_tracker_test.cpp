// session_day_tracker: the same days as session_calendar::session_day, worked out once a day.
#include "actors/clock/session_day_tracker.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace engine {
namespace {

// Walks `times` through a tracker and checks each answer against the calendar itself.
void expect_days_as_the_calendar(const session_calendar& cal, const std::vector<timestamp_ns>& times) {
  session_day_tracker days{cal};
  bool first = true;
  int64_t last = 0;
  size_t changes = 0;
  for (auto t : times) {
    auto want = cal.session_day(t);
    auto got = days.changed(t);
    if (first || want != last) {
      ASSERT_TRUE(got.has_value()) << "no new day at " << t;
      EXPECT_EQ(*got, want) << t;
      ++changes;
    } else {
      EXPECT_FALSE(got.has_value()) << "a new day " << *got << " at " << t << ", still " << want;
    }
    EXPECT_EQ(days.day(), want);
    first = false;
    last = want;
  }
  EXPECT_GT(changes, 3u); // the walk did cross days
}

std::vector<timestamp_ns> walk(timestamp_ns from, timestamp_ns to, timestamp_ns step) {
  std::vector<timestamp_ns> ts;
  for (auto t = from; t < to; t += step)
    ts.push_back(t);
  return ts;
}

TEST(SessionDayTracker, NewYorkAcrossBothDaylightChanges) {
  session_calendar cal{session_config{}}; // America/New_York
  const timestamp_ns step = 7 * ns_per_minute;
  auto spring = walk(parse_iso8601("2026-03-06T12:00:00Z"), parse_iso8601("2026-03-11T12:00:00Z"), step);
  auto autumn = walk(parse_iso8601("2026-10-30T12:00:00Z"), parse_iso8601("2026-11-04T12:00:00Z"), step);
  expect_days_as_the_calendar(cal, spring);
  expect_days_as_the_calendar(cal, autumn);
  // Around each local midnight, to the nanosecond.
  std::vector<timestamp_ns> edges;
  for (const char* midnight : {"2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", "2026-11-01T04:00:00Z",
                               "2026-11-02T05:00:00Z"})
    for (timestamp_ns d : {-2, -1, 0, 1})
      edges.push_back(parse_iso8601(midnight) + d);
  expect_days_as_the_calendar(cal, edges);
}

TEST(SessionDayTracker, FixedOffsetAndTimesThatGoBack) {
  session_config tokyo;
  tokyo.timezone = "+09:00";
  session_calendar cal{tokyo};
  std::mt19937_64 rng{17};
  const auto t0 = parse_iso8601("2026-11-20T00:00:00Z");
  std::vector<timestamp_ns> ts;
  for (int i = 0; i < 20000; ++i) // forwards mostly, now and then back a day or more
    ts.push_back(t0 + static_cast<timestamp_ns>(rng() % (10 * ns_per_day)));
  expect_days_as_the_calendar(cal, ts);
  expect_days_as_the_calendar(session_calendar{session_config{}}, ts);
}

} // namespace
} // namespace engine
