// Tests of the clocks, the timer queue, the pacer and ISO 8601 parsing/printing.
#include "actors/clock/clock.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <tuple>

namespace engine {
namespace {

constexpr timestamp_ns s = ns_per_second;

// --- clocks --------------------------------------------------------------------

TEST(simulated_clock, moves_only_forward_when_told) {
  simulated_clock c(1000);
  EXPECT_TRUE(c.simulated());
  EXPECT_EQ(c.now(), 1000);
  EXPECT_EQ(c.now(), 1000); // reading does not move time
  EXPECT_TRUE(c.advance_to(5000));
  EXPECT_EQ(c.now(), 5000);
  EXPECT_TRUE(c.advance_to(5000)); // same instant is not backwards
  EXPECT_FALSE(c.advance_to(4999));
  EXPECT_EQ(c.now(), 5000);
  EXPECT_TRUE(c.advance_by(10));
  EXPECT_EQ(c.now(), 5010);
  EXPECT_FALSE(c.advance_by(-1));
  EXPECT_EQ(c.now(), 5010);
}

TEST(simulated_clock, is_monotonic_under_mixed_requests) {
  simulated_clock c(0);
  timestamp_ns last = c.now();
  uint64_t x = 12345;
  for (int i = 0; i < 10000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    timestamp_ns target = static_cast<timestamp_ns>(x >> 40) - (1 << 22); // some go back
    bool moved = c.advance_to(target);
    EXPECT_EQ(moved, target >= last);
    EXPECT_GE(c.now(), last);
    last = c.now();
  }
}

TEST(wall_clock, reads_system_time_in_nanoseconds) {
  std::unique_ptr<clock> c = std::make_unique<wall_clock>();
  EXPECT_FALSE(c->simulated());
  timestamp_ns a = c->now();
  timestamp_ns b = c->now();
  EXPECT_GT(a, parse_iso8601("2024-01-01T00:00:00Z"));
  EXPECT_LT(a, parse_iso8601("2200-01-01T00:00:00Z"));
  EXPECT_GE(b, a);
}

// --- timer queue ---------------------------------------------------------------

TEST(timer_queue, pops_by_time_then_insertion) {
  timer_queue q;
  EXPECT_EQ(q.next(), std::nullopt);
  uint64_t a = q.schedule(30, 1);
  uint64_t b = q.schedule(10, 2);
  uint64_t c = q.schedule(30, 3); // same time as a, inserted later
  uint64_t d = q.schedule(20, 4);
  uint64_t e = q.schedule(10, 5);
  EXPECT_NE(a, 0u);
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(q.next(), 10);

  auto due = q.pop_due(9);
  EXPECT_TRUE(due.empty());
  due = q.pop_due(20);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0], std::make_pair(b, uint64_t{2}));
  EXPECT_EQ(due[1], std::make_pair(e, uint64_t{5}));
  EXPECT_EQ(due[2], std::make_pair(d, uint64_t{4}));
  EXPECT_EQ(q.next(), 30);
  due = q.pop_due(1000);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].first, a);
  EXPECT_EQ(due[1].first, c);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.next(), std::nullopt);
}

TEST(timer_queue, cancel_removes_only_pending_entries) {
  timer_queue q;
  uint64_t a = q.schedule(10, 1);
  uint64_t b = q.schedule(10, 2);
  uint64_t c = q.schedule(5, 3);
  EXPECT_TRUE(q.cancel(c));
  EXPECT_FALSE(q.cancel(c)); // twice
  EXPECT_FALSE(q.cancel(999)); // unknown
  EXPECT_EQ(q.next(), 10);
  auto due = q.pop_due(10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].first, a);
  EXPECT_FALSE(q.cancel(b)); // already popped
  EXPECT_EQ(q.size(), 0u);
}

TEST(timer_queue, past_deadline_is_due_at_once) {
  timer_queue q;
  simulated_clock c(100);
  q.schedule(50, 7);
  auto due = q.pop_due(c.now());
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].second, 7u);
}

TEST(timer_queue, matches_a_sorted_reference_with_cancels) {
  // Random schedules and cancels against (time, insertion) sorting done by hand.
  timer_queue q;
  std::vector<std::tuple<timestamp_ns, uint64_t, uint64_t>> ref; // time, id, tag
  uint64_t x = 99;
  auto rnd = [&x] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x >> 33;
  };
  for (uint64_t tag = 0; tag < 2000; ++tag) {
    timestamp_ns at = static_cast<timestamp_ns>(rnd() % 100); // many equal times
    uint64_t id = q.schedule(at, tag);
    ref.emplace_back(at, id, tag);
    if (rnd() % 4 == 0) {
      size_t k = rnd() % ref.size();
      EXPECT_TRUE(q.cancel(std::get<1>(ref[k])));
      ref.erase(ref.begin() + static_cast<long>(k));
    }
  }
  std::stable_sort(ref.begin(), ref.end(), [](const auto& l, const auto& r) {
    return std::get<0>(l) < std::get<0>(r);
  });
  std::vector<timer_queue::entry> got;
  for (timestamp_ns now = 0; now < 100; now += 7)
    q.pop_due(now, got);
  q.pop_due(100, got);
  ASSERT_EQ(got.size(), ref.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, std::get<1>(ref[i]));
    EXPECT_EQ(got[i].second, std::get<2>(ref[i]));
  }
}

// --- pacer ---------------------------------------------------------------------

TEST(pacer, speed_zero_never_waits) {
  pacer p(0, 1000 * s, 5 * s);
  EXPECT_EQ(p.wait_ns(2000 * s, 5 * s), 0);
  EXPECT_EQ(p.wait_ns(INT64_MAX / 2, 0), 0);
}

TEST(pacer, waits_for_scaled_simulated_time) {
  timestamp_ns sim0 = 1000 * s;
  timestamp_ns wall0 = 50 * s;
  pacer real_time(1, sim0, wall0);
  EXPECT_EQ(real_time.wait_ns(sim0 + 2 * s, wall0), 2 * s);
  EXPECT_EQ(real_time.wait_ns(sim0 + 2 * s, wall0 + s), s);
  EXPECT_EQ(real_time.wait_ns(sim0 + 2 * s, wall0 + 3 * s), 0); // late: no negative wait
  EXPECT_EQ(real_time.wait_ns(sim0 - s, wall0), 0);              // before the anchor

  pacer fast(10, sim0, wall0);
  EXPECT_EQ(fast.wait_ns(sim0 + 10 * s, wall0), s);
  EXPECT_EQ(fast.wall_due(sim0 + 60 * s), wall0 + 6 * s);

  pacer slow(0.5, sim0, wall0);
  EXPECT_EQ(slow.wait_ns(sim0 + s, wall0), 2 * s);
}

TEST(pacer, reanchor_and_speed_change) {
  pacer p(2, 0, 0);
  EXPECT_EQ(p.wait_ns(4 * s, 0), 2 * s);
  p.reanchor(4 * s, 100 * s); // e.g. after a pause
  EXPECT_EQ(p.wait_ns(6 * s, 100 * s), s);
  p.set_speed(0);
  EXPECT_EQ(p.wait_ns(6 * s, 100 * s), 0);
  EXPECT_THROW(p.set_speed(-1), std::invalid_argument);
  EXPECT_THROW(pacer(std::numeric_limits<double>::quiet_NaN(), 0, 0), std::invalid_argument);
  EXPECT_THROW(pacer(std::numeric_limits<double>::infinity(), 0, 0), std::invalid_argument);
}

// --- civil dates ---------------------------------------------------------------

TEST(civil, day_numbers_round_trip_and_weekdays) {
  EXPECT_EQ(civil::days_from_date(1970, 1, 1), 0);
  EXPECT_EQ(civil::days_from_date(2000, 3, 1), 11017);
  EXPECT_EQ(civil::days_from_date(1969, 12, 31), -1);
  EXPECT_EQ(civil::weekday(civil::days_from_date(2026, 11, 24)), 2); // Tuesday
  EXPECT_EQ(civil::weekday(civil::days_from_date(1969, 12, 28)), 0); // Sunday
  // Every day from 1600 to 2400 maps back to itself and days follow each other.
  int64_t prev = civil::days_from_date(1599, 12, 31);
  for (int64_t y = 1600; y <= 2400; ++y) {
    for (int m = 1; m <= 12; ++m) {
      for (int d = 1; d <= civil::days_in_month(y, m); ++d) {
        int64_t n = civil::days_from_date(y, m, d);
        ASSERT_EQ(n, prev + 1) << y << "-" << m << "-" << d;
        civil::date back = civil::date_from_days(n);
        ASSERT_EQ(back.year, y);
        ASSERT_EQ(back.month, m);
        ASSERT_EQ(back.day, d);
        prev = n;
      }
    }
  }
  EXPECT_EQ(civil::days_in_month(1900, 2), 28);
  EXPECT_EQ(civil::days_in_month(2000, 2), 29);
  EXPECT_EQ(civil::days_in_month(2028, 2), 29);
}

// --- ISO 8601 ------------------------------------------------------------------

struct parse_case {
  const char* text;
  timestamp_ns expected; // from Python's datetime, an independent implementation
};

TEST(iso8601, parses_valid_forms) {
  const parse_case cases[] = {
      {"2026-11-24T09:30:00-05:00", 1795530600 * s},
      {"2026-11-24T14:30:00Z", 1795530600 * s},
      {"2026-11-24T14:30:00z", 1795530600 * s},
      {"2026-11-24 14:30:00+00:00", 1795530600 * s},
      {"2026-11-24T20:00:00+0530", 1795530600 * s},
      {"1970-01-01T00:00:00Z", 0},
      {"1969-12-31T23:59:59Z", -s},
      {"1969-12-31T23:59:59.5Z", -s / 2},
      {"2000-02-29T23:59:59Z", 951868799 * s},
      {"2026-11-24T09:30:00.123-05:00", 1795530600 * s + 123000000},
      {"2026-11-24T09:30:00.000000001-05:00", 1795530600 * s + 1},
      {"2026-11-24T09:30:00,25Z", 1795512600 * s + 250000000},
      {"2262-04-11T23:47:16Z", 9223372036 * s},
      {"1677-09-21T00:12:44Z", -9223372036 * s},
  };
  for (const auto& c : cases)
    EXPECT_EQ(parse_iso8601(c.text), c.expected) << c.text;
}

TEST(iso8601, rejects_malformed_text_with_the_text_in_the_message) {
  const char* bad[] = {
      "",
      "2026-11-24",
      "2026-11-24T09:30:00",          // no offset
      "2026-11-24T09:30-05:00",       // no seconds
      "2026/11/24T09:30:00Z",
      "2026-13-24T09:30:00Z",
      "2026-02-29T09:30:00Z",         // not a leap year
      "2026-11-31T09:30:00Z",
      "2026-11-24T24:00:00Z",
      "2026-11-24T09:60:00Z",
      "2026-11-24T09:30:60Z",
      "2026-11-24T09:30:00.Z",
      "2026-11-24T09:30:00.1234567891Z", // 10 fractional digits
      "2026-11-24T09:30:00+5:00",
      "2026-11-24T09:30:00+24:00",
      "2026-11-24T09:30:00-05:00x",
      "2026-11-24X09:30:00Z",
      "2026-11-24T09:30:00 Z",
      "20a6-11-24T09:30:00Z",
      "2262-04-12T00:00:00Z",         // beyond int64 nanoseconds
  };
  for (const char* text : bad) {
    try {
      parse_iso8601(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("\"" + std::string(text) + "\""), std::string::npos)
          << e.what();
    }
  }
}

TEST(iso8601, formats_with_offsets_and_trimmed_fractions) {
  timestamp_ns t = 1795530600 * s;
  EXPECT_EQ(format_iso8601(t), "2026-11-24T14:30:00Z");
  EXPECT_EQ(format_iso8601(t, -300), "2026-11-24T09:30:00-05:00");
  EXPECT_EQ(format_iso8601(t, 330), "2026-11-24T20:00:00+05:30");
  EXPECT_EQ(format_iso8601(t + 120000000, -300), "2026-11-24T09:30:00.12-05:00");
  EXPECT_EQ(format_iso8601(t + 1), "2026-11-24T14:30:00.000000001Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_iso8601(0, -300), "1969-12-31T19:00:00-05:00");
  EXPECT_EQ(format_iso8601(INT64_MAX), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(format_iso8601(INT64_MIN), "1677-09-21T00:12:43.145224192Z");
  EXPECT_THROW(format_iso8601(0, 24 * 60), std::invalid_argument);
}

TEST(iso8601, format_then_parse_round_trips) {
  const int offsets[] = {0, -300, -240, 60, 330, -720, 840, 1439, -1439};
  uint64_t x = 7;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    timestamp_ns t = static_cast<timestamp_ns>(x); // the whole int64 range
    if (i % 3 == 0)
      t -= t % s; // whole seconds too
    int off = offsets[i % 9];
    std::string text = format_iso8601(t, off);
    ASSERT_EQ(parse_iso8601(text), t) << text;
  }
}

} // namespace
} // namespace engine
