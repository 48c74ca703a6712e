// Writes the Prometheus text exposition format (version 0.0.4): families, labels, histograms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/latency_buckets.hpp"

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

/// Writes the family `name` from a histogram's snapshot: its cumulative
/// _bucket series (bounds in seconds), _sum in seconds and _count.
void write_histogram(prometheus_text& out, std::string_view name, std::string_view help,
                     const latency_buckets& h);

} // namespace engine::http
