// The fault decisions of fault-proxy, apart from its sockets: which connection to refuse, when
// a chunk may leave, which HTTP request to answer locally. Pure logic on the plan's clock.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "brokers/faults/fault_injector.hpp"

namespace engine {

/// What the proxy does with one complete HTTP request (--http).
enum class request_action : uint8_t {
  forward,      // to the upstream, unchanged
  rate_limited, // answered here: 429 Too Many Requests, Retry-After: 1
  server_error, // answered here: 500 Internal Server Error
  rejected,     // an order answered here: 403 with a JSON error body
  garbage,      // answered here with random bytes, then the connection is closed
};

class proxy_policy {
public:
  /// `http`: whether the proxy sees HTTP requests (--http). `start_ns`: the plan's time zero
  /// (the wall clock at the proxy's start, in ns since the epoch: daily_at is UTC).
  proxy_policy(fault_plan plan, bool http, int64_t start_ns);

  /// Why this plan cannot run in a proxy ("FILE:LINE: rules[2].kind: ..."), if it cannot:
  /// drop_fill/duplicate_fill need the venue's protocol; without --http no order or request is
  /// visible, so after_orders, reject, rate_limit and server_error are refused too.
  static std::optional<std::string> check(const fault_plan& plan, bool http,
                                          const std::string& file);

  /// Time-triggered rules (at_s, daily_at) due at `now`.
  void tick(int64_t now_ns);
  /// A new client connection: true if it is to be closed at once (refuse, reset_window, the
  /// duration of a disconnect). Without --http this is also the event that per-order
  /// probabilities roll on (one roll per connection).
  bool refuse_connection(int64_t now_ns);
  /// One complete HTTP request from the client (--http); `is_order` for `POST /v2/orders`.
  request_action on_request(int64_t now_ns, bool is_order);
  /// One chunk towards the client without --http: true if it is to be replaced by garbage.
  bool garbage_chunk(int64_t now_ns);

  /// True once after a disconnect or reset_window fired: close every open connection now.
  bool take_drop_all();
  /// When a chunk read at `now` may be written: now + delay_ms during a delay episode.
  int64_t release_time(int64_t now_ns) const;
  /// The end of the hang episode active at `now`: nothing may be written before it.
  std::optional<int64_t> hang_until(int64_t now_ns) const;
  /// When tick() has something to do next, if ever.
  std::optional<int64_t> next_time(int64_t now_ns) const { return injector_.next_time(now_ns); }

  /// `n` random bytes (seeded from the plan: the same bytes for the same seed).
  std::string random_bytes(size_t n);
  const fault_injector& injector() const { return injector_; }
  bool http() const { return http_; }

private:
  void collect();

  fault_injector injector_;
  bool http_;
  bool drop_all_ = false;
  std::mt19937_64 bytes_rng_;
};

} // namespace engine
