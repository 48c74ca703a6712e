// Runs execution-node on the default config and checks its report against the trade log, recomputed here.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "messages/codec.hpp"
#include "tests/nodes/journal_check.hpp"

using namespace engine;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string str(simdjson::dom::element e) { return std::string{std::string_view(e)}; }

Money money_of(simdjson::dom::element e) { return *Money::parse(str(e)); }

class ExecutionNode : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/engine-node-XXXXXX";
    dir = mkdtemp(tmpl);
    auto cfg = read_file(fs::path{ENGINE_SOURCE_DIR} / "config/app_config.yaml");
    auto at = cfg.find("dir: logs/execution");
    ASSERT_NE(at, std::string::npos) << "the default config names its journal dir";
    cfg.replace(at, std::string{"dir: logs/execution"}.size(), "dir: " + (dir / "journal").string());
    std::ofstream{dir / "config.yaml"} << cfg;
  }
  void TearDown() override { fs::remove_all(dir); }

  int run(const std::string& extra) {
    auto cmd = std::string{ENGINE_BINARY_DIR} + "/nodes/execution-node --config "
               + (dir / "config.yaml").string() + " --report " + (dir / "report.json").string()
               + " --log-level warn " + extra + " > " + (dir / "out.txt").string() + " 2>&1";
    return std::system(cmd.c_str());
  }

  fs::path dir;
};

} // namespace

TEST_F(ExecutionNode, DefaultConfigReportMatchesTheTradeLogExactly) {
  ASSERT_EQ(run("--duration 120"), 0) << read_file(dir / "out.txt");
  auto out = read_file(dir / "out.txt");
  EXPECT_NE(out.find("=== run summary ==="), std::string::npos) << out;

  // The books recomputed from the journal's fills alone must equal the report.
  auto initial = *Money::parse("100000");
  auto books = engine::testing::recompute(dir / "journal", initial);
  ASSERT_GT(books.fills, 50) << "the sample strategies trade during the day";
  for (auto& id : books.exec_ids)
    EXPECT_EQ(books.exec_ids.count(id), 1u) << "fill " << id << " is journaled twice";
  engine::testing::expect_report_matches(dir / "report.json", books, initial);

  simdjson::dom::parser parser;
  auto root = parser.load((dir / "report.json").string()).value();
  EXPECT_EQ(int64_t(root["metrics"]["daily_trades"]), books.fills);
  EXPECT_EQ(money_of(root["metrics"]["daily_commission"]), books.commission);
  // realized + unrealized - commissions = total P&L, exactly.
  EXPECT_EQ(money_of(root["metrics"]["realized_pnl"]) + money_of(root["metrics"]["unrealized_pnl"])
              - books.commission,
            money_of(root["metrics"]["total_pnl"]));
  auto orders = root["orders"];
  EXPECT_EQ(int64_t(orders["submitted"]),
            int64_t(orders["filled"]) + int64_t(orders["canceled"]) + int64_t(orders["rejected"])
              + int64_t(orders["expired"]) + int64_t(orders["open"]));
}

TEST_F(ExecutionNode, SameSeedSameReport) {
  ASSERT_EQ(run(""), 0) << read_file(dir / "out.txt");
  auto first = read_file(dir / "report.json");
  fs::remove_all(dir / "journal");
  ASSERT_EQ(run(""), 0) << read_file(dir / "out.txt");
  EXPECT_EQ(read_file(dir / "report.json"), first);
}

TEST_F(ExecutionNode, BadConfigStopsWithFileLineAndKey) {
  std::ofstream{dir / "bad.yaml"} << "execution:\n  slippage_bps: -5\n";
  auto cmd = std::string{ENGINE_BINARY_DIR} + "/nodes/execution-node --config "
             + (dir / "bad.yaml").string() + " > " + (dir / "out.txt").string() + " 2>&1";
  auto rc = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  auto out = read_file(dir / "out.txt");
  EXPECT_NE(out.find((dir / "bad.yaml").string() + ":2: execution.slippage_bps:"), std::string::npos)
    << out;
}

TEST_F(ExecutionNode, SigtermShutsDownCleanlyWithAReport) {
  // A wall-clock run would last all day: SIGTERM must end it with a summary.
  auto cfg = read_file(dir / "config.yaml");
  auto at = cfg.find("kind: simulated");
  ASSERT_NE(at, std::string::npos);
  cfg.replace(at, std::string{"kind: simulated"}.size(), "kind: wall     ");
  std::ofstream{dir / "config.yaml", std::ios::trunc} << cfg;
  auto cmd = std::string{"timeout --preserve-status -s TERM 3 "} + ENGINE_BINARY_DIR + "/nodes/execution-node --config "
             + (dir / "config.yaml").string() + " --report " + (dir / "report.json").string()
             + " --log-level warn > " + (dir / "out.txt").string() + " 2>&1";
  auto rc = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 0) << read_file(dir / "out.txt");
  EXPECT_NE(read_file(dir / "out.txt").find("=== run summary ==="), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "report.json"));
}

TEST_F(ExecutionNode, DamagedJournalLineStopsTheStartUnlessRecover) {
  ASSERT_EQ(run(""), 0) << read_file(dir / "out.txt");
  // Flip a byte in the middle of the order book: its checksum no longer matches.
  fs::path book;
  for (auto& e : fs::directory_iterator(dir / "journal"))
    if (e.path().filename().string().rfind("order_book.", 0) == 0)
      book = e.path();
  ASSERT_FALSE(book.empty());
  auto text = read_file(book);
  auto second_line = text.find('\n') + 1;
  auto at = text.find("\"ticker\":\"", second_line);
  ASSERT_NE(at, std::string::npos);
  text[at + 10] = text[at + 10] == 'X' ? 'Y' : 'X';
  std::ofstream{book, std::ios::trunc} << text;

  auto rc = run("");
  EXPECT_EQ(WEXITSTATUS(rc), 3);
  auto out = read_file(dir / "out.txt");
  EXPECT_NE(out.find(book.string() + ":2:"), std::string::npos) << out;
  EXPECT_NE(out.find("--recover"), std::string::npos) << out;

  ASSERT_EQ(run("--recover"), 0) << read_file(dir / "out.txt");
  EXPECT_NE(read_file(dir / "out.txt").find("quarantine"), std::string::npos)
    << read_file(dir / "out.txt");
  bool quarantined = false;
  for (auto& e : fs::directory_iterator(dir / "journal"))
    quarantined |= e.path().extension() == ".quarantine";
  EXPECT_TRUE(quarantined);
}
