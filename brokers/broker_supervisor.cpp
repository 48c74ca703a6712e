// The broker supervisor: restart with backoff and jitter within an intensity, status publishing,
// forwarding to the live connection.
//
//   connecting --child says connected--> reconciling --order manager reconciled--> connected
//       ^                                    |                                        |
//       |                     child down / hung (no ping answer)  <-------------------+
//       +--backoff delay-- reconnecting <----+
//                               | restart intensity spent
//                               v
//                              down --(start_atom) or down_retry_s--> connecting
#include "brokers/broker_supervisor.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/clock/clock.hpp"
#include "brokers/supervision/restart_policy.hpp"
#include "config/logging.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

struct supervisor_state {
  static inline const char* name = "broker_supervisor";
  broker_supervisor_options opts;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<restart_policy> policy;
  caf::actor child;
  int64_t attempt = 0;    // connections started
  uint64_t generation = 0; // drops stale restart timers (delayed_send cannot be cancelled)
  uint64_t ping_generation = 0;
  BrokerStatus status;
  std::vector<caf::actor> subscribers;
  std::shared_ptr<caf::actor> live_child = std::make_shared<caf::actor>(); // for the exit
  int64_t dropped = 0;    // orders that arrived with no connection up
  wall_clock wall;
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

int64_t now_of(supervisor_actor* self) {
  return self->state.opts.now ? self->state.opts.now() : self->state.wall.now();
}

void publish(supervisor_actor* self, BrokerState s, std::string reason, int64_t next_delay_ms = 0) {
  auto& st = self->state;
  st.status.broker = st.opts.config.name;
  st.status.state = s;
  st.status.reason = std::move(reason);
  st.status.restarts = std::max<int64_t>(0, st.attempt - 1);
  st.status.timestamp = now_of(self);
  st.status.attempt = s == BrokerState::reconnecting ? st.attempt + 1 : st.attempt;
  st.status.next_delay_ms = next_delay_ms;
  auto level = s == BrokerState::down ? spdlog::level::critical
               : s == BrokerState::reconnecting ? spdlog::level::warn
                                                : spdlog::level::info;
  if (s == BrokerState::reconnecting)
    st.log->log(level, "broker {} reconnecting: attempt {} in {} ms ({})", st.status.broker,
                st.status.attempt, next_delay_ms, st.status.reason);
  else
    st.log->log(level, "broker {} {}{}{}", st.status.broker, enum_name(s),
                st.status.reason.empty() ? "" : ": ", st.status.reason);
  for (auto& name : st.opts.publish_to)
    if (auto h = st.opts.directory->get(name))
      self->send(h, st.status);
  for (auto& h : st.subscribers)
    self->send(h, st.status);
}

void schedule_ping(supervisor_actor* self) {
  auto gen = ++self->state.ping_generation;
  self->delayed_send(self, std::chrono::milliseconds(self->state.opts.config.ping_interval_ms),
                     ping_atom::value, gen);
}

void start_connection(supervisor_actor* self) {
  auto& st = self->state;
  ++st.attempt;
  publish(self, BrokerState::connecting, st.attempt > 1 ? "attempt " + std::to_string(st.attempt) : "");
  st.child = st.opts.spawn_connection(self->system(), caf::actor_cast<caf::actor>(self), st.attempt);
  *st.live_child = st.child;
  self->monitor(st.child);
  schedule_ping(self);
}

void on_connection_lost(supervisor_actor* self, const std::string& why) {
  auto& st = self->state;
  st.child = nullptr;
  if (st.opts.venue)
    self->send(st.opts.venue, sink_atom::value, caf::actor{}); // reports are lost from now on
  if (st.status.state == BrokerState::down)
    return;
  auto gen = ++st.generation;
  auto delay = st.policy->on_failure(now_of(self));
  if (!delay) {
    publish(self, BrokerState::down,
            "restart intensity spent (" + std::to_string(st.opts.config.max_restarts) +
              " restarts in " + std::to_string(st.opts.config.restart_window_s) +
              " s); last failure: " + why);
    if (st.opts.config.down_retry_s > 0)
      self->delayed_send(self, std::chrono::seconds(st.opts.config.down_retry_s),
                         restart_atom::value, gen, true);
    return;
  }
  publish(self, BrokerState::reconnecting, why, *delay);
  self->delayed_send(self, std::chrono::milliseconds(*delay), restart_atom::value, gen, false);
}

caf::error not_connected(supervisor_actor* self) {
  return caf::make_error(caf::sec::runtime_error,
                         "broker " + self->state.opts.config.name + " is not connected (" +
                           std::string{enum_name(self->state.status.state)} + ")");
}

/// A query for the live connection, or an error while there is none.
template <class... Ts>
caf::result<caf::message> ask_child(supervisor_actor* self, Ts... xs) {
  if (!self->state.child)
    return not_connected(self);
  return self->delegate(self->state.child, xs...);
}

template <class T>
void to_child(supervisor_actor* self, const T& x) {
  if (self->state.child) {
    self->send(self->state.child, x);
    return;
  }
  // The order manager rejects new orders while not connected and marks what was in
  // flight unknown: what still arrives here is reconciled later, never lost silently.
  ++self->state.dropped;
  self->state.log->debug("broker {}: not connected, {} not sent", self->state.opts.config.name,
                         caf::deep_to_string(x));
}

caf::behavior supervisor_impl(supervisor_actor* self, broker_supervisor_options opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.log = logger("broker");
  const auto& c = st.opts.config;
  restart_policy_config pc;
  pc.max_restarts = c.max_restarts;
  pc.window_ms = int64_t{c.restart_window_s} * 1000;
  pc.backoff_initial_ms = c.backoff_initial_ms;
  pc.backoff_max_ms = c.backoff_max_ms;
  pc.jitter = st.opts.jitter;
  pc.seed = st.opts.seed;
  st.policy = std::make_unique<restart_policy>(pc);
  // The connection and the venue go with the supervisor (they hold each other: nothing
  // else would end them).
  auto live = st.live_child;
  auto venue = st.opts.venue;
  self->attach_functor([live, venue](const caf::error&) {
    if (*live)
      caf::anon_send_exit(*live, caf::exit_reason::user_shutdown);
    if (venue)
      caf::anon_send_exit(venue, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source != self->state.child.address())
      return;
    auto why = dm.reason ? self->system().render(dm.reason) : std::string{"connection closed"};
    on_connection_lost(self, why);
  });
  start_connection(self);
  return {
    [=](const OrderRequest& o) { to_child(self, o); },
    [=](const CancelRequest& x) { to_child(self, x); },
    [=](const ReplaceRequest& x) { to_child(self, x); },
    [=](const BrokerStatus& s) {
      // From the connection: it is usable, or it says it is gone.
      if (self->current_sender() != self->state.child.address())
        return;
      if (s.state == BrokerState::connected) {
        if (self->state.opts.directory->get(names::order_manager)) {
          publish(self, BrokerState::reconciling, "");
        } else {
          self->state.policy->on_connected();
          publish(self, BrokerState::connected, "");
        }
      } else if (s.state == BrokerState::disconnected) {
        self->send_exit(self->state.child, caf::exit_reason::kill);
      }
    },
    [=](reconcile_atom, const std::string&) {
      // The order manager has reconciled: orders may flow again.
      if (self->state.status.state != BrokerState::reconciling || !self->state.child)
        return;
      self->state.policy->on_connected();
      publish(self, BrokerState::connected, "");
    },
    [=](restart_atom, uint64_t gen, bool after_down) {
      if (gen != self->state.generation || self->state.child)
        return;
      if (after_down) {
        self->state.policy->reset();
        self->state.status.state = BrokerState::reconnecting;
      }
      start_connection(self);
    },
    [=](start_atom) {
      // A manual restart: the intensity starts over.
      self->state.policy->reset();
      if (!self->state.child) {
        ++self->state.generation;
        self->state.status.state = BrokerState::reconnecting;
        start_connection(self);
      }
    },
    [=](ping_atom, uint64_t gen) {
      if (gen != self->state.ping_generation || !self->state.child)
        return;
      auto child = self->state.child;
      auto timeout = std::chrono::milliseconds(std::max(100, self->state.opts.config.ping_interval_ms));
      self->request(child, timeout, ping_atom::value)
        .then([=](ping_atom) { schedule_ping(self); },
              [=](caf::error&) {
                if (self->state.child != child)
                  return;
                self->state.log->error("broker {}: no answer to a ping in {} ms: hung, "
                                       "restarting the connection",
                                       self->state.opts.config.name, timeout.count());
                self->send_exit(child, caf::make_error(caf::sec::runtime_error,
                                                       "hung: no answer to a ping"));
              });
    },
    // Queries go to the live connection.
    [=](orders_atom a) { return ask_child(self, a); },
    [=](get_atom a, const std::string& id) { return ask_child(self, a, id); },
    [=](fills_atom a, timestamp_ns since) { return ask_child(self, a, since); },
    [=](positions_atom a) { return ask_child(self, a); },
    [=](account_atom a) { return ask_child(self, a); },
    [=](market_atom a, const std::string& t) -> caf::result<caf::message> {
      if (self->state.opts.venue)
        return self->delegate(self->state.opts.venue, a, t);
      return ask_child(self, a, t);
    },
    [=](status_atom) { return self->state.status; },
    [=](subscribe_atom, caf::actor& who) { self->state.subscribers.push_back(std::move(who)); },
    // The simulation lock step goes to the venue whatever the connection does.
    [=](step_atom a, const QuoteBatch& b) -> caf::result<caf::message> {
      if (!self->state.opts.venue)
        return caf::make_message(done_atom::value);
      return self->delegate(self->state.opts.venue, a, b);
    },
    [=](sync_atom a, uint64_t token) {
      if (self->state.child)
        self->send(self->state.child, a, token);
      else if (self->state.opts.venue)
        self->send(self->state.opts.venue, a, token);
    },
    [=](const Trade& t) {
      if (self->state.opts.venue)
        self->send(self->state.opts.venue, t);
    },
    [=](done_atom a, timestamp_ns end) -> caf::result<caf::message> {
      if (!self->state.opts.venue)
        return caf::make_message(done_atom::value);
      return self->delegate(self->state.opts.venue, a, end);
    },
  };
}

} // namespace

caf::actor spawn_broker_supervisor(caf::actor_system& sys, broker_supervisor_options opts) {
  return sys.spawn(supervisor_impl, std::move(opts));
}

} // namespace engine
