// Every fault kind of the fault plan, applied to the simulated venue during the default simulated
// day: nothing is left unknown, the engine's fills are the venue's, no fill counts twice, and the
// books equal both the venue's positions and the trade log recomputed here.
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "actors/actor_directory.hpp"
#include "config/config_loader.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_node.hpp"
#include "tests/nodes/journal_check.hpp"

using namespace engine;
using namespace engine::testing;
namespace fs = std::filesystem;

namespace {

struct fault_case {
  std::string name;
  std::string rules; // YAML flow list of the plan's rules
};

std::ostream& operator<<(std::ostream& os, const fault_case& c) { return os << c.name; }

class BrokerFaults : public ::testing::TestWithParam<fault_case> {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/engine-faults-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir); }

  app_config config(const std::string& rules) {
    auto text = read_text(fs::path{ENGINE_SOURCE_DIR} / "config/app_config.yaml");
    replace_once(text, "dir: logs/execution", "dir: " + (dir / "journal").string());
    replace_once(text, "max_restarts: 5 ", "max_restarts: 50 ");
    replace_once(text, "backoff_initial_ms: 100 ", "backoff_initial_ms: 20 ");
    replace_once(text, "backoff_max_ms: 10000 ", "backoff_max_ms: 200 ");
    replace_once(text, "    fallback_to_simulator: false",
                 "    fallback_to_simulator: false\n"
                 "    ping_interval_ms: 50\n"
                 "    answer_timeout_ms: 500\n"
                 "    faults: {seed: 11, rules: " + rules + "}\n");
    return parse_config_text(text, "broker_faults.yaml");
  }

  fs::path dir;
};

template <class T, class... Ts>
T ask(caf::scoped_actor& self, const caf::actor& h, Ts... xs) {
  T out{};
  self->request(h, std::chrono::seconds(30), xs...)
    .receive([&](T& x) { out = std::move(x); },
             [&](caf::error& e) { ADD_FAILURE() << self->system().render(e); });
  return out;
}

} // namespace

TEST_P(BrokerFaults, TradingThroughTheFaultyVenueLosesAndDoublesNothing) {
  auto cfg = config(GetParam().rules);
  engine_node node{cfg};
  node.start();
  ASSERT_TRUE(node.wait_data_finished(std::chrono::seconds(120))) << "the day did not end";
  node.drain();
  auto report = node.report();
  caf::scoped_actor self{node.system()};
  auto venue = node.directory()->get("simulator.venue");
  auto om = node.directory()->get(names::order_manager);
  auto pk = node.directory()->get(names::position_keeper);
  ASSERT_TRUE(venue && om && pk);

  EXPECT_EQ(report.orders.unknown, 0) << "every unknown outcome was resolved";
  EXPECT_GT(report.orders.fills, 100) << "the day traded";
  // Open orders: the same at the engine and at the venue.
  std::set<std::string> engine_open, venue_open;
  for (auto& e : ask<std::vector<OrderExecution>>(self, om, orders_atom::value))
    engine_open.insert(e.order_id);
  for (auto& e : ask<std::vector<OrderExecution>>(self, venue, orders_atom::value))
    venue_open.insert(e.order_id);
  EXPECT_EQ(engine_open, venue_open);
  // Fills: exactly the venue's, each once, in the trade log.
  auto books = recompute(dir / "journal", cfg.initial_cash);
  std::set<std::string> journaled{books.exec_ids.begin(), books.exec_ids.end()};
  EXPECT_EQ(journaled.size(), books.exec_ids.size()) << "a fill was journaled twice";
  std::set<std::string> at_venue;
  for (auto& f : ask<std::vector<Fill>>(self, venue, fills_atom::value, timestamp_ns{0}))
    at_venue.insert(f.exec_id);
  EXPECT_EQ(journaled, at_venue) << "engine fills = venue fills";
  EXPECT_EQ(report.orders.fills, static_cast<int64_t>(at_venue.size()));
  // Positions: the books, the venue and the trade log agree.
  std::map<std::string, Quantity> ours, venues, logged;
  for (auto& p : report.positions)
    if (!p.quantity.is_zero())
      ours[p.ticker] = p.quantity;
  for (auto& p : ask<std::vector<Position>>(self, venue, positions_atom::value))
    if (!p.quantity.is_zero())
      venues[p.ticker] = p.quantity;
  for (auto& [t, q] : books.quantity)
    if (!q.is_zero())
      logged[t] = q;
  EXPECT_EQ(ours, venues);
  EXPECT_EQ(ours, logged);
  EXPECT_EQ(report.account.cash, books.cash);
  ASSERT_EQ(report.brokers.size(), 1u);
  EXPECT_EQ(report.brokers[0].state, BrokerState::connected) << report.brokers[0].reason;
  node.stop();
}

INSTANTIATE_TEST_SUITE_P(
  EveryKind, BrokerFaults,
  ::testing::Values(
    fault_case{"disconnect", "[{kind: disconnect, at_s: 3600}, {kind: disconnect, at_s: 7200}]"},
    fault_case{"refuse", "[{kind: disconnect, at_s: 3600}, "
                         "{kind: refuse, at_s: 3600, duration_ms: 1800000}]"},
    fault_case{"hang", "[{kind: hang, at_s: 3600, duration_ms: 3600000}]"},
    fault_case{"delay", "[{kind: delay, at_s: 3600, duration_ms: 1800000, delay_ms: 5}]"},
    fault_case{"drop_fill", "[{kind: drop_fill, probability: 0.05}]"},
    fault_case{"duplicate_fill", "[{kind: duplicate_fill, probability: 0.05}]"},
    fault_case{"reject", "[{kind: reject, after_orders: 50, count: 5, repeat: 3}]"},
    fault_case{"rate_limit", "[{kind: rate_limit, after_orders: 30, count: 5}]"},
    fault_case{"server_error", "[{kind: server_error, after_orders: 40, count: 3, repeat: 2}]"},
    fault_case{"garbage", "[{kind: garbage, after_orders: 60, count: 3}]"},
    fault_case{"reset_window", "[{kind: reset_window, daily_at: \"15:30\", duration_ms: 600000}]"}),
  [](const auto& info) { return info.param.name; });
