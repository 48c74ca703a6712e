// What the HTTP API reads from and asks of the engine, as an interface the routes are tested against.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "messages/all_messages.hpp"

namespace engine::http {

/// The engine did not answer in time (an actor busy or gone): the API says 503.
class backend_unavailable : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One line of /ready: a check and whether it passed.
struct readiness_check {
  std::string name;
  bool ok = false;
  std::string detail;
};

/// The latest quote's time per ticker (for market data age).
struct quote_time {
  std::string ticker;
  timestamp_ns timestamp = 0;
};

/// Depth of an actor's mailbox, when the actor can be asked.
struct mailbox_depth {
  std::string actor;
  int64_t depth = 0;
};

/// Everything the routes need. The actor implementation (actor_backend) asks
/// the engine's actors with timeouts and throws backend_unavailable when one
/// does not answer; the trading path never waits on it.
class api_backend {
public:
  virtual ~api_backend() = default;

  /// Every order the order manager knows (open_only: just the open ones).
  virtual std::vector<OrderExecution> orders(bool open_only) = 0;
  /// An order by order id or client order id.
  virtual std::optional<OrderExecution> order(const std::string& id) = 0;
  virtual std::vector<Position> positions() = 0;
  virtual AccountInfo account() = 0;
  virtual PerformanceMetrics performance() = 0;
  virtual OrderStats order_stats() = 0;
  virtual RiskLimits risk_limits() = 0;
  virtual std::vector<BrokerStatus> brokers() = 0;
  virtual std::vector<quote_time> quote_times() = 0;
  virtual std::vector<mailbox_depth> mailbox_depths() = 0;
  virtual std::vector<readiness_check> readiness() = 0;
  virtual std::string status_line() = 0;
  /// The node's clock (simulated or wall).
  virtual timestamp_ns now() = 0;

  /// A manual order through the order manager's risk checks and journal.
  virtual OrderUpdate submit(OrderRequest req) = 0;
  virtual OrderUpdate cancel(CancelRequest req) = 0;
  /// Sets the kill switch and journals who did it and why; false when the journal refused.
  virtual bool set_trading_state(TradingState state, const std::string& who,
                                 const std::string& why) = 0;
  virtual bool set_risk_limits(const RiskLimits& limits, const std::string& who,
                               const std::string& why) = 0;
};

} // namespace engine::http
