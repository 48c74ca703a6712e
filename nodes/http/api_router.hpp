// The HTTP API's routes as a function from request to response: auth, validation, JSON, metrics; no sockets.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "config/app_config.hpp"
#include "nodes/http/api_backend.hpp"
#include "nodes/http/prometheus_text.hpp"

namespace engine::http {

struct api_request {
  std::string method; // GET, POST, PUT, DELETE
  std::string target; // path and query, as received
  std::string body;
  std::string authorization; // the Authorization header, if any
  std::string remote;        // the client's address, for the audit trail
};

struct api_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool event_stream = false; // GET /events: the server keeps the connection and streams
};

/// Counters the server and routes keep about themselves (for /metrics).
class http_metrics {
public:
  void count(const std::string& route, int status);
  void count_unauthorized() { ++unauthorized_; }
  latency_buckets& manual_order_ack() { return manual_order_ack_; }
  std::atomic<int64_t>& event_clients() { return event_clients_; }
  std::atomic<int64_t>& event_clients_dropped() { return event_clients_dropped_; }
  void write(prometheus_text& out) const;
  int64_t requests(const std::string& route, int status) const;
  int64_t unauthorized() const { return unauthorized_.load(); }

private:
  mutable std::mutex mtx_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  std::atomic<int64_t> unauthorized_{0};
  std::atomic<int64_t> event_clients_{0};
  std::atomic<int64_t> event_clients_dropped_{0};
  latency_buckets manual_order_ack_;
};

struct router_options {
  secret token;
  std::string www_dir;    // dashboard files; empty: no dashboard
  std::string vendor_dir; // npm packages (lightweight-charts), served under /vendor/
  size_t max_body_bytes = 64 * 1024;
};

class api_router {
public:
  api_router(api_backend& backend, router_options opts, http_metrics& metrics);

  /// Answers one request (and counts it by route and status).
  api_response handle(const api_request& req);
  /// The route a request matched, for metrics labels ("/orders/{id}", "other").
  static std::string route_of(const std::string& method, const std::string& path);
  /// The Prometheus text of GET /metrics.
  std::string metrics_text();

private:
  api_response dispatch(const api_request& req, const std::string& path,
                        const std::map<std::string, std::string>& query);
  api_response get_orders(const std::map<std::string, std::string>& query);
  api_response get_fills(const std::map<std::string, std::string>& query);
  api_response post_order(const api_request& req);
  api_response cancel_all(const std::map<std::string, std::string>& query);
  api_response put_trading_state(const api_request& req);
  api_response put_risk(const api_request& req);
  api_response static_file(const std::string& path);
  bool authorized(const api_request& req) const;

  api_backend& backend_;
  router_options opts_;
  http_metrics& metrics_;
  std::atomic<uint64_t> manual_seq_{0};
};

/// `{"error":"...","field":"..."}` (field omitted when empty).
std::string error_json(const std::string& message, const std::string& field = {});
/// Splits a target into its path and decoded query parameters; false for bad %-escapes.
bool split_target(const std::string& target, std::string& path,
                  std::map<std::string, std::string>& query);

} // namespace engine::http
