// The API backend over the engine's actors: requests with timeouts from the HTTP threads, never from CAF workers.
#include "nodes/http/actor_backend.hpp"

#include <optional>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/engine_metrics.hpp"
#include "config/logging.hpp"
#include "messages/json_writer.hpp"
#include "messages/type_ids.hpp"

namespace engine::http {

namespace {

/// One request from this (non-CAF) thread, answered or timed out.
template <class R, class... Ts>
R ask(caf::actor_system& sys, const caf::actor& h, const char* name,
      std::chrono::milliseconds timeout, Ts&&... xs) {
  if (!h)
    throw backend_unavailable(std::string{name} + " is not on this node");
  caf::scoped_actor self{sys};
  std::optional<R> out;
  std::string why;
  self->request(h, timeout, std::forward<Ts>(xs)...)
    .receive([&](R& r) { out = std::move(r); }, [&](caf::error& e) { why = sys.render(e); });
  if (!out)
    throw backend_unavailable(std::string{name} + " did not answer: " + why);
  return std::move(*out);
}

} // namespace

actor_backend::actor_backend(actor_backend_options opts) : opts_(std::move(opts)) {}

caf::actor actor_backend::peer(const char* name) const { return opts_.directory->get(name); }

std::vector<OrderExecution> actor_backend::orders(bool open_only) {
  auto om = peer(names::order_manager);
  if (open_only)
    return ask<std::vector<OrderExecution>>(*opts_.system, om, names::order_manager,
                                            opts_.timeout, orders_atom::value);
  return ask<std::vector<OrderExecution>>(*opts_.system, om, names::order_manager, opts_.timeout,
                                          orders_atom::value, true);
}

std::optional<OrderExecution> actor_backend::order(const std::string& id) {
  auto e = ask<OrderExecution>(*opts_.system, peer(names::order_manager), names::order_manager,
                               opts_.timeout, get_atom::value, id);
  if (e.order_id.empty())
    return std::nullopt;
  return e;
}

std::vector<Position> actor_backend::positions() {
  return ask<std::vector<Position>>(*opts_.system, peer(names::position_keeper),
                                    names::position_keeper, opts_.timeout, positions_atom::value);
}

AccountInfo actor_backend::account() {
  return ask<AccountInfo>(*opts_.system, peer(names::position_keeper), names::position_keeper,
                          opts_.timeout, account_atom::value);
}

PerformanceMetrics actor_backend::performance() {
  return ask<PerformanceMetrics>(*opts_.system, peer(names::position_keeper),
                                 names::position_keeper, opts_.timeout, metrics_atom::value);
}

OrderStats actor_backend::order_stats() {
  std::lock_guard<std::mutex> guard{stats_mtx_};
  auto now = std::chrono::steady_clock::now();
  if (!stats_ || now - stats_time_ > std::chrono::milliseconds(250)) {
    stats_ = ask<OrderStats>(*opts_.system, peer(names::order_manager), names::order_manager,
                             opts_.timeout, stats_atom::value);
    stats_time_ = now;
  }
  return *stats_;
}

RiskLimits actor_backend::risk_limits() {
  return ask<RiskLimits>(*opts_.system, peer(names::risk_manager), names::risk_manager,
                         opts_.timeout, get_atom::value);
}

std::vector<BrokerStatus> actor_backend::brokers() {
  // Only what the supervisors say: a broker's state is never assumed.
  return opts_.brokers ? opts_.brokers() : std::vector<BrokerStatus>{};
}

std::vector<quote_time> actor_backend::quote_times() {
  std::vector<quote_time> out;
  auto md = peer(names::market_data);
  if (!md)
    return out;
  for (auto& t : opts_.tickers) {
    auto q = ask<MarketData>(*opts_.system, md, names::market_data, opts_.timeout,
                             market_atom::value, t);
    out.push_back(quote_time{t, q.ticker.empty() ? 0 : q.timestamp});
  }
  return out;
}

std::vector<mailbox_depth> actor_backend::mailbox_depths() {
  // Each actor stores its own depth as it works (CAF 0.17 reads a mailbox's
  // size only inside the actor): reading them never asks an actor anything.
  std::vector<mailbox_depth> out;
  auto& pm = process_metrics();
  for (size_t i = 0; i < watched_actor_names.size(); ++i) {
    auto d = pm.mailbox[i].load(std::memory_order_relaxed);
    if (d >= 0)
      out.push_back({watched_actor_names[i], d});
  }
  return out;
}

std::vector<readiness_check> actor_backend::readiness() {
  std::vector<readiness_check> out;
  try {
    auto s = order_stats();
    out.push_back({"order_manager", s.halt_reason.empty(),
                   s.halt_reason.empty() ? "accepting orders" : s.halt_reason});
  } catch (const backend_unavailable& e) {
    out.push_back({"order_manager", false, e.what()});
  }
  auto bs = brokers();
  bool all_up = !bs.empty();
  std::string detail;
  for (auto& b : bs) {
    all_up = all_up && b.state == BrokerState::connected;
    detail += (detail.empty() ? "" : ", ") + b.broker + " " + to_string(b.state);
  }
  out.push_back({"brokers", all_up, bs.empty() ? "no broker on this node" : detail});
  if (auto tl = peer(names::trade_logger)) {
    try {
      auto seq = ask<uint64_t>(*opts_.system, tl, names::trade_logger, opts_.timeout,
                               journal_atom::value);
      out.push_back({"journal", true, "durable through seq " + std::to_string(seq)});
    } catch (const backend_unavailable& e) {
      out.push_back({"journal", false, e.what()});
    }
  } else {
    out.push_back({"journal", true, "not on this node"});
  }
  try {
    auto qs = quote_times();
    auto t = now();
    timestamp_ns newest = 0;
    for (auto& q : qs)
      newest = std::max(newest, q.timestamp);
    auto max_age = std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.max_quote_age).count();
    bool fresh = qs.empty() || (newest > 0 && t - newest <= max_age);
    out.push_back({"market_data", fresh,
                   qs.empty() ? "not on this node"
                   : newest == 0
                     ? "no quote yet"
                     : "newest quote " + std::to_string((t - newest) / 1000000) + " ms old"});
  } catch (const backend_unavailable& e) {
    out.push_back({"market_data", false, e.what()});
  }
  return out;
}

std::string actor_backend::status_line() { return opts_.status_line ? opts_.status_line() : ""; }

timestamp_ns actor_backend::now() {
  if (opts_.now)
    return opts_.now();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

OrderUpdate actor_backend::submit(OrderRequest req) {
  return ask<OrderUpdate>(*opts_.system, peer(names::order_manager), names::order_manager,
                          std::chrono::milliseconds(10000), std::move(req));
}

OrderUpdate actor_backend::cancel(CancelRequest req) {
  return ask<OrderUpdate>(*opts_.system, peer(names::order_manager), names::order_manager,
                          std::chrono::milliseconds(10000), std::move(req));
}

bool actor_backend::journal(const OperatorAction& a) {
  auto tl = peer(names::trade_logger);
  if (!tl)
    return false;
  try {
    ask<uint64_t>(*opts_.system, tl, names::trade_logger, std::chrono::milliseconds(10000),
                  journal_atom::value, "operator_" + a.action, a);
    return true;
  } catch (const backend_unavailable& e) {
    logger("http")->error("operator action not journaled: {}", e.what());
    return false;
  }
}

bool actor_backend::set_trading_state(TradingState state, const std::string& who,
                                      const std::string& why) {
  auto risk = peer(names::risk_manager);
  if (!risk)
    throw backend_unavailable("risk_manager is not on this node");
  // A request (answered once applied), so the next order already meets the new state.
  caf::scoped_actor self{*opts_.system};
  bool applied = false;
  std::string err;
  self->request(risk, opts_.timeout, state)
    .receive([&] { applied = true; }, [&](caf::error& e) { err = opts_.system->render(e); });
  if (!applied)
    throw backend_unavailable("risk_manager did not apply the trading state: " + err);
  logger("http")->warn("trading state set to {} by {}: {}", enum_name(state), who, why);
  return journal(OperatorAction{who, "trading_state", to_string(state), why, now()});
}

bool actor_backend::set_risk_limits(const RiskLimits& limits, const std::string& who,
                                    const std::string& why) {
  auto risk = peer(names::risk_manager);
  if (!risk)
    throw backend_unavailable("risk_manager is not on this node");
  caf::scoped_actor self{*opts_.system};
  bool applied = false;
  std::string err;
  self->request(risk, opts_.timeout, limits)
    .receive([&] { applied = true; }, [&](caf::error& e) { err = opts_.system->render(e); });
  if (!applied)
    throw backend_unavailable("risk_manager did not apply the limits: " + err);
  logger("http")->warn("risk limits changed by {}: {}", who, why);
  return journal(OperatorAction{who, "risk_limits", to_json(limits), why, now()});
}

} // namespace engine::http
