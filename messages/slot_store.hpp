// Records in fixed-size chunks: stable addresses, no allocation (and no allocator rounding) per record.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <vector>

namespace engine {

/// A growable array whose elements never move: `PerChunk` records share one allocation.
/// std::deque gives the same stability, but libstdc++ gives a record over 512 bytes a block
/// of its own, so each costs an allocation rounded up to the allocator's next size class.
/// A chunk is at most 64 KiB by default, exactly one of jemalloc's size classes: 256 records
/// of 176 bytes (44 KiB) would take its 48 KiB class, 9% more per record.
/// Elements are default-constructed a chunk at a time; only `size()` of them are in use.
template <class T, size_t PerChunk = (sizeof(T) < 65536 ? 65536 / sizeof(T) : 1)>
class slot_store {
public:
  size_t size() const { return size_; }

  T& operator[](size_t i) { return (*chunks_[i / PerChunk])[i % PerChunk]; }
  const T& operator[](size_t i) const { return (*chunks_[i / PerChunk])[i % PerChunk]; }

  /// Puts `v` in the next slot; returns it.
  T& push_back(T v) {
    if (size_ == chunks_.size() * PerChunk)
      chunks_.push_back(std::make_unique<chunk>());
    auto& slot = (*this)[size_++];
    slot = std::move(v);
    return slot;
  }

  /// `f(T&)` for every slot in use, in index order.
  template <class F>
  void for_each(F&& f) {
    for (size_t i = 0; i < size_; ++i)
      f((*this)[i]);
  }
  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < size_; ++i)
      f((*this)[i]);
  }

private:
  // One object, not a T[]: new T[n] of a type with a destructor adds a length word, which
  // takes a chunk of a power-of-two size into the allocator's next size class (+25%).
  using chunk = std::array<T, PerChunk>;
  std::vector<std::unique_ptr<chunk>> chunks_;
  size_t size_ = 0;
};

} // namespace engine
