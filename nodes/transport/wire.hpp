// The transport's wire format: every message is [header frame (msgpack), payload frame].
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "nodes/transport/envelope.hpp"

namespace engine::transport {

/// Bumped on any incompatible change; a header with another version is dropped as garbage.
inline constexpr uint64_t wire_version = 1;

enum class frame_kind : uint8_t {
  data = 0,      // an envelope; payload frame = envelope payload
  ack = 1,       // receiver -> sender: everything up to ack_upto of ack_incarnation is delivered
  heartbeat = 2, // sender -> receiver on idle links; answered with an ack
};

/// The header frame, a msgpack array in this field order:
/// [version, kind, sender_node, incarnation, target, type_id, seq, reply_to, request_id,
///  ack_upto, ack_incarnation].
/// - data/heartbeat: sender_node/incarnation name the sending link; ack_upto is the sender's
///   highest acknowledged seq (a receiver that lost its state starts the stream after it).
/// - ack: sender_node/incarnation name the acknowledging receiver; ack_upto is its highest
///   contiguous delivered seq of the stream whose sender incarnation is ack_incarnation.
struct frame_header {
  frame_kind kind = frame_kind::data;
  std::string sender_node;
  uint64_t incarnation = 0;
  std::string target;
  uint16_t type_id = 0;
  uint64_t seq = 0;
  std::string reply_to;
  uint64_t request_id = 0;
  uint64_t ack_upto = 0;
  uint64_t ack_incarnation = 0;
};

/// Appends the msgpack header to out (cleared first).
void encode_header(const frame_header& h, std::string& out);
std::string encode_header(const frame_header& h);
/// The data header of e (sender_node, incarnation and seq already set), without copying it
/// into a frame_header first.
void encode_data_header(const envelope& e, uint64_t ack_upto, std::string& out);

/// Decodes untrusted bytes; false (never an exception) on anything malformed: wrong version,
/// kind or field types, trailing bytes, over-long names, a data frame without target or seq,
/// a frame without sender. `why`, when given, receives a short reason.
bool decode_header(const void* data, size_t size, frame_header& out, std::string* why = nullptr);

} // namespace engine::transport
