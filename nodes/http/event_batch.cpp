// What the event bridge gathers between two pushes to /events: order updates coalesced per order, capped fills, positions per ticker.
#include "nodes/http/event_batch.hpp"

#include "messages/json_writer.hpp"
#include "nodes/http/event_hub.hpp"

namespace engine::http {

void event_batch::add(const OrderUpdate& u) {
  auto i = order_index_.find(u.order_id);
  if (i != order_index_.end()) {
    orders_[i->second] = u;
    return;
  }
  if (orders_.size() >= limits_.max_orders) {
    ++dropped_orders_;
    return;
  }
  order_index_.emplace(u.order_id, orders_.size());
  orders_.push_back(u);
}

void event_batch::add(const Fill& f) {
  if (fills_.size() >= limits_.max_fills) {
    ++dropped_fills_;
    return;
  }
  fills_.push_back(f);
}

void event_batch::add(Position&& p) {
  auto ticker = p.ticker;
  positions_.insert_or_assign(std::move(ticker), std::move(p));
}

void event_batch::add(BrokerStatus&& b) { brokers_.push_back(std::move(b)); }

bool event_batch::empty() const {
  return orders_.empty() && fills_.empty() && positions_.empty() && brokers_.empty()
         && dropped_orders_ == 0 && dropped_fills_ == 0;
}

std::string event_batch::to_sse() const {
  std::string out;
  std::string json;
  auto put = [&](std::string_view name, const auto& x) {
    json.clear();
    json_writer w{json};
    w.value(x);
    event_hub::append_frame(out, name, json);
  };
  for (auto& b : brokers_)
    put("broker", b);
  for (auto& u : orders_)
    put("order", u);
  for (auto& f : fills_)
    put("fill", f);
  for (auto& [ticker, p] : positions_)
    put("position", p);
  if (dropped_orders_ > 0 || dropped_fills_ > 0) {
    json.clear();
    json_writer w{json};
    w.begin_object();
    w.key("orders");
    w.value(static_cast<int64_t>(dropped_orders_));
    w.key("fills");
    w.value(static_cast<int64_t>(dropped_fills_));
    w.end_object();
    event_hub::append_frame(out, "gap", json);
  }
  return out;
}

} // namespace engine::http
