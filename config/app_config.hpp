// The typed configuration of a node, as loaded and validated from app_config.yaml.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/fault_plan.hpp"
#include "messages/control.hpp"
#include "messages/decimal.hpp"
#include "messages/enums.hpp"

namespace engine {

namespace config_read {
struct entry;
}

/// A value that must never be printed: API keys and secrets. Its formatter
/// (and to_string) prints "***"; only the broker client reads `reveal()`.
class secret {
public:
  secret() = default;
  explicit secret(std::string v) : value_(std::move(v)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend std::string to_string(const secret& s) { return s.empty() ? "" : "***"; }

private:
  std::string value_;
};

enum class execution_mode { simulation, paper, live };

/// One broker connection and its keys (`execution.broker`, or an item of `execution.brokers`).
struct broker_config {
  std::string name;               // the directory name orders route to; default: its type
  std::string type = "simulator"; // simulator | alpaca | ibkr
  // alpaca
  secret api_key;
  secret secret_key;
  std::string base_url;   // e.g. https://paper-api.alpaca.markets
  std::string stream_url; // trade_updates websocket
  // ibkr
  std::string host = "127.0.0.1";
  int port = 7497;
  int client_id = 1;
  std::string account;
  int requests_per_minute = 200;  // alpaca: the account's REST rate limit
  // supervision of the connection
  int max_restarts = 5;          // within restart_window_s, then marked down
  int restart_window_s = 60;
  int backoff_initial_ms = 100;
  int backoff_max_ms = 10000;
  bool fallback_to_simulator = false;
  int answer_timeout_ms = 10000;  // a submit/cancel/replace unanswered this long: unknown
  int ping_interval_ms = 1000;    // liveness check of the connection (a hang is found by it)
  int down_retry_s = 60;          // once down, try again after this long (0: only by hand)
  fault_plan faults;              // injected faults (tests, drills); empty in production
};

/// The simulator's fill model (`execution:` keys of the seed plus the `simulator:` section).
struct simulator_config {
  Rate spread_multiplier = Rate::from_units(1); // widens the half-spread paid by market orders
  Rate slippage_bps;                 // added against the taker, in basis points
  Rate impact_bps_per_1000;          // extra bps per 1,000 shares of order size (0 = off)
  int64_t execution_delay_ms = 0;    // latency from acceptance to fill
  int64_t cancel_delay_ms = 0;       // latency from cancel request to cancel
  Rate commission_rate;              // fraction of notional
  Money min_commission;              // per fill, before cent rounding
  Rate participation_rate;           // 0 = fills bounded by displayed size only
  bool reject_outside_session = false; // market closed => reject new orders
  uint64_t seed = 42;
};

/// Regular session hours used by day/opg/cls orders and daily resets.
struct session_config {
  std::string timezone = "America/New_York"; // America/New_York | UTC | fixed "+HH:MM"
  int open_minute = 9 * 60 + 30;  // minutes after local midnight
  int close_minute = 16 * 60;
};

/// Pre-trade limits of the risk manager, from the seed's execution keys.
struct risk_config {
  RiskLimits limits; // trading_state, max_position_size, max_order_size, ...
};

struct execution_config {
  execution_mode mode = execution_mode::simulation;
  simulator_config simulator;
  risk_config risk;
  broker_config broker;               // the default broker (the first of `brokers`)
  std::vector<broker_config> brokers; // every broker; brokers[0] is `broker`
  /// Admission control: a new order that finds more than this many messages queued at the
  /// order manager (its mailbox plus orders waiting for risk or the journal) is refused
  /// `overloaded` at once, so throughput stays at capacity instead of collapsing. 0: off.
  int64_t max_queued_orders = 20000;
  int64_t recent_closed_orders = 100000; // closed orders the order manager keeps in memory
};

/// One synthetic instrument: a seeded geometric Brownian motion.
struct synthetic_ticker {
  std::string ticker;
  Price start_price;
  Rate volatility;        // annualised, e.g. 0.25
  Rate drift;             // annualised
  Rate spread_bps;        // quoted spread in basis points of the mid
  Quantity bid_size;
  Quantity ask_size;
};

enum class csv_error_policy { skip, stop };

struct market_data_config {
  std::string source = "synthetic"; // synthetic | csv | polygon
  uint64_t seed = 42;
  int64_t quote_interval_ms = 100;   // synthetic: time between quotes per ticker
  int64_t batch_size = 64;           // quotes per QuoteBatch message
  std::vector<synthetic_ticker> tickers;
  std::string csv_quotes;            // path of a quotes CSV (ts,ticker,bid,ask,bid_size,ask_size)
  std::string csv_bars;              // path of a bars CSV (ts,ticker,open,high,low,close,volume)
  csv_error_policy csv_on_error = csv_error_policy::skip;
  secret polygon_api_key;
  std::string polygon_ws_url;         // default wss://socket.polygon.io/stocks
  std::string polygon_rest_url;       // default https://api.polygon.io
  std::vector<std::string> polygon_tickers; // default: the names in `tickers`
  std::vector<std::string> polygon_channels{"Q", "T", "AM"};
  int64_t polygon_silence_timeout_ms = 30000; // no frame this long: reconnect
  int64_t polygon_rest_timeout_ms = 5000;
  // The feed's supervision, the brokers' policy (brokers/supervision/restart_policy.hpp).
  int64_t polygon_backoff_initial_ms = 250;
  int64_t polygon_backoff_max_ms = 30000;
  int64_t polygon_max_restarts = 5;        // within restart_window_s, then down
  int64_t polygon_restart_window_s = 60;
  int64_t polygon_down_retry_s = 60;       // once down, try again after this long (0: stay down)
  int64_t polygon_max_pending_quotes = 10000; // past this, conflate to the latest per ticker
  std::string record;                 // any source: write every quote published to this CSV
};

enum class clock_kind { simulated, wall };

struct clock_config {
  clock_kind kind = clock_kind::simulated;
  double speed = 0;          // simulated: 0 = as fast as possible, else x real time
  std::string start = "2026-11-24T09:30:00-05:00"; // simulated start time (ISO 8601)
};

/// One strategy instance; `params` are validated per type by the loader.
struct strategy_config {
  std::string name;
  std::string type; // rebalancer | ma_crossover | random_orders | plugin
  std::string broker; // the broker its orders go to; empty: the default broker
  // rebalancer
  std::map<std::string, Rate> target_weights;
  Rate drift_threshold = *Rate::parse("0.02");
  int64_t rebalance_interval_ms = 60000;
  // ma_crossover
  std::string ticker;
  int64_t fast_window = 5;
  int64_t slow_window = 20;
  Quantity quantity;
  // random_orders
  std::vector<std::string> tickers;
  double orders_per_second = 10;
  uint64_t seed = 1;
  Quantity max_quantity;
  Rate limit_fraction;      // share of orders that are limit orders
  Rate limit_offset_bps;    // limit price distance from the touch
  int64_t max_resting = 4;  // resting orders kept; past this the oldest is cancelled
  Rate crossing_fraction = *Rate::parse("0.5"); // share of limits priced through the touch
  int64_t max_orders = 0;   // orders sent in all, then it only watches (0: no limit)
  // plugin (docs/STRATEGIES.md, "Plug-ins")
  std::string library;      // the shared library, resolved against the config file's directory
  std::string plugin_class; // `class:` the library makes
  std::string params_yaml;  // `params:` as YAML text ("{}" when absent)
  // external: a strategy in another process, through the strategy gateway
  std::string endpoint;              // tcp://HOST:PORT the gateway binds (port 0: any, printed)
  bool cancel_on_disconnect = true;  // on_disconnect: cancel | keep its open orders
  int64_t heartbeat_timeout_ms = 3000; // silence after which the process is down
  int64_t wait_for_process_ms = 10000; // the first batch waits this long for the process (0: no)
  std::string public_key_file;       // CURVE server keys (default: the hosting node's)
  std::string secret_key_file;
  std::vector<std::string> client_key_files; // public keys allowed in (empty: any client)
  /// This strategy's map as parsed (file, lines, key paths): the plug-in
  /// reads its `params:` from it and errors name its lines
  /// (config/yaml_read.hpp); null when not a plug-in or built in code.
  std::shared_ptr<const config_read::entry> entry;
};

enum class fsync_policy { always, batch, never };

struct journal_config {
  std::string dir = "logs/execution";
  fsync_policy fsync = fsync_policy::batch;
  int64_t batch_max_records = 4096;
  int64_t batch_max_us = 500;
  std::string rotate = "daily"; // daily | size
  int64_t rotate_bytes = 256 * 1024 * 1024;
  int64_t page_cache_bytes = 4 * 1024 * 1024; // newest journal bytes per stream kept cached
};

/// The actor scheduler (`scheduler:`).
struct scheduler_config {
  /// How many times a worker that ran out of work polls its queue (and steals) before it
  /// sleeps: a message arriving meanwhile needs no thread wake-up. Each poll is tens of
  /// nanoseconds, so the default holds a core for about a millisecond after the last message.
  int64_t idle_polls = 20000;
  /// CAF worker threads, shared by every actor of the node (the journal writer, the network
  /// clients and the HTTP server have threads of their own). Two on the two-core machine:
  /// one worker is cheaper per order for the order path alone, but a node whose strategies
  /// and feeds make the load loses throughput (docs/PERFORMANCE.md, session 16).
  int64_t workers = 2;
};

struct logging_config {
  std::string level = "info"; // trace | debug | info | warn | error | critical | off
  std::string file;           // empty = stderr only
};

/// Placement: which actors a node hosts and where it listens.
struct node_config {
  std::string name = "main";
  std::string endpoint; // tcp://host:port; empty for a single node (no sockets)
  std::vector<std::string> actors; // e.g. order_manager, risk_manager, ..., "strategy:NAME"
  std::string public_key_file;
  std::string secret_key_file;
};

/// The operator's HTTP API (`http:`); off unless the section is present.
struct http_config {
  bool enabled = false;
  std::string host = "127.0.0.1"; // from `listen: HOST:PORT`
  int port = 8080;                // 0 picks a free port (tests)
  bool allow_remote = false;      // required to listen beyond loopback (no TLS here)
  secret token;                   // bearer token for every route but /health
  std::string www_dir;            // dashboard files; empty = next to the program or the source
  int64_t max_body_bytes = 64 * 1024;
  int64_t idle_timeout_ms = 30000; // a request must arrive within this
};

struct app_config {
  std::string source_file; // the file this was loaded from, for messages
  Money initial_cash = Money::from_units(100000);
  execution_config execution;
  session_config session;
  clock_config clock;
  market_data_config market_data;
  std::vector<strategy_config> strategies;
  journal_config journal;
  scheduler_config scheduler;
  logging_config logging;
  std::vector<node_config> nodes;
  http_config http;
};

template <>
struct enum_names<execution_mode> {
  static constexpr std::array<std::string_view, 3> values{"simulation", "paper", "live"};
};
template <>
struct enum_names<csv_error_policy> {
  static constexpr std::array<std::string_view, 2> values{"skip", "stop"};
};
template <>
struct enum_names<clock_kind> {
  static constexpr std::array<std::string_view, 2> values{"simulated", "wall"};
};
template <>
struct enum_names<fsync_policy> {
  static constexpr std::array<std::string_view, 3> values{"always", "batch", "never"};
};

} // namespace engine
