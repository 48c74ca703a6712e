// A window on the order manager's updates and fills for an observer in the same process (the HTTP /events stream).
#pragma once

#include "messages/orders.hpp"

namespace engine {

/// A subscriber costs the order path two CAF messages per update and fill (an enqueue, a
/// wake-up, a copy of each); a tap costs a relaxed load while nobody watches and a short
/// locked copy while someone does. The observer gathers and ships what it is given on its own
/// thread; the order manager never waits on it beyond that copy.
class order_event_tap {
public:
  virtual ~order_event_tap() = default;
  /// Whether anyone watches: the order manager skips the calls below otherwise.
  virtual bool active() const = 0;
  virtual void put(const OrderUpdate& u) = 0;
  virtual void put(const Fill& f) = 0;
};

} // namespace engine
