// Tests that the shipped configs load with the expected exact values and that file errors read well.
#include "config/config_loader.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "tests/config/test_files.hpp"

namespace engine {
namespace {

using testing::error_of;
using testing::one_ticker;
using testing::temp_dir;

const std::string repo = ENGINE_SOURCE_DIR;

Rate rate(const char* s) {
  return *Rate::parse(s);
}

TEST(default_config, loads_with_the_expected_values) {
  app_config c = load_config(repo + "/config/app_config.yaml");
  EXPECT_EQ(c.source_file, repo + "/config/app_config.yaml");
  EXPECT_EQ(c.initial_cash, Money::from_units(100000));

  const auto& e = c.execution;
  EXPECT_EQ(e.mode, execution_mode::simulation);
  EXPECT_EQ(e.simulator.spread_multiplier, Rate::from_units(1));
  EXPECT_EQ(e.simulator.slippage_bps, Rate::from_units(5));
  EXPECT_EQ(e.simulator.execution_delay_ms, 100);
  EXPECT_EQ(e.simulator.commission_rate, rate("0.001"));
  EXPECT_EQ(e.simulator.commission_rate.raw(), 1'000'000); // exactly 1e-3 at 1e-9
  EXPECT_EQ(e.simulator.min_commission, Money::from_units(1));
  EXPECT_EQ(e.risk.limits.max_position_size, rate("0.1"));
  EXPECT_EQ(e.risk.limits.max_order_size, Money::from_units(10000));
  EXPECT_EQ(e.risk.limits.max_daily_trades, 1000);
  EXPECT_EQ(e.risk.limits.trading_state, TradingState::active);
  EXPECT_EQ(e.broker.type, "simulator");

  EXPECT_EQ(c.session.timezone, "America/New_York");
  EXPECT_EQ(c.session.open_minute, 9 * 60 + 30);
  EXPECT_EQ(c.session.close_minute, 16 * 60);
  EXPECT_EQ(c.clock.kind, clock_kind::simulated);
  EXPECT_EQ(c.clock.speed, 0);
  EXPECT_EQ(c.clock.start, "2026-11-24T09:30:00-05:00");

  const auto& md = c.market_data;
  EXPECT_EQ(md.source, "synthetic");
  ASSERT_EQ(md.tickers.size(), 4u);
  const char* names[] = {"AAPL", "MSFT", "NVDA", "TSLA"};
  for (size_t i = 0; i < 4; ++i) {
    const auto& t = md.tickers[i];
    EXPECT_EQ(t.ticker, names[i]);
    EXPECT_TRUE(t.start_price.is_positive());
    EXPECT_GE(t.volatility, rate("0.2"));
    EXPECT_LE(t.volatility, rate("0.6"));
    EXPECT_GE(t.spread_bps, rate("1"));
    EXPECT_LE(t.spread_bps, rate("5"));
    EXPECT_GE(t.bid_size, Quantity::from_units(100));
    EXPECT_LE(t.ask_size, Quantity::from_units(1000));
  }
  EXPECT_EQ(md.tickers[1].spread_bps, rate("1.5"));
  EXPECT_EQ(md.tickers[0].start_price, *Price::parse("230.00"));

  ASSERT_EQ(c.strategies.size(), 3u);
  const auto& reb = c.strategies[0];
  EXPECT_EQ(reb.type, "rebalancer");
  ASSERT_EQ(reb.target_weights.size(), 3u);
  for (const auto& [ticker, w] : reb.target_weights)
    EXPECT_LE(w, e.risk.limits.max_position_size) << ticker;
  EXPECT_EQ(reb.target_weights.at("NVDA"), rate("0.08"));
  EXPECT_EQ(c.strategies[1].type, "ma_crossover");
  EXPECT_EQ(c.strategies[1].ticker, "TSLA");
  EXPECT_LT(c.strategies[1].fast_window, c.strategies[1].slow_window);
  EXPECT_EQ(c.strategies[1].quantity, Quantity::from_units(10));
  EXPECT_EQ(c.strategies[2].type, "random_orders");
  EXPECT_GT(c.strategies[2].orders_per_second, 0);
  EXPECT_LE(c.strategies[2].orders_per_second, 1);
  EXPECT_EQ(c.strategies[2].limit_fraction, rate("0.5"));
  EXPECT_EQ(c.strategies[2].max_resting, 4) << "unless configured, four resting orders";
  EXPECT_EQ(c.strategies[2].crossing_fraction, rate("0.5")) << "half the limits cross";
  EXPECT_EQ(c.strategies[2].max_orders, 0) << "no limit unless configured";

  EXPECT_EQ(c.journal.dir, "logs/execution");
  EXPECT_EQ(c.journal.fsync, fsync_policy::batch);
  EXPECT_EQ(c.journal.page_cache_bytes, 4194304);
  EXPECT_EQ(c.scheduler.idle_polls, 20000);
  EXPECT_EQ(c.scheduler.workers, 2);
  EXPECT_EQ(c.logging.level, "info");
  ASSERT_EQ(c.nodes.size(), 1u);
  EXPECT_EQ(c.nodes[0].name, "main");
  EXPECT_EQ(c.nodes[0].endpoint, "");
  EXPECT_EQ(c.nodes[0].actors, std::vector<std::string>{"all"});
  EXPECT_EQ(node_actors(c, c.nodes[0]),
            (std::vector<std::string>{"order_manager", "risk_manager", "position_keeper",
                                      "trade_logger", "market_data", "simulator",
                                      "strategy:rebalance", "strategy:tsla_ma",
                                      "strategy:noise"}));
}

TEST(default_config, describe_summarises_it) {
  app_config c = load_config(repo + "/config/app_config.yaml");
  std::string d = describe(c);
  EXPECT_NE(d.find("mode simulation, broker simulator, initial cash 100000"), std::string::npos);
  EXPECT_NE(d.find("commission 0.001 (min 1)"), std::string::npos);
  EXPECT_NE(d.find("strategy tsla_ma: ma_crossover TSLA, windows 5/20, 10 shares"),
            std::string::npos);
  EXPECT_NE(d.find("node main: all"), std::string::npos);
  EXPECT_EQ(std::count(d.begin(), d.end(), '\n'), 11);
}

TEST(example_configs, three_nodes_places_every_actor_once) {
  app_config c = load_config(repo + "/config/examples/three_nodes.yaml");
  ASSERT_EQ(c.nodes.size(), 3u);
  EXPECT_EQ(c.nodes[0].name, "strategies");
  EXPECT_EQ(c.nodes[0].endpoint, "tcp://127.0.0.1:7101");
  EXPECT_EQ(c.nodes[0].actors, (std::vector<std::string>{"strategy:rebalance",
                                                         "strategy:tsla_ma", "strategy:noise"}));
  EXPECT_EQ(c.nodes[1].endpoint, "tcp://127.0.0.1:7102");
  EXPECT_EQ(c.nodes[1].actors, (std::vector<std::string>{"order_manager", "risk_manager",
                                                         "position_keeper", "trade_logger"}));
  EXPECT_EQ(c.nodes[2].name, "venue");
  EXPECT_EQ(c.nodes[2].actors, (std::vector<std::string>{"simulator", "market_data"}));
  EXPECT_EQ(c.nodes[2].public_key_file, "deploy/keys/venue.public");
  EXPECT_EQ(c.nodes[2].secret_key_file, "deploy/keys/venue.secret");
}

TEST(minimal_config, keeps_the_struct_defaults) {
  app_config c = parse_config_text(one_ticker, "min.yaml");
  app_config d;
  EXPECT_EQ(c.source_file, "min.yaml");
  EXPECT_EQ(c.initial_cash, d.initial_cash);
  EXPECT_EQ(c.execution.simulator.seed, d.execution.simulator.seed);
  EXPECT_EQ(c.execution.broker.port, d.execution.broker.port);
  EXPECT_EQ(c.journal.batch_max_records, d.journal.batch_max_records);
  EXPECT_EQ(c.journal.page_cache_bytes, d.journal.page_cache_bytes);
  EXPECT_EQ(c.scheduler.idle_polls, d.scheduler.idle_polls);
  EXPECT_EQ(c.market_data.quote_interval_ms, d.market_data.quote_interval_ms);
  EXPECT_TRUE(c.strategies.empty());
  ASSERT_EQ(c.nodes.size(), 1u);
  EXPECT_EQ(c.nodes[0].actors, std::vector<std::string>{"all"});
  // Unset risk limits stay 0, which the risk manager treats as switched off.
  EXPECT_TRUE(c.execution.risk.limits.max_position_size.is_zero());
  EXPECT_NE(describe(c).find("max position off, max order off, max daily trades off"),
            std::string::npos)
    << describe(c);
}

TEST(minimal_config, decimals_are_read_from_text_exactly) {
  // 0.1 + 0.2 style values that a double would blur.
  app_config c = parse_config_text("execution:\n  commission_rate: 0.000000001\n"
                                   "  min_commission: 0.000001\n  slippage_bps: \"2.5\"\n" +
                                     one_ticker,
                                   "x.yaml");
  EXPECT_EQ(c.execution.simulator.commission_rate.raw(), 1);
  EXPECT_EQ(c.execution.simulator.min_commission.raw(), 1);
  EXPECT_EQ(c.execution.simulator.slippage_bps, *Rate::parse("2.5"));
}

TEST(config_file, errors_name_the_real_file_and_line) {
  temp_dir dir{"file_errors"};
  std::string path = dir.write("bad.yaml", "# comment\n" + one_ticker +
                                             "execution:\n  slippage_bps: -3\n");
  try {
    load_config(path);
    FAIL() << "expected a config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string{e.what()}, path + ":6: execution.slippage_bps: must be >= 0, got '-3'");
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.line(), 6);
    EXPECT_EQ(e.key(), "execution.slippage_bps");
    EXPECT_EQ(e.message(), "must be >= 0, got '-3'");
  }
}

TEST(config_file, a_missing_file_is_an_error) {
  temp_dir dir{"missing"};
  std::string path = dir.path() + "/nope.yaml";
  try {
    load_config(path);
    FAIL() << "expected a config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string{e.what()},
              path + ": cannot read config file: No such file or directory");
  }
}

TEST(config_file, a_syntax_error_in_a_file_names_its_line) {
  temp_dir dir{"syntax"};
  std::string path = dir.write("bad.yaml", one_ticker + "execution:\n  mode: [simulation\n");
  try {
    load_config(path);
    FAIL() << "expected a config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string{e.what()},
              path + ":6: YAML syntax error: end of sequence flow not found");
  }
}

} // namespace
} // namespace engine
