// A JSON writer driven by the messages' inspect lists (decimals as exact strings).
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include <caf/meta/type_name.hpp>

#include "messages/field.hpp"
#include "messages/inspect_traits.hpp"

namespace engine {

/// Appends JSON to a string. Usable as a CAF-style inspector (for a message's
/// fields) and directly (journal records add seq, ts, event around them).
class json_writer {
public:
  using result_type = void;

  explicit json_writer(std::string& out) : out_(out) {}

  template <class... Ts>
  void operator()(Ts&&... xs) {
    (consume(xs), ...);
  }

  void begin_object() {
    comma();
    out_ += '{';
    need_comma_ = false;
  }
  void end_object() {
    out_ += '}';
    need_comma_ = true;
  }
  /// Keys are field names (identifiers): nothing to escape, appended as they are.
  void key(std::string_view k) {
    // `,"key":` in one append: a record has a dozen keys, each once per record.
    char buf[64];
    if (k.size() + 4 > sizeof buf) {
      comma();
      out_ += '"';
      out_ += k;
      out_ += "\":";
    } else {
      size_t n = 0;
      if (need_comma_)
        buf[n++] = ',';
      buf[n++] = '"';
      std::memcpy(buf + n, k.data(), k.size());
      n += k.size();
      buf[n++] = '"';
      buf[n++] = ':';
      out_.append(buf, n);
    }
    need_comma_ = false;
  }

  /// Writes one value: decimals and enums as strings, structs as objects.
  template <class T>
  void value(const T& x) {
    using type = std::decay_t<T>;
    if constexpr (detail::is_decimal<type>::value) {
      comma();
      out_ += '"';
      x.append_to(out_);
      out_ += '"';
      need_comma_ = true;
    } else if constexpr (detail::is_named_enum<type>::value) {
      comma();
      write_string(enum_name(x));
      need_comma_ = true;
    } else if constexpr (std::is_same_v<type, bool>) {
      comma();
      out_ += x ? "true" : "false";
      need_comma_ = true;
    } else if constexpr (std::is_integral_v<type>) {
      comma();
      char buf[24];
      auto end = std::to_chars(buf, buf + sizeof buf, x).ptr;
      out_.append(buf, static_cast<size_t>(end - buf));
      need_comma_ = true;
    } else if constexpr (std::is_same_v<type, std::string>
                         || std::is_same_v<type, std::string_view>) {
      comma();
      write_string(x);
      need_comma_ = true;
    } else if constexpr (detail::is_vector<type>::value) {
      comma();
      out_ += '[';
      need_comma_ = false;
      for (const auto& e : x)
        value(e);
      out_ += ']';
      need_comma_ = true;
    } else {
      begin_object();
      inspect(*this, const_cast<type&>(x));
      end_object();
    }
  }

  /// Writes a message's fields into the currently open object.
  template <class T>
  void fields(const T& x) {
    inspect(*this, const_cast<T&>(x));
  }

  /// The same, leaving out each top-level field whose value is its type's default (zero,
  /// empty, false, the enum's zero value): a reader takes a missing field as that default
  /// (omitted_default, from_json with missing_fields::take_default). Order book records
  /// are written so: most of an order's fields are zero for most orders.
  template <class T>
  void fields_without_defaults(const T& x) {
    omit_defaults_ = true;
    inspect(*this, const_cast<T&>(x));
    omit_defaults_ = false;
    pending_key_ = nullptr;
  }

private:
  template <class T>
  void consume(T& x) {
    using type = std::decay_t<T>;
    if constexpr (std::is_same_v<type, field_t>) {
      if (omit_defaults_)
        pending_key_ = x.name; // written with its value, unless the value is left out
      else
        key(x.name);
    } else if constexpr (!detail::is_annotation_v<type>) {
      if (pending_key_ != nullptr) {
        auto k = pending_key_;
        pending_key_ = nullptr;
        if (detail::omitted_default(x))
          return;
        // Nested objects and lists are written whole, defaults included.
        omit_defaults_ = false;
        key(k);
        value(x);
        omit_defaults_ = true;
      } else {
        value(x);
      }
    }
  }

  void comma() {
    if (need_comma_)
      out_ += ',';
  }

  void write_string(std::string_view s);

  std::string& out_;
  bool need_comma_ = false;
  bool omit_defaults_ = false;
  const char* pending_key_ = nullptr;
};

/// Serialises one message as a JSON object.
template <class T>
std::string to_json(const T& x) {
  std::string out;
  json_writer w{out};
  w.value(x);
  return out;
}

} // namespace engine
