// A plan of broker faults (disconnects, refusals, hangs, lost fills...) read from YAML, shared by
// the simulator, the fake servers and fault-proxy, so one plan means the same thing everywhere.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/enums.hpp"

namespace YAML {
class Node;
}

namespace engine {

namespace config_read {
struct entry;
}

/// What goes wrong. Episodes last `duration_ms`; the others act on the next `count` events.
enum class fault_kind : uint8_t {
  disconnect,     // episode: the connection drops at once (duration: how long reconnects fail)
  refuse,         // episode: new connections are refused for duration_ms
  hang,           // episode: accept and never answer for duration_ms
  delay,          // episode: every answer is delayed by delay_ms for duration_ms
  drop_fill,      // count: the next fill reports are never sent (reconciliation finds them)
  duplicate_fill, // count: the next fill reports are sent twice
  reject,         // count: the next orders are rejected by the venue
  rate_limit,     // count: the next requests get HTTP 429 (Retry-After 1)
  server_error,   // count: the next requests get HTTP 500
  garbage,        // count: the next frames/answers are replaced by garbage bytes
  reset_window,   // episode every day at daily_at (UTC) for duration_ms: disconnect, refuse
};

template <>
struct enum_names<fault_kind> {
  static constexpr std::array<std::string_view, 11> values{
    "disconnect", "refuse",       "hang",    "delay",   "drop_fill", "duplicate_fill",
    "reject",     "rate_limit",   "server_error", "garbage", "reset_window"};
};

/// True for the kinds that last a while (disconnect, refuse, hang, delay, reset_window).
bool is_episode(fault_kind k);

/// One rule: a kind and exactly one trigger.
struct fault_rule {
  fault_kind kind = fault_kind::disconnect;
  // Triggers (exactly one is set):
  std::optional<int64_t> at_ms;        // `at_s`: this long after the start (the engine's clock)
  std::optional<int64_t> after_orders; // when the Nth order is seen (1 = the first order)
  std::optional<double> probability;   // per order (per fill for *_fill, per request for HTTP)
  std::optional<int> daily_at_minute;  // `daily_at: "HH:MM"` UTC; reset_window needs it
  int64_t duration_ms = 0;             // episodes only
  int64_t delay_ms = 0;                // delay
  int64_t count = 1;                   // count kinds: how many events it acts on
  int64_t repeat = 1;                  // at_s/after_orders only: fires at N, 2N, ... repeat times
  // Where the rule was read, for checks made later by one user (fault-proxy refusing a kind).
  std::string path; // "rules[2]" or "faults.rules[2]"
  int line = 0;     // 1-based; 0 = not from a file
};

struct fault_plan {
  uint64_t seed = 1;
  std::vector<fault_rule> rules;
  bool empty() const { return rules.empty(); }
};

/// Reads a `faults:` section (a map with `seed` and `rules`); errors are config_error with
/// file:line: key: what.
fault_plan read_fault_plan(const config_read::entry& f);

/// Reads a plan from a YAML file whose top level is the `faults:` map itself, or a map holding
/// one under the key `faults` (so a whole engine config works too). Throws config_error.
fault_plan load_fault_plan(const std::string& path);

/// Same for YAML text; `name_for_errors` stands for the file in messages.
fault_plan parse_fault_plan_text(const std::string& yaml, const std::string& name_for_errors);

/// One-line description for logs: "disconnect at 20s; drop_fill p=0.02 x1".
std::string describe(const fault_plan& plan);

} // namespace engine
