// fallback_to_simulator in paper mode: a broker that cannot connect goes down after its restart
// intensity, and new orders go to the simulator meanwhile, said loudly; live mode refuses it.
#include <gtest/gtest.h>

#include <filesystem>

#include "config/config_loader.hpp"
#include "nodes/engine_node.hpp"
#include "tests/nodes/journal_check.hpp"

using namespace engine;
using namespace engine::testing;
namespace fs = std::filesystem;

namespace {

std::string paper_config(const fs::path& journal, bool fallback) {
  auto text = read_text(fs::path{ENGINE_SOURCE_DIR} / "config/app_config.yaml");
  replace_once(text, "dir: logs/execution", "dir: " + journal.string());
  replace_once(text, "mode: simulation", "mode: paper");
  // An Alpaca account nobody answers for: port 1 on loopback refuses every connection.
  replace_once(text, "    type: simulator ",
               "    type: alpaca\n"
               "    api_key: PKFALLBACKTEST\n"
               "    secret_key: SKFALLBACKTEST\n"
               "    base_url: http://127.0.0.1:1\n"
               "    stream_url: ws://127.0.0.1:1/stream\n"
               "    down_retry_s: 0\n"
               "   ");
  replace_once(text, "max_restarts: 5 ", "max_restarts: 1 ");
  replace_once(text, "backoff_initial_ms: 100 ", "backoff_initial_ms: 10 ");
  replace_once(text, "fallback_to_simulator: false",
               std::string{"fallback_to_simulator: "} + (fallback ? "true" : "false"));
  return text;
}

} // namespace

TEST(Fallback, ADownBrokerInPaperModeSendsNewOrdersToTheSimulator) {
  char tmpl[] = "/tmp/engine-fallback-XXXXXX";
  fs::path dir = mkdtemp(tmpl);
  auto cfg = parse_config_text(paper_config(dir / "journal", true), "fallback.yaml");
  {
    engine_node node{cfg};
    node.start();
    ASSERT_TRUE(node.wait_data_finished(std::chrono::seconds(120)));
    node.drain();
    auto r = node.report();
    node.stop();
    EXPECT_GT(r.orders.fills, 100) << "the day traded on the simulator";
    bool alpaca_down = false;
    for (auto& b : r.brokers)
      alpaca_down = alpaca_down || (b.broker == "alpaca" && b.state == BrokerState::down);
    EXPECT_TRUE(alpaca_down) << "the unreachable broker ended down";
    auto books = recompute(dir / "journal", cfg.initial_cash);
    EXPECT_EQ(books.cash, r.account.cash) << "the books equal the trade log";
  }
  fs::remove_all(dir);
}

TEST(Fallback, WithoutItOrdersToADownBrokerAreRejectedBrokerUnavailable) {
  char tmpl[] = "/tmp/engine-fallback-XXXXXX";
  fs::path dir = mkdtemp(tmpl);
  auto cfg = parse_config_text(paper_config(dir / "journal", false), "fallback.yaml");
  {
    engine_node node{cfg};
    node.start();
    ASSERT_TRUE(node.wait_data_finished(std::chrono::seconds(120)));
    node.drain();
    auto r = node.report();
    node.stop();
    EXPECT_EQ(r.orders.fills, 0);
    int64_t unavailable = 0;
    for (auto& rc : r.orders.rejects_by_reason)
      if (rc.reason == "broker_unavailable")
        unavailable = rc.count;
    EXPECT_GT(unavailable, 0) << "rejected with the reason broker_unavailable, never queued";
  }
  fs::remove_all(dir);
}
