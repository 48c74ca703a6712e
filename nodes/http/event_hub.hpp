// Fan-out of server-sent events from the engine side to the HTTP clients, without ever blocking the sender.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace engine::http {

/// Publishers (the bridge actor, the status ticker) format a frame once and
/// hand it to every sink; a sink only posts it to its session's thread, so a
/// slow client never slows the publisher (sessions drop themselves when
/// their queue grows too long).
class event_hub {
public:
  using frame = std::shared_ptr<const std::string>;
  using sink = std::function<void(frame)>;

  uint64_t subscribe(sink s);
  void unsubscribe(uint64_t id);
  /// Drops every sink (before the server they post to goes away).
  void clear();
  /// `event: <name>\ndata: <json>\n\n` to every subscriber.
  void publish(std::string_view name, std::string_view json);
  size_t subscribers() const;
  /// Frames published so far (for tests and metrics).
  uint64_t published() const { return published_.load(); }

  /// The SSE frame for one event.
  static std::string format(std::string_view name, std::string_view json);

private:
  mutable std::mutex mtx_;
  std::map<uint64_t, sink> sinks_;
  uint64_t next_id_ = 1;
  std::atomic<uint64_t> published_{0};
};

} // namespace engine::http
