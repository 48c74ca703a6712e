// The /events tap on the order manager: updates and fills gathered under a lock, taken by the event bridge.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>

#include "actors/order_event_tap.hpp"
#include "nodes/http/event_batch.hpp"

namespace engine::http {

/// What the order manager puts goes into an event_batch (coalesced per order, capped), so
/// a burst of 10,000 updates a second costs a lookup and a counter for most of them. The
/// bridge switches it on while /events has clients and takes the batch every flush.
class event_tap : public order_event_tap {
public:
  explicit event_tap(event_batch_limits limits = {}) : limits_(limits), batch_(limits) {}

  bool active() const override { return active_.load(std::memory_order_relaxed); }
  void put(const OrderUpdate& u) override;
  void put(const Fill& f) override;

  /// On while someone listens; switching off drops what was gathered.
  void set_active(bool on);

  /// What was gathered since the last take, and the tickers filled meanwhile.
  struct taken {
    event_batch batch;
    std::set<std::string> filled_tickers;
  };
  taken take();

private:
  event_batch_limits limits_;
  std::atomic<bool> active_{false};
  std::mutex mtx_;
  event_batch batch_;
  std::set<std::string> filled_tickers_;
};

} // namespace engine::http
