// Fills any message with random values through its inspect list (property tests).
#pragma once

#include <random>
#include <string>
#include <type_traits>

#include "messages/inspect_traits.hpp"

namespace engine::testing {

class randomizer {
public:
  using result_type = void;

  explicit randomizer(uint64_t seed) : rng_(seed) {}

  template <class... Ts>
  void operator()(Ts&&... xs) {
    (consume(xs), ...);
  }

  template <class T>
  void fill(T& x) {
    using type = std::decay_t<T>;
    if constexpr (detail::is_decimal<type>::value) {
      x = type::from_raw(pick_int64());
    } else if constexpr (detail::is_named_enum<type>::value) {
      x = static_cast<type>(rng_() % enum_count<type>);
    } else if constexpr (std::is_same_v<type, bool>) {
      x = rng_() % 2 == 0;
    } else if constexpr (std::is_integral_v<type> && std::is_signed_v<type>) {
      x = static_cast<type>(pick_int64());
    } else if constexpr (std::is_integral_v<type>) {
      x = static_cast<type>(rng_());
    } else if constexpr (std::is_same_v<type, std::string>) {
      x = pick_string();
    } else if constexpr (detail::is_vector<type>::value) {
      x.resize(rng_() % 4);
      for (auto& e : x)
        fill(e);
    } else {
      inspect(*this, x);
    }
  }

private:
  template <class T>
  void consume(T& x) {
    if constexpr (!detail::is_annotation_v<T>)
      fill(x);
  }

  int64_t pick_int64() {
    switch (rng_() % 6) {
      case 0: return 0;
      case 1: return INT64_MAX;
      case 2: return INT64_MIN;
      case 3: return static_cast<int64_t>(rng_() % 2000) - 1000;
      default: return static_cast<int64_t>(rng_());
    }
  }

  std::string pick_string() {
    static const char* pieces[] = {"AAPL", "\"", "\\", "\n", "\t", "\x01", "é", "€", "x", " ", "{}"};
    std::string s;
    auto n = rng_() % 6;
    for (size_t i = 0; i < n; ++i)
      s += pieces[rng_() % (sizeof pieces / sizeof pieces[0])];
    return s;
  }

  std::mt19937_64 rng_;
};

} // namespace engine::testing
