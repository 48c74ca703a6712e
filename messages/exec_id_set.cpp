// Exec ids as runs per prefix, with a string_set for the rest.
#include "messages/exec_id_set.hpp"

#include "messages/numbered_id.hpp"

namespace engine {

namespace {

/// The (prefix, n) of a canonical numbered id, else false.
bool numbered(std::string_view id, std::string_view& prefix, uint64_t& n) {
  return split_numbered_id(id, prefix, n) && canonical_number(id);
}

} // namespace

bool exec_id_set::contains(std::string_view id) const {
  std::string_view prefix;
  uint64_t n = 0;
  if (numbered(id, prefix, n)) {
    if (auto* r = runs_.find(prefix); r && n >= r->lo && n <= r->hi)
      return true;
  }
  return others_.contains(id);
}

bool exec_id_set::insert(std::string_view id) {
  std::string_view prefix;
  uint64_t n = 0;
  if (!numbered(id, prefix, n))
    return others_.insert(id);
  auto* r = runs_.find(prefix);
  if (!r) {
    // The first canonical id of its prefix (runs are never removed, so none of the prefix's
    // canonical ids went to others_ while there was room for a run).
    if (!runs_.add(prefix, run{n, n}))
      return others_.insert(id);
    return true;
  }
  if (n >= r->lo && n <= r->hi)
    return false;
  if (n == r->hi + 1) { // never wraps: 19 digits stay below UINT64_MAX
    r->hi = n;
    absorb(prefix, *r);
    return true;
  }
  return others_.insert(id);
}

void exec_id_set::absorb(std::string_view prefix, run& r) {
  while (!others_.empty()) {
    auto next = std::string{prefix} + '-' + std::to_string(r.hi + 1);
    if (!others_.erase(next))
      return;
    ++r.hi;
  }
}

size_t exec_id_set::size() const {
  size_t n = others_.size();
  runs_.for_each([&](const std::string&, const run& r) { n += static_cast<size_t>(r.hi - r.lo + 1); });
  return n;
}

} // namespace engine
