// An id string in 16 bytes: up to 15 characters inside, a longer one on the heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>

namespace engine {

/// The books keep an order id and a client order id per open order; a std::string is 32
/// bytes even when empty. Ids the engine makes (`O-123`, `SIM-7`) fit
/// inside; longer ones (a UUID client id) cost the 16 bytes plus one allocation, as a
/// long std::string does. Compares and converts as a std::string_view.
class compact_id {
public:
  compact_id() noexcept { set_inline(0); }
  explicit compact_id(std::string_view s) { init(s); }
  compact_id(const compact_id& o) { init(o.view()); }
  compact_id(compact_id&& o) noexcept {
    std::memcpy(bytes_, o.bytes_, sizeof bytes_);
    o.set_inline(0);
  }
  compact_id& operator=(const compact_id& o) {
    if (this != &o)
      assign(o.view());
    return *this;
  }
  compact_id& operator=(compact_id&& o) noexcept {
    if (this != &o) {
      release();
      std::memcpy(bytes_, o.bytes_, sizeof bytes_);
      o.set_inline(0);
    }
    return *this;
  }
  compact_id& operator=(std::string_view s) {
    assign(s);
    return *this;
  }
  ~compact_id() { release(); }

  std::string_view view() const noexcept {
    if (!on_heap())
      return {bytes_, raw_tag()};
    return {heap_ptr(), heap_size()};
  }
  operator std::string_view() const noexcept { return view(); }
  std::string str() const { return std::string{view()}; }
  size_t size() const noexcept { return on_heap() ? heap_size() : raw_tag(); }
  bool empty() const noexcept { return raw_tag() == 0; } // a heap id is never empty

  friend bool operator==(const compact_id& a, const compact_id& b) { return a.view() == b.view(); }
  friend bool operator!=(const compact_id& a, const compact_id& b) { return !(a == b); }
  friend bool operator==(const compact_id& a, std::string_view b) { return a.view() == b; }
  friend bool operator!=(const compact_id& a, std::string_view b) { return a.view() != b; }
  friend bool operator==(std::string_view a, const compact_id& b) { return a == b.view(); }
  friend bool operator!=(std::string_view a, const compact_id& b) { return a != b.view(); }
  friend bool operator==(const compact_id& a, const std::string& b) { return a.view() == b; }
  friend bool operator!=(const compact_id& a, const std::string& b) { return a.view() != b; }
  friend bool operator==(const std::string& a, const compact_id& b) { return b.view() == a; }
  friend bool operator!=(const std::string& a, const compact_id& b) { return b.view() != a; }
  friend bool operator==(const compact_id& a, const char* b) { return a.view() == b; }
  friend bool operator!=(const compact_id& a, const char* b) { return a.view() != b; }
  friend std::ostream& operator<<(std::ostream& os, const compact_id& id) { return os << id.view(); }

private:
  // bytes_[15] is the tag: the length (0-15) of an id kept inside, or heap_tag; a heap id
  // keeps its pointer in bytes_[0..7] and its length in bytes_[8..11].
  static constexpr size_t inline_max = 15;
  static constexpr unsigned char heap_tag = 0x80;

  unsigned char raw_tag() const noexcept { return static_cast<unsigned char>(bytes_[15]); }
  bool on_heap() const noexcept { return raw_tag() == heap_tag; }
  void set_inline(size_t n) noexcept { bytes_[15] = static_cast<char>(n); }

  const char* heap_ptr() const noexcept {
    const char* p;
    std::memcpy(&p, bytes_, sizeof p);
    return p;
  }
  size_t heap_size() const noexcept {
    uint32_t n;
    std::memcpy(&n, bytes_ + 8, sizeof n);
    return n;
  }

  void init(std::string_view s) {
    if (s.size() <= inline_max) {
      std::memcpy(bytes_, s.data(), s.size());
      set_inline(s.size());
      return;
    }
    auto* p = new char[s.size()];
    std::memcpy(p, s.data(), s.size());
    auto n = static_cast<uint32_t>(s.size());
    std::memcpy(bytes_, &p, sizeof p);
    std::memcpy(bytes_ + 8, &n, sizeof n);
    bytes_[15] = static_cast<char>(heap_tag);
  }
  void assign(std::string_view s) {
    // s may point into this id: build the new value before releasing the old one
    compact_id fresh{s};
    release();
    std::memcpy(bytes_, fresh.bytes_, sizeof bytes_);
    fresh.set_inline(0);
  }
  void release() noexcept {
    if (on_heap())
      delete[] heap_ptr();
    set_inline(0);
  }

  alignas(8) char bytes_[16];
};

static_assert(sizeof(compact_id) == 16);

} // namespace engine
