// The broker contract as seen by a network venue's protocol client (Alpaca, IBKR): plain C++,
// no CAF. The client runs its own I/O thread; the engine's network_broker actor owns it and
// turns its callbacks into messages. See docs/BROKERS.md.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "messages/all_messages.hpp"

namespace engine::net {

/// Why a connection is not (or no longer) usable; `fatal` ones are not retried by the
/// supervisor (bad credentials, an unsupported server version): the start stops with exit 2.
struct venue_error {
  std::string message; // never contains a key or secret
  bool fatal = false;
};

/// What the client tells the engine. Called on the client's own thread, in the order the
/// venue said things; the receiver must not block.
struct venue_events {
  /// Every order event: accept, reject, partial_fill/fill (with `fill` set: its own quantity
  /// and price, never a cumulative one), cancel, cancel_reject, expire, replace.
  /// `update.order_id` is the engine's order id (the venue's client order id / orderRef).
  std::function<void(ExecutionReport)> on_report;
  /// The connection is up: authenticated, streams subscribed, ready for orders.
  std::function<void()> on_connected;
  /// The connection is gone (dropped, timed out, refused, garbage). After this the client
  /// sends nothing more; the supervisor decides when to start a new one.
  std::function<void(venue_error)> on_disconnected;
  /// Informational notices worth a log line (IB farm messages, rate-limit waits).
  std::function<void(std::string)> on_notice;
};

/// An asynchronous answer: a value, or an error text (the venue refused, timed out...).
template <class T>
using answer = std::function<void(std::optional<T> value, std::string error)>;

/// One connection to one venue account. A new object per connection attempt: the supervisor
/// destroys a failed one and builds the next.
class venue_connection {
public:
  virtual ~venue_connection() = default;

  /// Connects on the client's own thread. Reports on_connected or on_disconnected.
  virtual void start(venue_events events) = 0;
  /// Closes and joins the thread; no callback runs after stop() returns.
  virtual void stop() = 0;

  // Orders. The engine's order_id is sent as the venue's client order id, so every order can
  // be found again after any failure. Outcomes arrive as on_report.
  virtual void submit(const OrderRequest& order) = 0;
  virtual void cancel(const CancelRequest& cancel) = 0;
  virtual void replace(const ReplaceRequest& replace) = 0;

  // Reconciliation queries (after every connect, before any new order is routed).
  /// The venue's state of the order with this client order id (= engine order id);
  /// nullopt with an empty error when the venue does not know it.
  virtual void order_by_client_id(const std::string& client_order_id,
                                  answer<OrderExecution> done) = 0;
  /// Every order open at the venue (including ones the engine did not send: external).
  virtual void open_orders(answer<std::vector<OrderExecution>> done) = 0;
  /// Every execution at or after `since_ns` (UTC nanoseconds), each with its venue exec id.
  virtual void fills_since(timestamp_ns since_ns, answer<std::vector<Fill>> done) = 0;
  virtual void positions(answer<std::vector<Position>> done) = 0;
  virtual void account(answer<AccountInfo> done) = 0;
};

} // namespace engine::net
