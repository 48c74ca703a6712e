// Runs strategies through a seeded simulated session in-process and returns the report (for GoogleTest or any test).
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include "actors/strategy.hpp"
#include "actors/strategy_host.hpp"
#include "config/config_loader.hpp"
#include "nodes/engine_node.hpp"

namespace engine::testing {

/// A seeded simulated session between `open` and `close` (New York time) on
/// AAPL, MSFT, NVDA and TSLA (a quote of each every second), the simulator
/// with a 100 ms fill delay and 0.1% commission, the journal in journal_dir,
/// and no strategies yet. Tune the returned config freely.
inline app_config simulated_day_config(const std::string& journal_dir, const std::string& open = "09:30",
                                       const std::string& close = "10:30", uint64_t seed = 42) {
  return parse_config_text(
    "initial_cash: 100000\n"
    "execution: {mode: simulation, execution_delay_ms: 100, commission_rate: 0.001,\n"
    "            min_commission: 1, max_daily_trades: 100000, max_orders_per_second: 0}\n"
    "session: {open: \"" + open + "\", close: \"" + close + "\"}\n"
    "clock: {kind: simulated, start: \"2026-11-24T09:30:00-05:00\"}\n"
    "market_data:\n"
    "  source: synthetic\n"
    "  seed: " + std::to_string(seed) + "\n"
    "  quote_interval_ms: 1000\n"
    "  tickers:\n"
    "    - {ticker: AAPL, start_price: 230, volatility: 0.25, drift: 0.05, spread_bps: 1, bid_size: 500, ask_size: 500}\n"
    "    - {ticker: MSFT, start_price: 420, volatility: 0.22, drift: 0.05, spread_bps: 1.5, bid_size: 300, ask_size: 300}\n"
    "    - {ticker: NVDA, start_price: 140, volatility: 0.5, drift: 0.1, spread_bps: 2, bid_size: 1000, ask_size: 1000}\n"
    "    - {ticker: TSLA, start_price: 250, volatility: 0.6, drift: 0, spread_bps: 5, bid_size: 100, ask_size: 100}\n"
    "journal: {dir: \"" + journal_dir + "\", fsync: never}\n"
    "logging: {level: warn}\n",
    "simulated_day");
}

/// Adds a C++ strategy compiled into the test as strategy `name` (its type is
/// registered as "compiled:NAME").
inline void add_strategy(app_config& cfg, const std::string& name, strategy_maker make) {
  strategy_config s;
  s.name = name;
  s.type = "compiled:" + name;
  register_strategy_type(s.type, std::move(make));
  cfg.strategies.push_back(std::move(s));
}

/// Adds a strategy written as a CAF actor (docs/STRATEGIES.md, "As a CAF actor").
inline void add_strategy_actor(app_config& cfg, const std::string& name, strategy_actor_maker make) {
  strategy_config s;
  s.name = name;
  s.type = "actor:" + name;
  register_strategy_actor(s.type, std::move(make));
  cfg.strategies.push_back(std::move(s));
}

/// Runs the session to its end on one in-process node and returns the report
/// (books, orders, each strategy's status). Throws std::runtime_error when the
/// data does not end within `timeout`.
inline node_report run_simulated_day(const app_config& cfg,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  engine_node node{cfg};
  node.start();
  if (!node.wait_data_finished(timeout))
    throw std::runtime_error("the simulated day did not end within the timeout");
  node.drain();
  auto r = node.report();
  node.stop();
  return r;
}

} // namespace engine::testing
