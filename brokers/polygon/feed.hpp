// The live Polygon stocks feed: WebSocket quotes/trades/bars plus REST snapshots, on its own Asio thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "brokers/polygon/events_journal.hpp"
#include "brokers/supervision/restart_policy.hpp"
#include "config/app_config.hpp"
#include "messages/market.hpp"

namespace engine::polygon {

enum class feed_state { connecting, connected, reconnecting, auth_failed, down };

const char* to_string(feed_state s);

/// What the feed is doing now, like a broker supervisor's BrokerStatus. `attempt` is the
/// retry since the last good connection (connecting: this one; reconnecting: the one the delay
/// leads to), `delay_ms` the backoff before it (reconnecting only).
struct feed_state_change {
  feed_state state = feed_state::connecting;
  int attempt = 0;
  int64_t delay_ms = 0;
  std::string reason; // never contains the key
  uint64_t restarts = 0; // reconnects since start
};

/// What the feed has seen since start (read from any thread).
struct feed_counters {
  uint64_t frames = 0;          // WebSocket text frames received
  uint64_t bytes = 0;           // their bytes
  uint64_t quotes = 0;          // quotes received (stream and snapshots)
  uint64_t trades = 0;
  uint64_t bars = 0;
  uint64_t batches = 0;         // batches handed to on_quotes
  uint64_t delivered = 0;       // quotes handed to on_quotes
  uint64_t conflated = 0;       // quotes dropped because a newer one of the ticker replaced it
  uint64_t garbage = 0;         // frames that were not JSON events: dropped
  uint64_t bad_events = 0;      // events missing fields or with bad numbers: dropped
  uint64_t unusable_quotes = 0; // crossed, locked or zero-priced quotes: dropped
  uint64_t reconnects = 0;
  uint64_t gaps = 0;            // tickers whose gap a snapshot filled after a reconnect
  uint64_t snapshots = 0;       // REST snapshots that answered
  uint64_t rest_errors = 0;
};

struct feed_options {
  std::string ws_url = "wss://socket.polygon.io/stocks";
  std::string rest_url = "https://api.polygon.io";
  secret api_key;
  std::vector<std::string> tickers;
  std::vector<std::string> channels{"Q", "T", "AM"};
  int64_t silence_timeout_ms = 30000; // no frame for this long: reconnect
  int64_t connect_timeout_ms = 10000;
  int64_t rest_timeout_ms = 5000;     // each REST call, connect to last byte
  /// The brokers' supervision policy (brokers/supervision): backoff with jitter, at most
  /// max_restarts in window_ms, then down.
  restart_policy_config supervision{5, 60'000, 250, 30'000, 0.2, 1};
  int64_t down_retry_ms = 60'000;     // once down, start over after this long (0: stay down)
  size_t max_pending_quotes = 10000;  // past this, keep only the latest quote per ticker
  bool snapshots = true;              // REST snapshot at start and after each reconnect
  /// Where connects, disconnects, auth results and gaps are journaled (optional).
  std::shared_ptr<events_journal> journal;
};

/// Called on the feed's thread, in order; none may block for long.
struct feed_callbacks {
  /// A batch of quotes in arrival order. The feed sends no other batch until
  /// ready() is called: meanwhile quotes wait, conflated past the bound.
  std::function<void(QuoteBatch)> on_quotes;
  std::function<void(const Trade&)> on_trade;
  std::function<void(const Bar&)> on_bar;
  std::function<void(const feed_state_change&)> on_state;
  /// After a reconnect, per ticker: the gap and the snapshot quote that filled it.
  std::function<void(const feed_gap&)> on_gap;
};

/// A URL split for connecting: wss/ws/https/http, host, port, target.
struct parsed_url {
  bool tls = true;
  std::string host;
  std::string port;
  std::string target; // path, "/" if none
};
std::optional<parsed_url> parse_url(const std::string& url);
bool is_loopback_host(const std::string& host);

/// One feed: start() connects (auth, subscribe, snapshot) and, when the stream is silent,
/// closed or refused, reconnects under the brokers' restart policy: exponential backoff with
/// jitter, and once max_restarts fall within the window the feed is down (then tries again
/// after down_retry_ms), until stop() or a failed authentication (which is final: state
/// auth_failed). Plain ws:// and http:// are accepted only for loopback hosts; wss/https
/// verify the peer with SNI.
class polygon_feed {
public:
  /// Throws std::invalid_argument for unusable options (a bad URL, no tickers, no key).
  polygon_feed(feed_options options, feed_callbacks callbacks);
  ~polygon_feed();
  polygon_feed(const polygon_feed&) = delete;
  polygon_feed& operator=(const polygon_feed&) = delete;

  void start();
  /// Closes the connection and joins the thread; no callback runs after it returns.
  void stop();
  /// The consumer has taken the last batch: the next may go. Any thread.
  void ready();

  feed_counters counters() const;
  feed_state state() const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace engine::polygon
