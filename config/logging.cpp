// Named spdlog loggers per component, sharing one stderr sink and an optional file sink.
#include "config/logging.hpp"

#include <map>
#include <mutex>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "config/config_loader.hpp"

namespace engine {

namespace {

constexpr const char* pattern = "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v";

/// The sinks and level every component logger shares.
struct log_state {
  std::mutex mtx;
  std::vector<spdlog::sink_ptr> sinks;
  spdlog::level::level_enum level = spdlog::level::info;
  std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;
};

log_state& state() {
  static log_state s;
  return s;
}

spdlog::sink_ptr stderr_sink() {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  sink->set_pattern(pattern);
  return sink;
}

void apply(spdlog::logger& l, const log_state& s) {
  l.sinks() = s.sinks;
  l.set_level(s.level);
  l.flush_on(spdlog::level::warn); // a crash should not eat the last warning
}

spdlog::level::level_enum level_or_throw(const std::string& name, const std::string& origin) {
  if (auto l = parse_log_level(name))
    return *l;
  throw config_error(origin, 0, "logging.level",
                     "unknown value '" + name +
                       "'; expected one of trace, debug, info, warn, error, critical, off");
}

} // namespace

void flush_logging() {
  std::lock_guard<std::mutex> guard{state().mtx};
  for (auto& sink : state().sinks)
    sink->flush();
}

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> levels[] = {
    {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
    {"off", spdlog::level::off}};
  for (const auto& [text, level] : levels)
    if (text == name)
      return level;
  return std::nullopt;
}

void init_logging(const logging_config& cfg, std::optional<std::string> level_override) {
  // Validate everything before touching the shared state.
  auto level = level_or_throw(cfg.level, "logging config");
  if (level_override)
    level = level_or_throw(*level_override, "log level override");
  std::vector<spdlog::sink_ptr> sinks{stderr_sink()};
  if (!cfg.file.empty()) {
    try {
      auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(cfg.file, false);
      file->set_pattern(pattern);
      sinks.push_back(std::move(file));
    } catch (const spdlog::spdlog_ex& e) {
      throw config_error("logging config", 0, "logging.file",
                         "cannot open log file '" + cfg.file + "': " + e.what());
    }
  }
  auto& s = state();
  std::lock_guard<std::mutex> guard{s.mtx};
  s.sinks = std::move(sinks);
  s.level = level;
  for (auto& [name, l] : s.loggers)
    apply(*l, s);
}

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  auto& s = state();
  std::lock_guard<std::mutex> guard{s.mtx};
  if (auto it = s.loggers.find(component); it != s.loggers.end())
    return it->second;
  if (s.sinks.empty())
    s.sinks.push_back(stderr_sink());
  auto l = std::make_shared<spdlog::logger>(component);
  apply(*l, s);
  s.loggers.emplace(component, l);
  return l;
}

} // namespace engine
