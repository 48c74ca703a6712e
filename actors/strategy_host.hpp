// The strategy host actor: runs one user strategy and speaks the engine's messages for it.
#pragma once

#include <functional>
#include <memory>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/strategy.hpp"

namespace engine {

class actor_directory;

/// Protocol:
///   (step_atom, QuoteBatch) -> done_atom   on_quote for each quote; the answer waits
///                                          until every order sent meanwhile is acknowledged
///   OrderUpdate, Fill                      from the order manager: on_update / on_fill
///   (stop_atom)                            on_stop
///   (stats_atom) -> std::string            "running", or "stopped: <callback> threw: <what>"
/// A callback that throws stops the strategy: it is logged, its open orders
/// are cancelled, it gets no more callbacks and its steps are answered at once.
struct strategy_host_options {
  std::shared_ptr<actor_directory> directory;
  std::string name;
  Money initial_cash;
  std::string incarnation; // in client order ids, so a restart never reuses one
  bool print_acks = false; // "ACK <client_order_id> <order_id>" on stdout per accepted order
  std::string broker;      // where its orders go; empty: the default broker
};

caf::actor spawn_strategy_host(caf::actor_system& sys, strategy_host_options opts,
                               std::shared_ptr<strategy> impl);

/// A strategy written as a CAF actor of its own (docs/STRATEGIES.md, "As a
/// CAF actor"): it must answer the host's protocol above.
using strategy_actor_maker = std::function<caf::actor(
  caf::actor_system&, const strategy_host_options&, const strategy_config&)>;

/// Makes config type `type` spawn `make` instead of a strategy host.
void register_strategy_actor(const std::string& type, strategy_actor_maker make);

/// What a node spawns for a strategy: the strategy gateway for type external
/// (actors/strategy_gateway.hpp), a registered actor type, else a strategy
/// host running make_strategy(cfg). Throws what make_strategy throws.
caf::actor spawn_strategy(caf::actor_system& sys, strategy_host_options opts,
                          const strategy_config& cfg);

} // namespace engine
