// The actor name registry.
#include "actors/actor_directory.hpp"

namespace engine {

void actor_directory::put(const std::string& name, caf::actor handle) {
  std::lock_guard<std::mutex> guard{mtx_};
  entries_[name] = std::move(handle);
  version_.fetch_add(1, std::memory_order_acq_rel);
}

caf::actor actor_directory::get(const std::string& name) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = entries_.find(name);
  return i == entries_.end() ? caf::actor{} : i->second;
}

void actor_directory::erase(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  entries_.erase(name);
  version_.fetch_add(1, std::memory_order_acq_rel);
}

std::vector<std::string> actor_directory::names_with_prefix(const std::string& prefix) const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<std::string> out;
  for (auto i = entries_.lower_bound(prefix);
       i != entries_.end() && i->first.compare(0, prefix.size(), prefix) == 0; ++i)
    out.push_back(i->first);
  return out;
}

void actor_directory::clear() {
  std::lock_guard<std::mutex> guard{mtx_};
  entries_.clear();
  version_.fetch_add(1, std::memory_order_acq_rel);
}

} // namespace engine
