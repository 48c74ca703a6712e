// Fan-out of server-sent events from the engine side to the HTTP clients, without ever blocking the sender.
#include "nodes/http/event_hub.hpp"

namespace engine::http {

uint64_t event_hub::subscribe(sink s) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto id = next_id_++;
  sinks_.emplace(id, std::move(s));
  subscribers_.store(sinks_.size());
  return id;
}

void event_hub::unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  sinks_.erase(id);
  subscribers_.store(sinks_.size());
}

void event_hub::clear() {
  std::lock_guard<std::mutex> guard{mtx_};
  sinks_.clear();
  subscribers_.store(0);
}

void event_hub::append_frame(std::string& out, std::string_view name, std::string_view json) {
  out += "event: ";
  out += name;
  out += "\ndata: ";
  out += json; // JSON from json_writer has no raw newlines
  out += "\n\n";
}

std::string event_hub::format(std::string_view name, std::string_view json) {
  std::string f;
  f.reserve(name.size() + json.size() + 16);
  append_frame(f, name, json);
  return f;
}

void event_hub::publish(std::string_view name, std::string_view json) {
  if (subscribers() == 0)
    return;
  publish_frames(format(name, json));
}

void event_hub::publish_frames(std::string frames) {
  if (frames.empty())
    return;
  std::lock_guard<std::mutex> guard{mtx_};
  if (sinks_.empty())
    return;
  auto f = std::make_shared<const std::string>(std::move(frames));
  ++published_;
  for (auto& [id, s] : sinks_)
    s(f);
}

void event_hub::post(event_batch&& b) {
  {
    std::lock_guard<std::mutex> guard{queue_mtx_};
    if (closed_)
      return;
    queue_.push_back(std::move(b));
  }
  queue_cv_.notify_one();
}

bool event_hub::next(std::vector<event_batch>& out, std::chrono::steady_clock::time_point until) {
  std::unique_lock<std::mutex> guard{queue_mtx_};
  queue_cv_.wait_until(guard, until, [&] { return closed_ || !queue_.empty(); });
  if (closed_)
    return false;
  for (auto& b : queue_)
    out.push_back(std::move(b));
  queue_.clear();
  return true;
}

void event_hub::close() {
  {
    std::lock_guard<std::mutex> guard{queue_mtx_};
    closed_ = true;
    queue_.clear();
  }
  queue_cv_.notify_all();
}

void event_hub::open() {
  std::lock_guard<std::mutex> guard{queue_mtx_};
  closed_ = false;
}

} // namespace engine::http
