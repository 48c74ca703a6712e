// Helpers for config tests: a scratch directory removed afterwards, and the error text of a config.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "config/config_loader.hpp"

namespace engine::testing {

/// A fresh directory under the system temp dir, removed with its contents.
class temp_dir {
public:
  explicit temp_dir(const std::string& tag)
    : path_(std::filesystem::temp_directory_path() /
            ("engine_config_" + tag + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// Writes `text` to `name` inside the directory; returns the full path.
  std::string write(const std::string& name, const std::string& text) const {
    auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string path() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

/// The config_error text of parsing `yaml` as "bad.yaml", or "no error".
inline std::string error_of(const std::string& yaml) {
  try {
    parse_config_text(yaml, "bad.yaml");
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

/// Just enough market data for the synthetic source to be runnable.
inline const std::string one_ticker =
  "market_data:\n  tickers:\n    - {ticker: AAPL, start_price: 100, bid_size: 100, ask_size: 100}\n";

} // namespace engine::testing
