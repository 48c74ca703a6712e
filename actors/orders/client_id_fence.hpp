// The highest number each client order id prefix has reached: a new id past it needs no idempotency lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
  static constexpr size_t max_prefixes = 64;

  /// Records an id the book indexes (every one: held, then retired, ids pass through here).
  void saw(std::string_view id) {
    std::string_view prefix;
    uint64_t n = 0;
    if (!split(id, prefix, n))
      return;
    if (auto i = index_of(prefix); i != npos) {
      if (n > highest_[i].second)
        highest_[i].second = n;
      return;
    }
    // A prefix seen for the first time: every id with it so far is this one. Past the bound
    // it is not tracked, now or later, so "certainly new" never holds for it.
    if (highest_.size() < max_prefixes)
      highest_.emplace_back(std::string{prefix}, n);
  }

  /// True when id is "<prefix>-<n>" with a tracked prefix and n past its highest.
  bool certainly_new(std::string_view id) const {
    std::string_view prefix;
    uint64_t n = 0;
    if (!split(id, prefix, n))
      return false;
    auto i = index_of(prefix);
    return i != npos && n > highest_[i].second;
  }

  /// Splits at the last '-': a non-empty prefix and 1-19 decimal digits (no overflow).
  static bool split(std::string_view id, std::string_view& prefix, uint64_t& n) {
    auto dash = id.rfind('-');
    if (dash == std::string_view::npos || dash == 0 || id.size() - dash - 1 == 0
        || id.size() - dash - 1 > 19)
      return false;
    uint64_t v = 0;
    for (auto c : id.substr(dash + 1)) {
      if (c < '0' || c > '9')
        return false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    prefix = id.substr(0, dash);
    n = v;
    return true;
  }

private:
  static constexpr size_t npos = ~size_t{0};

  size_t index_of(std::string_view prefix) const {
    if (last_ < highest_.size() && highest_[last_].first == prefix)
      return last_;
    for (size_t i = 0; i < highest_.size(); ++i)
      if (highest_[i].first == prefix)
        return last_ = i;
    return npos;
  }

  std::vector<std::pair<std::string, uint64_t>> highest_;
  mutable size_t last_ = 0; // the prefix found last: one strategy's orders come in runs
};

} // namespace engine
