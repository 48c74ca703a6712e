// The process's own measurements that /metrics reads: latency histograms and the main actors' mailbox depths.
#include "actors/engine_metrics.hpp"

namespace engine {

engine_metrics& process_metrics() {
  static engine_metrics m;
  return m;
}

} // namespace engine
