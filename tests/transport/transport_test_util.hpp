// Shared pieces of the transport tests: collectors that tests wait on, options, free ports.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "nodes/transport/node_link.hpp"

namespace engine::transport::testing {

using namespace std::chrono_literals;

/// Records delivered envelopes; tests block on it instead of sleeping.
struct collector {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<envelope> got;

  node_link::deliver_fn fn() {
    return [this](envelope&& e) {
      std::lock_guard<std::mutex> lk(mu);
      got.push_back(std::move(e));
      cv.notify_all();
    };
  }
  bool wait_for(size_t n, std::chrono::milliseconds timeout = 20s) {
    std::unique_lock<std::mutex> lk(mu);
    return cv.wait_for(lk, timeout, [&] { return got.size() >= n; });
  }
  std::vector<envelope> snapshot() {
    std::lock_guard<std::mutex> lk(mu);
    return got;
  }
  size_t size() {
    std::lock_guard<std::mutex> lk(mu);
    return got.size();
  }
};

/// Records peer up/down reports with the time they happened.
struct peer_events {
  struct event {
    std::string peer;
    bool up;
    std::chrono::steady_clock::time_point at;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::vector<event> events;

  node_link::peer_state_fn fn() {
    return [this](const std::string& peer, bool up) {
      std::lock_guard<std::mutex> lk(mu);
      events.push_back({peer, up, std::chrono::steady_clock::now()});
      cv.notify_all();
    };
  }
  /// Waits for a report (peer, up) at index >= from; returns its index or -1 on timeout.
  int wait_for(const std::string& peer, bool up, size_t from = 0,
               std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lk(mu);
    int found = -1;
    cv.wait_for(lk, timeout, [&] {
      for (size_t i = from; i < events.size(); ++i)
        if (events[i].peer == peer && events[i].up == up) {
          found = static_cast<int>(i);
          return true;
        }
      return false;
    });
    return found;
  }
  size_t size() {
    std::lock_guard<std::mutex> lk(mu);
    return events.size();
  }
  event at(size_t i) {
    std::lock_guard<std::mutex> lk(mu);
    return events.at(i);
  }
};

/// Plaintext options on 127.0.0.1 with short timings, so failures show quickly.
inline link_options local_options(const std::string& name, std::vector<peer_config> peers,
                                  const std::string& bind = "tcp://127.0.0.1:*") {
  link_options o;
  o.node_name = name;
  o.bind_endpoint = bind;
  o.peers = std::move(peers);
  o.heartbeat_ms = 50;
  o.peer_timeout_ms = 400;
  o.resend_after_ms = 100;
  return o;
}

/// A loopback port free right now (the kernel picks it), for links that must know each
/// other's endpoint before either starts.
inline std::string free_loopback_endpoint() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0)
      ::close(fd);
    return {};
  }
  ::close(fd);
  return "tcp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
}

inline envelope make_envelope(const std::string& target, std::string payload,
                              uint16_t type_id = 1) {
  envelope e;
  e.target = target;
  e.type_id = type_id;
  e.payload = std::move(payload);
  return e;
}

} // namespace engine::transport::testing
