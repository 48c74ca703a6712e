// The strategy gateway actor: a strategy in another process (Python, clients/python/) trades through it over ZeroMQ.
#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "config/app_config.hpp"

namespace engine {

class actor_directory;

/// Stands where a strategy_host stands ("strategy:NAME" in the directory) and
/// speaks its protocol to the engine:
///   (step_atom, QuoteBatch) -> done_atom   forwarded as one "quotes" frame; answered once
///                                          the process acknowledged it and every order it
///                                          sent meanwhile is acknowledged by the order
///                                          manager; at once while no process is connected,
///                                          except that the first batch waits up to
///                                          cfg.wait_for_process_ms for the first process
///   OrderUpdate, Fill                      forwarded ("update", "fill" + "position")
///   (stop_atom)                            forwarded ("stop")
///   (stats_atom) -> std::string            "connected", "waiting for the strategy process"
///                                          or "down: <why>"
/// To the process it is a ZeroMQ ROUTER at cfg.endpoint (CURVE when key files
/// are set; then only cfg.client_key_files may connect, if any are listed)
/// speaking the msgpack maps of actors/strategy_gateway_wire.hpp. Frames that
/// carry state are numbered; what the process has not acknowledged is kept and
/// sent again when it subscribes after a reconnect, so nothing is lost or
/// repeated. A process silent for cfg.heartbeat_timeout_ms is down: it is
/// logged and reported, and its open orders are cancelled or kept per
/// cfg.cancel_on_disconnect.
struct strategy_gateway_options {
  std::shared_ptr<actor_directory> directory;
  strategy_config cfg;       // type external: name, endpoint, keys, policy
  Money initial_cash;
  bool print_endpoint = true; // "GATEWAY <name> <endpoint>" on stdout once bound (port 0)
};

/// Binds the endpoint now (throws std::runtime_error naming it when it cannot)
/// and spawns the gateway.
caf::actor spawn_strategy_gateway(caf::actor_system& sys, strategy_gateway_options opts);

} // namespace engine
