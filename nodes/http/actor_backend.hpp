// The API backend over the engine's actors: requests with timeouts from the HTTP threads, never from CAF workers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "nodes/http/api_backend.hpp"

namespace engine {
class actor_directory;
}

namespace engine::http {

struct actor_backend_options {
  caf::actor_system* system = nullptr;
  std::shared_ptr<actor_directory> directory;
  std::vector<std::string> tickers; // for market data age
  std::function<std::string()> status_line;
  std::function<timestamp_ns()> now;
  /// The brokers' states (the broker supervisors publish BrokerStatus); when
  /// empty, the simulator counts as one connected broker if it is on the node.
  std::function<std::vector<BrokerStatus>()> brokers;
  std::chrono::milliseconds timeout{3000};
  /// /ready wants a quote younger than this on the node's clock.
  std::chrono::milliseconds max_quote_age{30000};
};

class actor_backend final : public api_backend {
public:
  explicit actor_backend(actor_backend_options opts);

  std::vector<OrderExecution> orders(bool open_only) override;
  std::optional<OrderExecution> order(const std::string& id) override;
  std::vector<Position> positions() override;
  AccountInfo account() override;
  PerformanceMetrics performance() override;
  OrderStats order_stats() override;
  RiskLimits risk_limits() override;
  std::vector<BrokerStatus> brokers() override;
  std::vector<quote_time> quote_times() override;
  std::vector<mailbox_depth> mailbox_depths() override;
  std::vector<readiness_check> readiness() override;
  std::string status_line() override;
  timestamp_ns now() override;
  OrderUpdate submit(OrderRequest req) override;
  OrderUpdate cancel(CancelRequest req) override;
  bool set_trading_state(TradingState state, const std::string& who,
                         const std::string& why) override;
  bool set_risk_limits(const RiskLimits& limits, const std::string& who,
                       const std::string& why) override;

private:
  caf::actor peer(const char* name) const;
  bool journal(const OperatorAction& a);
  actor_backend_options opts_;
  // The order manager walks every order of the day for its stats: several
  // clients (status events, scrapes, dashboards) share one answer for 250 ms.
  std::mutex stats_mtx_;
  std::chrono::steady_clock::time_point stats_time_;
  std::optional<OrderStats> stats_;
};

} // namespace engine::http
