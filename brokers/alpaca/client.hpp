// The Alpaca protocol client: REST v2 over HTTPS (keep-alive) and the trade_updates WebSocket,
// on its own Asio thread, rate-limited, never resending an order blindly. Plain C++ behind the
// engine's venue_connection contract; the network_broker actor owns it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "brokers/net/venue_connection.hpp"
#include "config/app_config.hpp"

namespace engine::alpaca {

struct alpaca_options {
  std::string base_url = "https://paper-api.alpaca.markets";
  std::string stream_url = "wss://paper-api.alpaca.markets/stream";
  secret api_key;
  secret secret_key;
  int requests_per_minute = 200;          // token bucket per account; 0 = unlimited
  int burst = 0;                          // bucket size; 0 = a quarter of a minute's budget
  int stream_silence_timeout_ms = 30000;  // no frame (not even a pong) for this long: dropped
  int request_timeout_ms = 10000;         // one REST round trip, connect included
  int max_rest_failures = 3;              // consecutive REST transport failures: disconnected
  int max_rate_limit_wait_ms = 60000;     // cap on a 429's Retry-After / X-RateLimit-Reset wait
  bool legacy_stream_auth = false;        // {"action":"authenticate","data":{...}} form
  std::string broker = "alpaca";          // Fill.broker
  std::string ca_file;                    // empty: the system's CA store
};

/// The options of an `execution.broker` section of type alpaca (keys, URLs; the rest default).
alpaca_options options_from(const broker_config& b, const std::string& broker_name = "alpaca");

/// A parsed base or stream URL.
struct venue_url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path; // without a trailing slash ("" for the root)
};

/// Parses http(s):// or ws(s):// URLs; plain ones are accepted only for loopback hosts (the
/// keys would otherwise travel in clear text). nullopt with `error` set when refused.
std::optional<venue_url> parse_venue_url(const std::string& url, std::string& error);
bool is_loopback_host(const std::string& host);
/// Checks both URLs of the options: empty when usable, else why not (for config checks).
std::string validate(const alpaca_options& opts);

/// What the client counted (read from any thread).
struct alpaca_counters {
  int64_t requests = 0;
  int64_t rate_limited = 0;    // 429 answers
  int64_t garbage = 0;         // bodies or frames that did not parse
  int64_t resolved_by_id = 0;  // order outcomes asked by client_order_id after a failure
  int64_t resubmitted = 0;     // POSTs sent again after the venue said it did not have them
  int64_t duplicate_fills = 0; // trade_updates fills already seen (same execution_id)
};

class alpaca_connection : public net::venue_connection {
public:
  explicit alpaca_connection(alpaca_options opts);
  ~alpaca_connection() override;

  void start(net::venue_events events) override;
  void stop() override;

  void submit(const OrderRequest& order) override;
  void cancel(const CancelRequest& cancel) override;
  void replace(const ReplaceRequest& replace) override;

  void order_by_client_id(const std::string& client_order_id,
                          net::answer<OrderExecution> done) override;
  void open_orders(net::answer<std::vector<OrderExecution>> done) override;
  void fills_since(timestamp_ns since_ns, net::answer<std::vector<Fill>> done) override;
  void positions(net::answer<std::vector<Position>> done) override;
  void account(net::answer<AccountInfo> done) override;

  alpaca_counters counters() const;

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace engine::alpaca
