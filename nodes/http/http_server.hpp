// The Boost.Beast HTTP/1.1 server: its own Asio threads, one session per connection, timeouts, SSE streams.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace engine::http {

class api_router;
class event_hub;
class http_metrics;

struct server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;                  // 0: any free port (read it back with port())
  int64_t idle_timeout_ms = 30000;    // a whole request must arrive within this
  int64_t write_timeout_ms = 10000;   // a client that reads slower than this is dropped
  size_t max_body_bytes = 64 * 1024;  // larger bodies get 413
  size_t max_event_backlog = 4096;    // SSE frames queued for one client before it is dropped
  int threads = 2;                    // a slow engine query never stalls every client
};

/// Accepts connections on its own threads. Requests go to the router; GET
/// /events turns the connection into a server-sent event stream fed by the hub.
class http_server {
public:
  http_server(server_options opts, api_router& router, event_hub& hub, http_metrics& metrics);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and starts the threads; throws std::runtime_error when it cannot bind.
  void start();
  /// Closes every connection and joins the threads.
  void stop();
  uint16_t port() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace engine::http
