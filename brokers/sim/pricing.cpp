// The simulator's price rules: one exact rational per price, rounded once.
#include "brokers/sim/pricing.hpp"

namespace engine::sim {

namespace {

using i128 = __int128;

constexpr int64_t cent_tick = 10'000; // 0.01 in Price raw units (1e-6)
constexpr int64_t sub_penny_tick = 100; // 0.0001
constexpr i128 rate_one = Rate::scale;  // 1.0 as a Rate raw value

constexpr i128 pow10_128(int n) {
  i128 r = 1;
  for (int i = 0; i < n; ++i)
    r *= 10;
  return r;
}

// Every adjustment is an exact fraction of a Price raw unit over this
// denominator: (m-1) x spread / 2 needs 2e9, bps of a price 1e13, and
// bps x (qty / 1000) x price 1e25 (Rate 1e-9, Quantity 1e-9, /1000, /1e4).
constexpr i128 denom = 2 * pow10_128(25);

bool mul3(i128 a, i128 b, i128 c, i128& out) {
  i128 ab;
  if (__builtin_mul_overflow(a, b, &ab))
    return false;
  return !__builtin_mul_overflow(ab, c, &out);
}

} // namespace

Price tick_for(Price p) {
  return Price::from_raw(p.raw() >= Price::scale ? cent_tick : sub_penny_tick);
}

Price round_to_tick(Price p, OrderSide taker) {
  return p.round_to(tick_for(p),
                    taker == OrderSide::buy ? rounding::ceiling : rounding::floor);
}

std::optional<Price> market_fill_price(const simulator_config& cfg, OrderSide side, Price bid,
                                       Price ask, Quantity order_qty) {
  const bool buy = side == OrderSide::buy;
  const i128 touch = buy ? ask.raw() : bid.raw();
  const i128 spread = static_cast<i128>(ask.raw()) - bid.raw();
  i128 widen = 0;
  i128 slip = 0;
  i128 impact = 0;
  if (!mul3(cfg.spread_multiplier.raw() - rate_one, spread, denom / (2 * rate_one), widen)
      || !mul3(cfg.slippage_bps.raw(), touch, denom / pow10_128(13), slip)
      || !mul3(static_cast<i128>(cfg.impact_bps_per_1000.raw()) * 2,
               order_qty.abs().raw(), touch, impact))
    return std::nullopt;
  i128 offset;
  i128 base;
  i128 num;
  if (__builtin_add_overflow(widen, slip, &offset)
      || __builtin_add_overflow(offset, impact, &offset)
      || __builtin_mul_overflow(touch, denom, &base)
      || (buy ? __builtin_add_overflow(base, offset, &num)
              : __builtin_sub_overflow(base, offset, &num)))
    return std::nullopt;
  // The tick follows the unrounded price, so 0.99995 rounds on the 0.0001 grid.
  const i128 tick = num >= static_cast<i128>(Price::scale) * denom ? cent_tick : sub_penny_tick;
  auto ticks = detail::div_round(num, tick * denom, buy ? rounding::ceiling : rounding::floor);
  if (!ticks)
    return std::nullopt;
  i128 raw = static_cast<i128>(*ticks) * tick;
  if (raw > INT64_MAX)
    return std::nullopt;
  if (raw < sub_penny_tick) // a sell pushed through zero still gets a price
    raw = sub_penny_tick;
  return Price::from_raw(static_cast<int64_t>(raw));
}

Money commission_for(const simulator_config& cfg, Quantity qty, Price price) {
  // Exact in units of 1e-24 dollars (Rate 1e-9 x Quantity 1e-9 x Price 1e-6).
  const i128 notional = static_cast<i128>(qty.abs().raw()) * price.raw();
  i128 exact;
  i128 unit; // the units `exact` is in, as a divisor giving cents
  if (!__builtin_mul_overflow(notional, static_cast<i128>(cfg.commission_rate.raw()), &exact)) {
    unit = pow10_128(22);
  } else {
    // Only for absurd notionals: drop to 1e-15 dollars first.
    exact = (notional / rate_one) * cfg.commission_rate.raw();
    unit = pow10_128(13);
  }
  const i128 min_exact = static_cast<i128>(cfg.min_commission.raw()) * (unit / pow10_128(4));
  if (exact < min_exact)
    exact = min_exact;
  auto cents = detail::div_round(exact, unit, rounding::half_up);
  return Money::from_raw(cents ? *cents * (Money::scale / 100) : INT64_MAX);
}

} // namespace engine::sim
