// Journal records decoded ahead of the replay's fold, in blocks handed from the decoding thread to the folding one.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "actors/journal/record_decoder.hpp"
#include "messages/orders.hpp"

namespace engine {

/// What the fold does with a decoded record (records that change nothing,
/// such as an operator's audit records, are not decoded at all).
enum class record_kind : uint8_t {
  fill,                 // a trade_log fill
  pending_fill,         // a trade_log fill whose commission is not known yet
  commission_completed, // the commission of a pending fill
  accepted,             // an order_book acceptance (an OrderRequest)
  update,               // any other order_book record (an OrderUpdate)
  replaced,             // an update that also sets the order's quantity
};

/// A run of consecutive records, decoded: copies of their lines (the decoded
/// strings are views into them, see record_string_views) and the messages.
/// Reused from run to run: clear() keeps every allocation.
class decoded_block {
public:
  template <class T>
  struct slot {
    T message;
    record_string_views views; // point into this block's copies of the lines
  };

  struct entry {
    record_kind kind;
    uint32_t index; // into fills, requests or updates, by kind
  };

  static constexpr size_t max_records = 512;

  decoded_block() : text_(std::make_unique<char[]>(text_capacity_)) {
    entries_.reserve(max_records);
  }

  void clear() {
    entries_.clear();
    fills_used_ = requests_used_ = updates_used_ = 0;
    text_used_ = 0;
  }

  bool empty() const { return entries_.empty(); }
  const std::vector<entry>& entries() const { return entries_; }
  const slot<Fill>& fill(const entry& e) const { return fills_[e.index]; }
  const slot<OrderRequest>& request(const entry& e) const { return requests_[e.index]; }
  const slot<OrderUpdate>& update(const entry& e) const { return updates_[e.index]; }

  /// A copy of line that lives as long as this block's contents; empty when
  /// the block is full (fold it, clear it, and ask again).
  std::string_view keep_line(std::string_view line) {
    if (entries_.size() == max_records)
      return {};
    if (text_capacity_ - text_used_ < line.size()) {
      if (text_used_ != 0)
        return {};
      // An empty block holds a line of any size (nothing points into it yet).
      text_capacity_ = line.size();
      text_ = std::make_unique<char[]>(text_capacity_);
    }
    char* p = text_.get() + text_used_;
    if (!line.empty())
      std::memcpy(p, line.data(), line.size());
    text_used_ += line.size();
    return {p, line.size()};
  }

  /// A slot for the next record's message (the previous occupant's values
  /// stay: the decoder assigns every field). Addresses are stable, so views
  /// keyed by member addresses stay valid while the block fills.
  slot<Fill>& add_fill(record_kind k) { return add(k, fills_, fills_used_); }
  slot<OrderRequest>& add_request() { return add(record_kind::accepted, requests_, requests_used_); }
  slot<OrderUpdate>& add_update(record_kind k) { return add(k, updates_, updates_used_); }

private:
  template <class T>
  slot<T>& add(record_kind k, std::deque<slot<T>>& slots, size_t& used) {
    if (used == slots.size())
      slots.emplace_back();
    entries_.push_back({k, static_cast<uint32_t>(used)});
    return slots[used++];
  }

  std::vector<entry> entries_;
  std::deque<slot<Fill>> fills_;
  std::deque<slot<OrderRequest>> requests_;
  std::deque<slot<OrderUpdate>> updates_;
  size_t fills_used_ = 0;
  size_t requests_used_ = 0;
  size_t updates_used_ = 0;
  size_t text_capacity_ = 160 * 1024; // ~512 lines of the writer's 200-300 bytes
  std::unique_ptr<char[]> text_;
  size_t text_used_ = 0;
};

/// Hands decoded blocks from one producer thread to one consumer thread, in
/// order, through a fixed set of blocks (the producer waits when all are full).
class decoded_block_handoff {
public:
  explicit decoded_block_handoff(size_t blocks) {
    for (size_t i = 0; i < blocks; ++i) {
      owned_.push_back(std::make_unique<decoded_block>());
      free_.push_back(owned_.back().get());
    }
  }

  /// Producer: an empty block to fill; nullptr once the consumer has stopped.
  decoded_block* empty_block() {
    std::unique_lock<std::mutex> lock{mutex_};
    changed_.wait(lock, [this] { return stopped_ || !free_.empty(); });
    if (stopped_)
      return nullptr;
    auto* b = free_.back();
    free_.pop_back();
    return b;
  }

  /// Producer: b is ready for the consumer (blocks arrive in this order).
  void hand_over(decoded_block* b) {
    {
      std::lock_guard<std::mutex> lock{mutex_};
      full_.push_back(b);
    }
    changed_.notify_all();
  }

  /// Producer: no more blocks; error (may be null) is what stopped it.
  void finish(std::exception_ptr error) {
    {
      std::lock_guard<std::mutex> lock{mutex_};
      finished_ = true;
      error_ = std::move(error);
    }
    changed_.notify_all();
  }

  /// Consumer: the next block in order, or nullptr when the producer finished
  /// and every block it handed over was taken.
  decoded_block* next_full() {
    std::unique_lock<std::mutex> lock{mutex_};
    changed_.wait(lock, [this] { return finished_ || !full_.empty(); });
    if (full_.empty())
      return nullptr;
    auto* b = full_.front();
    full_.pop_front();
    return b;
  }

  /// Consumer: b is folded and may be filled again.
  void give_back(decoded_block* b) {
    b->clear();
    {
      std::lock_guard<std::mutex> lock{mutex_};
      free_.push_back(b);
    }
    changed_.notify_all();
  }

  /// Consumer: it takes no more blocks (it failed); the producer's next
  /// empty_block() returns nullptr.
  void stop() {
    {
      std::lock_guard<std::mutex> lock{mutex_};
      stopped_ = true;
    }
    changed_.notify_all();
  }

  /// What stopped the producer (null when it read the whole journal).
  std::exception_ptr error() {
    std::lock_guard<std::mutex> lock{mutex_};
    return error_;
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::unique_ptr<decoded_block>> owned_;
  std::vector<decoded_block*> free_;
  std::deque<decoded_block*> full_;
  bool finished_ = false;
  bool stopped_ = false;
  std::exception_ptr error_;
};

} // namespace engine
