// The Alpaca client against fake-alpaca running a fault plan: each fault kind, no duplicate
// client_order_id at the venue, lost fills found again, 429 waits, and no key in any log.
#include "brokers/alpaca/client.hpp"

#include <sstream>

#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/sinks/ostream_sink.h>

#include "config/logging.hpp"
#include "fake_process.hpp"

namespace engine::alpaca {
namespace {

using testing::awaited;
using testing::fake_process;
using testing::recorder;
using clk = std::chrono::steady_clock;

Quantity q(const char* s) { return *Quantity::parse(s); }

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

OrderRequest market(const std::string& id, const char* qty = "1") {
  OrderRequest o;
  o.order_id = id;
  o.ticker = "MSFT";
  o.quantity = q(qty);
  return o;
}

std::string plan(const std::string& rules) { return "seed: 7\nrules:\n" + rules; }

/// client_order_id -> how many times the fake accepted it.
std::map<std::string, int64_t> accepted(const fake_process& f) {
  std::map<std::string, int64_t> out;
  simdjson::dom::parser p;
  simdjson::dom::element root = p.parse(f.get("/fake/state"));
  for (auto a : root["accepted"].get_array())
    out[std::string{a["client_order_id"].get_string().value()}] = a["count"].get_int64().value();
  return out;
}

size_t fake_fill_count(const fake_process& f) {
  simdjson::dom::parser p;
  simdjson::dom::element root = p.parse(f.get("/fake/state"));
  return root["fills"].get_array().size();
}

/// Connects a new client as the supervisor would after a drop: again until it is up.
std::unique_ptr<alpaca_connection> reconnect(const alpaca_options& o, recorder& rec,
                                             int attempts = 40) {
  for (int i = 0; i < attempts; ++i) {
    auto c = std::make_unique<alpaca_connection>(o);
    recorder probe;
    c->start(probe.events());
    bool up = probe.wait_connected(3000);
    c->stop();
    if (up) {
      auto live = std::make_unique<alpaca_connection>(o);
      live->start(rec.events());
      if (rec.wait_connected(3000))
        return live;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the supervisor's backoff
  }
  return nullptr;
}

/// Polls the venue (through the client) until an order reaches `status`.
bool venue_status(alpaca_connection& c, const std::string& id, OrderStatus status,
                  int ms = 5000) {
  auto until = clk::now() + std::chrono::milliseconds(ms);
  while (clk::now() < until) {
    awaited<OrderExecution> a;
    c.order_by_client_id(id, a.callback());
    if (a.wait() && a.value && a.value->status == status)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(alpaca_faults, rate_limit_waits_for_retry_after_without_a_storm) {
  fake_process fake{{}, plan("  - {kind: rate_limit, after_orders: 1, count: 2}\n")};
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c.submit(market("R-1"));
  ASSERT_TRUE(rec.wait_event("R-1", OrderEvent::accept));
  auto before = c.counters().requests;
  auto t0 = clk::now();
  c.submit(market("R-2"));
  ASSERT_TRUE(rec.wait_event("R-2", OrderEvent::accept, 5000));
  auto waited = clk::now() - t0;
  EXPECT_GE(waited, std::chrono::milliseconds(1900)); // two 429s, Retry-After: 1 each
  EXPECT_EQ(c.counters().rate_limited, 2);
  EXPECT_EQ(c.counters().requests - before, 3); // the two refused sends and the one accepted
  EXPECT_TRUE(rec.wait_notice("429"));
  auto acc = accepted(fake);
  EXPECT_EQ(acc["R-1"], 1);
  EXPECT_EQ(acc["R-2"], 1);
}

TEST(alpaca_faults, the_token_bucket_spaces_requests) {
  fake_process fake;
  auto o = fake.options();
  o.requests_per_minute = 600; // 10 per second
  o.burst = 1;
  recorder rec;
  alpaca_connection c{o};
  c.start(rec.events()); // the start-up account check takes the one token
  ASSERT_TRUE(rec.wait_connected());
  auto t0 = clk::now();
  std::vector<std::unique_ptr<awaited<AccountInfo>>> answers;
  for (int i = 0; i < 5; ++i) {
    answers.push_back(std::make_unique<awaited<AccountInfo>>());
    c.account(answers.back()->callback());
  }
  for (auto& a : answers) {
    ASSERT_TRUE(a->wait());
    EXPECT_TRUE(a->value) << a->error;
  }
  auto took = clk::now() - t0;
  EXPECT_GE(took, std::chrono::milliseconds(380)); // about 100 ms apart
  EXPECT_LT(took, std::chrono::milliseconds(2000));
  c.stop();
}

TEST(alpaca_faults, server_errors_never_duplicate_an_order) {
  // The first faulted POST is processed and answered 500; the second is refused unprocessed.
  fake_process fake{{}, plan("  - {kind: server_error, after_orders: 1, count: 1}\n"
                             "  - {kind: server_error, after_orders: 2, count: 1}\n")};
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c.submit(market("S-1"));
  ASSERT_TRUE(rec.wait_event("S-1", OrderEvent::accept));
  c.submit(market("S-2"));
  ASSERT_TRUE(rec.wait_event("S-2", OrderEvent::accept));
  ASSERT_TRUE(rec.wait_event("S-1", OrderEvent::fill));
  ASSERT_TRUE(rec.wait_event("S-2", OrderEvent::fill));
  auto acc = accepted(fake);
  EXPECT_EQ(acc["S-1"], 1);
  EXPECT_EQ(acc["S-2"], 1);
  EXPECT_GE(c.counters().resolved_by_id, 2);
  EXPECT_EQ(c.counters().resubmitted, 1); // S-2: asked first, then sent again
}

TEST(alpaca_faults, garbage_answers_and_frames_are_dropped_and_counted) {
  fake_process fake{{}, plan("  - {kind: garbage, after_orders: 1, count: 3}\n")};
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c.submit(market("G-1", "2"));
  ASSERT_TRUE(rec.wait_event("G-1", OrderEvent::fill));
  EXPECT_GE(c.counters().garbage, 2);
  EXPECT_TRUE(rec.disconnects().empty()); // garbage alone does not end the connection
  EXPECT_EQ(rec.filled("G-1"), q("2"));
  EXPECT_EQ(accepted(fake)["G-1"], 1);
}

TEST(alpaca_faults, a_stream_drop_after_an_order_loses_no_fill) {
  fake_process fake{{}, plan("  - {kind: disconnect, after_orders: 1, duration_ms: 400}\n")};
  auto o = fake.options();
  auto t0 = now_ns();
  recorder rec;
  auto c = std::make_unique<alpaca_connection>(o);
  c->start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c->submit(market("D-1", "3"));
  ASSERT_TRUE(rec.wait_disconnected());
  EXPECT_FALSE(rec.disconnects()[0].fatal);
  c->stop();
  // The fake fills it while the client is away; trade_updates are not replayed.
  recorder rec2;
  auto c2 = reconnect(o, rec2);
  ASSERT_TRUE(c2);
  ASSERT_TRUE(venue_status(*c2, "D-1", OrderStatus::filled));
  EXPECT_EQ(rec2.filled("D-1"), Quantity{});
  awaited<std::vector<Fill>> fills;
  c2->fills_since(t0, fills.callback());
  ASSERT_TRUE(fills.wait());
  ASSERT_TRUE(fills.value) << fills.error;
  Quantity total;
  for (auto& f : *fills.value) {
    EXPECT_EQ(f.order_id, "D-1");
    total += f.quantity;
  }
  EXPECT_EQ(total, q("3"));
  EXPECT_EQ(fills.value->size(), fake_fill_count(fake));
  EXPECT_EQ(accepted(fake)["D-1"], 1);
  c2->stop();
}

TEST(alpaca_faults, a_hang_times_out_disconnects_and_reconciliation_tells_what_arrived) {
  fake_process fake{{}, plan("  - {kind: hang, after_orders: 1, duration_ms: 1500}\n")};
  auto o = fake.options();
  o.request_timeout_ms = 250;
  auto t0 = now_ns();
  recorder rec;
  auto c = std::make_unique<alpaca_connection>(o);
  c->start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c->submit(market("H-1")); // arrives, then the venue hangs
  ASSERT_TRUE(rec.wait_event("H-1", OrderEvent::accept));
  c->submit(market("H-2")); // never answered
  ASSERT_TRUE(rec.wait_disconnected(5000));
  EXPECT_FALSE(rec.disconnects()[0].fatal);
  EXPECT_NE(rec.disconnects()[0].message.find("REST"), std::string::npos);
  c->stop();
  recorder rec2;
  auto c2 = reconnect(o, rec2);
  ASSERT_TRUE(c2);
  awaited<OrderExecution> h1, h2;
  c2->order_by_client_id("H-1", h1.callback());
  c2->order_by_client_id("H-2", h2.callback());
  ASSERT_TRUE(h1.wait() && h2.wait());
  ASSERT_TRUE(h1.value) << h1.error;
  EXPECT_FALSE(h2.value); // it never reached the venue: not unknown, not there
  EXPECT_EQ(h2.error, "");
  ASSERT_TRUE(venue_status(*c2, "H-1", OrderStatus::filled));
  awaited<std::vector<Fill>> fills;
  c2->fills_since(t0, fills.callback());
  ASSERT_TRUE(fills.wait());
  ASSERT_TRUE(fills.value);
  EXPECT_EQ(fills.value->size(), fake_fill_count(fake));
  auto acc = accepted(fake);
  EXPECT_EQ(acc["H-1"], 1);
  EXPECT_EQ(acc.count("H-2"), 0u);
  c2->stop();
}

TEST(alpaca_faults, a_silent_stream_is_a_disconnect) {
  fake_process fake{{}, plan("  - {kind: hang, after_orders: 1, duration_ms: 3000}\n")};
  auto o = fake.options();
  o.stream_silence_timeout_ms = 400; // pings at 200 ms go unanswered while the fake hangs
  o.request_timeout_ms = 5000;
  recorder rec;
  alpaca_connection c{o};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  auto t0 = clk::now();
  c.submit(market("Z-1"));
  ASSERT_TRUE(rec.wait_disconnected(3000));
  EXPECT_LT(clk::now() - t0, std::chrono::milliseconds(2000));
  EXPECT_FALSE(rec.disconnects()[0].fatal);
  EXPECT_NE(rec.disconnects()[0].message.find("silent"), std::string::npos)
    << rec.disconnects()[0].message;
}

TEST(alpaca_faults, refused_connections_fail_the_start_until_the_window_ends) {
  fake_process fake{{}, plan("  - {kind: refuse, at_s: 0, duration_ms: 800}\n")};
  // Wait for the window to open (the fake's first tick), then try as the supervisor would.
  auto until = clk::now() + std::chrono::seconds(2);
  int status = 1;
  while (clk::now() < until) {
    fake.get("/fake/state", &status);
    if (status == 0)
      break;
  }
  ASSERT_EQ(status, 0);
  auto o = fake.options();
  recorder rec;
  alpaca_connection c{o};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_disconnected());
  EXPECT_FALSE(rec.disconnects()[0].fatal);
  c.stop();
  recorder rec2;
  auto c2 = reconnect(o, rec2);
  ASSERT_TRUE(c2);
  c2->submit(market("F-1"));
  EXPECT_TRUE(rec2.wait_event("F-1", OrderEvent::fill));
  c2->stop();
}

TEST(alpaca_faults, a_dropped_fill_is_found_by_fills_since) {
  fake_process fake{{}, plan("  - {kind: drop_fill, after_orders: 1, count: 1}\n")};
  auto t0 = now_ns();
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c.submit(market("L-1", "4"));
  ASSERT_TRUE(rec.wait_event("L-1", OrderEvent::accept));
  ASSERT_TRUE(venue_status(c, "L-1", OrderStatus::filled));
  EXPECT_EQ(rec.filled("L-1"), Quantity{}); // the stream never said it
  awaited<std::vector<Fill>> fills;
  c.fills_since(t0, fills.callback());
  ASSERT_TRUE(fills.wait());
  ASSERT_TRUE(fills.value);
  ASSERT_EQ(fills.value->size(), 1u);
  EXPECT_EQ((*fills.value)[0].quantity, q("4"));
  EXPECT_EQ((*fills.value)[0].order_id, "L-1");
  c.stop();
}

TEST(alpaca_faults, a_duplicated_fill_is_reported_once) {
  fake_process fake{{}, plan("  - {kind: duplicate_fill, after_orders: 1, count: 1}\n")};
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c.submit(market("U-1", "2"));
  ASSERT_TRUE(rec.wait_event("U-1", OrderEvent::fill));
  ASSERT_TRUE(rec.wait([&] { return c.counters().duplicate_fills == 1; }, 2000));
  EXPECT_EQ(rec.filled("U-1"), q("2"));
}

TEST(alpaca_faults, a_venue_reject_is_a_reject_with_alpacas_code) {
  fake_process fake{{}, plan("  - {kind: reject, after_orders: 1, count: 1}\n")};
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c.submit(market("J-1"));
  ASSERT_TRUE(rec.wait_event("J-1", OrderEvent::reject));
  EXPECT_NE(rec.of("J-1").back().update.reason.find("40310000"), std::string::npos);
  c.submit(market("J-2"));
  EXPECT_TRUE(rec.wait_event("J-2", OrderEvent::fill));
}

TEST(alpaca_faults, no_key_or_secret_in_any_log_notice_or_error) {
  const std::string key = "PKTESTKEY7Q3Z9X";
  const std::string sec = "SECRETsecret42abcdef";
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto log = logger("alpaca");
  log->sinks().push_back(sink);
  auto old_level = log->level();
  log->set_level(spdlog::level::trace);
  std::string text;
  {
    fake_process fake{{"--key", key, "--secret", sec},
                      plan("  - {kind: rate_limit, after_orders: 1, count: 1}\n"
                           "  - {kind: garbage, after_orders: 1, count: 2}\n"
                           "  - {kind: server_error, after_orders: 2, count: 1}\n"
                           "  - {kind: disconnect, after_orders: 3, duration_ms: 300}\n")};
    auto o = fake.options();
    o.api_key = secret{key};
    o.secret_key = secret{sec};
    recorder rec;
    {
      alpaca_connection c{o};
      c.start(rec.events());
      ASSERT_TRUE(rec.wait_connected());
      for (auto id : {"K-1", "K-2", "K-3"})
        c.submit(market(id));
      ASSERT_TRUE(rec.wait_disconnected(5000));
    }
    // Wrong keys: the fatal error names the status, never the keys.
    auto bad = o;
    bad.secret_key = secret{sec + "x"};
    recorder rec_bad;
    {
      alpaca_connection c{bad};
      c.start(rec_bad.events());
      ASSERT_TRUE(rec_bad.wait_disconnected());
    }
    for (auto& n : rec.notices())
      text += n + "\n";
    for (auto& d : rec.disconnects())
      text += d.message + "\n";
    for (auto& d : rec_bad.disconnects())
      text += d.message + "\n";
    text += to_string(o.api_key) + to_string(o.secret_key);
  }
  log->set_level(old_level);
  log->sinks().pop_back();
  text += captured.str();
  EXPECT_NE(captured.str().find("alpaca"), std::string::npos); // the capture saw the logs
  EXPECT_EQ(text.find(key), std::string::npos) << text;
  EXPECT_EQ(text.find(sec), std::string::npos) << text;
}

} // namespace
} // namespace engine::alpaca
