// ExecutionAgent: the seed's API over a running node, for a plain main() that knows nothing of CAF.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/app_config.hpp"
#include "messages/all_messages.hpp"

namespace engine {

class engine_node;

/// The answer to submit_order: the order id, or the reject and its reason.
struct submit_result {
  bool accepted = false;
  std::string order_id;
  std::string reason; // e.g. "max_order_size: notional 12000 > max_order_size 10000"
  OrderStatus status = OrderStatus::rejected;
  explicit operator bool() const { return accepted; }
};

/// Starts one node from a config and offers the seed's calls, each a
/// synchronous request to the actor that owns the answer.
class ExecutionAgent {
public:
  explicit ExecutionAgent(app_config cfg);
  ~ExecutionAgent();
  ExecutionAgent(const ExecutionAgent&) = delete;
  ExecutionAgent& operator=(const ExecutionAgent&) = delete;

  void start();
  void stop();

  submit_result submit_order(const std::string& ticker, OrderSide side, OrderType order_type,
                             Quantity quantity, Price price = {}, Price stop_price = {},
                             TimeInForce time_in_force = TimeInForce::day,
                             const std::string& client_order_id = "");
  std::optional<OrderExecution> get_order_status(const std::string& order_id);
  std::optional<Position> get_position(const std::string& ticker);
  std::map<std::string, Position> get_all_positions();
  PerformanceMetrics get_performance_metrics();
  AccountInfo get_account_info();
  /// True when the cancel was accepted for routing (the order was open).
  bool cancel_order(const std::string& order_id);
  std::optional<MarketData> get_market_data(const std::string& ticker);

private:
  std::unique_ptr<engine_node> node_;
};

} // namespace engine
