// The process's own measurements that /metrics reads: latency histograms and the main actors' mailbox depths.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "actors/latency_buckets.hpp"

namespace engine {

/// The actors whose mailbox depth is exposed.
enum class watched_actor : uint8_t {
  order_manager,
  risk_manager,
  position_keeper,
  trade_logger,
  market_data,
};
inline constexpr std::array<const char*, 5> watched_actor_names{
  "order_manager", "risk_manager", "position_keeper", "trade_logger", "market_data"};

/// One per process, like a Prometheus client's default registry (a test that
/// runs several nodes in one process sees their sum). Writers are the actors
/// and the journal's writer thread; readers (the HTTP threads) never ask an
/// actor anything for these.
struct engine_metrics {
  /// fdatasync of a journal segment, on the writer thread.
  latency_buckets journal_fsync;
  /// A new order's arrival at the order manager to its ack (journaled, routed).
  latency_buckets order_ack;
  /// Mailbox depths as the actors last saw them (CAF lets only the actor itself
  /// read it); -1 until an actor of that kind runs in this process.
  std::array<std::atomic<int64_t>, watched_actor_names.size()> mailbox;

  engine_metrics() {
    for (auto& m : mailbox)
      m.store(-1, std::memory_order_relaxed);
  }

  /// Called by the actor itself, on a message it handles anyway.
  template <class Self>
  void sample_mailbox(watched_actor a, Self* self) {
    mailbox[static_cast<size_t>(a)].store(static_cast<int64_t>(self->mailbox().size()),
                                          std::memory_order_relaxed);
  }
};

engine_metrics& process_metrics();

} // namespace engine
