// What the event bridge gathers between two pushes to /events: order updates coalesced per order, capped fills, positions per ticker.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "messages/all_messages.hpp"

namespace engine::http {

struct event_batch_limits {
  size_t max_orders = 100; // distinct orders per batch; later ones are only counted
  size_t max_fills = 100;  // fills per batch; later ones are only counted
};

/// Collects events cheaply on the bridge's (CAF) thread: no JSON, no
/// allocation for an event that is coalesced or over the cap. The hub's
/// thread turns a full batch into one frame (to_sse).
class event_batch {
public:
  explicit event_batch(event_batch_limits limits = {}) : limits_(limits) {}

  /// The order's latest state replaces an earlier one of this batch. Copied only when kept.
  void add(const OrderUpdate& u);
  void add(const Fill& f);
  /// The ticker's latest position replaces an earlier one.
  void add(Position&& p);
  /// Every broker state change is kept (they are rare and each matters).
  void add(BrokerStatus&& b);

  bool empty() const;
  /// Events left out for the caps: the client refetches what it shows.
  uint64_t dropped_orders() const { return dropped_orders_; }
  uint64_t dropped_fills() const { return dropped_fills_; }

  /// The batch as server-sent events, in this order: broker, order, fill,
  /// position, then `gap` ({"orders":n,"fills":m}) when some were left out.
  /// Each is the `event: <name>\ndata: <json>\n\n` a single event has.
  std::string to_sse() const;

private:
  event_batch_limits limits_;
  std::vector<OrderUpdate> orders_;
  std::unordered_map<std::string, size_t> order_index_; // order id -> orders_ slot
  std::vector<Fill> fills_;
  std::map<std::string, Position> positions_;
  std::vector<BrokerStatus> brokers_;
  uint64_t dropped_orders_ = 0;
  uint64_t dropped_fills_ = 0;
};

} // namespace engine::http
