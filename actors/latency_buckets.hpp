// A latency histogram with fixed buckets and atomic counters: cheap enough for the order path, read by /metrics.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace engine {

/// Records durations with a few relaxed atomic adds (no lock, no allocation),
/// from any thread; a reader takes a snapshot whose buckets, +Inf and count
/// agree (the count is the buckets' sum), as Prometheus wants them.
class latency_buckets {
public:
  /// Upper bounds in nanoseconds: 10 us to 2.5 s, the span from an order ack
  /// without fsync to a disk that stalls.
  static constexpr std::array<int64_t, 18> bounds_ns{
    10'000,     25'000,     50'000,      100'000,     250'000,     500'000,
    1'000'000,  2'500'000,  5'000'000,   10'000'000,  25'000'000,  50'000'000,
    100'000'000, 250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000};

  struct snapshot {
    std::array<uint64_t, bounds_ns.size() + 1> counts{}; // per bucket, the last is +Inf
    uint64_t count = 0;                                  // sum of counts
    int64_t sum_ns = 0;
  };

  void record(int64_t ns) {
    if (ns < 0)
      ns = 0;
    size_t i = 0;
    while (i < bounds_ns.size() && ns > bounds_ns[i])
      ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(ns, std::memory_order_relaxed);
  }

  void record(std::chrono::nanoseconds d) { record(static_cast<int64_t>(d.count())); }

  snapshot read() const {
    snapshot s;
    for (size_t i = 0; i < counts_.size(); ++i) {
      s.counts[i] = counts_[i].load(std::memory_order_relaxed);
      s.count += s.counts[i];
    }
    s.sum_ns = sum_ns_.load(std::memory_order_relaxed);
    return s;
  }

private:
  std::array<std::atomic<uint64_t>, bounds_ns.size() + 1> counts_{};
  std::atomic<int64_t> sum_ns_{0};
};

} // namespace engine
