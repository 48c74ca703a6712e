// Tests of session hours: US DST transitions, weekends, open/close boundaries, session days.
#include "actors/clock/session_calendar.hpp"

#include <gtest/gtest.h>

namespace engine {
namespace {

timestamp_ns at(const char* iso) {
  return parse_iso8601(iso);
}

session_config ny() {
  return session_config{}; // America/New_York, 09:30 to 16:00
}

// --- the US rule against tzdata --------------------------------------------------

struct dst_year {
  int year;
  int64_t start_utc_s; // EST -> EDT
  int64_t end_utc_s;   // EDT -> EST
};

// Computed with Python's zoneinfo (the IANA database), independent of our rule.
const dst_year tzdata_transitions[] = {
    {2007, 1173596400LL, 1194156000LL}, {2008, 1205046000LL, 1225605600LL},
    {2009, 1236495600LL, 1257055200LL}, {2010, 1268550000LL, 1289109600LL},
    {2011, 1299999600LL, 1320559200LL}, {2012, 1331449200LL, 1352008800LL},
    {2013, 1362898800LL, 1383458400LL}, {2014, 1394348400LL, 1414908000LL},
    {2015, 1425798000LL, 1446357600LL}, {2016, 1457852400LL, 1478412000LL},
    {2017, 1489302000LL, 1509861600LL}, {2018, 1520751600LL, 1541311200LL},
    {2019, 1552201200LL, 1572760800LL}, {2020, 1583650800LL, 1604210400LL},
    {2021, 1615705200LL, 1636264800LL}, {2022, 1647154800LL, 1667714400LL},
    {2023, 1678604400LL, 1699164000LL}, {2024, 1710054000LL, 1730613600LL},
    {2025, 1741503600LL, 1762063200LL}, {2026, 1772953200LL, 1793512800LL},
    {2027, 1805007600LL, 1825567200LL}, {2028, 1836457200LL, 1857016800LL},
    {2029, 1867906800LL, 1888466400LL}, {2030, 1899356400LL, 1919916000LL},
    {2031, 1930806000LL, 1951365600LL}, {2032, 1962860400LL, 1983420000LL},
    {2033, 1994310000LL, 2014869600LL}, {2034, 2025759600LL, 2046319200LL},
    {2035, 2057209200LL, 2077768800LL}, {2036, 2088658800LL, 2109218400LL},
    {2037, 2120108400LL, 2140668000LL}, {2038, 2152162800LL, 2172722400LL},
    {2039, 2183612400LL, 2204172000LL}, {2040, 2215062000LL, 2235621600LL},
};

TEST(session_calendar, new_york_offsets_match_tzdata_2007_to_2040) {
  session_calendar cal(ny());
  for (const auto& y : tzdata_transitions) {
    timestamp_ns start = y.start_utc_s * ns_per_second;
    timestamp_ns end = y.end_utc_s * ns_per_second;
    EXPECT_EQ(cal.utc_offset_minutes(start - 1), -300) << y.year;
    EXPECT_EQ(cal.utc_offset_minutes(start), -240) << y.year;
    EXPECT_EQ(cal.utc_offset_minutes(end - 1), -240) << y.year;
    EXPECT_EQ(cal.utc_offset_minutes(end), -300) << y.year;
  }
}

// --- a table of instants -----------------------------------------------------------

struct instant_case {
  const char* when;
  bool open;
  int64_t day;
  int offset;
  const char* next_open;
  const char* next_close;
};

TEST(session_calendar, new_york_table) {
  const instant_case cases[] = {
      // An ordinary Tuesday: open inclusive, close exclusive.
      {"2026-11-24T09:29:59.999999999-05:00", false, 20261124, -300,
       "2026-11-24T09:30:00-05:00", "2026-11-24T16:00:00-05:00"},
      {"2026-11-24T09:30:00-05:00", true, 20261124, -300, "2026-11-24T09:30:00-05:00",
       "2026-11-24T16:00:00-05:00"},
      {"2026-11-24T12:00:00-05:00", true, 20261124, -300, "2026-11-25T09:30:00-05:00",
       "2026-11-24T16:00:00-05:00"},
      {"2026-11-24T15:59:59.999999999-05:00", true, 20261124, -300,
       "2026-11-25T09:30:00-05:00", "2026-11-24T16:00:00-05:00"},
      {"2026-11-24T16:00:00-05:00", false, 20261124, -300, "2026-11-25T09:30:00-05:00",
       "2026-11-25T16:00:00-05:00"},
      // Late evening: still the local date, though UTC is already the next day.
      {"2026-11-24T23:59:59-05:00", false, 20261124, -300, "2026-11-25T09:30:00-05:00",
       "2026-11-25T16:00:00-05:00"},
      {"2026-11-25T00:00:00-05:00", false, 20261125, -300, "2026-11-25T09:30:00-05:00",
       "2026-11-25T16:00:00-05:00"},
      // Weekend: Friday close to Monday open.
      {"2026-11-27T16:00:00-05:00", false, 20261127, -300, "2026-11-30T09:30:00-05:00",
       "2026-11-30T16:00:00-05:00"},
      {"2026-11-28T12:00:00-05:00", false, 20261128, -300, "2026-11-30T09:30:00-05:00",
       "2026-11-30T16:00:00-05:00"},
      {"2026-11-29T10:00:00-05:00", false, 20261129, -300, "2026-11-30T09:30:00-05:00",
       "2026-11-30T16:00:00-05:00"},
      // Spring forward on Sunday 2026-03-08: Friday in EST, Monday in EDT.
      {"2026-03-06T09:30:00-05:00", true, 20260306, -300, "2026-03-06T09:30:00-05:00",
       "2026-03-06T16:00:00-05:00"},
      {"2026-03-06T16:00:00-05:00", false, 20260306, -300, "2026-03-09T09:30:00-04:00",
       "2026-03-09T16:00:00-04:00"},
      {"2026-03-08T01:59:59-05:00", false, 20260308, -300, "2026-03-09T09:30:00-04:00",
       "2026-03-09T16:00:00-04:00"},
      {"2026-03-08T03:00:00-04:00", false, 20260308, -240, "2026-03-09T09:30:00-04:00",
       "2026-03-09T16:00:00-04:00"},
      {"2026-03-09T09:29:59-04:00", false, 20260309, -240, "2026-03-09T09:30:00-04:00",
       "2026-03-09T16:00:00-04:00"},
      {"2026-03-09T13:30:00Z", true, 20260309, -240, "2026-03-09T13:30:00Z",
       "2026-03-09T20:00:00Z"},
      {"2026-03-09T14:30:00Z", true, 20260309, -240, "2026-03-10T13:30:00Z",
       "2026-03-09T20:00:00Z"},
      // Fall back on Sunday 2026-11-01: Friday in EDT, Monday in EST.
      {"2026-10-30T13:30:00Z", true, 20261030, -240, "2026-10-30T13:30:00Z",
       "2026-10-30T20:00:00Z"},
      {"2026-10-30T20:00:00Z", false, 20261030, -240, "2026-11-02T14:30:00Z",
       "2026-11-02T21:00:00Z"},
      {"2026-11-01T01:30:00-04:00", false, 20261101, -240, "2026-11-02T09:30:00-05:00",
       "2026-11-02T16:00:00-05:00"},
      {"2026-11-01T01:30:00-05:00", false, 20261101, -300, "2026-11-02T09:30:00-05:00",
       "2026-11-02T16:00:00-05:00"},
      {"2026-11-02T14:29:59Z", false, 20261102, -300, "2026-11-02T14:30:00Z",
       "2026-11-02T21:00:00Z"},
      {"2026-11-02T14:30:00Z", true, 20261102, -300, "2026-11-02T14:30:00Z",
       "2026-11-02T21:00:00Z"},
      {"2026-11-02T20:59:59Z", true, 20261102, -300, "2026-11-03T14:30:00Z",
       "2026-11-02T21:00:00Z"},
  };
  session_calendar cal(ny());
  for (const auto& c : cases) {
    timestamp_ns t = at(c.when);
    EXPECT_EQ(cal.is_open(t), c.open) << c.when;
    EXPECT_EQ(cal.session_day(t), c.day) << c.when;
    EXPECT_EQ(cal.utc_offset_minutes(t), c.offset) << c.when;
    EXPECT_EQ(cal.next_open(t), at(c.next_open)) << c.when;
    EXPECT_EQ(cal.next_close(t), at(c.next_close)) << c.when;
  }
}

TEST(session_calendar, minute_by_minute_agrees_with_local_clock_reading) {
  // Two weeks around each 2026 transition: open iff a weekday and the local
  // wall time (read through utc_offset_minutes) is in [09:30, 16:00).
  session_calendar cal(ny());
  for (const char* from : {"2026-03-01T00:00:00Z", "2026-10-25T00:00:00Z"}) {
    timestamp_ns t0 = at(from);
    for (timestamp_ns t = t0; t < t0 + 14 * ns_per_day; t += ns_per_minute) {
      timestamp_ns local = t + cal.utc_offset_minutes(t) * ns_per_minute;
      int64_t days = civil::floor_div(local, ns_per_day);
      int64_t minute = (local - days * ns_per_day) / ns_per_minute;
      int wd = civil::weekday(days);
      bool expected = wd != 0 && wd != 6 && minute >= 570 && minute < 960;
      ASSERT_EQ(cal.is_open(t), expected) << format_iso8601(t);
      timestamp_ns o = cal.next_open(t);
      timestamp_ns c = cal.next_close(t);
      ASSERT_GE(o, t);
      ASSERT_GT(c, t);
      ASSERT_TRUE(cal.is_open(o));
      ASSERT_FALSE(cal.is_open(c));
      ASSERT_TRUE(cal.is_open(c - 1));
      // Open now means the next close comes before the next open.
      ASSERT_EQ(cal.is_open(t), c < o || o == t) << format_iso8601(t);
    }
  }
}

TEST(session_calendar, closed_dates_are_skipped) {
  // Thanksgiving 2026 and the Friday after, as the caller's holiday list.
  session_calendar cal(ny(), {"2026-11-26", "2026-11-27"});
  EXPECT_FALSE(cal.is_open(at("2026-11-26T10:00:00-05:00")));
  EXPECT_FALSE(cal.is_trading_day(civil::days_from_date(2026, 11, 27)));
  EXPECT_EQ(cal.next_open(at("2026-11-25T16:00:00-05:00")), at("2026-11-30T09:30:00-05:00"));
  EXPECT_EQ(cal.next_close(at("2026-11-25T16:00:00-05:00")), at("2026-11-30T16:00:00-05:00"));
  EXPECT_EQ(cal.session_day(at("2026-11-26T10:00:00-05:00")), 20261126);
}

TEST(session_calendar, utc_and_fixed_offsets) {
  session_calendar utc(session_config{"UTC", 8 * 60, 16 * 60 + 30});
  EXPECT_EQ(utc.utc_offset_minutes(at("2026-07-01T00:00:00Z")), 0);
  EXPECT_TRUE(utc.is_open(at("2026-07-01T08:00:00Z")));
  EXPECT_FALSE(utc.is_open(at("2026-07-01T16:30:00Z")));
  EXPECT_EQ(utc.next_open(at("2026-07-03T17:00:00Z")), at("2026-07-06T08:00:00Z"));

  session_calendar india(session_config{"+05:30", 9 * 60 + 15, 15 * 60 + 30});
  EXPECT_EQ(india.utc_offset_minutes(at("2026-03-08T12:00:00Z")), 330);
  EXPECT_TRUE(india.is_open(at("2026-11-24T09:15:00+05:30")));
  EXPECT_FALSE(india.is_open(at("2026-11-24T09:14:59+05:30")));
  EXPECT_EQ(india.next_close(at("2026-11-24T03:44:00Z")), at("2026-11-24T15:30:00+05:30"));
  EXPECT_EQ(india.session_day(at("2026-11-23T19:00:00Z")), 20261124); // 00:30 local

  session_calendar west(session_config{"-08:00", 6 * 60 + 30, 13 * 60});
  EXPECT_EQ(west.session_day(at("2026-11-25T07:59:59Z")), 20261124);
  EXPECT_TRUE(west.is_open(at("2026-11-24T14:30:00Z")));

  session_calendar whole_day(session_config{"UTC", 0, 1440});
  EXPECT_TRUE(whole_day.is_open(at("2026-11-24T23:59:59Z")));
  EXPECT_EQ(whole_day.next_close(at("2026-11-24T12:00:00Z")), at("2026-11-25T00:00:00Z"));
}

TEST(session_calendar, dst_gap_and_overlap_local_times) {
  // A session starting at 02:30 local does not exist on 2026-03-08 (clocks
  // jump 02:00 -> 03:00) and happens twice on 2026-11-01.
  session_calendar cal(session_config{"America/New_York", 150, 600});
  EXPECT_EQ(cal.open_on(civil::days_from_date(2026, 3, 8)), at("2026-03-08T03:30:00-04:00"));
  EXPECT_EQ(cal.open_on(civil::days_from_date(2026, 11, 1)), at("2026-11-01T02:30:00-05:00"));
  session_calendar early(session_config{"America/New_York", 90, 600});
  EXPECT_EQ(early.open_on(civil::days_from_date(2026, 11, 1)), at("2026-11-01T01:30:00-04:00"));
}

TEST(session_calendar, rejects_bad_configuration) {
  for (const char* tz : {"Europe/London", "EST", "utc", "+5:30", "+24:00", "+05:60", "05:00",
                         "+05:30x", ""})
    EXPECT_THROW(session_calendar(session_config{tz, 570, 960}), std::invalid_argument) << tz;
  EXPECT_THROW(session_calendar(session_config{"UTC", 960, 570}), std::invalid_argument);
  EXPECT_THROW(session_calendar(session_config{"UTC", 600, 600}), std::invalid_argument);
  EXPECT_THROW(session_calendar(session_config{"UTC", -1, 600}), std::invalid_argument);
  EXPECT_THROW(session_calendar(session_config{"UTC", 0, 1441}), std::invalid_argument);
  for (const char* d : {"2026-13-01", "2026/11/26", "2026-02-29", "26-11-26", "2026-11-26 "})
    EXPECT_THROW(session_calendar(ny(), {d}), std::invalid_argument) << d;
}

} // namespace
} // namespace engine
