// The strategy API: what a user writes to trade through the engine, without knowing CAF.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/app_config.hpp"
#include "messages/all_messages.hpp"

namespace spdlog {
class logger;
}

namespace engine {

/// What a strategy can do and see. Calls are asynchronous: the result of a
/// submit arrives as on_update (accepted or rejected with its reason), fills
/// as on_fill. The host answers on the strategy's own thread of control, so
/// a strategy needs no locks.
class strategy_context {
public:
  virtual ~strategy_context() = default;
  /// Sends a new order; returns the client_order_id it carries (generated
  /// when empty), by which its updates can be matched.
  virtual std::string submit(OrderRequest order) = 0;
  virtual void cancel(const std::string& order_id) = 0;
  virtual void replace(const ReplaceRequest& request) = 0;
  /// This strategy's own position in a ticker, from its own fills (exact).
  virtual Quantity position(const std::string& ticker) const = 0;
  /// The latest quote seen for a ticker.
  virtual std::optional<Quote> last_quote(const std::string& ticker) const = 0;
  /// The whole account as the position keeper last reported it.
  virtual const AccountInfo& account() const = 0;
  /// The engine's time: the data's time in simulation, the wall clock live.
  virtual timestamp_ns now() const = 0;
  virtual const std::string& name() const = 0;
  virtual spdlog::logger& log() = 0;
};

/// A trading strategy. Override what you need; every callback gets the context.
class strategy {
public:
  virtual ~strategy() = default;
  virtual void on_start(strategy_context&) {}
  virtual void on_quote(strategy_context&, const Quote&) {}
  virtual void on_update(strategy_context&, const OrderUpdate&) {}
  virtual void on_fill(strategy_context&, const Fill&) {}
  virtual void on_stop(strategy_context&) {}
};

/// Builds a strategy from its config: rebalancer, ma_crossover, random_orders,
/// plugin (a shared library, actors/strategy_plugin.hpp; its errors are
/// config_error) or a type registered with register_strategy_type. Throws
/// std::invalid_argument for an unknown type.
std::unique_ptr<strategy> make_strategy(const strategy_config& cfg);

using strategy_maker = std::function<std::unique_ptr<strategy>(const strategy_config&)>;

/// Makes `type` known to make_strategy, for strategies compiled into a
/// program of their own (tests, an embedding main()). Configs built in code
/// can name it; the YAML loader knows only the shipped types and plugin.
void register_strategy_type(const std::string& type, strategy_maker make);

} // namespace engine
