// The order manager's part in a venue test: reports go to the test, barriers and
// reconciliation are answered at once.
#pragma once

#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "messages/type_ids.hpp"

namespace engine::testing {

inline caf::behavior stand_in_order_manager(caf::event_based_actor* self, caf::actor test,
                                            std::shared_ptr<actor_directory> dir) {
  return {
    [=](const ExecutionReport& r) { self->send(test, r); },
    [=](sync_atom, const std::string& who, uint64_t token) {
      self->send(dir->get(who), sync_atom::value, token);
    },
    [=](const BrokerStatus& s) {
      // Answers the supervisor that spoke: it may speak before its name is registered.
      if (s.state == BrokerState::reconciling)
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), reconcile_atom::value,
                   s.broker);
    },
  };
}

} // namespace engine::testing
