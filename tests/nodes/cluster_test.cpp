// Three execution-node processes on 127.0.0.1 (strategies | core | venue) over CURVE-encrypted
// ZeroMQ: the day trades through proxies, the core's books equal its trade log, and the
// report is the one a single node makes of the same config.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "tests/nodes/journal_check.hpp"

using namespace engine;
using namespace engine::testing;
namespace fs = std::filesystem;

namespace {

std::string node_bin() { return std::string{ENGINE_BINARY_DIR} + "/nodes/execution-node"; }

pid_t start_node(const fs::path& dir, const std::string& node, const std::string& extra) {
  pid_t pid = fork();
  if (pid == 0) {
    auto cmd = "exec " + node_bin() + " --config " + (dir / "cluster.yaml").string() + " --node "
               + node + " --log-level warn --status-every 60 " + extra + " > "
               + (dir / (node + ".log")).string() + " 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

/// Waits for a child at most `limit`; kills it when it overstays.
int wait_bounded(pid_t pid, std::chrono::seconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

TEST(Cluster, ThreeNodesGiveTheSingleNodeReportAndMatchTheTradeLog) {
  char tmpl[] = "/tmp/engine-cluster-XXXXXX";
  fs::path dir = mkdtemp(tmpl);
  fs::create_directories(dir / "keys");
  for (auto n : {"strategies", "core", "venue"}) {
    auto cmd = node_bin() + " --generate-keys " + (dir / "keys" / n).string() + ".public "
               + (dir / "keys" / n).string() + ".secret > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  auto cfg = read_text(fs::path{ENGINE_SOURCE_DIR} / "config/examples/three_nodes.yaml");
  // Ports from the pid, so parallel test runs do not collide.
  auto base = 21000 + (getpid() % 400) * 10;
  for (int i = 1; i <= 3; ++i)
    replace_once(cfg, "127.0.0.1:710" + std::to_string(i), "127.0.0.1:" + std::to_string(base + i));
  for (auto at = cfg.find("deploy/keys/"); at != std::string::npos; at = cfg.find("deploy/keys/"))
    cfg.replace(at, 12, (dir / "keys").string() + "/");
  replace_once(cfg, "dir: logs/execution", "dir: " + (dir / "journal").string());
  std::ofstream{dir / "cluster.yaml"} << cfg;

  auto core = start_node(dir, "core", "--report " + (dir / "report.json").string());
  auto strategies = start_node(dir, "strategies", "");
  auto venue = start_node(dir, "venue", "");
  // The venue ends with its data; then the others are told to stop.
  EXPECT_EQ(wait_bounded(venue, std::chrono::seconds(180)), 0) << read_text(dir / "venue.log");
  kill(strategies, SIGTERM);
  EXPECT_EQ(wait_bounded(strategies, std::chrono::seconds(60)), 0) << read_text(dir / "strategies.log");
  kill(core, SIGTERM);
  ASSERT_EQ(wait_bounded(core, std::chrono::seconds(60)), 0) << read_text(dir / "core.log");

  auto books = recompute(dir / "journal", *Money::parse("100000"));
  EXPECT_GT(books.fills, 50) << read_text(dir / "core.log");
  for (auto& id : books.exec_ids)
    EXPECT_EQ(books.exec_ids.count(id), 1u) << "fill " << id << " is journaled twice";
  expect_report_matches(dir / "report.json", books, *Money::parse("100000"));
  // Strategies ran on their own node: their orders came through the proxies.
  auto strategies_log = read_text(dir / "strategies.log");
  EXPECT_NE(strategies_log.find("peer core is up"), std::string::npos) << strategies_log;

  // The same config on one node (no nodes section) gives the same report, byte for byte.
  auto single = cfg.substr(0, cfg.find("\nnodes:")) + "\n";
  replace_once(single, "dir: " + (dir / "journal").string(), "dir: " + (dir / "single").string());
  std::ofstream{dir / "single.yaml"} << single;
  auto cmd = node_bin() + " --config " + (dir / "single.yaml").string() + " --report "
             + (dir / "single.json").string() + " --log-level warn > " + (dir / "single.log").string()
             + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_text(dir / "single.log");
  // Byte for byte but for the "strategies" section: which strategies ran is per node.
  auto without_strategies = [](std::string text) {
    auto at = text.find("\"strategies\":{");
    if (at != std::string::npos)
      text.erase(at, text.find('}', at) + 2 - at); // the object and its comma
    return text;
  };
  EXPECT_EQ(without_strategies(read_text(dir / "report.json")),
            without_strategies(read_text(dir / "single.json")));
  if (HasFailure())
    std::cerr << "kept " << dir << " (journals, reports, the nodes' logs)\n";
  else
    fs::remove_all(dir);
}
