// A value per id prefix, for the few prefixes (one per strategy or venue) numbered ids come under.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace engine {

/// At most max_prefixes entries, found by a scan that tries the last one found first: one
/// strategy's orders or one venue's fills come in streaks. Entries are never removed, so a
/// prefix refused when the table was full stays untracked.
template <class V>
class prefix_table {
public:
  static constexpr size_t max_prefixes = 64;

  V* find(std::string_view prefix) { return const_cast<V*>(std::as_const(*this).find(prefix)); }
  const V* find(std::string_view prefix) const {
    if (last_ < entries_.size() && entries_[last_].first == prefix)
      return &entries_[last_].second;
    for (size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].first == prefix) {
        last_ = i;
        return &entries_[i].second;
      }
    return nullptr;
  }

  /// The new entry for a prefix not held, or nullptr when the table is full.
  V* add(std::string_view prefix, V value) {
    if (entries_.size() >= max_prefixes)
      return nullptr;
    entries_.emplace_back(std::string{prefix}, std::move(value));
    last_ = entries_.size() - 1;
    return &entries_.back().second;
  }

  template <class F>
  void for_each(F&& f) const {
    for (auto& e : entries_)
      f(e.first, e.second);
  }

private:
  std::vector<std::pair<std::string, V>> entries_;
  mutable size_t last_ = 0;
};

} // namespace engine
