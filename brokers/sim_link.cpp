// The simulated venue's connection actor, where the fault plan acts in process.
#include "brokers/sim_link.hpp"

#include <chrono>
#include <deque>
#include <unordered_set>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/clock/clock.hpp"
#include "config/logging.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

struct sim_link_state {
  static inline const char* name = "sim_link";
  sim_link_options opts;
  std::shared_ptr<spdlog::logger> log;
  caf::actor om;
  bool hung = false;
  int64_t delay_until = 0;   // engine clock: answers are delayed until then
  int64_t delay_ms = 0;
  std::deque<std::pair<int64_t, caf::message>> delayed; // (wall due, message), in order
  std::unordered_set<std::string> swallow; // orders whose next answer is lost (server_error)
  wall_clock wall;
};

using link_actor = caf::stateful_actor<sim_link_state>;

int64_t engine_now(link_actor* self) {
  return self->state.opts.now ? self->state.opts.now() : self->state.wall.now();
}

/// Acts on the episodes the plan fired; false when the connection is gone.
bool apply_episodes(link_actor* self, std::vector<fault_episode> eps) {
  auto& st = self->state;
  for (auto& e : eps) {
    switch (e.kind) {
      case fault_kind::disconnect:
      case fault_kind::reset_window:
        st.log->warn("{}: connection dropped by fault plan ({})", st.opts.broker_name,
                     to_string(e.kind));
        self->quit(caf::make_error(caf::sec::runtime_error,
                                   "connection dropped (fault: " + to_string(e.kind) + ")"));
        return false;
      case fault_kind::hang:
        st.log->warn("{}: connection hangs (fault plan): nothing is answered any more",
                     st.opts.broker_name);
        st.hung = true;
        break;
      case fault_kind::delay:
        st.delay_until = e.end_ns;
        st.delay_ms = e.delay_ms;
        st.log->warn("{}: answers delayed by {} ms (fault plan)", st.opts.broker_name,
                     e.delay_ms);
        break;
      default:
        break;
    }
  }
  return true;
}

/// Runs the plan's clock; false when the connection is gone.
template <class F>
bool with_faults(link_actor* self, F f) {
  auto& st = self->state;
  if (!st.opts.faults)
    return true;
  std::vector<fault_episode> eps;
  {
    std::lock_guard<std::mutex> guard{st.opts.faults->mtx};
    f(st.opts.faults->injector, engine_now(self));
    eps = st.opts.faults->injector.take_episodes();
  }
  return apply_episodes(self, std::move(eps));
}

bool take(link_actor* self, fault_kind k) {
  auto& st = self->state;
  if (!st.opts.faults)
    return false;
  std::lock_guard<std::mutex> guard{st.opts.faults->mtx};
  return st.opts.faults->injector.take(k);
}

/// Sends towards the order manager, behind whatever a delay fault holds back.
void to_engine(link_actor* self, caf::message msg) {
  auto& st = self->state;
  if (!st.om)
    st.om = st.opts.directory->get(names::order_manager);
  bool delaying = st.delay_until > engine_now(self);
  if (!delaying && st.delayed.empty()) {
    self->send(st.om, std::move(msg));
    return;
  }
  auto due = st.wall.now() + (delaying ? st.delay_ms * 1'000'000 : 0);
  if (!st.delayed.empty())
    due = std::max(due, st.delayed.back().first);
  st.delayed.emplace_back(due, std::move(msg));
  self->delayed_send(self, std::chrono::nanoseconds(std::max<int64_t>(0, due - st.wall.now())),
                     tick_atom::value);
}

ExecutionReport lost(const std::string& broker, const OrderUpdate& about, const char* why) {
  ExecutionReport r;
  r.event = OrderEvent::lose;
  r.update = about;
  r.update.reason = std::string{why} + " at " + broker;
  return r;
}

/// A venue report on its way back: hung, dropped, garbage, duplicated, delayed.
void on_report(link_actor* self, ExecutionReport rep) {
  auto& st = self->state;
  bool is_fill = rep.event == OrderEvent::fill || rep.event == OrderEvent::partial_fill;
  if (!with_faults(self, [&](fault_injector& inj, int64_t now) {
        if (is_fill)
          inj.fill(now);
        else
          inj.tick(now);
      }))
    return;
  if (st.hung)
    return;
  if (st.swallow.erase(rep.update.order_id) > 0)
    return; // this order's answer is the one the 5xx lost
  if (take(self, fault_kind::garbage)) {
    st.log->error("{}: garbage instead of a report for {}: dropped, the order's outcome is "
                  "unknown until reconciled",
                  st.opts.broker_name, rep.update.order_id);
    to_engine(self, caf::make_message(lost(st.opts.broker_name, rep.update, "garbage answer")));
    return;
  }
  if (is_fill && take(self, fault_kind::drop_fill)) {
    st.log->warn("{}: fill report {} dropped (fault plan)", st.opts.broker_name,
                 rep.fill.exec_id);
    return;
  }
  bool twice = is_fill && take(self, fault_kind::duplicate_fill);
  if (twice)
    to_engine(self, caf::make_message(rep));
  to_engine(self, caf::make_message(std::move(rep)));
}

/// An order on its way to the venue: rejected, rate limited, lost or forwarded.
template <class Request>
void to_venue(link_actor* self, const Request& req, bool is_order) {
  auto& st = self->state;
  if (!with_faults(self, [&](fault_injector& inj, int64_t now) {
        if (is_order)
          inj.order(now);
        else
          inj.tick(now);
      }))
    return;
  if (st.hung)
    return; // accepted by the socket, never answered
  if constexpr (std::is_same_v<Request, OrderRequest>) {
    auto refuse = [&](const char* reason) {
      ExecutionReport r;
      r.event = OrderEvent::reject;
      r.update.order_id = req.order_id;
      r.update.client_order_id = req.client_order_id;
      r.update.ticker = req.ticker;
      r.update.side = req.side;
      r.update.status = OrderStatus::rejected;
      r.update.reason = reason;
      r.update.timestamp = engine_now(self);
      to_engine(self, caf::make_message(std::move(r)));
    };
    if (take(self, fault_kind::reject))
      return refuse("venue_reject: rejected by the venue (fault plan)");
    if (take(self, fault_kind::rate_limit))
      return refuse("rate_limited: the venue answered 429 (fault plan)");
    if (take(self, fault_kind::server_error)) {
      // The venue got it, but its answer is lost: the outcome is unknown.
      st.swallow.insert(req.order_id);
      self->send(st.opts.venue, req);
      OrderUpdate u;
      u.order_id = req.order_id;
      u.client_order_id = req.client_order_id;
      u.ticker = req.ticker;
      u.side = req.side;
      u.timestamp = engine_now(self);
      to_engine(self, caf::make_message(lost(st.opts.broker_name, u, "server error (500)")));
      return;
    }
  }
  self->send(st.opts.venue, req);
}

caf::behavior sim_link_impl(link_actor* self, sim_link_options opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.log = logger("broker");
  st.om = st.opts.directory->get(names::order_manager);
  // A refused or reset-window connection never comes up.
  if (st.opts.faults) {
    std::lock_guard<std::mutex> guard{st.opts.faults->mtx};
    auto& inj = st.opts.faults->injector;
    auto now = engine_now(self);
    inj.tick(now);
    for (auto k : {fault_kind::refuse, fault_kind::reset_window})
      if (auto ep = inj.active(k, now)) {
        self->quit(caf::make_error(caf::sec::runtime_error,
                                   "connection refused (fault: " + to_string(k) + ")"));
        return {};
      }
  }
  self->send(st.opts.venue, sink_atom::value, caf::actor_cast<caf::actor>(self));
  BrokerStatus up;
  up.broker = st.opts.broker_name;
  up.state = BrokerState::connected;
  up.timestamp = engine_now(self);
  self->send(st.opts.supervisor, up);
  return {
    [=](const OrderRequest& o) { to_venue(self, o, true); },
    [=](const CancelRequest& c) { to_venue(self, c, false); },
    [=](const ReplaceRequest& r) { to_venue(self, r, false); },
    [=](ExecutionReport& rep) { on_report(self, std::move(rep)); },
    // Barriers: never lost, so the lock step goes on whatever the connection does.
    [=](sync_atom a, const std::string& who, uint64_t token) {
      to_engine(self, caf::make_message(a, who, token));
    },
    [=](sync_atom a, uint64_t token) { self->send(self->state.opts.venue, a, token); },
    [=](tick_atom) {
      auto& s = self->state;
      auto now = s.wall.now();
      while (!s.delayed.empty() && s.delayed.front().first <= now) {
        self->send(s.om, std::move(s.delayed.front().second));
        s.delayed.pop_front();
      }
    },
    [=](ping_atom) -> caf::result<ping_atom> {
      if (self->state.hung)
        return self->make_response_promise<ping_atom>(); // never delivered: hung
      return ping_atom::value;
    },
    [=](orders_atom a) { return self->delegate(self->state.opts.venue, a); },
    [=](get_atom a, const std::string& id) { return self->delegate(self->state.opts.venue, a, id); },
    [=](fills_atom a, timestamp_ns since) {
      return self->delegate(self->state.opts.venue, a, since);
    },
    [=](positions_atom a) { return self->delegate(self->state.opts.venue, a); },
    [=](account_atom a) { return self->delegate(self->state.opts.venue, a); },
    [=](market_atom a, const std::string& t) { return self->delegate(self->state.opts.venue, a, t); },
  };
}

} // namespace

caf::actor spawn_sim_link(caf::actor_system& sys, sim_link_options opts) {
  return sys.spawn(sim_link_impl, std::move(opts));
}

} // namespace engine
