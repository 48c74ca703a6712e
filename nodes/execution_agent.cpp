// ExecutionAgent: the seed's API over a running node, for a plain main() that knows nothing of CAF.
#include "nodes/execution_agent.hpp"

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_node.hpp"

namespace engine {

namespace {

constexpr auto call_timeout = std::chrono::seconds(30);

/// One synchronous request to a named actor; nullopt when it is not there or fails.
template <class T, class... Ts>
std::optional<T> ask(engine_node& node, const char* name, Ts&&... xs) {
  auto h = node.directory()->get(name);
  if (!h)
    return std::nullopt;
  caf::scoped_actor self{node.system()};
  std::optional<T> out;
  self->request(h, call_timeout, std::forward<Ts>(xs)...)
    .receive([&](const T& x) { out = x; }, [](caf::error&) {});
  return out;
}

} // namespace

ExecutionAgent::ExecutionAgent(app_config cfg)
  : node_(std::make_unique<engine_node>(std::move(cfg))) {}

ExecutionAgent::~ExecutionAgent() { stop(); }

void ExecutionAgent::start() { node_->start(); }

void ExecutionAgent::stop() {
  if (!node_)
    return;
  node_->drain();
  node_->stop();
}

submit_result ExecutionAgent::submit_order(const std::string& ticker, OrderSide side,
                                           OrderType order_type, Quantity quantity, Price price,
                                           Price stop_price, TimeInForce time_in_force,
                                           const std::string& client_order_id) {
  OrderRequest o;
  o.ticker = ticker;
  o.side = side;
  o.order_type = order_type;
  o.quantity = quantity;
  o.price = price;
  o.stop_price = stop_price;
  o.time_in_force = time_in_force;
  o.client_order_id = client_order_id;
  o.timestamp = node_->now();
  o.strategy = "agent";
  submit_result r;
  auto u = ask<OrderUpdate>(*node_, names::order_manager, o);
  if (!u) {
    r.reason = "no answer from the order manager";
    return r;
  }
  r.order_id = u->order_id;
  r.status = u->status;
  r.reason = u->reason;
  r.accepted = u->status != OrderStatus::rejected;
  return r;
}

std::optional<OrderExecution> ExecutionAgent::get_order_status(const std::string& order_id) {
  auto e = ask<OrderExecution>(*node_, names::order_manager, get_atom::value, order_id);
  if (!e || e->order_id.empty())
    return std::nullopt;
  return e;
}

std::optional<Position> ExecutionAgent::get_position(const std::string& ticker) {
  auto p = ask<Position>(*node_, names::position_keeper, positions_atom::value, ticker);
  if (!p || p->quantity.is_zero())
    return std::nullopt;
  return p;
}

std::map<std::string, Position> ExecutionAgent::get_all_positions() {
  std::map<std::string, Position> out;
  if (auto ps = ask<std::vector<Position>>(*node_, names::position_keeper, positions_atom::value))
    for (auto& p : *ps)
      out.emplace(p.ticker, p);
  return out;
}

PerformanceMetrics ExecutionAgent::get_performance_metrics() {
  return ask<PerformanceMetrics>(*node_, names::position_keeper, metrics_atom::value)
    .value_or(PerformanceMetrics{});
}

AccountInfo ExecutionAgent::get_account_info() {
  return ask<AccountInfo>(*node_, names::position_keeper, account_atom::value)
    .value_or(AccountInfo{});
}

bool ExecutionAgent::cancel_order(const std::string& order_id) {
  CancelRequest c;
  c.order_id = order_id;
  c.timestamp = node_->now();
  c.reason = "agent";
  auto u = ask<OrderUpdate>(*node_, names::order_manager, c);
  return u && u->reject == RejectReason::none && u->status == OrderStatus::pending_cancel;
}

std::optional<MarketData> ExecutionAgent::get_market_data(const std::string& ticker) {
  auto md = ask<MarketData>(*node_, names::market_data, market_atom::value, ticker);
  if (!md || md->ticker.empty())
    return std::nullopt;
  return md;
}

} // namespace engine
