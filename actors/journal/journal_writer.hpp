// The journal writer: takes messages from any thread; its own thread encodes, checksums and makes them durable.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/journal/file_ops.hpp"
#include "actors/journal/journal_format.hpp"
#include "config/app_config.hpp"
#include "messages/json_writer.hpp"

namespace engine {

struct journal_options {
  std::string dir = "logs/execution";
  fsync_policy fsync = fsync_policy::batch;
  int64_t batch_max_records = 4096; // records per group commit (batch)
  int64_t batch_max_us = 500;      // how long a short batch waits for more (batch)
  std::string rotate = "daily";    // daily: new segments at rotate_day; size: past rotate_bytes
  int64_t rotate_bytes = 256 * 1024 * 1024;
  /// Per stream, how much of the newest journal the page cache keeps: older
  /// pages are written back and dropped, so the writer keeps reusing a few
  /// warm pages instead of taking fresh ones (0: leave it to the kernel).
  int64_t page_cache_bytes = 4 * 1024 * 1024;
  int64_t session_day = 0;         // YYYYMMDD label of the first segments; 0 = no label
  /// Told how long each fdatasync took, on the writer thread (for the fsync histogram).
  std::function<void(std::chrono::nanoseconds)> on_sync;

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

// A message waiting in the writer's queue; the writer thread encodes it.
struct record_body {
  virtual ~record_body() = default;
  // Appends the message's fields (`"a":1,"b":"x"`, no braces) to out; with
  // without_defaults, only those not at their default (json_writer::fields_without_defaults).
  virtual void write_fields(json_writer& w, bool without_defaults) const = 0;
};

template <class T>
struct typed_record_body final : record_body {
  template <class U>
  explicit typed_record_body(U&& m) : msg(std::forward<U>(m)) {}
  void write_fields(json_writer& w, bool without_defaults) const override {
    if (without_defaults)
      w.fields_without_defaults(msg);
    else
      w.fields(msg);
  }
  T msg;
};

} // namespace detail

/// Appends order events and fills to the journal and reports each record's
/// durability through its completion. Thread-safe for any number of callers;
/// the file I/O runs on one writer thread owned by this object.
class journal_writer {
public:
  /// Called on the writer thread, in seq order, exactly once per record. Must
  /// not throw and must not destroy the writer.
  using completion = std::function<void(uint64_t seq, bool durable_ok, const std::string& error)>;

  /// Called on the writer thread once per commit that held records, after the
  /// records' own completions, with the commit's seq range (every seq in
  /// [first_seq, last_seq] was appended, and all share the outcome). Seqs are
  /// consecutive, so a caller can settle everything up to last_seq with one
  /// message instead of one per record. Same rules as a completion.
  using commit_completion =
    std::function<void(uint64_t first_seq, uint64_t last_seq, bool durable_ok,
                       const std::string& error)>;

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
  /// on_commit, if set, is called once per commit (see commit_completion).
  journal_writer(journal_options opts, uint64_t next_seq,
                 std::shared_ptr<file_ops> ops = nullptr, commit_completion on_commit = nullptr);

  /// Drains the queue (every completion fires), syncs, closes and joins.
  ~journal_writer();

  journal_writer(const journal_writer&) = delete;
  journal_writer& operator=(const journal_writer&) = delete;

  /// Takes the message (moved in if passed as an rvalue), assigns the next seq,
  /// queues it and returns the seq; never waits for I/O. The writer thread
  /// encodes the JSON line and its crc. Throws std::invalid_argument for an
  /// event name outside [A-Za-z0-9_.-] or a message with a field named seq, ts,
  /// event or crc. done may be empty (then only on_commit reports the record).
  template <class T>
  uint64_t append(journal_stream s, std::string_view event, T&& msg, timestamp_ns ts,
                  completion done) {
    using type = std::decay_t<T>;
    detail::check_message_type<type>();
    check_event(event);
    return enqueue(s, event, ts,
                   std::make_unique<detail::typed_record_body<type>>(std::forward<T>(msg)),
                   std::move(done));
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
    timestamp_ns ts = 0;
    journal_stream stream = journal_stream::order_book;
    uint8_t event_size = 0;    // event names up to sizeof(event) bytes stay inline
    char event[30];
    std::string long_event;    // longer ones
    std::unique_ptr<detail::record_body> body;
    completion done;

    std::string_view event_name() const {
      return event_size > 0 ? std::string_view{event, event_size} : std::string_view{long_event};
    }
  };

  struct segment {
    int fd = -1;
    uint64_t next_index = 1;
    uint64_t bytes = 0;    // in the open segment, written or buffered
    bool unsynced = false; // written since its last fdatasync
    uint64_t writeback_from = 0; // written bytes before this were handed to writeback
    uint64_t dropped_upto = 0;   // bytes before this were dropped from the page cache
    std::string path;
    std::string buffer;    // this chunk's lines for this stream
  };

  static void check_event(std::string_view event);
  uint64_t enqueue(journal_stream s, std::string_view event, timestamp_ns ts,
                   std::unique_ptr<detail::record_body> body, completion done);
  // Encodes p's record line into line_ (writer thread).
  void encode(const pending& p);
  void run();
  void process(std::vector<pending>& work);
  void commit(pending* first, pending* last);
  bool open_segment(segment& seg, journal_stream s, std::string& error);
  bool flush(segment& seg, std::string& error);
  bool sync(segment& seg, std::string& error);
  // Writes back and drops the pages older than page_cache_bytes (after a flush).
  void trim_cache(segment& seg);
  // Flushes, syncs (unless the policy is never) and closes: the end of a segment.
  bool finish_segment(segment& seg, std::string& error);
  void set_failed(const std::string& error);

  journal_options opts_;
  std::unique_ptr<journal_dir_lock> lock_;
  std::shared_ptr<file_ops> ops_;
  commit_completion on_commit_;
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
  std::string line_; // the record being encoded, reused

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
