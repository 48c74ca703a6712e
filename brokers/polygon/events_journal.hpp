// The journal of market data events: the feed's connects, disconnects, auth results and gaps, durable.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "messages/json_writer.hpp"
#include "messages/market.hpp"

namespace engine::polygon {

/// One gap after a reconnect: `ticker` had no data from `from` (its last quote before the
/// break, 0 if none) to `to`; the snapshot's quote filled it (`used`: it was newer than what
/// the stream had already sent, so it went out as a quote).
struct feed_gap {
  std::string ticker;
  timestamp_ns from = 0;
  timestamp_ns to = 0;
  Price bid;
  Price ask;
  timestamp_ns snapshot_time = 0;
  bool used = false;
};

/// Appends one record line per event to a file (docs/MARKET_DATA.md), in the journal's
/// framing (actors/journal/journal_format.hpp): `{"seq":N,"ts":T,"event":"E",...,"crc":"..."}`,
/// CRC32C over the bytes before `,"crc"`. Each line is written and fdatasync'd before record()
/// returns: these events are rare (a reconnect, a gap), so durability costs nothing that matters.
/// Opening continues the seq of the lines already there and cuts a torn last line (a crash
/// mid-write). Any thread. Never given a key: callers pass reasons the feed made itself.
class events_journal {
public:
  /// Throws std::runtime_error when the file cannot be opened or read.
  explicit events_journal(std::string path);
  ~events_journal();
  events_journal(const events_journal&) = delete;
  events_journal& operator=(const events_journal&) = delete;

  /// `event` is [A-Za-z0-9_.-]; `fields` writes the record's own keys (may be empty).
  /// A failed write is logged and counted, never thrown: market data goes on without it.
  void record(std::string_view event, timestamp_ns ts,
              const std::function<void(json_writer&)>& fields = {});
  void gap(const feed_gap& g, timestamp_ns ts);

  const std::string& path() const { return path_; }
  uint64_t next_seq() const;
  uint64_t write_errors() const;

private:
  std::string path_;
  mutable std::mutex mtx_;
  int fd_ = -1;
  uint64_t seq_ = 1;
  uint64_t errors_ = 0;
  std::string line_;
};

} // namespace engine::polygon
