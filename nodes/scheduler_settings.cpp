#include "nodes/scheduler_settings.hpp"

namespace engine {

void apply_scheduler_settings(caf::actor_system_config& cfg, const scheduler_config& s) {
  cfg.set("scheduler.max-threads", static_cast<size_t>(s.workers));
  // A message that arrives while its worker still polls costs no futex wake-up, which on
  // this VM is tens of microseconds per hop (docs/PERFORMANCE.md, session 15).
  cfg.set("work-stealing.aggressive-poll-attempts", static_cast<size_t>(s.idle_polls));
  cfg.set("work-stealing.moderate-poll-attempts", 0);
}

} // namespace engine
