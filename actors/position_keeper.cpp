// The position keeper actor: positions by average cost, P&L, cash, equity and daily metrics.
#include "actors/position_keeper.hpp"

#include <caf/all.hpp>

#include "actors/clock/session_calendar.hpp"
#include "actors/clock/session_day_tracker.hpp"
#include "actors/engine_metrics.hpp"
#include "actors/outbox.hpp"
#include "actors/portfolio/position_book.hpp"
#include "messages/commission_completion.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

struct position_keeper_state {
  static inline const char* name = "position_keeper";
  std::unique_ptr<position_book> book;
  std::unique_ptr<session_calendar> calendar;
  std::optional<session_day_tracker> days; // of calendar

  void on_time(timestamp_ns ts) {
    if (auto d = days->changed(ts))
      book->start_day(*d);
  }
};

using pk_actor = caf::stateful_actor<position_keeper_state>;

caf::behavior position_keeper_impl(pk_actor* self, Money initial_cash, session_config session,
                                   std::vector<Fill> initial_fills) {
  self->state.book = std::make_unique<position_book>(initial_cash);
  self->state.calendar = std::make_unique<session_calendar>(session);
  self->state.days.emplace(*self->state.calendar);
  for (auto& f : initial_fills) {
    self->state.on_time(f.timestamp);
    self->state.book->apply_fill(f);
  }
  // The order manager's fills come batched (actors/outbox.hpp).
  return batching_behavior(
    self, nullptr,
    [=](const Fill& f) {
      process_metrics().sample_mailbox(watched_actor::position_keeper, self);
      self->state.on_time(f.timestamp);
      if (is_commission_completion(f))
        self->state.book->apply_commission(f);
      else
        self->state.book->apply_fill(f);
    },
    [=](step_atom, const QuoteBatch& batch) -> done_atom {
      for (auto& q : batch.quotes) {
        self->state.on_time(q.timestamp);
        self->state.book->mark(q.ticker, mid_price(q));
      }
      return done_atom::value;
    },
    [=](positions_atom) -> std::vector<Position> { return self->state.book->positions(); },
    [=](positions_atom, const std::string& ticker) -> Position {
      if (auto p = self->state.book->position(ticker))
        return *p;
      Position flat;
      flat.ticker = ticker;
      return flat;
    },
    [=](account_atom) -> AccountInfo { return self->state.book->account(); },
    [=](metrics_atom) -> PerformanceMetrics { return self->state.book->metrics(); });
}

} // namespace

caf::actor spawn_position_keeper(caf::actor_system& sys, Money initial_cash,
                                 session_config session, std::vector<Fill> initial_fills) {
  return sys.spawn(position_keeper_impl, initial_cash, std::move(session),
                   std::move(initial_fills));
}

} // namespace engine
