// The engine's one CAF type-ID block: every message type and atom, registered
// with cfg.add_message_types<caf::id_block::engine>().
#pragma once

#include <caf/type_id.hpp>

#include <vector>

#include "messages/all_messages.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(engine, caf::first_custom_type_id)

#define ENGINE_ADD_MESSAGE_TYPE_ID(T) CAF_ADD_TYPE_ID(engine, (engine::T))
ENGINE_MESSAGE_TYPES(ENGINE_ADD_MESSAGE_TYPE_ID)
#undef ENGINE_ADD_MESSAGE_TYPE_ID

  CAF_ADD_TYPE_ID(engine, (std::vector<engine::Position>))
  CAF_ADD_TYPE_ID(engine, (std::vector<engine::OrderExecution>))

CAF_END_TYPE_ID_BLOCK(engine)
