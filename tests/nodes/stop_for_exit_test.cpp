// engine_node::stop_for_exit (what execution-node does before std::_Exit): the journal is closed
// and complete, the actors that hold only memory are left running, and stop() ends them after.
#include <gtest/gtest.h>

#include <filesystem>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/journal/journal_recovery.hpp"
#include "config/config_loader.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_node.hpp"
#include "tests/nodes/journal_check.hpp"

using namespace engine;
using namespace engine::testing;
namespace fs = std::filesystem;

TEST(StopForExit, TheJournalIsClosedAndCompleteAndOnlyMemoryIsLeft) {
  char tmpl[] = "/tmp/engine-stopexit-XXXXXX";
  fs::path dir = mkdtemp(tmpl);
  auto text = read_text(fs::path{ENGINE_SOURCE_DIR} / "config/app_config.yaml");
  replace_once(text, "dir: logs/execution", "dir: " + (dir / "journal").string());
  auto cfg = parse_config_text(text, "stop_for_exit.yaml");
  {
    engine_node node{cfg};
    node.start();
    node.wait_data_finished(std::chrono::seconds(2)); // mid-day: orders rest, fills came
    node.drain(std::chrono::steady_clock::now(), std::chrono::milliseconds(600));
    auto r = node.report();
    node.stop_for_exit();
    // Everything the report counts is in the closed journal.
    auto rec = recover_journal((dir / "journal").string(), false);
    EXPECT_EQ(rec.open_orders, r.orders.open);
    EXPECT_EQ(static_cast<int64_t>(rec.fills.size()), r.orders.fills);
    EXPECT_EQ(recompute(dir / "journal", cfg.initial_cash).cash, r.account.cash);
    // The order manager was not told: it still answers.
    caf::scoped_actor self{node.system()};
    bool answered = false;
    self->request(node.directory()->get(names::order_manager), std::chrono::seconds(10),
                  stats_atom::value)
      .receive([&](const OrderStats&) { answered = true; }, [](caf::error&) {});
    EXPECT_TRUE(answered);
    node.stop(); // in process the rest is stopped and freed as usual
  }
  fs::remove_all(dir);
}
