// Fan-out of server-sent events from the engine side to the HTTP clients, without ever blocking the sender.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "nodes/http/event_batch.hpp"

namespace engine::http {

/// The bridge actor posts batches (a move under a short lock, no JSON); the
/// publisher thread (http_service's) takes them, formats each into one frame
/// and hands it to every sink. A sink only posts the frame to its session's
/// thread, so a slow client never slows anyone (sessions drop themselves when
/// their queue grows too long).
class event_hub {
public:
  using frame = std::shared_ptr<const std::string>;
  using sink = std::function<void(frame)>;

  uint64_t subscribe(sink s);
  void unsubscribe(uint64_t id);
  /// Drops every sink (before the server they post to goes away).
  void clear();
  /// `event: <name>\ndata: <json>\n\n` to every subscriber, now, on the caller's thread.
  void publish(std::string_view name, std::string_view json);
  /// Preformatted events (one or more frames) to every subscriber.
  void publish_frames(std::string frames);
  /// Lock-free: publishers skip their work while nobody listens.
  size_t subscribers() const { return subscribers_.load(std::memory_order_relaxed); }
  /// Frames published so far (for tests and metrics).
  uint64_t published() const { return published_.load(); }

  /// Queues a batch for the publisher thread; dropped once closed.
  void post(event_batch&& b);
  /// The publisher's wait: moves the queued batches into `out` as soon as
  /// there are some, or returns at `until`; false once closed.
  bool next(std::vector<event_batch>& out, std::chrono::steady_clock::time_point until);
  /// Wakes the publisher and makes next() return false; open() undoes it.
  void close();
  void open();

  /// The SSE frame for one event.
  static std::string format(std::string_view name, std::string_view json);
  /// Appends it to out.
  static void append_frame(std::string& out, std::string_view name, std::string_view json);

private:
  mutable std::mutex mtx_;
  std::map<uint64_t, sink> sinks_;
  uint64_t next_id_ = 1;
  std::atomic<size_t> subscribers_{0};
  std::atomic<uint64_t> published_{0};

  std::mutex queue_mtx_;
  std::condition_variable queue_cv_;
  std::vector<event_batch> queue_;
  bool closed_ = false;
};

} // namespace engine::http
