// A node's connection to its peers: ZeroMQ ROUTER in, one DEALER per peer out, one I/O thread,
// at-least-once ordered delivery with acks, resends and dedup, heartbeats, CURVE + ZAP auth.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nodes/transport/envelope.hpp"
#include "nodes/transport/keys.hpp"

namespace engine::transport {

struct peer_config {
  std::string name;       // the peer's node_name
  std::string endpoint;   // where its ROUTER listens, tcp://host:port; empty = inbound only
  std::string public_key; // z85; empty only when no key is configured anywhere (plaintext)
};

struct link_options {
  std::string node_name;
  std::string bind_endpoint; // e.g. tcp://0.0.0.0:5601 or tcp://127.0.0.1:* in tests
  std::vector<peer_config> peers;
  // This node's z85 CURVE keys. Plaintext only when these and every peer key are empty.
  std::string public_key, secret_key;
  size_t max_frame_bytes = 1 << 20; // larger frames are dropped and counted
  size_t resend_buffer = 100000;    // per peer: queued + unacknowledged envelopes
  int heartbeat_ms = 200;           // sent on a link idle this long
  int peer_timeout_ms = 1500;       // silence after which a peer is reported down
  int resend_after_ms = 200;        // no ack progress this long: resend everything unacked
};

/// One per process. Delivery promise, per (sender link, receiver): every envelope accepted by
/// send() is delivered in seq order, at least once, while the sending link lives, whatever
/// happens to connections and to the receiving process; duplicates are dropped by
/// (sender incarnation, seq). A receiver that stops gracefully (its destructor) acknowledges
/// what it delivered, so its successor delivers nothing twice. See docs/DISTRIBUTED.md.
class node_link {
public:
  /// Called on the I/O thread, once per (sender incarnation, seq), in seq order per sender.
  /// Must not block for long (it holds up acks and heartbeats) and should not throw (an
  /// exception is logged and the envelope counts as delivered).
  using deliver_fn = std::function<void(envelope&&)>;
  /// Called on the I/O thread: up when a peer is heard from after being down (or at first
  /// contact), down when it has been silent for peer_timeout_ms (or never answered).
  using peer_state_fn = std::function<void(const std::string& peer, bool up)>;

  /// Validates the options (throws std::invalid_argument with the reason): names set and
  /// unique, keys all empty or all valid z85 with the public key matching the secret.
  node_link(link_options opts, deliver_fn deliver, peer_state_fn peer_state);
  /// Stops the I/O thread, acknowledges what was delivered (bounded wait), closes the sockets
  /// with linger 0 otherwise.
  ~node_link();
  node_link(const node_link&) = delete;
  node_link& operator=(const node_link&) = delete;

  /// Binds, connects and starts the I/O thread. Throws zmq::error_t if the bind fails.
  void start();

  /// Thread-safe and never blocks on the network: the envelope is queued for the I/O thread,
  /// which assigns sender_node, incarnation and seq. False (nothing queued) if the peer is not
  /// configured, the link is stopping, a name is empty or longer than max_name_bytes, the
  /// payload exceeds max_frame_bytes (counted as oversized), or resend_buffer envelopes to this
  /// peer are already queued or unacknowledged.
  bool send(const std::string& peer, envelope e);

  /// The endpoint actually bound (a wildcard port resolved); valid after start().
  std::string bound_endpoint() const;
  /// This process's incarnation: random, never 0, new for every node_link.
  uint64_t incarnation() const;

  struct counters {
    uint64_t sent = 0;               // data frames handed to the network the first time
    uint64_t delivered = 0;          // envelopes passed to deliver_fn
    uint64_t duplicates_dropped = 0; // data frames already delivered or already held
    uint64_t resent = 0;             // data frames handed to the network again
    uint64_t garbage_dropped = 0;    // wrong frame count, undecodable header, bad fields
    uint64_t oversized_dropped = 0;  // a frame over max_frame_bytes (sent or received)
    uint64_t refused_peers = 0;      // ZAP refusals + frames from unconfigured or forged names
    uint64_t acks = 0;               // ack frames this node sent as a receiver
  };
  counters stats() const;

  /// Blocks until pred(stats()) holds or the timeout passes; returns the last pred value.
  /// Re-checked whenever the I/O thread changes a counter (no polling).
  bool wait_until(const std::function<bool(const counters&)>& pred,
                  std::chrono::milliseconds timeout) const;
  /// Blocks until every envelope accepted by send() is acknowledged, or the timeout passes.
  /// Call before a graceful stop: a stopped sender's unacknowledged envelopes are lost.
  bool drain(std::chrono::milliseconds timeout) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace engine::transport
