// Alpaca's leg orders under engine ids (see legs.hpp).
#include "brokers/alpaca/legs.hpp"

#include "messages/order_legs.hpp"

namespace engine::alpaca {

void leg_book::normalize(order_object& o) {
  if (auto i = legs_.find(o.id); i != legs_.end())
    o.client_order_id = i->second;
  if (o.legs.empty())
    return;
  parents_.insert(o.id);
  auto parent = engine_order_id(o.client_order_id);
  for (auto& leg : o.legs) {
    auto kind = leg_kind(leg);
    if (!kind)
      continue; // not a take-profit or stop-loss: left under Alpaca's own id
    auto id = leg_order_id(parent, *kind);
    legs_[leg.id] = id;
    by_engine_[id] = leg.id;
    leg.client_order_id = id;
  }
}

void leg_book::normalize(std::vector<order_object>& list) {
  for (auto& o : list)
    normalize(o);
}

bool leg_book::unknown(const order_object& o) const {
  bool multi = o.order_class == "bracket" || o.order_class == "oco" || o.order_class == "oto";
  return multi && o.legs.empty() && !legs_.count(o.id) && !parents_.count(o.id);
}

std::string leg_book::alpaca_id(const std::string& leg_engine_id) const {
  auto i = by_engine_.find(leg_engine_id);
  return i == by_engine_.end() ? "" : i->second;
}

} // namespace engine::alpaca
