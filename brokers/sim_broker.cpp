// The simulator broker actor: owns the fill engine and feeds it orders, quotes and time.
#include "brokers/sim_broker.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/outbox.hpp"
#include "actors/peer_cache.hpp"
#include "actors/clock/clock.hpp"
#include "actors/clock/session_calendar.hpp"
#include "actors/portfolio/position_book.hpp"
#include "brokers/sim/fill_engine.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

struct sim_broker_state {
  static inline const char* name = "simulator";
  sim_broker_options opts;
  std::unique_ptr<sim::fill_engine> engine;
  std::unique_ptr<session_calendar> calendar;
  std::unique_ptr<position_book> account; // the venue's own view of the account
  std::unordered_map<std::string, Quote> last_quotes;
  std::vector<sim::sim_event> events;
  timestamp_ns now = 0;
  timestamp_ns next_boundary = 0; // next session open or close
  bool started = false;
  uint64_t timer_generation = 0;
  uint64_t next_sync = 0;
  std::unordered_map<uint64_t, std::function<void()>> after_sync; // barrier continuations  // wall-clock timers cannot be cancelled: stale ones are dropped
  wall_clock wall;
  caf::actor sink;            // supervised: the live connection, if any
  peer_cache peers;           // the directory's handles, looked up again only after it changed
  caf::actor batch_taker;     // the order manager last seen taking batches (asked until it does)
  std::deque<Fill> fills; // the latest opts.fill_history executions, for (fills_atom, since)
  int64_t lost_reports = 0;   // supervised, sent while no connection was up
  // Lock step (hold_until_settled): between a batch's step and the settle step that follows
  // the strategies, the reports of the orders taken wait here, so that they reach the order
  // manager after every command of the strategies, in one order whatever the load.
  bool holding = false;
  // While a batch of the order manager's orders is handled, what they cause waits for the
  // batch's end and goes back as one batch: one hand-off per batch, not one per order.
  bool in_batch = false;
};

using sim_actor = caf::stateful_actor<sim_broker_state>;

OrderEvent event_of(const sim::sim_event& e) {
  using K = sim::sim_event::kind;
  switch (e.what) {
    case K::accepted: return OrderEvent::accept;
    case K::rejected: return OrderEvent::reject;
    case K::fill:
      return e.update.status == OrderStatus::filled ? OrderEvent::fill : OrderEvent::partial_fill;
    case K::canceled: return OrderEvent::cancel;
    case K::expired: return OrderEvent::expire;
    case K::replaced: return OrderEvent::replace;
    case K::cancel_rejected: return OrderEvent::cancel_reject;
  }
  return OrderEvent::reject;
}

void arm_timer(sim_actor* self);

/// Whether `om` takes batches, asked of the process-wide list (a lock) only until it says yes.
bool takes_batches(sim_broker_state& st, const caf::actor& om) {
  if (st.batch_taker == om)
    return true;
  if (!accepts_batches(om))
    return false;
  st.batch_taker = om;
  return true;
}

/// Sends what the engine produced to the order manager, in order.
void flush(sim_actor* self) {
  auto& st = self->state;
  if (st.events.empty())
    return;
  auto om = st.opts.supervised ? st.sink : st.peers.get(names::order_manager);
  // What one input caused (an order's acceptance and its fills) goes as one batch to an
  // order manager that takes batches (actors/outbox.hpp), else report by report.
  MessageBatch batch;
  bool batched = om && st.events.size() > 1 && takes_batches(st, om);
  for (auto& e : st.events) {
    if (e.what == sim::sim_event::kind::fill) {
      st.account->apply_fill(e.fill);
      st.fills.push_back(e.fill);
      if (st.fills.size() > st.opts.fill_history)
        st.fills.pop_front();
    }
    ExecutionReport rep;
    rep.event = event_of(e);
    rep.update = std::move(e.update);
    if (e.what == sim::sim_event::kind::fill)
      rep.fill = std::move(e.fill);
    if (batched)
      batch.messages.push_back(caf::make_message(std::move(rep)));
    else if (om)
      self->send(om, std::move(rep));
    else if (st.opts.supervised)
      ++st.lost_reports;
  }
  st.events.clear();
  if (batched)
    self->send(om, std::move(batch));
  if (!st.opts.simulated_time)
    arm_timer(self);
}

/// Sends the reports at once, unless the lock step holds them until the settle step or a
/// batch of orders is being handled (its reports leave together at the batch's end).
void flush_unless_held(sim_actor* self) {
  if (!self->state.holding && !self->state.in_batch)
    flush(self);
}

/// What was held goes out before any answer about the venue's state (a query reads it).
void release_held(sim_actor* self) {
  self->state.holding = false;
  flush(self);
}

/// Moves time to t: session opens/closes and due delays happen in order.
void advance(sim_actor* self, timestamp_ns t) {
  auto& st = self->state;
  if (!st.started) {
    st.started = true;
    st.now = t;
    st.engine->set_session_open(st.calendar->is_open(t));
    st.next_boundary = st.calendar->is_open(t) ? st.calendar->next_close(t)
                                               : st.calendar->next_open(t);
  }
  while (st.next_boundary <= t) {
    auto b = st.next_boundary;
    st.engine->advance_to(b, st.events);
    if (st.calendar->is_open(b)) {
      st.engine->session_open(b, st.events);
      st.next_boundary = st.calendar->next_close(b);
    } else {
      st.engine->session_close(b, st.events);
      st.engine->prune_finished(); // finished orders need not outlive their day
      st.next_boundary = st.calendar->next_open(b);
    }
  }
  if (t > st.now)
    st.now = t;
  st.engine->advance_to(st.now, st.events);
}

timestamp_ns current_time(sim_actor* self) {
  auto& st = self->state;
  if (!st.opts.simulated_time)
    advance(self, st.wall.now());
  return st.now;
}

/// A sync_atom barrier with the order manager: `next` runs once it has settled what was
/// sent before (through the connection when there is one, so it follows the reports).
void barrier(sim_actor* self, const caf::actor& om, std::function<void()> next) {
  auto token = ++self->state.next_sync;
  self->state.after_sync.emplace(token, std::move(next));
  auto via = self->state.opts.supervised && self->state.sink ? self->state.sink : om;
  self->send(via, sync_atom::value, self->state.opts.name, token);
}

void arm_timer(sim_actor* self) {
  auto& st = self->state;
  auto next = st.engine->next_deadline();
  if (!next)
    return;
  auto gen = ++st.timer_generation;
  auto delay = std::max<int64_t>(0, *next - st.wall.now());
  self->delayed_send(self, std::chrono::nanoseconds(delay), tick_atom::value, gen);
}

/// Feeds a batch of quotes to the engine (time first, in simulated time).
void step_quotes(sim_actor* self, const QuoteBatch& batch) {
  for (auto& q : batch.quotes) {
    if (self->state.opts.simulated_time)
      advance(self, q.timestamp);
    self->state.engine->on_quote(q, self->state.events);
    self->state.account->mark(q.ticker, mid_price(q));
    self->state.last_quotes[q.ticker] = q;
  }
  flush(self);
}

caf::behavior sim_broker_impl(sim_actor* self, sim_broker_options opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.peers = peer_cache{st.opts.directory};
  st.engine = std::make_unique<sim::fill_engine>(st.opts.simulator, st.opts.name);
  if (!st.opts.universe.empty())
    st.engine->set_universe(st.opts.universe);
  st.engine->set_exec_id_prefix(st.opts.exec_id_prefix);
  st.calendar = std::make_unique<session_calendar>(st.opts.session);
  // Its fills are its own engine's (exec ids never repeat, with a new prefix each start) and
  // the journal's of earlier runs (once per exec id): nothing to refuse, so no id kept.
  st.account = std::make_unique<position_book>(st.opts.initial_cash,
                                               position_book::exec_ids::never_repeat);
  for (auto& f : st.opts.initial_fills)
    st.account->apply_fill(f);
  st.opts.initial_fills.clear();
  // The order manager's orders come batched (actors/outbox.hpp).
  auto whole_batch = [self](auto&& handle) {
    struct batch_scope {
      sim_broker_state& st;
      explicit batch_scope(sim_broker_state& s) : st(s) { st.in_batch = true; }
      ~batch_scope() { st.in_batch = false; } // even if a handler throws
    };
    {
      batch_scope scope{self->state};
      handle();
    }
    flush_unless_held(self);
  };
  return batching_behavior_around(
    self, nullptr, whole_batch,
    [=](const OrderRequest& o) {
      auto now = current_time(self);
      self->state.engine->submit(o, now, self->state.events);
      flush_unless_held(self);
    },
    [=](const CancelRequest& c) {
      auto now = current_time(self);
      self->state.engine->cancel(c, now, self->state.events);
      flush_unless_held(self);
    },
    [=](const ReplaceRequest& r) {
      auto now = current_time(self);
      self->state.engine->replace(r, now, self->state.events);
      flush_unless_held(self);
    },
    [=](step_atom, const QuoteBatch& batch) -> caf::result<done_atom> {
      auto rp = self->make_response_promise<done_atom>();
      auto om = self->state.peers.get(names::order_manager);
      if (!om) {
        step_quotes(self, batch);
        rp.deliver(done_atom::value);
        return rp;
      }
      // Lock step with the order manager (sync_atom barriers): before the
      // batch, so every order it routed is here first, even over a network
      // link; after it, so what the batch caused is journaled and fanned out
      // before the next batch leaves.
      auto sync = [=](std::function<void()> next) { barrier(self, om, std::move(next)); };
      sync([=]() mutable {
        step_quotes(self, batch); // with what was held, in the order it happened
        sync([=]() mutable {
          // An empty batch is the settle step: nothing is held after it.
          self->state.holding = self->state.opts.hold_until_settled && !batch.quotes.empty();
          rp.deliver(done_atom::value);
        });
      });
      return rp;
    },
    [=](sync_atom, uint64_t token) {
      auto i = self->state.after_sync.find(token);
      if (i == self->state.after_sync.end())
        return;
      auto next = std::move(i->second);
      self->state.after_sync.erase(i);
      next();
    },
    [=](const Trade& t) {
      self->state.engine->on_trade(t, self->state.events);
      flush_unless_held(self);
    },
    [=](done_atom, timestamp_ns end) -> caf::result<done_atom> {
      // The data ended at `end`: move simulated time there (session close, expiries), in the
      // lock step like a batch: after every order routed so far, answered once the order
      // manager has settled what the close caused.
      auto close = [=] {
        if (self->state.opts.simulated_time && self->state.started)
          advance(self, end);
        flush(self);
      };
      auto om = self->state.peers.get(names::order_manager);
      if (!om) {
        close();
        return done_atom::value;
      }
      auto rp = self->make_response_promise<done_atom>();
      barrier(self, om, [=]() mutable {
        close();
        barrier(self, om, [=]() mutable {
          self->state.holding = self->state.opts.hold_until_settled;
          rp.deliver(done_atom::value);
        });
      });
      return rp;
    },
    [=](tick_atom, uint64_t gen) {
      if (gen != self->state.timer_generation)
        return; // superseded by a newer timer
      current_time(self);
      flush(self);
    },
    [=](orders_atom) -> std::vector<OrderExecution> {
      release_held(self);
      return self->state.engine->open_orders();
    },
    // What a broker answers besides orders: status, positions, account, market data.
    [=](get_atom, const std::string& order_id) -> OrderExecution {
      release_held(self);
      return self->state.engine->order(order_id).value_or(OrderExecution{});
    },
    [=](positions_atom) -> std::vector<Position> { return self->state.account->positions(); },
    [=](fills_atom, timestamp_ns since) -> std::vector<Fill> {
      release_held(self);
      std::vector<Fill> out;
      for (auto& f : self->state.fills)
        if (f.timestamp >= since)
          out.push_back(f);
      return out;
    },
    [=](sink_atom, caf::actor& sink) {
      // A new connection (or none): barriers sent through the old one may be lost with it,
      // so the ones still unanswered go again by the new route (a second answer is ignored).
      auto& s = self->state;
      s.sink = std::move(sink);
      auto via = s.sink ? s.sink : s.peers.get(names::order_manager);
      if (via)
        for (auto& [token, next] : s.after_sync)
          self->send(via, sync_atom::value, s.opts.name, token);
    },
    [=](account_atom) -> AccountInfo { return self->state.account->account(); },
    [=](market_atom, const std::string& ticker) -> MarketData {
      MarketData md;
      auto i = self->state.last_quotes.find(ticker);
      if (i == self->state.last_quotes.end())
        return md;
      md.ticker = ticker;
      md.bid = i->second.bid;
      md.ask = i->second.ask;
      md.last = mid_price(i->second);
      md.spread = i->second.ask - i->second.bid;
      md.timestamp = i->second.timestamp;
      return md;
    });
}

} // namespace

caf::actor spawn_sim_broker(caf::actor_system& sys, sim_broker_options opts) {
  return sys.spawn(sim_broker_impl, std::move(opts));
}

} // namespace engine
