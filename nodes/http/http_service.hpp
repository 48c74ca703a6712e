// The operator's HTTP API of a node in one object: backend, routes, server, event bridge and status ticker.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "config/app_config.hpp"
#include "messages/all_messages.hpp"

namespace engine {
class actor_directory;
}

namespace engine::http {

class event_hub;
class event_tap;
class http_metrics;

struct http_service_options {
  http_config config;
  caf::actor_system* system = nullptr;
  std::shared_ptr<actor_directory> directory;
  std::vector<std::string> tickers;
  std::function<std::string()> status_line;
  std::function<timestamp_ns()> now;
  /// Broker supervisors' states for /brokers, /ready and /metrics (may be empty).
  std::function<std::vector<BrokerStatus>()> brokers;
  /// Broker supervisors (directory names) whose state changes go to /events as they happen.
  std::vector<std::string> broker_names;
  /// The order manager's tap when it runs in this process (else the bridge subscribes).
  std::shared_ptr<event_tap> tap;
  /// Seconds between "status" events on /events.
  double status_every_s = 1.0;
};

/// Start after the node's actors, stop before them (it asks them things).
class http_service {
public:
  explicit http_service(http_service_options opts);
  ~http_service();
  http_service(const http_service&) = delete;
  http_service& operator=(const http_service&) = delete;

  /// Binds and serves; throws std::runtime_error when the address cannot be bound.
  void start();
  void stop();
  uint16_t port() const;
  event_hub& hub();
  http_metrics& metrics();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Where the dashboard's files are: the configured dir, else installed beside
/// the program (../share/execution-engine/www), else the source tree's nodes/http/www.
std::string find_www_dir(const std::string& configured);
/// Where the pinned npm packages are (lightweight-charts): deploy/web/node_modules
/// in the source tree, or ../share/execution-engine/node_modules when installed.
std::string find_vendor_dir();

} // namespace engine::http
