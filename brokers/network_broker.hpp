// The connection actor of a network broker (Alpaca, IBKR): owns one venue_connection, whose
// own I/O thread hands every callback in by message; speaks the broker contract.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <cstdint>

#include "brokers/net/venue_connection.hpp"

namespace engine {

class actor_directory;

struct network_broker_options {
  std::shared_ptr<actor_directory> directory;
  std::string broker_name;
  caf::actor supervisor; // told BrokerStatus{connected}; the actor quits when the link is lost
  std::unique_ptr<net::venue_connection> connection;
  int query_timeout_ms = 10000;
  /// A fatal error (bad keys, unsupported version): called once, from the actor.
  std::function<void(const std::string&)> on_fatal;
};

caf::actor spawn_network_broker(caf::actor_system& sys, network_broker_options opts);

/// A broker supervisor's `spawn_connection` for a network venue: each attempt is a new
/// network_broker around a new connection from `make` (brokers/venue_factory.hpp).
std::function<caf::actor(caf::actor_system&, caf::actor supervisor, int64_t attempt)>
network_connection_spawner(std::shared_ptr<actor_directory> directory, std::string broker_name,
                           std::function<std::unique_ptr<net::venue_connection>()> make);

} // namespace engine
