// Type traits shared by the inspect-driven codecs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <caf/meta/annotation.hpp>

#include "messages/decimal.hpp"
#include "messages/enums.hpp"
#include "messages/field.hpp"

namespace engine::detail {

template <class T>
struct is_decimal : std::false_type {};
template <class Tag, int D>
struct is_decimal<decimal<Tag, D>> : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

template <class T, class = void>
struct is_named_enum : std::false_type {};
template <class T>
struct is_named_enum<T, std::void_t<decltype(enum_names<T>::values)>> : std::true_type {};

template <class T>
constexpr bool is_annotation_v = caf::meta::is_annotation<std::decay_t<T>>::value;

/// Counts the fields an inspect overload lists (msgpack writes structs as arrays), and those
/// of them not marked optional (a peer built before an optional field sends fewer).
struct field_counter {
  using result_type = void;
  size_t count = 0;
  size_t required = 0;
  template <class... Ts>
  void operator()(Ts&&... xs) {
    (visit(xs), ...);
  }

private:
  template <class T>
  void visit(const T& x) {
    if constexpr (std::is_same_v<std::decay_t<T>, field_t>) {
      next_optional_ = x.optional;
    } else if constexpr (!is_annotation_v<T>) {
      ++count;
      required += next_optional_ ? 0 : 1;
      next_optional_ = false;
    }
  }
  bool next_optional_ = false;
};

template <class T>
field_counter count_fields(const T& x) {
  field_counter c;
  inspect(c, const_cast<T&>(x));
  return c;
}

template <class T>
size_t field_count(const T& x) {
  return count_fields(x).count;
}

/// The field types a record written without defaults may leave out: scalars (decimal,
/// enum, bool, integer, string). Lists and nested objects are always written.
template <class T>
constexpr bool omittable_v = is_decimal<T>::value || is_named_enum<T>::value
                             || std::is_integral_v<T> || std::is_same_v<T, std::string>
                             || std::is_same_v<T, std::string_view>;

/// Whether this value is left out of a record written without defaults
/// (json_writer::fields_without_defaults): an omittable scalar equal to its type's default,
/// which is what a reader then takes it to be.
template <class T>
bool omitted_default(const T& x) {
  using type = std::decay_t<T>;
  if constexpr (std::is_same_v<type, std::string> || std::is_same_v<type, std::string_view>)
    return x.empty();
  else if constexpr (omittable_v<type>)
    return x == type{};
  else
    return false;
}

} // namespace engine::detail
