// The /events tap on the order manager: updates and fills gathered under a lock, taken by the event bridge.
#include "nodes/http/event_tap.hpp"

#include <utility>

namespace engine::http {

void event_tap::put(const OrderUpdate& u) {
  std::lock_guard<std::mutex> guard{mtx_};
  batch_.add(u);
}

void event_tap::put(const Fill& f) {
  std::lock_guard<std::mutex> guard{mtx_};
  filled_tickers_.insert(f.ticker);
  batch_.add(f);
}

void event_tap::set_active(bool on) {
  if (active_.exchange(on, std::memory_order_relaxed) == on || on)
    return;
  std::lock_guard<std::mutex> guard{mtx_};
  batch_ = event_batch{limits_};
  filled_tickers_.clear();
}

event_tap::taken event_tap::take() {
  std::lock_guard<std::mutex> guard{mtx_};
  taken out{std::exchange(batch_, event_batch{limits_}), std::move(filled_tickers_)};
  filled_tickers_.clear();
  return out;
}

} // namespace engine::http
