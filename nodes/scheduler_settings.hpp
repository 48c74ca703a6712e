// The CAF scheduler as execution-node runs it, shared with the benchmarks that measure it.
#pragma once

#include <caf/actor_system_config.hpp>

#include "config/app_config.hpp"

namespace engine {

/// `workers` worker threads (two on two cores by default). An idle worker polls its queue `idle_polls` times, then
/// blocks on its condition variable at once (which every enqueue signals), never in
/// CAF's default 50 us sleeps that no enqueue interrupts (docs/PERFORMANCE.md).
void apply_scheduler_settings(caf::actor_system_config& cfg, const scheduler_config& s = {});

} // namespace engine
