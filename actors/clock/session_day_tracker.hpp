// Which session day a stream of times is on, for the actors that reset or rotate daily.
#pragma once

#include <cstdint>
#include <optional>

#include "actors/clock/session_calendar.hpp"

namespace engine {

/// session_calendar::session_day() works out a civil date (and, in New York, whether daylight
/// time is in force) for every time it is given; the risk manager, the position keeper and
/// the trade logger ask it for every message, where nearly every time falls on the day before
/// it. This keeps the UTC span of the last day and works the date out again only outside it.
class session_day_tracker {
public:
  explicit session_day_tracker(const session_calendar& calendar) : calendar_(&calendar) {}

  /// The session day (YYYYMMDD) of t when it is not the day of the last call (the first call
  /// always gives one); nullopt when t is on the same day.
  std::optional<int64_t> changed(timestamp_ns t) {
    if (t >= from_ && t < until_)
      return std::nullopt;
    auto d = calendar_->session_day(t);
    auto [from, until] = calendar_->local_day_span(t);
    const bool inside = t >= from && t < until; // else keep nothing: ask again next time
    from_ = inside ? from : 0;
    until_ = inside ? until : 0;
    if (started_ && d == day_)
      return std::nullopt;
    started_ = true;
    day_ = d;
    return d;
  }

  /// The day of the last call's time; 0 before any.
  int64_t day() const { return day_; }

private:
  const session_calendar* calendar_;
  bool started_ = false;
  int64_t day_ = 0;
  timestamp_ns from_ = 0, until_ = 0; // [from_, until_): the UTC span of day_; empty at first
};

} // namespace engine
