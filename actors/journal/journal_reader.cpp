// Replay: mmap each segment, verify each line's crc, merge the two streams by seq.
#include "actors/journal/journal_reader.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace engine {

namespace {

std::string errno_text() {
  return std::system_category().message(errno);
}

std::string where(const std::string& path, uint64_t line_no) {
  return path + ":" + std::to_string(line_no) + ": ";
}

// A read-only view of a whole segment file.
class mapped_file {
public:
  explicit mapped_file(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      throw journal_error(path + ": cannot open: " + errno_text());
    struct stat st;
    if (::fstat(fd_, &st) != 0) {
      auto why = errno_text();
      ::close(fd_);
      throw journal_error(path + ": cannot stat: " + why);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw journal_error(path + ": not a regular file");
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0)
      return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) {
      auto why = errno_text();
      ::close(fd_);
      throw journal_error(path + ": cannot map: " + why);
    }
    ::madvise(p, size_, MADV_SEQUENTIAL);
    data_ = static_cast<const char*>(p);
  }
  ~mapped_file() { release(); }
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;

  void release() {
    if (data_ != nullptr)
      ::munmap(const_cast<char*>(data_), size_);
    if (fd_ >= 0)
      ::close(fd_);
    data_ = nullptr;
    fd_ = -1;
  }

  std::string_view bytes() const { return {data_, size_}; }

private:
  int fd_ = -1;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

void write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      throw journal_error(path + ": cannot write: " + errno_text());
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void fsync_or_throw(int fd, const std::string& path) {
  if (::fsync(fd) != 0)
    throw journal_error(path + ": cannot fsync: " + errno_text());
}

void sync_dir_of(const std::string& path) {
  auto dir = std::filesystem::path{path}.parent_path().string();
  if (dir.empty())
    dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    throw journal_error(dir + ": cannot open directory: " + errno_text());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    throw journal_error(dir + ": cannot fsync directory: " + errno_text());
}

// Writes bytes to a new file named base, or base.1, base.2, ... if taken
// (the same seq can be torn twice across crashes). Returns the name used.
std::string save_new_file(const std::string& base, std::string_view bytes) {
  for (int attempt = 0;; ++attempt) {
    auto path = attempt == 0 ? base : base + "." + std::to_string(attempt);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST && attempt < 1000)
        continue;
      throw journal_error(path + ": cannot create: " + errno_text());
    }
    try {
      write_all(fd, bytes, path);
      fsync_or_throw(fd, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    return path;
  }
}

void append_to_file(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    throw journal_error(path + ": cannot open: " + errno_text());
  try {
    write_all(fd, bytes, path);
    fsync_or_throw(fd, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

// Reads one stream's segments in index order, line by line.
class stream_cursor {
public:
  stream_cursor(journal_stream s, std::vector<journal_segment> segs, bool recover,
                replay_summary& sum)
    : stream_(s), segs_(std::move(segs)), recover_(recover), sum_(sum) {}

  /// The next verified line of this stream; false at its end.
  bool next(journal_record& out) {
    for (;;) {
      if (!map_) {
        if (file_ == segs_.size())
          return false;
        open_file();
      }
      auto bytes = map_->bytes();
      if (pos_ == bytes.size()) {
        finish_file();
        continue;
      }
      ++line_no_;
      auto begin = pos_;
      auto nl = static_cast<const char*>(
        std::memchr(bytes.data() + begin, '\n', bytes.size() - begin));
      if (nl == nullptr) {
        // The writer only ever writes whole lines: an unterminated tail is an
        // interrupted write in any segment, never an acknowledged record.
        torn(begin, "no newline at the end of the file");
        continue;
      }
      auto end = static_cast<size_t>(nl - bytes.data());
      auto line = bytes.substr(begin, end - begin);
      pos_ = end + 1;
      parsed_record_line h;
      if (!parse_record_line(line, h, why_)) {
        if (pos_ == bytes.size() && file_ + 1 == segs_.size())
          torn(begin, why_);
        else
          damaged(begin, pos_, why_);
        continue;
      }
      last_begin_ = begin;
      last_good_seq_ = h.seq;
      out.seq = h.seq;
      out.ts = h.ts;
      out.event = h.event;
      out.stream = stream_;
      out.line = line;
      out.file = segs_[file_].path;
      out.line_no = line_no_;
      return true;
    }
  }

  /// The merge found the line last returned out of order.
  void reject(const journal_record& r, const std::string& what) {
    damaged(last_begin_, last_begin_ + r.line.size() + 1, what);
  }

private:
  void open_file() {
    auto& seg = segs_[file_];
    map_ = std::make_unique<mapped_file>(seg.path);
    sum_.files.push_back(seg.path);
    pos_ = 0;
    line_no_ = 0;
    bad_.clear();
    torn_begin_ = npos;
    torn_line_no_ = 0;
  }

  void torn(size_t begin, const std::string& what) {
    torn_begin_ = begin;
    torn_line_no_ = line_no_;
    torn_what_ = what;
    pos_ = map_->bytes().size();
  }

  void damaged(size_t begin, size_t end, const std::string& what) {
    const auto& path = segs_[file_].path;
    if (!recover_)
      throw journal_error(where(path, line_no_) + what);
    bad_.push_back({begin, end, line_no_, what});
  }

  // Everything found wrong in a file is acted on once its end is reached:
  // bytes are saved aside first, and only then removed from the segment.
  void finish_file() {
    const auto& path = segs_[file_].path;
    auto bytes = map_->bytes();
    if (!bad_.empty()) {
      std::string moved;
      for (const auto& b : bad_)
        moved.append(bytes.substr(b.begin, b.end - b.begin));
      auto qpath = path + ".quarantine";
      append_to_file(qpath, moved);
      for (const auto& b : bad_) {
        ++sum_.quarantined;
        sum_.problems.push_back(where(path, b.line_no) + b.what + ": QUARANTINED to " + qpath);
      }
    }
    if (torn_begin_ != npos) {
      auto tail = bytes.substr(torn_begin_);
      auto seq = peek_record_seq(tail);
      if (seq == 0)
        seq = last_good_seq_ + 1;
      auto saved = save_new_file(path + ".torn-" + std::to_string(seq), tail);
      ++sum_.torn;
      sum_.problems.push_back(where(path, torn_line_no_) + "torn last line ("
                              + std::to_string(tail.size()) + " bytes, " + torn_what_
                              + "): cut off, saved to " + saved);
    }
    if (!bad_.empty()) {
      // Rewrite without the bad lines and swap it in atomically.
      auto tmp = path + ".rewrite";
      std::string keep;
      keep.reserve(bytes.size());
      size_t from = 0;
      auto stop = torn_begin_ == npos ? bytes.size() : torn_begin_;
      for (const auto& b : bad_) {
        keep.append(bytes.substr(from, b.begin - from));
        from = b.end;
      }
      keep.append(bytes.substr(from, stop - from));
      ::unlink(tmp.c_str());
      auto written = save_new_file(tmp, keep);
      map_.reset();
      if (::rename(written.c_str(), path.c_str()) != 0)
        throw journal_error(path + ": cannot replace with " + written + ": " + errno_text());
      sync_dir_of(path);
    } else if (torn_begin_ != npos) {
      auto keep = static_cast<off_t>(torn_begin_);
      map_.reset(); // nothing may touch the mapping past the new end
      int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        throw journal_error(path + ": cannot open to cut the torn tail: " + errno_text());
      if (::ftruncate(fd, keep) != 0 || ::fsync(fd) != 0) {
        auto why = errno_text();
        ::close(fd);
        throw journal_error(path + ": cannot cut the torn tail: " + why);
      }
      ::close(fd);
    }
    map_.reset();
    ++file_;
  }

  struct bad_line {
    size_t begin;
    size_t end; // past the newline
    uint64_t line_no;
    std::string what;
  };

  static constexpr size_t npos = static_cast<size_t>(-1);

  journal_stream stream_;
  std::vector<journal_segment> segs_;
  bool recover_;
  replay_summary& sum_;
  size_t file_ = 0;
  std::unique_ptr<mapped_file> map_;
  size_t pos_ = 0;
  uint64_t line_no_ = 0;
  size_t last_begin_ = 0;
  uint64_t last_good_seq_ = 0;
  std::vector<bad_line> bad_;
  size_t torn_begin_ = npos;
  uint64_t torn_line_no_ = 0;
  std::string torn_what_;
  std::string why_;
};

} // namespace

replay_summary replay(const std::string& dir, bool recover, const replay_callback& on_record) {
  replay_summary sum;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return sum; // a journal never written
  journal_dir_lock lock{dir};
  stream_cursor cursors[2] = {
    {journal_stream::order_book, list_segments(dir, journal_stream::order_book), recover, sum},
    {journal_stream::trade_log, list_segments(dir, journal_stream::trade_log), recover, sum}};
  journal_record rec[2];
  bool have[2] = {cursors[0].next(rec[0]), cursors[1].next(rec[1])};
  uint64_t last = 0;
  while (have[0] || have[1]) {
    size_t i = !have[1] ? 0 : !have[0] ? 1 : (rec[0].seq < rec[1].seq ? 0 : 1);
    const auto& r = rec[i];
    if (r.seq <= last) {
      cursors[i].reject(r, "seq " + std::to_string(r.seq) + " is not after seq "
                             + std::to_string(last) + " read before it");
    } else {
      if (last != 0 && r.seq > last + 1)
        sum.gaps += r.seq - last - 1;
      if (sum.first_seq == 0)
        sum.first_seq = r.seq;
      on_record(r);
      ++sum.records;
      last = r.seq;
    }
    have[i] = cursors[i].next(rec[i]);
  }
  sum.last_seq = last;
  return sum;
}

} // namespace engine
