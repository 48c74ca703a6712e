// Table of bad configs, each with the exact "file:line: key: message" it must produce.
#include "config/config_loader.hpp"

#include <gtest/gtest.h>

#include "tests/config/test_files.hpp"

namespace engine {
namespace {

using testing::error_of;
using testing::one_ticker;

struct bad_config {
  const char* what; // the kind of mistake
  std::string yaml;
  std::string error;
};

// Most cases put the faulty section first and the one-ticker market data
// after it, so the line numbers count from the top of each case.
const std::string strategies_head = one_ticker + "strategies:\n"; // strategies from line 5
const std::string three_tickers =
  "market_data:\n  tickers:\n"
  "    - {ticker: AAPL, start_price: 100, bid_size: 100, ask_size: 100}\n"
  "    - {ticker: MSFT, start_price: 200, bid_size: 100, ask_size: 100}\n"
  "    - {ticker: NVDA, start_price: 300, bid_size: 100, ask_size: 100}\n";

const bad_config cases[] = {
  {"YAML syntax", "execution:\n  mode: [simulation\n  seed: 1\n",
   "bad.yaml:3: YAML syntax error: end of sequence flow not found"},
  {"tab indentation", "execution:\n\tmode: simulation\n",
   "bad.yaml:2: YAML syntax error: illegal map value"},
  {"unknown top-level key, suggestion", "executon:\n  mode: paper\n" + one_ticker,
   "bad.yaml:1: executon: unknown key; did you mean 'execution'?"},
  {"unknown nested key, suggestion", "execution:\n  slipage_bps: 5\n" + one_ticker,
   "bad.yaml:2: execution.slipage_bps: unknown key; did you mean 'slippage_bps'?"},
  {"unknown key, nothing close", "execution:\n  broker:\n    colour: blue\n" + one_ticker,
   "bad.yaml:3: execution.broker.colour: unknown key"},
  {"unknown key in a list item",
   "market_data:\n  tickers:\n    - ticker: AAPL\n      start_price: 1\n      bid_size: 1\n"
   "      ask_size: 1\n      volatilty: 0.2\n",
   "bad.yaml:7: market_data.tickers[0].volatilty: unknown key; did you mean 'volatility'?"},
  {"duplicate key", "execution:\n  seed: 1\n  seed: 2\n" + one_ticker,
   "bad.yaml:3: execution.seed: duplicate key (first at line 2)"},
  {"map where a number belongs", "execution:\n  slippage_bps: {bps: 5}\n" + one_ticker,
   "bad.yaml:2: execution.slippage_bps: expected a decimal number, got a map"},
  {"text where a number belongs", "execution:\n  slippage_bps: five\n" + one_ticker,
   "bad.yaml:2: execution.slippage_bps: expected a decimal number, got 'five'"},
  {"exponent is not a decimal", "execution:\n  commission_rate: 1e-3\n" + one_ticker,
   "bad.yaml:2: execution.commission_rate: expected a decimal number, got '1e-3'"},
  {"missing value", "execution:\n  max_order_size:\n" + one_ticker,
   "bad.yaml:2: execution.max_order_size: expected a decimal number, got nothing"},
  {"list where a section belongs", "execution: [1, 2]\n" + one_ticker,
   "bad.yaml:1: execution: expected a map of keys, got a list"},
  {"fraction where an integer belongs", "execution:\n  execution_delay_ms: 1.5\n" + one_ticker,
   "bad.yaml:2: execution.execution_delay_ms: expected an integer, got '1.5'"},
  {"bool spelled yes", "execution:\n  reject_outside_session: yes\n" + one_ticker,
   "bad.yaml:2: execution.reject_outside_session: expected true or false, got 'yes'"},
  {"negative slippage", "execution:\n  slippage_bps: -1\n" + one_ticker,
   "bad.yaml:2: execution.slippage_bps: must be >= 0, got '-1'"},
  {"commission rate above 1", "execution:\n  commission_rate: 1.5\n" + one_ticker,
   "bad.yaml:2: execution.commission_rate: must be in [0, 1], got '1.5'"},
  {"max position size zero", "execution:\n  max_position_size: 0\n" + one_ticker,
   "bad.yaml:2: execution.max_position_size: must be in (0, 1], got '0'"},
  {"max position size above 1", "execution:\n  max_position_size: 1.01\n" + one_ticker,
   "bad.yaml:2: execution.max_position_size: must be in (0, 1], got '1.01'"},
  {"negative cash", "initial_cash: -100\n" + one_ticker,
   "bad.yaml:1: initial_cash: must be >= 0, got '-100'"},
  {"negative delay", "execution:\n  execution_delay_ms: -1\n" + one_ticker,
   "bad.yaml:2: execution.execution_delay_ms: must be in [0, 86400000], got '-1'"},
  {"zero daily trades", "execution:\n  max_daily_trades: 0\n" + one_ticker,
   "bad.yaml:2: execution.max_daily_trades: must be >= 1, got '0'"},
  {"batch size zero",
   "market_data:\n  batch_size: 0\n  tickers:\n"
   "    - {ticker: AAPL, start_price: 100, bid_size: 100, ask_size: 100}\n",
   "bad.yaml:2: market_data.batch_size: must be in [1, 1000000], got '0'"},
  {"journal batch zero", "journal:\n  batch_max_records: 0\n" + one_ticker,
   "bad.yaml:2: journal.batch_max_records: must be in [1, 1000000], got '0'"},
  {"negative page cache", "journal:\n  page_cache_bytes: -1\n" + one_ticker,
   "bad.yaml:2: journal.page_cache_bytes: must be >= 0, got '-1'"},
  {"negative idle polls", "scheduler:\n  idle_polls: -5\n" + one_ticker,
   "bad.yaml:2: scheduler.idle_polls: must be in [0, 10000000], got '-5'"},
  {"no scheduler workers", "scheduler:\n  workers: 0\n" + one_ticker,
   "bad.yaml:2: scheduler.workers: must be in [1, 256], got '0'"},
  {"unknown scheduler key", "scheduler:\n  threads: 4\n" + one_ticker,
   "bad.yaml:2: scheduler.threads: unknown key"},
  {"backoff max below initial",
   "execution:\n  broker:\n    backoff_initial_ms: 500\n    backoff_max_ms: 100\n" + one_ticker,
   "bad.yaml:4: execution.broker.backoff_max_ms: must be >= backoff_initial_ms (500), got 100"},
  {"fault plan: unknown kind",
   "execution:\n  broker:\n    faults:\n      rules:\n        - {kind: explode, at_s: 1}\n" + one_ticker,
   "bad.yaml:5: execution.broker.faults.rules[0].kind: unknown value 'explode'; expected one of disconnect, refuse, hang, delay, drop_fill, duplicate_fill, reject, rate_limit, server_error, garbage, reset_window"},
  {"fault plan: no trigger",
   "execution:\n  broker:\n    faults:\n      rules:\n        - {kind: disconnect}\n" + one_ticker,
   "bad.yaml:5: execution.broker.faults.rules[0]: needs one trigger: at_s, after_orders, probability or daily_at"},
  {"fault plan: two triggers",
   "execution:\n  broker:\n    faults:\n      rules:\n        - {kind: reject, at_s: 1, after_orders: 2}\n" + one_ticker,
   "bad.yaml:5: execution.broker.faults.rules[0]: has 2 triggers; give exactly one of at_s, after_orders, probability, daily_at"},
  {"fault plan: refuse without a duration",
   "execution:\n  broker:\n    faults:\n      rules:\n        - {kind: refuse, at_s: 1}\n" + one_ticker,
   "bad.yaml:5: execution.broker.faults.rules[0].duration_ms: required (> 0) for a refuse fault"},
  {"fault plan: probability above 1",
   "execution:\n  broker:\n    faults:\n      rules:\n        - {kind: drop_fill, probability: 1.5}\n" + one_ticker,
   "bad.yaml:5: execution.broker.faults.rules[0].probability: must be in [0, 1], got '1.5'"},
  {"fault plan: bad daily time",
   "execution:\n  broker:\n    faults:\n      rules:\n        - {kind: reset_window, daily_at: \"25:00\", duration_ms: 1}\n" + one_ticker,
   "bad.yaml:5: execution.broker.faults.rules[0].daily_at: must be \"HH:MM\" (UTC, 24 hours), got \"25:00\""},
  {"fault plan: unknown key",
   "execution:\n  broker:\n    faults:\n      seeds: 3\n" + one_ticker,
   "bad.yaml:4: execution.broker.faults.seeds: unknown key in a fault plan; did you mean 'seed'?"},
  {"brokers: duplicate name",
   "execution:\n  brokers:\n    - {type: simulator}\n    - {type: simulator}\n" + one_ticker,
   "bad.yaml:4: execution.brokers[1]: duplicate broker name 'simulator' (first at line 3); give each a distinct name"},
  {"broker and brokers both",
   "execution:\n  broker: {type: simulator}\n  brokers:\n    - {type: simulator}\n" + one_ticker,
   "bad.yaml:3: execution.brokers: give either broker (one) or brokers (a list), not both"},
  {"fallback in live mode",
   "execution:\n  mode: live\n  broker:\n    type: ibkr\n    fallback_to_simulator: true\n" + one_ticker,
   "bad.yaml:5: execution.broker.fallback_to_simulator: is refused in live mode: a live account never falls back to a simulator"},
  {"strategy names an unknown broker",
   strategies_head + "  - {name: s, type: random_orders, tickers: [AAPL], max_quantity: 1, broker: nope}\n",
   "bad.yaml:5: strategies[0].broker: no broker named 'nope' in execution.brokers"},
  {"session open after close", "session:\n  open: \"16:00\"\n  close: \"09:30\"\n" + one_ticker,
   "bad.yaml:3: session.close: must be after open (16:00), got '09:30'"},
  {"session open equal to default close", "session:\n  open: \"16:00\"\n" + one_ticker,
   "bad.yaml:2: session.open: must be before close (16:00), got '16:00'"},
  {"bad time of day", "session:\n  open: \"9h30\"\n" + one_ticker,
   "bad.yaml:2: session.open: expected a time HH:MM, got '9h30'"},
  {"unknown time zone", "session:\n  timezone: Europe/Paris\n" + one_ticker,
   "bad.yaml:2: session.timezone: unknown time zone 'Europe/Paris'; expected "
   "America/New_York, UTC or an offset like -05:00"},
  {"clock start without offset", "clock:\n  start: \"2026-11-24T09:30:00\"\n" + one_ticker,
   "bad.yaml:2: clock.start: expected an ISO 8601 time with offset like "
   "2026-11-24T09:30:00-05:00, got '2026-11-24T09:30:00'"},
  {"clock start on a day that does not exist",
   "clock:\n  start: \"2026-02-29T09:30:00Z\"\n" + one_ticker,
   "bad.yaml:2: clock.start: expected an ISO 8601 time with offset like "
   "2026-11-24T09:30:00-05:00, got '2026-02-29T09:30:00Z'"},
  {"negative clock speed", "clock:\n  speed: -2\n" + one_ticker,
   "bad.yaml:2: clock.speed: must be in [0, 1e+06], got '-2'"},
  {"money with more than 6 places", "execution:\n  min_commission: 0.0000001\n" + one_ticker,
   "bad.yaml:2: execution.min_commission: too many decimal places (at most 6), got "
   "'0.0000001'"},
  {"price with more than 6 places",
   "market_data:\n  tickers:\n    - {ticker: AAPL, start_price: 100.1234567, bid_size: 1, "
   "ask_size: 1}\n",
   "bad.yaml:3: market_data.tickers[0].start_price: too many decimal places (at most 6), got "
   "'100.1234567'"},
  {"quantity with more than 9 places",
   strategies_head + "  - {name: s, type: ma_crossover, ticker: AAPL, quantity: 0.0000000001}\n",
   "bad.yaml:5: strategies[0].quantity: too many decimal places (at most 9), got "
   "'0.0000000001'"},
  {"money out of range", "initial_cash: 99999999999999999\n" + one_ticker,
   "bad.yaml:1: initial_cash: out of range, got '99999999999999999'"},
  {"unknown mode", "execution:\n  mode: simulaton\n" + one_ticker,
   "bad.yaml:2: execution.mode: unknown value 'simulaton'; expected one of simulation, paper, "
   "live"},
  {"unknown fsync", "journal:\n  fsync: sometimes\n" + one_ticker,
   "bad.yaml:2: journal.fsync: unknown value 'sometimes'; expected one of always, batch, never"},
  {"unknown csv on_error",
   "market_data:\n  source: csv\n  csv:\n    quotes: q.csv\n    on_error: ignore\n",
   "bad.yaml:5: market_data.csv.on_error: unknown value 'ignore'; expected one of skip, stop"},
  {"unknown clock kind", "clock:\n  kind: sundial\n" + one_ticker,
   "bad.yaml:2: clock.kind: unknown value 'sundial'; expected one of simulated, wall"},
  {"unknown broker type", "execution:\n  broker:\n    type: etrade\n" + one_ticker,
   "bad.yaml:3: execution.broker.type: unknown value 'etrade'; expected one of simulator, "
   "alpaca, ibkr"},
  {"unknown strategy type", strategies_head + "  - {name: s, type: momentum}\n",
   "bad.yaml:5: strategies[0].type: unknown value 'momentum'; expected one of rebalancer, "
   "ma_crossover, random_orders, plugin, external"},
  {"external strategy with a bad endpoint",
   strategies_head + "  - {name: py, type: external, endpoint: \"udp://1.2.3.4:5\"}\n",
   "bad.yaml:5: strategies[0].endpoint: expected tcp://HOST:PORT, got 'udp://1.2.3.4:5'"},
  {"external strategy with an unknown disconnect policy",
   strategies_head +
     "  - {name: py, type: external, endpoint: \"tcp://127.0.0.1:0\", on_disconnect: drop}\n",
   "bad.yaml:5: strategies[0].on_disconnect: unknown value 'drop'; expected one of cancel, keep"},
  {"plugin strategy without its class", strategies_head + "  - {name: p, type: plugin}\n",
   "bad.yaml:5: strategies[0].library: required for a plugin strategy"},
  {"unknown log level", "logging:\n  level: verbose\n" + one_ticker,
   "bad.yaml:2: logging.level: unknown value 'verbose'; expected one of trace, debug, info, "
   "warn, error, critical, off"},
  {"paper mode on the simulator", "execution:\n  mode: paper\n" + one_ticker,
   "bad.yaml:2: execution.mode: mode paper needs a real broker: set execution.broker.type to "
   "alpaca or ibkr"},
  {"simulation mode with a real broker",
   "execution:\n  broker:\n    type: ibkr\n" + one_ticker,
   "bad.yaml:1: execution.mode: simulation runs on the simulator, but execution.broker.type is "
   "'ibkr'; use mode paper or live"},
  {"alpaca without keys",
   "execution:\n  mode: paper\n  broker:\n    type: alpaca\n    base_url: https://x\n" +
     one_ticker,
   "bad.yaml:3: execution.broker.api_key: required for broker alpaca"},
  {"empty document", "",
   "bad.yaml: market_data.tickers: the synthetic source needs at least one ticker"},
  {"synthetic source with an empty ticker list", "market_data:\n  tickers: []\n",
   "bad.yaml:2: market_data.tickers: the synthetic source needs at least one ticker"},
  {"csv source without files", "market_data:\n  source: csv\n",
   "bad.yaml:1: market_data.csv: the csv source needs csv.quotes or csv.bars"},
  {"polygon without a key", "market_data:\n  source: polygon\n",
   "bad.yaml:1: market_data.polygon.api_key: required for the polygon source"},
  {"broker URL without a scheme",
   "execution:\n  mode: paper\n  broker:\n    type: alpaca\n    base_url: paper-api.alpaca.markets\n" +
     one_ticker,
   "bad.yaml:5: execution.broker.base_url: expected a URL starting with https:// or http://, "
   "got 'paper-api.alpaca.markets'"},
  {"ticker without a start price",
   "market_data:\n  tickers:\n    - {ticker: AAPL, bid_size: 1, ask_size: 1}\n",
   "bad.yaml:3: market_data.tickers[0].start_price: required"},
  {"lower-case ticker",
   "market_data:\n  tickers:\n    - {ticker: aapl, start_price: 1, bid_size: 1, ask_size: 1}\n",
   "bad.yaml:3: market_data.tickers[0].ticker: expected a ticker of A-Z, 0-9, '.', '-' or '/' "
   "(at most 15), got 'aapl'"},
  {"duplicate ticker",
   "market_data:\n  tickers:\n    - {ticker: AAPL, start_price: 1, bid_size: 1, ask_size: 1}\n"
   "    - {ticker: AAPL, start_price: 2, bid_size: 1, ask_size: 1}\n",
   "bad.yaml:4: market_data.tickers[1].ticker: duplicate ticker 'AAPL' (first at line 3)"},
  {"duplicate strategy name",
   strategies_head + "  - {name: s, type: ma_crossover, ticker: AAPL, quantity: 1}\n"
                     "  - {name: s, type: random_orders, tickers: [AAPL], max_quantity: 1}\n",
   "bad.yaml:6: strategies[1].name: duplicate strategy name 's' (first at line 5)"},
  {"strategy without a name", strategies_head + "  - {type: ma_crossover}\n",
   "bad.yaml:5: strategies[0].name: required"},
  {"strategy without a type", strategies_head + "  - name: s\n",
   "bad.yaml:5: strategies[0].type: required (one of rebalancer, ma_crossover, random_orders, "
   "plugin, external)"},
  {"ma_crossover without a ticker",
   strategies_head + "  - name: trend\n    type: ma_crossover\n    quantity: 10\n",
   "bad.yaml:5: strategies[0].ticker: required for a ma_crossover strategy"},
  {"fast window not below slow window",
   strategies_head + "  - name: trend\n    type: ma_crossover\n    ticker: AAPL\n"
                     "    fast_window: 20\n    slow_window: 20\n    quantity: 10\n",
   "bad.yaml:8: strategies[0].fast_window: must be less than slow_window (20), got 20"},
  {"a key of another strategy type",
   strategies_head + "  - name: trend\n    type: ma_crossover\n    target_weights: {AAPL: 0.1}\n",
   "bad.yaml:7: strategies[0].target_weights: unknown key for a ma_crossover strategy"},
  {"rebalancer weights summing over 1",
   three_tickers + "strategies:\n  - name: r\n    type: rebalancer\n"
                   "    target_weights: {AAPL: 0.5, MSFT: 0.3, NVDA: 0.3}\n",
   "bad.yaml:9: strategies[0].target_weights: weights sum to 1.1, more than 1"},
  {"strategy trading a ticker without data",
   strategies_head + "  - {name: n, type: random_orders, tickers: [AAPL, TSLA], max_quantity: 1}\n",
   "bad.yaml:5: strategies[0].tickers[1]: no market data for 'TSLA' (not in "
   "market_data.tickers)"},
  {"random orders at zero rate",
   strategies_head + "  - name: n\n    type: random_orders\n    tickers: [AAPL]\n"
                     "    max_quantity: 1\n    orders_per_second: 0\n",
   "bad.yaml:9: strategies[0].orders_per_second: must be in (0, 100000], got '0'"},
  {"node naming an unknown actor",
   one_ticker + "nodes:\n  - name: main\n    actors: [all, ordr_manager]\n",
   "bad.yaml:6: nodes[0].actors[1]: unknown actor 'ordr_manager'; did you mean "
   "'order_manager'?"},
  {"node naming an unknown strategy",
   strategies_head + "  - {name: trend, type: ma_crossover, ticker: AAPL, quantity: 1}\n"
                     "nodes:\n  - name: main\n    actors:\n      - all\n      - strategy:tren\n",
   "bad.yaml:10: nodes[0].actors[1]: unknown strategy 'tren'; did you mean 'strategy:trend'?"},
  {"actor placed twice",
   one_ticker + "nodes:\n  - {name: a, endpoint: \"tcp://127.0.0.1:1\", actors: [all]}\n"
                "  - {name: b, endpoint: \"tcp://127.0.0.1:2\", actors: [simulator]}\n",
   "bad.yaml:6: nodes[1].actors[0]: actor 'simulator' is already placed on node 'a'"},
  {"actor placed nowhere",
   one_ticker + "nodes:\n"
                "  - name: a\n    endpoint: tcp://127.0.0.1:1\n"
                "    actors: [order_manager, risk_manager, position_keeper, market_data]\n"
                "  - name: b\n    endpoint: tcp://127.0.0.1:2\n    actors: [simulator]\n",
   "bad.yaml:4: nodes: actor 'trade_logger' is not placed on any node"},
  {"broker actor in simulation",
   one_ticker + "nodes:\n  - name: main\n    actors: [all, broker]\n",
   "bad.yaml:6: nodes[0].actors[1]: actor 'broker' is not used: execution.broker.type is "
   "'simulator'"},
  {"second node without endpoint",
   one_ticker + "nodes:\n  - {name: a, endpoint: \"tcp://127.0.0.1:1\", actors: [all]}\n"
                "  - {name: b, actors: [simulator]}\n",
   "bad.yaml:6: nodes[1].endpoint: required when there are several nodes"},
  {"endpoint that is not tcp",
   one_ticker + "nodes:\n  - name: a\n    endpoint: ipc:///tmp/x\n    actors: [all]\n",
   "bad.yaml:6: nodes[0].endpoint: expected tcp://HOST:PORT, got 'ipc:///tmp/x'"},
  {"a public key without its secret key",
   one_ticker + "nodes:\n  - name: a\n    public_key_file: a.pub\n    actors: [all]\n",
   "bad.yaml:5: nodes[0].secret_key_file: required with public_key_file"},
  {"two documents", one_ticker + "---\nexecution: {}\n",
   "bad.yaml:5: only one YAML document is allowed"},
  {"partial ${} reference", "logging:\n  file: logs/${USER}.log\n" + one_ticker,
   "bad.yaml:2: logging.file: a ${...} reference must be the whole value"},
};

class config_errors : public ::testing::TestWithParam<bad_config> {};

TEST_P(config_errors, give_the_exact_message) {
  const bad_config& c = GetParam();
  EXPECT_EQ(error_of(c.yaml), c.error) << c.what << "\n--- yaml ---\n" << c.yaml;
}

INSTANTIATE_TEST_SUITE_P(table, config_errors, ::testing::ValuesIn(cases),
                         [](const ::testing::TestParamInfo<bad_config>& info) {
                           return "case_" + std::to_string(info.index);
                         });

} // namespace
} // namespace engine
