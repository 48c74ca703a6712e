// The polygon keys of market_data: defaults, limits, plain-text URLs only to this machine.
#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace engine {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_config_text(yaml, "bad.yaml");
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

const char* base = "market_data:\n  source: polygon\n  polygon:\n    api_key: k\n";

TEST(polygon_config, keys_and_defaults) {
  auto c = parse_config_text(std::string(base) +
                               "    tickers: [AAPL, MSFT]\n"
                               "    ws_url: ws://127.0.0.1:9000/stocks\n"
                               "    rest_url: http://localhost:9000\n"
                               "    silence_timeout_ms: 700\n"
                               "    max_pending_quotes: 5\n"
                               "    channels: [Q]\n"
                               "  record: /tmp/q.csv\n",
                             "ok.yaml");
  const auto& m = c.market_data;
  EXPECT_EQ(m.polygon_tickers, (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_EQ(m.polygon_ws_url, "ws://127.0.0.1:9000/stocks");
  EXPECT_EQ(m.polygon_rest_url, "http://localhost:9000");
  EXPECT_EQ(m.polygon_silence_timeout_ms, 700);
  EXPECT_EQ(m.polygon_max_pending_quotes, 5);
  EXPECT_EQ(m.polygon_channels, std::vector<std::string>{"Q"});
  EXPECT_EQ(m.polygon_backoff_initial_ms, 250);
  EXPECT_EQ(m.record, "/tmp/q.csv");
}

TEST(polygon_config, supervision_keys_and_defaults) {
  auto d = parse_config_text(std::string(base) + "    tickers: [AAPL]\n", "ok.yaml").market_data;
  // The brokers' defaults, with a data feed's longer backoff.
  EXPECT_EQ(d.polygon_max_restarts, 5);
  EXPECT_EQ(d.polygon_restart_window_s, 60);
  EXPECT_EQ(d.polygon_down_retry_s, 60);
  EXPECT_EQ(d.polygon_backoff_max_ms, 30000);
  auto m = parse_config_text(std::string(base) +
                               "    tickers: [AAPL]\n"
                               "    max_restarts: 9\n"
                               "    restart_window_s: 120\n"
                               "    down_retry_s: 0\n"
                               "    backoff_initial_ms: 20\n"
                               "    backoff_max_ms: 20\n",
                             "ok.yaml")
             .market_data;
  EXPECT_EQ(m.polygon_max_restarts, 9);
  EXPECT_EQ(m.polygon_restart_window_s, 120);
  EXPECT_EQ(m.polygon_down_retry_s, 0);
  EXPECT_EQ(m.polygon_backoff_initial_ms, 20);
  EXPECT_EQ(m.polygon_backoff_max_ms, 20);
}

TEST(polygon_config, supervision_errors_name_file_line_and_key) {
  auto with = [](const std::string& lines) {
    return error_of(std::string(base) + "    tickers: [AAPL]\n" + lines);
  };
  // Lines: 1 market_data, 2 source, 3 polygon, 4 api_key, 5 tickers, 6 the key under test.
  EXPECT_EQ(with("    max_restarts: -1\n").rfind("bad.yaml:6: market_data.polygon.max_restarts: ", 0), 0u)
    << with("    max_restarts: -1\n");
  EXPECT_EQ(with("    restart_window_s: 0\n")
              .rfind("bad.yaml:6: market_data.polygon.restart_window_s: ", 0), 0u)
    << with("    restart_window_s: 0\n");
  EXPECT_EQ(with("    down_retry_s: soon\n"),
            "bad.yaml:6: market_data.polygon.down_retry_s: expected an integer, got 'soon'");
  EXPECT_EQ(with("    backoff_initial_ms: 500\n    backoff_max_ms: 100\n"),
            "bad.yaml:7: market_data.polygon.backoff_max_ms: must be >= backoff_initial_ms (500), "
            "got 100");
  EXPECT_NE(with("    max_restart: 3\n").find("bad.yaml:6: market_data.polygon.max_restart"),
            std::string::npos)
    << with("    max_restart: 3\n");
}

TEST(polygon_config, tickers_fall_back_to_the_tickers_list) {
  auto c = parse_config_text(
    std::string(base) +
      "  tickers:\n    - {ticker: NVDA, start_price: 100, bid_size: 1, ask_size: 1}\n",
    "ok.yaml");
  EXPECT_EQ(c.market_data.polygon_tickers, std::vector<std::string>{"NVDA"});
}

TEST(polygon_config, errors) {
  EXPECT_NE(error_of(base).find("needs polygon.tickers"), std::string::npos) << error_of(base);
  auto remote = error_of(std::string(base) + "    tickers: [A]\n    ws_url: ws://example.com/stocks\n");
  EXPECT_NE(remote.find("market_data.polygon.ws_url: plain ws:// and http:// are allowed only"),
            std::string::npos)
    << remote;
  auto rest = error_of(std::string(base) + "    tickers: [A]\n    rest_url: http://10.0.0.1\n");
  EXPECT_NE(rest.find("rest_url"), std::string::npos) << rest;
  auto channel = error_of(std::string(base) + "    tickers: [A]\n    channels: [X]\n");
  EXPECT_NE(channel.find("expected Q, T or AM"), std::string::npos) << channel;
  auto strategy = error_of(std::string(base) + "    tickers: [AAPL]\nstrategies:\n"
                           "  - {name: s, type: ma_crossover, ticker: MSFT, fast_window: 2, "
                           "slow_window: 3, quantity: 1}\n");
  EXPECT_NE(strategy.find("no market data for 'MSFT'"), std::string::npos) << strategy;
}

} // namespace
} // namespace engine
