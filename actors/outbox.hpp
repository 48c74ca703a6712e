// Smart batching, as in LMAX's Disruptor: what an actor sends while it works through the
// messages waiting in its mailbox leaves together, one MessageBatch per receiver.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>

#include "messages/message_batch.hpp"

namespace engine {

/// Sent by an outbox to its own actor: it arrives after everything that was waiting in the
/// mailbox when the first message was put in, so a flush comes once that backlog is handled.
using flush_atom = caf::atom_constant<caf::atom("flush")>;

/// Says that `self` takes MessageBatch (its behavior comes from batching_behavior), from
/// when its behavior is made (CAF runs that when the actor first runs) until it terminates.
/// Outboxes batch only to such actors; every other receiver (a remote proxy, a test's actor)
/// gets the same messages one by one.
void accept_batches(caf::local_actor* self);
bool accepts_batches(const caf::actor& receiver);

/// An actor's sends, held until its flush. Under light load a flush follows every message
/// handled and carries one message per receiver, sent as itself: latency does not suffer.
/// Under load the flush waits behind the backlog, and each receiver gets one batch for all
/// of it: the per-message cost (allocation, enqueue, wake-up, dispatch) is paid per batch.
///
/// Order: per receiver, as sent. Across receivers a flush sends the `core` receivers first
/// (the other actors of the order path), then the `observers` (submitters, subscribers), so
/// that whoever reacts to an update finds the books it reads already told. What must follow
/// everything sent before, to anyone (a barrier's answer, a request, a response), calls
/// flush() first.
class outbox {
public:
  enum rank : uint8_t { core = 0, observers = 1 };

  template <class... Ts>
  void send(caf::event_based_actor* self, rank r, const caf::actor& to, Ts&&... xs) {
    if (to)
      send_message(self, r, to, caf::make_message(std::forward<Ts>(xs)...));
  }

  /// Sends a message already made: one message for many receivers is shared, not copied.
  void send_message(caf::event_based_actor* self, rank r, const caf::actor& to,
                    caf::message m) {
    if (!to)
      return;
    queue_for(to, r).messages.push_back(std::move(m));
    if (held_ >= max_held) {
      // A long backlog (a strategy's burst of thousands of orders) would otherwise reach the
      // next actor only when all of it is handled: the stages would take turns instead of
      // working at once, and each would find the records of the previous one out of cache.
      flush(self);
      return;
    }
    if (!scheduled_) {
      scheduled_ = true;
      self->send(self, flush_atom::value);
    }
  }

  /// Sends everything held: batches to the receivers that take them, else one by one.
  void flush(caf::event_based_actor* self);

  /// Messages held before a flush comes early: enough that the per-message cost is paid
  /// per batch, few enough that the receivers start on them while this actor goes on.
  static constexpr size_t max_held = 256;

private:
  struct queue {
    caf::actor to;
    rank r = core;
    bool batches = false;
    std::vector<caf::message> messages;
  };
  queue& queue_for(const caf::actor& to, rank r);

  std::vector<queue> queues_; // a handful of receivers: searched in order
  size_t held_ = 0;
  bool scheduled_ = false;
};

/// A behavior that also takes MessageBatch (each message in it handled by `handlers`, in
/// order, as if it came alone from the batch's sender) and flush_atom (the outbox's flush;
/// `out` may be null for an actor that only receives batches). Registers `self`. `around`
/// runs each batch: called with a function that handles the batch's messages, it may do
/// something before and after them (the simulator answers a batch of orders at once).
template <class Around, class... Handlers>
caf::behavior batching_behavior_around(caf::event_based_actor* self, outbox* out, Around around,
                                       Handlers... handlers) {
  accept_batches(self);
  auto inner = std::make_shared<caf::behavior>(handlers...);
  return {
    [self, out](flush_atom) {
      if (out)
        out->flush(self);
    },
    [inner, around](MessageBatch& b) mutable {
      around([&] {
        for (auto& m : b.messages)
          (*inner)(m);
      });
    },
    std::move(handlers)...,
  };
}

/// batching_behavior_around with nothing around a batch.
template <class... Handlers>
caf::behavior batching_behavior(caf::event_based_actor* self, outbox* out,
                                Handlers... handlers) {
  return batching_behavior_around(
    self, out, [](auto&& handle) { handle(); }, std::move(handlers)...);
}

} // namespace engine
