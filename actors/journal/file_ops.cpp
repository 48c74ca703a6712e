// POSIX implementation of the journal's file operations.
#include "actors/journal/file_ops.hpp"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

namespace engine {

int posix_file_ops::open_append(const std::string& path) {
  for (;;) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0)
      return fd;
    if (errno != EINTR)
      return -errno;
  }
}

ssize_t posix_file_ops::write(int fd, const void* data, size_t n) {
  for (;;) {
    auto r = ::write(fd, data, n);
    if (r >= 0)
      return r;
    if (errno != EINTR)
      return -errno;
  }
}

int posix_file_ops::fdatasync(int fd) {
  for (;;) {
    if (::fdatasync(fd) == 0)
      return 0;
    // EINTR is not a lost write-back; anything else is (and must not be retried
    // as if it were harmless: the kernel may already have dropped the dirty pages).
    if (errno != EINTR)
      return -errno;
  }
}

int posix_file_ops::close(int fd) {
  // Never retry close: on Linux the fd is gone even when EINTR is reported.
  return ::close(fd) == 0 ? 0 : -errno;
}

int posix_file_ops::sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  int rc = ::fsync(fd) == 0 ? 0 : -errno;
  ::close(fd);
  return rc;
}

int file_ops::start_writeback(int, uint64_t, uint64_t) {
  return 0;
}

int file_ops::drop_cached(int, uint64_t, uint64_t) {
  return 0;
}

int posix_file_ops::start_writeback(int fd, uint64_t offset, uint64_t len) {
  return ::sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(len),
                           SYNC_FILE_RANGE_WRITE)
             == 0
           ? 0
           : -errno;
}

int posix_file_ops::drop_cached(int fd, uint64_t offset, uint64_t len) {
  // Returns the error itself, not -1 and errno.
  return -::posix_fadvise(fd, static_cast<off_t>(offset), static_cast<off_t>(len),
                          POSIX_FADV_DONTNEED);
}

std::shared_ptr<file_ops> default_file_ops() {
  static auto ops = std::make_shared<posix_file_ops>();
  return ops;
}

} // namespace engine
