// The CPU time this benchmark process has used, shared by the benchmarks that report CPU per item.
#pragma once

#include <sys/resource.h>

namespace engine::bench {

/// CPU seconds of every thread of this process so far (user + system).
inline double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

} // namespace engine::bench
