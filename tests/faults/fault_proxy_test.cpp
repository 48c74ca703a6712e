// fault-proxy in process, between a client and an echo or HTTP server on 127.0.0.1: each
// fault kind seen from the client's side (closed, refused, hung, delayed, garbage, 429/500/403)
// and from the server's (what it never received).
#include "brokers/faults/proxy/fault_proxy.hpp"

#include <atomic>
#include <chrono>
#include <memory>

#include <gtest/gtest.h>

#include "tests/faults/net_helpers.hpp"

namespace engine {
namespace {

using namespace engine::testing;
using std::chrono::steady_clock;

constexpr int64_t ns_per_s = 1'000'000'000;
constexpr int64_t ns_per_day = 86400 * ns_per_s;

/// The wall clock plus an offset a test moves, to leave a long episode or reach a daily time.
struct test_clock {
  std::atomic<int64_t> offset{0};
  int64_t now() const { return wall_ns() + offset.load(); }
  void advance_s(int64_t secs) { offset += secs * ns_per_s; }
};

struct running_proxy {
  std::unique_ptr<fault_proxy> proxy;
  uint16_t port = 0;
};

running_proxy start_proxy(const std::string& plan, uint16_t upstream, bool http,
                          test_clock* clock = nullptr) {
  fault_proxy_options o;
  o.upstream_port = upstream;
  o.http = http;
  o.plan = parse_fault_plan_text(plan, "plan.yaml");
  if (clock)
    o.clock = [clock] { return clock->now(); };
  running_proxy r;
  r.proxy = std::make_unique<fault_proxy>(std::move(o));
  r.port = r.proxy->start();
  return r;
}

int64_t ms_since(steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - t).count();
}

/// Sends `text` and reads as many bytes back.
read_result echo(client& c, const std::string& text, int timeout_ms = 2000) {
  if (!c.send(text))
    return read_result{"", read_end::reset};
  return c.read_exact(text.size(), timeout_ms);
}

TEST(fault_proxy, forwards_both_ways_without_faults) {
  echo_server server;
  auto p = start_proxy("rules: []", server.port(), false);
  client c{p.port};
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(echo(c, "hello").data, "hello");
  std::string big(200'000, 'x');
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>('a' + i % 26);
  EXPECT_EQ(echo(c, big, 5000).data, big);
  auto n = p.proxy->counters();
  EXPECT_EQ(n.accepted, 1);
  EXPECT_EQ(n.open, 1);
  EXPECT_EQ(n.bytes_up, 5 + 200'000);
  EXPECT_EQ(n.bytes_down, 5 + 200'000);
  EXPECT_EQ(server.bytes(), 5 + 200'000);
}

TEST(fault_proxy, disconnect_closes_every_open_connection_at_once) {
  echo_server server;
  auto t0 = steady_clock::now();
  auto p = start_proxy("rules: [{kind: disconnect, at_s: 0.3}]", server.port(), false);
  client a{p.port};
  client b{p.port};
  ASSERT_EQ(echo(a, "one").data, "one");
  ASSERT_EQ(echo(b, "two").data, "two");
  auto ra = a.read_to_close(3000);
  auto rb = b.read_to_close(3000);
  EXPECT_TRUE(ra.closed()) << to_text(ra.end);
  EXPECT_TRUE(rb.closed()) << to_text(rb.end);
  EXPECT_GE(ms_since(t0), 280);
  auto n = p.proxy->counters();
  EXPECT_EQ(n.dropped, 2) << n.to_json();
  EXPECT_EQ(n.open, 0);
  EXPECT_EQ(n.fired[static_cast<size_t>(fault_kind::disconnect)], 1);
  // No duration: the next connection works.
  client c{p.port};
  EXPECT_EQ(echo(c, "three").data, "three");
}

TEST(fault_proxy, refuse_closes_new_connections_for_the_duration) {
  echo_server server;
  test_clock clock;
  auto p = start_proxy("rules: [{kind: refuse, at_s: 0, duration_ms: 60000}]", server.port(),
                       false, &clock);
  {
    client c{p.port};
    auto r = c.read_to_close(2000);
    EXPECT_TRUE(r.closed()) << to_text(r.end);
    EXPECT_TRUE(r.data.empty());
  }
  EXPECT_EQ(server.connections(), 0); // never reached the server
  EXPECT_EQ(p.proxy->counters().refused, 1);
  clock.advance_s(61);
  client c{p.port};
  EXPECT_EQ(echo(c, "after").data, "after");
  EXPECT_EQ(server.connections(), 1);
}

TEST(fault_proxy, hang_forwards_nothing_either_way_for_the_duration) {
  echo_server server;
  test_clock clock;
  auto p = start_proxy("rules: [{kind: hang, at_s: 0, duration_ms: 60000}]", server.port(),
                       false, &clock);
  client c{p.port};
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("ping"));
  auto r = c.read_exact(4, 400);
  EXPECT_EQ(r.end, read_end::timeout); // accepted, and silent
  EXPECT_TRUE(r.data.empty());
  EXPECT_EQ(server.bytes(), 0);        // nothing reached the server either
  EXPECT_EQ(p.proxy->counters().open, 1);
  clock.advance_s(61);                 // the hang is over: what was held flows
  auto after = c.read_exact(4, 2000);
  EXPECT_EQ(after.data, "ping");
  EXPECT_EQ(server.bytes(), 4);
}

TEST(fault_proxy, delay_holds_every_chunk_and_keeps_the_order) {
  echo_server server;
  test_clock clock;
  auto p = start_proxy("rules: [{kind: delay, at_s: 0, duration_ms: 60000, delay_ms: 400}]",
                       server.port(), false, &clock);
  client c{p.port};
  ASSERT_TRUE(c.connected());
  auto t0 = steady_clock::now();
  ASSERT_TRUE(c.send("a1"));
  ASSERT_TRUE(c.send("b2"));
  ASSERT_TRUE(c.send("c3"));
  auto r = c.read_exact(6, 5000);
  auto took = ms_since(t0);
  EXPECT_EQ(r.data, "a1b2c3"); // in order
  // 400 ms towards the server and 400 ms back.
  EXPECT_GE(took, 780);
  EXPECT_LT(took, 4000);
  clock.advance_s(61);
  auto t1 = steady_clock::now();
  EXPECT_EQ(echo(c, "d4").data, "d4");
  EXPECT_LT(ms_since(t1), 400); // no longer delayed
}

TEST(fault_proxy, garbage_replaces_the_next_chunks_towards_the_client) {
  echo_server server;
  auto p = start_proxy("seed: 5\nrules: [{kind: garbage, at_s: 0, count: 2}]", server.port(),
                       false);
  client c{p.port};
  const std::string msg = "0123456789abcdef";
  auto g1 = echo(c, msg);
  auto g2 = echo(c, msg);
  auto ok = echo(c, msg);
  EXPECT_EQ(g1.data.size(), msg.size());
  EXPECT_NE(g1.data, msg);
  EXPECT_EQ(g2.data.size(), msg.size());
  EXPECT_NE(g2.data, msg);
  EXPECT_NE(g1.data, g2.data);
  EXPECT_EQ(ok.data, msg);
  EXPECT_EQ(server.bytes(), 3 * 16); // the server's answers were replaced, not its input
  EXPECT_EQ(p.proxy->counters().garbage, 2);
}

TEST(fault_proxy, probability_per_connection_without_http) {
  echo_server server;
  auto p = start_proxy("rules: [{kind: disconnect, probability: 1}]", server.port(), false);
  for (int i = 0; i < 3; ++i) {
    client c{p.port};
    EXPECT_TRUE(c.read_to_close(2000).closed());
  }
  EXPECT_EQ(p.proxy->counters().refused, 3);
  EXPECT_EQ(server.connections(), 0);
}

TEST(fault_proxy, daily_reset_window_drops_refuses_and_comes_back_the_next_day) {
  echo_server server;
  test_clock clock;
  // Today 11:59:59.6 UTC on the proxy's clock; the window opens at 12:00 for a minute.
  int64_t real = wall_ns();
  int64_t noon = real / ns_per_day * ns_per_day + 12 * 3600 * ns_per_s;
  clock.offset = noon - 400'000'000 - real;
  auto p = start_proxy("rules: [{kind: reset_window, daily_at: \"12:00\", duration_ms: 60000}]",
                       server.port(), false, &clock);
  {
    client c{p.port};
    ASSERT_EQ(echo(c, "before").data, "before");
    auto t0 = steady_clock::now();
    EXPECT_TRUE(c.read_to_close(3000).closed()); // dropped at 12:00
    EXPECT_GE(ms_since(t0), 250);
  }
  {
    client c{p.port};
    EXPECT_TRUE(c.read_to_close(2000).closed()); // refused during the window
  }
  int connected = server.connections();
  clock.advance_s(61);
  {
    client c{p.port};
    EXPECT_EQ(echo(c, "after").data, "after");
  }
  EXPECT_EQ(server.connections(), connected + 1);
  // Tomorrow 11:59:59.6: works, then the window again.
  clock.offset = noon + ns_per_day - 400'000'000 - wall_ns();
  {
    client c{p.port};
    ASSERT_EQ(echo(c, "tomorrow").data, "tomorrow");
    EXPECT_TRUE(c.read_to_close(3000).closed());
  }
  auto n = p.proxy->counters();
  EXPECT_EQ(n.fired[static_cast<size_t>(fault_kind::reset_window)], 2);
  EXPECT_EQ(n.dropped, 2);
  EXPECT_EQ(n.refused, 1);
}

// --- HTTP ------------------------------------------------------------------

const std::string order_body = R"({"symbol":"AAPL","qty":"1","side":"buy"})";

TEST(fault_proxy, http_rate_limit_answers_429_itself_after_the_nth_order) {
  http_server server;
  auto p = start_proxy("rules: [{kind: rate_limit, after_orders: 2, count: 2}]", server.port(),
                       true);
  client c{p.port};
  auto send = [&](const std::string& method, const std::string& target) {
    EXPECT_TRUE(c.send(http_request(method, target, method == "POST" ? order_body : "")));
    return read_http(c, 2000);
  };
  auto a = send("GET", "/v2/account");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "ok GET /v2/account HTTP/1.1");
  EXPECT_EQ(send("POST", "/v2/orders").status, 200);
  auto limited = send("POST", "/v2/orders"); // the 2nd order fires it and is the first 429
  EXPECT_EQ(limited.status, 429);
  EXPECT_NE(limited.head.find("\r\nRetry-After: 1\r\n"), std::string::npos) << limited.head;
  EXPECT_EQ(send("GET", "/v2/positions").status, 429);
  EXPECT_EQ(send("GET", "/v2/clock").status, 200); // the count is spent
  ASSERT_TRUE(server.wait_for(3, 2000));
  EXPECT_EQ(server.lines(), (std::vector<std::string>{"GET /v2/account HTTP/1.1",
                                                      "POST /v2/orders HTTP/1.1",
                                                      "GET /v2/clock HTTP/1.1"}));
  auto n = p.proxy->counters();
  EXPECT_EQ(n.requests, 5);
  EXPECT_EQ(n.orders, 2);
  EXPECT_EQ(n.forwarded, 3);
  EXPECT_EQ(n.answered_429, 2);
}

TEST(fault_proxy, http_server_error_and_reject) {
  http_server server;
  auto p = start_proxy(R"(rules:
  - {kind: server_error, at_s: 0, count: 1}
  - {kind: reject, after_orders: 2, count: 1}
)",
                       server.port(), true);
  client c{p.port};
  auto order = [&] {
    EXPECT_TRUE(c.send(http_request("POST", "/v2/orders", order_body)));
    return read_http(c, 2000);
  };
  auto e = order();
  EXPECT_EQ(e.status, 500);
  EXPECT_NE(e.body.find("internal server error"), std::string::npos);
  auto r = order(); // the 2nd order: rejected here
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"j({"code":40310000,"message":"order rejected (fault-proxy)"})j");
  EXPECT_EQ(order().status, 200);
  ASSERT_TRUE(server.wait_for(1, 2000));
  EXPECT_EQ(server.lines().size(), 1u); // only the last order reached the server
  auto n = p.proxy->counters();
  EXPECT_EQ(n.answered_500, 1);
  EXPECT_EQ(n.answered_403, 1);
}

TEST(fault_proxy, http_disconnect_after_an_order_loses_its_answer) {
  http_server server;
  auto p = start_proxy("rules: [{kind: disconnect, after_orders: 2}]", server.port(), true);
  client idle{p.port};
  client c{p.port};
  ASSERT_TRUE(c.send(http_request("POST", "/v2/orders", order_body)));
  EXPECT_EQ(read_http(c, 2000).status, 200);
  ASSERT_TRUE(c.send(http_request("POST", "/v2/orders", order_body)));
  auto r = c.read_to_close(3000);
  EXPECT_TRUE(r.closed()) << to_text(r.end);
  EXPECT_TRUE(r.data.empty()); // no answer: the outcome is unknown to the client
  // ...but the venue did get the order (reconciliation must find it).
  ASSERT_TRUE(server.wait_for(2, 2000));
  EXPECT_EQ(server.lines().size(), 2u);
  EXPECT_TRUE(idle.read_to_close(2000).closed()); // every connection went
  EXPECT_EQ(p.proxy->counters().dropped, 2);
}

TEST(fault_proxy, http_garbage_answers_random_bytes_and_closes) {
  http_server server;
  auto p = start_proxy("rules: [{kind: garbage, after_orders: 1, count: 1}]", server.port(), true);
  client c{p.port};
  ASSERT_TRUE(c.send(http_request("POST", "/v2/orders", order_body)));
  auto r = c.read_to_close(2000);
  EXPECT_TRUE(r.closed());
  EXPECT_EQ(r.data.size(), 256u);
  EXPECT_NE(r.data.rfind("HTTP/", 0), 0u);
  client d{p.port};
  ASSERT_TRUE(d.send(http_request("GET", "/v2/account")));
  EXPECT_EQ(read_http(d, 2000).status, 200);
  ASSERT_TRUE(server.wait_for(1, 2000));
  EXPECT_EQ(server.lines(), (std::vector<std::string>{"GET /v2/account HTTP/1.1"}));
}

TEST(fault_proxy, http_after_a_websocket_upgrade_everything_is_bytes) {
  echo_server server; // echoes the upgrade request too: enough to see the bytes pass
  auto p = start_proxy("rules: [{kind: rate_limit, after_orders: 1, count: 100}]", server.port(),
                       true);
  client c{p.port};
  std::string upgrade = "GET /stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\n\r\n";
  EXPECT_EQ(echo(c, upgrade).data, upgrade);
  // A WebSocket frame whose payload looks like an order: not an order, not answered here.
  std::string frame = std::string{"\x82\x7e\x00\x40"} +
                      "POST /v2/orders HTTP/1.1\r\nContent-Length: 0\r\n\r\n" +
                      std::string(13, '\0');
  EXPECT_EQ(echo(c, frame).data, frame);
  auto n = p.proxy->counters();
  EXPECT_EQ(n.requests, 1);
  EXPECT_EQ(n.orders, 0);
  EXPECT_EQ(n.answered_429, 0);
}

TEST(fault_proxy, refuses_a_plan_it_cannot_apply) {
  fault_proxy_options o;
  o.upstream_port = 1;
  o.plan_file = "p.yaml";
  o.plan = parse_fault_plan_text("rules:\n  - {kind: drop_fill, probability: 0.1}\n", "p.yaml");
  try {
    fault_proxy p{o};
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string{e.what()},
              "p.yaml:2: rules[0].kind: drop_fill is venue-level: it needs the venue's "
              "protocol, so the simulator and the fake servers apply it; fault-proxy only sees "
              "bytes");
  }
}

TEST(fault_proxy, an_unreachable_upstream_closes_the_client) {
  uint16_t dead_port = 0;
  int fd = listen_loopback(dead_port);
  ::close(fd); // nothing listens there now
  auto p = start_proxy("rules: []", dead_port, false);
  client c{p.port};
  EXPECT_TRUE(c.read_to_close(6000).closed());
  EXPECT_EQ(p.proxy->counters().upstream_failed, 1);
}

} // namespace
} // namespace engine
