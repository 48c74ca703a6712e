// Session hours: the US Eastern DST rule, weekends, closed dates, open/close instants.
#include "actors/clock/session_calendar.hpp"

#include <algorithm>
#include <stdexcept>

namespace engine {

namespace {

constexpr int est_offset = -300; // minutes
constexpr int edt_offset = -240;

bool two_digits(std::string_view s, size_t pos, int& out) {
  if (pos + 2 > s.size() || s[pos] < '0' || s[pos] > '9' || s[pos + 1] < '0' ||
      s[pos + 1] > '9')
    return false;
  out = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  return true;
}

// Day number of the n-th (1-based) Sunday of a month.
int64_t nth_sunday(int64_t year, int month, int n) {
  int64_t first = civil::days_from_date(year, month, 1);
  int64_t first_sunday = first + (7 - civil::weekday(first)) % 7;
  return first_sunday + 7 * (n - 1);
}

} // namespace

session_calendar::session_calendar(const session_config& cfg,
                                   const std::vector<std::string>& closed_dates)
  : open_minute_(cfg.open_minute), close_minute_(cfg.close_minute) {
  const std::string& tz = cfg.timezone;
  if (tz == "America/New_York") {
    kind_ = zone_kind::new_york;
  } else if (tz == "UTC") {
    kind_ = zone_kind::fixed;
    fixed_offset_ = 0;
  } else {
    int h = 0;
    int m = 0;
    if (tz.size() != 6 || (tz[0] != '+' && tz[0] != '-') || !two_digits(tz, 1, h) ||
        tz[3] != ':' || !two_digits(tz, 4, m) || h > 23 || m > 59)
      throw std::invalid_argument("session timezone \"" + tz +
                                  "\" is not supported: use America/New_York, UTC or a "
                                  "fixed offset +HH:MM / -HH:MM");
    kind_ = zone_kind::fixed;
    fixed_offset_ = (tz[0] == '-' ? -1 : 1) * (h * 60 + m);
  }
  if (open_minute_ < 0 || close_minute_ > 1440 || open_minute_ >= close_minute_)
    throw std::invalid_argument("session hours must satisfy 0 <= open_minute < close_minute "
                                "<= 1440, got open_minute=" +
                                std::to_string(open_minute_) +
                                " close_minute=" + std::to_string(close_minute_));
  for (const auto& d : closed_dates)
    closed_days_.push_back(parse_date(d));
  std::sort(closed_days_.begin(), closed_days_.end());
  closed_days_.erase(std::unique(closed_days_.begin(), closed_days_.end()), closed_days_.end());
}

int64_t session_calendar::parse_date(std::string_view text) {
  int y_hi = 0;
  int y_lo = 0;
  int m = 0;
  int d = 0;
  if (text.size() != 10 || !two_digits(text, 0, y_hi) || !two_digits(text, 2, y_lo) ||
      text[4] != '-' || !two_digits(text, 5, m) || text[7] != '-' || !two_digits(text, 8, d))
    throw std::invalid_argument("invalid date \"" + std::string(text) +
                                "\": expected YYYY-MM-DD");
  int64_t y = y_hi * 100 + y_lo;
  if (m < 1 || m > 12 || d < 1 || d > civil::days_in_month(y, m))
    throw std::invalid_argument("invalid date \"" + std::string(text) + "\": no such day");
  return civil::days_from_date(y, m, d);
}

bool session_calendar::in_dst(timestamp_ns t) const {
  int64_t year = civil::date_from_days(civil::floor_div(t, ns_per_day)).year;
  // 02:00 EST on the second Sunday of March is 07:00 UTC; 02:00 EDT on the
  // first Sunday of November is 06:00 UTC.
  timestamp_ns start = nth_sunday(year, 3, 2) * ns_per_day + 7 * 60 * ns_per_minute;
  timestamp_ns end = nth_sunday(year, 11, 1) * ns_per_day + 6 * 60 * ns_per_minute;
  return t >= start && t < end;
}

int session_calendar::utc_offset_minutes(timestamp_ns t) const {
  if (kind_ == zone_kind::fixed)
    return fixed_offset_;
  return in_dst(t) ? edt_offset : est_offset;
}

int64_t session_calendar::local_days_of(timestamp_ns t) const {
  return civil::floor_div(t + utc_offset_minutes(t) * ns_per_minute, ns_per_day);
}

timestamp_ns session_calendar::local_to_utc(int64_t local_days, int minute_of_day) const {
  timestamp_ns local = local_days * ns_per_day + minute_of_day * ns_per_minute;
  if (kind_ == zone_kind::fixed)
    return local - fixed_offset_ * ns_per_minute;
  timestamp_ns as_std = local - est_offset * ns_per_minute;
  timestamp_ns as_dst = local - edt_offset * ns_per_minute;
  bool dst_ok = in_dst(as_dst);
  // Daylight time, or the autumn overlap (both readings valid): take the earlier.
  if (dst_ok)
    return as_dst;
  // Standard time, or a spring-forward gap: read with the offset in force
  // before the jump, i.e. shifted forward by the length of the gap.
  return as_std;
}

bool session_calendar::is_trading_day(int64_t local_days) const {
  int wd = civil::weekday(local_days);
  if (wd == 0 || wd == 6)
    return false;
  return !std::binary_search(closed_days_.begin(), closed_days_.end(), local_days);
}

timestamp_ns session_calendar::open_on(int64_t local_days) const {
  return local_to_utc(local_days, open_minute_);
}

timestamp_ns session_calendar::close_on(int64_t local_days) const {
  return local_to_utc(local_days, close_minute_);
}

int64_t session_calendar::scan_limit() const {
  // The longest run of closed days is a weekend plus the closed dates.
  return 14 + 2 * static_cast<int64_t>(closed_days_.size());
}

bool session_calendar::is_open(timestamp_ns t) const {
  int64_t d = local_days_of(t);
  return is_trading_day(d) && open_on(d) <= t && t < close_on(d);
}

timestamp_ns session_calendar::next_open(timestamp_ns t) const {
  int64_t d = local_days_of(t);
  for (int64_t i = 0, n = scan_limit(); i <= n; ++i) {
    if (is_trading_day(d + i) && open_on(d + i) >= t)
      return open_on(d + i);
  }
  throw std::logic_error("session_calendar: no trading day found");
}

timestamp_ns session_calendar::next_close(timestamp_ns t) const {
  int64_t d = local_days_of(t);
  for (int64_t i = 0, n = scan_limit(); i <= n; ++i) {
    if (is_trading_day(d + i) && close_on(d + i) > t)
      return close_on(d + i);
  }
  throw std::logic_error("session_calendar: no trading day found");
}

int64_t session_calendar::session_day(timestamp_ns t) const {
  civil::date d = civil::date_from_days(local_days_of(t));
  return d.year * 10000 + d.month * 100 + d.day;
}

std::pair<timestamp_ns, timestamp_ns> session_calendar::local_day_span(timestamp_ns t) const {
  int64_t d = local_days_of(t);
  return {local_to_utc(d, 0), local_to_utc(d + 1, 0)};
}

} // namespace engine
