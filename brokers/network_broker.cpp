// The network broker actor: venue_connection callbacks in, broker contract out.
#include "brokers/network_broker.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "config/logging.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

struct network_broker_state {
  static inline const char* name = "network_broker";
  std::string broker_name;
  caf::actor supervisor;
  std::shared_ptr<actor_directory> directory;
  std::shared_ptr<net::venue_connection> connection;
  std::function<void(const std::string&)> on_fatal;
  std::shared_ptr<spdlog::logger> log;
  caf::actor om;
  uint64_t next_token = 0;
  std::unordered_map<uint64_t, caf::response_promise> waiting;
  ~network_broker_state() {
    if (connection)
      connection->stop(); // joins the client's thread: no callback after this
  }
};

using nb_actor = caf::stateful_actor<network_broker_state>;

/// An asynchronous answer of the client, handed to the actor by message (the client calls
/// it on its own thread); the actor then delivers the waiting promise.
template <class T>
net::answer<T> answer_to(const caf::actor& me, uint64_t token) {
  return [me, token](std::optional<T> value, std::string error) {
    if (value)
      caf::anon_send(me, done_atom::value, token, caf::make_message(std::move(*value)));
    else if (!error.empty())
      caf::anon_send(me, done_atom::value, token, std::move(error));
    else
      caf::anon_send(me, done_atom::value, token, caf::make_message(T{}));
  };
}

caf::behavior network_broker_impl(nb_actor* self, std::shared_ptr<network_broker_options> opts) {
  auto& st = self->state;
  st.broker_name = opts->broker_name;
  st.supervisor = opts->supervisor;
  st.directory = opts->directory;
  st.connection = std::shared_ptr<net::venue_connection>(std::move(opts->connection));
  st.on_fatal = opts->on_fatal;
  st.log = logger("broker");
  st.om = st.directory->get(names::order_manager);
  auto me = caf::actor_cast<caf::actor>(self);
  net::venue_events ev;
  // Called on the client's thread: hand everything to the actor by message.
  ev.on_report = [me](ExecutionReport r) { caf::anon_send(me, std::move(r)); };
  ev.on_connected = [me] {
    BrokerStatus s;
    s.state = BrokerState::connected;
    caf::anon_send(me, s);
  };
  ev.on_disconnected = [me](net::venue_error e) {
    BrokerStatus s;
    s.state = e.fatal ? BrokerState::down : BrokerState::disconnected;
    s.reason = e.message;
    caf::anon_send(me, s);
  };
  ev.on_notice = [me](std::string text) { caf::anon_send(me, status_atom::value, std::move(text)); };
  st.connection->start(std::move(ev));
  return {
    [=](const OrderRequest& o) { self->state.connection->submit(o); },
    [=](const CancelRequest& c) { self->state.connection->cancel(c); },
    [=](const ReplaceRequest& r) { self->state.connection->replace(r); },
    [=](ExecutionReport& r) {
      if (!self->state.om)
        self->state.om = self->state.directory->get(names::order_manager);
      if (r.fill.broker.empty() && (r.event == OrderEvent::fill || r.event == OrderEvent::partial_fill))
        r.fill.broker = self->state.broker_name;
      self->send(self->state.om, std::move(r));
    },
    [=](const BrokerStatus& s) {
      if (s.state == BrokerState::connected) {
        BrokerStatus up = s;
        up.broker = self->state.broker_name;
        self->send(self->state.supervisor, up);
        return;
      }
      if (s.state == BrokerState::down && self->state.on_fatal)
        self->state.on_fatal(s.reason);
      self->quit(caf::make_error(caf::sec::runtime_error, s.reason));
    },
    [=](status_atom, const std::string& notice) {
      self->state.log->info("broker {}: {}", self->state.broker_name, notice);
    },
    [=](ping_atom) { return ping_atom::value; },
    [=](done_atom, uint64_t token, caf::message& value) {
      auto i = self->state.waiting.find(token);
      if (i == self->state.waiting.end())
        return;
      i->second.deliver(std::move(value));
      self->state.waiting.erase(i);
    },
    [=](done_atom, uint64_t token, std::string& error) {
      auto i = self->state.waiting.find(token);
      if (i == self->state.waiting.end())
        return;
      i->second.deliver(caf::make_error(caf::sec::runtime_error, std::move(error)));
      self->state.waiting.erase(i);
    },
    [=](orders_atom) {
      auto token = ++self->state.next_token;
      auto rp = self->make_response_promise();
      self->state.waiting.emplace(token, rp);
      self->state.connection->open_orders(answer_to<std::vector<OrderExecution>>(me, token));
      return rp;
    },
    [=](get_atom, const std::string& id) {
      auto token = ++self->state.next_token;
      auto rp = self->make_response_promise();
      self->state.waiting.emplace(token, rp);
      self->state.connection->order_by_client_id(id, answer_to<OrderExecution>(me, token));
      return rp;
    },
    [=](fills_atom, timestamp_ns since) {
      auto token = ++self->state.next_token;
      auto rp = self->make_response_promise();
      self->state.waiting.emplace(token, rp);
      self->state.connection->fills_since(since, answer_to<std::vector<Fill>>(me, token));
      return rp;
    },
    [=](positions_atom) {
      auto token = ++self->state.next_token;
      auto rp = self->make_response_promise();
      self->state.waiting.emplace(token, rp);
      self->state.connection->positions(answer_to<std::vector<Position>>(me, token));
      return rp;
    },
    [=](account_atom) {
      auto token = ++self->state.next_token;
      auto rp = self->make_response_promise();
      self->state.waiting.emplace(token, rp);
      self->state.connection->account(answer_to<AccountInfo>(me, token));
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_network_broker(caf::actor_system& sys, network_broker_options opts) {
  auto shared = std::make_shared<network_broker_options>(std::move(opts));
  return sys.spawn(network_broker_impl, shared);
}

std::function<caf::actor(caf::actor_system&, caf::actor, int64_t)>
network_connection_spawner(std::shared_ptr<actor_directory> directory, std::string broker_name,
                           std::function<std::unique_ptr<net::venue_connection>()> make) {
  return [=](caf::actor_system& sys, caf::actor supervisor, int64_t) {
    network_broker_options no;
    no.directory = directory;
    no.broker_name = broker_name;
    no.supervisor = supervisor;
    no.connection = make();
    return spawn_network_broker(sys, std::move(no));
  };
}

} // namespace engine
