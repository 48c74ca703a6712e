// Many messages to one receiver in one CAF message: the envelope of smart batching (actors/outbox.hpp).
#pragma once

#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/message.hpp>

namespace engine {

/// The messages an actor sent one receiver while it worked through its mailbox, in the
/// order sent. Only actors that said they take batches get one (accept_batches); it never
/// crosses a node: a remote proxy does not take batches, so it gets the messages one by one.
struct MessageBatch {
  std::vector<caf::message> messages;
};

} // namespace engine

// Local only (see above), so it needs no serializer and no type ID: the type ID block
// and the wire codecs stay as they are.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(engine::MessageBatch)
