// The Alpaca client against fake-alpaca (a subprocess on 127.0.0.1, port 0): orders, fills,
// cancels, replaces and the reconciliation queries.
#include "brokers/alpaca/client.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "brokers/alpaca/wire.hpp"
#include "config/config_loader.hpp"
#include "fake_process.hpp"

namespace engine::alpaca {
namespace {

using testing::awaited;
using testing::fake_process;
using testing::recorder;

Quantity q(const char* s) { return *Quantity::parse(s); }

OrderRequest market(const std::string& id, const char* qty, OrderSide side = OrderSide::buy) {
  OrderRequest o;
  o.order_id = id;
  o.ticker = "AAPL";
  o.side = side;
  o.quantity = q(qty);
  return o;
}

OrderRequest resting_limit(const std::string& id) {
  OrderRequest o = market(id, "5");
  o.order_type = OrderType::limit;
  o.time_in_force = TimeInForce::gtc;
  o.price = *Price::parse("1.01"); // far below any fake price: rests
  return o;
}

/// How many times the fake accepted each client_order_id, and its fills' execution ids.
struct fake_state {
  std::map<std::string, int64_t> accepted;
  int64_t duplicate_posts = 0;
  std::vector<std::string> exec_ids;
  std::map<std::string, Quantity> filled_by_client_id;
};

fake_state state_of(const fake_process& f) {
  fake_state s;
  std::string body = f.get("/fake/state");
  simdjson::dom::parser p;
  simdjson::dom::element root = p.parse(body);
  for (auto a : root["accepted"].get_array())
    s.accepted[std::string{a["client_order_id"].get_string().value()}] =
      a["count"].get_int64().value();
  s.duplicate_posts = root["duplicate_posts"].get_int64().value();
  for (auto x : root["fills"].get_array()) {
    s.exec_ids.emplace_back(x["execution_id"].get_string().value());
    s.filled_by_client_id[std::string{x["client_order_id"].get_string().value()}] +=
      *Quantity::parse(x["qty"].get_string().value());
  }
  return s;
}

TEST(alpaca_url, plain_urls_only_for_loopback) {
  std::string err;
  EXPECT_TRUE(parse_venue_url("https://paper-api.alpaca.markets", err));
  auto u = parse_venue_url("wss://paper-api.alpaca.markets/stream", err);
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->path, "/stream");
  EXPECT_TRUE(parse_venue_url("http://127.0.0.1:8080/", err));
  EXPECT_TRUE(parse_venue_url("ws://localhost:1/stream", err));
  EXPECT_TRUE(parse_venue_url("http://[::1]:9", err));
  EXPECT_FALSE(parse_venue_url("http://paper-api.alpaca.markets", err));
  EXPECT_NE(err.find("clear text"), std::string::npos);
  EXPECT_FALSE(parse_venue_url("ws://10.0.0.1/stream", err));
  EXPECT_FALSE(parse_venue_url("http://127.0.0.1.evil.com", err));
  EXPECT_FALSE(parse_venue_url("ftp://127.0.0.1", err));
  EXPECT_FALSE(parse_venue_url("https://user:pw@host", err));
}

TEST(alpaca_config, the_fake_example_config_makes_valid_options) {
  auto cfg = load_config(ENGINE_SOURCE_DIR "/config/examples/alpaca_fake.yaml");
  EXPECT_EQ(cfg.execution.broker.type, "alpaca");
  auto o = options_from(cfg.execution.broker);
  EXPECT_EQ(validate(o), "");
  EXPECT_EQ(o.base_url, "http://127.0.0.1:18750");
  EXPECT_EQ(o.stream_url, "ws://127.0.0.1:18750/stream");
  EXPECT_EQ(o.requests_per_minute, 200);
  // The real paper account's config asks for TLS on both URLs.
  broker_config paper;
  paper.base_url = "https://paper-api.alpaca.markets";
  paper.stream_url = "wss://paper-api.alpaca.markets/stream";
  paper.api_key = secret{"k"};
  paper.secret_key = secret{"s"};
  EXPECT_EQ(validate(options_from(paper)), "");
  paper.base_url = "http://paper-api.alpaca.markets";
  EXPECT_NE(validate(options_from(paper)).find("base_url"), std::string::npos);
}

TEST(alpaca_client, a_plain_remote_url_stops_the_start_fatally) {
  alpaca_options o;
  o.base_url = "http://paper-api.alpaca.markets";
  o.api_key = secret{"k"};
  o.secret_key = secret{"s"};
  EXPECT_NE(validate(o), "");
  recorder rec;
  alpaca_connection c{o};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_disconnected());
  EXPECT_TRUE(rec.disconnects()[0].fatal);
  EXPECT_NE(rec.disconnects()[0].message.find("clear text"), std::string::npos);
}

TEST(alpaca_client, https_to_a_server_without_tls_fails_the_handshake_not_open) {
  fake_process fake;
  auto o = fake.options();
  o.base_url = "https://127.0.0.1:" + std::to_string(fake.port());
  recorder rec;
  alpaca_connection c{o};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_disconnected());
  EXPECT_FALSE(rec.disconnects()[0].fatal);
  EXPECT_NE(rec.disconnects()[0].message.find("tls handshake"), std::string::npos)
    << rec.disconnects()[0].message;
  EXPECT_TRUE(state_of(fake).accepted.empty());
}

TEST(alpaca_client, wrong_keys_are_fatal) {
  fake_process fake;
  auto o = fake.options();
  o.secret_key = secret{"wrong"};
  recorder rec;
  alpaca_connection c{o};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_disconnected());
  EXPECT_TRUE(rec.disconnects()[0].fatal);
  EXPECT_NE(rec.disconnects()[0].message.find("401"), std::string::npos);
}

TEST(alpaca_client, market_order_fills_in_parts_each_fill_its_own_quantity) {
  fake_process fake{{"--partial-lot", "100"}};
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c.submit(market("E-1", "250.5"));
  ASSERT_TRUE(rec.wait_event("E-1", OrderEvent::fill));
  auto rs = rec.of("E-1");
  ASSERT_GE(rs.size(), 4u);
  EXPECT_EQ(rs[0].event, OrderEvent::accept);
  int partials = 0;
  for (auto& r : rs)
    if (r.event == OrderEvent::partial_fill) {
      ++partials;
      EXPECT_EQ(r.fill.quantity, q("100"));
      EXPECT_EQ(r.fill.broker, "alpaca-test");
      EXPECT_EQ(r.fill.order_id, "E-1");
    }
  EXPECT_EQ(partials, 2);
  EXPECT_EQ(rs.back().event, OrderEvent::fill);
  EXPECT_EQ(rs.back().fill.quantity, q("50.5"));
  EXPECT_EQ(rs.back().update.executed_quantity, q("250.5"));
  EXPECT_EQ(rs.back().update.status, OrderStatus::filled);
  EXPECT_EQ(rec.filled("E-1"), q("250.5"));
  // Every accept is reported once, though both the POST answer and `new` say it.
  int accepts = 0;
  for (auto& r : rs)
    accepts += r.event == OrderEvent::accept;
  EXPECT_EQ(accepts, 1);
  auto st = state_of(fake);
  EXPECT_EQ(st.accepted["E-1"], 1);
  EXPECT_EQ(st.filled_by_client_id["E-1"], q("250.5"));
}

TEST(alpaca_client, cancel_then_a_second_cancel_is_refused) {
  fake_process fake;
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c.submit(resting_limit("E-2"));
  ASSERT_TRUE(rec.wait_event("E-2", OrderEvent::accept));
  CancelRequest cr;
  cr.order_id = "E-2";
  c.cancel(cr);
  ASSERT_TRUE(rec.wait_event("E-2", OrderEvent::cancel));
  c.cancel(cr);
  ASSERT_TRUE(rec.wait_event("E-2", OrderEvent::cancel_reject));
  auto rs = rec.of("E-2");
  EXPECT_NE(rs.back().update.reason.find("422"), std::string::npos);
}

TEST(alpaca_client, replace_keeps_the_engine_id_and_later_cancels_reach_the_new_order) {
  fake_process fake;
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c.submit(resting_limit("E-3"));
  ASSERT_TRUE(rec.wait_event("E-3", OrderEvent::accept));
  ReplaceRequest rp;
  rp.order_id = "E-3";
  rp.price = *Price::parse("1.02");
  c.replace(rp);
  ASSERT_TRUE(rec.wait_event("E-3", OrderEvent::replace));
  auto rs = rec.of("E-3");
  int replaces = 0;
  for (auto& r : rs)
    replaces += r.event == OrderEvent::replace;
  EXPECT_EQ(replaces, 1); // the PATCH answer and the `replaced` event: one report
  EXPECT_EQ(rs.back().update.status, OrderStatus::new_);
  EXPECT_EQ(rs.back().update.client_order_id, "E-3.r1");
  // A replace that changes nothing is refused (403 40310000) and leaves the order alone.
  c.replace(rp);
  ASSERT_TRUE(rec.wait_notice("40310000"));
  CancelRequest cr;
  cr.order_id = "E-3";
  c.cancel(cr);
  ASSERT_TRUE(rec.wait_event("E-3", OrderEvent::cancel));
  awaited<OrderExecution> by_id;
  c.order_by_client_id("E-3", by_id.callback());
  ASSERT_TRUE(by_id.wait());
  ASSERT_TRUE(by_id.value) << by_id.error;
  EXPECT_EQ(by_id.value->order_id, "E-3");
  EXPECT_EQ(by_id.value->status, OrderStatus::canceled); // followed to the replacement
  EXPECT_EQ(by_id.value->price, *Price::parse("1.02"));
  auto st = state_of(fake);
  EXPECT_EQ(st.accepted["E-3"], 1);
  EXPECT_EQ(st.accepted["E-3.r1"], 1);
  c.stop();
}

TEST(alpaca_client, reconciliation_queries) {
  fake_process fake;
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  auto t0 = std::chrono::duration_cast<std::chrono::nanoseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  c.submit(market("E-4", "3"));
  c.submit(market("E-5", "2", OrderSide::sell));
  c.submit(resting_limit("E-6"));
  ASSERT_TRUE(rec.wait_event("E-4", OrderEvent::fill));
  ASSERT_TRUE(rec.wait_event("E-5", OrderEvent::fill));
  ASSERT_TRUE(rec.wait_event("E-6", OrderEvent::accept));

  awaited<std::vector<OrderExecution>> open;
  c.open_orders(open.callback());
  ASSERT_TRUE(open.wait());
  ASSERT_TRUE(open.value) << open.error;
  ASSERT_EQ(open.value->size(), 1u);
  EXPECT_EQ((*open.value)[0].order_id, "E-6");
  EXPECT_EQ((*open.value)[0].status, OrderStatus::new_);

  awaited<OrderExecution> known, unknown;
  c.order_by_client_id("E-4", known.callback());
  c.order_by_client_id("nobody", unknown.callback());
  ASSERT_TRUE(known.wait() && unknown.wait());
  ASSERT_TRUE(known.value);
  EXPECT_EQ(known.value->status, OrderStatus::filled);
  EXPECT_EQ(known.value->executed_quantity, q("3"));
  EXPECT_FALSE(unknown.value);
  EXPECT_EQ(unknown.error, "");

  awaited<std::vector<Fill>> fills;
  c.fills_since(t0, fills.callback());
  ASSERT_TRUE(fills.wait());
  ASSERT_TRUE(fills.value) << fills.error;
  ASSERT_EQ(fills.value->size(), 2u);
  // The activities' execution ids are the stream's: the journal dedups by them.
  std::set<std::string> stream_ids;
  for (auto id : {"E-4", "E-5"})
    for (auto& r : rec.of(id))
      if (r.event == OrderEvent::fill)
        stream_ids.insert(r.fill.exec_id);
  for (auto& f : *fills.value) {
    EXPECT_TRUE(stream_ids.count(f.exec_id)) << f.exec_id;
    EXPECT_TRUE(f.order_id == "E-4" || f.order_id == "E-5");
    EXPECT_EQ(f.broker, "alpaca-test");
  }
  awaited<std::vector<Fill>> later;
  c.fills_since(t0 + 3'600'000'000'000LL, later.callback());
  ASSERT_TRUE(later.wait());
  ASSERT_TRUE(later.value);
  EXPECT_TRUE(later.value->empty());

  awaited<std::vector<Position>> pos;
  c.positions(pos.callback());
  ASSERT_TRUE(pos.wait());
  ASSERT_TRUE(pos.value) << pos.error;
  ASSERT_EQ(pos.value->size(), 1u);
  EXPECT_EQ((*pos.value)[0].ticker, "AAPL");
  EXPECT_EQ((*pos.value)[0].quantity, q("1")); // 3 bought, 2 sold

  awaited<AccountInfo> acct;
  c.account(acct.callback());
  ASSERT_TRUE(acct.wait());
  ASSERT_TRUE(acct.value) << acct.error;
  EXPECT_FALSE(acct.value->account_id.empty());
  EXPECT_TRUE(acct.value->cash.is_positive());
  c.stop();
}

TEST(alpaca_client, fills_since_pages_through_more_than_one_page_of_activities) {
  fake_process fake{{"--partial-lot", "100", "--tick-ms", "1"}};
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  auto t0 = std::chrono::duration_cast<std::chrono::nanoseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  c.submit(market("P-1", "23050")); // 231 fills of at most 100: three pages of 100
  ASSERT_TRUE(rec.wait_event("P-1", OrderEvent::fill, 8000));
  EXPECT_EQ(rec.filled("P-1"), q("23050"));
  awaited<std::vector<Fill>> fills;
  c.fills_since(t0, fills.callback());
  ASSERT_TRUE(fills.wait());
  ASSERT_TRUE(fills.value) << fills.error;
  EXPECT_EQ(fills.value->size(), 231u);
  std::set<std::string> ids;
  Quantity total;
  for (auto& f : *fills.value) {
    ids.insert(f.exec_id);
    total += f.quantity;
  }
  EXPECT_EQ(ids.size(), 231u);
  EXPECT_EQ(total, q("23050"));
  c.stop();
}

TEST(alpaca_client, an_order_alpaca_cannot_take_is_rejected_without_a_request) {
  fake_process fake;
  recorder rec;
  alpaca_connection c{fake.options()};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  auto before = c.counters().requests;
  OrderRequest o = market("E-7", "1");
  o.time_in_force = TimeInForce::gtd;
  c.submit(o);
  ASSERT_TRUE(rec.wait_event("E-7", OrderEvent::reject));
  EXPECT_EQ(c.counters().requests, before);
  EXPECT_TRUE(state_of(fake).accepted.empty());
}

TEST(alpaca_client, text_frames_and_the_legacy_auth_form_work_too) {
  fake_process fake{{"--text-frames"}};
  auto o = fake.options();
  o.legacy_stream_auth = true;
  recorder rec;
  alpaca_connection c{o};
  c.start(rec.events());
  ASSERT_TRUE(rec.wait_connected());
  c.submit(market("E-8", "1"));
  ASSERT_TRUE(rec.wait_event("E-8", OrderEvent::fill));
}

} // namespace
} // namespace engine::alpaca
