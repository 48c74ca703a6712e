// One message between nodes, as the transport carries it: routing fields plus opaque payload bytes.
#pragma once

#include <cstdint>
#include <string>

namespace engine::transport {

/// A message from an actor on one node to a named actor on another. The transport reads only
/// the routing fields; `type_id` and `payload` are opaque to it (the CAF proxy fills them).
struct envelope {
  std::string sender_node;  // set by the sending link
  uint64_t incarnation = 0; // the sender process's incarnation, set by the sending link
  std::string target;       // actor name at the receiver, e.g. "order_manager"
  uint16_t type_id = 0;     // CAF type id of the payload's message type
  uint64_t seq = 0;         // per-link sequence number, set by the sending link (1, 2, ...)
  std::string payload;      // msgpack bytes
  std::string reply_to;     // optional actor name at the sender for replies
  uint64_t request_id = 0;  // optional: correlates a reply with its request (0 = none)
};

/// Names (node, target, reply_to) longer than this are refused by send() and by the decoder.
inline constexpr size_t max_name_bytes = 255;

} // namespace engine::transport
