// Exact fixed-point decimals for prices, quantities, money and rates: no binary floats in the books.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace engine {

/// How a result that does not fit the target scale is rounded.
/// half_even is the default for books (no drift across many roundings);
/// half_up is used where a counterparty does (broker commissions to the cent).
enum class rounding { half_even, half_up, toward_zero, floor, ceiling };

/// Thrown when a decimal result leaves the int64 range; callers that validate
/// untrusted input use the try_* functions instead, which return nullopt.
struct decimal_overflow : std::overflow_error {
  using std::overflow_error::overflow_error;
};

namespace detail {

constexpr int64_t pow10(int n) {
  int64_t r = 1;
  for (int i = 0; i < n; ++i)
    r *= 10;
  return r;
}

/// Divides with the given rounding; den != 0. Returns nullopt when the
/// quotient does not fit int64.
std::optional<int64_t> div_round(__int128 num, __int128 den, rounding mode);

/// Parses "[-+]digits[.digits]" into raw units of 10^-digits; nullopt if the
/// text is malformed, has more fractional digits than the scale, or overflows.
std::optional<int64_t> parse_fixed(std::string_view text, int digits);

/// Prints raw units of 10^-digits as a minimal exact decimal ("1.5", "-0.01", "100").
std::string format_fixed(int64_t raw, int digits);
/// The same, appended to `out` (no temporary string: the journal's encoder).
void append_fixed(std::string& out, int64_t raw, int digits);

} // namespace detail

/// An exact decimal: raw int64 units of 10^-Digits. Tag keeps prices,
/// quantities and money from being mixed by accident.
template <class Tag, int Digits>
class decimal {
public:
  static constexpr int digits = Digits;
  static constexpr int64_t scale = detail::pow10(Digits);

  constexpr decimal() = default;

  static constexpr decimal from_raw(int64_t raw) {
    decimal d;
    d.raw_ = raw;
    return d;
  }

  /// Whole units, e.g. from_units(100) is 100.0; throws on overflow.
  static decimal from_units(int64_t units) {
    __int128 r = static_cast<__int128>(units) * scale;
    if (r > INT64_MAX || r < INT64_MIN)
      throw decimal_overflow("decimal: from_units overflow");
    return from_raw(static_cast<int64_t>(r));
  }

  /// Parses an exact decimal string; nullopt when malformed, too precise or out of range.
  static std::optional<decimal> parse(std::string_view text) {
    if (auto raw = detail::parse_fixed(text, Digits))
      return from_raw(*raw);
    return std::nullopt;
  }

  /// Edge-only conversion (synthetic data, display): rounds to the scale.
  static std::optional<decimal> from_double(double x, rounding mode = rounding::half_even);

  constexpr int64_t raw() const { return raw_; }
  std::string to_string() const { return detail::format_fixed(raw_, Digits); }
  void append_to(std::string& out) const { detail::append_fixed(out, raw_, Digits); }
  /// Edge-only conversion for display and statistics, never for the books.
  double to_double() const { return static_cast<double>(raw_) / scale; }

  constexpr bool is_zero() const { return raw_ == 0; }
  constexpr bool is_negative() const { return raw_ < 0; }
  constexpr bool is_positive() const { return raw_ > 0; }

  /// Rounds to a multiple of step (e.g. a tick of 0.01 or a cent).
  decimal round_to(decimal step, rounding mode) const {
    if (step.raw_ <= 0)
      throw std::invalid_argument("decimal: rounding step must be positive");
    auto q = detail::div_round(raw_, step.raw_, mode);
    __int128 r = static_cast<__int128>(*q) * step.raw_;
    if (r > INT64_MAX || r < INT64_MIN)
      throw decimal_overflow("decimal: round_to overflow");
    return from_raw(static_cast<int64_t>(r));
  }

  constexpr decimal abs() const { return from_raw(raw_ < 0 ? -raw_ : raw_); }

  static std::optional<decimal> try_add(decimal a, decimal b) {
    int64_t r;
    if (__builtin_add_overflow(a.raw_, b.raw_, &r))
      return std::nullopt;
    return from_raw(r);
  }
  static std::optional<decimal> try_sub(decimal a, decimal b) {
    int64_t r;
    if (__builtin_sub_overflow(a.raw_, b.raw_, &r))
      return std::nullopt;
    return from_raw(r);
  }

  friend decimal operator+(decimal a, decimal b) {
    if (auto r = try_add(a, b))
      return *r;
    throw decimal_overflow("decimal: addition overflow");
  }
  friend decimal operator-(decimal a, decimal b) {
    if (auto r = try_sub(a, b))
      return *r;
    throw decimal_overflow("decimal: subtraction overflow");
  }
  friend decimal operator-(decimal a) {
    if (a.raw_ == INT64_MIN)
      throw decimal_overflow("decimal: negation overflow");
    return from_raw(-a.raw_);
  }
  decimal& operator+=(decimal b) { return *this = *this + b; }
  decimal& operator-=(decimal b) { return *this = *this - b; }

  /// Multiplies by an integer count (e.g. a number of lots); throws on overflow.
  friend decimal operator*(decimal a, int64_t n) {
    int64_t r;
    if (__builtin_mul_overflow(a.raw_, n, &r))
      throw decimal_overflow("decimal: multiplication overflow");
    return from_raw(r);
  }

  friend constexpr bool operator==(decimal a, decimal b) { return a.raw_ == b.raw_; }
  friend constexpr bool operator!=(decimal a, decimal b) { return a.raw_ != b.raw_; }
  friend constexpr bool operator<(decimal a, decimal b) { return a.raw_ < b.raw_; }
  friend constexpr bool operator<=(decimal a, decimal b) { return a.raw_ <= b.raw_; }
  friend constexpr bool operator>(decimal a, decimal b) { return a.raw_ > b.raw_; }
  friend constexpr bool operator>=(decimal a, decimal b) { return a.raw_ >= b.raw_; }

  friend std::string to_string(decimal d) { return d.to_string(); }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, decimal& x) {
    return f(x.raw_);
  }

private:
  int64_t raw_ = 0;
};

struct price_tag {};
struct quantity_tag {};
struct money_tag {};
struct rate_tag {};

/// A price per share in dollars, to 1e-6 (sub-penny quotes below $1 fit).
using Price = decimal<price_tag, 6>;
/// A number of shares, to 1e-9 (fractional shares); at most about 9.2e9 shares.
using Quantity = decimal<quantity_tag, 9>;
/// An amount of dollars, to 1e-6; at most about 9.2e12 dollars. Books keep
/// notional exact to the micro-dollar; commissions are rounded to the cent.
using Money = decimal<money_tag, 6>;
/// A dimensionless ratio (commission rate, weights, fractions), to 1e-9.
using Rate = decimal<rate_tag, 9>;

/// Multiplies two decimals into a third scale through a 128-bit intermediate:
/// raw = a.raw * b.raw / 10^(Da + Db - Dr), rounded. nullopt on overflow.
template <class R, class A, class B>
std::optional<R> try_mul(A a, B b, rounding mode = rounding::half_even) {
  static_assert(A::digits + B::digits >= R::digits, "try_mul: result scale too fine");
  __int128 num = static_cast<__int128>(a.raw()) * b.raw();
  auto r = detail::div_round(num, detail::pow10(A::digits + B::digits - R::digits), mode);
  if (!r)
    return std::nullopt;
  return R::from_raw(*r);
}

template <class R, class A, class B>
R mul(A a, B b, rounding mode = rounding::half_even) {
  if (auto r = try_mul<R>(a, b, mode))
    return *r;
  throw decimal_overflow("decimal: multiplication overflow");
}

/// Divides a by b into scale R: raw = a.raw * 10^(Dr - Da + Db) / b.raw,
/// rounded. nullopt on overflow or division by zero.
template <class R, class A, class B>
std::optional<R> try_div(A a, B b, rounding mode = rounding::half_even) {
  if (b.raw() == 0)
    return std::nullopt;
  constexpr int shift = R::digits - A::digits + B::digits;
  static_assert(shift >= 0 && shift <= 18, "try_div: unsupported scales");
  __int128 num = static_cast<__int128>(a.raw()) * detail::pow10(shift);
  auto r = detail::div_round(num, b.raw(), mode);
  if (!r)
    return std::nullopt;
  return R::from_raw(*r);
}

template <class R, class A, class B>
R div(A a, B b, rounding mode = rounding::half_even) {
  if (b.raw() == 0)
    throw std::domain_error("decimal: division by zero");
  if (auto r = try_div<R>(a, b, mode))
    return *r;
  throw decimal_overflow("decimal: division overflow");
}

/// Notional value of qty shares at price, exact to the micro-dollar (half-even).
inline std::optional<Money> try_notional(Quantity qty, Price px) {
  return try_mul<Money>(qty, px, rounding::half_even);
}
inline Money notional(Quantity qty, Price px) {
  return mul<Money>(qty, px, rounding::half_even);
}

/// One cent, the unit commissions and cash reports round to.
inline constexpr Money one_cent = Money::from_raw(Money::scale / 100);

/// Converts between decimal kinds of any scale (e.g. a Price to Money per share).
template <class R, class A>
std::optional<R> try_convert(A a, rounding mode = rounding::half_even) {
  if constexpr (R::digits >= A::digits) {
    __int128 r = static_cast<__int128>(a.raw()) * detail::pow10(R::digits - A::digits);
    if (r > INT64_MAX || r < INT64_MIN)
      return std::nullopt;
    return R::from_raw(static_cast<int64_t>(r));
  } else {
    auto r = detail::div_round(a.raw(), detail::pow10(A::digits - R::digits), mode);
    if (!r)
      return std::nullopt;
    return R::from_raw(*r);
  }
}

template <class R, class A>
R convert(A a, rounding mode = rounding::half_even) {
  if (auto r = try_convert<R>(a, mode))
    return *r;
  throw decimal_overflow("decimal: conversion overflow");
}

template <class Tag, int Digits>
std::optional<decimal<Tag, Digits>> decimal<Tag, Digits>::from_double(double x,
                                                                      rounding mode) {
  // Only for the edges: scale in long double (64-bit mantissa), then round
  // the residue, so 0.1 becomes exactly 0.1 at every scale used here.
  if (!(x == x))
    return std::nullopt;
  __int128 scaled_num = 0;
  {
    long double v = static_cast<long double>(x) * scale;
    if (v > 9.2e18L || v < -9.2e18L)
      return std::nullopt;
    long double fl = v < 0 ? -v : v;
    long double whole = static_cast<long double>(static_cast<int64_t>(fl));
    long double frac = fl - whole;
    int64_t w = static_cast<int64_t>(whole);
    // round the residual fraction per mode (sign handled below)
    bool neg = v < 0;
    bool up = false;
    switch (mode) {
      case rounding::half_even:
        up = frac > 0.5L || (frac == 0.5L && (w % 2) == 1);
        break;
      case rounding::half_up:
        up = frac >= 0.5L;
        break;
      case rounding::toward_zero:
        up = false;
        break;
      case rounding::floor:
        up = neg && frac > 0;
        break;
      case rounding::ceiling:
        up = !neg && frac > 0;
        break;
    }
    scaled_num = w + (up ? 1 : 0);
    if (neg)
      scaled_num = -scaled_num;
  }
  return from_raw(static_cast<int64_t>(scaled_num));
}

} // namespace engine
