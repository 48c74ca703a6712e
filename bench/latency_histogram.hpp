// A log-linear latency histogram (HdrHistogram-style, <0.4% error) shared by the benchmarks.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace engine::bench {

/// Records nanosecond values in constant time and memory: exact below 256 ns,
/// then 128 linear sub-buckets per power of two. Percentiles report the
/// midpoint of their bucket, so the error is under 0.4% of the value.
class latency_histogram {
public:
  void record(int64_t ns) {
    auto v = static_cast<uint64_t>(std::max<int64_t>(ns, 0));
    ++counts_[index(v)];
    ++total_;
    sum_ += static_cast<double>(v);
    max_ = std::max(max_, v);
  }

  void merge(const latency_histogram& o) {
    for (size_t i = 0; i < counts_.size(); ++i)
      counts_[i] += o.counts_[i];
    total_ += o.total_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
  }

  uint64_t count() const { return total_; }
  double mean_ns() const { return total_ == 0 ? 0.0 : sum_ / static_cast<double>(total_); }
  double max_ns() const { return static_cast<double>(max_); }

  /// The value at or below which p percent of the records fall (p in 0..100).
  double percentile_ns(double p) const {
    if (total_ == 0)
      return 0.0;
    auto want = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
    want = std::clamp<uint64_t>(want, 1, total_);
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= want)
        return std::min(midpoint(i), static_cast<double>(max_));
    }
    return static_cast<double>(max_);
  }

  double percentile_us(double p) const { return percentile_ns(p) / 1000.0; }

private:
  static constexpr int sub_bits = 7;                  // 128 sub-buckets per octave
  static constexpr uint64_t linear = 2ull << sub_bits; // 256: exact below this
  static constexpr size_t buckets = linear + (63 - sub_bits) * (1ull << sub_bits);

  static size_t index(uint64_t v) {
    if (v < linear)
      return static_cast<size_t>(v);
    int msb = 63 - __builtin_clzll(v); // >= sub_bits + 1
    int shift = msb - sub_bits;
    uint64_t m = v >> shift; // in [128, 256)
    return static_cast<size_t>(linear + static_cast<uint64_t>(msb - sub_bits - 1) * (1ull << sub_bits)
                               + (m - (1ull << sub_bits)));
  }

  static double midpoint(size_t i) {
    if (i < linear)
      return static_cast<double>(i);
    auto k = i - linear;
    int msb = static_cast<int>(k >> sub_bits) + sub_bits + 1;
    int shift = msb - sub_bits;
    uint64_t m = (k & ((1ull << sub_bits) - 1)) + (1ull << sub_bits);
    double lo = static_cast<double>(m << shift);
    return lo + static_cast<double>(1ull << shift) / 2.0;
  }

  std::array<uint64_t, buckets> counts_{};
  uint64_t total_ = 0;
  double sum_ = 0;
  uint64_t max_ = 0;
};

} // namespace engine::bench
