// A set of strings (execution ids): the keys in one vector, found through a string_index.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "messages/string_index.hpp"

namespace engine {

/// The "seen before?" sets of the books (execution ids, mostly): the keys live side by side
/// in one vector (a short id inside its std::string, no allocation) and an open-addressing
/// string_index finds them, instead of a hash node and a bucket per key. Erasing moves the
/// last key into the hole. Movable and copyable; a copy is a deep copy.
class string_set {
public:
  string_set() = default;
  string_set(const string_set& other) { *this = other; }
  string_set(string_set&&) noexcept = default;
  string_set& operator=(string_set&&) noexcept = default;
  string_set& operator=(const string_set& other) {
    if (this != &other) {
      auto keys = std::make_unique<std::vector<std::string>>(*other.keys_);
      index_type index{key_of{keys.get()}};
      index.reserve(keys->size());
      for (uint32_t i = 0; i < keys->size(); ++i)
        index.find_or_insert((*keys)[i], i);
      keys_ = std::move(keys);
      index_ = std::move(index);
    }
    return *this;
  }

  size_t size() const { return keys_->size(); }
  bool empty() const { return keys_->empty(); }
  size_t count(std::string_view key) const { return index_.find(key) ? 1 : 0; }
  bool contains(std::string_view key) const { return count(key) != 0; }

  /// True when key was not in the set (and now is).
  bool insert(std::string_view key) {
    auto candidate = static_cast<uint32_t>(keys_->size());
    if (index_.find_or_insert(key, candidate) != candidate)
      return false;
    keys_->emplace_back(key);
    return true;
  }

  /// True when key was in the set (and now is not).
  bool erase(std::string_view key) {
    auto at = index_.find(key);
    if (!at)
      return false;
    index_.erase(key);
    auto last = static_cast<uint32_t>(keys_->size() - 1);
    if (*at != last) {
      index_.erase((*keys_)[last]); // re-filed under its new position below
      (*keys_)[*at] = std::move((*keys_)[last]);
      index_.find_or_insert((*keys_)[*at], *at);
    }
    keys_->pop_back();
    return true;
  }

  void clear() {
    keys_->clear();
    index_.clear();
  }

  void reserve(size_t n) {
    keys_->reserve(n);
    index_.reserve(n);
  }

  auto begin() const { return keys_->cbegin(); }
  auto end() const { return keys_->cend(); }

private:
  struct key_of {
    const std::vector<std::string>* keys;
    std::string_view operator()(uint32_t i) const { return (*keys)[i]; }
  };
  using index_type = string_index<key_of>;

  // The vector sits behind a pointer so that the index's key_of stays valid when the set moves.
  std::unique_ptr<std::vector<std::string>> keys_ = std::make_unique<std::vector<std::string>>();
  index_type index_{key_of{keys_.get()}};
};

} // namespace engine
