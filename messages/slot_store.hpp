// Records in fixed-size chunks: stable addresses, no allocation (and no allocator rounding) per record.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace engine {

/// A growable array whose elements never move: `PerChunk` records share one allocation.
/// std::deque gives the same stability, but libstdc++ gives a record over 512 bytes a block
/// of its own, so each costs an allocation rounded up to the allocator's next size class.
/// Elements are default-constructed a chunk at a time; only `size()` of them are in use.
template <class T, size_t PerChunk = 256>
class slot_store {
public:
  size_t size() const { return size_; }

  T& operator[](size_t i) { return chunks_[i / PerChunk][i % PerChunk]; }
  const T& operator[](size_t i) const { return chunks_[i / PerChunk][i % PerChunk]; }

  /// Puts `v` in the next slot; returns it.
  T& push_back(T v) {
    if (size_ == chunks_.size() * PerChunk)
      chunks_.push_back(std::make_unique<T[]>(PerChunk));
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
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

} // namespace engine
