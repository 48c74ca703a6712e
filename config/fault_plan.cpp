// Reads fault plans from YAML with the config loader's file:line: key: messages.
#include "config/fault_plan.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "config/yaml_read.hpp"

namespace engine {

using namespace config_read;

bool is_episode(fault_kind k) {
  switch (k) {
    case fault_kind::disconnect:
    case fault_kind::refuse:
    case fault_kind::hang:
    case fault_kind::delay:
    case fault_kind::reset_window:
      return true;
    default:
      return false;
  }
}

namespace {

constexpr int64_t one_day_ms = 86'400'000;

std::optional<int> hhmm(const std::string& s) {
  if (s.size() != 5 || s[2] != ':')
    return std::nullopt;
  for (size_t i : {0, 1, 3, 4})
    if (s[i] < '0' || s[i] > '9')
      return std::nullopt;
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59)
    return std::nullopt;
  return h * 60 + m;
}

fault_rule read_rule(const entry& e) {
  // Keys first: a rule that is not a map (`- disconnect`) says so instead of "kind: required".
  auto s = check_keys(e, {"kind", "at_s", "after_orders", "probability", "daily_at",
                          "duration_ms", "delay_ms", "count", "repeat"},
                      "for a fault rule");
  auto kind_entry = s.get("kind");
  if (!kind_entry)
    e.fail_at("kind", std::string{"required: one of "} + "disconnect, refuse, hang, delay, "
                        "drop_fill, duplicate_fill, reject, rate_limit, server_error, garbage, "
                        "reset_window");
  fault_rule r;
  r.path = e.path;
  r.line = e.line;
  r.kind = read_enum<fault_kind>(*kind_entry);
  int triggers = 0;
  if (auto x = s.get("at_s")) {
    // Rounded, not truncated: 1.001 * 1000 is 1000.9999999999999 in a double.
    r.at_ms = std::llround(read_double(*x, between(0.0, 86400.0 * 366)) * 1000.0);
    ++triggers;
  }
  if (auto x = s.get("after_orders")) {
    r.after_orders = read_int(*x, between<int64_t>(1, 1'000'000'000));
    ++triggers;
  }
  if (auto x = s.get("probability")) {
    r.probability = read_double(*x, between(0.0, 1.0));
    ++triggers;
  }
  if (auto x = s.get("daily_at")) {
    auto text = read_string(*x);
    auto m = hhmm(text);
    if (!m)
      x->fail("must be \"HH:MM\" (UTC, 24 hours), got \"" + text + "\"");
    r.daily_at_minute = *m;
    ++triggers;
  }
  if (triggers == 0)
    s.self().fail("needs one trigger: at_s, after_orders, probability or daily_at");
  if (triggers > 1)
    s.self().fail("has " + std::to_string(triggers) +
                  " triggers; give exactly one of at_s, after_orders, probability, daily_at");
  if (r.kind == fault_kind::reset_window && !r.daily_at_minute)
    s.self().fail_at("daily_at", "required for a reset_window (\"HH:MM\" UTC)");
  if (auto x = s.get("duration_ms"))
    r.duration_ms = read_int(*x, between<int64_t>(0, one_day_ms));
  if (auto x = s.get("delay_ms"))
    r.delay_ms = read_int(*x, between<int64_t>(1, 600'000));
  if (auto x = s.get("count"))
    r.count = read_int(*x, between<int64_t>(1, 1'000'000));
  if (auto x = s.get("repeat")) {
    r.repeat = read_int(*x, between<int64_t>(1, 1'000'000));
    // A probability rolls on every event and daily_at fires once a day: a repeat there would
    // be silently ignored.
    if (!r.at_ms && !r.after_orders)
      x->fail("repeat is for at_s and after_orders triggers");
    if (r.at_ms && *r.at_ms == 0 && r.repeat > 1)
      x->fail("at_s: 0 fires once; a repeat needs at_s > 0 (the period)");
  }
  bool needs_duration = r.kind == fault_kind::refuse || r.kind == fault_kind::hang ||
                        r.kind == fault_kind::delay || r.kind == fault_kind::reset_window;
  if (needs_duration && r.duration_ms == 0)
    s.self().fail_at("duration_ms", "required (> 0) for a " + to_string(r.kind) + " fault");
  if (r.kind == fault_kind::delay && r.delay_ms == 0)
    s.self().fail_at("delay_ms", "required for a delay fault");
  if (r.kind != fault_kind::delay && s.get("delay_ms"))
    s.get("delay_ms")->fail("only a delay fault has a delay_ms");
  if (is_episode(r.kind) && s.get("count"))
    s.get("count")->fail("a " + to_string(r.kind) + " fault lasts duration_ms; count is for "
                         "drop_fill, duplicate_fill, reject, rate_limit, server_error, garbage");
  if (!is_episode(r.kind) && s.get("duration_ms"))
    s.get("duration_ms")->fail("a " + to_string(r.kind) + " fault acts on the next count "
                               "events; duration_ms is for disconnect, refuse, hang, delay, "
                               "reset_window");
  return r;
}

/// Milliseconds as seconds without trailing zeros: 20000 -> "20", 1500 -> "1.5".
std::string seconds_text(int64_t ms) {
  std::string out = std::to_string(ms / 1000);
  if (int64_t frac = ms % 1000) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(frac));
    std::string f = buf;
    while (f.back() == '0')
      f.pop_back();
    out += f;
  }
  return out;
}

fault_plan parse_root(const std::string& text, const source& src) {
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw config_error(src.file, e.mark.line + 1, "", "YAML syntax error: " + e.msg);
  }
  entry root{&src, doc, "", doc ? doc.Mark().line + 1 : 0};
  if (auto inner = peek(root, "faults"))
    if (!peek(root, "rules"))
      return read_fault_plan(*inner);
  return read_fault_plan(root);
}

} // namespace

fault_plan read_fault_plan(const entry& f) {
  fault_plan plan;
  auto s = check_keys(f, {"seed", "rules"}, "in a fault plan");
  if (auto x = s.get("seed"))
    plan.seed = read_uint(*x);
  if (auto x = s.get("rules"))
    for (auto& item : read_list(*x))
      plan.rules.push_back(read_rule(item));
  return plan;
}

fault_plan load_fault_plan(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw config_error(path, 0, "", std::string{"cannot read fault plan: "} +
                                      std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  source src{path, ""};
  return parse_root(text.str(), src);
}

fault_plan parse_fault_plan_text(const std::string& yaml, const std::string& name_for_errors) {
  source src{name_for_errors, ""};
  return parse_root(yaml, src);
}

std::string describe(const fault_plan& plan) {
  if (plan.rules.empty())
    return "no faults";
  std::string out;
  for (auto& r : plan.rules) {
    if (!out.empty())
      out += "; ";
    out += to_string(r.kind);
    if (r.at_ms)
      out += " at " + seconds_text(*r.at_ms) + "s";
    if (r.after_orders)
      out += " after " + std::to_string(*r.after_orders) + " orders";
    if (r.probability) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", *r.probability);
      out += std::string{" p="} + buf;
    }
    if (r.daily_at_minute) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%02d:%02d", *r.daily_at_minute / 60,
                    *r.daily_at_minute % 60);
      out += std::string{" daily at "} + buf + " UTC";
    }
    if (r.duration_ms)
      out += " for " + std::to_string(r.duration_ms) + "ms";
    if (r.delay_ms)
      out += " by " + std::to_string(r.delay_ms) + "ms";
    if (r.repeat > 1)
      out += " repeat " + std::to_string(r.repeat);
    if (!is_episode(r.kind))
      out += " x" + std::to_string(r.count);
  }
  return out;
}

} // namespace engine
