// The record line and the segment names: the journal's public on-disk contract.
#include "actors/journal/journal_format.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "actors/journal/crc32c.hpp"

using namespace engine;

namespace {

std::string crc_hex(std::string_view covered) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", crc32c(covered));
  return buf;
}

} // namespace

TEST(JournalFormat, RecordLineIsExactlyTheDocumentedBytes) {
  std::string out;
  append_record_line(out, 42, 1700000000123456789, "accepted", R"("order_id":"O-1","qty":"5")");
  std::string covered =
    R"({"seq":42,"ts":1700000000123456789,"event":"accepted","order_id":"O-1","qty":"5")";
  EXPECT_EQ(out, covered + ",\"crc\":\"" + crc_hex(covered) + "\"}\n");
}

TEST(JournalFormat, RecordWithoutFieldsAndNegativeTs) {
  std::string out;
  append_record_line(out, 1, -5, "expired", "");
  std::string covered = R"({"seq":1,"ts":-5,"event":"expired")";
  EXPECT_EQ(out, covered + ",\"crc\":\"" + crc_hex(covered) + "\"}\n");
  parsed_record_line h;
  std::string why;
  ASSERT_TRUE(parse_record_line(std::string_view{out}.substr(0, out.size() - 1), h, why)) << why;
  EXPECT_EQ(h.seq, 1u);
  EXPECT_EQ(h.ts, -5);
  EXPECT_EQ(h.event, "expired");
}

TEST(JournalFormat, ParseRoundTripsExtremes) {
  struct row {
    uint64_t seq;
    int64_t ts;
  };
  const row rows[] = {{1, 0}, {UINT64_MAX, INT64_MAX}, {7, INT64_MIN}, {1000000, 1}};
  for (const auto& r : rows) {
    std::string out;
    append_record_line(out, r.seq, r.ts, "fill", R"("x":1)");
    out.pop_back();
    parsed_record_line h;
    std::string why;
    ASSERT_TRUE(parse_record_line(out, h, why)) << why << " in " << out;
    EXPECT_EQ(h.seq, r.seq);
    EXPECT_EQ(h.ts, r.ts);
    EXPECT_EQ(h.event, "fill");
  }
}

TEST(JournalFormat, ParseRejectsWithAReason) {
  std::string good;
  append_record_line(good, 9, 10, "routed", R"("a":"b")");
  good.pop_back();
  auto with_crc = [](std::string covered) {
    return covered + ",\"crc\":\"" + crc_hex(covered) + "\"}";
  };
  auto flipped = good;
  flipped[20] = static_cast<char>(flipped[20] ^ 0x01);
  struct row {
    std::string line;
    std::string reason;
  };
  const std::vector<row> rows = {
    {"", "too short"},
    {"{\"seq\":9", "too short"},
    {good.substr(0, good.size() - 1), "no crc"},
    {flipped, "crc mismatch"},
    {good.substr(0, good.size() - 10) + "ABCDEF01\"}", "lowercase hex"},
    {with_crc(R"({"seq":0,"ts":1,"event":"x")"), "\"seq\""},
    {with_crc(R"({"seq":01,"ts":1,"event":"x")"), "\"seq\""},
    {with_crc(R"({"ts":1,"seq":2,"event":"x")"), "\"seq\""},
    {with_crc(R"({"seq":2,"event":"x","ts":1)"), "\"ts\""},
    {with_crc(R"({"seq":2,"ts":99999999999999999999,"event":"x")"), "\"ts\""},
    {with_crc(R"({"seq":2,"ts":1,"evt":"x")"), "\"event\""},
    {with_crc(R"({"seq":2,"ts":1,"event":"a b")"), "plain name"},
    {with_crc(R"({"seq":2,"ts":1,"event":"")"), "plain name"},
    {with_crc(R"({"seq":2,"ts":1,"event":"x"junk)"), "junk"},
  };
  for (const auto& r : rows) {
    parsed_record_line h;
    std::string why;
    EXPECT_FALSE(parse_record_line(r.line, h, why)) << r.line;
    EXPECT_NE(why.find(r.reason), std::string::npos) << "'" << why << "' for " << r.line;
  }
}

TEST(JournalFormat, PeekSeqOfDamagedLines) {
  EXPECT_EQ(peek_record_seq(R"({"seq":123,"ts":4)"), 123u);
  EXPECT_EQ(peek_record_seq(R"({"seq":123)"), 0u); // the number may be cut
  EXPECT_EQ(peek_record_seq("\0\0\0"), 0u);
  EXPECT_EQ(peek_record_seq(""), 0u);
}

TEST(JournalFormat, SegmentNames) {
  EXPECT_EQ(segment_file_name(journal_stream::order_book, 1, 0), "order_book.000001.jsonl");
  EXPECT_EQ(segment_file_name(journal_stream::trade_log, 12, 20240115),
            "trade_log.000012.20240115.jsonl");
  EXPECT_EQ(segment_file_name(journal_stream::trade_log, 1234567, 0), "trade_log.1234567.jsonl");
  struct row {
    std::string name;
    bool ok;
    journal_stream stream;
    uint64_t index;
    int64_t day;
  };
  const row rows[] = {
    {"order_book.000001.jsonl", true, journal_stream::order_book, 1, 0},
    {"trade_log.000012.20240115.jsonl", true, journal_stream::trade_log, 12, 20240115},
    {"trade_log.1234567.jsonl", true, journal_stream::trade_log, 1234567, 0},
    {"order_book.jsonl", false, {}, 0, 0},
    {"order_book.01.jsonl", false, {}, 0, 0},
    {"order_book.000001.jsonl.torn-5", false, {}, 0, 0},
    {"order_book.000001.jsonl.quarantine", false, {}, 0, 0},
    {"order_book.000001.jsonl.rewrite", false, {}, 0, 0},
    {"order_book.000001.2024011.jsonl", false, {}, 0, 0},
    {"positions.000001.jsonl", false, {}, 0, 0},
    {"order_book.00000x.jsonl", false, {}, 0, 0},
  };
  for (const auto& r : rows) {
    journal_segment seg;
    EXPECT_EQ(parse_segment_file_name(r.name, seg), r.ok) << r.name;
    if (r.ok) {
      EXPECT_EQ(seg.stream, r.stream) << r.name;
      EXPECT_EQ(seg.index, r.index) << r.name;
      EXPECT_EQ(seg.day, r.day) << r.name;
    }
  }
}

TEST(JournalFormat, EventNames) {
  EXPECT_TRUE(valid_event_name("cancel_requested"));
  EXPECT_TRUE(valid_event_name("fill"));
  EXPECT_FALSE(valid_event_name(""));
  EXPECT_FALSE(valid_event_name("a\"b"));
  EXPECT_FALSE(valid_event_name("a\\b"));
  EXPECT_FALSE(valid_event_name("new order"));
}

// The header's and the fast decoder's integer scanner (eight digits at a time)
// against std::from_chars, at every length and the 64-bit edge.
TEST(ScanUint, AgreesWithFromCharsAndRejectsLeadingZerosAndOverflow) {
  std::vector<std::string> valid = {"0", "7", "42", "12345678", "123456789", "1234567890123456",
                                    "12345678901234567", "1764000000123456789",
                                    "9999999999999999999", "10000000000000000000",
                                    "18446744073709551615"};
  for (const auto& text : valid) {
    for (const char* tail : {"", ",", "}", ",\"ts\":5"}) {
      std::string s = text + tail;
      size_t pos = 0;
      uint64_t got = 0;
      ASSERT_TRUE(scan_uint(s, pos, got)) << s;
      uint64_t want = 0;
      std::from_chars(text.data(), text.data() + text.size(), want);
      EXPECT_EQ(got, want) << s;
      EXPECT_EQ(pos, text.size()) << s;
    }
    // Not at the start of the string, too.
    std::string s = "{\"seq\":" + text + ",";
    size_t pos = 7;
    uint64_t got = 0;
    ASSERT_TRUE(scan_uint(s, pos, got)) << s;
    EXPECT_EQ(pos, 7 + text.size());
  }
  for (const char* bad : {"", "x", ",", "01", "00", "0123456789012345678",
                          "18446744073709551616", "99999999999999999999",
                          "123456789012345678901", "-1"}) {
    size_t pos = 0;
    uint64_t got = 0;
    EXPECT_FALSE(scan_uint(bad, pos, got)) << bad;
    EXPECT_EQ(pos, 0u) << bad;
  }
}
