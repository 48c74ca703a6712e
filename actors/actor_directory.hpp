// The one registry through which actors find each other by name.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>

namespace engine {

/// Well-known actor names; strategies are "strategy:NAME".
namespace names {
inline constexpr const char* order_manager = "order_manager";
inline constexpr const char* risk_manager = "risk_manager";
inline constexpr const char* position_keeper = "position_keeper";
inline constexpr const char* trade_logger = "trade_logger";
inline constexpr const char* simulator = "simulator";
inline constexpr const char* market_data = "market_data";
inline constexpr const char* broker = "broker";
/// The node's gateway to its peers: (subscribe_atom, actor) to hear PeerStatus.
inline constexpr const char* gateway = "gateway";
} // namespace names

/// Maps names to actor handles. A local actor and a proxy for a remote one
/// look the same to a caller, so placement never leaks into actor code.
/// Written while a node starts, read by actors when they first need a peer.
class actor_directory {
public:
  void put(const std::string& name, caf::actor handle);
  /// The actor registered under name, or an invalid handle.
  caf::actor get(const std::string& name) const;
  void erase(const std::string& name);
  std::vector<std::string> names_with_prefix(const std::string& prefix) const;
  void clear();
  /// Changes with every put, erase and clear: a cache of handles is good while it stays.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

private:
  mutable std::mutex mtx_;
  std::map<std::string, caf::actor> entries_;
  std::atomic<uint64_t> version_{1};
};

} // namespace engine
