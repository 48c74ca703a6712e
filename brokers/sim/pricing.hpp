// The simulator's price rules: market fill price, tick rounding and commission, all exact.
#pragma once

#include <optional>

#include "config/app_config.hpp"
#include "messages/decimal.hpp"
#include "messages/enums.hpp"

namespace engine::sim {

/// The quoting tick of a price: 0.01 at or above $1, 0.0001 below (Reg NMS sub-penny rule).
Price tick_for(Price p);

/// Rounds a price to its tick against the taker: a buy rounds up, a sell down.
Price round_to_tick(Price p, OrderSide taker);

/// What a market order of order_qty pays: the far touch (ask for a buy, bid for a
/// sell), moved away from the mid by (spread_multiplier - 1) x half-spread, by
/// slippage_bps of the touch and by impact_bps_per_1000 x (order_qty / 1000) bps of
/// the touch; computed exactly, then rounded once to the tick against the taker.
/// A sell never goes below the smallest tick (0.0001). nullopt only when the
/// inputs are so large that the exact arithmetic overflows 128 bits.
std::optional<Price> market_fill_price(const simulator_config& cfg, OrderSide side, Price bid,
                                       Price ask, Quantity order_qty);

/// Commission of one fill: max(min_commission, commission_rate x qty x price),
/// computed exactly and rounded half-up to the cent.
Money commission_for(const simulator_config& cfg, Quantity qty, Price price);

} // namespace engine::sim
