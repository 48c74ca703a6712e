// US equity tick sizes (Reg NMS 612) and two-sided quotes built around a mid, in exact Prices.
#pragma once

#include "messages/decimal.hpp"

namespace engine {

/// 0.01 at or above $1.00, 0.0001 below.
Price tick_size(Price p);
/// Whether p is a positive multiple of its tick.
bool on_tick(Price p);
/// The largest valid price <= p (at least one tick of 0.0001).
Price floor_to_tick(Price p);
/// The smallest valid price >= p (at least one tick of 0.0001).
Price ceil_to_tick(Price p);

struct two_sided {
  Price bid;
  Price ask;
};

/// A quote around mid with the given full spread in basis points: bid rounded
/// down, ask rounded up to their ticks, so bid < ask always (at least one tick
/// wide) and bid >= 0.0001 even for a non-positive mid.
two_sided quote_around(Price mid, Rate spread_bps);

} // namespace engine
