// Checks of multi-leg orders (bracket, oco, oto) and extended hours, by Alpaca's rules.
#pragma once

#include <optional>
#include <string>

#include "messages/orders.hpp"

namespace engine {

/// What is wrong with an order's class, legs or extended_hours; nullopt when they make sense.
/// `base` is the price the legs are measured from: the entry's limit price, else the last
/// trade (nullopt: unknown, so only the legs' order among themselves is checked).
/// Rules (docs/BROKERS_ALPACA.md): a bracket is a market or limit entry, day or gtc, with a take-profit
/// above and a stop-loss below the base for a buy (mirrored for a sell), at least a cent
/// apart; an oto has exactly one of the two; an oco is a limit exit whose price is its
/// take-profit; extended_hours only on a simple limit day order.
std::optional<std::string> invalid_legs(const OrderRequest& o, std::optional<Price> base);

} // namespace engine
