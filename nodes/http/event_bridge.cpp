// The actor that gathers the engine's order updates, fills, positions and broker states into batches for /events.
#include "nodes/http/event_bridge.hpp"

#include <set>
#include <utility>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "messages/type_ids.hpp"
#include "nodes/http/event_hub.hpp"
#include "nodes/http/event_tap.hpp"

namespace engine::http {

namespace {

struct event_bridge_state {
  static inline const char* name = "http_event_bridge";
  event_bridge_options opts;
  event_batch batch;
  std::set<std::string> touched; // tickers filled since the last batch
  bool flush_scheduled = false;
};

using bridge_actor = caf::stateful_actor<event_bridge_state>;

void schedule_flush(bridge_actor* self) {
  if (self->state.flush_scheduled)
    return;
  self->state.flush_scheduled = true;
  self->delayed_send(self, self->state.opts.flush_every, tick_atom::value);
}

bool listening(bridge_actor* self) { return self->state.opts.hub->subscribers() > 0; }

/// The tap's gatherings since the last flush go out first (they are older than what the
/// bridge holds); the tap is on exactly while someone listens.
void take_from_tap(bridge_actor* self) {
  auto& st = self->state;
  bool on = listening(self);
  st.opts.tap->set_active(on);
  if (!on)
    return;
  auto got = st.opts.tap->take();
  if (!got.batch.empty())
    st.opts.hub->post(std::move(got.batch));
  st.touched.merge(got.filled_tickers);
}

void flush(bridge_actor* self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.opts.tap)
    take_from_tap(self);
  if (!st.batch.empty())
    st.opts.hub->post(std::exchange(st.batch, event_batch{st.opts.limits}));
  if (st.touched.empty())
    return;
  // One query per ticker per batch, however many fills it had.
  if (auto pk = st.opts.directory->get(names::position_keeper))
    for (auto& t : st.touched)
      self->request(pk, std::chrono::seconds(5), positions_atom::value, t)
        .then(
          [=](Position& p) {
            if (!listening(self))
              return;
            self->state.batch.add(std::move(p));
            schedule_flush(self);
          },
          [](caf::error&) {});
  st.touched.clear();
}

caf::behavior event_bridge(bridge_actor* self, event_bridge_options opts) {
  self->state.opts = std::move(opts);
  self->state.batch = event_batch{self->state.opts.limits};
  auto me = caf::actor_cast<caf::actor>(self);
  if (self->state.opts.tap)
    schedule_flush(self); // and again every flush: the tap is polled, it sends nothing
  else if (auto om = self->state.opts.directory->get(names::order_manager))
    self->send(om, subscribe_atom::value, me);
  for (auto& b : self->state.opts.brokers)
    if (auto sup = self->state.opts.directory->get(b))
      self->send(sup, subscribe_atom::value, me);
  return {
    [=](OrderUpdate& u) {
      if (!listening(self))
        return;
      self->state.batch.add(std::move(u));
      schedule_flush(self);
    },
    [=](Fill& f) {
      if (!listening(self))
        return;
      self->state.touched.insert(f.ticker);
      self->state.batch.add(std::move(f));
      schedule_flush(self);
    },
    [=](BrokerStatus& b) {
      if (!listening(self))
        return;
      self->state.batch.add(std::move(b));
      schedule_flush(self);
    },
    [=](tick_atom) {
      flush(self);
      if (self->state.opts.tap)
        schedule_flush(self);
    },
  };
}

} // namespace

caf::actor spawn_event_bridge(caf::actor_system& sys, event_bridge_options opts) {
  return sys.spawn(event_bridge, std::move(opts));
}

} // namespace engine::http
