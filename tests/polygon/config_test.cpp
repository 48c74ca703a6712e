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
