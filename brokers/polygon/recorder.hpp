// Writes quotes to the CSV format the `csv` source reads, so a live session can be replayed.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "messages/market.hpp"

namespace engine::polygon {

/// Appends `ts,ticker,bid,ask,bid_size,ask_size` rows (ts in integer
/// nanoseconds, numbers exact) after one header line. Timestamps are written
/// non-decreasing, as the reader requires: a quote older than the previous one
/// is written at the previous one's time. Gaps become `#` comment lines, which
/// the reader skips. Throws std::runtime_error when the file cannot be opened.
/// Any thread (the live feed writes gaps from its own).
class quote_recorder {
public:
  explicit quote_recorder(const std::string& path);
  ~quote_recorder();
  quote_recorder(const quote_recorder&) = delete;
  quote_recorder& operator=(const quote_recorder&) = delete;

  void write(const std::vector<Quote>& quotes);
  void gap(const std::string& ticker, timestamp_ns from, timestamp_ns to);
  /// Pushes what is buffered to the file.
  void flush();
  size_t rows() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return rows_;
  }
  const std::string& path() const { return path_; }

private:
  mutable std::mutex mtx_;
  std::string path_;
  std::FILE* file_ = nullptr;
  timestamp_ns last_ = 0;
  size_t rows_ = 0;
  std::string line_;
};

} // namespace engine::polygon
