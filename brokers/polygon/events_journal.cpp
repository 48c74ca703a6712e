// The journal of market data events: the feed's connects, disconnects, auth results and gaps, durable.
#include "brokers/polygon/events_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "actors/journal/journal_format.hpp"
#include "config/logging.hpp"

namespace engine::polygon {

namespace {

/// Reads what is there: the seq after the last good line, and the size up to the last
/// newline (a torn tail after it is cut).
std::pair<uint64_t, off_t> scan(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return {1, 0};
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  auto end = text.rfind('\n');
  off_t keep = end == std::string::npos ? 0 : static_cast<off_t>(end + 1);
  uint64_t next = 1;
  size_t at = 0;
  while (at < static_cast<size_t>(keep)) {
    auto nl = text.find('\n', at);
    parsed_record_line rec;
    std::string why;
    if (parse_record_line(std::string_view{text}.substr(at, nl - at), rec, why))
      next = std::max(next, rec.seq + 1);
    at = nl + 1;
  }
  return {next, keep};
}

} // namespace

events_journal::events_journal(std::string path) : path_(std::move(path)) {
  std::error_code ec; // a failure shows at the open below, with its reason
  auto parent = std::filesystem::path{path_}.parent_path();
  if (!parent.empty())
    std::filesystem::create_directories(parent, ec);
  auto [next, keep] = scan(path_);
  seq_ = next;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error("cannot open the market data events journal " + path_ + ": " +
                             std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && st.st_size > keep && ::ftruncate(fd_, keep) != 0) {
    int e = errno;
    ::close(fd_);
    throw std::runtime_error("cannot cut the torn tail of " + path_ + ": " + std::strerror(e));
  }
}

events_journal::~events_journal() {
  if (fd_ >= 0)
    ::close(fd_);
}

void events_journal::record(std::string_view event, timestamp_ns ts,
                            const std::function<void(json_writer&)>& fields) {
  std::lock_guard<std::mutex> guard{mtx_};
  line_.clear();
  auto start = begin_record_line(line_, seq_, ts, event);
  if (fields) {
    std::string body;
    json_writer w{body};
    fields(w);
    if (!body.empty()) {
      line_ += ',';
      line_ += body;
    }
  }
  end_record_line(line_, start);
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  size_t done = 0;
  while (done < line_.size()) {
    auto n = ::write(fd_, line_.data() + done, line_.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ++errors_;
      logger("polygon")->error("market data events journal {}: write failed: {}", path_,
                               std::strerror(errno));
      // No half line for the next record to run into; the seq goes to the next record.
      if (before >= 0 && ::ftruncate(fd_, before) != 0)
        logger("polygon")->error("market data events journal {}: cannot cut a torn line", path_);
      return;
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) {
    ++errors_;
    logger("polygon")->error("market data events journal {}: fdatasync failed: {}", path_,
                             std::strerror(errno));
  }
  ++seq_;
}

void events_journal::gap(const feed_gap& g, timestamp_ns ts) {
  record("gap", ts, [&](json_writer& w) {
    w.key("ticker");
    w.value(g.ticker);
    w.key("from");
    w.value(g.from);
    w.key("to");
    w.value(g.to);
    w.key("snapshot_bid");
    w.value(g.bid);
    w.key("snapshot_ask");
    w.value(g.ask);
    w.key("snapshot_ts");
    w.value(g.snapshot_time);
    w.key("used");
    w.value(g.used);
  });
}

uint64_t events_journal::next_seq() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return seq_;
}

uint64_t events_journal::write_errors() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return errors_;
}

} // namespace engine::polygon
