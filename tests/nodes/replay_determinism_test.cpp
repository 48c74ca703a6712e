// The lock step to the end of a run: config/examples/csv_replay.yaml run several times beside CPU
// load journals byte for byte the same (issue 17 item 7).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replace_once(std::string& text, const std::string& what, const std::string& with) {
  auto at = text.find(what);
  ASSERT_NE(at, std::string::npos) << "csv_replay.yaml has no '" << what << "'";
  text.replace(at, what.size(), with);
}

/// Busy threads beside the runs: with both cores taken, actors' messages interleave in the
/// orders a quiet machine never shows. Each stops when told, or after `limit` anyway.
class cpu_load {
public:
  cpu_load(int threads, std::chrono::seconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    for (int i = 0; i < threads; ++i)
      workers_.emplace_back([this, until] {
        volatile uint64_t x = 0;
        while (!stop_.load(std::memory_order_relaxed) && std::chrono::steady_clock::now() < until)
          for (int k = 0; k < 100000; ++k)
            x = x + k;
      });
  }
  ~cpu_load() {
    stop_ = true;
    for (auto& t : workers_)
      t.join();
  }

private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
};

class ReplayDeterminism : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/engine-replay-XXXXXX";
    dir = mkdtemp(tmpl);
    config = read_file(fs::path{ENGINE_SOURCE_DIR} / "config/examples/csv_replay.yaml");
    replace_once(config, "quotes: config/data/sample_quotes.csv",
                 "quotes: " + (fs::path{ENGINE_SOURCE_DIR} / "config/data/sample_quotes.csv").string());
  }
  void TearDown() override { fs::remove_all(dir); }

  /// Runs the replay with its journal in run<i>/journal; returns the exit code.
  int run(int i) {
    auto run_dir = dir / ("run" + std::to_string(i));
    fs::create_directories(run_dir);
    auto cfg = config;
    auto at = cfg.find("dir: logs/csv-replay");
    if (at == std::string::npos)
      return -1;
    cfg.replace(at, std::string{"dir: logs/csv-replay"}.size(), "dir: " + (run_dir / "journal").string());
    std::ofstream{run_dir / "config.yaml"} << cfg;
    auto cmd = std::string{ENGINE_BINARY_DIR} + "/nodes/execution-node --config "
               + (run_dir / "config.yaml").string() + " --report " + (run_dir / "report.json").string()
               + " --log-level warn > " + (run_dir / "out.txt").string() + " 2>&1";
    return std::system(cmd.c_str());
  }

  /// Every journal file of run i, by name.
  std::vector<std::pair<std::string, std::string>> journals(int i) {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& e : fs::directory_iterator(dir / ("run" + std::to_string(i)) / "journal"))
      if (e.path().extension() == ".jsonl")
        out.emplace_back(e.path().filename().string(), read_file(e.path()));
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir;
  std::string config;
};

} // namespace

TEST_F(ReplayDeterminism, CsvReplayJournalsAreByteIdenticalUnderCpuLoad) {
  // Before the end of a run went through the lock step, a third of the runs under load
  // journaled the last acknowledgements and cancel requests in another order: eight runs
  // show it almost surely, in a few seconds.
  constexpr int runs = 8;
  cpu_load load{2, std::chrono::seconds(90)};
  ASSERT_EQ(run(0), 0) << read_file(dir / "run0" / "out.txt");
  auto first = journals(0);
  auto first_report = read_file(dir / "run0" / "report.json");
  ASSERT_EQ(first.size(), 2u) << "an order book and a trade log";
  ASSERT_GT(first[0].second.size(), 10000u) << "the replay journals its orders";
  for (int i = 1; i < runs; ++i) {
    ASSERT_EQ(run(i), 0) << read_file(dir / ("run" + std::to_string(i)) / "out.txt");
    auto again = journals(i);
    ASSERT_EQ(again.size(), first.size()) << "run " << i;
    for (size_t f = 0; f < first.size(); ++f) {
      EXPECT_EQ(again[f].first, first[f].first) << "run " << i;
      // Not EXPECT_EQ on the text: half a megabyte printed would hide where they part.
      auto& a = first[f].second;
      auto& b = again[f].second;
      auto part = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
      EXPECT_TRUE(part.first == a.end() && part.second == b.end())
        << "run " << i << ": " << first[f].first << " differs from run 0 at byte "
        << (part.first - a.begin()) << ": ..."
        << std::string(part.first, std::min(part.first + 160, a.end())) << " vs ..."
        << std::string(part.second, std::min(part.second + 160, b.end()));
    }
    EXPECT_EQ(read_file(dir / ("run" + std::to_string(i)) / "report.json"), first_report)
      << "run " << i;
  }
}
