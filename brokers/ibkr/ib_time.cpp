// IB time formats to UTC: zone rules for the US (since 2007), the EU, and fixed offsets.
#include "brokers/ibkr/ib_time.hpp"

#include <cstdio>

#include "actors/clock/iso8601.hpp"

namespace engine::ibkr {

namespace {

enum class rule { fixed, us, eu };

struct zone_def {
  std::string_view name;
  rule kind;
  int std_offset; // minutes east of UTC in standard time
};

// IB's own names (TWS settings, execDetails) and the IANA names they stand for. IB uses "EST",
// "CST"... as the name of the whole zone, daylight time included, so they follow the US rule.
constexpr zone_def zones[] = {
  {"UTC", rule::fixed, 0},           {"GMT", rule::fixed, 0},
  {"Etc/UTC", rule::fixed, 0},       {"Etc/GMT", rule::fixed, 0},
  {"Z", rule::fixed, 0},             {"Universal", rule::fixed, 0},
  {"US/Eastern", rule::us, -300},    {"America/New_York", rule::us, -300},
  {"EST5EDT", rule::us, -300},       {"EST", rule::us, -300},
  {"EDT", rule::us, -300},           {"Eastern Standard Time", rule::us, -300},
  {"US/Central", rule::us, -360},    {"America/Chicago", rule::us, -360},
  {"CST6CDT", rule::us, -360},       {"CST", rule::us, -360},
  {"CDT", rule::us, -360},           {"Central Standard Time", rule::us, -360},
  {"US/Mountain", rule::us, -420},   {"America/Denver", rule::us, -420},
  {"MST7MDT", rule::us, -420},       {"MST", rule::us, -420},
  {"US/Pacific", rule::us, -480},    {"America/Los_Angeles", rule::us, -480},
  {"PST8PDT", rule::us, -480},       {"PST", rule::us, -480},
  {"PDT", rule::us, -480},           {"Pacific Standard Time", rule::us, -480},
  {"Europe/London", rule::eu, 0},    {"GB", rule::eu, 0},
  {"BST", rule::eu, 0},              {"Europe/Dublin", rule::eu, 0},
  {"Europe/Berlin", rule::eu, 60},   {"Europe/Paris", rule::eu, 60},
  {"Europe/Zurich", rule::eu, 60},   {"Europe/Amsterdam", rule::eu, 60},
  {"Europe/Madrid", rule::eu, 60},   {"Europe/Rome", rule::eu, 60},
  {"MET", rule::eu, 60},             {"CET", rule::eu, 60},
  {"CEST", rule::eu, 60},            {"Central European Standard Time", rule::eu, 60},
  {"Asia/Hong_Kong", rule::fixed, 480}, {"HKT", rule::fixed, 480},
  {"Asia/Shanghai", rule::fixed, 480},  {"Asia/Singapore", rule::fixed, 480},
  {"Asia/Tokyo", rule::fixed, 540},     {"JST", rule::fixed, 540},
};

std::optional<zone_def> find_zone(std::string_view name) {
  for (const auto& z : zones)
    if (z.name == name)
      return z;
  // "+hh:mm" / "-hh:mm"
  if (name.size() == 6 && (name[0] == '+' || name[0] == '-') && name[3] == ':') {
    auto d = [&](size_t i) { return name[i] >= '0' && name[i] <= '9'; };
    if (d(1) && d(2) && d(4) && d(5)) {
      int h = (name[1] - '0') * 10 + (name[2] - '0');
      int m = (name[4] - '0') * 10 + (name[5] - '0');
      if (h < 24 && m < 60)
        return zone_def{name, rule::fixed, (name[0] == '-' ? -1 : 1) * (h * 60 + m)};
    }
  }
  return std::nullopt;
}

int64_t nth_sunday(int64_t year, int month, int n) {
  int64_t first = civil::days_from_date(year, month, 1);
  int64_t sunday = first + (7 - civil::weekday(first)) % 7;
  return sunday + 7 * (n - 1);
}

int64_t last_sunday(int64_t year, int month) {
  int64_t last = civil::days_from_date(year, month, civil::days_in_month(year, month));
  return last - civil::weekday(last);
}

int64_t year_of(timestamp_ns t) {
  return civil::date_from_days(civil::floor_div(t, ns_per_day)).year;
}

/// Daylight time at the UTC instant t?
bool in_dst(const zone_def& z, timestamp_ns t) {
  int64_t y = year_of(t);
  if (z.kind == rule::us) {
    // 02:00 local standard time on the 2nd Sunday of March to 02:00 local daylight time on the
    // 1st Sunday of November.
    timestamp_ns start = nth_sunday(y, 3, 2) * ns_per_day + (120 - z.std_offset) * ns_per_minute;
    timestamp_ns end =
      nth_sunday(y, 11, 1) * ns_per_day + (120 - z.std_offset - 60) * ns_per_minute;
    return t >= start && t < end;
  }
  if (z.kind == rule::eu) {
    // 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
    timestamp_ns start = last_sunday(y, 3) * ns_per_day + 60 * ns_per_minute;
    timestamp_ns end = last_sunday(y, 10) * ns_per_day + 60 * ns_per_minute;
    return t >= start && t < end;
  }
  return false;
}

int offset_at(const zone_def& z, timestamp_ns utc) {
  return z.std_offset + (in_dst(z, utc) ? 60 : 0);
}

/// Local wall time (as if UTC) to UTC: daylight reading first (the earlier instant in the
/// autumn overlap); a spring-forward gap reads with the standard offset.
timestamp_ns local_to_utc(const zone_def& z, timestamp_ns local) {
  if (z.kind == rule::fixed)
    return local - z.std_offset * ns_per_minute;
  timestamp_ns as_dst = local - (z.std_offset + 60) * ns_per_minute;
  if (in_dst(z, as_dst))
    return as_dst;
  return local - z.std_offset * ns_per_minute;
}

bool digits(std::string_view s, size_t from, size_t n, int& out) {
  if (from + n > s.size())
    return false;
  out = 0;
  for (size_t i = from; i < from + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

} // namespace

bool known_zone(std::string_view zone) { return find_zone(zone).has_value(); }

std::optional<int> utc_offset_minutes(std::string_view zone, timestamp_ns utc_ns) {
  auto z = find_zone(zone);
  if (!z)
    return std::nullopt;
  return offset_at(*z, utc_ns);
}

std::optional<timestamp_ns> parse_ib_time(std::string_view text, std::string_view local_zone) {
  auto s = trim(text);
  if (s.empty())
    return std::nullopt;
  // Epoch seconds (formatDate=2 style answers).
  if (s.size() <= 11 && s.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t v = 0;
    for (char c : s)
      v = v * 10 + (c - '0');
    if (s.size() != 8) // 8 digits alone is a date, not epoch seconds
      return v * ns_per_second;
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  size_t p = 0;
  if (s.size() >= 10 && s[4] == '-' && s[7] == '-') { // ISO-like yyyy-mm-dd
    if (!digits(s, 0, 4, y) || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d))
      return std::nullopt;
    p = 10;
  } else {
    if (!digits(s, 0, 4, y) || !digits(s, 4, 2, mo) || !digits(s, 6, 2, d))
      return std::nullopt;
    p = 8;
  }
  bool dash = false;
  if (p < s.size() && (s[p] == '-' || s[p] == 'T')) {
    dash = s[p] == '-';
    ++p;
  } else {
    if (p >= s.size() || s[p] != ' ')
      return std::nullopt;
    while (p < s.size() && s[p] == ' ')
      ++p;
  }
  if (!digits(s, p, 2, h) || p + 2 >= s.size() || s[p + 2] != ':' || !digits(s, p + 3, 2, mi) ||
      p + 5 >= s.size() || s[p + 5] != ':' || !digits(s, p + 6, 2, se))
    return std::nullopt;
  p += 8;
  if (mo < 1 || mo > 12 || d < 1 || d > civil::days_in_month(y, mo) || h > 23 || mi > 59 ||
      se > 60)
    return std::nullopt;
  std::string_view zone_name = trim(s.substr(p));
  if (zone_name.empty())
    zone_name = dash ? std::string_view{"UTC"} : local_zone;
  auto z = find_zone(zone_name);
  if (!z)
    return std::nullopt;
  timestamp_ns local = civil::days_from_date(y, mo, d) * ns_per_day +
                       (h * 3600LL + mi * 60LL + se) * ns_per_second;
  return local_to_utc(*z, local);
}

exec_time exec_time_or(std::string_view text, std::string_view local_zone,
                       timestamp_ns received_ns) {
  if (auto t = parse_ib_time(text, local_zone))
    return exec_time{*t, false};
  return exec_time{received_ns, true};
}

namespace {
std::string format_fields(timestamp_ns t, char sep) {
  int64_t days = civil::floor_div(t, ns_per_day);
  auto dt = civil::date_from_days(days);
  int64_t sec = civil::floor_div(t - days * ns_per_day, ns_per_second);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld%02d%02d%c%02lld:%02lld:%02lld",
                static_cast<long long>(dt.year), dt.month, dt.day, sep,
                static_cast<long long>(sec / 3600), static_cast<long long>(sec / 60 % 60),
                static_cast<long long>(sec % 60));
  return buf;
}
} // namespace

std::string format_utc_dash(timestamp_ns utc_ns) { return format_fields(utc_ns, '-'); }

std::string format_local(timestamp_ns utc_ns, std::string_view zone, bool with_zone) {
  auto z = find_zone(zone);
  int off = z ? offset_at(*z, utc_ns) : 0;
  std::string out = format_fields(utc_ns + off * ns_per_minute, ' ');
  if (with_zone) {
    out += ' ';
    out += z ? zone : std::string_view{"UTC"};
  }
  return out;
}

} // namespace engine::ibkr
