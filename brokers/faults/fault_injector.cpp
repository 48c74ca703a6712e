// Deterministic firing of a fault plan's rules.
#include "brokers/faults/fault_injector.hpp"

#include <algorithm>

namespace engine {

namespace {

constexpr int64_t ns_per_ms = 1'000'000;
constexpr int64_t ns_per_day = 86'400'000LL * ns_per_ms;

bool per_fill(fault_kind k) {
  return k == fault_kind::drop_fill || k == fault_kind::duplicate_fill;
}
bool per_request(fault_kind k) {
  return k == fault_kind::rate_limit || k == fault_kind::server_error ||
         k == fault_kind::garbage;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

} // namespace

fault_injector::fault_injector(fault_plan plan, int64_t start_ns)
  : plan_(std::move(plan)),
    start_ns_(start_ns),
    times_fired_(plan_.rules.size(), 0),
    last_day_(plan_.rules.size(), INT64_MIN),
    rng_(plan_.seed) {}

bool fault_injector::roll(double p) {
  // 53 random bits to [0, 1): the same on every standard library, unlike the distributions.
  double u = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0);
  return u < p;
}

void fault_injector::fire(size_t i, int64_t now_ns) {
  const auto& r = plan_.rules[i];
  ++times_fired_[i];
  ++fired_[index(r.kind)];
  if (is_episode(r.kind)) {
    fault_episode ep{r.kind, now_ns, now_ns + r.duration_ms * ns_per_ms, r.delay_ms};
    new_episodes_.push_back(ep);
    episodes_.push_back(ep);
    // Only episodes not yet over matter to active(); keep the list short.
    if (episodes_.size() > 64)
      episodes_.erase(std::remove_if(episodes_.begin(), episodes_.end(),
                                     [&](const fault_episode& x) { return x.end_ns <= now_ns; }),
                      episodes_.end());
  } else {
    budget_[index(r.kind)] += r.count;
  }
}

int64_t fault_injector::daily_at_ns(const fault_rule& r, int64_t day) {
  return day * ns_per_day + int64_t{*r.daily_at_minute} * 60'000 * ns_per_ms;
}

// A daily rule fires for day d once now has reached that day's moment, if the moment came
// after the start (a tick may come late: a zero-length window must not be missed) or its
// window is still open (a start inside the window, or just after midnight in a window that
// began yesterday).
bool fault_injector::daily_due(size_t i, int64_t day, int64_t now_ns) const {
  const auto& r = plan_.rules[i];
  if (last_day_[i] >= day)
    return false;
  int64_t at = daily_at_ns(r, day);
  return now_ns >= at && (at >= start_ns_ || now_ns < at + r.duration_ms * ns_per_ms);
}

void fault_injector::tick(int64_t now_ns) {
  for (size_t i = 0; i < plan_.rules.size(); ++i) {
    const auto& r = plan_.rules[i];
    // at_s fires at at_s, then every at_s again while repeat allows (late ticks catch up).
    if (r.at_ms) {
      int64_t period = *r.at_ms * ns_per_ms;
      int64_t times = period > 0 ? r.repeat : 1; // at_s: 0 fires once
      while (times_fired_[i] < times && now_ns >= start_ns_ + (times_fired_[i] + 1) * period)
        fire(i, now_ns);
    }
    if (r.daily_at_minute) {
      int64_t day = floor_div(now_ns, ns_per_day);
      for (int64_t d : {day - 1, day})
        if (daily_due(i, d, now_ns)) {
          last_day_[i] = d;
          fire(i, daily_at_ns(r, d));
        }
    }
  }
}

void fault_injector::order(int64_t now_ns) {
  ++orders_;
  tick(now_ns);
  for (size_t i = 0; i < plan_.rules.size(); ++i) {
    const auto& r = plan_.rules[i];
    if (r.after_orders && times_fired_[i] < r.repeat && orders_ >= *r.after_orders &&
        (orders_ - *r.after_orders) % std::max<int64_t>(1, *r.after_orders) == 0)
      fire(i, now_ns);
    if (r.probability && !per_fill(r.kind) && !per_request(r.kind) && roll(*r.probability))
      fire(i, now_ns);
  }
}

void fault_injector::fill(int64_t now_ns) {
  tick(now_ns);
  for (size_t i = 0; i < plan_.rules.size(); ++i) {
    const auto& r = plan_.rules[i];
    if (r.probability && per_fill(r.kind) && roll(*r.probability))
      fire(i, now_ns);
  }
}

void fault_injector::request(int64_t now_ns) {
  tick(now_ns);
  for (size_t i = 0; i < plan_.rules.size(); ++i) {
    const auto& r = plan_.rules[i];
    if (r.probability && per_request(r.kind) && roll(*r.probability))
      fire(i, now_ns);
  }
}

bool fault_injector::take(fault_kind k) {
  auto& b = budget_[index(k)];
  if (b <= 0)
    return false;
  --b;
  return true;
}

std::vector<fault_episode> fault_injector::take_episodes() {
  std::vector<fault_episode> out;
  out.swap(new_episodes_);
  return out;
}

std::optional<fault_episode> fault_injector::active(fault_kind k, int64_t now_ns) const {
  for (auto i = episodes_.rbegin(); i != episodes_.rend(); ++i)
    if (i->kind == k && now_ns >= i->start_ns && now_ns < i->end_ns)
      return *i;
  return std::nullopt;
}

std::optional<int64_t> fault_injector::next_time(int64_t now_ns) const {
  std::optional<int64_t> best;
  auto consider = [&](int64_t t) {
    if (!best || t < *best)
      best = t;
  };
  for (size_t i = 0; i < plan_.rules.size(); ++i) {
    const auto& r = plan_.rules[i];
    if (r.at_ms && times_fired_[i] < (*r.at_ms > 0 ? r.repeat : 1))
      consider(std::max(now_ns, start_ns_ + (times_fired_[i] + 1) * *r.at_ms * ns_per_ms));
    if (r.daily_at_minute) {
      int64_t day = floor_div(now_ns, ns_per_day);
      for (int64_t d : {day - 1, day, day + 1}) {
        if (last_day_[i] >= d)
          continue;
        int64_t at = daily_at_ns(r, d);
        if (at >= start_ns_ || now_ns < at + r.duration_ms * ns_per_ms) {
          consider(std::max(now_ns, at));
          break; // later days come later
        }
      }
    }
  }
  return best;
}

} // namespace engine
