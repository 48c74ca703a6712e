// Writes quotes to the CSV format the `csv` source reads, so a live session can be replayed.
#include "brokers/polygon/recorder.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace engine::polygon {

quote_recorder::quote_recorder(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_)
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  std::fputs("ts,ticker,bid,ask,bid_size,ask_size\n", file_);
}

quote_recorder::~quote_recorder() {
  if (file_)
    std::fclose(file_);
}

void quote_recorder::write(const std::vector<Quote>& quotes) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (const auto& q : quotes) {
    last_ = std::max(last_, q.timestamp);
    line_.clear();
    line_ += std::to_string(last_);
    line_ += ',';
    line_ += q.ticker;
    line_ += ',';
    line_ += q.bid.to_string();
    line_ += ',';
    line_ += q.ask.to_string();
    line_ += ',';
    line_ += q.bid_size.to_string();
    line_ += ',';
    line_ += q.ask_size.to_string();
    line_ += '\n';
    std::fwrite(line_.data(), 1, line_.size(), file_);
    ++rows_;
  }
}

void quote_recorder::gap(const std::string& ticker, timestamp_ns from, timestamp_ns to) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::fprintf(file_, "# gap %s from %lld to %lld (filled by a snapshot)\n", ticker.c_str(),
               static_cast<long long>(from), static_cast<long long>(to));
}

void quote_recorder::flush() {
  std::lock_guard<std::mutex> guard{mtx_};
  std::fflush(file_);
}

} // namespace engine::polygon
