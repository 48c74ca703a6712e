// Every IB time format to UTC nanoseconds, across daylight-saving changes; a fill is never
// dropped for its time.
#include "brokers/ibkr/ib_time.hpp"

#include <gtest/gtest.h>

#include "actors/clock/iso8601.hpp"

using namespace engine;
using namespace engine::ibkr;

namespace {

timestamp_ns utc(int y, int mo, int d, int h, int mi, int s) {
  return civil::days_from_date(y, mo, d) * ns_per_day +
         (h * 3600LL + mi * 60LL + s) * ns_per_second;
}

struct time_case {
  const char* text;
  const char* local_zone;
  timestamp_ns expected;
};

TEST(ibkr_time, every_format) {
  const time_case cases[] = {
    // With a zone name (TWS 10.x): winter and summer in New York.
    {"20240115 10:30:00 US/Eastern", "UTC", utc(2024, 1, 15, 15, 30, 0)},
    {"20240715 10:30:00 US/Eastern", "UTC", utc(2024, 7, 15, 14, 30, 0)},
    {"20240715 10:30:00 America/New_York", "UTC", utc(2024, 7, 15, 14, 30, 0)},
    {"20240715 09:30:00 US/Central", "UTC", utc(2024, 7, 15, 14, 30, 0)},
    {"20240715 07:30:00 America/Los_Angeles", "UTC", utc(2024, 7, 15, 14, 30, 0)},
    {"20240715 14:30:00 UTC", "America/New_York", utc(2024, 7, 15, 14, 30, 0)},
    {"20240715 14:30:00 GMT", "America/New_York", utc(2024, 7, 15, 14, 30, 0)},
    // IB's "EST" names the Eastern zone, daylight time included.
    {"20240115 10:30:00 EST", "UTC", utc(2024, 1, 15, 15, 30, 0)},
    {"20240715 10:30:00 EST", "UTC", utc(2024, 7, 15, 14, 30, 0)},
    {"20240715 16:30:00 Europe/Berlin", "UTC", utc(2024, 7, 15, 14, 30, 0)},
    {"20240115 16:30:00 MET", "UTC", utc(2024, 1, 15, 15, 30, 0)},
    {"20240715 15:30:00 Europe/London", "UTC", utc(2024, 7, 15, 14, 30, 0)},
    {"20240715 22:30:00 Asia/Hong_Kong", "UTC", utc(2024, 7, 15, 14, 30, 0)},
    {"20240715 10:30:00 -04:00", "UTC", utc(2024, 7, 15, 14, 30, 0)},
    // The dash form is UTC whatever the local zone.
    {"20240715-14:30:00", "America/New_York", utc(2024, 7, 15, 14, 30, 0)},
    // No zone: the configured local zone (TWS's setting); TWS pads with two spaces.
    {"20240715  10:30:00", "America/New_York", utc(2024, 7, 15, 14, 30, 0)},
    {"20240715 10:30:00", "America/New_York", utc(2024, 7, 15, 14, 30, 0)},
    {"20240115 10:30:00", "America/New_York", utc(2024, 1, 15, 15, 30, 0)},
    {"20240715 10:30:00", "UTC", utc(2024, 7, 15, 10, 30, 0)},
    {"  20240715 10:30:00 US/Eastern  ", "UTC", utc(2024, 7, 15, 14, 30, 0)},
    // Epoch seconds.
    {"1721053800", "UTC", 1721053800LL * ns_per_second},
    // US daylight time 2024: from 2024-03-10 02:00 EST (07:00Z) to 2024-11-03 02:00 EDT (06:00Z).
    {"20240310 01:59:59 US/Eastern", "UTC", utc(2024, 3, 10, 6, 59, 59)},
    {"20240310 03:00:00 US/Eastern", "UTC", utc(2024, 3, 10, 7, 0, 0)},
    {"20240310 02:30:00 US/Eastern", "UTC", utc(2024, 3, 10, 7, 30, 0)}, // the gap: standard
    {"20241103 01:30:00 US/Eastern", "UTC", utc(2024, 11, 3, 5, 30, 0)}, // overlap: earlier
    {"20241103 02:30:00 US/Eastern", "UTC", utc(2024, 11, 3, 7, 30, 0)},
    // EU summer time 2024: 2024-03-31 01:00Z to 2024-10-27 01:00Z.
    {"20240331 01:30:00 Europe/Berlin", "UTC", utc(2024, 3, 31, 0, 30, 0)},
    {"20240331 03:30:00 Europe/Berlin", "UTC", utc(2024, 3, 31, 1, 30, 0)},
    {"20241027 03:30:00 Europe/Berlin", "UTC", utc(2024, 10, 27, 2, 30, 0)},
    {"20240330 12:00:00 Europe/London", "UTC", utc(2024, 3, 30, 12, 0, 0)},
    {"20240401 12:00:00 Europe/London", "UTC", utc(2024, 4, 1, 11, 0, 0)},
  };
  for (const auto& c : cases) {
    auto t = parse_ib_time(c.text, c.local_zone);
    ASSERT_TRUE(t.has_value()) << c.text;
    EXPECT_EQ(*t, c.expected) << c.text << " in " << c.local_zone;
  }
}

TEST(ibkr_time, unreadable_times_fall_back_to_the_receive_time) {
  const char* bad[] = {"",
                       "hello",
                       "20240715 10:30:00 Mars/Olympus",
                       "20241315 10:30:00",
                       "20240230 10:30:00",
                       "20240715 25:30:00",
                       "20240715T"};
  for (const char* b : bad) {
    EXPECT_FALSE(parse_ib_time(b, "UTC").has_value()) << b;
    auto e = exec_time_or(b, "UTC", 42);
    EXPECT_TRUE(e.fallback) << b;
    EXPECT_EQ(e.utc_ns, 42) << b;
  }
  auto ok = exec_time_or("20240715-14:30:00", "UTC", 42);
  EXPECT_FALSE(ok.fallback);
  EXPECT_EQ(ok.utc_ns, utc(2024, 7, 15, 14, 30, 0));
}

TEST(ibkr_time, formats_round_trip) {
  timestamp_ns t = utc(2024, 7, 15, 14, 30, 5);
  EXPECT_EQ(format_utc_dash(t), "20240715-14:30:05");
  EXPECT_EQ(format_local(t, "America/New_York", true), "20240715 10:30:05 America/New_York");
  EXPECT_EQ(format_local(utc(2024, 1, 15, 14, 30, 5), "US/Eastern", false), "20240115 09:30:05");
  for (const char* zone : {"UTC", "US/Eastern", "Europe/Berlin", "Asia/Hong_Kong"}) {
    EXPECT_EQ(*parse_ib_time(format_local(t, zone, true), "UTC"), t) << zone;
    EXPECT_EQ(*parse_ib_time(format_local(t, zone, false), zone), t) << zone;
  }
  EXPECT_EQ(*parse_ib_time(format_utc_dash(t), "Asia/Tokyo"), t);
  EXPECT_EQ(utc_offset_minutes("US/Eastern", t), -240);
  EXPECT_EQ(utc_offset_minutes("US/Eastern", utc(2024, 1, 1, 0, 0, 0)), -300);
  EXPECT_FALSE(utc_offset_minutes("Nowhere/Land", t).has_value());
  EXPECT_TRUE(known_zone("America/Chicago"));
  EXPECT_FALSE(known_zone("America/Nowhere"));
}

} // namespace
