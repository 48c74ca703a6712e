// fault-proxy's core: a TCP proxy on 127.0.0.1 that applies a fault plan at the socket, in
// front of any server (HTTP, WebSocket, the IB TWS protocol). Runs on its own Asio thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "brokers/faults/fault_plan.hpp"

namespace engine {

struct fault_proxy_options {
  std::string upstream_host = "127.0.0.1";
  uint16_t upstream_port = 0;
  uint16_t listen_port = 0; // 0 = pick one; start() returns it
  bool http = false;        // understand HTTP/1.1 requests (429/500/403 answers, orders)
  bool control = false;     // serve the counters as JSON on control_port
  uint16_t control_port = 0;
  fault_plan plan;
  std::string plan_file = "plan"; // for error messages
  /// The plan's clock, ns since the epoch (UTC); default the wall clock. at_s counts from its
  /// value at start(). Tests pass the wall clock plus an offset they move.
  std::function<int64_t()> clock;
};

/// What went through and what fired; a snapshot.
struct fault_proxy_counters {
  int64_t accepted = 0;        // client connections accepted and forwarded
  int64_t refused = 0;         // client connections closed at once (refuse, reset, disconnect)
  int64_t open = 0;            // connection pairs open now
  int64_t dropped = 0;         // pairs closed by a disconnect or reset_window
  int64_t upstream_failed = 0; // upstream connects that failed
  int64_t bytes_up = 0;        // client -> upstream, as read
  int64_t bytes_down = 0;      // upstream -> client, as read
  int64_t requests = 0;        // --http: complete requests seen
  int64_t orders = 0;          // --http: POST /v2/orders seen
  int64_t forwarded = 0;       // --http: requests forwarded
  int64_t answered_429 = 0;
  int64_t answered_500 = 0;
  int64_t answered_403 = 0;
  int64_t garbage = 0;         // garbage answers or chunks sent
  std::array<int64_t, enum_count<fault_kind>> fired{}; // per kind, as the injector counts

  std::string to_json() const;
};

class fault_proxy {
public:
  /// Checks the plan (proxy_policy::check): throws std::invalid_argument with its message.
  explicit fault_proxy(fault_proxy_options options);
  ~fault_proxy();
  fault_proxy(const fault_proxy&) = delete;
  fault_proxy& operator=(const fault_proxy&) = delete;

  /// Resolves the upstream, binds 127.0.0.1 and starts the I/O thread; returns the port.
  /// Throws std::runtime_error if it cannot bind or resolve.
  uint16_t start();
  /// The control port (after start(), with options.control).
  uint16_t control_port() const;
  /// Closes every connection and joins the thread; idempotent.
  void stop();
  fault_proxy_counters counters() const;

  struct impl; // named by the sessions in fault_proxy.cpp

private:
  std::unique_ptr<impl> impl_;
};

} // namespace engine
