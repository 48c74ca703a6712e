// Clocks, the timer queue, the pacer and ISO 8601 parsing/printing.
#include "actors/clock/clock.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>

namespace engine {

timestamp_ns wall_clock::now() const {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

bool simulated_clock::advance_to(timestamp_ns t) {
  if (t < now_.load(std::memory_order_relaxed))
    return false;
  now_.store(t, std::memory_order_release);
  return true;
}

bool simulated_clock::advance_by(int64_t d) {
  if (d < 0)
    return false;
  return advance_to(now_.load(std::memory_order_relaxed) + d);
}

// --- timer_queue -------------------------------------------------------------

uint64_t timer_queue::schedule(timestamp_ns at, uint64_t tag) {
  uint64_t id = next_id_++;
  by_time_.emplace(std::make_pair(at, id), tag);
  by_id_.emplace(id, at);
  return id;
}

bool timer_queue::cancel(uint64_t id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end())
    return false;
  by_time_.erase(std::make_pair(it->second, id));
  by_id_.erase(it);
  return true;
}

std::optional<timestamp_ns> timer_queue::next() const {
  if (by_time_.empty())
    return std::nullopt;
  return by_time_.begin()->first.first;
}

std::vector<timer_queue::entry> timer_queue::pop_due(timestamp_ns now) {
  std::vector<entry> out;
  pop_due(now, out);
  return out;
}

void timer_queue::pop_due(timestamp_ns now, std::vector<entry>& out) {
  auto it = by_time_.begin();
  while (it != by_time_.end() && it->first.first <= now) {
    out.emplace_back(it->first.second, it->second);
    by_id_.erase(it->first.second);
    it = by_time_.erase(it);
  }
}

// --- pacer -------------------------------------------------------------------

namespace {

void check_speed(double speed) {
  if (!std::isfinite(speed) || speed < 0)
    throw std::invalid_argument("pacer: speed must be finite and >= 0, got " +
                                std::to_string(speed));
}

} // namespace

pacer::pacer(double speed, timestamp_ns sim_anchor, timestamp_ns wall_anchor)
  : speed_(speed), sim_anchor_(sim_anchor), wall_anchor_(wall_anchor) {
  check_speed(speed);
}

timestamp_ns pacer::wall_due(timestamp_ns sim_next) const {
  if (speed_ == 0 || sim_next <= sim_anchor_)
    return wall_anchor_;
  // long double keeps nanosecond resolution over days of simulated time.
  long double wall_delta = static_cast<long double>(sim_next - sim_anchor_) / speed_;
  if (wall_delta > 9.0e18L)
    return INT64_MAX;
  return wall_anchor_ + static_cast<int64_t>(std::ceil(wall_delta));
}

int64_t pacer::wait_ns(timestamp_ns sim_next, timestamp_ns wall_now) const {
  if (speed_ == 0)
    return 0;
  timestamp_ns due = wall_due(sim_next);
  return due > wall_now ? due - wall_now : 0;
}

void pacer::reanchor(timestamp_ns sim_anchor, timestamp_ns wall_anchor) {
  sim_anchor_ = sim_anchor;
  wall_anchor_ = wall_anchor;
}

void pacer::set_speed(double speed) {
  check_speed(speed);
  speed_ = speed;
}

} // namespace engine
