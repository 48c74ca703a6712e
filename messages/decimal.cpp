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

void append_fixed(std::string& out, int64_t raw, int digits) {
  // The magnitude of any int64 (INT64_MIN's too) fits in 64 unsigned bits.
  bool neg = raw < 0;
  uint64_t mag = neg ? 0 - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
  auto scale = static_cast<uint64_t>(pow10(digits));
  uint64_t whole = mag / scale;
  uint64_t frac = mag % scale;
  // Right to left into a buffer: sign, up to 20 whole digits, point, up to 18 fraction digits.
  char buf[48];
  char* end = buf + sizeof buf;
  char* p = end;
  if (frac != 0) {
    int k = digits;
    while (frac % 10 == 0) { // trailing zeros are not printed
      frac /= 10;
      --k;
    }
    for (; k > 0; --k) {
      *--p = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    *--p = '.';
  }
  do {
    *--p = static_cast<char>('0' + whole % 10);
    whole /= 10;
  } while (whole != 0);
  if (neg)
    *--p = '-';
  out.append(p, static_cast<size_t>(end - p));
}

std::string format_fixed(int64_t raw, int digits) {
  std::string out;
  append_fixed(out, raw, digits);
  return out;
}

} // namespace engine::detail
