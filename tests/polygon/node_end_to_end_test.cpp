// execution-node on config/examples/polygon_fake.yaml against a started fake-polygon: quotes reach
// the strategy and the simulator; a bad key exits 2; a recorded session replays to identical reports.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include <simdjson.h>

#include "tests/polygon/fake_process.hpp"

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

class PolygonNode : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/engine-polygon-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir); }

  /// The example config pointed at this fake, with its own journal (and optionally a recording).
  void write_live_config(int port, const std::string& key, const std::string& record) {
    auto cfg = read_file(fs::path{ENGINE_SOURCE_DIR} / "config/examples/polygon_fake.yaml");
    ASSERT_NE(cfg.find("127.0.0.1:8765"), std::string::npos);
    replace_all(cfg, "127.0.0.1:8765", "127.0.0.1:" + std::to_string(port));
    replace_all(cfg, "api_key: fake-key", "api_key: " + key);
    replace_all(cfg, "dir: logs/polygon-fake", "dir: " + (dir / "journal-live").string());
    if (!record.empty())
      replace_all(cfg, "  # record: logs/polygon-fake/quotes.csv", "  record: " + record);
    std::ofstream{dir / "live.yaml"} << cfg;
  }

  /// Runs execution-node; returns its exit code.
  int run(const std::string& config, const std::string& report, const std::string& extra) {
    auto cmd = std::string{ENGINE_BINARY_DIR} + "/nodes/execution-node --config " +
               (dir / config).string() + " --report " + (dir / report).string() +
               " --log-level warn " + extra + " > " + (dir / (config + ".out")).string() + " 2>&1";
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }

  fs::path dir;
};

TEST_F(PolygonNode, LiveQuotesReachTheStrategyAndTheSimulator) {
  engine::test::fake_polygon_process fake{{"--rate", "200", "--tickers", "AAPL,MSFT"}};
  write_live_config(fake.port(), "fake-key", "");
  ASSERT_EQ(run("live.yaml", "live.json", "--duration 5"), 0) << read_file(dir / "live.yaml.out");
  auto text = read_file(dir / "live.json");
  simdjson::dom::parser p;
  auto doc = p.parse(text);
  ASSERT_FALSE(doc.error()) << text;
  auto md = doc["market_data"];
  ASSERT_FALSE(md.error()) << "no market_data in the report: " << text;
  EXPECT_EQ(std::string_view(md["source"]), "polygon");
  EXPECT_GT(uint64_t(md["quotes"]), 200u) << text;
  EXPECT_EQ(uint64_t(md["reconnects"]), 0u);
  // random_orders sends about 2 orders a second once it has quotes for its tickers.
  EXPECT_GT(uint64_t(doc["orders"]["submitted"]), 0u) << text;
  auto out = read_file(dir / "live.yaml.out");
  EXPECT_NE(out.find("data connected"), std::string::npos) << "status line: " << out;
}

TEST_F(PolygonNode, FailedAuthenticationExitsWithCode2) {
  engine::test::fake_polygon_process fake{{"--key", "right-key", "--rate", "50"}};
  write_live_config(fake.port(), "wrong-key", "");
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(run("live.yaml", "live.json", "--duration 20"), 2) << read_file(dir / "live.yaml.out");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15))
    << "the start stops at once, not at the end of --duration";
  auto out = read_file(dir / "live.yaml.out");
  EXPECT_NE(out.find("authentication failed"), std::string::npos) << out;
  EXPECT_EQ(out.find("wrong-key"), std::string::npos) << "the key leaked: " << out;
}

TEST_F(PolygonNode, RecordedSessionReplaysToByteIdenticalReports) {
  engine::test::fake_polygon_process fake{{"--rate", "200", "--tickers", "AAPL,MSFT"}};
  auto recording = (dir / "quotes.csv").string();
  write_live_config(fake.port(), "fake-key", recording);
  ASSERT_EQ(run("live.yaml", "live.json", "--duration 4"), 0) << read_file(dir / "live.yaml.out");
  ASSERT_GT(read_file(recording).size(), 1000u);
  // The same strategy on the recording, in simulated time, twice, each with a fresh journal.
  for (const char* name : {"replay1", "replay2"}) {
    auto cfg = read_file(fs::path{ENGINE_SOURCE_DIR} / "config/examples/polygon_fake.yaml");
    auto md = cfg.find("clock:");
    auto st = cfg.find("strategies:");
    ASSERT_NE(md, std::string::npos);
    ASSERT_NE(st, std::string::npos);
    cfg.replace(md, st - md,
                "clock:\n  kind: simulated\n  speed: 0\n  start: \"2000-01-03T09:30:00-05:00\"\n"
                "market_data:\n  source: csv\n  csv:\n    quotes: " + recording + "\n"
                "    on_error: stop\n");
    replace_all(cfg, "dir: logs/polygon-fake", "dir: " + (dir / (std::string(name) + "-journal")).string());
    std::ofstream{dir / (std::string(name) + ".yaml")} << cfg;
    ASSERT_EQ(run(std::string(name) + ".yaml", std::string(name) + ".json", "--duration 60"), 0)
      << read_file(dir / (std::string(name) + ".yaml.out"));
  }
  auto a = read_file(dir / "replay1.json");
  auto b = read_file(dir / "replay2.json");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  simdjson::dom::parser p;
  auto doc = p.parse(a);
  ASSERT_FALSE(doc.error());
  EXPECT_GT(uint64_t(doc["orders"]["submitted"]), 0u) << a;
}

} // namespace
