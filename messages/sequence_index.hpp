// An index from ids the owner numbers itself ("<prefix>-<n>", n counting up) to slots: a window of
// consecutive numbers, so recent ids are found by arithmetic instead of a hash probe.
#pragma once

#include <charconv>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace engine {

/// Holds the slots of ids "<prefix>-<n>" for n in [base, base + size), appended in number
/// order. A lookup parses the number and reads one array entry; the entries of recent ids lie
/// together, so a run of lookups stays in cache (a hash index scatters them). Ids that do not
/// fit (another prefix, a gap in the numbers, one that slid out of the window) belong in the
/// owner's other index: the owner asks this one first and the other one on no answer.
class sequence_index {
public:
  static constexpr uint32_t none = UINT32_MAX;
  static constexpr uint64_t max_gap = 4096; // numbers skipped that an append may bridge

  explicit sequence_index(std::string prefix) : prefix_(std::move(prefix) + "-") {}

  /// The number of `id` when it has this index's form, else nothing.
  std::optional<uint64_t> number_of(std::string_view id) const {
    if (id.size() <= prefix_.size() || id.compare(0, prefix_.size(), prefix_) != 0)
      return std::nullopt;
    auto digits = id.substr(prefix_.size());
    if (digits.size() > 1 && digits.front() == '0')
      return std::nullopt; // the owner never writes leading zeros
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size())
      return std::nullopt;
    return n;
  }

  /// The slot stored for `id`, or `none`.
  uint32_t find(std::string_view id) const {
    auto i = position_of(id);
    return i ? slots_[*i] : none;
  }

  /// Stores `slot` for `id` when its number is the next one of the window (or the window is
  /// empty); false when it does not fit and belongs in the other index.
  bool append(std::string_view id, uint32_t slot) {
    auto n = number_of(id);
    if (!n)
      return false;
    if (slots_.empty())
      base_ = *n;
    else if (*n < base_ + slots_.size() || *n - (base_ + slots_.size()) > max_gap)
      return false;
    // A few numbers skipped (recovered orders that closed): the gap is held as forgotten.
    while (base_ + slots_.size() < *n)
      slots_.push_back(none);
    slots_.push_back(slot);
    ++held_;
    return true;
  }

  /// Forgets `id`; false when it is not stored here. The window's front moves past the
  /// numbers forgotten, so it spans the oldest id held to the newest.
  bool erase(std::string_view id) {
    auto i = position_of(id);
    if (!i || slots_[*i] == none)
      return false;
    slots_[*i] = none;
    --held_;
    drop_forgotten_front();
    return true;
  }

  /// Takes the front of the window off while the window is more than `max_span` numbers:
  /// `moved(slot)` is called for each id still held there, which the owner puts in its other
  /// index (an order that stays open long must not pin a window of every id since).
  template <class F>
  void trim_to(size_t max_span, F moved) {
    while (slots_.size() > max_span) {
      if (slots_.front() != none) {
        moved(slots_.front());
        --held_;
      }
      slots_.pop_front();
      ++base_;
    }
    drop_forgotten_front();
  }

  size_t size() const { return held_; }  // ids held
  size_t span() const { return slots_.size(); } // numbers in the window

private:
  /// Where `id` sits in the window, if it has this index's form and a number inside it.
  std::optional<size_t> position_of(std::string_view id) const {
    auto n = number_of(id);
    if (!n || *n < base_ || *n - base_ >= slots_.size())
      return std::nullopt;
    return static_cast<size_t>(*n - base_);
  }

  /// Moves the front past the numbers forgotten: the window starts at the oldest id held.
  void drop_forgotten_front() {
    while (!slots_.empty() && slots_.front() == none) {
      slots_.pop_front();
      ++base_;
    }
  }

  std::string prefix_; // with its "-"
  uint64_t base_ = 0;
  std::deque<uint32_t> slots_; // none: forgotten (a gap the front has not passed yet)
  size_t held_ = 0;
};

} // namespace engine
