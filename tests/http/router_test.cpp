// The routes without sockets: auth, validation errors naming the field, 404/405/413, filters, metrics text.
#include <gtest/gtest.h>

#include <chrono>

#include "nodes/http/api_router.hpp"

namespace engine::http {
namespace {

/// A backend with fixed books that records what the routes asked of it.
class fake_backend : public api_backend {
public:
  std::vector<OrderExecution> all;
  std::vector<OrderRequest> submitted;
  std::vector<CancelRequest> canceled;
  TradingState state = TradingState::active;
  std::string last_who, last_why;
  RiskLimits limits;
  bool fail = false;

  fake_backend() {
    for (int i = 1; i <= 5; ++i) {
      OrderExecution e;
      e.order_id = "O-" + std::to_string(i);
      e.ticker = i % 2 ? "AAPL" : "MSFT";
      e.strategy = i <= 2 ? "noise" : "rebalance";
      e.quantity = Quantity::from_units(i);
      e.status = i <= 3 ? OrderStatus::filled : OrderStatus::new_;
      if (i <= 3) {
        Fill f;
        f.exec_id = "X-" + std::to_string(i);
        f.order_id = e.order_id;
        f.ticker = e.ticker;
        f.quantity = e.quantity;
        f.price = *Price::parse("100.5");
        f.timestamp = 1000 * i;
        e.fills.push_back(f);
      }
      all.push_back(e);
    }
    limits.max_order_size = Money::from_units(10000);
  }

  std::vector<OrderExecution> orders(bool open_only) override {
    if (fail)
      throw backend_unavailable("order_manager did not answer");
    std::vector<OrderExecution> out;
    for (auto& o : all)
      if (!open_only || o.status == OrderStatus::new_)
        out.push_back(o);
    return out;
  }
  std::optional<OrderExecution> order(const std::string& id) override {
    for (auto& o : all)
      if (o.order_id == id)
        return o;
    return std::nullopt;
  }
  std::vector<Position> positions() override {
    Position p;
    p.ticker = "AAPL";
    p.quantity = Quantity::from_units(4);
    p.market_value = *Money::parse("402.25");
    return {p};
  }
  AccountInfo account() override {
    AccountInfo a;
    a.cash = *Money::parse("99597.75");
    a.equity = *Money::parse("100000.00");
    return a;
  }
  PerformanceMetrics performance() override { return {}; }
  OrderStats order_stats() override {
    OrderStats s;
    s.submitted = 5;
    s.open = 2;
    s.filled = 3;
    s.rejects_by_reason.push_back({"max_order_size", 7});
    return s;
  }
  RiskLimits risk_limits() override {
    auto l = limits;
    l.trading_state = state;
    return l;
  }
  std::vector<BrokerStatus> brokers() override {
    BrokerStatus b;
    b.broker = "simulator";
    b.state = BrokerState::connected;
    return {b};
  }
  std::vector<quote_time> quote_times() override { return {{"AAPL", 5'000'000'000}}; }
  std::vector<mailbox_depth> mailbox_depths() override { return {{"order_manager", 3}}; }
  std::vector<readiness_check> readiness() override { return {{"journal", true, "ok"}}; }
  std::string status_line() override { return "orders 5"; }
  timestamp_ns now() override { return 7'000'000'000; }
  OrderUpdate submit(OrderRequest req) override {
    submitted.push_back(req);
    OrderUpdate u;
    u.client_order_id = req.client_order_id;
    u.ticker = req.ticker;
    if (state == TradingState::halted) {
      u.status = OrderStatus::rejected;
      set_refusal(u, {RejectReason::trading_halted, "trading is halted"});
    } else {
      u.order_id = "O-9";
      u.status = OrderStatus::pending_new;
    }
    return u;
  }
  OrderUpdate cancel(CancelRequest req) override {
    canceled.push_back(req);
    OrderUpdate u;
    u.order_id = req.order_id;
    if (!order(req.order_id)) {
      u.status = OrderStatus::rejected;
      set_refusal(u, {RejectReason::unknown_order, ""});
    } else {
      u.status = OrderStatus::pending_cancel;
    }
    return u;
  }
  bool set_trading_state(TradingState s, const std::string& who, const std::string& why) override {
    state = s;
    last_who = who;
    last_why = why;
    return true;
  }
  bool set_risk_limits(const RiskLimits& l, const std::string& who, const std::string&) override {
    limits = l;
    last_who = who;
    return true;
  }
};

class router_test : public ::testing::Test {
protected:
  fake_backend backend;
  http_metrics metrics;
  router_options opts() {
    router_options o;
    o.token = secret{"s3cret-token"};
    o.max_body_bytes = 1024;
    return o;
  }
  api_router router{backend, opts(), metrics};

  api_response call(const std::string& method, const std::string& target,
                    const std::string& body = {}, const std::string& token = "s3cret-token") {
    api_request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.remote = "127.0.0.1";
    if (!token.empty())
      r.authorization = "Bearer " + token;
    return router.handle(r);
  }
};

TEST_F(router_test, health_needs_no_token_and_everything_else_does) {
  EXPECT_EQ(call("GET", "/health", {}, "").status, 200);
  for (auto target : {"/status", "/orders", "/positions", "/account", "/risk", "/brokers",
                      "/fills", "/metrics", "/ready", "/events"}) {
    auto r = call("GET", target, {}, "");
    EXPECT_EQ(r.status, 401) << target;
    EXPECT_EQ(call("GET", target, {}, "wrong-token").status, 401) << target;
    EXPECT_EQ(call("GET", target, {}, "s3cret-token-and-more").status, 401) << target;
  }
  EXPECT_EQ(metrics.unauthorized(), 30);
  EXPECT_EQ(metrics.requests("GET /orders", 401), 3);
  // The token never appears in an answer.
  EXPECT_EQ(call("GET", "/status", {}, "wrong").body.find("s3cret"), std::string::npos);
}

TEST_F(router_test, orders_filter_by_status_strategy_ticker_and_limit) {
  auto open = call("GET", "/orders");
  EXPECT_EQ(open.status, 200);
  EXPECT_NE(open.body.find("\"O-4\""), std::string::npos);
  EXPECT_EQ(open.body.find("\"O-1\""), std::string::npos);
  auto all = call("GET", "/orders?status=all&strategy=noise");
  EXPECT_NE(all.body.find("\"O-1\""), std::string::npos);
  EXPECT_NE(all.body.find("\"O-2\""), std::string::npos);
  EXPECT_EQ(all.body.find("\"O-3\""), std::string::npos);
  auto limited = call("GET", "/orders?status=all&ticker=AAPL&limit=1");
  EXPECT_NE(limited.body.find("\"O-5\""), std::string::npos);
  EXPECT_EQ(limited.body.find("\"O-1\""), std::string::npos);
  auto bad = call("GET", "/orders?status=sometimes");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"field\":\"status\""), std::string::npos);
  EXPECT_EQ(call("GET", "/orders?limit=0").status, 400);
}

TEST_F(router_test, one_order_and_fills_since) {
  auto r = call("GET", "/orders/O-2");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"exec_id\":\"X-2\""), std::string::npos);
  EXPECT_EQ(call("GET", "/orders/O-77").status, 404);
  auto fills = call("GET", "/fills?since=1500");
  EXPECT_EQ(fills.status, 200);
  EXPECT_EQ(fills.body.find("X-1"), std::string::npos);
  EXPECT_NE(fills.body.find("X-2"), std::string::npos);
  EXPECT_NE(fills.body.find("\"price\":\"100.5\""), std::string::npos);
  EXPECT_EQ(call("GET", "/fills?since=1970-01-01T00:00:00Z").body.find("X-1") != std::string::npos,
            true);
  EXPECT_EQ(call("GET", "/fills?since=yesterday").status, 400);
}

TEST_F(router_test, post_order_validates_each_field_by_name) {
  struct bad_case {
    const char* body;
    const char* field;
  };
  bad_case cases[]{
    {R"({"ticker":"AAPL","side":"buy","quantity":"1")", ""}, // malformed JSON
    {R"([1,2])", ""},
    {R"({"side":"buy","quantity":"1"})", "ticker"},
    {R"({"ticker":"aapl","side":"buy","quantity":"1"})", "ticker"},
    {R"({"ticker":"AAPL","side":"hold","quantity":"1"})", "side"},
    {R"({"ticker":"AAPL","side":"buy"})", "quantity"},
    {R"({"ticker":"AAPL","side":"buy","quantity":1.5})", "quantity"},
    {R"({"ticker":"AAPL","side":"buy","quantity":"-1"})", "quantity"},
    {R"({"ticker":"AAPL","side":"buy","quantity":"1","type":"limit"})", "price"},
    {R"({"ticker":"AAPL","side":"buy","quantity":"1","price":"10"})", "price"},
    {R"({"ticker":"AAPL","side":"buy","quantity":"1","type":"stop"})", "stop_price"},
    {R"({"ticker":"AAPL","side":"buy","quantity":"1","time_in_force":"soon"})", "time_in_force"},
  };
  for (auto& c : cases) {
    auto r = call("POST", "/orders", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    if (*c.field)
      EXPECT_NE(r.body.find(std::string{"\"field\":\""} + c.field + "\""), std::string::npos)
        << c.body << " -> " << r.body;
    else
      EXPECT_EQ(r.body.find("\"field\""), std::string::npos) << r.body;
  }
  EXPECT_TRUE(backend.submitted.empty());
}

TEST_F(router_test, post_order_goes_to_the_backend_as_the_operator) {
  auto r = call("POST", "/orders",
                R"({"ticker":"AAPL","side":"sell","quantity":"2.5","type":"limit","price":"231.25","client_order_id":"mine-1"})");
  EXPECT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(backend.submitted.size(), 1u);
  auto& o = backend.submitted[0];
  EXPECT_EQ(o.strategy, "operator");
  EXPECT_EQ(o.side, OrderSide::sell);
  EXPECT_EQ(o.quantity.to_string(), "2.5");
  EXPECT_EQ(o.price.to_string(), "231.25");
  EXPECT_EQ(o.client_order_id, "mine-1");
  EXPECT_EQ(o.timestamp, 7'000'000'000);
  EXPECT_EQ(metrics.manual_order_ack().read().count, 1u);
}

TEST_F(router_test, kill_switch_is_applied_with_who_and_why_and_rejects_the_next_order) {
  auto bad = call("PUT", "/trading-state", R"({"state":"paused"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"field\":\"state\""), std::string::npos);
  auto r = call("PUT", "/trading-state", R"({"state":"halted","reason":"desk says stop","by":"ana"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend.state, TradingState::halted);
  EXPECT_EQ(backend.last_who, "ana@127.0.0.1");
  EXPECT_EQ(backend.last_why, "desk says stop");
  auto o = call("POST", "/orders", R"({"ticker":"AAPL","side":"buy","quantity":"1"})");
  EXPECT_EQ(o.status, 400);
  EXPECT_NE(o.body.find("\"reason\":\"trading_halted"), std::string::npos) << o.body;
}

TEST_F(router_test, risk_limits_change_only_the_fields_given) {
  auto r = call("PUT", "/risk", R"({"max_daily_trades":50,"price_collar":"0.05"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend.limits.max_daily_trades, 50);
  EXPECT_EQ(backend.limits.price_collar.to_string(), "0.05");
  EXPECT_EQ(backend.limits.max_order_size.to_string(), "10000");
  auto bad = call("PUT", "/risk", R"({"max_position_size":"1.5"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"field\":\"max_position_size\""), std::string::npos);
}

TEST_F(router_test, cancels_and_cancel_all) {
  EXPECT_EQ(call("DELETE", "/orders/O-4").status, 202);
  EXPECT_EQ(call("DELETE", "/orders/O-404").status, 404);
  backend.canceled.clear();
  auto r = call("POST", "/orders/cancel-all");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(backend.canceled.size(), 2u); // the two open orders
  EXPECT_NE(r.body.find("\"cancel_requested\":2"), std::string::npos);
}

TEST_F(router_test, unknown_routes_wrong_methods_big_bodies_and_a_busy_engine) {
  EXPECT_EQ(call("GET", "/nowhere").status, 404);
  EXPECT_EQ(call("POST", "/nowhere").status, 404);
  EXPECT_EQ(call("PATCH", "/orders").status, 405);
  EXPECT_EQ(call("POST", "/orders", std::string(2000, ' ')).status, 413);
  backend.fail = true;
  auto r = call("GET", "/orders");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("did not answer"), std::string::npos);
}

TEST_F(router_test, metrics_are_prometheus_text) {
  call("GET", "/orders", {}, "");
  auto r = call("GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain; version=0.0.4", 0), 0u);
  auto& t = r.body;
  EXPECT_NE(t.find("# TYPE engine_orders gauge\n"), std::string::npos);
  EXPECT_NE(t.find("engine_orders{status=\"open\"} 2\n"), std::string::npos);
  EXPECT_NE(t.find("engine_order_rejects_total{reason=\"max_order_size\"} 7\n"), std::string::npos);
  EXPECT_NE(t.find("engine_equity_dollars 100000\n"), std::string::npos);
  EXPECT_NE(t.find("engine_position_quantity{ticker=\"AAPL\"} 4\n"), std::string::npos);
  EXPECT_NE(t.find("engine_market_data_age_seconds{ticker=\"AAPL\"} 2\n"), std::string::npos);
  EXPECT_NE(t.find("engine_broker_state{broker=\"simulator\",state=\"connected\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("engine_http_requests_total{route=\"GET /orders\",code=\"401\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("engine_manual_order_ack_seconds_bucket{le=\"+Inf\"} 0\n"), std::string::npos);
  EXPECT_NE(t.find("engine_trading_state{state=\"active\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("engine_mailbox_depth{actor=\"order_manager\"} 3\n"), std::string::npos);
  EXPECT_NE(t.find("# TYPE engine_journal_fsync_seconds histogram\n"), std::string::npos);
  EXPECT_NE(t.find("# TYPE engine_order_ack_seconds histogram\n"), std::string::npos);
}

TEST(histogram_text_test, buckets_are_cumulative_in_seconds_and_agree_with_the_count) {
  latency_buckets h;
  h.record(std::chrono::microseconds(5));    // first bucket (10 us)
  h.record(std::chrono::microseconds(700));  // 1 ms
  h.record(std::chrono::milliseconds(3));    // 5 ms
  h.record(std::chrono::seconds(60));        // beyond the last bound: +Inf only
  prometheus_text out;
  write_histogram(out, "x_seconds", "test", h);
  auto& t = out.text();
  EXPECT_NE(t.find("# TYPE x_seconds histogram\n"), std::string::npos);
  EXPECT_NE(t.find("x_seconds_bucket{le=\"1e-05\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_bucket{le=\"0.0005\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_bucket{le=\"0.001\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_bucket{le=\"0.005\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_bucket{le=\"5\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_count 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("x_seconds_sum 60.003705\n"), std::string::npos) << t;
}

TEST(split_target_test, decodes_the_query) {
  std::string path;
  std::map<std::string, std::string> q;
  ASSERT_TRUE(split_target("/orders?strategy=a%20b&ticker=AAPL&flag", path, q));
  EXPECT_EQ(path, "/orders");
  EXPECT_EQ(q["strategy"], "a b");
  EXPECT_EQ(q["ticker"], "AAPL");
  EXPECT_TRUE(q.count("flag"));
  EXPECT_FALSE(split_target("/orders?x=%zz", path, q));
  EXPECT_FALSE(split_target("/orders?x=%2", path, q));
}

} // namespace
} // namespace engine::http
