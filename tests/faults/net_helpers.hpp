// Test helpers for fault-proxy: an echo server and a tiny HTTP server on 127.0.0.1 (each on its
// own threads), and a blocking client whose every read has a timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace engine::testing {

inline int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// A listening socket on 127.0.0.1, port picked by the kernel.
inline int listen_loopback(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

/// How a read ended.
enum class read_end { complete, eof, reset, timeout };

inline const char* to_text(read_end e) {
  switch (e) {
    case read_end::complete: return "complete";
    case read_end::eof: return "eof";
    case read_end::reset: return "reset";
    case read_end::timeout: return "timeout";
  }
  return "?";
}

struct read_result {
  std::string data;
  read_end end = read_end::timeout;
  bool closed() const { return end == read_end::eof || end == read_end::reset; }
};

/// One blocking TCP connection to 127.0.0.1:port.
class client {
public:
  explicit client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~client() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      s.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  /// Reads until `done(data)` holds, the peer closes, or `timeout_ms` passes in all.
  template <class Done>
  read_result read_until(Done done, int timeout_ms) {
    read_result r;
    r.data = std::move(pending_);
    pending_.clear();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
    while (!done(r.data)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
      if (left <= 0) {
        r.end = read_end::timeout;
        return r;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0)
        continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) {
        r.end = read_end::eof;
        return r;
      }
      if (n < 0) {
        r.end = read_end::reset;
        return r;
      }
      r.data.append(buf, static_cast<size_t>(n));
    }
    r.end = read_end::complete;
    return r;
  }

  /// Exactly n bytes (more stay for the next read).
  read_result read_exact(size_t n, int timeout_ms) {
    auto r = read_until([n](const std::string& d) { return d.size() >= n; }, timeout_ms);
    if (r.data.size() > n) {
      pending_ = r.data.substr(n);
      r.data.resize(n);
    }
    return r;
  }

  /// Puts bytes back in front of the next read.
  void unread(std::string bytes) { pending_ = std::move(bytes) + pending_; }

  /// Waits for the peer to close (eof or reset), or the timeout.
  read_result read_to_close(int timeout_ms) {
    return read_until([](const std::string&) { return false; }, timeout_ms);
  }

private:
  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

/// An HTTP answer as the client read it.
struct http_answer {
  int status = 0;
  std::string head;
  std::string body;
  read_end end = read_end::timeout;
};

/// Reads one HTTP/1.1 answer with a Content-Length body.
inline http_answer read_http(client& c, int timeout_ms) {
  http_answer a;
  auto head = c.read_until(
    [](const std::string& d) { return d.find("\r\n\r\n") != std::string::npos; }, timeout_ms);
  a.end = head.end;
  if (head.end != read_end::complete)
    return a;
  size_t end = head.data.find("\r\n\r\n");
  a.head = head.data.substr(0, end + 4);
  if (a.head.rfind("HTTP/1.1 ", 0) == 0)
    a.status = std::atoi(a.head.c_str() + 9);
  size_t length = 0;
  auto cl = a.head.find("Content-Length: ");
  if (cl != std::string::npos)
    length = static_cast<size_t>(std::atoll(a.head.c_str() + cl + 16));
  c.unread(head.data.substr(end + 4));
  auto body = c.read_exact(length, timeout_ms);
  a.body = body.data;
  a.end = body.end;
  return a;
}

inline std::string http_request(const std::string& method, const std::string& target,
                                const std::string& body = "") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!body.empty() || method == "POST")
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n";
  return r + "\r\n" + body;
}

/// Accepts on 127.0.0.1 and runs `serve(fd)` per connection on its own thread; every loop
/// polls with a short timeout so that the destructor ends them all.
class tcp_server {
public:
  using handler = std::function<void(int fd, const std::atomic<bool>& stop)>;

  explicit tcp_server(handler serve) : serve_(std::move(serve)) {
    fd_ = listen_loopback(port_);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~tcp_server() {
    stop_ = true;
    accept_thread_.join();
    for (auto& t : connections_)
      t.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  int connections() const { return accepted_; }

private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0)
        continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0)
        continue;
      ++accepted_;
      connections_.emplace_back([this, c] {
        serve_(c, stop_);
        ::close(c);
      });
    }
  }

  handler serve_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread accept_thread_;
  std::vector<std::thread> connections_;
};

/// Reads what is there within 20 ms: >0 bytes, 0 for nothing yet, -1 closed.
inline ssize_t poll_recv(int fd, char* buf, size_t size) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 20) <= 0)
    return 0;
  ssize_t n = ::recv(fd, buf, size, 0);
  return n <= 0 ? -1 : n;
}

/// Echoes every byte back; counts bytes received.
class echo_server {
public:
  echo_server()
    : server_([this](int fd, const std::atomic<bool>& stop) {
        char buf[4096];
        while (!stop) {
          ssize_t n = poll_recv(fd, buf, sizeof buf);
          if (n < 0)
            return;
          if (n == 0)
            continue;
          bytes_ += n;
          if (::send(fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n)
            return;
        }
      }) {}
  uint16_t port() const { return server_.port(); }
  int connections() const { return server_.connections(); }
  int64_t bytes() const { return bytes_; }

private:
  std::atomic<int64_t> bytes_{0};
  tcp_server server_;
};

/// Answers every request `200 OK` with the body "ok <request line>"; records request lines.
class http_server {
public:
  http_server()
    : server_([this](int fd, const std::atomic<bool>& stop) {
        std::string in;
        char buf[4096];
        while (!stop) {
          ssize_t n = poll_recv(fd, buf, sizeof buf);
          if (n < 0)
            return;
          in.append(buf, static_cast<size_t>(n));
          for (;;) {
            size_t end = in.find("\r\n\r\n");
            if (end == std::string::npos)
              break;
            size_t length = 0;
            auto cl = in.find("Content-Length: ");
            if (cl != std::string::npos && cl < end)
              length = static_cast<size_t>(std::atoll(in.c_str() + cl + 16));
            if (in.size() < end + 4 + length)
              break;
            std::string line = in.substr(0, in.find("\r\n"));
            in.erase(0, end + 4 + length);
            {
              std::lock_guard<std::mutex> lock{mutex_};
              lines_.push_back(line);
            }
            changed_.notify_all();
            std::string body = "ok " + line;
            std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body;
            if (::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL) < 0)
              return;
          }
        }
      }) {}
  uint16_t port() const { return server_.port(); }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock{mutex_};
    return lines_;
  }
  /// Waits (bounded) until `n` requests have arrived.
  bool wait_for(size_t n, int timeout_ms) {
    std::unique_lock<std::mutex> lock{mutex_};
    return changed_.wait_for(lock, std::chrono::milliseconds{timeout_ms},
                             [&] { return lines_.size() >= n; });
  }

private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  tcp_server server_;
};

} // namespace engine::testing
