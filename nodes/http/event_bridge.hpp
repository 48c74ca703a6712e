// The actor that gathers the engine's order updates, fills, positions and broker states into batches for /events.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "nodes/http/event_batch.hpp"

namespace engine {
class actor_directory;
}

namespace engine::http {

class event_hub;
class event_tap;

struct event_bridge_options {
  std::shared_ptr<actor_directory> directory;
  std::shared_ptr<event_hub> hub;
  /// Broker supervisors to follow (each is sent (subscribe_atom, bridge)).
  std::vector<std::string> brokers;
  /// At most one batch per interval reaches the clients: the order path pays
  /// one cheap message per event, never a frame or a write.
  std::chrono::milliseconds flush_every{100};
  event_batch_limits limits;
  /// The order manager's tap when it runs in this process (engine_node makes one when the
  /// API is on): its updates and fills come from there, taken every flush_every while someone
  /// listens. Null: the bridge subscribes to the order manager (one on another node).
  std::shared_ptr<event_tap> tap;
};

/// Takes the order manager's updates and fills from its tap (else subscribes to them) and
/// subscribes to the broker supervisors; asks the position keeper for the positions of the tickers
/// filled since the last batch. Events are only gathered while someone
/// listens; the hub's publisher thread formats them.
caf::actor spawn_event_bridge(caf::actor_system& sys, event_bridge_options opts);

} // namespace engine::http
