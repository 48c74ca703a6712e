// The order manager's book: ids, idempotency, state transitions and fill arithmetic, no actors.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/orders/client_id_fence.hpp"
#include "actors/orders/order_state.hpp"
#include "actors/orders/order_tally.hpp"
#include "messages/order_state_machine.hpp"
#include "messages/orders.hpp"
#include "messages/slot_store.hpp"
#include "messages/string_pool.hpp"
#include "messages/sequence_index.hpp"
#include "messages/string_index.hpp"
#include "messages/string_set.hpp"
#include "messages/u64_map.hpp"

namespace engine {

/// The terms few orders have: trailing, gtd, bracket legs, extended hours.
struct order_rare_terms {
  timestamp_ns expire_time = 0;
  Price trail_amount;
  Rate trail_percent;
  Price take_profit_limit_price;
  Price stop_loss_stop_price;
  Price stop_loss_limit_price;
  OrderClass order_class = OrderClass::simple;
  bool extended_hours = false;
};

/// What of an accepted request its execution does not hold (routed_request() puts the two
/// together): when it was sent, and the rare terms, kept only by an order that has them.
struct order_terms {
  timestamp_ns timestamp = 0;
  std::unique_ptr<order_rare_terms> rare; // null: all at their defaults
};

/// The terms of `req` that execution_from(req) leaves out.
order_terms terms_of(const OrderRequest& req);

/// The broker name of a record not routed yet.
extern const std::string no_route;

/// One order the book holds.
struct order_record {
  order_state exec;      // its state now, with its fills
  order_terms terms;     // the rest of the request as accepted
  const std::string* broker = &no_route; // where it was routed: a name from order_book::route()
  uint32_t submitter = 0; // the actor's index of who gets its updates (0: nobody)
  RejectReason reject = RejectReason::none; // why it was refused; exec.reason is the text
  bool awaiting = false; // a submit, cancel or replace is unanswered (since when: awaiting())
};
static_assert(sizeof(order_record) <= 128, "a resting order's record grew");

/// What applying one execution did.
struct fill_outcome {
  bool applied = false;  // false: its exec id was seen before, nothing changed
  bool overfill = false; // it took the executed quantity past the order's
  transition_result step; // the status change; not ok: the fill was booked anyway
};

/// The books of the order manager, a plain class so that its arithmetic is tested without
/// actors. It holds every open order and the most recent closed ones: a closed order leaves
/// when more than `max_recent_closed` orders closed after it (it stays in the journal), unless
/// a commission of its fills is still pending. What is kept of it is three 64-bit hashes: of
/// its order id, of its client order id (a resubmission is still refused, never taken as a
/// second order) and of its exec ids (a late fill that crossed its cancel is booked once).
class order_book {
public:
  order_book(std::string id_prefix, uint64_t first_id, size_t max_recent_closed);

  /// The book's one copy of a broker's name, for order_record::broker.
  const std::string* route(const std::string& broker);

  // --- records and the messages made of them ----------------------------------------------
  /// The id of a ticker or strategy name in the book's names (order_state::ticker, ::strategy).
  uint32_t intern(std::string_view name) { return names_->intern(name); }
  const std::string& name(uint32_t id) const { return names_->name(id); }
  /// A new order's state: its request's fields, nothing executed yet (execution_from).
  order_state state_of(const OrderRequest& req);
  /// The state an execution record describes (one recovered, or a venue's).
  order_state state_of(OrderExecution e);
  /// The record as an OrderExecution, its fills included.
  OrderExecution execution(const order_record& r) const;
  /// The order as accepted and routed to its venue, `broker` the venue it went to (the record
  /// keeps each field once: the state's, then the terms).
  OrderRequest routed_request(const order_record& r) const;

  // --- ids and idempotency ---------------------------------------------------------------
  /// The next order id, <prefix>-<n>.
  std::string next_order_id();
  /// The order this client order id names, while the book holds it.
  order_record* by_client_id(const std::string& client_order_id);
  /// True when the client order id was used by an order that finished and left the book.
  bool client_id_retired(const std::string& client_order_id) const;

  // --- holding ---------------------------------------------------------------------------
  /// Takes a new record under its exec.order_id (and indexes its client order id). An id the
  /// book already holds keeps its record, which is returned.
  order_record& take(order_record rec);
  order_record* find(std::string_view order_id);
  /// By order id, else by client order id.
  order_record* find_any(const std::string& id);
  size_t held() const { return by_seq_.size() + by_id_.size(); }

  /// Every held record, in the order of their slots. `f(const std::string& id,
  /// order_record&)`. `f` may change records (through change()), not take new ones.
  template <class F>
  void for_each(F&& f) {
    slots_->for_each([&](order_record& r) {
      if (!r.exec.order_id.empty())
        f(r.exec.order_id.str(), r); // a std::string: callers look it up in their own maps
    });
  }

  /// Held orders' states in id order (numeric order for <prefix>-<n> ids): the open ones, or
  /// the closed ones still held too.
  std::vector<OrderExecution> executions(bool include_closed) const;

  // --- state -----------------------------------------------------------------------------
  /// Changes a record under the tally: its counts leave before `f` and join after it; a
  /// record that closes joins the recent closed ones.
  template <class F>
  void change(order_record& r, F&& f) {
    bool was_open = is_open(r.exec.status);
    tally_.remove(r.exec);
    f();
    tally_.add(r.exec);
    if (was_open && !is_open(r.exec.status))
      closed_.push_back({r.exec.order_id, epoch_});
  }

  /// Applies the event through the state machine; on success the status changes.
  transition_result step(order_record& r, OrderEvent ev);

  /// Books one execution once (dedup by exec id): executed quantity, status, average price,
  /// commission, the fill itself and the net position at its broker. A fill the state
  /// machine would refuse is booked anyway (it happened at the venue) with `step` not ok.
  /// `commission_pending`: its commission comes later, through complete_commission.
  fill_outcome apply_fill(order_record& r, const Fill& f, bool commission_pending = false);
  bool seen(const std::string& exec_id) const { return seen_exec_ids_.count(exec_id) > 0; }
  /// True for an order that closed and left the book.
  bool retired(const std::string& order_id) const;
  /// A fill of a retired order (f.order_id; one that crossed its cancel in flight): true the
  /// first time its exec id is seen (counted in its broker's net position: book it to the
  /// positions and the journal), false for a duplicate or an order that is not retired.
  bool take_retired_fill(const Fill& f);
  bool commission_pending(const std::string& exec_id) const {
    return pending_commissions_.count(exec_id) > 0;
  }
  /// Books the commission of a fill booked as pending, once: the completion record (a
  /// zero-quantity fill carrying it), or nothing for a second completion or an unknown fill.
  std::optional<Fill> complete_commission(order_record& r, const std::string& exec_id, Money c);
  /// Oldest timestamp of a fill at `broker` whose commission is pending (INT64_MAX: none).
  timestamp_ns oldest_pending_commission(const std::string& broker);

  /// Net executed quantity per ticker of the fills booked at `broker` (buys positive),
  /// retired orders included: what the venue's positions must agree with.
  const std::map<std::string, Quantity>& net_position(const std::string& broker) {
    return net_[broker];
  }

  // --- venue answers ---------------------------------------------------------------------
  void await_venue(order_record& r, int64_t now_ns);
  void venue_answered(order_record& r);
  /// Orders whose submit, cancel or replace the venue has not answered: id -> wall ns sent.
  const std::unordered_map<std::string, int64_t>& awaiting() const { return awaiting_; }

  // --- start, counts, retiring -----------------------------------------------------------
  /// Takes the orders recovered from the journal, at `broker` (the journal keeps no route),
  /// the refused ones with their codes (recovered_state::reject_codes). Returns how many are
  /// open.
  size_t restore(std::vector<OrderExecution> recovered,
                 const std::vector<std::string>& commissions_pending, const std::string& broker,
                 const std::unordered_map<std::string, RejectReason>& reject_codes = {});
  /// The counts of OrderStats that are the book's (submitted, status counts, fills,
  /// commissions pending and completed into `reconciliation`).
  void fill_in(OrderStats& s) const;
  /// Lets closed orders past the recent bound leave (their journal keeps them), each shown to
  /// `leaving` first. An order leaves no earlier than the second call after it closed, so what
  /// was asked about it meanwhile (a journal record, a risk check) is answered while it is
  /// still held: the order manager calls it each second. Looks at no more than `at_most`
  /// closed orders. Returns how many left.
  size_t retire(const std::function<void(const order_record&)>& leaving = {},
                size_t at_most = SIZE_MAX);
  /// The same without starting a new period: the order manager lets a few leave with each
  /// new order, so that its tick (bounded too) never retires a second's worth at once.
  size_t retire_some(size_t at_most, const std::function<void(const order_record&)>& leaving);
  /// Whether retire_some would find an order to let leave.
  bool retirable() const {
    return closed_.size() > max_recent_closed_ && closed_.front().epoch < epoch_;
  }

private:
  template <class Message>
  order_state state_from(const Message& m); // the fields OrderRequest and OrderExecution share
  template <class Message>
  void fields_into(const order_state& s, Message& m) const;
  void index_client_id(uint32_t slot);
  uint32_t route_index(const std::string& broker); // in routes_, added when new
  void count_net(const std::string& broker, const Fill& f); // buys positive
  void forget(std::string_view order_id);
  std::optional<uint32_t> slot_of(std::string_view order_id) const; // by_seq_, then by_id_
  void index_order_id(uint32_t slot);

  std::string id_prefix_;
  uint64_t next_id_;
  size_t max_recent_closed_;
  /// The slot's order id, or its client order id: the two indexes' keys, in the records.
  struct order_id_of {
    const slot_store<order_record>* slots;
    std::string_view operator()(uint32_t i) const { return (*slots)[i].exec.order_id; }
  };
  struct client_id_of {
    const slot_store<order_record>* slots;
    std::string_view operator()(uint32_t i) const { return (*slots)[i].exec.client_order_id; }
  };

  // The records in slots (a record never moves; a freed slot is reused), found through two
  // open-addressing indexes keyed on the records' own ids: no node, no key copy.
  std::unique_ptr<slot_store<order_record>> slots_ = std::make_unique<slot_store<order_record>>();
  std::vector<uint32_t> free_slots_;
  // The slot last found: an order's answers come in runs (its acceptance and fills in one
  // report batch, its journal answer and routing), so find() tries it before the index.
  uint32_t last_found_ = UINT32_MAX;
  // Ids this book gave ("<prefix>-<n>") by number, the rest (recovered, adopted, or slid
  // out of the window) by hash: find() asks the window first.
  sequence_index by_seq_{id_prefix_};
  string_index<order_id_of> by_id_{order_id_of{slots_.get()}};
  string_index<client_id_of> by_client_id_{client_id_of{slots_.get()}};
  // Each client id prefix's highest number: a new "<prefix>-<n>" past it is looked up nowhere.
  client_id_fence client_ids_seen_;
  // Of orders that left: hashes of their ids (-> their broker), client ids and exec ids.
  u64_map retired_ids_;                               // -> index in routes_
  u64_map retired_client_ids_{false}, retired_exec_ids_{false}; // sets
  std::deque<std::string> routes_; // the brokers' names (a deque: they never move)
  std::unique_ptr<string_pool> names_ = std::make_unique<string_pool>(); // tickers, strategies
  string_set seen_exec_ids_;                         // of held orders' fills
  std::unordered_map<std::string, std::string> pending_commissions_; // exec id -> order id
  std::unordered_map<std::string, int64_t> awaiting_; // few: only orders in flight
  struct closed_order {
    compact_id id;
    uint64_t epoch = 0; // retire() calls before it closed
  };
  std::deque<closed_order> closed_; // oldest first
  uint64_t epoch_ = 0;
  std::map<std::string, std::map<std::string, Quantity>> net_;
  order_tally tally_;
  int64_t taken_ = 0, fills_ = 0, commissions_completed_ = 0;
};

} // namespace engine
