// SIGKILL execution-node at random moments, 20 times on one journal: nothing acknowledged is lost,
// no fill is journaled twice, and the books after replay equal what the trade log adds up to.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "actors/journal/journal_recovery.hpp"
#include "tests/nodes/journal_check.hpp"

using namespace engine;
using namespace engine::testing;
namespace fs = std::filesystem;

namespace {

pid_t spawn_node(const fs::path& config, const fs::path& out, const std::string& extra) {
  pid_t pid = fork();
  if (pid == 0) {
    auto cmd = std::string{"exec "} + ENGINE_BINARY_DIR + "/nodes/execution-node --config "
               + config.string() + " --print-acks --log-level error " + extra + " > "
               + out.string() + " 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

} // namespace

TEST(CrashLoop, KilledTwentyTimesLosesNothingAcknowledged) {
  char tmpl[] = "/tmp/engine-crash-XXXXXX";
  fs::path dir = mkdtemp(tmpl);
  auto cfg = read_text(fs::path{ENGINE_SOURCE_DIR} / "config/app_config.yaml");
  replace_once(cfg, "dir: logs/execution", "dir: " + (dir / "journal").string());
  replace_once(cfg, "fsync: batch", "fsync: always");
  replace_once(cfg, "orders_per_second: 0.03", "orders_per_second: 5");
  replace_once(cfg, "max_daily_trades: 1000", "max_daily_trades: 1000000");
  replace_once(cfg, "max_orders_per_second: 50", "max_orders_per_second: 0");
  std::ofstream{dir / "config.yaml"} << cfg;

  // Kill moments from a seeded generator: varied, but the same every run of the test.
  std::mt19937 rng{20261125};
  std::uniform_int_distribution<int> delay_ms{150, 700};
  std::set<std::string> acked;
  constexpr int kills = 20;
  for (int i = 0; i < kills; ++i) {
    auto out = dir / ("run" + std::to_string(i) + ".out");
    auto pid = spawn_node(dir / "config.yaml", out, "");
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    // What the client was told before the kill.
    std::istringstream lines{read_text(out)};
    std::string tag, cid, oid;
    while (lines >> tag) {
      if (tag == "ACK" && lines >> cid >> oid)
        acked.insert(oid);
      else
        std::getline(lines, tag);
    }
  }
  ASSERT_GT(acked.size(), 20u) << "the runs must have accepted orders before being killed";

  // Every acknowledged order is in the journal, which replays (torn tails are cut).
  auto rec = recover_journal((dir / "journal").string(), false);
  std::set<std::string> journaled;
  for (auto& o : rec.orders)
    if (o.quantity.is_positive()) // from its "accepted" record
      journaled.insert(o.order_id);
  for (auto& id : acked)
    EXPECT_TRUE(journaled.count(id)) << id << " was acknowledged but is not in the journal";
  std::cout << "[crash loop] " << kills << " kills, " << acked.size() << " orders acknowledged, "
            << rec.summary.records << " records replayed, " << rec.summary.torn
            << " torn tails cut, " << rec.fills.size() << " fills\n";

  // A last, clean run over the same journal: its books equal the trade log's fills.
  auto out = dir / "final.out";
  auto pid = spawn_node(dir / "config.yaml", out, "--duration 1 --report " + (dir / "report.json").string());
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_text(out);
  auto books = recompute(dir / "journal", *Money::parse("100000"));
  for (auto& id : books.exec_ids)
    EXPECT_EQ(books.exec_ids.count(id), 1u) << "fill " << id << " is journaled twice";
  expect_report_matches(dir / "report.json", books, *Money::parse("100000"));
  fs::remove_all(dir);
}
