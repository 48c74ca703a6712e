// The journal writer: builds record lines on the caller's thread and makes them durable on its own thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "actors/journal/file_ops.hpp"
#include "actors/journal/journal_format.hpp"
#include "config/app_config.hpp"
#include "messages/json_writer.hpp"

namespace engine {

struct journal_options {
  std::string dir = "logs/execution";
  fsync_policy fsync = fsync_policy::batch;
  int64_t batch_max_records = 256; // records per group commit (batch)
  int64_t batch_max_us = 500;      // how long a short batch waits for more (batch)
  std::string rotate = "daily";    // daily: new segments at rotate_day; size: past rotate_bytes
  int64_t rotate_bytes = 256 * 1024 * 1024;
  int64_t session_day = 0;         // YYYYMMDD label of the first segments; 0 = no label

  static journal_options from_config(const journal_config& cfg, int64_t session_day = 0);
};

namespace detail {

// Collects the top-level field names of a message (for the reserved-key check).
struct field_name_collector {
  using result_type = void;
  std::vector<std::string_view> names;
  template <class... Ts>
  void operator()(Ts&&... xs) {
    (take(xs), ...);
  }
  template <class T>
  void take(T& x) {
    if constexpr (std::is_same_v<std::decay_t<T>, field_t>)
      names.emplace_back(x.name);
  }
};

// Throws std::invalid_argument if the message has a field named seq, ts, event or crc.
void check_reserved_keys(const std::vector<std::string_view>& names);

template <class T>
void check_message_type() {
  // Once per type: a field named like a journal key would shadow it on replay.
  static const bool checked = [] {
    T probe{};
    field_name_collector c;
    inspect(c, probe);
    check_reserved_keys(c.names);
    return true;
  }();
  (void) checked;
}

} // namespace detail

/// Appends order events and fills to the journal and reports each record's
/// durability through its completion. Thread-safe for any number of callers;
/// the file I/O runs on one writer thread owned by this object.
class journal_writer {
public:
  /// Called on the writer thread, in seq order, exactly once per record. Must
  /// not throw and must not destroy the writer.
  using completion = std::function<void(uint64_t seq, bool durable_ok, const std::string& error)>;

  struct stats {
    uint64_t records; // records written (and synced, unless the policy is never)
    uint64_t syncs;   // fdatasync calls on journal files
    uint64_t bytes;   // bytes written
  };

  /// Validates opts (throws journal_error), creates dir if needed, locks it
  /// (journal_error if another writer or a replay holds it) and starts the
  /// writer thread. Each stream's segments are created on its first record, with
  /// the index after the highest one present. next_seq is the first seq to assign:
  /// replay's last_seq + 1 (1 for a new journal).
  journal_writer(journal_options opts, uint64_t next_seq,
                 std::shared_ptr<file_ops> ops = nullptr);

  /// Drains the queue (every completion fires), syncs, closes and joins.
  ~journal_writer();

  journal_writer(const journal_writer&) = delete;
  journal_writer& operator=(const journal_writer&) = delete;

  /// Builds the record on the caller's thread, assigns the next seq, queues it
  /// and returns the seq; never waits for I/O. Throws std::invalid_argument for
  /// an event name outside [A-Za-z0-9_.-] or a message with a field named seq,
  /// ts, event or crc.
  template <class T>
  uint64_t append(journal_stream s, std::string_view event, const T& msg, timestamp_ns ts,
                  completion done) {
    detail::check_message_type<T>();
    std::string fields;
    fields.reserve(256);
    json_writer w{fields};
    w.fields(msg);
    return enqueue(s, event, ts, fields, std::move(done));
  }

  /// Daily rotation point: records appended after this call go to new segments
  /// labelled session_day (YYYYMMDD, e.g. 20240115). With rotate=size only the
  /// label of later segments changes. The same day again is a no-op.
  void rotate_day(int64_t session_day);

  /// Sticky after a write, sync or open error: no later record is written.
  bool failed() const;
  std::string failure() const;

  /// The highest seq whose completion reported durable_ok (0 if none yet).
  uint64_t durable_seq() const;

  struct stats stats() const;

private:
  struct pending {
    uint64_t seq = 0;         // 0 for a rotation marker
    int64_t rotate_to_day = 0;
    journal_stream stream = journal_stream::order_book;
    std::string line;
    completion done;
  };

  struct segment {
    int fd = -1;
    uint64_t next_index = 1;
    uint64_t bytes = 0;    // in the open segment, written or buffered
    bool unsynced = false; // written since its last fdatasync
    std::string path;
    std::string buffer;    // this chunk's lines for this stream
  };

  uint64_t enqueue(journal_stream s, std::string_view event, timestamp_ns ts,
                   std::string_view fields, completion done);
  void run();
  void process(std::vector<pending>& work);
  void commit(pending* first, pending* last);
  bool open_segment(segment& seg, journal_stream s, std::string& error);
  bool flush(segment& seg, std::string& error);
  bool sync(segment& seg, std::string& error);
  // Flushes, syncs (unless the policy is never) and closes: the end of a segment.
  bool finish_segment(segment& seg, std::string& error);
  void set_failed(const std::string& error);

  journal_options opts_;
  std::unique_ptr<journal_dir_lock> lock_;
  std::shared_ptr<file_ops> ops_;
  size_t max_batch_;
  bool rotate_by_size_;

  // Shared with callers, under mtx_.
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<pending> queue_;
  uint64_t next_seq_;
  bool stopping_ = false;

  // Writer thread only.
  segment segs_[2];
  int64_t day_;

  std::atomic<bool> failed_{false};
  mutable std::mutex failure_mtx_;
  std::string failure_;
  std::atomic<uint64_t> durable_seq_{0};
  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> syncs_{0};
  std::atomic<uint64_t> bytes_{0};

  std::thread thread_; // last: starts after everything above is initialised
};

} // namespace engine
