// Turns any engine message (a caf::message of atoms, primitives and message structs) into bytes and back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <caf/message.hpp>

namespace engine {

/// Encodes each element with a tag and a length: atoms, strings, integers,
/// booleans, TradingState, every message struct (its msgpack encoding from
/// the one field list) and vectors of Position or OrderExecution. nullopt
/// for anything else (an actor handle cannot leave its node).
std::optional<std::string> encode_message(const caf::message& msg);

/// The inverse; any truncated, oversized or unknown input gives nullopt.
std::optional<caf::message> decode_message(std::string_view bytes);

} // namespace engine
