// A set of 64-bit keys (hashes of ids), or a map from them to 32-bit values, in open-addressing arrays: no node per key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace engine {

/// What the order book keeps of the orders that left it, for every order of the run: a
/// hash of each id. A node-based std::unordered_set spends a node (a heap block and a
/// pointer chase) and a bucket per key; here the keys are one array (linear probing, at most
/// half full) and, for a map, the values a second one beside it: 8 bytes a slot for a set,
/// 12 for a map. Only inserts: the book never forgets a retired id. Key 0 is kept aside, so
/// any 64-bit key works.
class u64_map {
public:
  /// A map (values kept) or a set (values not kept: find() is for maps).
  explicit u64_map(bool with_values = true) : with_values_(with_values) {}

  size_t size() const { return size_ + (has_zero_ ? 1 : 0); }
  bool empty() const { return size() == 0; }
  bool contains(uint64_t key) const { return key == 0 ? has_zero_ : at(key) != npos; }

  /// The value stored under key, or null (a map's).
  const uint32_t* find(uint64_t key) const {
    if (key == 0)
      return has_zero_ ? &zero_value_ : nullptr;
    auto j = at(key);
    return j == npos ? nullptr : &values_[j];
  }

  /// Stores value under key (replacing what was there); true when the key is new.
  bool assign(uint64_t key, uint32_t value) {
    if (key == 0) {
      bool fresh = !has_zero_;
      has_zero_ = true;
      zero_value_ = value;
      return fresh;
    }
    if (2 * (size_ + 1) > keys_.size())
      grow();
    auto mask = keys_.size() - 1;
    for (auto j = home(key, mask);; j = (j + 1) & mask) {
      if (keys_[j] == key || keys_[j] == 0) {
        bool fresh = keys_[j] == 0;
        keys_[j] = key;
        if (with_values_)
          values_[j] = value;
        size_ += fresh ? 1 : 0;
        return fresh;
      }
    }
  }
  /// As a set: true when the key is new.
  bool insert(uint64_t key) { return assign(key, 0); }

private:
  static constexpr size_t npos = ~size_t{0};

  // Fibonacci hashing: the keys are hashes already, this spreads any that are not.
  static size_t home(uint64_t key, size_t mask) {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
  }
  size_t at(uint64_t key) const {
    if (keys_.empty())
      return npos;
    auto mask = keys_.size() - 1;
    for (auto j = home(key, mask);; j = (j + 1) & mask) {
      if (keys_[j] == key)
        return j;
      if (keys_[j] == 0)
        return npos;
    }
  }
  void grow() {
    std::vector<uint64_t> old_keys(keys_.empty() ? 16 : 2 * keys_.size(), 0);
    std::vector<uint32_t> old_values(with_values_ ? old_keys.size() : 0, 0);
    old_keys.swap(keys_);
    old_values.swap(values_);
    auto mask = keys_.size() - 1;
    for (size_t i = 0; i < old_keys.size(); ++i) {
      if (old_keys[i] == 0)
        continue;
      auto j = home(old_keys[i], mask);
      while (keys_[j] != 0)
        j = (j + 1) & mask;
      keys_[j] = old_keys[i];
      if (with_values_)
        values_[j] = old_values[i];
    }
  }

  bool with_values_;
  std::vector<uint64_t> keys_; // 0: empty
  std::vector<uint32_t> values_; // beside keys_, for a map
  size_t size_ = 0;              // keys in keys_ (key 0 is counted apart)
  bool has_zero_ = false;
  uint32_t zero_value_ = 0;
};

} // namespace engine
