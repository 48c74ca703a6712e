// The fault decisions of fault-proxy, on the plan's clock.
#include "brokers/faults/proxy/proxy_policy.hpp"

#include <algorithm>

namespace engine {

namespace {

constexpr int64_t ns_per_ms = 1'000'000;

} // namespace

proxy_policy::proxy_policy(fault_plan plan, bool http, int64_t start_ns)
  : injector_(std::move(plan), start_ns),
    http_(http),
    // Not the injector's stream: drawing bytes must not change which faults fire.
    bytes_rng_(injector_.plan().seed ^ 0x9e3779b97f4a7c15ULL) {}

std::optional<std::string> proxy_policy::check(const fault_plan& plan, bool http,
                                               const std::string& file) {
  for (size_t i = 0; i < plan.rules.size(); ++i) {
    const auto& r = plan.rules[i];
    std::string where = file + (r.line > 0 ? ":" + std::to_string(r.line) : "") + ": " +
                        (r.path.empty() ? "rules[" + std::to_string(i) + "]" : r.path);
    auto kind = to_string(r.kind);
    if (r.kind == fault_kind::drop_fill || r.kind == fault_kind::duplicate_fill)
      return where + ".kind: " + kind + " is venue-level: it needs the venue's protocol, so "
             "the simulator and the fake servers apply it; fault-proxy only sees bytes";
    if (http)
      continue;
    if (r.kind == fault_kind::rate_limit || r.kind == fault_kind::server_error ||
        r.kind == fault_kind::reject)
      return where + ".kind: " + kind + " answers HTTP requests: run fault-proxy with --http";
    if (r.after_orders)
      return where + ".after_orders: needs --http: without it fault-proxy sees no orders "
             "(only at_s, daily_at and per-connection probabilities apply)";
  }
  return std::nullopt;
}

void proxy_policy::collect() {
  for (const auto& ep : injector_.take_episodes())
    if (ep.kind == fault_kind::disconnect || ep.kind == fault_kind::reset_window)
      drop_all_ = true;
}

void proxy_policy::tick(int64_t now_ns) {
  injector_.tick(now_ns);
  collect();
}

bool proxy_policy::refuse_connection(int64_t now_ns) {
  if (http_)
    injector_.tick(now_ns);
  else
    injector_.order(now_ns); // one roll of the per-order probabilities per connection
  collect();
  // A disconnect fired just now drops this connection too.
  if (drop_all_)
    return true;
  return injector_.active(fault_kind::refuse, now_ns) ||
         injector_.active(fault_kind::reset_window, now_ns) ||
         injector_.active(fault_kind::disconnect, now_ns);
}

request_action proxy_policy::on_request(int64_t now_ns, bool is_order) {
  // The order first: an after_orders rule fires on its Nth order and acts on that order.
  if (is_order)
    injector_.order(now_ns);
  injector_.request(now_ns);
  collect();
  if (injector_.take(fault_kind::rate_limit))
    return request_action::rate_limited;
  if (injector_.take(fault_kind::server_error))
    return request_action::server_error;
  if (is_order && injector_.take(fault_kind::reject))
    return request_action::rejected;
  if (injector_.take(fault_kind::garbage))
    return request_action::garbage;
  return request_action::forward;
}

bool proxy_policy::garbage_chunk(int64_t now_ns) {
  injector_.request(now_ns);
  collect();
  return injector_.take(fault_kind::garbage);
}

bool proxy_policy::take_drop_all() {
  bool d = drop_all_;
  drop_all_ = false;
  return d;
}

int64_t proxy_policy::release_time(int64_t now_ns) const {
  if (auto ep = injector_.active(fault_kind::delay, now_ns))
    return now_ns + ep->delay_ms * ns_per_ms;
  return now_ns;
}

std::optional<int64_t> proxy_policy::hang_until(int64_t now_ns) const {
  if (auto ep = injector_.active(fault_kind::hang, now_ns))
    return ep->end_ns;
  return std::nullopt;
}

std::string proxy_policy::random_bytes(size_t n) {
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(bytes_rng_() & 0xff);
  // Never the start of a valid HTTP answer or a plausible length prefix by accident.
  if (!out.empty() && (out[0] == 'H' || out[0] == '\0'))
    out[0] = '\xff';
  return out;
}

} // namespace engine
