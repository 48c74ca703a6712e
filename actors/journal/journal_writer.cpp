// Group commit on one writer thread: swap the queue, encode and write each stream once, fdatasync, then complete.
#include "actors/journal/journal_writer.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace engine {

namespace {

size_t index_of(journal_stream s) {
  return static_cast<size_t>(s);
}

constexpr journal_stream all_streams[] = {journal_stream::order_book, journal_stream::trade_log};

std::string errno_text(int negative_errno) {
  return std::system_category().message(-negative_errno);
}

bool plausible_day(int64_t day) {
  if (day < 10000101 || day > 99991231)
    return false;
  auto month = (day / 100) % 100;
  auto dom = day % 100;
  return month >= 1 && month <= 12 && dom >= 1 && dom <= 31;
}

} // namespace

namespace detail {

void check_reserved_keys(const std::vector<std::string_view>& names) {
  for (auto name : names)
    if (name == "seq" || name == "ts" || name == "event" || name == "crc")
      throw std::invalid_argument("journal: a message with a field named \"" + std::string{name}
                                  + "\" cannot be journaled: it would shadow the record's own key;"
                                    " journal its parts instead");
}

} // namespace detail

journal_options journal_options::from_config(const journal_config& cfg, int64_t session_day) {
  journal_options o;
  o.dir = cfg.dir;
  o.fsync = cfg.fsync;
  o.batch_max_records = cfg.batch_max_records;
  o.batch_max_us = cfg.batch_max_us;
  o.rotate = cfg.rotate;
  o.rotate_bytes = cfg.rotate_bytes;
  o.page_cache_bytes = cfg.page_cache_bytes;
  o.session_day = session_day;
  return o;
}

journal_writer::journal_writer(journal_options opts, uint64_t next_seq,
                               std::shared_ptr<file_ops> ops, commit_completion on_commit)
  : opts_(std::move(opts)),
    ops_(ops ? std::move(ops) : default_file_ops()),
    on_commit_(std::move(on_commit)),
    max_batch_(0),
    rotate_by_size_(false),
    next_seq_(next_seq),
    day_(opts_.session_day) {
  if (opts_.dir.empty())
    throw journal_error("journal: dir is empty");
  if (opts_.batch_max_records < 1)
    throw journal_error("journal: batch_max_records must be at least 1");
  if (opts_.batch_max_us < 0)
    throw journal_error("journal: batch_max_us must not be negative");
  if (opts_.rotate != "daily" && opts_.rotate != "size")
    throw journal_error("journal: rotate must be daily or size, not '" + opts_.rotate + "'");
  if (opts_.rotate == "size" && opts_.rotate_bytes <= 0)
    throw journal_error("journal: rotate_bytes must be positive for rotate: size");
  if (opts_.page_cache_bytes < 0)
    throw journal_error("journal: page_cache_bytes must not be negative");
  if (opts_.session_day != 0 && !plausible_day(opts_.session_day))
    throw journal_error("journal: session_day " + std::to_string(opts_.session_day)
                        + " is not a YYYYMMDD date");
  if (next_seq_ == 0)
    throw journal_error("journal: seqs start at 1");
  max_batch_ = static_cast<size_t>(opts_.batch_max_records);
  rotate_by_size_ = opts_.rotate == "size";
  std::error_code ec;
  std::filesystem::create_directories(opts_.dir, ec);
  if (ec)
    throw journal_error("journal: cannot create " + opts_.dir + ": " + ec.message());
  lock_ = std::make_unique<journal_dir_lock>(opts_.dir);
  // A new session never appends to an old segment: whatever a crash left at
  // the end of the last one stays the last line of that file for replay to judge.
  for (auto s : all_streams) {
    auto existing = list_segments(opts_.dir, s);
    if (!existing.empty())
      segs_[index_of(s)].next_index = existing.back().index + 1;
  }
  thread_ = std::thread([this] { run(); });
}

journal_writer::~journal_writer() {
  {
    std::lock_guard<std::mutex> lk{mtx_};
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void journal_writer::check_event(std::string_view event) {
  if (!valid_event_name(event))
    throw std::invalid_argument("journal: event name '" + std::string{event}
                                + "' is not [A-Za-z0-9_.-]+");
}

uint64_t journal_writer::enqueue(journal_stream s, std::string_view event, timestamp_ns ts,
                                 std::unique_ptr<detail::record_body> body, completion done) {
  pending p;
  p.stream = s;
  p.ts = ts;
  if (event.size() <= sizeof(p.event)) {
    p.event_size = static_cast<uint8_t>(event.size());
    std::memcpy(p.event, event.data(), event.size());
  } else {
    p.long_event.assign(event.data(), event.size());
  }
  p.body = std::move(body);
  p.done = std::move(done);
  bool wake;
  uint64_t seq;
  {
    // The seq is taken and the record queued under one lock, so the queue is
    // always in seq order; nothing is encoded here (the writer thread does it).
    std::lock_guard<std::mutex> lk{mtx_};
    seq = next_seq_++;
    p.seq = seq;
    queue_.push_back(std::move(p));
    wake = queue_.size() == 1 || queue_.size() == max_batch_;
  }
  if (wake)
    cv_.notify_one();
  return seq;
}

void journal_writer::encode(const pending& p) {
  line_.clear();
  auto start = begin_record_line(line_, p.seq, p.ts, p.event_name());
  line_ += ',';
  auto fields_at = line_.size();
  json_writer w{line_};
  // Order book records leave out fields at their default (most of an order's are): 29% fewer
  // bytes in the benchmark node. Fills in the trade log keep every field, as money records.
  p.body->write_fields(w, p.stream == journal_stream::order_book);
  if (line_.size() == fields_at)
    line_.pop_back(); // a message without fields: no comma
  end_record_line(line_, start);
}

void journal_writer::rotate_day(int64_t session_day) {
  if (!plausible_day(session_day))
    throw std::invalid_argument("journal: session_day " + std::to_string(session_day)
                                + " is not a YYYYMMDD date");
  pending p;
  p.rotate_to_day = session_day;
  bool wake;
  {
    std::lock_guard<std::mutex> lk{mtx_};
    queue_.push_back(std::move(p));
    wake = queue_.size() == 1 || queue_.size() == max_batch_;
  }
  if (wake)
    cv_.notify_one();
}

bool journal_writer::failed() const {
  return failed_.load(std::memory_order_acquire);
}

std::string journal_writer::failure() const {
  std::lock_guard<std::mutex> lk{failure_mtx_};
  return failure_;
}

uint64_t journal_writer::durable_seq() const {
  return durable_seq_.load(std::memory_order_acquire);
}

struct journal_writer::stats journal_writer::stats() const {
  return {records_.load(), syncs_.load(), bytes_.load()};
}

void journal_writer::run() {
  std::vector<pending> work;
  std::unique_lock<std::mutex> lk{mtx_};
  for (;;) {
    cv_.wait(lk, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty())
      break; // stopping, and everything is drained
    if (opts_.fsync == fsync_policy::batch && queue_.size() < max_batch_ && !stopping_
        && !failed()) {
      // Group commit: a short batch waits a little for company before paying a sync.
      auto deadline = std::chrono::steady_clock::now()
                      + std::chrono::microseconds(opts_.batch_max_us);
      cv_.wait_until(lk, deadline,
                     [this] { return queue_.size() >= max_batch_ || stopping_; });
    }
    work.swap(queue_);
    lk.unlock();
    process(work);
    work.clear();
    lk.lock();
  }
  lk.unlock();
  // Shutdown: make even a `never` journal durable, then let go of the files.
  std::string error;
  for (auto& seg : segs_) {
    if (!failed() && !sync(seg, error))
      set_failed(error);
    if (seg.fd >= 0)
      ops_->close(seg.fd);
    seg.fd = -1;
  }
}

void journal_writer::process(std::vector<pending>& work) {
  // `always` and `never` commit everything taken at once (records that queued
  // up during the previous sync share the next one); `batch` caps each commit.
  size_t step = opts_.fsync == fsync_policy::batch ? max_batch_ : work.size();
  for (size_t i = 0; i < work.size(); i += step) {
    auto n = std::min(step, work.size() - i);
    commit(work.data() + i, work.data() + i + n);
  }
}

void journal_writer::commit(pending* first, pending* last) {
  std::string error;
  bool ok = !failed();
  uint64_t last_seq = 0;
  uint64_t count = 0;
  for (auto p = first; ok && p != last; ++p) {
    if (p->seq == 0) {
      if (p->rotate_to_day == day_)
        continue;
      day_ = p->rotate_to_day;
      if (!rotate_by_size_)
        for (auto& seg : segs_)
          if (ok && seg.fd >= 0)
            ok = finish_segment(seg, error);
      continue;
    }
    auto& seg = segs_[index_of(p->stream)];
    encode(*p);
    if (rotate_by_size_ && seg.fd >= 0 && seg.bytes > 0
        && seg.bytes + line_.size() > static_cast<uint64_t>(opts_.rotate_bytes))
      ok = finish_segment(seg, error);
    if (ok && seg.fd < 0)
      ok = open_segment(seg, p->stream, error);
    if (!ok)
      break;
    seg.buffer += line_;
    seg.bytes += line_.size();
    last_seq = p->seq;
    ++count;
  }
  for (auto& seg : segs_)
    if (ok && !flush(seg, error))
      ok = false;
  if (opts_.fsync != fsync_policy::never)
    for (auto& seg : segs_)
      if (ok && !sync(seg, error))
        ok = false;
  if (ok)
    for (auto& seg : segs_)
      trim_cache(seg);
  if (ok) {
    if (last_seq != 0)
      durable_seq_.store(last_seq, std::memory_order_release);
    records_.fetch_add(count, std::memory_order_relaxed);
  } else {
    for (auto& seg : segs_)
      seg.buffer.clear();
    if (!error.empty())
      set_failed(error);
    error = failure();
  }
  const std::string no_error;
  uint64_t range_first = 0;
  uint64_t range_last = 0;
  for (auto p = first; p != last; ++p) {
    if (p->seq == 0)
      continue;
    if (range_first == 0)
      range_first = p->seq;
    range_last = p->seq;
    p->body.reset(); // freed here, where it was encoded
    if (!p->done)
      continue;
    try {
      p->done(p->seq, ok, ok ? no_error : error);
    } catch (...) {
      // A throwing completion must not take the journal down with it.
    }
  }
  if (on_commit_ && range_first != 0) {
    try {
      on_commit_(range_first, range_last, ok, ok ? no_error : error);
    } catch (...) {
    }
  }
}

bool journal_writer::open_segment(segment& seg, journal_stream s, std::string& error) {
  auto name = segment_file_name(s, seg.next_index, day_);
  seg.path = (std::filesystem::path{opts_.dir} / name).string();
  int fd = ops_->open_append(seg.path);
  if (fd < 0) {
    error = "journal: open " + seg.path + ": " + errno_text(fd);
    return false;
  }
  seg.fd = fd;
  ++seg.next_index;
  seg.bytes = 0;
  seg.unsynced = false;
  seg.writeback_from = 0;
  seg.dropped_upto = 0;
  if (opts_.fsync != fsync_policy::never) {
    // The new name must survive a crash as surely as the records inside it.
    int rc = ops_->sync_dir(opts_.dir);
    if (rc < 0) {
      error = "journal: fsync directory " + opts_.dir + ": " + errno_text(rc);
      return false;
    }
  }
  return true;
}

bool journal_writer::flush(segment& seg, std::string& error) {
  const char* p = seg.buffer.data();
  size_t left = seg.buffer.size();
  while (left > 0) {
    auto n = ops_->write(seg.fd, p, left);
    if (n <= 0) {
      // A partial line may now end the file; replay cuts it off as torn.
      error = "journal: write " + seg.path + ": "
              + (n < 0 ? errno_text(static_cast<int>(n)) : std::string{"wrote nothing"});
      return false;
    }
    p += n;
    left -= static_cast<size_t>(n);
    bytes_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    seg.unsynced = true;
  }
  seg.buffer.clear();
  return true;
}

void journal_writer::trim_cache(segment& seg) {
  // Nothing rereads a journal while the node runs, yet every new page the page
  // cache takes costs a fresh allocation (tens of microseconds on a VM whose
  // free pages go back to the host). Written-back pages dropped here are
  // reused for the next writes while still warm.
  auto window = static_cast<uint64_t>(opts_.page_cache_bytes);
  if (window == 0 || seg.fd < 0)
    return;
  uint64_t step = std::max<uint64_t>(window / 4, 4096);
  if (seg.bytes - seg.writeback_from < step)
    return;
  // Failures are ignored: these are hints, and a real write-back error
  // reaches the next fdatasync (with fsync: never, the journal never asked).
  if (opts_.fsync == fsync_policy::never) // otherwise fdatasync has cleaned them
    ops_->start_writeback(seg.fd, seg.writeback_from, seg.bytes - seg.writeback_from);
  seg.writeback_from = seg.bytes;
  // Pages older than the window had three steps' worth of writes to get clean;
  // any still dirty are skipped by the kernel and simply stay cached.
  if (seg.bytes > window + seg.dropped_upto) {
    uint64_t upto = (seg.bytes - window) & ~uint64_t{4095};
    if (upto > seg.dropped_upto) {
      ops_->drop_cached(seg.fd, seg.dropped_upto, upto - seg.dropped_upto);
      seg.dropped_upto = upto;
    }
  }
}

bool journal_writer::sync(segment& seg, std::string& error) {
  if (seg.fd < 0 || !seg.unsynced)
    return true;
  auto started = std::chrono::steady_clock::now();
  int rc = ops_->fdatasync(seg.fd);
  if (opts_.on_sync)
    opts_.on_sync(std::chrono::steady_clock::now() - started);
  syncs_.fetch_add(1, std::memory_order_relaxed);
  if (rc < 0) {
    // Never retried: after a failed fdatasync the kernel may have dropped the
    // dirty pages, so a later success would not mean these bytes are on disk.
    error = "journal: fdatasync " + seg.path + ": " + errno_text(rc);
    return false;
  }
  seg.unsynced = false;
  return true;
}

bool journal_writer::finish_segment(segment& seg, std::string& error) {
  if (!flush(seg, error))
    return false;
  if (opts_.fsync != fsync_policy::never && !sync(seg, error))
    return false;
  int rc = ops_->close(seg.fd);
  seg.fd = -1;
  if (rc < 0) {
    error = "journal: close " + seg.path + ": " + errno_text(rc);
    return false;
  }
  return true;
}

void journal_writer::set_failed(const std::string& error) {
  {
    std::lock_guard<std::mutex> lk{failure_mtx_};
    if (failure_.empty())
      failure_ = error;
  }
  failed_.store(true, std::memory_order_release);
}

} // namespace engine
