// Fan-out of server-sent events from the engine side to the HTTP clients, without ever blocking the sender.
#include "nodes/http/event_hub.hpp"

namespace engine::http {

uint64_t event_hub::subscribe(sink s) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto id = next_id_++;
  sinks_.emplace(id, std::move(s));
  return id;
}

void event_hub::unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  sinks_.erase(id);
}

void event_hub::clear() {
  std::lock_guard<std::mutex> guard{mtx_};
  sinks_.clear();
}

size_t event_hub::subscribers() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return sinks_.size();
}

std::string event_hub::format(std::string_view name, std::string_view json) {
  std::string f;
  f.reserve(name.size() + json.size() + 16);
  f += "event: ";
  f += name;
  f += "\ndata: ";
  f += json; // JSON from json_writer has no raw newlines
  f += "\n\n";
  return f;
}

void event_hub::publish(std::string_view name, std::string_view json) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (sinks_.empty())
    return;
  auto f = std::make_shared<const std::string>(format(name, json));
  ++published_;
  for (auto& [id, s] : sinks_)
    s(f);
}

} // namespace engine::http
