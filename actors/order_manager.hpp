// The order manager actor: ids, idempotency, the state machine, risk, journal, routing, fan-out.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "messages/orders.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace engine {

class actor_directory;
class order_event_tap;

/// Protocol (dynamically typed so that a remote proxy can stand in for any peer):
///   OrderRequest                 -> OrderUpdate   new order; status pending_new or rejected
///                                                 (a known client_order_id returns the existing order)
///   CancelRequest                -> OrderUpdate   status pending_cancel, or the reason it cannot be
///   ReplaceRequest               -> OrderUpdate
///   (orders_atom, reply_to, tag, OrderRequest | CancelRequest | ReplaceRequest)
///                                the same one-way: (orders_atom, tag, OrderUpdate) is sent to the
///                                actor registered as reply_to (strategy hosts use it)
///   (stop_atom)                  the node is stopping: new orders are refused shutting_down
///                                (send it at high priority, ahead of the backlog)
///   ExecutionReport              (from the broker) state machine, journal, then fan-out; a fill
///                                with reason commission_pending is journaled as such and its
///                                commission_completion applied once (commission_completion.hpp)
///   (get_atom, order_id)         -> OrderExecution (empty order_id when unknown)
///   (orders_atom)                -> std::vector<OrderExecution> of open orders
///   (orders_atom, bool closed)   -> std::vector<OrderExecution>, closed ones too when `closed`
///   (stats_atom)                 -> OrderStats
///   (sync_atom, name, token)     a barrier: once every journal record sent so far is answered
///                                and what it released has been sent, (sync_atom, token) is
///                                sent to the actor registered as `name` (the same path as
///                                the orders and updates sent to it before)
///   (subscribe_atom, actor)      the actor receives every OrderUpdate and Fill from now on
///   (start_atom)                 -> bool  reconciles recovered open orders with the broker;
///                                new orders are refused ("not_ready") until it has
///   BrokerStatus                 from a broker's supervisor: while a broker is not connected
///                                its new orders are rejected broker_unavailable, cancels are
///                                kept, and what was in flight becomes unknown; on
///                                `reconciling` it reconciles (docs/BROKERS.md) and answers
///                                (reconcile_atom, broker) to the supervisor
///   (reconcile_atom)             -> bool  reconciles every connected broker now (the drain
///                                does, so a fill report lost without a reconnect is found)
/// New orders past `max_queued_orders` (mailbox + pipeline) are refused `overloaded` at once.
/// Every accepted order and every fill is durable in the journal before it is
/// acknowledged or reported to anyone (the trade logger replies when it is).
struct order_manager_options {
  std::shared_ptr<actor_directory> directory;
  std::string id_prefix = "O";  // order ids are <prefix>-<n>
  uint64_t first_id = 1;        // continues after recovery
  std::string broker_name = "simulator"; // directory name of the broker to route to
  std::vector<OrderExecution> recovered; // from the journal, with their fills
  /// Exec ids of recovered fills whose commission is still pending (recovered_state): their
  /// completion, live or found by reconciliation, is applied once.
  std::vector<std::string> commissions_pending;
  std::unordered_map<std::string, RejectReason> reject_codes; // of recovered refused orders
  /// A submit, cancel or replace unanswered this long becomes unknown (per broker name;
  /// default_answer_timeout_ms for others). Checked by one timer.
  std::map<std::string, int64_t> answer_timeout_ms;
  int64_t default_answer_timeout_ms = 10000;
  size_t max_kept_cancels = 100000; // cancels kept per broker while it is away
  size_t max_queued_orders = 0;     // admission control bound (0: off)
  /// Closed orders kept in memory for the API and idempotent resubmission (the journal keeps
  /// all): past this many, the oldest leave each second (actors/orders/order_book.hpp).
  size_t max_recent_closed_orders = 100000;
  std::vector<std::string> supervised; // brokers whose supervisor publishes BrokerStatus
  /// fallback_to_simulator (simulation and paper modes only): while a broker is down, its new
  /// orders go to this simulator instead (broker name -> simulator name), said on every switch.
  std::map<std::string, std::string> fallback;
  /// An observer in this process (the HTTP /events stream) given every update and fill while
  /// it is active, without a message (actors/order_event_tap.hpp). May be null.
  std::shared_ptr<order_event_tap> tap;
};

caf::actor spawn_order_manager(caf::actor_system& sys, order_manager_options opts);

} // namespace engine
