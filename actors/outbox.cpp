// The outbox's flush and the process-wide list of the actors that take batches.
#include "actors/outbox.hpp"

#include <algorithm>
#include <mutex>
#include <set>

namespace engine {

namespace {

// Addresses of live actors that take MessageBatch. An address is erased when its actor
// terminates, before its memory can be reused by another actor.
std::mutex takers_mtx;
std::set<caf::actor_addr> takers;

} // namespace

void accept_batches(caf::local_actor* self) {
  auto addr = self->address();
  {
    std::lock_guard<std::mutex> lk{takers_mtx};
    takers.insert(addr);
  }
  self->attach_functor([addr] {
    std::lock_guard<std::mutex> lk{takers_mtx};
    takers.erase(addr);
  });
}

bool accepts_batches(const caf::actor& receiver) {
  std::lock_guard<std::mutex> lk{takers_mtx};
  return takers.count(receiver.address()) > 0;
}

outbox::queue& outbox::queue_for(const caf::actor& to, rank r) {
  ++held_;
  for (auto& q : queues_)
    if (q.to == to) {
      q.r = std::min(q.r, r);
      return q;
    }
  queues_.push_back(queue{to, r, false, {}});
  return queues_.back();
}

void outbox::flush(caf::event_based_actor* self) {
  scheduled_ = false;
  if (held_ == 0)
    return;
  held_ = 0;
  // Receivers that got nothing since the last flush are forgotten (a request's sender, a
  // finished strategy): the list stays as short as the set of receivers in use.
  queues_.erase(std::remove_if(queues_.begin(), queues_.end(),
                               [](const queue& q) { return q.messages.empty(); }),
                queues_.end());
  std::stable_partition(queues_.begin(), queues_.end(),
                        [](const queue& q) { return q.r == core; });
  for (auto& q : queues_) {
    // Asked again until it says yes: an actor registers when it starts, which may be after
    // the first messages were put in for it.
    if (!q.batches && q.messages.size() > 1)
      q.batches = accepts_batches(q.to);
    if (q.messages.size() == 1 || !q.batches) {
      for (auto& m : q.messages)
        self->send(q.to, std::move(m));
    } else {
      MessageBatch b;
      b.messages.swap(q.messages);
      self->send(q.to, std::move(b));
    }
    q.messages.clear();
  }
}

} // namespace engine
