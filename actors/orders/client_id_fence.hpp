// The highest number each client order id prefix has reached: a new id past it needs no idempotency lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messages/numbered_id.hpp"
#include "messages/prefix_table.hpp"

namespace engine {

/// Client order ids of the form "<prefix>-<n>" ("noise-41": prefix "noise", number 41), as
/// strategy hosts number them: for each prefix, the highest n of every id the order book has
/// indexed. An id whose n is past its prefix's highest was never used, so the book answers
/// "not held, not retired" without its two hash lookups (each a cache miss on a table as big
/// as the orders held: 11% of the order manager's time). Any other id, or a prefix not
/// tracked, is looked up as before: the fence only ever says "certainly new" or "don't know".
class client_id_fence {
public:
  /// Prefixes tracked at most (one per strategy is the common case); ids of later prefixes
  /// are always looked up.
  static constexpr size_t max_prefixes = prefix_table<uint64_t>::max_prefixes;

  /// Records an id the book indexes (every one: held, then retired, ids pass through here).
  void saw(std::string_view id) {
    std::string_view prefix;
    uint64_t n = 0;
    if (!split(id, prefix, n))
      return;
    if (auto* highest = highest_.find(prefix)) {
      if (n > *highest)
        *highest = n;
      return;
    }
    // A prefix seen for the first time: every id with it so far is this one. Past the bound
    // it is not tracked, now or later, so "certainly new" never holds for it.
    highest_.add(prefix, n);
  }

  /// True when id is "<prefix>-<n>" with a tracked prefix and n past its highest.
  bool certainly_new(std::string_view id) const {
    std::string_view prefix;
    uint64_t n = 0;
    if (!split(id, prefix, n))
      return false;
    auto* highest = highest_.find(prefix);
    return highest && n > *highest;
  }

  /// Splits at the last '-': a non-empty prefix and 1-19 decimal digits (no overflow).
  static bool split(std::string_view id, std::string_view& prefix, uint64_t& n) {
    return split_numbered_id(id, prefix, n);
  }

private:
  prefix_table<uint64_t> highest_;
};

} // namespace engine
