// Rounding division, parsing and printing behind the decimal types.
#include "messages/decimal.hpp"

#include <cstdlib>

namespace engine::detail {

std::optional<int64_t> div_round(__int128 num, __int128 den, rounding mode) {
  if (den == 0)
    return std::nullopt;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  __int128 q = num / den; // truncates toward zero
  __int128 r = num % den; // same sign as num
  if (r != 0) {
    bool neg = num < 0;
    __int128 twice = (r < 0 ? -r : r) * 2;
    bool away = false; // move one step away from zero
    switch (mode) {
      case rounding::half_even:
        away = twice > den || (twice == den && (q % 2 != 0));
        break;
      case rounding::half_up: // ties away from zero
        away = twice >= den;
        break;
      case rounding::toward_zero:
        away = false;
        break;
      case rounding::floor:
        away = neg;
        break;
      case rounding::ceiling:
        away = !neg;
        break;
    }
    if (away)
      q += neg ? -1 : 1;
  }
  if (q > INT64_MAX || q < INT64_MIN)
    return std::nullopt;
  return static_cast<int64_t>(q);
}

std::optional<int64_t> parse_fixed(std::string_view text, int digits) {
  size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    neg = text[i] == '-';
    ++i;
  }
  // 64-bit digits (a 128-bit multiply per digit was most of a journal replay's
  // decimal parsing); one 128-bit multiply-add at the end.
  uint64_t whole = 0;
  size_t int_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++int_digits) {
    if (__builtin_mul_overflow(whole, uint64_t{10}, &whole)
        || __builtin_add_overflow(whole, static_cast<uint64_t>(text[i] - '0'), &whole)
        || whole > static_cast<uint64_t>(INT64_MAX))
      return std::nullopt;
  }
  uint64_t frac = 0;
  int frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (frac_digits == digits) {
        // Extra digits are allowed only if they are zeros: never drop value silently.
        if (text[i] != '0')
          return std::nullopt;
        continue;
      }
      frac = frac * 10 + (text[i] - '0');
      ++frac_digits;
    }
    if (frac_digits == 0 && int_digits == 0)
      return std::nullopt;
  }
  if (i != text.size() || (int_digits == 0 && frac_digits == 0))
    return std::nullopt;
  static constexpr uint64_t powers[] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull,
                                        1000000ull, 10000000ull, 100000000ull, 1000000000ull,
                                        10000000000ull, 100000000000ull, 1000000000000ull,
                                        10000000000000ull, 100000000000000ull,
                                        1000000000000000ull, 10000000000000000ull,
                                        100000000000000000ull, 1000000000000000000ull};
  if (digits < 0 || digits > 18)
    return std::nullopt;
  frac *= powers[digits - frac_digits];
  __int128 raw = static_cast<__int128>(whole) * powers[digits] + frac;
  if (neg)
    raw = -raw;
  if (raw > INT64_MAX || raw < INT64_MIN)
    return std::nullopt;
  return static_cast<int64_t>(raw);
}

std::string format_fixed(int64_t raw, int digits) {
  // Work in unsigned 128 bits so INT64_MIN prints correctly.
  bool neg = raw < 0;
  unsigned __int128 mag = neg ? static_cast<unsigned __int128>(-(static_cast<__int128>(raw)))
                              : static_cast<unsigned __int128>(raw);
  auto scale = static_cast<unsigned __int128>(pow10(digits));
  auto whole = static_cast<uint64_t>(mag / scale);
  auto frac = static_cast<uint64_t>(mag % scale);
  std::string out;
  if (neg)
    out += '-';
  out += std::to_string(whole);
  if (frac != 0) {
    std::string f(static_cast<size_t>(digits), '0');
    for (int k = digits - 1; k >= 0; --k) {
      f[static_cast<size_t>(k)] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    while (!f.empty() && f.back() == '0')
      f.pop_back();
    out += '.';
    out += f;
  }
  return out;
}

} // namespace engine::detail
