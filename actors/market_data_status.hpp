// The market data's state and counters (and the live feed's), shared with the node for status and report.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "messages/orders.hpp"

namespace engine {

/// What the market data has done, for the status line and the report. For
/// the polygon source the feed's state and counters too.
struct market_data_status {
  std::string source;
  std::string state;  // polygon: connecting | connected | reconnecting | auth_failed | down
  std::string reason; // why (never a key)
  int64_t attempt = 0;       // the retry since the last good connection (as BrokerStatus)
  int64_t next_delay_ms = 0; // reconnecting: the backoff before that attempt
  timestamp_ns since = 0;    // wall time the state began
  uint64_t quotes = 0;     // quotes published
  uint64_t batches = 0;    // batches published
  uint64_t received = 0;   // polygon: quotes received
  uint64_t trades = 0;
  uint64_t bars = 0;
  uint64_t reconnects = 0;
  uint64_t gaps = 0;
  uint64_t conflated = 0;
  uint64_t garbage = 0;
  uint64_t rest_errors = 0;
  bool fatal = false; // the data cannot start (a failed authentication): exit code 2
};

/// The live feed as a broker supervisor would report it, for /brokers and /ready: the
/// same policy supervises it (auth_failed is down, with the reason saying why).
inline BrokerStatus as_broker_status(const market_data_status& m) {
  BrokerStatus b;
  b.broker = "market_data:" + m.source;
  b.state = m.state == "connected"      ? BrokerState::connected
            : m.state == "reconnecting" ? BrokerState::reconnecting
            : m.state == "down" || m.state == "auth_failed" ? BrokerState::down
                                                            : BrokerState::connecting;
  b.reason = m.reason;
  b.restarts = static_cast<int64_t>(m.reconnects);
  b.timestamp = m.since;
  b.attempt = m.attempt;
  b.next_delay_ms = m.next_delay_ms;
  return b;
}

/// Shared between the actor (writer) and the node (reader), any thread.
class market_data_monitor {
public:
  market_data_status get() const {
    std::lock_guard<std::mutex> guard{mtx_};
    market_data_status s = status_;
    if (refresh_)
      refresh_(s);
    return s;
  }
  template <class F>
  void update(F&& f) {
    std::lock_guard<std::mutex> guard{mtx_};
    f(status_);
  }
  /// Fills the live counters at read time; cleared before what it reads goes away.
  void set_refresh(std::function<void(market_data_status&)> f) {
    std::lock_guard<std::mutex> guard{mtx_};
    refresh_ = std::move(f);
  }

private:
  mutable std::mutex mtx_;
  market_data_status status_;
  std::function<void(market_data_status&)> refresh_;
};

} // namespace engine
