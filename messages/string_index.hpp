// An index from a string key to the position of an element in a container its owner keeps (open addressing, no node per key).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace engine {

/// Maps the key of an element (key_of(i) for the element at index i) to i.
/// Linear probing over one array of 8-byte slots: no allocation per entry, so
/// an entry costs 16-32 bytes instead of a hash map node (~64 bytes with its
/// own copy of the key). Each slot keeps the low 32 bits of the key's hash
/// beside the index: a probe rarely reads an element, and rehashing and erasing
/// never hash a key again. The owner keeps key_of(i) unchanged while i is
/// stored. At most 2^32 - 1 elements.
template <class KeyOf>
class string_index {
public:
  explicit string_index(KeyOf key_of) : key_of_(std::move(key_of)) {}

  size_t size() const { return size_; }

  void reserve(size_t n) {
    size_t want = 16;
    while (want < 2 * n)
      want *= 2;
    if (want > slots_.size())
      rehash(want);
  }

  /// The index of the element whose key is key, if stored.
  std::optional<uint32_t> find(std::string_view key) const {
    if (slots_.empty())
      return std::nullopt;
    auto tag = hash(key);
    auto mask = slots_.size() - 1;
    for (auto j = tag & mask;; j = (j + 1) & mask) {
      auto v = slots_[j];
      if (v == 0)
        return std::nullopt;
      auto i = index_of(v);
      if (tag_of(v) == tag && key_of_(i) == key)
        return i;
    }
  }

  /// The index of the element whose key is key, or candidate after storing it
  /// (the caller then puts that element at index candidate).
  uint32_t find_or_insert(std::string_view key, uint32_t candidate) {
    if (2 * (size_ + 1) > slots_.size())
      rehash(slots_.empty() ? 16 : 2 * slots_.size());
    auto tag = hash(key);
    auto mask = slots_.size() - 1;
    for (auto j = tag & mask;; j = (j + 1) & mask) {
      auto v = slots_[j];
      if (v == 0) {
        slots_[j] = (uint64_t{tag} << 32) | (uint64_t{candidate} + 1);
        ++size_;
        return candidate;
      }
      auto i = index_of(v);
      if (tag_of(v) == tag && key_of_(i) == key)
        return i;
    }
  }

  /// Forgets key; true when it was stored. Later entries of its probe run move
  /// back into the hole (no tombstones, so lookups stay as short as before).
  bool erase(std::string_view key) {
    if (slots_.empty())
      return false;
    auto tag = hash(key);
    auto mask = slots_.size() - 1;
    auto j = tag & mask;
    for (;; j = (j + 1) & mask) {
      auto v = slots_[j];
      if (v == 0)
        return false;
      if (tag_of(v) == tag && key_of_(index_of(v)) == key)
        break;
    }
    for (auto k = (j + 1) & mask;; k = (k + 1) & mask) {
      auto v = slots_[k];
      if (v == 0)
        break;
      // v may fill the hole at j unless its home lies cyclically in (j, k].
      auto home = tag_of(v) & mask;
      bool stays = j <= k ? (home > j && home <= k) : (home > j || home <= k);
      if (!stays) {
        slots_[j] = v;
        j = k;
      }
    }
    slots_[j] = 0;
    --size_;
    return true;
  }

  void clear() {
    std::fill(slots_.begin(), slots_.end(), 0);
    size_ = 0;
  }

private:
  static uint32_t hash(std::string_view key) {
    return static_cast<uint32_t>(std::hash<std::string_view>{}(key));
  }
  static uint32_t tag_of(uint64_t v) { return static_cast<uint32_t>(v >> 32); }
  static uint32_t index_of(uint64_t v) { return static_cast<uint32_t>(v) - 1; }

  void rehash(size_t n) {
    std::vector<uint64_t> old(n, 0);
    old.swap(slots_);
    auto mask = n - 1;
    for (auto v : old) {
      if (v == 0)
        continue;
      auto j = tag_of(v) & mask;
      while (slots_[j] != 0)
        j = (j + 1) & mask;
      slots_[j] = v;
    }
  }

  KeyOf key_of_;
  std::vector<uint64_t> slots_; // 0 empty, else hash tag << 32 | (index + 1)
  size_t size_ = 0;
};

} // namespace engine
