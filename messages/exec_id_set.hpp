// The books' set of execution ids seen: exact like a set of strings, a few words for numbered ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "messages/prefix_table.hpp"
#include "messages/string_set.hpp"

namespace engine {

/// "Seen this exec id before?" for books that keep every fill's id for their whole life.
/// Numbered ids ("<prefix>-<n>", canonical digits) are kept as one run [lo, hi] per prefix:
/// the simulator numbers its fills one after the other, so a million fills are two numbers
/// and the prefix, and a check is a compare instead of a probe into a table as large as the run's
/// fills (a cache miss: 3-4% of engine_bench's CPU, in each of two books). Every other id (a
/// broker's UUID, a number out of turn, a prefix past max_prefixes) is kept in a string_set.
/// The answers are exactly those of a set of strings.
class exec_id_set {
public:
  /// Prefixes kept as runs at most (one per venue is the common case).
  static constexpr size_t max_prefixes = prefix_table<int>::max_prefixes;

  bool contains(std::string_view id) const;
  size_t count(std::string_view id) const { return contains(id) ? 1 : 0; }
  /// True when id was not in the set (and now is).
  bool insert(std::string_view id);
  size_t size() const;
  bool empty() const { return size() == 0; }

private:
  struct run {
    uint64_t lo = 0; // every number in [lo, hi] is in the set
    uint64_t hi = 0;
  };

  /// Moves "<prefix>-<hi + 1>" and its successors from others_ into the run, so that a
  /// number just past a run is never also in others_ (insert relies on it).
  void absorb(std::string_view prefix, run& r);

  prefix_table<run> runs_;
  string_set others_;
};

} // namespace engine
