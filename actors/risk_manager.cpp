// The risk manager actor: pre-trade checks with named reasons, the kill switch, protective orders.
#include "actors/risk_manager.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/peer_cache.hpp"
#include "actors/clock/session_calendar.hpp"
#include "actors/clock/session_day_tracker.hpp"
#include "actors/engine_metrics.hpp"
#include "actors/outbox.hpp"
#include "actors/portfolio/position_book.hpp"
#include "actors/risk/protective_orders.hpp"
#include "actors/risk/risk_rules.hpp"
#include "config/logging.hpp"
#include "messages/commission_completion.hpp"
#include "messages/order_state_machine.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

struct risk_manager_state {
  static inline const char* name = "risk_manager";
  peer_cache peers; // the directory's handles, looked up again only after it changed
  outbox out;       // verdicts and cancels to the order manager, batched
  std::unique_ptr<risk_rules> rules;
  std::unique_ptr<position_book> book;
  std::unique_ptr<session_calendar> calendar;
  std::optional<session_day_tracker> days; // of calendar: the day the rules count
  std::unique_ptr<protective_orders> protective;
  std::shared_ptr<spdlog::logger> log;
};

using rm_actor = caf::stateful_actor<risk_manager_state>;

void maybe_start_day(rm_actor* self, timestamp_ns ts) {
  auto& st = self->state;
  if (auto day = st.days->changed(ts)) {
    st.rules->start_day(*day);
    st.book->start_day(*day);
  }
}

/// Places and cancels stop-loss / take-profit orders after a position changed.
void apply_protection(rm_actor* self, const std::string& ticker, timestamp_ns ts) {
  auto& st = self->state;
  auto om = st.peers.get(names::order_manager);
  if (!om)
    return;
  auto pos = st.book->position(ticker);
  auto plan = pos ? st.protective->on_position_change(ticker, pos->quantity, pos->average_price)
                  : st.protective->on_position_change(ticker, Quantity{}, Price{});
  for (auto& id : plan.cancel) {
    CancelRequest c;
    c.client_order_id = id;
    c.reason = "protective order no longer needed";
    c.timestamp = ts;
    st.out.send(self, outbox::core, om, c);
  }
  for (auto& o : plan.place) {
    o.timestamp = ts;
    o.strategy = "risk_manager";
    st.out.flush(self); // after the verdicts and cancels sent before
    self->request(om, std::chrono::seconds(30), o)
      .then([=](const OrderUpdate& u) {
              if (u.status == OrderStatus::rejected) {
                self->state.log->warn("protective order {} rejected: {}", u.client_order_id,
                                      u.reason);
                self->state.protective->on_order_done(u.client_order_id);
              }
            },
            [=](caf::error& e) {
              self->state.log->error("protective order failed: {}", self->system().render(e));
            });
  }
}

/// No refusal (code none) when the order may go, else the first rule that failed.
refusal verdict(rm_actor* self, const OrderRequest& o) {
  auto& s = self->state;
  process_metrics().sample_mailbox(watched_actor::risk_manager, self);
  if (o.timestamp != 0)
    maybe_start_day(self, o.timestamp);
  if (auto r = s.rules->check(o, *s.book, o.timestamp))
    return std::move(*r);
  return {};
}

/// A fill books into the risk manager's position book (once per exec id) and its counters.
void on_fill(rm_actor* self, const Fill& f) {
  auto& s = self->state;
  maybe_start_day(self, f.timestamp);
  if (is_commission_completion(f)) {
    s.book->apply_commission(f); // cash only: no trade, no exposure change
    return;
  }
  if (!s.book->apply_fill(f))
    return;
  s.rules->on_fill(f, s.days->day());
  apply_protection(self, f.ticker, f.timestamp);
}

/// Every order's updates: open exposure, and the protective orders placed here.
void on_update(rm_actor* self, const OrderUpdate& u) {
  self->state.rules->on_order_update(u);
  if (is_terminal(u.status))
    self->state.protective->on_order_done(u.client_order_id);
}

caf::behavior risk_manager_impl(rm_actor* self, risk_manager_options opts) {
  auto& st = self->state;
  st.peers = peer_cache{opts.directory};
  st.rules = std::make_unique<risk_rules>(opts.limits);
  st.book = std::make_unique<position_book>(opts.initial_cash);
  st.calendar = std::make_unique<session_calendar>(opts.session);
  st.days.emplace(*st.calendar);
  st.protective = std::make_unique<protective_orders>(
    opts.limits.stop_loss_pct, opts.limits.take_profit_pct, opts.incarnation);
  st.log = logger("risk_manager");
  for (auto& f : opts.initial_fills) {
    maybe_start_day(self, f.timestamp);
    if (st.book->apply_fill(f))
      st.rules->on_fill(f, st.days->day());
  }
  return batching_behavior(
    self, &st.out,
    [=](check_atom, const OrderRequest& o) -> caf::result<RejectReason, std::string> {
      auto v = verdict(self, o);
      return {v.code, std::move(v.detail)};
    },
    [=](check_atom, const std::string& reply_to, uint64_t tag, const OrderRequest& o) {
      // By name, so that an order manager on another node is answered through its proxy.
      auto to = self->state.peers.get(reply_to);
      if (!to)
        to = caf::actor_cast<caf::actor>(self->current_sender());
      auto v = verdict(self, o);
      self->state.out.send(self, outbox::core, to, check_atom::value, tag, v.code,
                           std::move(v.detail));
    },
    [=](step_atom, const QuoteBatch& batch) -> done_atom {
      auto& s = self->state;
      for (auto& q : batch.quotes) {
        maybe_start_day(self, q.timestamp);
        auto mid = mid_price(q);
        s.rules->on_last_price(q.ticker, mid);
        s.book->mark(q.ticker, mid);
      }
      return done_atom::value;
    },
    [=](const Fill& f) { on_fill(self, f); },
    [=](const OrderUpdate& u) { on_update(self, u); },
    // A fill and its order's update after it, in one message from the order manager.
    [=](const Fill& f, const OrderUpdate& u) {
      on_fill(self, f);
      on_update(self, u);
    },
    [=](const RiskLimits& limits) {
      self->state.log->warn("risk limits changed at run time (trading state {})",
                            enum_name(limits.trading_state));
      self->state.rules->set_limits(limits);
    },
    [=](TradingState state) {
      self->state.log->warn("kill switch: trading state now {}", enum_name(state));
      self->state.rules->set_trading_state(state);
    },
    [=](get_atom) -> RiskLimits { return self->state.rules->limits(); },
    [=](reduce_atom, const std::string& ticker, bool on) {
      self->state.log->warn("trading in {} is {}", ticker, on ? "reducing-only" : "active again");
      self->state.rules->set_ticker_reducing(ticker, on);
    },
    [=](const BrokerStatus& s) {
      // Orders to a broker that is away are refused by the order manager; risk only notes it.
      self->state.log->debug("broker {} is {}", s.broker, enum_name(s.state));
    });
}

} // namespace

caf::actor spawn_risk_manager(caf::actor_system& sys, risk_manager_options opts) {
  return sys.spawn(risk_manager_impl, std::move(opts));
}

} // namespace engine
