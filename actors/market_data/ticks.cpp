// Tick rounding and quote construction, all in exact integer arithmetic.
#include "actors/market_data/ticks.hpp"

namespace engine {

namespace {

const Price one_dollar = Price::from_raw(Price::scale);
const Price penny = Price::from_raw(Price::scale / 100);
const Price sub_penny = Price::from_raw(Price::scale / 10000);

} // namespace

Price tick_size(Price p) {
  return p >= one_dollar ? penny : sub_penny;
}

bool on_tick(Price p) {
  return p.is_positive() && p.raw() % tick_size(p).raw() == 0;
}

Price floor_to_tick(Price p) {
  if (p < sub_penny)
    return sub_penny;
  // Below $1 the sub-penny grid applies; at or above, floor to the cent never
  // drops under $1, so the tick chosen from p itself is right.
  return p.round_to(tick_size(p), rounding::floor);
}

Price ceil_to_tick(Price p) {
  if (p < sub_penny)
    return sub_penny;
  // Ceiling on the sub-penny grid can land on exactly $1.00, a valid cent price.
  return p.round_to(tick_size(p), rounding::ceiling);
}

two_sided quote_around(Price mid, Rate spread_bps) {
  // half spread = mid * bps / 20000, rounded up so the quote is never narrower
  // than asked. Rate has 9 digits, so divide by 2 * 10^4 * 10^9.
  __int128 num = static_cast<__int128>(mid.raw()) * (spread_bps.is_negative() ? 0 : spread_bps.raw());
  auto half_raw = detail::div_round(num, static_cast<__int128>(20000) * Rate::scale,
                                    rounding::ceiling);
  Price half = Price::from_raw(half_raw ? *half_raw : 0);
  two_sided q;
  q.bid = floor_to_tick(mid - half);
  q.ask = ceil_to_tick(mid + half);
  if (q.ask <= q.bid)
    q.ask = q.bid + tick_size(q.bid);
  return q;
}

} // namespace engine
