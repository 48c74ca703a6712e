// The order manager actor: ids, idempotency, the state machine, risk, journal, routing, fan-out.
#include "actors/order_manager.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <unordered_map>
#include <set>
#include <type_traits>
#include <unordered_set>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/peer_cache.hpp"
#include "actors/clock/clock.hpp"
#include "actors/engine_metrics.hpp"
#include "actors/order_event_tap.hpp"
#include "actors/outbox.hpp"
#include "actors/orders/order_book.hpp"
#include "config/logging.hpp"
#include "messages/commission_completion.hpp"
#include "messages/order_legs.hpp"
#include "messages/order_state_machine.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

constexpr int64_t risk_timeout_ns = 10'000'000'000;    // a risk check unanswered this long fails
constexpr int64_t journal_timeout_ns = 30'000'000'000; // a journal record unanswered: a halt
constexpr size_t tick_retirements = 4096; // closed orders one tick lets leave, at most

/// What the order manager knows of one broker connection.
struct broker_route {
  BrokerStatus status;
  bool supervised = false;      // a supervisor publishes its state
  bool reconciling = false;     // a reconciliation is running
  bool again = false;           // another one was asked for meanwhile
  std::vector<CancelRequest> kept_cancels; // asked while it was away: sent once reconciled
  caf::actor supervisor; // who published the status (before its name is registered, too)
  bool falling_back = false; // its new orders go to the fallback simulator now
};

/// The actors that get orders' updates, each under a small index the book keeps per order
/// (4 bytes, not a handle per order), counted so that an index is freed with its last order.
class submitter_table {
public:
  uint32_t acquire(const caf::actor& a) {
    if (!a)
      return 0;
    auto [i, inserted] = index_.emplace(a.address(), 0);
    if (inserted) {
      if (free_.empty()) {
        i->second = static_cast<uint32_t>(slots_.size());
        slots_.push_back({a, 0});
      } else {
        i->second = free_.back();
        free_.pop_back();
        slots_[i->second] = {a, 0};
      }
    }
    ++slots_[i->second].orders;
    return i->second;
  }
  void release(uint32_t n) {
    if (n == 0 || --slots_[n].orders > 0)
      return;
    index_.erase(slots_[n].who.address());
    slots_[n] = {};
    free_.push_back(n);
  }
  const caf::actor& operator[](uint32_t n) const { return slots_[n].who; }

private:
  struct slot {
    caf::actor who;
    size_t orders = 0;
  };
  std::vector<slot> slots_{slot{}}; // 0: nobody
  std::vector<uint32_t> free_;
  std::map<caf::actor_addr, uint32_t> index_;
};

/// A one-way question the order manager waits on (a risk check, a journal record): asked in
/// order and answered in order, so a deque holds them; the 1 s tick fails those unanswered too
/// long (one timer, not one per message) and a peer's exit fails them all at once.
struct awaited {
  uint64_t n = 0;        // its number in its queue
  int64_t since_ns = 0;  // wall time it was asked
  std::function<void(bool answered, const refusal& what)> then;
};
using awaited_queue = std::deque<awaited>;

/// Runs every entry numbered up to `upto` with (answered, what), oldest first. Each is taken
/// off before it runs: what it runs may ask again.
void settle(awaited_queue& q, uint64_t upto, bool answered, const refusal& what) {
  while (!q.empty() && q.front().n <= upto) {
    auto a = std::move(q.front());
    q.pop_front();
    a.then(answered, what);
  }
}

/// Fails the entries asked before `deadline_ns`.
void expire(awaited_queue& q, int64_t deadline_ns, const refusal& why) {
  while (!q.empty() && q.front().since_ns < deadline_ns) {
    auto a = std::move(q.front());
    q.pop_front();
    a.then(false, why);
  }
}

struct order_manager_state {
  static inline const char* name = "order_manager";

  order_manager_options opts;
  std::shared_ptr<spdlog::logger> log;
  order_book book{"O", 1, 0}; // every change of a record goes through book.change()
  submitter_table submitters;  // who gets each order's updates, by the book's index
  std::vector<caf::actor> subscribers;
  // Refusals by code: counted per order (a shed burst is millions), named only in stats.
  std::array<int64_t, enum_names<RejectReason>::values.size()> rejects_by_code{};
  std::string halt_reason; // set when the journal failed: nothing more is accepted
  bool closing = false;    // the node is stopping: new orders are refused (shutting_down)
  size_t in_pipeline = 0;  // new orders taken, waiting for risk or the journal
  bool ready = true;       // false until recovered open orders are reconciled
  size_t journal_in_flight = 0;            // records sent, not yet answered
  awaited_queue risk_checks;     // (check_atom, reply_to, n, order) sent to the risk manager
  uint64_t next_check = 1;
  awaited_queue journal_records; // (journal_atom, reply_to, n, event, record) to the trade logger
  uint64_t next_record = 1;
  caf::actor_addr watched_risk, watched_logger; // monitored: their exit fails what they owe
  // Barriers waiting for nothing in flight: who asked (by name) and their token.
  std::vector<std::pair<std::string, uint64_t>> sync_waiters;
  std::map<std::string, broker_route> brokers;
  std::map<std::string, int64_t> reconciliation; // what reconciliations found, by kind
  wall_clock wall;
  peer_cache peers; // the directory's handles, looked up again only after it changed
  outbox out;       // every one-way send of the order path, batched per receiver
  std::string strategy_key; // "strategy:<name>" of the order at hand (its buffer is reused)
  std::vector<caf::typed_response_promise<bool>> reconcile_waiters;

  /// Answers a barrier by sending to the asker's name, not by replying: the
  /// answer then takes the same path (the same proxy and link, when the asker
  /// is on another node) as the orders and updates sent to it before.
  void answer_sync(caf::event_based_actor* self, const std::string& who, uint64_t token) {
    if (auto h = peers.get(who)) {
      out.flush(self); // after everything the barrier covers, to anyone
      self->send(h, sync_atom::value, token);
    }
  }

  void journal_done(caf::event_based_actor* self) {
    if (--journal_in_flight == 0) {
      for (auto& [who, token] : sync_waiters)
        answer_sync(self, who, token);
      sync_waiters.clear();
    }
  }

  const caf::actor& peer(const std::string& name) { return peers.get(name); }
};

using om_actor = caf::stateful_actor<order_manager_state>;

/// Where the answer to an order command goes: the response promise of a request, or, for a
/// one-way command, (orders_atom, tag, OrderUpdate) to the actor it named. The one-way form
/// keeps a strategy's open commands out of CAF's pending-response table (a linear scan per
/// answer) and off its timer: the strategy host correlates the answers itself.
struct answer {
  caf::typed_response_promise<OrderUpdate> promise;
  caf::actor to;
  uint64_t tag = 0;
  caf::actor from; // who sent the command (read before a promise takes the sender away)

  void operator()(om_actor* self, OrderUpdate u) {
    if (to) {
      self->state.out.send(self, outbox::observers, to, orders_atom::value, tag, std::move(u));
    } else {
      self->state.out.flush(self); // a response follows what was sent before it
      promise.deliver(std::move(u));
    }
  }
};

/// Answers a one-way command: to the actor registered as `reply_to` (the same path as the
/// updates that follow, through its proxy when it runs on another node), else to the sender.
answer one_way(om_actor* self, const std::string& reply_to, uint64_t tag) {
  answer a;
  a.from = caf::actor_cast<caf::actor>(self->current_sender());
  a.to = self->state.peers.get(reply_to);
  if (!a.to)
    a.to = a.from;
  a.tag = tag;
  return a;
}

answer asked(om_actor* self) {
  answer a;
  // CAF 0.17 moves the sender out of the current message into the promise: read it first.
  a.from = caf::actor_cast<caf::actor>(self->current_sender());
  a.promise = self->make_response_promise<OrderUpdate>();
  return a;
}

OrderUpdate make_update(const order_book& book, const order_record& r, timestamp_ns ts) {
  OrderUpdate u;
  u.order_id = r.exec.order_id;
  u.client_order_id = r.exec.client_order_id;
  u.ticker = book.name(r.exec.ticker);
  u.side = r.exec.side;
  u.status = r.exec.status;
  u.executed_quantity = r.exec.executed_quantity;
  u.leaves_quantity = is_open(r.exec.status) ? r.exec.quantity - r.exec.executed_quantity
                                             : Quantity{};
  u.average_price = r.exec.average_price();
  u.commission = r.exec.commission();
  u.reason = r.exec.reason();
  u.timestamp = ts;
  u.strategy = book.name(r.exec.strategy);
  u.reject = r.reject;
  return u;
}

/// A journal failure halts the order manager: nothing unjournaled is ever acknowledged.
void journal_failed(om_actor* self, const std::string& why) {
  if (!self->state.halt_reason.empty())
    return;
  self->state.halt_reason = why;
  self->state.log->critical("journal write failed, refusing new orders: {}", why);
  if (auto risk = self->state.peer(names::risk_manager))
    self->state.out.send(self, outbox::core, risk, TradingState::halted);
}

/// Watches `peer` once, so that its exit fails what it still owes at once.
void watch(om_actor* self, caf::actor_addr& watched, const caf::actor& peer) {
  if (watched == peer.address())
    return;
  watched = peer.address();
  self->monitor(peer);
}

/// Journals a record and runs `then` once it is durable (one-way: the trade logger answers
/// once per group commit for all the records it made durable); a journal failure halts.
template <class T, class F>
void journal_then(om_actor* self, const std::string& event, const T& msg, F then,
                  std::function<void(const refusal&)> on_fail = nullptr) {
  auto& st = self->state;
  auto logger = st.peer(names::trade_logger);
  if (!logger) {
    // No journal configured on this node: nothing to wait for.
    then();
    return;
  }
  watch(self, st.watched_logger, logger);
  ++st.journal_in_flight;
  auto n = st.next_record++;
  // The continuation moves in (it carries the record's update or fill): no copy per record.
  st.journal_records.push_back(
    {n, st.wall.now(), [self, then = std::move(then), on_fail = std::move(on_fail)](
                         bool durable, const refusal& why) mutable {
       if (durable) {
         then();
       } else {
         journal_failed(self, why.text());
         if (on_fail)
           on_fail(why);
       }
       self->state.journal_done(self);
     }});
  st.out.send(self, outbox::core, logger, journal_atom::value, std::string{names::order_manager},
              n, event, msg);
}

/// Who gets an order's updates (a handle: it outlives the order's record).
caf::actor submitter_of(om_actor* self, const order_record& r) {
  return self->state.submitters[r.submitter];
}

/// Whom an update goes to beside the risk manager: the submitter and every subscriber, all
/// given one message (CAF messages are shared, not copied, between receivers).
void update_observers(om_actor* self, const caf::actor& submitter, const OrderUpdate& u,
                      caf::message m = {}) {
  auto& out = self->state.out;
  auto shared = [&] {
    if (m.empty())
      m = caf::make_message(u);
    return m;
  };
  if (submitter)
    out.send_message(self, outbox::observers, submitter, shared());
  for (auto& s : self->state.subscribers)
    if (s != submitter)
      out.send_message(self, outbox::observers, s, shared());
  if (auto& tap = self->state.opts.tap; tap && tap->active())
    tap->put(u);
}

/// Sends an update to the submitter and every subscriber. The risk manager follows every
/// order's open quantity (unless it submitted it): it is told unless the update says it
/// cannot have changed (`to_risk` false).
void fan_out_update(om_actor* self, const caf::actor& submitter, const OrderUpdate& u,
                    bool to_risk = true) {
  auto m = caf::make_message(u);
  if (const auto& risk = self->state.peer(names::risk_manager);
      to_risk && risk && risk != submitter)
    self->state.out.send_message(self, outbox::core, risk, m);
  update_observers(self, submitter, u, std::move(m));
}

/// Sends a fill to the books (position keeper, risk manager), the submitter and every
/// subscriber; with `u`, the order's update after it follows to each of them. The risk
/// manager gets both in one message (Fill, OrderUpdate): one hand-off per fill, not two.
void fan_out_fill(om_actor* self, const caf::actor& submitter, const Fill& f,
                  const OrderUpdate* u = nullptr) {
  auto& out = self->state.out;
  auto m = caf::make_message(f);
  if (const auto& keeper = self->state.peer(names::position_keeper))
    out.send_message(self, outbox::core, keeper, m);
  if (const auto& risk = self->state.peer(names::risk_manager)) {
    if (u && risk != submitter)
      out.send(self, outbox::core, risk, f, *u);
    else
      out.send_message(self, outbox::core, risk, m);
  }
  if (submitter)
    out.send_message(self, outbox::observers, submitter, m);
  for (auto& s : self->state.subscribers)
    if (s != submitter)
      out.send_message(self, outbox::observers, s, m);
  if (auto& tap = self->state.opts.tap; tap && tap->active())
    tap->put(f);
  if (u)
    update_observers(self, submitter, *u);
}

void count_reject(om_actor* self, RejectReason code) {
  ++self->state.rejects_by_code[static_cast<size_t>(code)];
}

/// The refusal an order or request gets: code and "name: detail" text set together, counted.
void refuse(om_actor* self, OrderUpdate& u, const refusal& why) {
  set_refusal(u, why);
  count_reject(self, why.code);
}

/// Why orders cannot go to `broker` now (none when they can): a supervised broker that is not
/// connected. An unsupervised venue (tests wire the simulator directly) is always there.
refusal unavailable(const order_manager_state& st, const std::string& broker) {
  auto i = st.brokers.find(broker.empty() ? st.opts.broker_name : broker);
  if (i == st.brokers.end() || !i->second.supervised)
    return {};
  const auto& s = i->second.status;
  if (s.state == BrokerState::connected)
    return {};
  return {RejectReason::broker_unavailable,
          "broker " + s.broker + " is " + std::string{enum_name(s.state)} +
            (s.reason.empty() ? "" : " (" + s.reason + ")")};
}

/// The broker a new order goes to: `broker`, or its fallback simulator while it is down
/// (fallback_to_simulator). Every switch, there and back, is logged at critical level.
std::string fallback_for(om_actor* self, const std::string& broker) {
  auto& st = self->state;
  auto f = st.opts.fallback.find(broker);
  if (f == st.opts.fallback.end())
    return broker;
  auto& route = st.brokers[broker];
  bool down = route.supervised && route.status.state == BrokerState::down;
  if (down != route.falling_back) {
    route.falling_back = down;
    if (down)
      st.log->critical("FALLBACK: broker {} is down ({}): new orders go to the SIMULATOR {} "
                       "until it is back (fallback_to_simulator)",
                       broker, route.status.reason, f->second);
    else
      st.log->critical("FALLBACK ended: broker {} is {} again: new orders go to it", broker,
                       enum_name(route.status.state));
  }
  return down ? f->second : broker;
}

/// A new order refused before it is taken (no id, no record, no journal: nothing was
/// acknowledged, so nothing is owed), counted by reason.
OrderUpdate refuse_untaken(om_actor* self, const OrderRequest& req, const refusal& why) {
  OrderUpdate u;
  u.client_order_id = req.client_order_id;
  u.ticker = req.ticker;
  u.side = req.side;
  u.status = OrderStatus::rejected;
  u.strategy = req.strategy;
  u.timestamp = req.timestamp;
  refuse(self, u, why);
  return u;
}

/// What the book calls for each closed order that leaves it: its submitter's slot goes back.
auto release_submitter(order_manager_state& st) {
  return [&st](const order_record& r) { st.submitters.release(r.submitter); };
}

/// Admission control: past the bound, new orders are shed at once (never queued without
/// bound), so the orders admitted keep a bounded ack latency. None when it may be taken.
refusal overload(om_actor* self) {
  auto& st = self->state;
  if (st.opts.max_queued_orders == 0)
    return {};
  auto queued = self->mailbox().size() + st.in_pipeline;
  if (queued <= st.opts.max_queued_orders)
    return {};
  return {RejectReason::overloaded, std::to_string(queued) +
                                      " messages queued at the order manager (max " +
                                      std::to_string(st.opts.max_queued_orders) + ")"};
}

/// A new order on its way through the risk check and the journal: what each step's
/// continuation needs, held once and shared (each continuation is one pointer, small enough
/// for std::function to keep in place, instead of copies of the id and the answer's handles).
struct admission {
  om_actor* self;
  std::string id;
  answer reply;
  std::chrono::steady_clock::time_point received; // for the order->ack histogram
};

/// Rejects the order (closed orders leave the book only in the 1 s tick, after this).
OrderUpdate reject(const admission& a, const refusal& why) {
  auto& book = a.self->state.book;
  auto& rr = *book.find(a.id);
  book.change(rr, [&] {
    rr.exec.status = OrderStatus::rejected;
    rr.exec.set_reason(why.text());
    rr.reject = why.code;
  });
  count_reject(a.self, why.code);
  return make_update(book, rr, rr.terms.timestamp);
}

/// Every way out of the pipeline answers once and leaves it.
void admitted(admission& a, OrderUpdate u) {
  --a.self->state.in_pipeline;
  a.reply(a.self, std::move(u));
}

/// Journals the rejection `u` (event "rejected" or "risk_rejected"), then answers it: the
/// order is refused whether or not the record was written. The two outcomes share one held
/// update (a rejection is most of a loaded node's orders: no copy for each outcome).
void journal_rejection(const std::shared_ptr<admission>& a, const char* event, OrderUpdate u) {
  auto held = std::make_shared<OrderUpdate>(std::move(u));
  journal_then(a->self, event, *held, [a, held] { admitted(*a, std::move(*held)); },
               [a, held](const refusal&) { admitted(*a, std::move(*held)); });
}

/// Journals the order as accepted, then sends it to its venue and acknowledges it.
void route(const std::shared_ptr<admission>& a) {
  auto self = a->self;
  journal_then(
    self, "accepted", self->state.book.routed_request(*self->state.book.find(a->id)),
    [a] {
      auto self = a->self;
      auto& rr = *self->state.book.find(a->id); // open until the venue hears of it
      // It may have gone away while risk and the journal were asked.
      if (auto why = unavailable(self->state, *rr.broker)) {
        journal_rejection(a, "rejected", reject(*a, why));
        return;
      }
      self->state.book.await_venue(rr, self->state.wall.now());
      self->state.out.send(self, outbox::core, self->state.peers.get(*rr.broker),
                           self->state.book.routed_request(rr));
      admitted(*a, make_update(self->state.book, rr, rr.terms.timestamp));
      process_metrics().order_ack.record(std::chrono::steady_clock::now() - a->received);
    },
    [a](const refusal& why) { admitted(*a, reject(*a, why)); });
}

void on_new_order(om_actor* self, OrderRequest req, answer reply) {
  auto& st = self->state;
  auto received = std::chrono::steady_clock::now(); // for the order->ack histogram
  if (!req.client_order_id.empty()) {
    if (auto* existing = st.book.by_client_id(req.client_order_id)) {
      // Idempotent resubmission: answer with the existing order, never a second one.
      reply(self, make_update(st.book, *existing, req.timestamp));
      return;
    }
    if (st.book.client_id_retired(req.client_order_id)) {
      reply(self, refuse_untaken(self, req,
                                 {RejectReason::duplicate_client_order_id,
                                  req.client_order_id +
                                    " was used by an order that finished (see the journal)"}));
      return;
    }
  }
  if (st.closing) {
    reply(self, refuse_untaken(self, req, {RejectReason::shutting_down, "the node is stopping"}));
    return;
  }
  if (auto why = overload(self)) {
    reply(self, refuse_untaken(self, req, why));
    return;
  }
  // Two closed orders past the recent bound leave with each new one, so that the book stays
  // at its bound without the tick retiring a second's worth at once.
  if (st.book.retirable())
    st.book.retire_some(2, release_submitter(st));
  req.order_id = st.book.next_order_id();
  if (req.client_order_id.empty())
    req.client_order_id = req.order_id;
  order_record rec;
  rec.exec = st.book.state_of(req);
  rec.terms = terms_of(req);
  // A strategy is found by its name, so its updates reach it wherever it runs
  // (through a proxy when on another node); otherwise answer the sender.
  caf::actor submitter;
  if (!req.strategy.empty()) {
    st.strategy_key.assign("strategy:").append(req.strategy); // reused: no string per order
    submitter = st.peers.get(st.strategy_key);
  }
  rec.submitter = st.submitters.acquire(submitter ? submitter : reply.from);
  auto id = req.order_id;
  st.book.take(std::move(rec));

  auto a = std::make_shared<admission>(admission{self, std::move(id), std::move(reply), received});
  if (!st.halt_reason.empty()) {
    a->reply(self, reject(*a, {RejectReason::trading_halted, st.halt_reason}));
    return;
  }
  if (!st.ready) {
    a->reply(self, reject(*a, {RejectReason::not_ready,
                               "reconciling recovered open orders with the broker"}));
    return;
  }

  auto risk = st.peer(names::risk_manager);
  auto route_name = req.broker.empty() ? st.opts.broker_name : req.broker;
  route_name = fallback_for(self, route_name);
  st.book.find(a->id)->broker = st.book.route(route_name);
  auto broker = st.peers.get(route_name);
  if (!broker) {
    a->reply(self,
             reject(*a, {RejectReason::no_route, "broker " + route_name + " is not available"}));
    return;
  }
  if (auto why = unavailable(st, route_name)) {
    a->reply(self, reject(*a, why));
    return;
  }
  ++st.in_pipeline;
  if (!risk) {
    route(a);
    return;
  }
  // One-way, answered (check_atom, n, code, detail) in the order asked.
  watch(self, st.watched_risk, risk);
  auto n = st.next_check++;
  st.risk_checks.push_back({n, st.wall.now(), [a](bool answered, const refusal& verdict) {
    if (!answered) {
      admitted(*a, reject(*a, verdict));
      return;
    }
    if (!verdict) {
      route(a);
      return;
    }
    journal_rejection(a, "risk_rejected", reject(*a, verdict));
  }});
  st.out.send(self, outbox::core, risk, check_atom::value, std::string{names::order_manager}, n,
              req);
}

/// Journals `record`, then routes `to_broker` and answers `u`; a journal
/// failure answers `u` with the failure as its reason and routes nothing.
template <class Record, class Routed>
void journal_route_answer(om_actor* self, const char* event, const Record& record,
                          const Routed& to_broker, const OrderUpdate& u, answer reply) {
  journal_then(
    self, event, record,
    [=]() mutable {
      auto& st = self->state;
      auto* r = st.book.find(to_broker.order_id);
      auto broker = !r || r->broker->empty() ? st.opts.broker_name : *r->broker;
      bool away = static_cast<bool>(unavailable(st, broker)) ||
                  (r && r->exec.status == OrderStatus::unknown);
      if constexpr (std::is_same_v<Routed, CancelRequest>) {
        if (away) {
          // Kept, and sent right after the reconciliation: a cancel is never lost.
          st.brokers[broker].kept_cancels.push_back(to_broker);
          reply(self, u);
          return;
        }
      }
      if (r)
        st.book.await_venue(*r, st.wall.now());
      if (auto b = st.peers.get(broker))
        st.out.send(self, outbox::core, b, to_broker);
      reply(self, u);
    },
    [=](const refusal& why) mutable {
      auto refused = u;
      set_refusal(refused, why);
      reply(self, refused);
    });
}

void on_cancel(om_actor* self, const CancelRequest& c, answer reply) {
  auto& st = self->state;
  auto* found = !c.order_id.empty() ? st.book.find(c.order_id)
                : !c.client_order_id.empty() ? st.book.by_client_id(c.client_order_id)
                                             : nullptr;
  if (!found) {
    OrderUpdate u;
    u.order_id = c.order_id;
    u.client_order_id = c.client_order_id;
    u.status = OrderStatus::rejected;
    set_refusal(u, st.book.retired(c.order_id) || st.book.client_id_retired(c.client_order_id)
                     ? refusal{RejectReason::cannot_cancel,
                               "order is closed (no longer held; see the journal)"}
                     : refusal{RejectReason::unknown_order, ""});
    reply(self, u);
    return;
  }
  auto& r = *found;
  auto id = r.exec.order_id;
  auto& route = st.brokers[r.broker->empty() ? st.opts.broker_name : *r.broker];
  if (route.kept_cancels.size() >= st.opts.max_kept_cancels) {
    auto u = make_update(st.book, r, c.timestamp);
    set_refusal(u, {RejectReason::broker_unavailable,
                    std::to_string(route.kept_cancels.size()) +
                      " cancels already kept for the broker's return"});
    reply(self, u);
    return;
  }
  if (!st.book.step(r, OrderEvent::cancel_request).ok) {
    auto u = make_update(st.book, r, c.timestamp);
    set_refusal(u,
                {RejectReason::cannot_cancel, "order is " + std::string{enum_name(r.exec.status)}});
    reply(self, u);
    return;
  }
  auto u = make_update(st.book, r, c.timestamp);
  CancelRequest routed = c;
  routed.order_id = id;
  // Answered once journaled and routed, like a new order.
  journal_route_answer(self, "cancel_requested", u, routed, u, reply);
}

void on_replace(om_actor* self, const ReplaceRequest& rq, answer reply) {
  auto& st = self->state;
  auto* r = st.book.find(rq.order_id);
  if (!r || !is_open(r->exec.status)) {
    OrderUpdate u = r ? make_update(st.book, *r, rq.timestamp) : OrderUpdate{};
    u.order_id = rq.order_id;
    set_refusal(u, r || st.book.retired(rq.order_id)
                     ? refusal{RejectReason::cannot_replace, "order is closed"}
                     : refusal{RejectReason::unknown_order, ""});
    reply(self, u);
    return;
  }
  auto why = unavailable(st, *r->broker);
  if (!why && r->exec.status == OrderStatus::unknown)
    why = {RejectReason::order_unknown, "waiting for reconciliation"};
  if (why) {
    auto u = make_update(st.book, *r, rq.timestamp);
    set_refusal(u, why);
    reply(self, u);
    return;
  }
  journal_route_answer(self, "replace_requested", rq, rq, make_update(st.book, *r, rq.timestamp),
                       reply);
}

/// Applies one execution once (dedup by execution id), journals it as `event`, then reports
/// it to the books, risk and the submitter. False for an execution already seen. A fill whose
/// commission the venue has not told yet is journaled as `<event>_commission_pending`.
bool record_fill(om_actor* self, order_record& r, const Fill& f, std::string event,
                 bool commission_pending = false) {
  auto& st = self->state;
  auto out = st.book.apply_fill(r, f, commission_pending);
  if (!out.applied)
    return false;
  if (commission_pending)
    event += commission_pending_suffix;
  if (out.overfill)
    st.log->error("overfill on {}: executed {} of {}", r.exec.order_id,
                  r.exec.executed_quantity.to_string(), r.exec.quantity.to_string());
  if (!out.step.ok) // the execution happened at the venue: recorded whatever our state says
    st.log->error("fill {} on {}: {}; recorded anyway", f.exec_id, r.exec.order_id,
                  out.step.reason);
  Fill fill = f;
  fill.order_id = r.exec.order_id;
  fill.client_order_id = r.exec.client_order_id;
  auto u = make_update(st.book, r, f.timestamp);
  journal_then(self, event, fill, [=, to = submitter_of(self, r)] {
    fan_out_fill(self, to, fill, &u);
  });
  return true;
}

/// The commission of a fill journaled as pending: journaled as its completion record, then
/// booked (the books and risk get the zero-quantity completion; the submitter the order's new
/// total). Once per exec id: a second completion, or one for a fill not pending, is ignored.
bool complete_commission(om_actor* self, order_record& r, const std::string& exec_id, Money c) {
  auto completion = self->state.book.complete_commission(r, exec_id, c);
  if (!completion)
    return false;
  auto u = make_update(self->state.book, r, completion->timestamp);
  journal_then(self, std::string{commission_completed_event}, *completion,
               [=, to = submitter_of(self, r), completion = *completion] {
                 for (auto name : {names::position_keeper, names::risk_manager})
                   if (auto p = self->state.peer(name))
                     self->state.out.send(self, outbox::core, p, completion);
                 fan_out_update(self, to, u);
               });
  return true;
}

void on_fill_report(om_actor* self, order_record& r, const ExecutionReport& rep) {
  auto& log = self->state.log;
  if (is_commission_completion(rep)) {
    if (!complete_commission(self, r, rep.fill.exec_id, rep.fill.commission))
      log->debug("commission of {} for {} ignored: not pending", rep.fill.exec_id,
                 r.exec.order_id);
    return;
  }
  if (!record_fill(self, r, rep.fill, "fill", is_commission_pending(rep)))
    log->warn("duplicate fill {} for {} ignored", rep.fill.exec_id, r.exec.order_id);
}

void reconcile_broker(om_actor* self, const std::string& broker);

/// A leg of a multi-leg order ("<parent>.tp" / ".sl", messages/order_legs.hpp) is an order the
/// venue made: its record is made on the first word of it, as the parent's strategy's, so its
/// updates and fills reach that strategy. `seen` is what the venue said of it. Null when `id`
/// is no leg of a known order.
order_record* adopt_leg(om_actor* self, const std::string& id, const OrderUpdate& seen) {
  auto& st = self->state;
  std::string parent_id;
  OrderLeg leg;
  if (!parse_leg_order_id(id, parent_id, leg))
    return nullptr;
  auto* p = st.book.find(parent_id);
  if (!p)
    return nullptr;
  const auto& parent = *p;
  order_record rec;
  // A parent recovered from the journal has no leg prices: the venue's word fills in.
  auto req = leg_request(st.book.routed_request(parent), leg);
  req.timestamp = seen.timestamp;
  if (!seen.ticker.empty()) {
    req.ticker = seen.ticker;
    req.side = seen.side;
  }
  auto venue_qty = seen.executed_quantity + seen.leaves_quantity;
  if (venue_qty.is_positive())
    req.quantity = venue_qty;
  rec.exec = st.book.state_of(req);
  rec.terms = terms_of(req);
  rec.submitter = st.submitters.acquire(submitter_of(self, parent));
  rec.broker = parent.broker;
  auto& r = st.book.take(std::move(rec));
  st.log->info("order {}: its {} leg {} is working at the venue", parent_id, enum_name(leg), id);
  journal_then(self, "accepted", st.book.routed_request(r), [] {});
  return &r;
}

/// A fill of an order that closed and left the book (it crossed its cancel in flight, or
/// reconciliation found it): booked once to the positions, risk and the journal, where the
/// order's other records are. Its strategy hears of it as a subscriber only.
void book_retired_fill(om_actor* self, const Fill& f, const char* event) {
  auto& st = self->state;
  if (!st.book.take_retired_fill(f)) {
    st.log->debug("fill {} of retired order {} ignored: seen before", f.exec_id, f.order_id);
    return;
  }
  st.log->warn("fill {} of {} ({} {} at {}), an order that closed and left the book: booked",
               f.exec_id, f.order_id, f.quantity.to_string(), f.ticker, f.price.to_string());
  journal_then(self, event, f, [=] { fan_out_fill(self, caf::actor{}, f); });
}

/// A venue's word on an order the book no longer holds: only an execution still matters.
void on_retired_order_report(om_actor* self, const ExecutionReport& rep) {
  bool execution = rep.event == OrderEvent::fill || rep.event == OrderEvent::partial_fill;
  if (!execution || is_commission_completion(rep)) {
    self->state.log->debug("{} on {} ignored: the order closed and left the book",
                           enum_name(rep.event), rep.update.order_id);
    return;
  }
  Fill f = rep.fill;
  f.order_id = rep.update.order_id;
  book_retired_fill(self, f, "fill");
}

void on_execution_report(om_actor* self, const ExecutionReport& rep) {
  auto& st = self->state;
  auto* found = st.book.find(rep.update.order_id);
  if (!found)
    found = adopt_leg(self, rep.update.order_id, rep.update);
  if (!found) {
    if (st.book.retired(rep.update.order_id))
      on_retired_order_report(self, rep);
    else
      st.log->error("execution report for unknown order {} ({})", rep.update.order_id,
                    enum_name(rep.event));
    return;
  }
  auto& r = *found;
  st.book.venue_answered(r);
  if (rep.event == OrderEvent::lose) {
    // The answer was lost: only the venue can tell what happened, so ask it.
    auto t = transition(r.exec.status, OrderEvent::lose);
    if (t.ok && r.exec.status != OrderStatus::unknown) {
      st.book.change(r, [&] { r.exec.status = t.status; });
      auto u = make_update(st.book, r, rep.update.timestamp);
      u.reason = rep.update.reason;
      journal_then(self, "unknown", u, [=, to = submitter_of(self, r)] { fan_out_update(self, to, u); });
    }
    reconcile_broker(self, r.broker->empty() ? st.opts.broker_name : *r.broker);
    return;
  }
  if (rep.event == OrderEvent::fill || rep.event == OrderEvent::partial_fill) {
    on_fill_report(self, r, rep);
    return;
  }
  const char* journal_event = "";
  if (rep.event == OrderEvent::replace) {
    // In-place amendment at the venue: same id, new quantity/prices.
    st.book.change(r, [&] {
      r.exec.quantity = rep.update.executed_quantity + rep.update.leaves_quantity;
    });
    journal_event = "replaced";
  } else {
    auto t = transition(r.exec.status, rep.event, r.exec.executed_quantity.is_positive());
    if (!t.ok) {
      // A refused cancel of an order that finished meanwhile is an ordinary race.
      auto level = rep.event == OrderEvent::cancel_reject ? spdlog::level::debug
                                                          : spdlog::level::warn;
      st.log->log(level, "{} on {}: {}", enum_name(rep.event), r.exec.order_id, t.reason);
      return;
    }
    st.book.change(r, [&] { r.exec.status = t.status; });
    switch (rep.event) {
      case OrderEvent::accept: journal_event = "acknowledged"; break;
      case OrderEvent::reject:
        // The venue's own words stay the text; the code is the adapter's, else venue_reject.
        journal_event = "rejected";
        r.exec.set_reason(rep.update.reason);
        r.reject = rep.update.reject != RejectReason::none ? rep.update.reject
                                                           : RejectReason::venue_reject;
        count_reject(self, r.reject);
        break;
      case OrderEvent::cancel:
        journal_event = "canceled";
        r.exec.set_reason(rep.update.reason);
        break;
      case OrderEvent::expire:
        journal_event = "expired";
        r.exec.set_reason(rep.update.reason);
        break;
      case OrderEvent::cancel_reject:
        journal_event = "cancel_rejected";
        break;
      default: journal_event = "updated"; break;
    }
  }
  auto u = make_update(st.book, r, rep.update.timestamp);
  if (rep.event == OrderEvent::cancel_reject)
    u.reason = rep.update.reason;
  // An acknowledgement or a refused cancel leaves the quantities in the book as they were,
  // so the risk manager's open exposure stays: one message less per order.
  bool to_risk = rep.event != OrderEvent::accept && rep.event != OrderEvent::cancel_reject;
  journal_then(self, journal_event, u, [=, to = submitter_of(self, r)] {
    fan_out_update(self, to, u, to_risk);
  });
}


/// Marks every order at `broker` whose submit, cancel or replace is unanswered as unknown.
void lose_in_flight(om_actor* self, const std::string& broker, const std::string& why,
                    int64_t older_than_ns = 0) {
  auto& st = self->state;
  auto now = st.wall.now();
  std::vector<std::pair<std::string, int64_t>> sent{st.book.awaiting().begin(),
                                                    st.book.awaiting().end()};
  std::sort(sent.begin(), sent.end()); // the same journal order in every run
  for (auto& [id, since] : sent) {
    auto& r = *st.book.find(id);
    if (!is_open(r.exec.status) || *r.broker != broker)
      continue;
    if (older_than_ns > 0 && now - since < older_than_ns)
      continue;
    st.book.venue_answered(r);
    auto t = transition(r.exec.status, OrderEvent::lose);
    if (!t.ok || r.exec.status == OrderStatus::unknown)
      continue;
    st.book.change(r, [&] { r.exec.status = t.status; });
    auto u = make_update(st.book, r, st.wall.now());
    u.reason = "outcome unknown: " + why;
    journal_then(self, "unknown", u, [=, to = submitter_of(self, r)] { fan_out_update(self, to, u); });
  }
}

/// Applies one event that reconciliation found (a fill, or the venue's final status).
/// `reason` is the change's text; a reject also has its code.
void apply_found(om_actor* self, order_record& r, OrderEvent ev, const std::string& reason,
                 timestamp_ns ts, RejectReason code = RejectReason::none) {
  auto t = transition(r.exec.status, ev, r.exec.executed_quantity.is_positive());
  if (!t.ok || t.status == r.exec.status)
    return;
  self->state.book.change(r, [&] { r.exec.status = t.status; });
  if (!reason.empty())
    r.exec.set_reason(reason);
  if (ev == OrderEvent::reject) {
    r.reject = code;
    count_reject(self, code);
  }
  auto u = make_update(self->state.book, r, ts);
  const char* event = ev == OrderEvent::accept   ? "acknowledged"
                      : ev == OrderEvent::reject ? "rejected"
                      : ev == OrderEvent::cancel ? "canceled"
                      : ev == OrderEvent::expire ? "expired"
                                                 : "updated";
  journal_then(self, event, u, [=, to = submitter_of(self, r)] { fan_out_update(self, to, u); });
}

/// A fill the venue has and the engine does not: journaled as found by reconciliation,
/// applied once (dedup by execution id), reported like any fill.
void apply_found_fill(om_actor* self, order_record& r, const Fill& f) {
  auto& st = self->state;
  if (st.book.seen(f.exec_id)) {
    // The venue answers only fills whose commission it knows: one still pending here is
    // completed by it (the live completion may have been lost with a connection).
    if (st.book.commission_pending(f.exec_id))
      complete_commission(self, r, f.exec_id, f.commission);
    return;
  }
  st.log->warn("reconciliation: fill {} of {} ({} {} at {}) was missing; journaled now",
               f.exec_id, r.exec.order_id, f.quantity.to_string(), f.ticker,
               f.price.to_string());
  ++st.reconciliation["fills_recovered"];
  record_fill(self, r, f, "fill_reconciled");
}

/// What the venue answered, gathered before anything is applied.
struct venue_view {
  std::vector<OrderExecution> open;
  std::vector<Fill> fills;
  std::map<std::string, OrderExecution> asked; // engine-open orders not open there
  std::vector<Position> positions;
  int pending = 0;
  std::string error;
};

void finish_reconcile(om_actor* self, const std::string& broker, const venue_view& v) {
  auto& st = self->state;
  auto& route = st.brokers[broker];
  route.reconciling = false;
  if (!v.error.empty()) {
    // Orders stay refused until the venue has answered: ask again shortly.
    st.log->error("reconciliation with {} failed: {}; trying again in 1 s", broker, v.error);
    self->delayed_send(self, std::chrono::seconds(1), reconcile_atom::value, broker);
    return;
  }
  auto now = st.wall.now();
  auto fills_of = [&](order_record& r, const std::vector<Fill>& fs) {
    for (auto& f : fs)
      apply_found_fill(self, r, f);
  };
  // Fills first, so final statuses follow from them.
  for (auto& f : v.fills) {
    auto* r = st.book.find(f.order_id);
    if (!r && st.book.retired(f.order_id)) {
      book_retired_fill(self, f, "fill_reconciled");
      continue;
    }
    if (!r) {
      OrderUpdate seen;
      seen.ticker = f.ticker;
      seen.side = f.side;
      seen.timestamp = f.timestamp;
      r = adopt_leg(self, f.order_id, seen);
    }
    if (r)
      apply_found_fill(self, *r, f);
  }
  std::set<std::string> open_there;
  for (auto& e : v.open) {
    open_there.insert(e.order_id);
    auto* found = st.book.find(e.order_id);
    if (!found) {
      OrderUpdate seen;
      seen.ticker = e.ticker;
      seen.side = e.side;
      seen.leaves_quantity = e.quantity;
      seen.timestamp = e.timestamp;
      found = adopt_leg(self, e.order_id, seen);
    }
    if (!found) {
      // Open at the venue, unknown here: adopted, marked external.
      order_record rec;
      OrderExecution theirs = e;
      theirs.strategy = "external";
      theirs.fills.clear();
      theirs.executed_quantity = Quantity{};
      theirs.status = OrderStatus::new_;
      rec.exec = st.book.state_of(std::move(theirs));
      rec.terms.timestamp = rec.exec.timestamp;
      rec.broker = st.book.route(broker);
      auto id = e.order_id;
      auto& adopted = st.book.take(std::move(rec));
      ++st.reconciliation["orders_adopted"];
      st.log->warn("reconciliation: order {} ({} {}) is open at {} but was not sent by this "
                   "engine: adopted as external",
                   id, e.ticker, e.quantity.to_string(), broker);
      journal_then(self, "accepted", st.book.routed_request(adopted), [] {});
      fills_of(adopted, e.fills);
      continue;
    }
    auto& r = *found;
    fills_of(r, e.fills);
    if (r.exec.status == OrderStatus::unknown) {
      apply_found(self, r, OrderEvent::accept, "", now);
      ++st.reconciliation["unknown_resolved"];
    }
  }
  // Engine-open orders the venue no longer has open: closed with the venue's final status.
  st.book.for_each([&](const std::string& id, order_record& r) {
    if (*r.broker != broker || !is_open(r.exec.status) || open_there.count(id))
      return;
    bool was_unknown = r.exec.status == OrderStatus::unknown;
    auto a = v.asked.find(id);
    if (a != v.asked.end() && !a->second.order_id.empty()) {
      fills_of(r, a->second.fills);
      switch (a->second.status) {
        case OrderStatus::canceled:
          apply_found(self, r, OrderEvent::cancel, "reconciled: canceled at " + broker, now);
          break;
        case OrderStatus::expired:
          apply_found(self, r, OrderEvent::expire, "reconciled: expired at " + broker, now);
          break;
        case OrderStatus::rejected:
          apply_found(self, r, OrderEvent::reject,
                      // The venue's own words, as when it reports a reject itself.
                      a->second.reason.empty()
                        ? refusal{RejectReason::venue_reject, "rejected at " + broker}.text()
                        : a->second.reason,
                      now, RejectReason::venue_reject);
          break;
        case OrderStatus::filled: break; // its fills did it
        default:
          // Open there after all (it opened between the two answers): leave it open.
          if (was_unknown)
            apply_found(self, r, OrderEvent::accept, "", now);
          return;
      }
    } else if (r.exec.executed_quantity.is_positive()) {
      apply_found(self, r, OrderEvent::cancel, "reconciled: not open at " + broker, now);
    } else if (was_unknown) {
      refusal why{RejectReason::not_at_broker, broker + " never received it"};
      apply_found(self, r, OrderEvent::reject, why.text(), now, why.code);
    } else {
      apply_found(self, r, OrderEvent::cancel,
                  "reconciled: not open at " + broker + " after restart", now);
    }
    if (was_unknown)
      ++st.reconciliation["unknown_resolved"];
    ++st.reconciliation["orders_closed"];
  });
  // Positions: after every fill is applied they must agree; never invent a fill to make them.
  if (!v.positions.empty() || route.supervised) {
    auto ours = st.book.net_position(broker); // retired orders' fills included
    std::map<std::string, Quantity> theirs;
    for (auto& p : v.positions)
      theirs[p.ticker] = p.quantity;
    std::set<std::string> tickers;
    for (auto& [t, q] : ours)
      tickers.insert(t);
    for (auto& [t, q] : theirs)
      tickers.insert(t);
    for (auto& t : tickers) {
      if (ours[t] == theirs[t])
        continue;
      ++st.reconciliation["position_mismatches"];
      st.log->critical("reconciliation: position in {} at {} is {}, the engine's fills make {}; "
                       "trading in {} goes to reducing until an operator clears it",
                       t, broker, theirs[t].to_string(), ours[t].to_string(), t);
      if (auto risk = st.peer(names::risk_manager))
        st.out.send(self, outbox::core, risk, reduce_atom::value, t, true);
    }
  }
  // The cancels kept while it was away go out now (for orders still open).
  auto kept = std::move(route.kept_cancels);
  route.kept_cancels.clear();
  for (auto& c : kept) {
    auto* r = st.book.find(c.order_id);
    if (!r || !is_open(r->exec.status))
      continue;
    if (r->exec.status != OrderStatus::pending_cancel)
      st.book.step(*r, OrderEvent::cancel_request);
    st.book.await_venue(*r, st.wall.now());
    if (auto b = st.peers.get(broker))
      st.out.send(self, outbox::core, b, c);
  }
  st.log->info("reconciled with {}: {} open there, {} fills reported, {} kept cancels sent",
               broker, v.open.size(), v.fills.size(), kept.size());
  // The supervisor lets orders flow again.
  if (route.supervised && route.status.state == BrokerState::reconciling) {
    auto h = st.peers.get(broker);
    if (!h)
      h = route.supervisor;
    if (h)
      st.out.send(self, outbox::core, h, reconcile_atom::value, broker);
  }
  if (route.again) {
    route.again = false;
    reconcile_broker(self, broker);
  }
  bool busy = false;
  for (auto& [n, r] : st.brokers)
    busy = busy || r.reconciling;
  if (!busy) {
    st.out.flush(self);
    for (auto& rp : st.reconcile_waiters)
      rp.deliver(true);
    st.reconcile_waiters.clear();
  }
}

/// Asks the venue what it has (open orders, fills since the watermark, each engine-open order
/// it no longer lists, positions), then applies it. One at a time per broker.
void reconcile_broker(om_actor* self, const std::string& broker) {
  auto& st = self->state;
  auto& route = st.brokers[broker];
  if (route.reconciling) {
    route.again = true;
    return;
  }
  auto h = st.peers.get(broker);
  if (!h)
    h = route.supervisor; // it may speak before the node has registered its name
  if (!h)
    return;
  route.reconciling = true;
  // Fills since the oldest order still open here (a lost fill belongs to one of them) or the
  // oldest fill still waiting for its commission (the answer completes it).
  timestamp_ns since = st.book.oldest_pending_commission(broker);
  st.book.for_each([&](const std::string&, order_record& r) {
    if (*r.broker == broker && is_open(r.exec.status))
      since = std::min(since, r.exec.timestamp);
  });
  if (since == INT64_MAX)
    since = 0;
  auto view = std::make_shared<venue_view>();
  constexpr auto timeout = std::chrono::seconds(10);
  auto done = [=] {
    if (--view->pending == 0)
      finish_reconcile(self, broker, *view);
  };
  auto fail = [=](caf::error& e) {
    if (view->error.empty())
      view->error = self->system().render(e);
    if (--view->pending == 0)
      finish_reconcile(self, broker, *view);
  };
  view->pending = 3;
  st.out.flush(self); // the venue answers after what was sent to it before
  self->request(h, timeout, orders_atom::value)
    .then(
      [=](std::vector<OrderExecution>& open) {
        view->open = std::move(open);
        std::set<std::string> there;
        for (auto& e : view->open)
          there.insert(e.order_id);
        // Each engine-open order the venue does not list: asked by its client order id.
        std::vector<std::string> missing;
        self->state.book.for_each([&](const std::string& id, order_record& r) {
          if (*r.broker == broker && is_open(r.exec.status) && !there.count(id))
            missing.push_back(id);
        });
        // A rate-limited venue (Alpaca: 200 requests a minute) answers them one after another:
        // the base timeout plus a second for each, or a large reconciliation never completes.
        auto get_timeout = timeout + std::chrono::seconds(missing.size());
        for (auto& oid : missing) {
          ++view->pending;
          self->request(h, get_timeout, get_atom::value, oid)
            .then(
              [=](OrderExecution& e) {
                view->asked[oid] = std::move(e);
                done();
              },
              fail);
        }
        done();
      },
      fail);
  self->request(h, timeout, fills_atom::value, since)
    .then(
      [=](std::vector<Fill>& fs) {
        view->fills = std::move(fs);
        done();
      },
      fail);
  self->request(h, timeout, positions_atom::value)
    .then(
      [=](std::vector<Position>& ps) {
        view->positions = std::move(ps);
        done();
      },
      fail);
}

void on_broker_status(om_actor* self, const BrokerStatus& s) {
  auto& st = self->state;
  auto& route = st.brokers[s.broker];
  auto before = route.status.state;
  st.log->debug("broker {} is {} (was {})", s.broker, enum_name(s.state), enum_name(before));
  route.supervised = true;
  route.status = s;
  if (auto from = caf::actor_cast<caf::actor>(self->current_sender()))
    route.supervisor = from;
  switch (s.state) {
    case BrokerState::reconciling:
      reconcile_broker(self, s.broker);
      break;
    case BrokerState::connected:
      break;
    default:
      if (before == BrokerState::connected || before == BrokerState::reconciling)
        lose_in_flight(self, s.broker, "connection to " + s.broker + " lost (" + s.reason + ")");
      break;
  }
}

/// One timer for every answer timeout: unanswered orders become unknown and are reconciled.
void check_timeouts(om_actor* self) {
  auto& st = self->state;
  auto now = st.wall.now();
  expire(st.risk_checks, now - risk_timeout_ns,
         {RejectReason::risk_unavailable, "no answer from the risk manager within 10 s"});
  expire(st.journal_records, now - journal_timeout_ns,
         {RejectReason::journal_failure, "no answer from the trade logger within 30 s"});
  std::set<std::string> late;
  for (auto& [id, since] : st.book.awaiting()) {
    auto& r = *st.book.find(id);
    auto i = st.opts.answer_timeout_ms.find(*r.broker);
    int64_t limit = (i == st.opts.answer_timeout_ms.end() ? st.opts.default_answer_timeout_ms
                                                            : i->second) * 1'000'000;
    if (now - since >= limit)
      late.insert(*r.broker);
  }
  for (auto& b : late) {
    auto i = st.opts.answer_timeout_ms.find(b);
    int64_t limit = (i == st.opts.answer_timeout_ms.end() ? st.opts.default_answer_timeout_ms
                                                            : i->second) * 1'000'000;
    lose_in_flight(self, b, "no answer from " + b + " in time", limit);
    if (!unavailable(st, b))
      reconcile_broker(self, b);
  }
  // Closed orders past the recent bound leave the book (their journal keeps them): up to
  // tick_retirements here (about 2 ms), the rest two with each new order (on_new_order).
  st.book.retire(release_submitter(st), tick_retirements);
  self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
}

OrderStats compute_stats(const order_manager_state& st) {
  OrderStats s;
  for (auto& [kind, n] : st.reconciliation)
    s.reconciliation.push_back(ReasonCount{kind, n});
  st.book.fill_in(s);
  for (auto& [name, route] : st.brokers)
    if (route.supervised)
      s.brokers.push_back(route.status);
  s.halt_reason = st.halt_reason;
  for (size_t code = 0; code < st.rejects_by_code.size(); ++code)
    if (auto n = st.rejects_by_code[code])
      s.rejects_by_reason.push_back(
        ReasonCount{std::string{enum_names<RejectReason>::values[code]}, n});
  std::sort(s.rejects_by_reason.begin(), s.rejects_by_reason.end(),
            [](const ReasonCount& a, const ReasonCount& b) { return a.reason < b.reason; });
  return s;
}

/// Takes the orders the journal recovered back into the books.
void restore(om_actor* self) {
  auto& st = self->state;
  // The journal keeps no route: the default broker's.
  if (st.book.restore(std::move(st.opts.recovered), st.opts.commissions_pending,
                      st.opts.broker_name, st.opts.reject_codes) > 0)
    st.ready = false;
  st.opts.recovered.clear();
  st.opts.reject_codes.clear();
}

/// Open orders the journal remembers but the venue does not know were lost
/// with it (a restarted simulator, an order the broker never received): they
/// are canceled here, journaled, and reported, before anything new is accepted.
void reconcile(om_actor* self, const std::vector<OrderExecution>& at_venue) {
  auto& st = self->state;
  std::unordered_set<std::string> known;
  for (auto& e : at_venue)
    known.insert(e.order_id);
  size_t canceled = 0;
  st.book.for_each([&](const std::string& id, order_record& r) {
    if (!is_open(r.exec.status) || known.count(id))
      return;
    st.book.change(r, [&] { r.exec.status = OrderStatus::canceled; });
    r.exec.set_reason("reconciled: not open at the broker after restart");
    ++canceled;
    auto u = make_update(st.book, r, r.exec.timestamp);
    journal_then(self, "canceled", u, [=, to = submitter_of(self, r)] { fan_out_update(self, to, u); });
  });
  st.ready = true;
  st.log->warn("reconciled recovered orders with the broker: {} open there, {} canceled here",
               at_venue.size(), canceled);
}

caf::behavior order_manager_impl(om_actor* self, order_manager_options opts) {
  self->state.opts = std::move(opts);
  self->state.peers = peer_cache{self->state.opts.directory};
  self->state.book = order_book{self->state.opts.id_prefix, self->state.opts.first_id,
                                self->state.opts.max_recent_closed_orders};
  self->state.log = logger("order_manager");
  restore(self);
  for (auto& b : self->state.opts.supervised) {
    auto& route = self->state.brokers[b];
    route.supervised = true;
    route.status.broker = b;
    route.status.state = BrokerState::connecting;
  }
  self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
  self->set_down_handler([=](const caf::down_msg& d) {
    auto& st = self->state;
    if (d.source == st.watched_risk) {
      st.log->critical("the risk manager is gone ({}): its open checks are refused",
                       caf::to_string(d.reason));
      st.watched_risk = caf::actor_addr{};
      settle(st.risk_checks, UINT64_MAX, false,
             {RejectReason::risk_unavailable, "the risk manager is gone"});
    }
    if (d.source == st.watched_logger) {
      st.log->critical("the trade logger is gone ({}): its unwritten records are refused",
                       caf::to_string(d.reason));
      st.watched_logger = caf::actor_addr{};
      settle(st.journal_records, UINT64_MAX, false,
             {RejectReason::journal_failure, "the trade logger is gone"});
    }
  });
  // Smart batching: the outbox's flush and MessageBatch come first, then the order path's
  // messages (CAF 0.17 tries the handlers in this order).
  return batching_behavior(
    self, &self->state.out,
    [=](const ExecutionReport& rep) { on_execution_report(self, rep); },
    [=](check_atom, uint64_t n, RejectReason code, const std::string& detail) {
      // Answers come in the order asked: any older one still waiting was lost.
      auto& q = self->state.risk_checks;
      if (n == 0)
        return; // numbers start at 1: nothing of ours (and n - 1 would fail every check)
      settle(q, n - 1, false, {RejectReason::risk_unavailable, "no answer from the risk manager"});
      settle(q, n, true, {code, detail});
    },
    [=](durable_atom, uint64_t upto, bool ok, const std::string& err) {
      settle(self->state.journal_records, upto, ok,
             ok ? refusal{} : refusal{RejectReason::journal_failure, err});
    },
    // The same commands one-way, answered (orders_atom, tag, OrderUpdate) to `reply_to`.
    [=](orders_atom, const std::string& reply_to, uint64_t tag, OrderRequest& req) {
      on_new_order(self, std::move(req), one_way(self, reply_to, tag));
    },
    [=](orders_atom, const std::string& reply_to, uint64_t tag, const CancelRequest& c) {
      on_cancel(self, c, one_way(self, reply_to, tag));
    },
    [=](orders_atom, const std::string& reply_to, uint64_t tag, const ReplaceRequest& r) {
      on_replace(self, r, one_way(self, reply_to, tag));
    },
    [=](OrderRequest& req) -> caf::result<OrderUpdate> {
      auto a = asked(self);
      on_new_order(self, std::move(req), a);
      return a.promise;
    },
    [=](const CancelRequest& c) -> caf::result<OrderUpdate> {
      auto a = asked(self);
      on_cancel(self, c, a);
      return a.promise;
    },
    [=](const ReplaceRequest& r) -> caf::result<OrderUpdate> {
      auto a = asked(self);
      on_replace(self, r, a);
      return a.promise;
    },
    // The node is stopping (sent ahead of the backlog, at high priority): new orders are
    // refused from now on without a risk check or a journal record; the rest goes on.
    [=](stop_atom) {
      if (!self->state.closing)
        self->state.log->info("stopping: new orders are refused (shutting_down)");
      self->state.closing = true;
    },
    [=](sync_atom, const std::string& who, uint64_t token) {
      // A barrier: answered once every journal record sent so far is answered
      // and what it released (acks, fan-out) has been sent.
      if (self->state.journal_in_flight == 0)
        self->state.answer_sync(self, who, token);
      else
        self->state.sync_waiters.emplace_back(who, token);
    },
    [=](const BrokerStatus& s) { on_broker_status(self, s); },
    [=](tick_atom) {
      process_metrics().sample_mailbox(watched_actor::order_manager, self);
      check_timeouts(self);
    },
    [=](reconcile_atom, const std::string& broker) { reconcile_broker(self, broker); },
    [=](reconcile_atom) -> caf::result<bool> {
      // Every broker that can answer, once; answered when all are done.
      auto& st = self->state;
      std::vector<std::string> names;
      names.push_back(st.opts.broker_name);
      for (auto& [n, r] : st.brokers)
        if (n != st.opts.broker_name)
          names.push_back(n);
      auto rp = self->make_response_promise<bool>();
      auto left = std::make_shared<size_t>(0);
      for (auto& n : names)
        if (!unavailable(st, n) && st.peers.get(n)) {
          ++*left;
          reconcile_broker(self, n);
        }
      if (*left == 0) {
        rp.deliver(true);
        return rp;
      }
      self->state.reconcile_waiters.push_back(rp);
      return rp;
    },
    [=](get_atom, const std::string& order_id) -> OrderExecution {
      auto* r = self->state.book.find_any(order_id);
      return r ? self->state.book.execution(*r) : OrderExecution{};
    },
    [=](orders_atom) -> std::vector<OrderExecution> {
      return self->state.book.executions(false);
    },
    [=](orders_atom, bool include_closed) -> std::vector<OrderExecution> {
      // The operator's view (HTTP API): open orders and the recent closed ones, in id order.
      return self->state.book.executions(include_closed);
    },
    [=](stats_atom) -> OrderStats { return compute_stats(self->state); },
    [=](start_atom) -> caf::result<bool> {
      if (self->state.ready)
        return true;
      if (self->state.brokers.count(self->state.opts.broker_name)) {
        // A supervised broker reconciles on every (re)connect, recovered orders included.
        self->state.ready = true;
        return true;
      }
      auto broker = self->state.peer(self->state.opts.broker_name);
      if (!broker) {
        reconcile(self, {});
        return true;
      }
      auto rp = self->make_response_promise<bool>();
      self->state.out.flush(self);
      self->request(broker, std::chrono::seconds(30), orders_atom::value)
        .then(
          [=](const std::vector<OrderExecution>& at_venue) mutable {
            reconcile(self, at_venue);
            rp.deliver(true);
          },
          [=](caf::error& e) mutable {
            // Without the venue's answer nothing can be trusted: stay not ready.
            self->state.log->critical("cannot reconcile with the broker: {}",
                                      self->system().render(e));
            rp.deliver(false);
          });
      return rp;
    },
    [=](subscribe_atom, caf::actor& who) {
      self->state.subscribers.push_back(std::move(who));
    });
}

} // namespace

caf::actor spawn_order_manager(caf::actor_system& sys, order_manager_options opts) {
  return sys.spawn(order_manager_impl, std::move(opts));
}

} // namespace engine
