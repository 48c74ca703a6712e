// The market data events journal: its framing, seq across reopenings, a torn tail, and what a
// feed through a dropped connection writes into it (connects, auth, disconnect, gaps).
#include "brokers/polygon/events_journal.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <set>
#include <sstream>

#include <simdjson.h>

#include "actors/journal/journal_format.hpp"
#include "brokers/polygon/feed.hpp"
#include "tests/polygon/fake_process.hpp"
#include "tests/polygon/feed_harness.hpp"

namespace engine::polygon {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in{path};
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

std::string fresh_path(const std::string& name) {
  auto dir = fs::path{::testing::TempDir()} / ("md-events-" + name);
  fs::remove_all(dir);
  return (dir / "market_data.events").string(); // the directory is made by the journal
}

TEST(market_data_events, lines_are_framed_verified_and_numbered_across_reopenings) {
  auto path = fresh_path("framing");
  {
    events_journal j{path};
    j.record("connecting", 100);
    j.record("disconnected", 200, [](json_writer& w) {
      w.key("reason");
      w.value(std::string{"closed by the server \"x\""});
    });
  }
  {
    events_journal j{path}; // a restart continues the numbering
    EXPECT_EQ(j.next_seq(), 3u);
    feed_gap g{"AAPL", 10, 20, *Price::parse("189.99"), *Price::parse("190.01"), 20, true};
    j.gap(g, 300);
  }
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 3u);
  std::vector<std::string> events;
  for (size_t i = 0; i < lines.size(); ++i) {
    parsed_record_line rec;
    std::string why;
    ASSERT_TRUE(parse_record_line(lines[i], rec, why)) << lines[i] << ": " << why;
    EXPECT_EQ(rec.seq, i + 1);
    events.emplace_back(rec.event);
  }
  EXPECT_EQ(events, (std::vector<std::string>{"connecting", "disconnected", "gap"}));
  EXPECT_NE(lines[2].find(R"("event":"gap","ticker":"AAPL","from":10,"to":20,)"
                          R"("snapshot_bid":"189.99","snapshot_ask":"190.01","snapshot_ts":20,)"
                          R"("used":true,"crc":")"),
            std::string::npos)
    << lines[2];
  simdjson::dom::parser p;
  auto doc = p.parse(lines[1]);
  ASSERT_FALSE(doc.error());
  EXPECT_EQ(std::string_view(doc["reason"]), "closed by the server \"x\"");
}

TEST(market_data_events, a_torn_last_line_is_cut_and_its_seq_reused) {
  auto path = fresh_path("torn");
  {
    events_journal j{path};
    j.record("connecting", 1);
    j.record("connected", 2);
  }
  { // a crash in the middle of the third line
    std::ofstream out{path, std::ios::app};
    out << R"({"seq":3,"ts":3,"event":"disconn)";
  }
  {
    events_journal j{path};
    EXPECT_EQ(j.next_seq(), 3u);
    j.record("disconnected", 4);
  }
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 3u);
  parsed_record_line rec;
  std::string why;
  ASSERT_TRUE(parse_record_line(lines[2], rec, why)) << lines[2] << ": " << why;
  EXPECT_EQ(rec.seq, 3u);
  EXPECT_EQ(rec.event, "disconnected");
}

TEST(market_data_events, an_unwritable_place_is_a_clear_error) {
  try {
    events_journal j{"/proc/self/no-such-dir/market_data.events"};
    FAIL() << "opened a journal where none can be";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find("cannot open the market data events journal"),
              std::string::npos)
      << e.what();
  }
}

// A feed through a dropped connection: the journal says how it went, gap by gap.
TEST(market_data_events, a_dropped_connection_is_journaled_with_its_gaps) {
  auto plan = test::fake_polygon_process::write_plan(
    ::testing::TempDir() + "polygon_events_drop.yaml",
    "seed: 1\nrules:\n  - kind: disconnect\n    at_s: 0.6\n    duration_ms: 200\n");
  test::fake_polygon_process fake{{"--rate", "300", "--faults", plan, "--key", "sekrit-key-123"}};
  auto path = fresh_path("feed");
  test::feed_recorder r;
  auto o = test::options_for(fake, "sekrit-key-123");
  o.journal = std::make_shared<events_journal>(path);
  {
    polygon_feed feed{o, r.callbacks()};
    r.feed = &feed;
    feed.start();
    ASSERT_TRUE(r.wait([&] { return r.count(feed_state::connected) >= 2 && r.gaps.size() >= 2; },
                       10000ms));
    feed.stop();
  }
  simdjson::dom::parser p;
  std::vector<std::string> events;
  auto lines = lines_of(path);
  for (auto& line : lines) {
    EXPECT_EQ(line.find("sekrit"), std::string::npos) << "the key is in the journal: " << line;
    parsed_record_line rec;
    std::string why;
    ASSERT_TRUE(parse_record_line(line, rec, why)) << line << ": " << why;
    events.emplace_back(rec.event);
  }
  // The order of a session: connect, auth, subscribe; the drop; the same again; the gaps.
  auto at = [&](const std::string& e, size_t from = 0) {
    auto it = std::find(events.begin() + static_cast<std::ptrdiff_t>(from), events.end(), e);
    return static_cast<size_t>(it - events.begin());
  };
  size_t c1 = at("connected");
  size_t d = at("disconnected", c1);
  size_t re = at("reconnecting", d);
  size_t a2 = at("auth_success", re);
  size_t c2 = at("connected", a2);
  size_t g = at("gap", c2);
  EXPECT_LT(at("connecting"), at("auth_success"));
  EXPECT_LT(at("auth_success"), c1);
  EXPECT_LT(c1, d);
  EXPECT_LT(d, re);
  EXPECT_LT(re, a2);
  EXPECT_LT(a2, c2);
  EXPECT_LT(c2, g);
  ASSERT_LT(g, events.size()) << "no gap journaled";
  EXPECT_EQ(events.back(), "stopped");
  // Each gap names its ticker, the span with no data, and the snapshot's prices.
  std::set<std::string> tickers;
  for (auto& line : lines) {
    if (line.find(R"("event":"gap")") == std::string::npos)
      continue;
    auto doc = p.parse(line);
    ASSERT_FALSE(doc.error()) << line;
    tickers.insert(std::string(std::string_view(doc["ticker"])));
    int64_t from = doc["from"], to = doc["to"];
    EXPECT_GT(from, 0) << line;
    EXPECT_GE(to, from) << line;
    auto bid = Price::parse(std::string_view(doc["snapshot_bid"]));
    auto ask = Price::parse(std::string_view(doc["snapshot_ask"]));
    ASSERT_TRUE(bid && ask) << line;
    EXPECT_LT(*bid, *ask) << line;
  }
  EXPECT_EQ(tickers, (std::set<std::string>{"AAPL", "MSFT"}));
  auto reconnecting = lines[re];
  EXPECT_NE(reconnecting.find(R"("attempt":1,"next_delay_ms":)"), std::string::npos)
    << reconnecting;
}

} // namespace
} // namespace engine::polygon
