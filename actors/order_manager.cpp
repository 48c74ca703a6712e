// The order manager actor: ids, idempotency, the state machine, risk, journal, routing, fan-out.
#include "actors/order_manager.hpp"

#include <chrono>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "config/logging.hpp"
#include "messages/order_state_machine.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

constexpr auto risk_timeout = std::chrono::seconds(10);
constexpr auto journal_timeout = std::chrono::seconds(30);

struct order_record {
  OrderRequest request;
  OrderExecution exec;
  caf::actor submitter; // receives this order's updates and fills
  Money filled_notional; // exact sum of qty x price, for the average price
};

struct order_manager_state {
  static inline const char* name = "order_manager";

  order_manager_options opts;
  std::shared_ptr<spdlog::logger> log;
  std::unordered_map<std::string, order_record> orders;
  std::unordered_map<std::string, std::string> by_client_id;
  std::unordered_set<std::string> seen_exec_ids;
  std::vector<caf::actor> subscribers;
  std::map<std::string, int64_t> rejects_by_reason;
  uint64_t next_id = 1;
  int64_t fill_count = 0;
  std::string halt_reason; // set when the journal failed: nothing more is accepted
  bool ready = true;       // false until recovered open orders are reconciled
  size_t journal_in_flight = 0;            // records sent, not yet answered
  // Barriers waiting for nothing in flight: who asked (by name) and their token.
  std::vector<std::pair<std::string, uint64_t>> sync_waiters;

  /// Answers a barrier by sending to the asker's name, not by replying: the
  /// answer then takes the same path (the same proxy and link, when the asker
  /// is on another node) as the orders and updates sent to it before.
  void answer_sync(caf::event_based_actor* self, const std::string& who, uint64_t token) {
    if (auto h = opts.directory->get(who))
      self->send(h, sync_atom::value, token);
  }

  void journal_done(caf::event_based_actor* self) {
    if (--journal_in_flight == 0) {
      for (auto& [who, token] : sync_waiters)
        answer_sync(self, who, token);
      sync_waiters.clear();
    }
  }

  caf::actor peer(const char* name) const { return opts.directory->get(name); }
};

using om_actor = caf::stateful_actor<order_manager_state>;

OrderUpdate make_update(const order_record& r, timestamp_ns ts) {
  OrderUpdate u;
  u.order_id = r.exec.order_id;
  u.client_order_id = r.exec.client_order_id;
  u.ticker = r.exec.ticker;
  u.side = r.exec.side;
  u.status = r.exec.status;
  u.executed_quantity = r.exec.executed_quantity;
  u.leaves_quantity = is_open(r.exec.status) ? r.exec.quantity - r.exec.executed_quantity
                                             : Quantity{};
  u.average_price = r.exec.average_price;
  u.commission = r.exec.commission;
  u.reason = r.exec.reason;
  u.timestamp = ts;
  u.strategy = r.exec.strategy;
  return u;
}

/// The reason's name is the part before ':' ("max_order_size: 12000 > 10000").
std::string reason_name(const std::string& reason) {
  return reason.substr(0, reason.find(':'));
}

/// Journals a record and runs `then` once it is durable; a journal failure
/// halts the order manager (nothing unjournaled is ever acknowledged).
template <class T, class F>
void journal_then(om_actor* self, const std::string& event, const T& msg, F then,
                  std::function<void(const std::string&)> on_fail = nullptr) {
  auto logger = self->state.peer(names::trade_logger);
  if (!logger) {
    // No journal configured on this node: nothing to wait for.
    then();
    return;
  }
  ++self->state.journal_in_flight;
  self->request(logger, journal_timeout, journal_atom::value, event, msg)
    .then([=](uint64_t) mutable {
            then();
            self->state.journal_done(self);
          },
          [=](caf::error& err) {
            auto why = "journal_failure: " + self->system().render(err);
            if (self->state.halt_reason.empty()) {
              self->state.halt_reason = why;
              self->state.log->critical("journal write failed, refusing new orders: {}", why);
              if (auto risk = self->state.peer(names::risk_manager))
                self->send(risk, TradingState::halted);
            }
            if (on_fail)
              on_fail(why);
            self->state.journal_done(self);
          });
}

/// Sends an update (and a fill) to the submitter and every subscriber.
void fan_out_update(om_actor* self, const order_record& r, const OrderUpdate& u) {
  // The risk manager follows every order's open quantity (unless it submitted it).
  if (auto risk = self->state.peer(names::risk_manager); risk && risk != r.submitter)
    self->send(risk, u);
  if (r.submitter)
    self->send(r.submitter, u);
  for (auto& s : self->state.subscribers)
    if (s != r.submitter)
      self->send(s, u);
}

void fan_out_fill(om_actor* self, const order_record& r, const Fill& f) {
  for (auto name : {names::position_keeper, names::risk_manager})
    if (auto p = self->state.peer(name))
      self->send(p, f);
  if (r.submitter)
    self->send(r.submitter, f);
  for (auto& s : self->state.subscribers)
    if (s != r.submitter)
      self->send(s, f);
}

void count_reject(om_actor* self, const std::string& reason) {
  ++self->state.rejects_by_reason[reason_name(reason)];
}

caf::result<OrderUpdate> on_new_order(om_actor* self, OrderRequest req) {
  auto& st = self->state;
  if (!req.client_order_id.empty()) {
    auto i = st.by_client_id.find(req.client_order_id);
    if (i != st.by_client_id.end()) {
      // Idempotent resubmission: answer with the existing order, never a second one.
      auto& existing = st.orders.at(i->second);
      return make_update(existing, req.timestamp);
    }
  }
  req.order_id = st.opts.id_prefix + "-" + std::to_string(st.next_id++);
  if (req.client_order_id.empty())
    req.client_order_id = req.order_id;
  order_record rec;
  rec.request = req;
  rec.exec = execution_from(req);
  // A strategy is found by its name, so its updates reach it wherever it runs
  // (through a proxy when on another node); otherwise answer the sender.
  rec.submitter = req.strategy.empty() ? caf::actor{}
                                       : st.opts.directory->get("strategy:" + req.strategy);
  if (!rec.submitter)
    rec.submitter = caf::actor_cast<caf::actor>(self->current_sender());
  auto id = req.order_id;
  st.by_client_id.emplace(req.client_order_id, id);
  st.orders.emplace(id, std::move(rec));

  auto reject = [=](const std::string& reason) {
    auto& rr = self->state.orders.at(id);
    rr.exec.status = OrderStatus::rejected;
    rr.exec.reason = reason;
    count_reject(self, reason);
    return make_update(rr, rr.request.timestamp);
  };
  if (!st.halt_reason.empty())
    return reject("trading_halted: " + st.halt_reason);
  if (!st.ready)
    return reject("not_ready: reconciling recovered open orders with the broker");

  auto risk = st.peer(names::risk_manager);
  auto broker = st.peer(st.opts.broker_name.c_str());
  if (!broker)
    return reject("no_route: broker " + st.opts.broker_name + " is not available");
  auto rp = self->make_response_promise<OrderUpdate>();
  auto route = [=]() mutable {
    journal_then(
      self, "accepted", self->state.orders.at(id).request,
      [=]() mutable {
        auto& rr = self->state.orders.at(id);
        self->send(self->state.peer(self->state.opts.broker_name.c_str()), rr.request);
        rp.deliver(make_update(rr, rr.request.timestamp));
      },
      [=](const std::string& why) mutable { rp.deliver(reject(why)); });
  };
  if (!risk) {
    route();
    return rp;
  }
  self->request(risk, risk_timeout, check_atom::value, req)
    .then(
      [=](const std::string& verdict) mutable {
        if (verdict.empty()) {
          route();
          return;
        }
        auto u = reject(verdict);
        journal_then(self, "risk_rejected", u, [=]() mutable { rp.deliver(u); },
                     [=](const std::string&) mutable { rp.deliver(u); });
      },
      [=](caf::error& err) mutable {
        rp.deliver(reject("risk_unavailable: " + self->system().render(err)));
      });
  return rp;
}

/// Journals `record`, then routes `to_broker` and answers `u`; a journal
/// failure answers `u` with the failure as its reason and routes nothing.
template <class Record, class Routed>
caf::result<OrderUpdate> journal_route_answer(om_actor* self, const char* event,
                                              const Record& record, const Routed& to_broker,
                                              const OrderUpdate& u) {
  auto rp = self->make_response_promise<OrderUpdate>();
  journal_then(
    self, event, record,
    [=]() mutable {
      if (auto b = self->state.peer(self->state.opts.broker_name.c_str()))
        self->send(b, to_broker);
      rp.deliver(u);
    },
    [=](const std::string& why) mutable {
      auto refused = u;
      refused.reason = why;
      rp.deliver(refused);
    });
  return rp;
}

caf::result<OrderUpdate> on_cancel(om_actor* self, const CancelRequest& c) {
  auto& st = self->state;
  auto id = c.order_id;
  if (id.empty() && !c.client_order_id.empty()) {
    auto i = st.by_client_id.find(c.client_order_id);
    if (i != st.by_client_id.end())
      id = i->second;
  }
  auto i = st.orders.find(id);
  if (i == st.orders.end()) {
    OrderUpdate u;
    u.order_id = c.order_id;
    u.client_order_id = c.client_order_id;
    u.status = OrderStatus::rejected;
    u.reason = "unknown_order";
    return u;
  }
  auto& r = i->second;
  auto t = transition(r.exec.status, OrderEvent::cancel_request,
                      r.exec.executed_quantity.is_positive());
  if (!t.ok) {
    auto u = make_update(r, c.timestamp);
    u.reason = "cannot_cancel: order is " + std::string{enum_name(r.exec.status)};
    return u;
  }
  r.exec.status = t.status;
  auto u = make_update(r, c.timestamp);
  CancelRequest routed = c;
  routed.order_id = id;
  // Answered once journaled and routed, like a new order.
  return journal_route_answer(self, "cancel_requested", u, routed, u);
}

caf::result<OrderUpdate> on_replace(om_actor* self, const ReplaceRequest& rq) {
  auto& st = self->state;
  auto i = st.orders.find(rq.order_id);
  if (i == st.orders.end() || !is_open(i->second.exec.status)) {
    OrderUpdate u = i == st.orders.end() ? OrderUpdate{} : make_update(i->second, rq.timestamp);
    u.order_id = rq.order_id;
    u.reason = i == st.orders.end() ? "unknown_order" : "cannot_replace: order is closed";
    return u;
  }
  return journal_route_answer(self, "replace_requested", rq, rq,
                              make_update(i->second, rq.timestamp));
}

void on_fill_report(om_actor* self, order_record& r, const ExecutionReport& rep) {
  auto& st = self->state;
  const auto& f = rep.fill;
  if (!st.seen_exec_ids.insert(f.exec_id).second) {
    st.log->warn("duplicate fill {} for {} ignored", f.exec_id, r.exec.order_id);
    return;
  }
  auto executed = r.exec.executed_quantity + f.quantity;
  auto ev = executed >= r.exec.quantity ? OrderEvent::fill : OrderEvent::partial_fill;
  if (executed > r.exec.quantity)
    st.log->error("overfill on {}: executed {} of {}", r.exec.order_id, executed.to_string(),
                  r.exec.quantity.to_string());
  auto t = transition(r.exec.status, ev, true);
  if (!t.ok)
    // The execution happened at the venue: record it whatever our state says.
    st.log->error("fill {} on {}: {}; recorded anyway", f.exec_id, r.exec.order_id, t.reason);
  else
    r.exec.status = t.status;
  r.exec.executed_quantity = executed;
  r.filled_notional += notional(f.quantity, f.price);
  r.exec.average_price = div<Price>(r.filled_notional, executed, rounding::half_even);
  r.exec.commission += f.commission;
  r.exec.fills.push_back(f);
  ++st.fill_count;
  Fill fill = f;
  fill.client_order_id = r.exec.client_order_id;
  auto id = r.exec.order_id;
  auto u = make_update(r, f.timestamp);
  journal_then(self, "fill", fill, [=] {
    auto& rr = self->state.orders.at(id);
    fan_out_fill(self, rr, fill);
    fan_out_update(self, rr, u);
  });
}

void on_execution_report(om_actor* self, const ExecutionReport& rep) {
  auto& st = self->state;
  auto i = st.orders.find(rep.update.order_id);
  if (i == st.orders.end()) {
    st.log->error("execution report for unknown order {} ({})", rep.update.order_id,
                  enum_name(rep.event));
    return;
  }
  auto& r = i->second;
  if (rep.event == OrderEvent::fill || rep.event == OrderEvent::partial_fill) {
    on_fill_report(self, r, rep);
    return;
  }
  const char* journal_event = "";
  if (rep.event == OrderEvent::replace) {
    // In-place amendment at the venue: same id, new quantity/prices.
    r.exec.quantity = rep.update.executed_quantity + rep.update.leaves_quantity;
    journal_event = "replaced";
  } else {
    auto t = transition(r.exec.status, rep.event, r.exec.executed_quantity.is_positive());
    if (!t.ok) {
      // A refused cancel of an order that finished meanwhile is an ordinary race.
      auto level = rep.event == OrderEvent::cancel_reject ? spdlog::level::debug
                                                          : spdlog::level::warn;
      st.log->log(level, "{} on {}: {}", enum_name(rep.event), r.exec.order_id, t.reason);
      return;
    }
    r.exec.status = t.status;
    switch (rep.event) {
      case OrderEvent::accept: journal_event = "acknowledged"; break;
      case OrderEvent::reject:
        journal_event = "rejected";
        r.exec.reason = rep.update.reason;
        count_reject(self, rep.update.reason);
        break;
      case OrderEvent::cancel:
        journal_event = "canceled";
        r.exec.reason = rep.update.reason;
        break;
      case OrderEvent::expire:
        journal_event = "expired";
        r.exec.reason = rep.update.reason;
        break;
      case OrderEvent::cancel_reject:
        journal_event = "cancel_rejected";
        break;
      default: journal_event = "updated"; break;
    }
  }
  auto id = r.exec.order_id;
  auto u = make_update(r, rep.update.timestamp);
  if (rep.event == OrderEvent::cancel_reject)
    u.reason = rep.update.reason;
  journal_then(self, journal_event, u, [=] {
    fan_out_update(self, self->state.orders.at(id), u);
  });
}

OrderStats compute_stats(const order_manager_state& st) {
  OrderStats s;
  s.submitted = static_cast<int64_t>(st.orders.size());
  for (auto& [id, r] : st.orders) {
    switch (r.exec.status) {
      case OrderStatus::filled: ++s.filled; break;
      case OrderStatus::canceled: ++s.canceled; break;
      case OrderStatus::rejected: ++s.rejected; break;
      case OrderStatus::expired: ++s.expired; break;
      default: break;
    }
    if (r.exec.executed_quantity.is_positive() && r.exec.executed_quantity < r.exec.quantity)
      ++s.partially_filled;
    if (is_open(r.exec.status))
      ++s.open;
  }
  s.fills = st.fill_count;
  s.halt_reason = st.halt_reason;
  for (auto& [reason, n] : st.rejects_by_reason)
    s.rejects_by_reason.push_back(ReasonCount{reason, n});
  return s;
}

/// Takes the orders the journal recovered back into the books.
void restore(om_actor* self) {
  auto& st = self->state;
  for (auto& e : st.opts.recovered) {
    order_record r;
    r.exec = e;
    r.request = request_from(e);
    for (auto& f : e.fills) {
      r.filled_notional += notional(f.quantity, f.price);
      st.seen_exec_ids.insert(f.exec_id);
      ++st.fill_count;
    }
    if (is_open(e.status))
      st.ready = false;
    if (!e.client_order_id.empty())
      st.by_client_id.emplace(e.client_order_id, e.order_id);
    st.orders.emplace(e.order_id, std::move(r));
  }
  st.opts.recovered.clear();
}

/// Open orders the journal remembers but the venue does not know were lost
/// with it (a restarted simulator, an order the broker never received): they
/// are canceled here, journaled, and reported, before anything new is accepted.
void reconcile(om_actor* self, const std::vector<OrderExecution>& at_venue) {
  auto& st = self->state;
  std::unordered_set<std::string> known;
  for (auto& e : at_venue)
    known.insert(e.order_id);
  size_t canceled = 0;
  for (auto& [id, r] : st.orders) {
    if (!is_open(r.exec.status) || known.count(id))
      continue;
    r.exec.status = OrderStatus::canceled;
    r.exec.reason = "reconciled: not open at the broker after restart";
    ++canceled;
    auto u = make_update(r, r.exec.timestamp);
    auto oid = id;
    journal_then(self, "canceled", u, [=] { fan_out_update(self, self->state.orders.at(oid), u); });
  }
  st.ready = true;
  st.log->warn("reconciled recovered orders with the broker: {} open there, {} canceled here",
               at_venue.size(), canceled);
}

caf::behavior order_manager_impl(om_actor* self, order_manager_options opts) {
  self->state.opts = std::move(opts);
  self->state.next_id = self->state.opts.first_id;
  self->state.log = logger("order_manager");
  restore(self);
  return {
    [=](OrderRequest& req) -> caf::result<OrderUpdate> {
      return on_new_order(self, std::move(req));
    },
    [=](const CancelRequest& c) -> caf::result<OrderUpdate> { return on_cancel(self, c); },
    [=](const ReplaceRequest& r) -> caf::result<OrderUpdate> { return on_replace(self, r); },
    [=](sync_atom, const std::string& who, uint64_t token) {
      // A barrier: answered once every journal record sent so far is answered
      // and what it released (acks, fan-out) has been sent.
      if (self->state.journal_in_flight == 0)
        self->state.answer_sync(self, who, token);
      else
        self->state.sync_waiters.emplace_back(who, token);
    },
    [=](const ExecutionReport& rep) { on_execution_report(self, rep); },
    [=](get_atom, const std::string& order_id) -> OrderExecution {
      auto i = self->state.orders.find(order_id);
      if (i == self->state.orders.end()) {
        auto j = self->state.by_client_id.find(order_id);
        if (j == self->state.by_client_id.end())
          return OrderExecution{};
        i = self->state.orders.find(j->second);
      }
      return i->second.exec;
    },
    [=](orders_atom) -> std::vector<OrderExecution> {
      std::vector<OrderExecution> out;
      for (auto& [id, r] : self->state.orders)
        if (is_open(r.exec.status))
          out.push_back(r.exec);
      std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.order_id < b.order_id; });
      return out;
    },
    [=](orders_atom, bool include_closed) -> std::vector<OrderExecution> {
      // The operator's view (HTTP API): every order, closed ones too, in id order.
      std::vector<OrderExecution> out;
      for (auto& [id, r] : self->state.orders)
        if (include_closed || is_open(r.exec.status))
          out.push_back(r.exec);
      std::sort(out.begin(), out.end(), [](auto& a, auto& b) {
        return a.order_id.size() != b.order_id.size() ? a.order_id.size() < b.order_id.size()
                                                      : a.order_id < b.order_id;
      });
      return out;
    },
    [=](stats_atom) -> OrderStats { return compute_stats(self->state); },
    [=](start_atom) -> caf::result<bool> {
      if (self->state.ready)
        return true;
      auto broker = self->state.peer(self->state.opts.broker_name.c_str());
      if (!broker) {
        reconcile(self, {});
        return true;
      }
      auto rp = self->make_response_promise<bool>();
      self->request(broker, std::chrono::seconds(30), orders_atom::value)
        .then(
          [=](const std::vector<OrderExecution>& at_venue) mutable {
            reconcile(self, at_venue);
            rp.deliver(true);
          },
          [=](caf::error& e) mutable {
            // Without the venue's answer nothing can be trusted: stay not ready.
            self->state.log->critical("cannot reconcile with the broker: {}",
                                      self->system().render(e));
            rp.deliver(false);
          });
      return rp;
    },
    [=](subscribe_atom, caf::actor& who) {
      self->state.subscribers.push_back(std::move(who));
    },
  };
}

} // namespace

caf::actor spawn_order_manager(caf::actor_system& sys, order_manager_options opts) {
  return sys.spawn(order_manager_impl, std::move(opts));
}

} // namespace engine
