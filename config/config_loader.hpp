// Loads app_config.yaml into the typed app_config, validating every key with a file:line message.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "config/app_config.hpp"

namespace engine {

/// A bad configuration. what() is "FILE:LINE: KEY.PATH: what is wrong"; the
/// LINE part is left out when there is no line (a missing file, a key that
/// is absent altogether) and the KEY.PATH part when the problem has no key
/// (a YAML syntax error). Messages never contain the value of a secret or of
/// an environment variable.
class config_error : public std::runtime_error {
public:
  config_error(std::string file, int line, std::string key, std::string message);

  const std::string& file() const { return file_; }
  int line() const { return line_; } // 1-based; 0 = no line
  const std::string& key() const { return key_; }
  const std::string& message() const { return message_; }

private:
  std::string file_;
  int line_;
  std::string key_;
  std::string message_;
};

/// Reads and validates a YAML config file; throws config_error on any problem.
/// `${file:relative/path}` secrets are resolved against the file's directory.
app_config load_config(const std::string& path);

/// Same as load_config for YAML text; `name_for_errors` stands for the file
/// name in messages. Relative `${file:...}` paths resolve against the cwd.
app_config parse_config_text(const std::string& yaml, const std::string& name_for_errors);

/// A short multi-line summary for the start-up log; secrets print as "***".
std::string describe(const app_config& cfg);

/// The actors this configuration runs, in start order: order_manager,
/// risk_manager, position_keeper, trade_logger, market_data, then simulator
/// and/or broker (per execution.broker), then "strategy:NAME" per strategy.
std::vector<std::string> required_actors(const app_config& cfg);

/// The actors a node hosts, with "all" expanded into required_actors(cfg).
std::vector<std::string> node_actors(const app_config& cfg, const node_config& node);

} // namespace engine
