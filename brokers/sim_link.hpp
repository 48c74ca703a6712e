// The connection between the engine and the simulated venue: the place where in-process
// broker faults act (disconnect, refuse, hang, delay, lost or duplicated fills, rejects).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "brokers/faults/fault_injector.hpp"
#include "messages/orders.hpp"

namespace engine {

class actor_directory;

/// The fault plan's state outlives each connection (an at_s fault fires once per run).
struct shared_faults {
  std::mutex mtx;
  fault_injector injector;
  explicit shared_faults(fault_plan plan, int64_t start_ns) : injector(std::move(plan), start_ns) {}
};

struct sim_link_options {
  std::shared_ptr<actor_directory> directory;
  caf::actor venue;        // the simulated venue (sim_broker with supervised = true)
  caf::actor supervisor;   // told BrokerStatus{connected}
  std::string broker_name; // for reports and logs
  std::shared_ptr<shared_faults> faults; // null: no faults
  std::function<int64_t()> now;          // the engine's clock (simulated or wall)
};

/// Protocol: forwards OrderRequest/CancelRequest/ReplaceRequest and (sync_atom, token) to the
/// venue, and the venue's ExecutionReports and (sync_atom, name, token) barriers to the order
/// manager; answers the contract's queries by delegating to the venue; (ping_atom) ->
/// ping_atom unless hung. Quits with an error when a fault drops the connection.
caf::actor spawn_sim_link(caf::actor_system& sys, sim_link_options opts);

} // namespace engine
