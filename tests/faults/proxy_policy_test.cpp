// fault-proxy's decisions without sockets: plan checks, refusals, request answers, release
// times; and the HTTP request framer.
#include "brokers/faults/proxy/proxy_policy.hpp"

#include <gtest/gtest.h>

#include "brokers/faults/proxy/http_framer.hpp"

namespace engine {
namespace {

constexpr int64_t ms = 1'000'000;
constexpr int64_t s = 1000 * ms;

fault_plan plan_of(const std::string& yaml) { return parse_fault_plan_text(yaml, "p.yaml"); }

std::string check(const std::string& yaml, bool http) {
  return proxy_policy::check(plan_of(yaml), http, "p.yaml").value_or("ok");
}

TEST(proxy_policy, refuses_what_a_proxy_cannot_do) {
  EXPECT_EQ(check("rules:\n  - {kind: disconnect, at_s: 1}\n  - {kind: drop_fill, probability: 0.1}\n",
                  true),
            "p.yaml:3: rules[1].kind: drop_fill is venue-level: it needs the venue's protocol, so "
            "the simulator and the fake servers apply it; fault-proxy only sees bytes");
  EXPECT_EQ(check("rules:\n  - {kind: duplicate_fill, after_orders: 2}\n", true),
            "p.yaml:2: rules[0].kind: duplicate_fill is venue-level: it needs the venue's "
            "protocol, so the simulator and the fake servers apply it; fault-proxy only sees "
            "bytes");
  EXPECT_EQ(check("rules:\n  - {kind: rate_limit, at_s: 1}\n", false),
            "p.yaml:2: rules[0].kind: rate_limit answers HTTP requests: run fault-proxy with --http");
  EXPECT_EQ(check("rules:\n  - {kind: server_error, at_s: 1}\n", false),
            "p.yaml:2: rules[0].kind: server_error answers HTTP requests: run fault-proxy with "
            "--http");
  EXPECT_EQ(check("rules:\n  - {kind: reject, probability: 0.5}\n", false),
            "p.yaml:2: rules[0].kind: reject answers HTTP requests: run fault-proxy with --http");
  EXPECT_EQ(check("rules:\n  - {kind: disconnect, after_orders: 3}\n", false),
            "p.yaml:2: rules[0].after_orders: needs --http: without it fault-proxy sees no "
            "orders (only at_s, daily_at and per-connection probabilities apply)");
  EXPECT_EQ(check("faults:\n  rules:\n    - {kind: drop_fill, at_s: 3}\n", true),
            "p.yaml:3: faults.rules[0].kind: drop_fill is venue-level: it needs the venue's "
            "protocol, so the simulator and the fake servers apply it; fault-proxy only sees "
            "bytes");
  // What a proxy can do.
  EXPECT_EQ(check(R"(rules:
  - {kind: disconnect, probability: 0.1}
  - {kind: refuse, at_s: 1, duration_ms: 5}
  - {kind: hang, at_s: 1, duration_ms: 5}
  - {kind: delay, at_s: 1, duration_ms: 5, delay_ms: 3}
  - {kind: garbage, at_s: 2, count: 2}
  - {kind: reset_window, daily_at: "04:00", duration_ms: 60000}
)",
                  false),
            "ok");
  EXPECT_EQ(check(R"(rules:
  - {kind: disconnect, after_orders: 3}
  - {kind: rate_limit, after_orders: 1, count: 2}
  - {kind: server_error, probability: 0.1}
  - {kind: reject, after_orders: 5}
)",
                  true),
            "ok");
}

TEST(proxy_policy, the_example_plans_suit_the_proxy) {
  const std::string dir = std::string{ENGINE_SOURCE_DIR} + "/config/examples/faults/";
  for (const char* name : {"flaky_network.yaml", "nightly_reset.yaml"})
    EXPECT_FALSE(proxy_policy::check(load_fault_plan(dir + name), false, name)) << name;
  EXPECT_FALSE(proxy_policy::check(load_fault_plan(dir + "http_rate_limits.yaml"), true, "h"));
  EXPECT_TRUE(proxy_policy::check(load_fault_plan(dir + "http_rate_limits.yaml"), false, "h"));
}

TEST(proxy_policy, refuses_connections_during_refuse_reset_and_a_disconnects_duration) {
  proxy_policy p{plan_of(R"(rules:
  - {kind: refuse, at_s: 1, duration_ms: 1000}
  - {kind: disconnect, at_s: 5, duration_ms: 500}
)"),
                 false, 0};
  EXPECT_FALSE(p.refuse_connection(500 * ms));
  p.tick(1 * s);
  EXPECT_FALSE(p.take_drop_all()); // a refuse leaves open connections alone
  EXPECT_TRUE(p.refuse_connection(1500 * ms));
  EXPECT_FALSE(p.refuse_connection(2 * s));
  p.tick(5 * s);
  EXPECT_TRUE(p.take_drop_all());
  EXPECT_FALSE(p.take_drop_all()); // once
  EXPECT_TRUE(p.refuse_connection(5400 * ms));
  EXPECT_FALSE(p.refuse_connection(5500 * ms));
}

TEST(proxy_policy, a_reset_window_drops_and_refuses) {
  const int64_t day = 86400 * s;
  const int64_t base = 20788 * day; // a UTC midnight
  proxy_policy p{plan_of("rules: [{kind: reset_window, daily_at: \"03:00\", duration_ms: 60000}]"),
                 false, base};
  p.tick(base + 3 * 3600 * s);
  EXPECT_TRUE(p.take_drop_all());
  EXPECT_TRUE(p.refuse_connection(base + 3 * 3600 * s + 30 * s));
  EXPECT_FALSE(p.refuse_connection(base + 3 * 3600 * s + 60 * s));
  EXPECT_FALSE(p.take_drop_all());
  p.tick(base + day + 3 * 3600 * s + 1 * s); // the next day
  EXPECT_TRUE(p.take_drop_all());
}

TEST(proxy_policy, without_http_probabilities_roll_once_per_connection) {
  proxy_policy p{plan_of("rules: [{kind: disconnect, probability: 1}]"), false, 0};
  EXPECT_TRUE(p.refuse_connection(1 * ms)); // fired now: this one drops too
  EXPECT_TRUE(p.take_drop_all());
  EXPECT_TRUE(p.refuse_connection(2 * ms));
  EXPECT_EQ(p.injector().fired(fault_kind::disconnect), 2);

  // The same seed refuses the same connections.
  auto pattern = [](uint64_t seed) {
    proxy_policy q{plan_of("seed: " + std::to_string(seed) +
                           "\nrules: [{kind: disconnect, probability: 0.5}]"),
                   false, 0};
    std::string out;
    for (int i = 0; i < 64; ++i)
      out += q.refuse_connection(i * ms) ? 'x' : '.';
    return out;
  };
  EXPECT_EQ(pattern(7), pattern(7));
  EXPECT_NE(pattern(7), pattern(8));
  // With --http, probabilities roll per order, not per connection.
  proxy_policy h{plan_of("rules: [{kind: disconnect, probability: 1}]"), true, 0};
  EXPECT_FALSE(h.refuse_connection(1 * ms));
  EXPECT_EQ(h.injector().fired(fault_kind::disconnect), 0);
}

TEST(proxy_policy, http_answers_the_next_requests_after_the_nth_order) {
  proxy_policy p{plan_of("rules: [{kind: rate_limit, after_orders: 2, count: 2}]"), true, 0};
  EXPECT_EQ(p.on_request(1 * ms, false), request_action::forward);
  EXPECT_EQ(p.on_request(2 * ms, true), request_action::forward);       // order 1
  EXPECT_EQ(p.on_request(3 * ms, true), request_action::rate_limited);  // order 2 fires it
  EXPECT_EQ(p.on_request(4 * ms, false), request_action::rate_limited); // any request
  EXPECT_EQ(p.on_request(5 * ms, false), request_action::forward);
  EXPECT_EQ(p.on_request(6 * ms, true), request_action::forward);
}

TEST(proxy_policy, http_reject_takes_only_orders_and_500s_any_request) {
  proxy_policy p{plan_of(R"(rules:
  - {kind: server_error, at_s: 0, count: 1}
  - {kind: reject, after_orders: 1, count: 1}
  - {kind: garbage, at_s: 10, count: 1}
)"),
                 true, 0};
  p.tick(0);
  EXPECT_EQ(p.on_request(1 * ms, true), request_action::server_error); // order 1; 500 first
  EXPECT_EQ(p.on_request(2 * ms, false), request_action::forward);     // not an order
  EXPECT_EQ(p.on_request(3 * ms, true), request_action::rejected);
  EXPECT_EQ(p.on_request(4 * ms, true), request_action::forward);
  EXPECT_EQ(p.on_request(10 * s, false), request_action::garbage);
  EXPECT_EQ(p.on_request(11 * s, false), request_action::forward);
}

TEST(proxy_policy, a_disconnect_after_orders_drops_everything) {
  proxy_policy p{plan_of("rules: [{kind: disconnect, after_orders: 2}]"), true, 0};
  EXPECT_EQ(p.on_request(1 * ms, true), request_action::forward);
  EXPECT_FALSE(p.take_drop_all());
  EXPECT_EQ(p.on_request(2 * ms, true), request_action::forward); // forwarded, then dropped
  EXPECT_TRUE(p.take_drop_all());
}

TEST(proxy_policy, release_times_during_delay_and_hang) {
  proxy_policy p{plan_of(R"(rules:
  - {kind: delay, at_s: 1, duration_ms: 1000, delay_ms: 250}
  - {kind: hang, at_s: 3, duration_ms: 2000}
)"),
                 false, 0};
  EXPECT_EQ(p.release_time(500 * ms), 500 * ms);
  p.tick(1 * s);
  EXPECT_EQ(p.release_time(1200 * ms), 1450 * ms);
  EXPECT_EQ(p.release_time(2 * s), 2 * s); // over
  EXPECT_FALSE(p.hang_until(2 * s));
  p.tick(3 * s);
  EXPECT_EQ(p.hang_until(3500 * ms), 5 * s);
  EXPECT_FALSE(p.hang_until(5 * s));
}

TEST(proxy_policy, garbage_chunks_without_http) {
  proxy_policy p{plan_of("rules: [{kind: garbage, at_s: 0, count: 2}]"), false, 0};
  p.tick(0);
  EXPECT_TRUE(p.garbage_chunk(1));
  EXPECT_TRUE(p.garbage_chunk(2));
  EXPECT_FALSE(p.garbage_chunk(3));
}

TEST(proxy_policy, random_bytes_follow_the_seed) {
  proxy_policy a{plan_of("seed: 3"), false, 0};
  proxy_policy b{plan_of("seed: 3"), false, 0};
  proxy_policy c{plan_of("seed: 4"), false, 0};
  auto x = a.random_bytes(64);
  EXPECT_EQ(x.size(), 64u);
  EXPECT_EQ(x, b.random_bytes(64));
  EXPECT_NE(x, c.random_bytes(64));
  EXPECT_NE(x, a.random_bytes(64)); // a stream, not a constant
  EXPECT_NE(x[0], 'H');
}

// --- the HTTP framer -------------------------------------------------------

std::vector<http_piece> feed_all(http_framer& f, const std::string& data, size_t step) {
  std::vector<http_piece> out;
  for (size_t i = 0; i < data.size(); i += step)
    f.feed(std::string_view{data}.substr(i, step), out);
  return out;
}

const std::string get = "GET /v2/account HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string order = "POST /v2/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"
                          "{\"qty\":\"1\"}";

TEST(http_framer, finds_requests_in_one_chunk_or_byte_by_byte) {
  for (size_t step : {size_t{1}, size_t{7}, size_t{4096}}) {
    http_framer f;
    auto pieces = feed_all(f, get + order + get, step);
    ASSERT_EQ(pieces.size(), 3u) << step;
    EXPECT_TRUE(pieces[0].is_request);
    EXPECT_EQ(pieces[0].bytes, get);
    EXPECT_EQ(pieces[0].method, "GET");
    EXPECT_EQ(pieces[0].target, "/v2/account");
    EXPECT_FALSE(pieces[0].is_order);
    EXPECT_EQ(pieces[1].bytes, order); // the body belongs to its request
    EXPECT_TRUE(pieces[1].is_order);
    EXPECT_EQ(pieces[2].bytes, get);
    EXPECT_EQ(f.buffered(), 0u);
    EXPECT_FALSE(f.passthrough());
  }
}

TEST(http_framer, holds_a_request_until_its_body_is_complete) {
  http_framer f;
  std::vector<http_piece> out;
  f.feed(order.substr(0, order.size() - 3), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(f.buffered(), order.size() - 3);
  f.feed(order.substr(order.size() - 3), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes, order);
}

TEST(http_framer, what_counts_as_an_order) {
  auto is_order = [](const std::string& line) {
    http_framer f;
    std::vector<http_piece> out;
    f.feed(line + "\r\nContent-Length: 0\r\n\r\n", out);
    return out.size() == 1 && out[0].is_request && out[0].is_order;
  };
  EXPECT_TRUE(is_order("POST /v2/orders HTTP/1.1"));
  EXPECT_TRUE(is_order("POST /v2/orders?x=1 HTTP/1.1"));
  EXPECT_FALSE(is_order("GET /v2/orders HTTP/1.1"));            // listing
  EXPECT_FALSE(is_order("DELETE /v2/orders/abc HTTP/1.1"));     // a cancel
  EXPECT_FALSE(is_order("PATCH /v2/orders/abc HTTP/1.1"));      // a replace
  EXPECT_FALSE(is_order("POST /v2/orders/abc HTTP/1.1"));
}

TEST(http_framer, header_names_are_case_insensitive_and_connection_close_is_seen) {
  http_framer f;
  std::vector<http_piece> out;
  f.feed("POST /v2/orders HTTP/1.1\r\ncontent-length:  2\r\nConnection: Close\r\n\r\nab", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].wants_close);
  EXPECT_EQ(out[0].bytes.substr(out[0].bytes.size() - 2), "ab");
}

TEST(http_framer, an_upgrade_turns_the_stream_into_bytes) {
  http_framer f;
  std::vector<http_piece> out;
  std::string upgrade = "GET /stream HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
  f.feed(upgrade + "\x81\x05hello", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].is_request); // the upgrade request itself is one request
  EXPECT_EQ(out[0].bytes, upgrade + "\x81\x05hello");
  EXPECT_TRUE(f.passthrough());
  f.feed("GET / HTTP/1.1\r\n\r\n", out); // WebSocket frames now, whatever they look like
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[1].is_request);
}

TEST(http_framer, malformed_or_chunked_streams_are_passed_through) {
  {
    http_framer f;
    std::vector<http_piece> out;
    f.feed("\x01\x02garbage\r\n\r\n", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].is_request);
    EXPECT_TRUE(f.passthrough());
  }
  {
    http_framer f;
    std::vector<http_piece> out;
    f.feed("POST /v2/orders HTTP/1.1\r\nContent-Length: x\r\n\r\n", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].is_request);
  }
  {
    http_framer f;
    std::vector<http_piece> out;
    f.feed("POST /v2/orders HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].is_request); // seen and counted, then bytes
    EXPECT_TRUE(f.passthrough());
  }
  {
    http_framer f; // a head that never ends is not held forever
    std::vector<http_piece> out;
    f.feed("GET /" + std::string(http_framer::max_head + 10, 'a'), out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(f.passthrough());
    EXPECT_EQ(f.buffered(), 0u);
  }
}

} // namespace
} // namespace engine
