// The seed's BrokerAdapter: one synchronous interface over any venue, for code outside the actors.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/app_config.hpp"
#include "messages/all_messages.hpp"

namespace engine {

class broker_adapter {
public:
  virtual ~broker_adapter() = default;
  virtual bool connect() = 0;
  virtual void disconnect() = 0;
  virtual bool connected() const = 0;
  /// Submits an order (order_id set by the caller); the answer is its state after submission.
  virtual OrderExecution submit_order(const OrderRequest& order) = 0;
  virtual bool cancel_order(const std::string& order_id) = 0;
  virtual std::optional<OrderExecution> get_order_status(const std::string& order_id) = 0;
  virtual std::optional<Position> get_position(const std::string& ticker) = 0;
  virtual std::map<std::string, Position> get_all_positions() = 0;
  virtual AccountInfo get_account_info() = 0;
  virtual std::optional<MarketData> get_market_data(const std::string& ticker) = 0;
};

/// The simulator as a broker adapter: the engine's fill engine and position
/// book behind the synchronous API. Quotes come in through on_quote.
class simulated_broker_adapter : public broker_adapter {
public:
  virtual void on_quote(const Quote& q) = 0;
  /// Moves the venue's clock (delays, expiries) without a quote.
  virtual void advance_to(timestamp_ns now) = 0;
};

/// Builds an adapter by broker name: "simulator" (config's simulator section
/// and initial cash). Names of venues this build has no client for throw
/// std::invalid_argument saying so.
std::unique_ptr<broker_adapter> create_broker_adapter(const std::string& name,
                                                      const app_config& config);

} // namespace engine
