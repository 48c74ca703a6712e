// Decoders for JSON and msgpack and the msgpack encoder, for every message type.
// Implemented once over inspect in json_codec.cpp / msgpack_codec.cpp and
// instantiated there for ENGINE_MESSAGE_TYPES, so heavy parser headers stay in two TUs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "messages/all_messages.hpp"
#include "messages/json_writer.hpp"

namespace engine {

/// Outcome of decoding untrusted bytes: never throws, says what was wrong.
struct decode_status {
  bool ok = true;
  std::string error; // "fills[2].price: not a decimal string"
  explicit operator bool() const { return ok; }
  static decode_status failure(std::string why) { return {false, std::move(why)}; }
};

/// What a decoder does with a top-level field that is not there.
enum class missing_fields {
  error,        // say so (fields marked optional excepted)
  take_default, // a scalar takes its type's default: an order book journal record leaves
                // those out (json_writer::fields_without_defaults)
};

/// Reads one JSON object into x. Unknown keys are ignored (journal records
/// carry seq, ts and crc beside the fields); a missing field is an error, unless
/// `missing` says to take its default.
template <class T>
decode_status from_json(std::string_view text, T& x, missing_fields missing = missing_fields::error);

/// Packs x as msgpack: a struct is an array of its fields in inspect order,
/// decimals are raw int64, enums their underlying value.
template <class T>
std::string to_msgpack(const T& x);

/// Unpacks msgpack bytes into x; any malformed, truncated, oversized or
/// out-of-range input is an error, and trailing bytes are too.
template <class T>
decode_status from_msgpack(std::string_view bytes, T& x);

} // namespace engine
