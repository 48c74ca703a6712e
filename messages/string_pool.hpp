// Interned strings (tickers, strategy names): each distinct string stored once and named by a 32-bit number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/string_index.hpp"

namespace engine {

/// Records that repeat a few distinct strings (a ticker, a strategy) keep a
/// 4-byte id instead of a 32-byte std::string each. Ids count from 0 in the
/// order strings were first seen and are never reused.
class string_pool {
public:
  string_pool() : index_{key_of{&names_}} {}
  string_pool(const string_pool&) = delete;
  string_pool& operator=(const string_pool&) = delete;

  uint32_t intern(std::string_view s) {
    auto candidate = static_cast<uint32_t>(names_.size());
    auto id = index_.find_or_insert(s, candidate);
    if (id == candidate)
      names_.emplace_back(s);
    return id;
  }

  /// The id of s if it was interned.
  std::optional<uint32_t> find(std::string_view s) const { return index_.find(s); }

  const std::string& name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

private:
  struct key_of {
    const std::vector<std::string>* names;
    std::string_view operator()(uint32_t i) const { return (*names)[i]; }
  };
  std::vector<std::string> names_;
  string_index<key_of> index_;
};

} // namespace engine
