// The replay's fast decoder: reads a record line as journal_writer writes it, field by field in inspect order, without a DOM.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "actors/journal/journal_format.hpp"
#include "messages/field.hpp"
#include "messages/inspect_traits.hpp"

namespace engine {

/// Where the fast decoder left the string fields of a record it did not copy:
/// views into the line, keyed by the member they belong to. `of(x.member)` is
/// the member's text either way: the view when the fast path kept one, else
/// the member itself (the general decoder, or a decode without views).
class record_string_views {
public:
  void clear() { n_ = 0; }

  std::string_view of(const std::string& member) const {
    for (size_t i = 0; i < n_; ++i)
      if (members_[i] == &member)
        return views_[i];
    return member;
  }

  /// False when full: the reader then copies the string instead.
  bool keep(const std::string& member, std::string_view text) {
    if (n_ == capacity)
      return false;
    members_[n_] = &member;
    views_[n_++] = text;
    return true;
  }

private:
  static constexpr size_t capacity = 16;
  const std::string* members_[capacity];
  std::string_view views_[capacity];
  size_t n_ = 0;
};

namespace detail {

// Walks `"name":value` pairs in exactly the order and form json_writer writes
// them, a field left out at its default taken as that default. Anything else
// (another key order, an escape, a non-ASCII byte, a nested object, a number
// simdjson would read differently) stops it, and the caller decodes the line
// with from_json instead, so the fast path can only ever agree with the
// general one.
class sequential_record_reader {
public:
  using result_type = bool;

  sequential_record_reader(std::string_view line, size_t pos, record_string_views* views)
    : s_(line), pos_(pos), views_(views) {}

  template <class... Ts>
  bool operator()(Ts&&... xs) {
    return (consume(xs) && ...);
  }

  // True when only the crc suffix is left: every byte of the line was read.
  bool at_crc() const { return s_.size() - pos_ == record_crc_suffix_size; }

private:
  template <class T>
  __attribute__((always_inline)) bool consume(T& x) {
    using type = std::decay_t<T>;
    if constexpr (std::is_same_v<type, field_t>) {
      return key(x.name);
    } else if constexpr (is_annotation_v<type>) {
      return true;
    } else {
      return value(x);
    }
  }

  // ,"name": here, or (an order book record leaves out fields at their default) the key
  // of a later field or the crc: then the field is missing and its value the default.
  __attribute__((always_inline)) bool key(std::string_view name) {
    const auto n = name.size();
    const char* p = s_.data() + pos_;
    if (s_.size() - pos_ < n + 4 || p[0] != ',' || p[1] != '"'
        || !same_bytes(p + 2, name.data(), n) || p[n + 2] != '"' || p[n + 3] != ':') {
      missing_ = true;
      return true;
    }
    pos_ += n + 4;
    return true;
  }

  // A missing field's value: the default, for the scalars a writer may leave out (anything
  // else is not what journal_writer writes: the general decoder decides).
  template <class T>
  bool take_default(T& x) {
    missing_ = false;
    if constexpr (omittable_v<std::decay_t<T>>) {
      x = std::decay_t<T>{};
      return true;
    } else {
      return false;
    }
  }

  // Field names are short: word compares inline beat a call to memcmp.
  static bool same_bytes(const char* a, const char* b, size_t n) {
    for (; n >= 8; a += 8, b += 8, n -= 8) {
      uint64_t x, y;
      std::memcpy(&x, a, 8);
      std::memcpy(&y, b, 8);
      if (x != y)
        return false;
    }
    for (; n > 0; ++a, ++b, --n)
      if (*a != *b)
        return false;
    return true;
  }

  // True when none of the eight bytes of w is a quote, a backslash, a control
  // character or non-ASCII (the classic "has zero byte" tests, exact when none is).
  static bool eight_plain(uint64_t w) {
    constexpr uint64_t ones = 0x0101010101010101ull;
    constexpr uint64_t highs = 0x8080808080808080ull;
    auto has_zero = [](uint64_t v) { return (v - ones) & ~v & highs; };
    uint64_t special = has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\'))
                       | ((w - ones * 0x20) & ~w & highs) | (w & highs);
    return special == 0;
  }

  // A string without escapes or non-ASCII bytes.
  bool plain_string(std::string_view& out) {
    if (pos_ >= s_.size() || s_[pos_] != '"')
      return false;
    size_t start = ++pos_;
    // Eight plain bytes at a time, then byte by byte up to the closing quote.
    for (uint64_t w; pos_ + 8 <= s_.size(); pos_ += 8) {
      std::memcpy(&w, s_.data() + pos_, 8);
      if (!eight_plain(w))
        break;
    }
    while (pos_ < s_.size()) {
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        out = s_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (c == '\\' || c < 0x20 || c >= 0x80)
        return false;
      ++pos_;
    }
    return false;
  }

  template <class I>
  bool integer(I& out) {
    bool negative = false;
    if constexpr (std::is_signed_v<I>) {
      if (pos_ < s_.size() && s_[pos_] == '-') {
        negative = true;
        ++pos_;
      }
    }
    // JSON has no leading zeros; the writer never makes them.
    uint64_t magnitude = 0;
    if (!scan_uint(s_, pos_, magnitude))
      return false;
    if constexpr (std::is_signed_v<I>) {
      if (magnitude > static_cast<uint64_t>(INT64_MAX) + (negative ? 1 : 0))
        return false;
      out = negative ? static_cast<I>(0 - magnitude) : static_cast<I>(magnitude);
    } else {
      out = magnitude;
    }
    // A fraction or exponent would make it a JSON number that is not an integer.
    return pos_ < s_.size() && (s_[pos_] == ',' || s_[pos_] == '}');
  }

  template <class T>
  bool value(T& x) {
    using type = std::decay_t<T>;
    if (missing_)
      return take_default(x);
    if constexpr (is_decimal<type>::value) {
      std::string_view text;
      if (!plain_string(text))
        return false;
      auto d = type::parse(text);
      if (!d)
        return false;
      x = *d;
      return true;
    } else if constexpr (is_named_enum<type>::value) {
      std::string_view text;
      if (!plain_string(text))
        return false;
      auto v = enum_from_string<type>(text);
      if (!v)
        return false;
      x = *v;
      return true;
    } else if constexpr (std::is_same_v<type, bool>) {
      if (s_.compare(pos_, 4, "true") == 0) {
        x = true;
        pos_ += 4;
        return true;
      }
      if (s_.compare(pos_, 5, "false") == 0) {
        x = false;
        pos_ += 5;
        return true;
      }
      return false;
    } else if constexpr (std::is_integral_v<type> && std::is_signed_v<type>) {
      int64_t v;
      if (!integer(v))
        return false;
      x = static_cast<type>(v);
      return true;
    } else if constexpr (std::is_integral_v<type>) {
      uint64_t v;
      if (!integer(v))
        return false;
      x = static_cast<type>(v);
      return true;
    } else if constexpr (std::is_same_v<type, std::string>) {
      std::string_view text;
      if (!plain_string(text))
        return false;
      if (views_ == nullptr || !views_->keep(x, text))
        x.assign(text.data(), text.size());
      return true;
    } else {
      return false; // vectors and nested objects: the general decoder
    }
  }

  std::string_view s_;
  size_t pos_;
  record_string_views* views_;
  bool missing_ = false; // the last key was not there
};

} // namespace detail

/// decode_record_fast (below) for a line whose header the reader has already
/// parsed: fields_at is just past the closing quote of the event name.
template <class T>
bool decode_record_fields_fast(std::string_view line, size_t fields_at, T& x,
                               record_string_views* views = nullptr) {
  if (views != nullptr)
    views->clear();
  if (fields_at == 0 || fields_at > line.size() || line[fields_at - 1] != '"')
    return false;
  detail::sequential_record_reader r{line, fields_at, views};
  return inspect(r, x) && r.at_crc();
}

/// Decodes a verified record line (journal_record::line) into x when the line
/// is exactly what journal_writer writes for T; false otherwise, and then x
/// may be partly assigned: decode it again with from_json(line, x), which
/// accepts any JSON object (and explains what is wrong).
/// With views, string fields are not copied into x but kept as views into the
/// line (read them with views->of(x.member) while the line lives); views is
/// cleared first.
template <class T>
bool decode_record_fast(std::string_view line, T& x, record_string_views* views = nullptr) {
  if (views != nullptr)
    views->clear();
  // Past the header `{"seq":N,"ts":T,"event":"E"` (already verified by the reader).
  static constexpr std::string_view event_key = ",\"event\":\"";
  auto at = line.find(event_key);
  if (at == std::string_view::npos)
    return false;
  auto end = line.find('"', at + event_key.size());
  if (end == std::string_view::npos)
    return false;
  return decode_record_fields_fast(line, end + 1, x, views);
}

} // namespace engine
