// One supervisor per broker connection: spawns it, watches it, restarts it with backoff
// within a restart intensity, and publishes every state change as a BrokerStatus.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "config/app_config.hpp"

namespace engine {

class actor_directory;

struct broker_supervisor_options {
  std::shared_ptr<actor_directory> directory;
  broker_config config; // name, supervision keys (max_restarts, restart_window_s, backoff_*)
  /// Spawns one connection attempt; the supervisor monitors what it returns. Connection
  /// actors speak the contract of brokers/broker_protocol.hpp.
  std::function<caf::actor(caf::actor_system&, caf::actor supervisor, int64_t attempt)>
    spawn_connection;
  std::function<int64_t()> now;  // the engine's clock: statuses and the restart window
  caf::actor venue;              // simulator only: where the lock step goes (no connection needed)
  std::vector<std::string> publish_to{"order_manager", "risk_manager"}; // directory names
  double jitter = 0.2;
  uint64_t seed = 1;
};

/// Its protocol is the broker contract (brokers/broker_protocol.hpp), under the broker's name.
caf::actor spawn_broker_supervisor(caf::actor_system& sys, broker_supervisor_options opts);

} // namespace engine
