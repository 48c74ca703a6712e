// The seed's BrokerAdapter: one synchronous interface over any venue, for code outside the actors.
#include "brokers/broker_adapter.hpp"

#include <stdexcept>
#include <unordered_map>

#include "actors/portfolio/position_book.hpp"
#include "brokers/sim/fill_engine.hpp"

namespace engine {

namespace {

class sim_adapter final : public simulated_broker_adapter {
public:
  explicit sim_adapter(const app_config& cfg)
    : engine_(cfg.execution.simulator), book_(cfg.initial_cash) {}

  bool connect() override {
    connected_ = true;
    return true;
  }
  void disconnect() override { connected_ = false; }
  bool connected() const override { return connected_; }

  OrderExecution submit_order(const OrderRequest& order) override {
    require_connected();
    engine_.submit(order, now_, events_);
    apply();
    return engine_.order(order.order_id).value_or(rejected(order));
  }

  bool cancel_order(const std::string& order_id) override {
    require_connected();
    CancelRequest c;
    c.order_id = order_id;
    c.timestamp = now_;
    engine_.cancel(c, now_, events_);
    bool refused = false;
    for (auto& e : events_)
      refused |= e.what == sim::sim_event::kind::cancel_rejected;
    apply();
    return !refused;
  }

  std::optional<OrderExecution> get_order_status(const std::string& order_id) override {
    if (auto o = engine_.order(order_id))
      return o;
    auto i = rejected_.find(order_id);
    if (i == rejected_.end())
      return std::nullopt;
    return i->second;
  }

  std::optional<Position> get_position(const std::string& ticker) override {
    return book_.position(ticker);
  }

  std::map<std::string, Position> get_all_positions() override {
    std::map<std::string, Position> out;
    for (auto& p : book_.positions())
      out.emplace(p.ticker, p);
    return out;
  }

  AccountInfo get_account_info() override { return book_.account(); }

  std::optional<MarketData> get_market_data(const std::string& ticker) override {
    auto i = quotes_.find(ticker);
    if (i == quotes_.end())
      return std::nullopt;
    MarketData md;
    md.ticker = ticker;
    md.bid = i->second.bid;
    md.ask = i->second.ask;
    md.last = mid_price(i->second);
    md.spread = i->second.ask - i->second.bid;
    md.timestamp = i->second.timestamp;
    return md;
  }

  void on_quote(const Quote& q) override {
    if (q.timestamp > now_)
      now_ = q.timestamp;
    quotes_[q.ticker] = q;
    engine_.on_quote(q, events_);
    book_.mark(q.ticker, mid_price(q));
    apply();
  }

  void advance_to(timestamp_ns now) override {
    if (now > now_)
      now_ = now;
    engine_.advance_to(now_, events_);
    apply();
  }

private:
  void require_connected() const {
    if (!connected_)
      throw std::logic_error("broker adapter: not connected");
  }

  OrderExecution rejected(const OrderRequest& order) {
    auto i = rejected_.find(order.order_id);
    return i != rejected_.end() ? i->second : OrderExecution{};
  }

  void apply() {
    for (auto& e : events_) {
      if (e.what == sim::sim_event::kind::fill)
        book_.apply_fill(e.fill);
      if (e.what == sim::sim_event::kind::rejected) {
        OrderExecution x;
        x.order_id = e.update.order_id;
        x.ticker = e.update.ticker;
        x.side = e.update.side;
        x.status = OrderStatus::rejected;
        x.reason = e.update.reason;
        rejected_[x.order_id] = x;
      }
    }
    events_.clear();
  }

  sim::fill_engine engine_;
  position_book book_;
  std::unordered_map<std::string, Quote> quotes_;
  std::unordered_map<std::string, OrderExecution> rejected_;
  std::vector<sim::sim_event> events_;
  timestamp_ns now_ = 0;
  bool connected_ = false;
};

} // namespace

std::unique_ptr<broker_adapter> create_broker_adapter(const std::string& name,
                                                      const app_config& config) {
  if (name == "simulator" || name == "sim")
    return std::make_unique<sim_adapter>(config);
  if (name == "alpaca" || name == "ibkr" || name == "polygon")
    throw std::invalid_argument("broker " + name + ": this build has no client for it yet");
  throw std::invalid_argument("unknown broker: " + name);
}

} // namespace engine
