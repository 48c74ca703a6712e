// The few file system calls the journal writer makes, behind an interface so tests can inject failures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <sys/types.h>

namespace engine {

/// Every call returns a value >= 0 on success or -errno on failure, so a fake
/// can fail with any error code without touching the thread's errno.
class file_ops {
public:
  virtual ~file_ops() = default;

  /// Opens path for appending (created with mode 0644 if missing); returns the fd.
  virtual int open_append(const std::string& path) = 0;

  /// Writes up to n bytes (EINTR is retried); returns how many were written.
  virtual ssize_t write(int fd, const void* data, size_t n) = 0;

  virtual int fdatasync(int fd) = 0;

  virtual int close(int fd) = 0;

  /// Makes the directory's entries durable (a newly created segment file).
  virtual int sync_dir(const std::string& dir) = 0;

  /// Hints, not promises (the writer ignores their failures, and a fake may
  /// leave them as these no-ops): start writing [offset, offset + len) back to
  /// disk without waiting, and drop those pages from the page cache once clean.
  virtual int start_writeback(int fd, uint64_t offset, uint64_t len);
  virtual int drop_cached(int fd, uint64_t offset, uint64_t len);
};

/// The real thing: open(2), write(2), fdatasync(2), close(2), fsync(2) on the
/// directory, sync_file_range(2) and posix_fadvise(2) for the hints.
class posix_file_ops : public file_ops {
public:
  int open_append(const std::string& path) override;
  ssize_t write(int fd, const void* data, size_t n) override;
  int fdatasync(int fd) override;
  int close(int fd) override;
  int sync_dir(const std::string& dir) override;
  int start_writeback(int fd, uint64_t offset, uint64_t len) override;
  int drop_cached(int fd, uint64_t offset, uint64_t len) override;
};

/// A shared POSIX instance, the writer's default.
std::shared_ptr<file_ops> default_file_ops();

} // namespace engine
