// An actor's own memo of the directory's handles, for the lookups of its order path.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include <caf/actor.hpp>

#include "actors/actor_directory.hpp"

namespace engine {

/// The handle registered under a name, looked up in the directory again only after the
/// directory changed: one atomic load and a hash lookup per use instead of a lock, a map
/// walk and a handle copy under it (several times per order). Owned by one actor's state,
/// so it needs no lock of its own; a name not registered is remembered as an invalid handle
/// until the next change.
class peer_cache {
public:
  peer_cache() = default;
  explicit peer_cache(std::shared_ptr<actor_directory> directory)
    : directory_(std::move(directory)) {}

  /// The handle, valid until the next get() (which may find the directory changed): copy it
  /// to keep it longer. A reference, so that the order path copies no handle (an atomic
  /// increment and decrement each) just to send to it.
  const caf::actor& get(const std::string& name) {
    static const caf::actor none;
    if (!directory_)
      return none;
    auto v = directory_->version();
    if (v != version_) {
      entries_.clear();
      version_ = v;
    }
    auto i = entries_.find(name);
    if (i == entries_.end())
      i = entries_.emplace(name, directory_->get(name)).first;
    return i->second;
  }

private:
  std::shared_ptr<actor_directory> directory_;
  uint64_t version_ = 0; // the directory starts at 1: the first get looks up
  std::unordered_map<std::string, caf::actor> entries_;
};

} // namespace engine
