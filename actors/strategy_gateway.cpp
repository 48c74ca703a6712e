// The strategy gateway actor: a strategy in another process (Python, clients/python/) trades through it over ZeroMQ.
#include "actors/strategy_gateway.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include <caf/all.hpp>
#include <zmq.hpp>

#include "actors/actor_directory.hpp"
#include "actors/strategy_gateway_wire.hpp"
#include "config/logging.hpp"
#include "messages/order_state_machine.hpp"
#include "messages/type_ids.hpp"
#include "nodes/transport/keys.hpp"

namespace engine {

namespace {

namespace wire = gateway_wire;
using steady = std::chrono::steady_clock;

constexpr auto order_timeout = std::chrono::seconds(30);
constexpr uint64_t account_refresh_batches = 16;

/// The ZeroMQ side, on its own thread: frames in are handed to the actor as
/// (remote_atom, routing_id, bytes); frames out are queued by the actor and
/// sent from this thread (a socket is used by one thread only).
class gateway_io {
public:
  explicit gateway_io(const strategy_config& cfg) : log_(logger("gateway." + cfg.name)) {
    std::string secret;
    if (!cfg.secret_key_file.empty()) {
      secret = transport::read_key_file(cfg.secret_key_file);
      for (auto& f : cfg.client_key_files)
        allowed_.insert(transport::read_key_file(f));
    }
    if (!secret.empty() && !allowed_.empty()) {
      // ZAP first: without a handler bound, libzmq lets every CURVE client in.
      zap_ = socket(zmq::socket_type::rep);
      zap_->bind("inproc://zeromq.zap.01");
    }
    router_ = socket(zmq::socket_type::router);
    router_->set(zmq::sockopt::linger, 500); // the last frames ("stop") still leave at shutdown
    router_->set(zmq::sockopt::maxmsgsize, int64_t{1} << 20);
    // No high-water mark: a ROUTER drops what a full pipe cannot take, and the
    // outbox holds every unacknowledged frame anyway (a client seeing a gap
    // subscribes again and gets the rest).
    router_->set(zmq::sockopt::sndhwm, 0);
    router_->set(zmq::sockopt::rcvhwm, 0);
    if (!secret.empty()) {
      router_->set(zmq::sockopt::curve_server, 1);
      router_->set(zmq::sockopt::curve_secretkey, secret);
      if (zap_)
        router_->set(zmq::sockopt::zap_domain, "strategy");
    }
    try {
      router_->bind(cfg.endpoint);
    } catch (const zmq::error_t& e) {
      throw std::runtime_error("strategy " + cfg.name + ": cannot bind the gateway at " +
                               cfg.endpoint + ": " + e.what());
    }
    endpoint_ = router_->get(zmq::sockopt::last_endpoint);
    wake_rx_ = socket(zmq::socket_type::pair);
    wake_rx_->bind("inproc://wake");
    wake_tx_ = socket(zmq::socket_type::pair);
    wake_tx_->connect("inproc://wake");
  }

  ~gateway_io() { stop(); }

  const std::string& endpoint() const { return endpoint_; }

  void start(caf::actor target) {
    target_ = std::move(target);
    thread_ = std::thread([this] { run(); });
  }

  void stop() {
    if (!thread_.joinable())
      return;
    running_ = false;
    wake();
    thread_.join();
    target_ = nullptr;
  }

  /// Queues a frame for the process at `peer` (called from the actor).
  void send(const std::string& peer, std::string bytes) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      out_.emplace_back(peer, std::move(bytes));
    }
    wake();
  }

private:
  std::unique_ptr<zmq::socket_t> socket(zmq::socket_type type) {
    auto s = std::make_unique<zmq::socket_t>(ctx_, type);
    s->set(zmq::sockopt::linger, 0);
    return s;
  }

  void wake() {
    std::lock_guard<std::mutex> guard{wake_mtx_};
    wake_tx_->send(zmq::str_buffer("w"), zmq::send_flags::dontwait);
  }

  void run() {
    std::vector<zmq::pollitem_t> items{{router_->handle(), 0, ZMQ_POLLIN, 0},
                                       {wake_rx_->handle(), 0, ZMQ_POLLIN, 0}};
    if (zap_)
      items.push_back({zap_->handle(), 0, ZMQ_POLLIN, 0});
    while (running_) {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(200));
      if (items[1].revents & ZMQ_POLLIN) {
        zmq::message_t m;
        while (wake_rx_->recv(m, zmq::recv_flags::dontwait)) {
        }
      }
      if (items[0].revents & ZMQ_POLLIN)
        receive();
      if (zap_ && (items[2].revents & ZMQ_POLLIN))
        serve_zap();
      flush();
    }
    flush(); // what was queued while stopping
  }

  void receive() {
    for (int i = 0; i < 256; ++i) {
      zmq::message_t id, body;
      if (!router_->recv(id, zmq::recv_flags::dontwait))
        return;
      bool more = router_->get(zmq::sockopt::rcvmore);
      if (!more)
        continue; // a frame without a body: nothing to do
      if (!router_->recv(body))
        return;
      while (router_->get(zmq::sockopt::rcvmore)) { // extra frames are not part of the protocol
        zmq::message_t extra;
        if (!router_->recv(extra))
          break;
      }
      caf::anon_send(target_, remote_atom::value, id.to_string(), body.to_string());
    }
  }

  void flush() {
    std::deque<std::pair<std::string, std::string>> out;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      out.swap(out_);
    }
    for (auto& [peer, bytes] : out) {
      // A vanished peer's frames are dropped by the ROUTER; they stay in the outbox.
      if (!router_->send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait))
        continue;
      router_->send(zmq::buffer(bytes), zmq::send_flags::dontwait);
    }
  }

  /// ZAP (RFC 27): only the listed client keys get in.
  void serve_zap() {
    std::vector<zmq::message_t> req;
    for (;;) {
      zmq::message_t part;
      if (!zap_->recv(part, req.empty() ? zmq::recv_flags::dontwait : zmq::recv_flags::none))
        break;
      req.push_back(std::move(part));
      if (!zap_->get(zmq::sockopt::rcvmore))
        break;
    }
    if (req.size() < 2)
      return;
    bool ok = req.size() == 7 && req[5].to_string() == "CURVE" && req[6].size() == 32;
    std::string key;
    if (ok) {
      key.resize(41);
      zmq_z85_encode(key.data(), static_cast<const uint8_t*>(req[6].data()), 32);
      key.resize(40);
      ok = allowed_.count(key) > 0;
    }
    if (!ok)
      log_->warn("refused a strategy process with {}", key.empty() ? "no CURVE key" : "key " + key);
    zap_->send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
    zap_->send(req[1], zmq::send_flags::sndmore);
    zap_->send(zmq::buffer(std::string(ok ? "200" : "400")), zmq::send_flags::sndmore);
    zap_->send(zmq::buffer(std::string(ok ? "OK" : "unknown key")), zmq::send_flags::sndmore);
    zap_->send(zmq::str_buffer(""), zmq::send_flags::sndmore);
    zap_->send(zmq::message_t(), zmq::send_flags::none);
  }

  std::shared_ptr<spdlog::logger> log_;
  zmq::context_t ctx_{1};
  std::unique_ptr<zmq::socket_t> router_, zap_, wake_rx_, wake_tx_;
  std::set<std::string> allowed_;
  std::string endpoint_;
  std::mutex mtx_, wake_mtx_;
  std::deque<std::pair<std::string, std::string>> out_;
  std::atomic<bool> running_{true};
  std::thread thread_;
  caf::actor target_;
};

struct gateway_state {
  static inline const char* name = "strategy_gateway";
  strategy_gateway_options opts;
  std::shared_ptr<gateway_io> io;
  std::shared_ptr<spdlog::logger> log;
  std::string peer; // routing id of the connected process; empty while none is
  std::string status = "waiting for the strategy process";
  steady::time_point last_heard;
  uint64_t next_seq = 1;
  uint64_t acked = 0;                                  // the process has processed up to here
  std::deque<std::pair<uint64_t, std::string>> outbox; // numbered frames not yet acknowledged
  std::map<std::string, Quantity> positions;
  std::set<std::string> open_orders;
  timestamp_ns now_ns = 0;
  uint64_t next_client_id = 1;
  // the step in flight
  bool step_pending = false;
  caf::response_promise step_done;
  uint64_t step_seq = 0;
  size_t outstanding = 0; // orders sent to the order manager, not yet answered
  uint64_t batches = 0;
  uint64_t next_sync = 0;
  std::unordered_map<uint64_t, QuoteBatch> after_sync;
  // Before the first process connects, the first batch waits for it (up to wait_for_process_ms).
  bool ever_connected = false;
  steady::time_point spawned = steady::now();
  std::optional<QuoteBatch> held;
};

using gw_actor = caf::stateful_actor<gateway_state>;

/// Numbers a frame, keeps it until acknowledged and sends it if a process is there.
template <class Encode>
void push(gw_actor* self, Encode encode) {
  auto& st = self->state;
  auto seq = st.next_seq++;
  auto bytes = encode(seq);
  if (!st.peer.empty())
    st.io->send(st.peer, bytes);
  st.outbox.emplace_back(seq, std::move(bytes));
}

void finish_step(gw_actor* self) {
  auto& st = self->state;
  if (st.step_pending && st.outstanding == 0 && (st.peer.empty() || st.acked >= st.step_seq)) {
    st.step_pending = false;
    st.step_done.deliver(done_atom::value);
  }
}

void track(gateway_state& st, const OrderUpdate& u) {
  if (u.order_id.empty())
    return;
  if (is_terminal(u.status))
    st.open_orders.erase(u.order_id);
  else
    st.open_orders.insert(u.order_id);
}

template <class Request>
void ask_order_manager(gw_actor* self, Request req, std::string what) {
  auto om = self->state.opts.directory->get(names::order_manager);
  if (!om) {
    self->state.log->error("no order manager: {} not sent", what);
    return;
  }
  ++self->state.outstanding;
  self->request(om, order_timeout, std::move(req))
    .then(
      [=](const OrderUpdate& u) {
        auto& st = self->state;
        --st.outstanding;
        track(st, u);
        push(self, [&](uint64_t seq) { return wire::encode_update(seq, u); });
        finish_step(self);
      },
      [=](caf::error& e) {
        --self->state.outstanding;
        self->state.log->error("{} got no answer: {}", what, self->system().render(e));
        finish_step(self);
      });
}

void go_down(gw_actor* self, const std::string& why) {
  auto& st = self->state;
  st.peer.clear();
  st.status = "down: " + why;
  auto& name = st.opts.cfg.name;
  st.log->warn("strategy {} is down: {}; {} its {} open orders", name, why,
               st.opts.cfg.cancel_on_disconnect ? "cancelling" : "keeping", st.open_orders.size());
  if (st.opts.cfg.cancel_on_disconnect) {
    auto open = st.open_orders;
    for (auto& id : open) {
      CancelRequest c;
      c.order_id = id;
      c.timestamp = st.now_ns;
      c.reason = "strategy " + name + " down";
      ask_order_manager(self, std::move(c), "cancel of " + id);
    }
  }
  // The lock step never waits on a process that is gone.
  if (st.step_pending) {
    st.step_pending = false;
    st.step_done.deliver(done_atom::value);
  }
}

void begin_step(gw_actor* self, const QuoteBatch& batch);

void subscribe(gw_actor* self, const std::string& from, const wire::client_message& m) {
  auto& st = self->state;
  if (m.strategy != st.opts.cfg.name) {
    st.io->send(from, wire::encode_error("this gateway serves strategy '" + st.opts.cfg.name +
                                         "', not '" + m.strategy + "'"));
    return;
  }
  if (m.seq > st.acked)
    st.acked = m.seq;
  while (!st.outbox.empty() && st.outbox.front().first <= st.acked)
    st.outbox.pop_front();
  st.peer = from;
  st.status = "connected";
  st.last_heard = steady::now();
  // A process that lost its state (acked beyond what it says) learns where it resumes.
  st.log->info("strategy {} connected, resuming after seq {} ({} frames to send again)",
               st.opts.cfg.name, st.acked, st.outbox.size());
  st.io->send(from, wire::encode_welcome(st.opts.cfg.name, st.next_seq, st.acked, st.positions,
                                         {st.open_orders.begin(), st.open_orders.end()}));
  for (auto& [seq, bytes] : st.outbox)
    st.io->send(from, bytes);
  st.ever_connected = true;
  if (st.held) { // the first batch waited for this process
    auto batch = std::move(*st.held);
    st.held.reset();
    begin_step(self, batch);
  }
}

void on_frame(gw_actor* self, const std::string& from, const std::string& bytes) {
  auto& st = self->state;
  std::string error;
  auto m = wire::decode_client(bytes, error);
  if (!m) {
    st.log->warn("bad frame from the strategy process: {}", error);
    st.io->send(from, wire::encode_error(error));
    return;
  }
  if (m->kind == wire::client_kind::subscribe) {
    subscribe(self, from, *m);
    return;
  }
  if (from != st.peer) {
    st.io->send(from, wire::encode_error("subscribe first"));
    return;
  }
  st.last_heard = steady::now();
  auto& name = st.opts.cfg.name;
  switch (m->kind) {
    case wire::client_kind::ack:
      if (m->seq > st.acked)
        st.acked = m->seq;
      while (!st.outbox.empty() && st.outbox.front().first <= st.acked)
        st.outbox.pop_front();
      finish_step(self);
      break;
    case wire::client_kind::order: {
      auto o = std::move(m->order);
      if (o.client_order_id.empty())
        o.client_order_id = name + "-g" + std::to_string(st.next_client_id++);
      o.strategy = name;
      o.timestamp = st.now_ns;
      auto cid = o.client_order_id;
      ask_order_manager(self, std::move(o), "order " + cid);
      break;
    }
    case wire::client_kind::cancel: {
      auto c = std::move(m->cancel);
      c.timestamp = st.now_ns;
      c.reason = "strategy " + name;
      auto id = c.order_id;
      ask_order_manager(self, std::move(c), "cancel of " + id);
      break;
    }
    case wire::client_kind::replace: {
      auto r = std::move(m->replace);
      r.timestamp = st.now_ns;
      auto id = r.order_id;
      ask_order_manager(self, std::move(r), "replace of " + id);
      break;
    }
    default:
      break; // heartbeat: last_heard is enough
  }
}

void send_quotes(gw_actor* self, const QuoteBatch& batch) {
  auto& st = self->state;
  if (!batch.quotes.empty())
    st.now_ns = batch.quotes.back().timestamp;
  if (st.peer.empty()) { // gone while the barrier was in flight
    st.step_pending = false;
    st.step_done.deliver(done_atom::value);
    return;
  }
  push(self, [&](uint64_t seq) {
    st.step_seq = seq;
    return wire::encode_quotes(seq, batch.quotes);
  });
  finish_step(self);
}

/// As the strategy host: the account every few batches, inside the step.
void step_with_account(gw_actor* self, const QuoteBatch& batch) {
  auto& st = self->state;
  auto pk = st.opts.directory->get(names::position_keeper);
  if (++st.batches % account_refresh_batches != 1 || !pk) {
    send_quotes(self, batch);
    return;
  }
  self->request(pk, std::chrono::seconds(10), account_atom::value)
    .then(
      [=](const AccountInfo& a) {
        push(self, [&](uint64_t seq) { return wire::encode_account(seq, a); });
        send_quotes(self, batch);
      },
      [=](caf::error&) { send_quotes(self, batch); });
}

/// The barrier of strategy_host, then the batch: every update the order
/// manager sent us reaches the process before this batch does.
void begin_step(gw_actor* self, const QuoteBatch& batch) {
  auto& st = self->state;
  auto om = st.opts.directory->get(names::order_manager);
  if (!om) {
    step_with_account(self, batch);
    return;
  }
  auto token = ++st.next_sync;
  st.after_sync.emplace(token, batch);
  self->send(om, sync_atom::value, "strategy:" + st.opts.cfg.name, token);
}

caf::behavior strategy_gateway_impl(gw_actor* self, strategy_gateway_options opts,
                                    std::shared_ptr<gateway_io> io) {
  auto& st = self->state;
  st.log = logger("gateway." + opts.cfg.name);
  st.opts = std::move(opts);
  st.io = std::move(io);
  st.io->start(caf::actor_cast<caf::actor>(self));
  // The socket thread ends with the actor.
  self->attach_functor([io = st.io] { io->stop(); });
  auto beat = std::chrono::milliseconds(std::max<int64_t>(st.opts.cfg.heartbeat_timeout_ms / 4, 10));
  self->delayed_send(self, beat, tick_atom::value);
  // The node stopping: the process hears "stop" (flushed before the socket closes).
  self->set_exit_handler([=](caf::exit_msg& m) {
    push(self, [](uint64_t seq) { return wire::encode_stop(seq); });
    self->quit(m.reason);
  });
  return {
    [=](step_atom, const QuoteBatch& batch) -> caf::result<done_atom> {
      auto& st = self->state;
      bool wait_first = !st.ever_connected && st.opts.cfg.wait_for_process_ms > 0 &&
                        steady::now() - st.spawned <
                          std::chrono::milliseconds(st.opts.cfg.wait_for_process_ms);
      if ((st.peer.empty() && !wait_first) || st.step_pending) {
        if (!batch.quotes.empty())
          st.now_ns = batch.quotes.back().timestamp;
        return done_atom::value;
      }
      st.step_done = self->make_response_promise();
      st.step_pending = true;
      // Not answerable before its quotes frame is out: a late ack of older frames must not end it.
      st.step_seq = std::numeric_limits<uint64_t>::max();
      if (st.peer.empty())
        st.held = batch; // until the first process subscribes (or the wait ends)
      else
        begin_step(self, batch);
      return st.step_done;
    },
    [=](sync_atom, uint64_t token) {
      auto& st = self->state;
      auto i = st.after_sync.find(token);
      if (i == st.after_sync.end())
        return;
      auto batch = std::move(i->second);
      st.after_sync.erase(i);
      if (!st.step_pending)
        return; // released meanwhile (the process went down)
      step_with_account(self, batch);
    },
    [=](remote_atom, const std::string& from, const std::string& bytes) {
      on_frame(self, from, bytes);
    },
    [=](const OrderUpdate& u) {
      track(self->state, u);
      push(self, [&](uint64_t seq) { return wire::encode_update(seq, u); });
    },
    [=](const Fill& f) {
      auto& st = self->state;
      auto& pos = st.positions[f.ticker];
      pos += f.side == OrderSide::buy ? f.quantity : -f.quantity;
      push(self, [&](uint64_t seq) { return wire::encode_fill(seq, f); });
      push(self, [&](uint64_t seq) { return wire::encode_position(seq, f.ticker, pos); });
    },
    [=](tick_atom) {
      auto& st = self->state;
      if (st.held && steady::now() - st.spawned >
                       std::chrono::milliseconds(st.opts.cfg.wait_for_process_ms)) {
        st.log->warn("no process for strategy {} within {} ms: the data goes on without it",
                     st.opts.cfg.name, st.opts.cfg.wait_for_process_ms);
        st.held.reset();
        st.ever_connected = true; // waits once only
        st.step_pending = false;
        st.step_done.deliver(done_atom::value);
      }
      auto limit = std::chrono::milliseconds(st.opts.cfg.heartbeat_timeout_ms);
      if (!st.peer.empty()) {
        if (steady::now() - st.last_heard > limit)
          go_down(self, "no message for " + std::to_string(st.opts.cfg.heartbeat_timeout_ms) +
                          " ms");
        else
          st.io->send(st.peer, wire::encode_heartbeat());
      }
      self->delayed_send(self, beat, tick_atom::value);
    },
    [=](stop_atom) { push(self, [](uint64_t seq) { return wire::encode_stop(seq); }); },
    [=](stats_atom) -> std::string { return self->state.status; },
  };
}

} // namespace

caf::actor spawn_strategy_gateway(caf::actor_system& sys, strategy_gateway_options opts) {
  auto io = std::make_shared<gateway_io>(opts.cfg);
  logger("gateway." + opts.cfg.name)
    ->info("strategy {} waits for its process at {}", opts.cfg.name, io->endpoint());
  if (opts.print_endpoint) {
    std::printf("GATEWAY %s %s\n", opts.cfg.name.c_str(), io->endpoint().c_str());
    std::fflush(stdout);
  }
  return sys.spawn(strategy_gateway_impl, std::move(opts), std::move(io));
}

} // namespace engine
