// The node_link I/O thread: sockets, ZAP authentication, acks, resends, dedup and liveness.
#include "nodes/transport/node_link.hpp"

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include <algorithm>
#include <cerrno>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "nodes/transport/wire.hpp"

namespace engine::transport {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* zap_endpoint = "inproc://zeromq.zap.01"; // fixed by the ZAP RFC
constexpr const char* wake_endpoint = "inproc://engine.transport.wake";
// A failed handshake ends a ZeroMQ connection for good (no reconnect): we watch for it.
constexpr int handshake_failed = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                                 | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                 | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
constexpr size_t max_batch = 1024;      // messages per socket per loop turn: keeps timers fair
constexpr size_t max_retired = 8;       // old sender incarnations remembered per peer
constexpr int final_ack_linger_ms = 250; // bounded wait for the last acks on shutdown

uint64_t new_incarnation() {
  std::random_device rd;
  uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  r ^= static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  return r != 0 ? r : 1;
}

std::string z85_of(const void* raw32) {
  char text[41] = {};
  if (zmq_z85_encode(text, static_cast<const uint8_t*>(raw32), 32) == nullptr)
    return "?";
  return text;
}

std::string raw_of(const std::string& z85) {
  std::string raw(32, '\0');
  zmq_z85_decode(reinterpret_cast<uint8_t*>(raw.data()), z85.c_str());
  return raw;
}

// Reads one whole multipart message, keeping at most parts.size() frames (the rest are read
// and discarded, so the next read starts at a message boundary). Returns the number of
// frames, 0 if nothing is waiting.
size_t recv_message(zmq::socket_t& s, std::vector<zmq::message_t>& parts) {
  zmq::message_t extra;
  size_t n = 0;
  while (true) {
    zmq::message_t& m = n < parts.size() ? parts[n] : extra;
    // Parts after the first are already here: ZeroMQ delivers messages atomically.
    auto got = s.recv(m, n == 0 ? zmq::recv_flags::dontwait : zmq::recv_flags::none);
    if (!got)
      return n;
    ++n;
    if (!m.more())
      return n;
  }
}

void validate(const link_options& o) {
  auto bad = [](const std::string& why) { throw std::invalid_argument("transport: " + why); };
  auto check_name = [&](const std::string& n, const char* what) {
    if (n.empty() || n.size() > max_name_bytes)
      bad(std::string(what) + " must be 1 to 255 characters");
  };
  check_name(o.node_name, "node_name");
  std::set<std::string> names;
  bool any_key = !o.public_key.empty() || !o.secret_key.empty();
  for (const auto& p : o.peers) {
    check_name(p.name, "a peer name");
    if (p.name == o.node_name)
      bad("peer '" + p.name + "' has this node's own name");
    if (!names.insert(p.name).second)
      bad("peer '" + p.name + "' is listed twice");
    any_key = any_key || !p.public_key.empty();
  }
  if (o.max_frame_bytes == 0 || o.resend_buffer == 0 || o.heartbeat_ms <= 0
      || o.peer_timeout_ms <= 0 || o.resend_after_ms <= 0)
    bad("max_frame_bytes, resend_buffer and the timings must be positive");
  if (!any_key)
    return; // plaintext: nothing configured anywhere
  // One key configured means CURVE everywhere: a half-keyed cluster would silently talk
  // plaintext to someone.
  if (!is_z85_key(o.public_key) || !is_z85_key(o.secret_key))
    bad("node '" + o.node_name + "' needs a valid z85 public_key and secret_key (CURVE is on)");
  if (public_key_of(o.secret_key) != o.public_key)
    bad("node '" + o.node_name + "': public_key does not belong to secret_key");
  std::set<std::string> keys;
  for (const auto& p : o.peers) {
    if (!is_z85_key(p.public_key))
      bad("peer '" + p.name + "' needs a valid z85 public_key (CURVE is on)");
    if (!keys.insert(p.public_key).second)
      bad("peer '" + p.name + "' shares its public_key with another peer");
  }
}

struct queued_envelope {
  size_t peer;
  envelope e;
};

enum class liveness { unknown, up, down };

// Outbound side of one peer (and its liveness), owned by the I/O thread.
struct peer_out {
  peer_config cfg;
  std::unique_ptr<zmq::socket_t> dealer;  // null for an inbound-only peer
  std::unique_ptr<zmq::socket_t> monitor; // the DEALER's handshake failures
  unsigned generation = 0;                // DEALERs made so far (names the monitor endpoint)
  bool refused = false;                   // the peer refused our handshake: rebuild at retry_at
  steady::time_point retry_at;
  std::deque<envelope> unacked;          // seqs acked_upto+1 .. last_seq, in order
  uint64_t last_seq = 0;                 // last seq assigned
  uint64_t acked_upto = 0;               // highest seq the receiver acknowledged
  uint64_t next_send = 1;                // next seq to hand to ZeroMQ
  uint64_t max_sent = 0;                 // highest seq ever handed to ZeroMQ
  uint64_t receiver_incarnation = 0;     // from its acks: a change means it restarted
  bool blocked = false;                  // the DEALER refused a frame: poll for POLLOUT
  steady::time_point last_tx, last_progress, last_heard;
  liveness state = liveness::unknown;
  uint64_t peer_incarnation = 0;         // the peer process we last heard, on either socket
  std::deque<uint64_t> peer_retired;     // its predecessors: their late frames change nothing
};

// Inbound stream from one peer's current incarnation, owned by the I/O thread.
struct stream_in {
  uint64_t incarnation = 0;
  uint64_t delivered_upto = 0;
  std::map<uint64_t, envelope> held; // arrived ahead of a gap
  std::string routing_id;            // the peer's DEALER connection, for acks
  bool ack_due = false;
  std::deque<uint64_t> retired; // stale frames of these incarnations are dropped
};

} // namespace

struct node_link::impl {
  link_options opt;
  deliver_fn deliver;
  peer_state_fn on_peer;
  uint64_t incarnation = new_incarnation();
  bool curve = false;
  std::shared_ptr<spdlog::logger> log;
  std::unordered_map<std::string, size_t> peer_index;     // name -> index in out
  std::unordered_map<std::string, std::string> key_owner; // raw 32-byte key -> peer name

  zmq::context_t ctx{1};
  std::unique_ptr<zmq::socket_t> zap, wake_rx, wake_tx, router;
  std::string bound;
  std::thread io;

  // Shared with callers of send()/drain(), under mu.
  mutable std::mutex mu;
  std::vector<queued_envelope> inbox;
  std::vector<size_t> outstanding; // per peer: queued + unacknowledged
  bool started = false, stopping = false, wake_pending = false;

  struct {
    std::atomic<uint64_t> sent{0}, delivered{0}, duplicates_dropped{0}, resent{0},
      garbage_dropped{0}, oversized_dropped{0}, refused_peers{0}, acks{0};
  } c;
  mutable std::mutex stats_mu;
  mutable std::condition_variable stats_cv;

  // I/O thread only.
  std::vector<peer_out> out;
  std::unordered_map<std::string, stream_in> in;
  std::unordered_set<std::string> refusals_logged;
  std::vector<queued_envelope> batch;
  std::vector<zmq::message_t> parts;
  std::string header_buf;
  frame_header hdr;
  bool changed = false;

  impl(link_options o, deliver_fn d, peer_state_fn p)
      : opt(std::move(o)), deliver(std::move(d)), on_peer(std::move(p)) {
    validate(opt);
    log = spdlog::get("transport");
    if (!log)
      log = spdlog::default_logger();
    curve = !opt.public_key.empty();
    out.resize(opt.peers.size());
    outstanding.assign(opt.peers.size(), 0);
    for (size_t i = 0; i < opt.peers.size(); ++i) {
      out[i].cfg = opt.peers[i];
      peer_index.emplace(opt.peers[i].name, i);
      if (curve)
        key_owner.emplace(raw_of(opt.peers[i].public_key), opt.peers[i].name);
    }
  }

  // -- counters ------------------------------------------------------------------------------

  void bump(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
    changed = true;
  }

  void notify() const {
    // Taking the lock orders this notify after a waiter's predicate check: no lost wakeup.
    { std::lock_guard<std::mutex> lk(stats_mu); }
    stats_cv.notify_all();
  }

  counters snapshot() const {
    counters s;
    s.sent = c.sent.load();
    s.delivered = c.delivered.load();
    s.duplicates_dropped = c.duplicates_dropped.load();
    s.resent = c.resent.load();
    s.garbage_dropped = c.garbage_dropped.load();
    s.oversized_dropped = c.oversized_dropped.load();
    s.refused_peers = c.refused_peers.load();
    s.acks = c.acks.load();
    return s;
  }

  // -- setup ---------------------------------------------------------------------------------

  std::unique_ptr<zmq::socket_t> make_socket(zmq::socket_type type) {
    auto s = std::make_unique<zmq::socket_t>(ctx, type);
    s->set(zmq::sockopt::linger, 0);
    return s;
  }

  void open_sockets() {
    // The ZAP handler first: without one bound, libzmq lets every CURVE client in.
    if (curve) {
      zap = make_socket(zmq::socket_type::rep);
      zap->bind(zap_endpoint);
    }
    wake_rx = make_socket(zmq::socket_type::pair);
    wake_rx->bind(wake_endpoint);
    wake_tx = make_socket(zmq::socket_type::pair);
    wake_tx->connect(wake_endpoint);
    // A hard cap far above max_frame_bytes: frames between the two are counted and dropped
    // by us; a peer sending beyond it is disconnected by libzmq before it can exhaust memory.
    if (!opt.bind_endpoint.empty()) {
      router = make_socket(zmq::socket_type::router);
      router->set(zmq::sockopt::maxmsgsize, hard_cap());
      if (curve) {
        router->set(zmq::sockopt::curve_server, 1);
        router->set(zmq::sockopt::curve_secretkey, opt.secret_key);
        router->set(zmq::sockopt::zap_domain, "engine");
      }
      router->bind(opt.bind_endpoint);
      bound = router->get(zmq::sockopt::last_endpoint);
    }
    for (size_t i = 0; i < out.size(); ++i)
      if (!out[i].cfg.endpoint.empty())
        open_dealer(out[i], i);
    const auto now = steady::now();
    for (auto& o : out)
      o.last_tx = o.last_progress = o.last_heard = now;
  }

  int64_t hard_cap() const { return static_cast<int64_t>(opt.max_frame_bytes) * 4 + 65536; }

  void open_dealer(peer_out& o, size_t index) {
    o.dealer = make_socket(zmq::socket_type::dealer);
    o.dealer->set(zmq::sockopt::maxmsgsize, hard_cap());
    // immediate stays 0: the session then keeps its pipe across reconnects, so acks that
    // arrived just before a disconnect are still read (needed for exactly-once on a
    // graceful receiver restart). Stale frames it may carry are handled by the receiver.
    o.dealer->set(zmq::sockopt::reconnect_ivl, 100);
    if (curve) {
      o.dealer->set(zmq::sockopt::curve_serverkey, o.cfg.public_key);
      o.dealer->set(zmq::sockopt::curve_publickey, opt.public_key);
      o.dealer->set(zmq::sockopt::curve_secretkey, opt.secret_key);
    }
    const std::string mon = "inproc://engine.transport.monitor." + std::to_string(index) + "."
                            + std::to_string(++o.generation);
    if (zmq_socket_monitor(o.dealer->handle(), mon.c_str(), handshake_failed) != 0)
      throw zmq::error_t();
    o.monitor = make_socket(zmq::socket_type::pair);
    o.monitor->connect(mon);
    o.dealer->connect(o.cfg.endpoint);
    o.refused = false;
    o.blocked = false;
  }

  void close_dealer(peer_out& o) {
    if (o.dealer)
      zmq_socket_monitor(o.dealer->handle(), nullptr, 0);
    o.monitor.reset();
    o.dealer.reset();
  }

  // A handshake failure (our key refused, a wrong server key, plaintext against CURVE): the
  // connection is dead for good, so the DEALER is rebuilt after peer_timeout_ms.
  void read_monitor(peer_out& o, steady::time_point now) {
    std::vector<zmq::message_t> ev(2);
    while (size_t n = recv_message(*o.monitor, ev)) {
      if (n < 1 || ev[0].size() < 2 || o.refused)
        continue;
      uint16_t event = 0;
      std::memcpy(&event, ev[0].data(), sizeof event);
      if ((event & handshake_failed) == 0)
        continue;
      o.refused = true;
      o.retry_at = now + milliseconds(opt.peer_timeout_ms);
      log->error("transport {}: handshake with peer {} at {} failed ({}): check the CURVE keys; "
                 "retrying every {} ms",
                 opt.node_name, o.cfg.name, o.cfg.endpoint,
                 event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? "our key was refused" : "protocol",
                 opt.peer_timeout_ms);
    }
  }

  // -- the loop ------------------------------------------------------------------------------

  void run() {
    while (true) {
      try {
        loop();
        final_acks();
        return;
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR)
          continue; // a signal interrupted a wait: nothing was lost, carry on
        log->critical("transport {}: I/O thread stopped: {}", opt.node_name, e.what());
        return;
      } catch (const std::exception& e) {
        log->critical("transport {}: I/O thread stopped: {}", opt.node_name, e.what());
        return;
      }
    }
  }

  void loop() {
    const int tick_ms =
      std::max(1, std::min({opt.heartbeat_ms, opt.resend_after_ms, opt.peer_timeout_ms}) / 4);
    std::vector<zmq::pollitem_t> items;
    std::vector<size_t> dealer_of; // poll item index -> peer index (a DEALER, then its monitor)
    while (true) {
      items.clear();
      dealer_of.clear();
      items.push_back({wake_rx->handle(), 0, ZMQ_POLLIN, 0});
      const size_t zap_at = zap ? items.size() : 0;
      if (zap)
        items.push_back({zap->handle(), 0, ZMQ_POLLIN, 0});
      const size_t router_at = router ? items.size() : 0;
      if (router)
        items.push_back({router->handle(), 0, ZMQ_POLLIN, 0});
      const size_t dealers_at = items.size();
      for (size_t i = 0; i < out.size(); ++i) {
        if (!out[i].dealer)
          continue;
        short events = ZMQ_POLLIN | (out[i].blocked ? ZMQ_POLLOUT : 0);
        items.push_back({out[i].dealer->handle(), 0, events, 0});
        items.push_back({out[i].monitor->handle(), 0, ZMQ_POLLIN, 0});
        dealer_of.push_back(i);
      }
      zmq::poll(items.data(), items.size(), milliseconds(tick_ms));

      if (items[0].revents & ZMQ_POLLIN) {
        zmq::message_t m;
        while (wake_rx->recv(m, zmq::recv_flags::dontwait)) {
        }
      }
      const auto now = steady::now();
      if (zap && (items[zap_at].revents & ZMQ_POLLIN))
        serve_zap();
      if (router && (items[router_at].revents & ZMQ_POLLIN))
        read_router(now);
      for (size_t k = 0; k < dealer_of.size(); ++k) {
        if (items[dealers_at + 2 * k].revents & ZMQ_POLLIN)
          read_dealer(out[dealer_of[k]], now);
        if (items[dealers_at + 2 * k + 1].revents & ZMQ_POLLIN)
          read_monitor(out[dealer_of[k]], now);
      }
      // Taken after the reads, so replies a deliver callback just queued go out in this turn,
      // before our acks: a request/reply round trip costs each side one wakeup, not two.
      if (take_inbox())
        return;
      for (auto& o : out)
        if (o.dealer)
          pump(o, now);
      send_acks();
      timers(now);
      if (changed) {
        changed = false;
        notify();
      }
    }
  }

  // Moves queued envelopes into their peers' resend buffers, numbering them. True = stop.
  bool take_inbox() {
    bool stop;
    {
      std::lock_guard<std::mutex> lk(mu);
      batch.swap(inbox);
      wake_pending = false;
      stop = stopping;
    }
    for (auto& q : batch) {
      auto& o = out[q.peer];
      q.e.sender_node = opt.node_name;
      q.e.incarnation = incarnation;
      q.e.seq = ++o.last_seq;
      o.unacked.push_back(std::move(q.e));
    }
    batch.clear();
    return stop;
  }

  // -- outbound ------------------------------------------------------------------------------

  // Hands unsent (or to-be-resent) envelopes to the DEALER until it pushes back.
  void pump(peer_out& o, steady::time_point now) {
    size_t budget = max_batch * 4;
    while (o.next_send <= o.last_seq && budget-- > 0) {
      const envelope& e = o.unacked[o.next_send - o.acked_upto - 1];
      encode_data_header(e, o.acked_upto, header_buf);
      zmq::message_t head(header_buf.data(), header_buf.size());
      if (!o.dealer->send(head, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        o.blocked = true;
        return;
      }
      // The rest of a message whose first frame was taken is never refused.
      zmq::message_t body(e.payload.data(), e.payload.size());
      o.dealer->send(body, zmq::send_flags::dontwait);
      if (o.next_send > o.max_sent) {
        if (o.max_sent == o.acked_upto)
          o.last_progress = now; // the resend clock starts with the first frame in flight
        o.max_sent = o.next_send;
        bump(c.sent);
      } else {
        bump(c.resent);
      }
      ++o.next_send;
      o.last_tx = now;
    }
    o.blocked = false;
  }

  // Go-back-N: everything unacknowledged goes out again (the receiver drops what it has).
  void go_back(peer_out& o, steady::time_point now) {
    o.next_send = o.acked_upto + 1;
    o.last_progress = now;
  }

  void send_heartbeat(peer_out& o) {
    hdr = frame_header{};
    hdr.kind = frame_kind::heartbeat;
    hdr.sender_node = opt.node_name;
    hdr.incarnation = incarnation;
    hdr.seq = o.last_seq;
    hdr.ack_upto = o.acked_upto;
    encode_header(hdr, header_buf);
    zmq::message_t head(header_buf.data(), header_buf.size());
    if (o.dealer->send(head, zmq::send_flags::sndmore | zmq::send_flags::dontwait))
      o.dealer->send(zmq::message_t(), zmq::send_flags::dontwait);
  }

  // Acks (the only thing a peer's ROUTER sends us) on our DEALER to that peer.
  void read_dealer(peer_out& o, steady::time_point now) {
    parts.resize(2);
    for (size_t i = 0; i < max_batch; ++i) {
      size_t n = recv_message(*o.dealer, parts);
      if (n == 0)
        return;
      if (n != 2) {
        drop_garbage(o.cfg.name, "ack with wrong frame count");
        continue;
      }
      if (parts[0].size() > opt.max_frame_bytes || parts[1].size() > opt.max_frame_bytes) {
        drop_oversized(o.cfg.name);
        continue;
      }
      std::string why;
      if (!decode_header(parts[0].data(), parts[0].size(), hdr, &why)) {
        drop_garbage(o.cfg.name, why);
        continue;
      }
      if (hdr.kind != frame_kind::ack || hdr.sender_node != o.cfg.name) {
        drop_garbage(o.cfg.name, "not an ack from this peer");
        continue;
      }
      noticed_incarnation(o, hdr.incarnation);
      heard(o, now);
      if (hdr.ack_incarnation != incarnation)
        continue; // addressed to a previous process with our name
      if (hdr.ack_upto > o.last_seq) {
        drop_garbage(o.cfg.name, "ack beyond the last seq sent");
        continue;
      }
      const bool receiver_restarted =
        o.receiver_incarnation != 0 && o.receiver_incarnation != hdr.incarnation;
      o.receiver_incarnation = hdr.incarnation;
      if (hdr.ack_upto > o.acked_upto) {
        const uint64_t k = hdr.ack_upto - o.acked_upto;
        o.unacked.erase(o.unacked.begin(), o.unacked.begin() + static_cast<std::ptrdiff_t>(k));
        o.acked_upto = hdr.ack_upto;
        o.max_sent = std::max(o.max_sent, o.acked_upto);
        o.next_send = std::max(o.next_send, o.acked_upto + 1);
        o.last_progress = now;
        {
          std::lock_guard<std::mutex> lk(mu);
          outstanding[peer_index.at(o.cfg.name)] -= k;
        }
        changed = true;
      }
      if (receiver_restarted) {
        // Its buffers are gone: whatever we sent past its acks will not arrive by itself.
        log->info("transport {}: peer {} restarted, resending {} unacknowledged",
                  opt.node_name, o.cfg.name, o.last_seq - o.acked_upto);
        go_back(o, now);
      }
    }
  }

  // -- inbound -------------------------------------------------------------------------------

  void read_router(steady::time_point now) {
    parts.resize(3);
    for (size_t i = 0; i < max_batch; ++i) {
      size_t n = recv_message(*router, parts);
      if (n == 0)
        return;
      on_inbound(n, now);
    }
  }

  void on_inbound(size_t n, steady::time_point now) {
    if (n != 3)
      return drop_garbage("inbound", "wrong frame count " + std::to_string(n > 0 ? n - 1 : 0));
    const zmq::message_t& head = parts[1];
    const zmq::message_t& body = parts[2];
    if (head.size() > opt.max_frame_bytes || body.size() > opt.max_frame_bytes)
      return drop_oversized("inbound");
    std::string why;
    if (!decode_header(head.data(), head.size(), hdr, &why))
      return drop_garbage("inbound", why);
    if (hdr.kind == frame_kind::ack)
      return drop_garbage(hdr.sender_node, "ack on the inbound socket");
    auto pit = peer_index.find(hdr.sender_node);
    if (pit == peer_index.end())
      return refuse(hdr.sender_node, "not a configured peer");
    if (curve) {
      // ZAP set User-Id to the peer owning the CURVE key: a peer cannot speak for another.
      const char* user = zmq_msg_gets(head.handle(), "User-Id");
      if (user == nullptr || hdr.sender_node != user)
        return refuse(hdr.sender_node, std::string("authenticated as ") + (user ? user : "?"));
    }
    noticed_incarnation(out[pit->second], hdr.incarnation);
    heard(out[pit->second], now);

    stream_in& st = in[hdr.sender_node];
    if (st.incarnation != hdr.incarnation) {
      if (std::find(st.retired.begin(), st.retired.end(), hdr.incarnation) != st.retired.end()) {
        if (hdr.kind == frame_kind::data)
          bump(c.duplicates_dropped); // a frame of a previous process: long superseded
        return;
      }
      if (st.incarnation != 0) {
        log->info("transport {}: peer {} has a new incarnation", opt.node_name, hdr.sender_node);
        st.retired.push_back(st.incarnation);
        if (st.retired.size() > max_retired)
          st.retired.pop_front();
      }
      st.incarnation = hdr.incarnation;
      st.delivered_upto = 0;
      st.held.clear();
    }
    st.routing_id.assign(parts[0].data<char>(), parts[0].size());
    st.ack_due = true;
    // The sender's acked seqs were delivered by us or by our predecessor: a restarted
    // receiver starts after them instead of waiting for seqs that will never come again.
    if (hdr.ack_upto > st.delivered_upto) {
      st.delivered_upto = hdr.ack_upto;
      while (!st.held.empty() && st.held.begin()->first <= st.delivered_upto) {
        st.held.erase(st.held.begin());
        bump(c.duplicates_dropped);
      }
      deliver_held(st);
    }
    if (hdr.kind == frame_kind::heartbeat)
      return;
    if (hdr.seq <= st.delivered_upto || st.held.count(hdr.seq) != 0)
      return bump(c.duplicates_dropped);
    envelope e;
    e.sender_node = std::move(hdr.sender_node);
    e.incarnation = hdr.incarnation;
    e.target = std::move(hdr.target);
    e.type_id = hdr.type_id;
    e.seq = hdr.seq;
    e.payload.assign(body.data<char>(), body.size());
    e.reply_to = std::move(hdr.reply_to);
    e.request_id = hdr.request_id;
    if (e.seq == st.delivered_upto + 1) {
      deliver_one(st, std::move(e));
      deliver_held(st);
    } else if (st.held.size() < opt.resend_buffer) {
      st.held.emplace(e.seq, std::move(e)); // past a gap; beyond the bound the resend brings it
    }
  }

  void deliver_one(stream_in& st, envelope&& e) {
    st.delivered_upto = e.seq;
    bump(c.delivered);
    try {
      deliver(std::move(e));
    } catch (const std::exception& ex) {
      log->error("transport {}: deliver threw: {}", opt.node_name, ex.what());
    } catch (...) {
      log->error("transport {}: deliver threw", opt.node_name);
    }
  }

  void deliver_held(stream_in& st) {
    while (!st.held.empty() && st.held.begin()->first == st.delivered_upto + 1) {
      auto node = st.held.extract(st.held.begin());
      deliver_one(st, std::move(node.mapped()));
    }
  }

  void send_ack(const std::string& peer, stream_in& st) {
    hdr = frame_header{};
    hdr.kind = frame_kind::ack;
    hdr.sender_node = opt.node_name;
    hdr.incarnation = incarnation;
    hdr.ack_upto = st.delivered_upto;
    hdr.ack_incarnation = st.incarnation;
    encode_header(hdr, header_buf);
    // An unknown routing id (the peer went away) or a full pipe drops the ack silently:
    // acks are cumulative, the next one covers it.
    zmq::message_t rid(st.routing_id.data(), st.routing_id.size());
    zmq::message_t head(header_buf.data(), header_buf.size());
    if (router->send(rid, zmq::send_flags::sndmore | zmq::send_flags::dontwait)
        && router->send(head, zmq::send_flags::sndmore | zmq::send_flags::dontwait)
        && router->send(zmq::message_t(), zmq::send_flags::dontwait)) {
      bump(c.acks);
    } else {
      log->debug("transport {}: ack to {} not sent", opt.node_name, peer);
    }
    st.ack_due = false;
  }

  void send_acks() {
    for (auto& [peer, st] : in)
      if (st.ack_due)
        send_ack(peer, st);
  }

  // On a graceful stop: tell every sender what we delivered, so our successor starts there.
  void final_acks() {
    if (!router)
      return;
    for (auto& [peer, st] : in)
      if (!st.routing_id.empty())
        send_ack(peer, st);
    if (changed)
      notify();
  }

  // -- ZAP -----------------------------------------------------------------------------------

  // ZAP (RFC 27): [version, request id, domain, address, routing id, mechanism, key] in,
  // [version, request id, status code, status text, user id, metadata] out.
  void serve_zap() {
    std::vector<zmq::message_t> req(7);
    for (size_t i = 0; i < max_batch; ++i) {
      size_t n = recv_message(*zap, req);
      if (n == 0)
        return;
      std::string request_id = n >= 2 ? req[1].to_string() : std::string();
      std::string address = n >= 4 ? req[3].to_string() : std::string();
      const bool is_curve = n == 7 && req[0].to_string() == "1.0" && req[5].to_string() == "CURVE"
                            && req[6].size() == 32;
      std::string owner;
      if (is_curve) {
        auto it = key_owner.find(req[6].to_string());
        if (it != key_owner.end())
          owner = it->second;
      }
      zap->send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
      zap->send(zmq::buffer(request_id), zmq::send_flags::sndmore);
      zap->send(zmq::buffer(std::string(owner.empty() ? "400" : "200")), zmq::send_flags::sndmore);
      zap->send(zmq::buffer(std::string(owner.empty() ? "unknown key" : "OK")),
                zmq::send_flags::sndmore);
      zap->send(zmq::buffer(owner), zmq::send_flags::sndmore);
      zap->send(zmq::message_t(), zmq::send_flags::none);
      if (owner.empty())
        refuse(is_curve ? "key " + z85_of(req[6].data()) : std::string("non-CURVE client"),
               "from " + address + ": unknown key");
    }
  }

  // -- drops and liveness --------------------------------------------------------------------

  void drop_garbage(const std::string& from, const std::string& why) {
    bump(c.garbage_dropped);
    log->warn("transport {}: dropped garbage frame from {}: {}", opt.node_name, from, why);
  }

  void drop_oversized(const std::string& from) {
    bump(c.oversized_dropped);
    log->warn("transport {}: dropped a frame over {} bytes from {}", opt.node_name,
              opt.max_frame_bytes, from);
  }

  // Refusals repeat at every reconnect of the offender: counted each time, logged once.
  void refuse(const std::string& who, const std::string& why) {
    bump(c.refused_peers);
    if (refusals_logged.size() < 1000 && refusals_logged.insert(who).second)
      log->warn("transport {}: refused peer {} ({})", opt.node_name, who, why);
  }

  void report(peer_out& o, bool up, bool restarted = false) {
    o.state = up ? liveness::up : liveness::down;
    if (up)
      log->info("transport {}: peer {} up", opt.node_name, o.cfg.name);
    else if (restarted)
      log->warn("transport {}: peer {} down (a new process took its place)", opt.node_name,
                o.cfg.name);
    else
      log->warn("transport {}: peer {} down (silent for {} ms)", opt.node_name, o.cfg.name,
                opt.peer_timeout_ms);
    if (!on_peer)
      return;
    try {
      on_peer(o.cfg.name, up);
    } catch (const std::exception& ex) {
      log->error("transport {}: peer_state callback threw: {}", opt.node_name, ex.what());
    }
  }

  // A peer replaced by a new process inside the peer timeout is reported down, then up: the
  // old process is gone with whatever it owed us (answers to requests in flight).
  void noticed_incarnation(peer_out& o, uint64_t inc) {
    if (inc == 0 || inc == o.peer_incarnation ||
        std::find(o.peer_retired.begin(), o.peer_retired.end(), inc) != o.peer_retired.end())
      return;
    if (o.peer_incarnation != 0) {
      o.peer_retired.push_back(o.peer_incarnation);
      if (o.peer_retired.size() > max_retired)
        o.peer_retired.pop_front();
      if (o.state == liveness::up) {
        report(o, false, true);
        report(o, true);
      }
    }
    o.peer_incarnation = inc;
  }

  void heard(peer_out& o, steady::time_point now) {
    o.last_heard = now;
    if (o.state != liveness::up)
      report(o, true);
  }

  void timers(steady::time_point now) {
    for (size_t i = 0; i < out.size(); ++i) {
      auto& o = out[i];
      if (o.dealer && o.refused && now >= o.retry_at) {
        // Whatever sat in the dead DEALER's pipe is gone with it: send it all again.
        close_dealer(o);
        open_dealer(o, i);
        go_back(o, now);
      }
      if (o.dealer) {
        if (o.max_sent > o.acked_upto && now - o.last_progress >= milliseconds(opt.resend_after_ms)) {
          log->debug("transport {}: no ack from {} for {} ms, resending from seq {}",
                     opt.node_name, o.cfg.name, opt.resend_after_ms, o.acked_upto + 1);
          go_back(o, now);
          pump(o, now);
        }
        if (now - o.last_tx >= milliseconds(opt.heartbeat_ms)) {
          send_heartbeat(o);
          o.last_tx = now;
        }
      }
      if (o.state != liveness::down && now - o.last_heard >= milliseconds(opt.peer_timeout_ms))
        report(o, false);
    }
  }
};

// -- public API ----------------------------------------------------------------------------------

node_link::node_link(link_options opts, deliver_fn deliver, peer_state_fn peer_state)
    : impl_(std::make_unique<impl>(std::move(opts), std::move(deliver), std::move(peer_state))) {}

node_link::~node_link() {
  auto& s = *impl_;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.stopping = true;
    if (s.started && !s.wake_pending) {
      s.wake_pending = true;
      s.wake_tx->send(zmq::message_t(), zmq::send_flags::dontwait);
    }
  }
  if (s.io.joinable())
    s.io.join();
  // Only the final acks may linger, briefly; everything else is dropped at once.
  if (s.router) {
    s.router->set(zmq::sockopt::linger, final_ack_linger_ms);
    s.router.reset();
  }
  for (auto& o : s.out)
    s.close_dealer(o);
  s.zap.reset();
  s.wake_tx.reset();
  s.wake_rx.reset();
  s.ctx.close();
}

void node_link::start() {
  auto& s = *impl_;
  if (s.io.joinable())
    throw std::logic_error("transport: node_link::start called twice");
  s.open_sockets();
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.started = true;
  }
  s.io = std::thread([&s] { s.run(); });
  s.log->info("transport {}: listening on {}, {} peer(s), {}", s.opt.node_name,
              s.bound.empty() ? std::string("(nothing)") : s.bound, s.out.size(),
              s.curve ? "CURVE" : "plaintext");
}

bool node_link::send(const std::string& peer, envelope e) {
  auto& s = *impl_;
  auto it = s.peer_index.find(peer);
  if (it == s.peer_index.end() || s.opt.peers[it->second].endpoint.empty())
    return false;
  if (e.target.empty() || e.target.size() > max_name_bytes || e.reply_to.size() > max_name_bytes)
    return false;
  if (e.payload.size() > s.opt.max_frame_bytes) {
    s.c.oversized_dropped.fetch_add(1);
    s.notify();
    s.log->warn("transport {}: refused to send {} bytes to {}.{} (max_frame_bytes {})",
                s.opt.node_name, e.payload.size(), peer, e.target, s.opt.max_frame_bytes);
    return false;
  }
  std::lock_guard<std::mutex> lk(s.mu);
  if (s.stopping || s.outstanding[it->second] >= s.opt.resend_buffer)
    return false;
  ++s.outstanding[it->second];
  s.inbox.push_back({it->second, std::move(e)});
  if (s.started && !s.wake_pending) {
    s.wake_pending = true;
    s.wake_tx->send(zmq::message_t(), zmq::send_flags::dontwait);
  }
  return true;
}

std::string node_link::bound_endpoint() const { return impl_->bound; }

uint64_t node_link::incarnation() const { return impl_->incarnation; }

node_link::counters node_link::stats() const { return impl_->snapshot(); }

bool node_link::wait_until(const std::function<bool(const counters&)>& pred,
                           std::chrono::milliseconds timeout) const {
  auto& s = *impl_;
  std::unique_lock<std::mutex> lk(s.stats_mu);
  return s.stats_cv.wait_for(lk, timeout, [&] { return pred(s.snapshot()); });
}

bool node_link::drain(std::chrono::milliseconds timeout) const {
  auto& s = *impl_;
  auto all_acked = [&] {
    std::lock_guard<std::mutex> lk(s.mu);
    return std::all_of(s.outstanding.begin(), s.outstanding.end(),
                       [](size_t n) { return n == 0; });
  };
  std::unique_lock<std::mutex> lk(s.stats_mu);
  return s.stats_cv.wait_for(lk, timeout, all_acked);
}

} // namespace engine::transport
