// Named spdlog loggers per component, sharing one stderr sink and an optional file sink.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "config/app_config.hpp"

namespace engine {

/// Sets up the shared sinks (colour stderr, plus `cfg.file` when not empty)
/// and the level: `level_override` (e.g. --log-level) wins over `cfg.level`.
/// Throws config_error on an unknown level or a log file that cannot be
/// opened. Calling it again re-targets every logger made so far; call it at
/// start-up, before other threads log.
void init_logging(const logging_config& cfg, std::optional<std::string> level_override = {});

/// The logger of a component ("order_manager", "alpaca", ...), created on
/// first use with the shared sinks and level; lines read
/// "2026-11-24 09:30:00.123 info  [order_manager] text". Before init_logging
/// the sinks are stderr only at level info.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

/// Writes out what every sink holds (the log file's buffer): a process that ends with
/// std::_Exit runs no destructor that would.
void flush_logging();

/// spdlog's level for one of trace, debug, info, warn, error, critical, off.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

} // namespace engine

/// A secret in a log line prints as "***" (or nothing when empty): passing one
/// to a logger by mistake can never leak the key.
template <>
struct fmt::formatter<engine::secret> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const engine::secret& s, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(s.empty() ? "" : "***", ctx);
  }
};
