// The order manager's book: ids, idempotency, state transitions and fill arithmetic, no actors.
#include "actors/orders/order_book.hpp"

#include <algorithm>
#include <climits>

#include "messages/commission_completion.hpp"

namespace engine {

namespace {

uint64_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }

/// <prefix>-<n> ids sort by n: shorter first, then by text.
bool id_less(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

} // namespace

order_book::order_book(std::string id_prefix, uint64_t first_id, size_t max_recent_closed)
  : id_prefix_(std::move(id_prefix)), next_id_(first_id), max_recent_closed_(max_recent_closed) {
}

std::string order_book::next_order_id() {
  return id_prefix_ + "-" + std::to_string(next_id_++);
}

const std::string no_route;

order_terms terms_of(const OrderRequest& req) {
  order_terms t;
  t.timestamp = req.timestamp;
  order_rare_terms rare;
  rare.expire_time = req.expire_time;
  rare.trail_amount = req.trail_amount;
  rare.trail_percent = req.trail_percent;
  rare.take_profit_limit_price = req.take_profit_limit_price;
  rare.stop_loss_stop_price = req.stop_loss_stop_price;
  rare.stop_loss_limit_price = req.stop_loss_limit_price;
  rare.order_class = req.order_class;
  rare.extended_hours = req.extended_hours;
  bool any = rare.expire_time != 0 || !rare.trail_amount.is_zero() || !rare.trail_percent.is_zero()
             || !rare.take_profit_limit_price.is_zero() || !rare.stop_loss_stop_price.is_zero()
             || !rare.stop_loss_limit_price.is_zero() || rare.order_class != OrderClass::simple
             || rare.extended_hours;
  if (any)
    t.rare = std::make_unique<order_rare_terms>(rare);
  return t;
}

// The order's own fields, which OrderRequest and OrderExecution share by name, into a state
// (with its names interned) and back out of one.
template <class Message>
order_state order_book::state_from(const Message& m) {
  order_state s;
  s.order_id = m.order_id;
  s.client_order_id = m.client_order_id;
  s.ticker = intern(m.ticker);
  s.strategy = intern(m.strategy);
  s.side = m.side;
  s.order_type = m.order_type;
  s.time_in_force = m.time_in_force;
  s.quantity = m.quantity;
  s.price = m.price;
  s.stop_price = m.stop_price;
  s.timestamp = m.timestamp;
  return s;
}

template <class Message>
void order_book::fields_into(const order_state& s, Message& m) const {
  m.order_id = s.order_id;
  m.client_order_id = s.client_order_id;
  m.ticker = name(s.ticker);
  m.strategy = name(s.strategy);
  m.side = s.side;
  m.order_type = s.order_type;
  m.time_in_force = s.time_in_force;
  m.quantity = s.quantity;
  m.price = s.price;
  m.stop_price = s.stop_price;
  m.timestamp = s.timestamp;
}

order_state order_book::state_of(const OrderRequest& req) {
  auto s = state_from(req);
  s.status = OrderStatus::pending_new;
  return s;
}

order_state order_book::state_of(OrderExecution e) {
  auto s = state_from(e);
  s.status = e.status;
  s.executed_quantity = e.executed_quantity;
  s.set_average_price(e.average_price);
  s.add_commission(e.commission);
  if (!e.reason.empty())
    s.set_reason(std::move(e.reason));
  for (auto& f : e.fills)
    s.add_fill(std::move(f));
  return s;
}

OrderExecution order_book::execution(const order_record& r) const {
  const auto& s = r.exec;
  OrderExecution e;
  fields_into(s, e);
  e.status = s.status;
  e.executed_quantity = s.executed_quantity;
  e.average_price = s.average_price();
  e.commission = s.commission();
  e.reason = s.reason();
  e.fills = s.fills();
  return e;
}

OrderRequest order_book::routed_request(const order_record& r) const {
  OrderRequest req;
  fields_into(r.exec, req);
  req.timestamp = r.terms.timestamp;
  if (const auto* rare = r.terms.rare.get()) {
    req.expire_time = rare->expire_time;
    req.trail_amount = rare->trail_amount;
    req.trail_percent = rare->trail_percent;
    req.take_profit_limit_price = rare->take_profit_limit_price;
    req.stop_loss_stop_price = rare->stop_loss_stop_price;
    req.stop_loss_limit_price = rare->stop_loss_limit_price;
    req.order_class = rare->order_class;
    req.extended_hours = rare->extended_hours;
  }
  req.broker = *r.broker;
  return req;
}

uint32_t order_book::route_index(const std::string& broker) {
  for (uint32_t i = 0; i < routes_.size(); ++i)
    if (routes_[i] == broker)
      return i;
  routes_.push_back(broker);
  return static_cast<uint32_t>(routes_.size() - 1);
}

const std::string* order_book::route(const std::string& broker) {
  return &routes_[route_index(broker)];
}

void order_book::count_net(const std::string& broker, const Fill& f) {
  net_[broker][f.ticker] += side_sign(f.side) > 0 ? f.quantity : -f.quantity;
}

order_record* order_book::by_client_id(const std::string& client_order_id) {
  if (client_ids_seen_.certainly_new(client_order_id))
    return nullptr;
  auto i = by_client_id_.find(client_order_id);
  return i ? &(*slots_)[*i] : nullptr;
}

bool order_book::client_id_retired(const std::string& client_order_id) const {
  return !retired_client_ids_.empty() && !client_ids_seen_.certainly_new(client_order_id)
         && retired_client_ids_.contains(hash_of(client_order_id));
}

bool order_book::retired(const std::string& order_id) const {
  return !retired_ids_.empty() && retired_ids_.contains(hash_of(order_id));
}

void order_book::index_client_id(uint32_t slot) {
  // A client order id another held order has keeps naming that one.
  const auto& id = (*slots_)[slot].exec.client_order_id;
  if (!id.empty()) {
    by_client_id_.find_or_insert(id, slot);
    client_ids_seen_.saw(id); // every id held, and so every id retired, passes here
  }
}

std::optional<uint32_t> order_book::slot_of(std::string_view order_id) const {
  auto s = by_seq_.find(order_id);
  if (s != sequence_index::none)
    return s;
  return by_id_.find(order_id);
}

void order_book::index_order_id(uint32_t slot) {
  const auto& id = (*slots_)[slot].exec.order_id;
  if (!by_seq_.append(id, slot)) {
    by_id_.find_or_insert(id, slot);
    return;
  }
  // The window spans the oldest held id to the newest: past a few times the orders held
  // (one order open for a day), its front moves to the hash index.
  by_seq_.trim_to(std::max<size_t>(65536, 4 * by_seq_.size()), [this](uint32_t s) {
    by_id_.find_or_insert((*slots_)[s].exec.order_id, s);
  });
}

order_record& order_book::take(order_record rec) {
  if (auto held = slot_of(rec.exec.order_id))
    return (*slots_)[*held];
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(slots_->size());
    slots_->push_back(std::move(rec));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    (*slots_)[slot] = std::move(rec);
  }
  auto& r = (*slots_)[slot];
  last_found_ = slot;
  index_order_id(slot);
  index_client_id(slot);
  ++taken_;
  tally_.add(r.exec);
  if (!is_open(r.exec.status))
    closed_.push_back({r.exec.order_id, epoch_});
  return r;
}

order_record* order_book::find(std::string_view order_id) {
  // A freed slot's record has an empty order id, so a stale slot never matches.
  if (last_found_ < slots_->size() && !order_id.empty()) {
    auto& r = (*slots_)[last_found_];
    if (r.exec.order_id == order_id)
      return &r;
  }
  auto i = slot_of(order_id);
  if (!i)
    return nullptr;
  last_found_ = *i;
  return &(*slots_)[*i];
}

order_record* order_book::find_any(const std::string& id) {
  if (auto* r = find(id))
    return r;
  return by_client_id(id);
}

std::vector<OrderExecution> order_book::executions(bool include_closed) const {
  std::vector<OrderExecution> out;
  slots_->for_each([&](const order_record& r) {
    if (!r.exec.order_id.empty() && (include_closed || is_open(r.exec.status)))
      out.push_back(execution(r));
  });
  std::sort(out.begin(), out.end(),
            [](auto& a, auto& b) { return id_less(a.order_id, b.order_id); });
  return out;
}

transition_result order_book::step(order_record& r, OrderEvent ev) {
  auto t = transition(r.exec.status, ev, r.exec.executed_quantity.is_positive());
  if (t.ok && t.status != r.exec.status)
    change(r, [&] { r.exec.status = t.status; });
  return t;
}

fill_outcome order_book::apply_fill(order_record& r, const Fill& f, bool commission_pending) {
  fill_outcome out;
  if (!seen_exec_ids_.insert(f.exec_id))
    return out;
  out.applied = true;
  if (commission_pending)
    pending_commissions_.emplace(f.exec_id, r.exec.order_id);
  auto executed = r.exec.executed_quantity + f.quantity;
  out.overfill = executed > r.exec.quantity;
  auto ev = executed >= r.exec.quantity ? OrderEvent::fill : OrderEvent::partial_fill;
  out.step = transition(r.exec.status, ev, true);
  change(r, [&] {
    if (out.step.ok)
      r.exec.status = out.step.status;
    r.exec.executed_quantity = executed;
  });
  r.exec.add_filled_notional(notional(f.quantity, f.price));
  r.exec.set_average_price(div<Price>(r.exec.filled_notional(), executed, rounding::half_even));
  r.exec.add_commission(f.commission);
  r.exec.add_fill(f);
  count_net(*r.broker, f);
  ++fills_;
  return out;
}

bool order_book::take_retired_fill(const Fill& f) {
  auto* broker = retired_ids_.find(hash_of(f.order_id));
  if (!broker || !retired_exec_ids_.insert(hash_of(f.exec_id)))
    return false;
  count_net(routes_[*broker], f);
  ++fills_;
  return true;
}

std::optional<Fill> order_book::complete_commission(order_record& r, const std::string& exec_id,
                                                    Money c) {
  auto* f = r.exec.fill(exec_id);
  if (!f || pending_commissions_.erase(exec_id) == 0)
    return std::nullopt;
  f->commission = c;
  r.exec.add_commission(c);
  ++commissions_completed_;
  Fill completion = commission_completion_of(*f, c);
  completion.order_id = r.exec.order_id;
  completion.client_order_id = r.exec.client_order_id;
  return completion;
}

timestamp_ns order_book::oldest_pending_commission(const std::string& broker) {
  timestamp_ns since = INT64_MAX;
  for (auto& [exec_id, oid] : pending_commissions_) {
    auto* r = find(oid);
    if (!r || *r->broker != broker)
      continue;
    for (auto& f : r->exec.fills())
      if (f.exec_id == exec_id)
        since = std::min(since, f.timestamp);
  }
  return since;
}

void order_book::await_venue(order_record& r, int64_t now_ns) {
  r.awaiting = true;
  awaiting_[r.exec.order_id.str()] = now_ns;
}

void order_book::venue_answered(order_record& r) {
  if (!r.awaiting)
    return;
  r.awaiting = false;
  awaiting_.erase(r.exec.order_id.str());
}

size_t order_book::restore(std::vector<OrderExecution> recovered,
                           const std::vector<std::string>& commissions_pending,
                           const std::string& broker,
                           const std::unordered_map<std::string, RejectReason>& reject_codes) {
  std::unordered_set<std::string> pending(commissions_pending.begin(), commissions_pending.end());
  size_t open = 0;
  for (auto& e : recovered) {
    order_record r;
    r.terms.timestamp = e.timestamp; // the journal's execution keeps no other terms
    r.broker = route(broker);
    if (auto code = reject_codes.find(e.order_id); code != reject_codes.end())
      r.reject = code->second;
    Money filled_notional;
    for (auto& f : e.fills) {
      filled_notional += notional(f.quantity, f.price);
      seen_exec_ids_.insert(f.exec_id);
      if (pending.count(f.exec_id))
        pending_commissions_.emplace(f.exec_id, e.order_id);
      count_net(broker, f);
      ++fills_;
    }
    if (is_open(e.status))
      ++open;
    r.exec = state_of(std::move(e));
    r.exec.add_filled_notional(filled_notional);
    take(std::move(r));
  }
  return open;
}

void order_book::fill_in(OrderStats& s) const {
  s.submitted = taken_;
  tally_.fill_in(s);
  s.fills = fills_;
  // Fills whose commission is still unknown (now), and completions applied (ever).
  if (!pending_commissions_.empty() || commissions_completed_ > 0) {
    s.reconciliation.push_back(
      ReasonCount{"commissions_pending", static_cast<int64_t>(pending_commissions_.size())});
    s.reconciliation.push_back(ReasonCount{"commissions_completed", commissions_completed_});
  }
}

void order_book::forget(std::string_view order_id) {
  auto slot = *slot_of(order_id);
  auto& r = (*slots_)[slot];
  retired_ids_.assign(hash_of(order_id), route_index(*r.broker)); // "" for one never routed
  if (!r.exec.client_order_id.empty()) {
    auto c = by_client_id_.find(r.exec.client_order_id);
    if (c && *c == slot) {
      retired_client_ids_.insert(hash_of(r.exec.client_order_id));
      by_client_id_.erase(r.exec.client_order_id);
    }
  }
  for (auto& f : r.exec.fills()) {
    retired_exec_ids_.insert(hash_of(f.exec_id));
    seen_exec_ids_.erase(f.exec_id);
  }
  venue_answered(r);
  // Its counts stay in the tally: the run's totals include it.
  if (!by_seq_.erase(order_id))
    by_id_.erase(order_id);
  r = order_record{}; // an empty order id marks a free slot
  free_slots_.push_back(slot);
}

size_t order_book::retire(const std::function<void(const order_record&)>& leaving,
                          size_t at_most) {
  auto left = retire_some(at_most, leaving);
  ++epoch_;
  return left;
}

size_t order_book::retire_some(size_t at_most,
                               const std::function<void(const order_record&)>& leaving) {
  size_t left = 0;
  // Each is looked at once per call: one with a pending commission goes to the back.
  for (size_t n = std::min(at_most, closed_.size()); n > 0 && closed_.size() > max_recent_closed_;
       --n) {
    if (closed_.front().epoch >= epoch_)
      break; // closed since the last call: not yet
    auto c = std::move(closed_.front());
    closed_.pop_front();
    auto* r = find(c.id);
    if (!r || is_open(r->exec.status))
      continue; // gone, or open again (it joins again when it closes)
    const auto& fills = r->exec.fills();
    bool pending = std::any_of(fills.begin(), fills.end(), [&](const Fill& f) {
      return pending_commissions_.count(f.exec_id) > 0;
    });
    if (pending) {
      closed_.push_back(std::move(c));
      continue;
    }
    if (leaving)
      leaving(*r);
    forget(c.id);
    ++left;
  }
  return left;
}

} // namespace engine
