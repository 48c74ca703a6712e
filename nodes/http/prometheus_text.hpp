// Writes the Prometheus text exposition format (version 0.0.4): families, labels, histograms.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace engine::http {

using label_list = std::vector<std::pair<std::string, std::string>>;

/// Appends metric families to a string. Each family is written once with its
/// HELP and TYPE lines, then its samples; label values are escaped.
class prometheus_text {
public:
  /// Starts a family; type is counter | gauge | histogram.
  void family(std::string_view name, std::string_view type, std::string_view help);
  /// A sample of the current family (or a suffixed series of it, e.g. "_bucket").
  /// `value` is written as given: an exact decimal string or an integer.
  void sample(std::string_view name, const label_list& labels, std::string_view value);
  void sample(std::string_view name, const label_list& labels, int64_t value);
  void sample(std::string_view name, const label_list& labels, double value);
  const std::string& text() const { return out_; }

private:
  std::string out_;
};

/// A latency histogram with fixed buckets in seconds, safe across threads.
class latency_histogram {
public:
  static constexpr std::array<double, 14> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                 0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                 1.0,    2.5};
  void observe(double seconds);
  /// Writes the family `name` (its _bucket, _sum and _count series).
  void write(prometheus_text& out, std::string_view name, std::string_view help) const;
  uint64_t count() const;

private:
  mutable std::mutex mtx_;
  std::array<uint64_t, bounds.size()> buckets_{}; // not cumulative; summed when written
  uint64_t count_ = 0;
  double sum_ = 0;
};

} // namespace engine::http
