// Joins a node to the others: proxies stand for remote actors, a gateway delivers what arrives.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "config/app_config.hpp"

namespace engine {

class actor_directory;

/// For every actor placed on another node, a proxy actor is registered under
/// the actor's name in this node's directory, so local actors send to it as
/// to any peer. A proxy encodes each message (nodes/remote_message.hpp) into
/// an envelope for the node link (ZeroMQ, at-least-once, CURVE); a request's
/// answer comes back the same way and is delivered to the requester. The
/// gateway actor takes what arrives and hands it to the named local actor,
/// as a request when the sender is waiting for an answer. It is registered as
/// "gateway": an actor that sends it (subscribe_atom, itself) receives a
/// PeerStatus whenever a peer goes silent or is heard from again.
class remote_bridge {
public:
  /// Builds the link from the config's nodes section (this node's endpoint,
  /// keys and peers) and registers proxies for the actors placed elsewhere.
  remote_bridge(caf::actor_system& sys, std::shared_ptr<actor_directory> dir,
                const app_config& cfg, const std::string& node_name);
  ~remote_bridge();

  /// Starts the link: call after the local actors are registered, so nothing
  /// that arrives finds its target missing.
  void start();
  /// Waits until every peer has been heard from; false at the timeout.
  bool wait_peers_up(std::chrono::milliseconds timeout);
  /// Waits until everything sent has been acknowledged by the peers.
  bool drain(std::chrono::milliseconds timeout);
  /// Stops proxies and the gateway, then the link.
  void stop();

  /// Actor names this node reaches through proxies.
  const std::vector<std::string>& remote_names() const;
  std::string status() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// True when the config spreads actors over more than one node.
bool is_multi_node(const app_config& cfg);

} // namespace engine
