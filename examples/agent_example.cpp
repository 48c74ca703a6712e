// A plain main() trading through the ExecutionAgent: no CAF in sight.
// Run: build/examples/agent-example [config/app_config.yaml]
#include <chrono>
#include <iostream>
#include <thread>

#include "config/config_loader.hpp"
#include "config/logging.hpp"
#include "nodes/execution_agent.hpp"

using namespace engine;

int main(int argc, char** argv) {
  auto cfg = load_config(argc > 1 ? argv[1] : "config/app_config.yaml");
  cfg.logging.level = "warn";
  init_logging(cfg.logging);
  cfg.strategies.clear();      // only this program trades
  cfg.clock.speed = 50;        // replay the day at 50x real time so quotes keep coming
  cfg.journal.fsync = fsync_policy::never;
  cfg.journal.dir = "logs/agent-example";

  ExecutionAgent agent{cfg};
  agent.start();

  // Wait for the first quote: the market data starts with the node.
  std::optional<MarketData> md;
  for (int i = 0; i < 300 && !md; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    md = agent.get_market_data("AAPL");
  }
  if (!md) {
    std::cerr << "no market data\n";
    return 1;
  }
  std::cout << "AAPL bid " << md->bid.to_string() << " ask " << md->ask.to_string() << "\n";

  auto buy = agent.submit_order("AAPL", OrderSide::buy, OrderType::market, Quantity::from_units(10));
  std::cout << "market buy: " << (buy ? "accepted as " + buy.order_id : "rejected: " + buy.reason)
            << "\n";
  auto big = agent.submit_order("AAPL", OrderSide::buy, OrderType::market, Quantity::from_units(1000));
  std::cout << "oversized buy: " << (big ? "accepted?!" : "rejected: " + big.reason) << "\n";
  auto limit = agent.submit_order("AAPL", OrderSide::buy, OrderType::limit, Quantity::from_units(5),
                                  md->bid - *Price::parse("5"));
  std::cout << "resting limit " << limit.order_id << ", cancel: "
            << (agent.cancel_order(limit.order_id) ? "requested" : "refused") << "\n";

  // The simulator fills after its execution delay: wait (in this program,
  // not in the engine) until the order is done, for three seconds at most.
  for (int i = 0; i < 300; ++i) {
    auto st = agent.get_order_status(buy.order_id);
    if (st && st->status == OrderStatus::filled)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (auto st = agent.get_order_status(buy.order_id))
    std::cout << "order " << st->order_id << " " << enum_name(st->status) << " "
              << st->executed_quantity.to_string() << " @ " << st->average_price.to_string() << "\n";
  if (auto p = agent.get_position("AAPL"))
    std::cout << "position AAPL " << p->quantity.to_string() << " @ " << p->average_price.to_string()
              << "\n";
  auto m = agent.get_performance_metrics();
  std::cout << "trades today " << m.daily_trades << ", commission " << m.daily_commission.to_string()
            << ", total P&L " << m.total_pnl.to_string() << "\n";
  agent.stop();
  return 0;
}
