// Joins a node to the others: proxies stand for remote actors, a gateway delivers what arrives.
#include "nodes/remote_bridge.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/clock/clock.hpp"
#include "config/config_loader.hpp"
#include "config/logging.hpp"
#include "messages/type_ids.hpp"
#include "nodes/remote_message.hpp"
#include "nodes/transport/keys.hpp"
#include "nodes/transport/node_link.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(engine::transport::envelope)

namespace engine {

namespace {

using transport::envelope;
using transport::node_link;

constexpr auto remote_request_timeout = std::chrono::seconds(60);
constexpr uint16_t error_reply = 1; // envelope.type_id of a reply that carries an error text
constexpr const char* reply_target = "@gateway"; // envelope target of answers

// A response handler that matches nothing: CAF then reports the answer as an
// unexpected_response error whose context is the answer itself, which lets a
// gateway forward answers of any type.
using any_answer_atom = caf::atom_constant<caf::atom("anyanswer")>;

template <class OnReply, class OnError>
void request_any(caf::event_based_actor* self, const caf::actor& dest, caf::message msg,
                 OnReply on_reply, OnError on_error) {
  self->request(dest, remote_request_timeout, std::move(msg))
    .then([](any_answer_atom) {},
          [=](caf::error& e) mutable {
            if (e == caf::sec::unexpected_response) {
              auto answer = e.context();
              on_reply(answer);
            } else {
              on_error(e);
            }
          });
}

struct proxy_state {
  static inline const char* name = "remote_proxy";
  std::string target;  // the actor's name on the peer
  std::string peer;    // the node it lives on
  std::shared_ptr<node_link> link;
  caf::actor gateway;  // owns the requests: their answers come back through it
  std::shared_ptr<spdlog::logger> log;
};

using proxy_actor = caf::stateful_actor<proxy_state>;

caf::behavior remote_proxy(proxy_actor* self, std::string target, std::string peer,
                           std::shared_ptr<node_link> link, caf::actor gateway) {
  auto& st = self->state;
  st.target = std::move(target);
  st.peer = std::move(peer);
  st.link = std::move(link);
  st.gateway = std::move(gateway);
  st.log = logger("proxy");
  self->set_default_handler(
    [self](caf::scheduled_actor*, caf::message_view& mv) -> caf::result<caf::message> {
      auto& s = self->state;
      auto msg = mv.move_content_to_message();
      if (self->current_mailbox_element()->mid.is_request()) {
        // The gateway answers: everything from one peer, answers and sends
        // alike, then reaches local actors through one actor, in order.
        self->delegate(s.gateway, remote_atom::value, s.peer, s.target, std::move(msg));
        return caf::message{};
      }
      auto bytes = encode_message(msg);
      if (!bytes) {
        s.log->error("cannot send {} to {} on {}: not encodable", to_string(msg), s.target, s.peer);
        return caf::message{};
      }
      envelope e;
      e.target = s.target;
      e.payload = std::move(*bytes);
      if (!s.link->send(s.peer, std::move(e)))
        s.log->error("link to {} refused a message for {} (buffer full or stopping)", s.peer,
                     s.target);
      return caf::message{};
    });
  return {[](const std::string&) {}}; // everything goes through the default handler
}

// What arrives for an actor this node hosts but has not started yet waits for it: a node
// starts its strategies after its peers are up, so a peer's first message (the market data's
// first batch) can come first. It waits at most this long, in arrival order.
constexpr auto max_hold = std::chrono::seconds(60);
constexpr size_t max_held = 100'000;
constexpr auto hold_retry = std::chrono::milliseconds(5);
using retry_held_atom = caf::atom_constant<caf::atom("gwretry")>;

struct held_envelope {
  envelope e;
  std::chrono::steady_clock::time_point since;
};

struct gateway_state {
  static inline const char* name = "gateway";
  std::shared_ptr<actor_directory> dir;
  std::shared_ptr<node_link> link;
  std::shared_ptr<spdlog::logger> log;
  std::unordered_map<uint64_t, caf::response_promise> pending; // requests sent to peers
  std::vector<caf::actor> monitors; // told of every peer going down or coming back
  uint64_t next_request = 0;
  uint64_t undeliverable = 0;
  std::set<std::string> not_started;                       // hosted here, not yet seen
  std::map<std::string, std::deque<held_envelope>> held;  // by target, in arrival order
  size_t held_count = 0;
};

using gateway_actor = caf::stateful_actor<gateway_state>;

void answer(gateway_actor* self, const envelope& req, std::string payload, bool is_error) {
  envelope r;
  r.target = req.reply_to;
  r.request_id = req.request_id;
  r.type_id = is_error ? error_reply : 0;
  r.payload = std::move(payload);
  if (!self->state.link->send(req.sender_node, std::move(r)))
    self->state.log->error("could not answer request {} from {}", req.request_id, req.sender_node);
}

void hold(gateway_actor* self, envelope&& e);
void retry_held(gateway_actor* self);
void deliver(gateway_actor* self, const caf::actor& target, envelope&& e);

/// `hosted`: the actors this node's config places here; until each is first found in the
/// directory, what arrives for it waits (see max_hold).
caf::behavior gateway(gateway_actor* self, std::shared_ptr<actor_directory> dir,
                      std::shared_ptr<node_link> link, std::set<std::string> hosted) {
  self->state.dir = std::move(dir);
  self->state.link = std::move(link);
  self->state.not_started = std::move(hosted);
  self->state.log = logger("gateway");
  return {
    [=](remote_atom, const std::string& peer, const std::string& target,
        caf::message& msg) -> caf::result<caf::message> {
      // A request a proxy delegated: send it, keep the promise for the answer.
      auto& st = self->state;
      auto bytes = encode_message(msg);
      if (!bytes)
        return caf::make_error(caf::sec::invalid_argument, "not encodable for a remote node");
      envelope e;
      e.target = target;
      e.payload = std::move(*bytes);
      e.request_id = ++st.next_request;
      e.reply_to = reply_target;
      if (!st.link->send(peer, std::move(e)))
        return caf::make_error(caf::sec::request_receiver_down, "link to " + peer);
      auto rp = self->make_response_promise();
      st.pending.emplace(st.next_request, rp);
      return rp;
    },
    [=](subscribe_atom, caf::actor& who) { self->state.monitors.push_back(std::move(who)); },
    [=](const PeerStatus& ps) {
      // Requests open to a node reported down stay open: a cut link heals and the transport
      // resends them (answered then); a restarted node is reported down by the link too, and
      // whoever waits on it (the market data's lock step) lets it go by its PeerStatus.
      // Like a CAF down message, for a whole node: every monitor hears of it.
      for (auto& m : self->state.monitors)
        self->send(m, ps);
    },
    [=](remote_atom, envelope& e) {
      auto& st = self->state;
      if (e.target == reply_target) {
        // The answer to a request of ours.
        auto i = st.pending.find(e.request_id);
        if (i == st.pending.end())
          return; // answered already (a resent duplicate)
        auto rp = i->second;
        st.pending.erase(i);
        if (e.type_id == error_reply)
          rp.deliver(caf::make_error(caf::sec::runtime_error, e.payload));
        else if (auto m = decode_message(e.payload))
          rp.deliver(*m);
        else
          rp.deliver(caf::make_error(caf::sec::runtime_error, "undecodable answer"));
        return;
      }
      // Behind what already waits for its target, or the first to wait for it.
      bool queued = st.held.count(e.target) > 0;
      auto target = queued ? caf::actor{} : st.dir->get(e.target);
      if (queued || (!target && st.not_started.count(e.target) > 0)) {
        hold(self, std::move(e));
        return;
      }
      st.not_started.erase(e.target);
      deliver(self, target, std::move(e));
    },
    [=](retry_held_atom) { retry_held(self); },
  };
}

void hold(gateway_actor* self, envelope&& e) {
  auto& st = self->state;
  if (st.held_count >= max_held) {
    st.log->error("{} messages wait for actors that have not started: one for {} refused",
                  st.held_count, e.target);
    deliver(self, caf::actor{}, std::move(e));
    return;
  }
  if (st.held.empty())
    self->delayed_send(self, hold_retry, retry_held_atom::value);
  st.held[e.target].push_back({std::move(e), std::chrono::steady_clock::now()});
  ++st.held_count;
}

/// Delivers what waited for actors that have started; what waited too long is refused.
void retry_held(gateway_actor* self) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  for (auto i = st.held.begin(); i != st.held.end();) {
    auto target = st.dir->get(i->first);
    bool expired = now - i->second.front().since > max_hold;
    if (!target && !expired) {
      ++i;
      continue;
    }
    st.not_started.erase(i->first); // started, or given up on: nothing more waits for it
    if (target)
      st.log->info("{} started: {} message(s) that waited for it delivered", i->first,
                   i->second.size());
    else
      st.log->error("{} did not start within {} s: {} message(s) for it refused", i->first,
                    std::chrono::duration_cast<std::chrono::seconds>(max_hold).count(),
                    i->second.size());
    st.held_count -= i->second.size();
    auto waiting = std::move(i->second);
    i = st.held.erase(i);
    for (auto& h : waiting)
      deliver(self, target, std::move(h.e));
  }
  if (!st.held.empty())
    self->delayed_send(self, hold_retry, retry_held_atom::value);
}

/// Hands an envelope to its local actor (null: there is none, the sender is told).
void deliver(gateway_actor* self, const caf::actor& target, envelope&& e) {
  auto& st = self->state;
  if (!target) {
    ++st.undeliverable;
    st.log->error("message from {} for {}: no such actor here", e.sender_node, e.target);
    if (e.request_id != 0)
      answer(self, e, "no actor " + e.target + " on this node", true);
    return;
  }
  auto msg = decode_message(e.payload);
  if (!msg) {
    ++st.undeliverable;
    st.log->error("undecodable message from {} for {} dropped", e.sender_node, e.target);
    if (e.request_id != 0)
      answer(self, e, "undecodable message", true);
    return;
  }
  if (e.request_id == 0) {
    self->send(target, std::move(*msg));
    return;
  }
  auto req = std::make_shared<envelope>(std::move(e));
  request_any(
    self, target, std::move(*msg),
    [=](caf::message& reply) {
      if (auto bytes = encode_message(reply))
        answer(self, *req, std::move(*bytes), false);
      else
        answer(self, *req, "answer not encodable: " + to_string(reply), true);
    },
    [=](caf::error& err) { answer(self, *req, self->system().render(err), true); });
}

} // namespace

bool is_multi_node(const app_config& cfg) { return cfg.nodes.size() > 1; }

struct remote_bridge::impl {
  caf::actor_system& sys;
  std::shared_ptr<actor_directory> dir;
  std::shared_ptr<node_link> link;
  caf::actor gateway_handle;
  std::vector<caf::actor> proxies;
  std::vector<std::string> remote;
  std::set<std::string> peers;
  std::shared_ptr<spdlog::logger> log = logger("bridge");
  std::mutex mtx;
  std::condition_variable cv;
  std::set<std::string> up;

  explicit impl(caf::actor_system& s) : sys(s) {}
};

remote_bridge::remote_bridge(caf::actor_system& sys, std::shared_ptr<actor_directory> dir,
                             const app_config& cfg, const std::string& node_name)
  : impl_(std::make_unique<impl>(sys)) {
  auto& m = *impl_;
  m.dir = std::move(dir);
  const node_config* me = nullptr;
  for (auto& n : cfg.nodes)
    if (n.name == node_name)
      me = &n;
  if (!me)
    throw std::invalid_argument("node " + node_name + " is not in the config's nodes section");
  transport::link_options lo;
  lo.node_name = node_name;
  lo.bind_endpoint = me->endpoint;
  if (!me->public_key_file.empty()) {
    lo.public_key = transport::read_key_file(me->public_key_file);
    lo.secret_key = transport::read_key_file(me->secret_key_file);
  }
  for (auto& n : cfg.nodes) {
    if (n.name == node_name)
      continue;
    transport::peer_config pc;
    pc.name = n.name;
    pc.endpoint = n.endpoint;
    if (!n.public_key_file.empty())
      pc.public_key = transport::read_key_file(n.public_key_file);
    lo.peers.push_back(pc);
    m.peers.insert(n.name);
  }
  auto* raw = &m;
  m.link = std::make_shared<node_link>(
    lo,
    [raw](envelope&& e) {
      caf::anon_send(raw->gateway_handle, remote_atom::value, std::move(e));
    },
    [raw](const std::string& peer, bool is_up) {
      {
        std::lock_guard<std::mutex> guard{raw->mtx};
        if (is_up)
          raw->up.insert(peer);
        else
          raw->up.erase(peer);
      }
      raw->cv.notify_all();
      PeerStatus ps;
      ps.node = peer;
      ps.up = is_up;
      ps.timestamp = wall_clock{}.now();
      caf::anon_send(raw->gateway_handle, std::move(ps));
      if (is_up)
        raw->log->warn("peer {} is up", peer);
      else
        raw->log->error("peer {} is down", peer);
    });
  auto hosted = node_actors(cfg, *me);
  m.gateway_handle =
    sys.spawn(gateway, m.dir, m.link, std::set<std::string>(hosted.begin(), hosted.end()));
  m.dir->put(names::gateway, m.gateway_handle);
  // A proxy for every actor placed on another node, under the actor's name.
  for (auto& n : cfg.nodes) {
    if (n.name == node_name)
      continue;
    for (auto& name : node_actors(cfg, n)) {
      auto p = sys.spawn(remote_proxy, name, n.name, m.link, m.gateway_handle);
      m.dir->put(name, p);
      m.proxies.push_back(p);
      m.remote.push_back(name);
    }
  }
}

remote_bridge::~remote_bridge() { stop(); }

void remote_bridge::start() { impl_->link->start(); }

bool remote_bridge::wait_peers_up(std::chrono::milliseconds timeout) {
  auto& m = *impl_;
  std::unique_lock<std::mutex> guard{m.mtx};
  return m.cv.wait_for(guard, timeout, [&] { return m.up.size() >= m.peers.size(); });
}

bool remote_bridge::drain(std::chrono::milliseconds timeout) {
  return impl_->link ? impl_->link->drain(timeout) : true;
}

void remote_bridge::stop() {
  auto& m = *impl_;
  if (!m.link)
    return;
  // The link's thread calls into this object: stop it before the actors and
  // this object go, and wait for the actors so none still holds the link.
  m.link->drain(std::chrono::seconds(2));
  auto actors = m.proxies;
  actors.push_back(m.gateway_handle);
  caf::scoped_actor self{m.sys};
  for (auto& a : actors) {
    self->monitor(a);
    self->send_exit(a, caf::exit_reason::user_shutdown);
    self->receive([](const caf::down_msg&) {});
  }
  m.proxies.clear();
  m.link.reset(); // the last owner: joins the I/O thread
}

const std::vector<std::string>& remote_bridge::remote_names() const { return impl_->remote; }

std::string remote_bridge::status() const {
  auto& m = *impl_;
  std::lock_guard<std::mutex> guard{m.mtx};
  return "peers up " + std::to_string(m.up.size()) + "/" + std::to_string(m.peers.size());
}

} // namespace engine
