// Alpaca wire mapping, table by table: bodies, timestamps, statuses, events, fills, accounts.
#include "brokers/alpaca/wire.hpp"

#include <gtest/gtest.h>

namespace engine::alpaca {
namespace {

Quantity q(const char* s) { return *Quantity::parse(s); }
Price px(const char* s) { return *Price::parse(s); }

TEST(alpaca_wire, timestamps_with_any_number_of_fractional_digits) {
  struct row {
    const char* text;
    int64_t ns;
  };
  const int64_t base = 1615919881LL * 1'000'000'000; // 2021-03-16T18:38:01Z
  const row rows[] = {
    {"2021-03-16T18:38:01Z", base},
    {"2021-03-16T18:38:01.9Z", base + 900'000'000},
    {"2021-03-16T18:38:01.94Z", base + 940'000'000},
    {"2021-03-16T18:38:01.942282Z", base + 942'282'000},
    {"2021-03-16T18:38:01.94228Z", base + 942'280'000},
    {"2021-03-16T18:38:01.123456789Z", base + 123'456'789},
    {"2021-03-16T14:38:01.5-04:00", base + 500'000'000},
    {"2021-03-16T20:38:01+02:00", base},
  };
  for (const auto& r : rows) {
    auto t = parse_timestamp(r.text);
    ASSERT_TRUE(t) << r.text;
    EXPECT_EQ(*t, r.ns) << r.text;
  }
  for (const char* bad : {"", "2021-03-16", "2021-03-16T18:38:01", "2021-03-16T18:38:01.Z",
                          "2021-03-16T18:38:01.1234567890Z", "2021-13-16T18:38:01Z",
                          "2021-03-16T18:38:01Zjunk"})
    EXPECT_FALSE(parse_timestamp(bad)) << bad;
  EXPECT_EQ(format_timestamp(base + 942'280'000), "2021-03-16T18:38:01.94228Z");
  EXPECT_EQ(format_timestamp(base), "2021-03-16T18:38:01Z");
  EXPECT_EQ(*parse_timestamp(format_timestamp(base + 1)), base + 1);
}

TEST(alpaca_wire, order_bodies_carry_exact_decimals_and_the_engine_id) {
  struct row {
    OrderType type;
    TimeInForce tif;
    const char* qty;
    const char* limit;
    const char* stop;
    const char* trail_amount;
    const char* trail_pct;
    const char* want;
  };
  const row rows[] = {
    {OrderType::market, TimeInForce::day, "0.123456789", "0", "0", "0", "0",
     R"({"symbol":"AAPL","qty":"0.123456789","side":"buy","type":"market","time_in_force":"day","client_order_id":"E-1"})"},
    {OrderType::limit, TimeInForce::gtc, "10", "187.1234", "0", "0", "0",
     R"({"symbol":"AAPL","qty":"10","side":"buy","type":"limit","time_in_force":"gtc","limit_price":"187.1234","client_order_id":"E-1"})"},
    {OrderType::stop, TimeInForce::opg, "1", "0", "99.5", "0", "0",
     R"({"symbol":"AAPL","qty":"1","side":"buy","type":"stop","time_in_force":"opg","stop_price":"99.5","client_order_id":"E-1"})"},
    {OrderType::stop_limit, TimeInForce::cls, "3", "101", "100.01", "0", "0",
     R"({"symbol":"AAPL","qty":"3","side":"buy","type":"stop_limit","time_in_force":"cls","limit_price":"101","stop_price":"100.01","client_order_id":"E-1"})"},
    {OrderType::trailing_stop, TimeInForce::ioc, "2", "0", "0", "0.25", "0",
     R"({"symbol":"AAPL","qty":"2","side":"buy","type":"trailing_stop","time_in_force":"ioc","trail_price":"0.25","client_order_id":"E-1"})"},
    // The engine's Rate 0.01 is 1%: Alpaca's trail_percent "1".
    {OrderType::trailing_stop, TimeInForce::fok, "2", "0", "0", "0", "0.01",
     R"({"symbol":"AAPL","qty":"2","side":"buy","type":"trailing_stop","time_in_force":"fok","trail_percent":"1","client_order_id":"E-1"})"},
    {OrderType::trailing_stop, TimeInForce::day, "2", "0", "0", "0", "0.0125",
     R"({"symbol":"AAPL","qty":"2","side":"buy","type":"trailing_stop","time_in_force":"day","trail_percent":"1.25","client_order_id":"E-1"})"},
  };
  for (const auto& r : rows) {
    OrderRequest o;
    o.order_id = "E-1";
    o.ticker = "AAPL";
    o.order_type = r.type;
    o.time_in_force = r.tif;
    o.quantity = q(r.qty);
    o.price = px(r.limit);
    o.stop_price = px(r.stop);
    o.trail_amount = px(r.trail_amount);
    o.trail_percent = *Rate::parse(r.trail_pct);
    auto b = order_body(o);
    EXPECT_EQ(b.error, "");
    EXPECT_EQ(b.body, r.want);
  }
}

TEST(alpaca_wire, inexpressible_orders_are_refused_with_a_reason) {
  OrderRequest o;
  o.order_id = "E-2";
  o.ticker = "MSFT";
  o.quantity = q("1");
  o.time_in_force = TimeInForce::gtd;
  EXPECT_NE(order_body(o).error.find("gtd"), std::string::npos);
  o.time_in_force = TimeInForce::day;
  o.order_type = OrderType::limit;
  EXPECT_NE(order_body(o).error, ""); // no price
  o.order_type = OrderType::trailing_stop;
  EXPECT_NE(order_body(o).error, ""); // neither trail
  o.order_type = OrderType::market;
  o.quantity = Quantity{};
  EXPECT_NE(order_body(o).error, "");
  o.quantity = q("1");
  o.order_id.clear();
  EXPECT_NE(order_body(o).error, "");
}

TEST(alpaca_wire, replace_bodies_send_only_what_changes) {
  ReplaceRequest r;
  r.order_id = "E-3";
  r.price = px("10.5");
  EXPECT_EQ(replace_body(r, "E-3.r1").body, R"({"limit_price":"10.5","client_order_id":"E-3.r1"})");
  r.quantity = q("7");
  EXPECT_EQ(replace_body(r, "E-3.r2").body,
            R"({"qty":"7","limit_price":"10.5","client_order_id":"E-3.r2"})");
  EXPECT_NE(replace_body(ReplaceRequest{}, "x").error, "");
  EXPECT_EQ(engine_order_id("E-3.r2"), "E-3");
  EXPECT_EQ(engine_order_id("E-3.r"), "E-3.r");
  EXPECT_EQ(engine_order_id("E-3.rx"), "E-3.rx");
  EXPECT_EQ(engine_order_id("E-3"), "E-3");
  EXPECT_EQ(replacement_client_id("E-3", 4), "E-3.r4");
}

TEST(alpaca_wire, every_alpaca_status_maps) {
  struct row {
    const char* alpaca;
    OrderStatus engine;
  };
  const row rows[] = {
    {"new", OrderStatus::new_},
    {"accepted", OrderStatus::new_},
    {"pending_new", OrderStatus::pending_new},
    {"accepted_for_bidding", OrderStatus::new_},
    {"partially_filled", OrderStatus::partially_filled},
    {"filled", OrderStatus::filled},
    {"done_for_day", OrderStatus::new_},
    {"canceled", OrderStatus::canceled},
    {"expired", OrderStatus::expired},
    {"replaced", OrderStatus::replaced},
    {"pending_cancel", OrderStatus::pending_cancel},
    {"pending_replace", OrderStatus::new_},
    {"stopped", OrderStatus::new_},
    {"rejected", OrderStatus::rejected},
    {"suspended", OrderStatus::new_},
    {"calculated", OrderStatus::filled},
    {"held", OrderStatus::new_}, // a bracket/oto leg waiting for its entry: it exists there
  };
  for (const auto& r : rows) {
    auto s = status_from(r.alpaca);
    ASSERT_TRUE(s) << r.alpaca;
    EXPECT_EQ(*s, r.engine) << r.alpaca;
  }
  EXPECT_FALSE(status_from("parked"));
}

TEST(alpaca_wire, all_sixteen_trade_events_map) {
  struct row {
    const char* name;
    std::optional<OrderEvent> ev;
  };
  const row rows[] = {
    {"new", OrderEvent::accept},
    {"fill", OrderEvent::fill},
    {"partial_fill", OrderEvent::partial_fill},
    {"canceled", OrderEvent::cancel},
    {"expired", OrderEvent::expire},
    {"done_for_day", std::nullopt},
    {"replaced", OrderEvent::replace},
    {"rejected", OrderEvent::reject},
    {"pending_new", std::nullopt},
    {"pending_cancel", std::nullopt},
    {"pending_replace", std::nullopt},
    {"stopped", std::nullopt},
    {"suspended", std::nullopt},
    {"calculated", std::nullopt},
    {"order_cancel_rejected", OrderEvent::cancel_reject},
    {"order_replace_rejected", std::nullopt},
  };
  EXPECT_EQ(std::size(rows), 16u);
  for (const auto& r : rows) {
    auto e = trade_event_from(r.name);
    ASSERT_TRUE(e) << r.name;
    EXPECT_EQ(trade_event_name(*e), r.name);
    EXPECT_EQ(engine_event(*e), r.ev) << r.name;
  }
  EXPECT_FALSE(trade_event_from("bogus"));
}

const char* order_json =
  R"({"id":"61e69015-8549-4bfd-b9c3-01e75843f47d","client_order_id":"E-9","created_at":"2021-03-16T18:38:01.942282Z","updated_at":"2021-03-16T18:38:02.1Z","submitted_at":"2021-03-16T18:38:01.9Z","filled_at":null,"symbol":"AAPL","asset_class":"us_equity","notional":null,"qty":"150.5","filled_qty":"100","filled_avg_price":"187.123333333333","order_class":"","order_type":"limit","type":"limit","side":"sell","time_in_force":"gtc","limit_price":"187.1","stop_price":null,"status":"partially_filled","extended_hours":false,"legs":null,"trail_percent":null,"trail_price":null,"hwm":null})";

TEST(alpaca_wire, order_objects_become_executions) {
  std::string err;
  auto o = parse_order(order_json, err);
  ASSERT_TRUE(o) << err;
  EXPECT_EQ(o->order_class, "");
  auto e = to_execution(*o);
  EXPECT_EQ(e.order_id, "E-9");
  EXPECT_EQ(e.ticker, "AAPL");
  EXPECT_EQ(e.side, OrderSide::sell);
  EXPECT_EQ(e.order_type, OrderType::limit);
  EXPECT_EQ(e.time_in_force, TimeInForce::gtc);
  EXPECT_EQ(e.quantity, q("150.5"));
  EXPECT_EQ(e.executed_quantity, q("100"));
  EXPECT_EQ(e.price, px("187.1"));
  EXPECT_EQ(e.average_price, px("187.123333")); // rounded to the Price scale
  EXPECT_EQ(e.status, OrderStatus::partially_filled);
  EXPECT_EQ(e.timestamp, *parse_timestamp("2021-03-16T18:38:01.942282Z"));
  // A float where a decimal string belongs is refused, not rounded through a double.
  std::string bad = order_json;
  bad.replace(bad.find(R"("qty":"150.5")"), 13, R"("qty":150.5)");
  EXPECT_FALSE(parse_order(bad, err));
  EXPECT_NE(err.find("qty"), std::string::npos);
  EXPECT_FALSE(parse_order("{not json", err));
  EXPECT_FALSE(parse_order(R"({"id":"x"})", err));
}

TEST(alpaca_wire, a_fill_is_the_events_own_quantity_never_the_cumulative_one) {
  // Two partial fills of 40 and 60: the order object's filled_qty is cumulative (40, then 100).
  auto msg = [](const char* ev, const char* qty, const char* price, const char* filled) {
    return std::string{R"({"stream":"trade_updates","data":{"event":")"} + ev
           + R"(","execution_id":"x-)" + qty + R"(","timestamp":"2021-03-16T18:38:05.25Z","price":")"
           + price + R"(","qty":")" + qty + R"(","position_qty":")" + filled
           + R"(","order":{"id":"a1","client_order_id":"E-5.r1","symbol":"MSFT","side":"buy","type":"market","time_in_force":"day","status":")"
           + (std::string{ev} == "fill" ? "filled" : "partially_filled") + R"(","qty":"100","filled_qty":")"
           + filled + R"(","filled_avg_price":"10.5"}}})";
  };
  struct row {
    std::string json;
    OrderEvent ev;
    const char* fill_qty;
    const char* fill_price;
    const char* executed;
  };
  const row rows[] = {
    {msg("partial_fill", "40", "10.25", "40"), OrderEvent::partial_fill, "40", "10.25", "40"},
    {msg("fill", "60", "10.6667", "100"), OrderEvent::fill, "60", "10.6667", "100"},
  };
  for (const auto& r : rows) {
    std::string err;
    auto m = parse_stream_message(r.json, err);
    ASSERT_TRUE(m) << err;
    ASSERT_EQ(m->type, stream_message::kind::trade_update);
    const auto& u = m->update;
    ASSERT_TRUE(u.qty && u.price);
    auto ev = engine_event(u.event);
    ASSERT_EQ(ev, r.ev);
    auto rep = to_report(u, *ev, *u.qty, *u.price, "alpaca-paper");
    EXPECT_EQ(rep.fill.quantity, q(r.fill_qty));
    EXPECT_EQ(rep.fill.price, px(r.fill_price));
    EXPECT_EQ(rep.update.executed_quantity, q(r.executed));
    EXPECT_EQ(rep.update.order_id, "E-5"); // the replacement maps back to the engine id
    EXPECT_EQ(rep.fill.order_id, "E-5");
    EXPECT_EQ(rep.fill.exec_id, std::string{"x-"} + r.fill_qty);
    EXPECT_EQ(rep.fill.broker, "alpaca-paper");
    EXPECT_EQ(rep.fill.timestamp, *parse_timestamp("2021-03-16T18:38:05.25Z"));
  }
}

TEST(alpaca_wire, stream_control_messages) {
  std::string err;
  auto a = parse_stream_message(
    R"({"stream":"authorization","data":{"action":"authenticate","status":"authorized"}})", err);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->type, stream_message::kind::authorization);
  EXPECT_TRUE(a->authorized);
  auto u = parse_stream_message(
    R"({"stream":"authorization","data":{"action":"auth","status":"unauthorized"}})", err);
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->authorized);
  auto l = parse_stream_message(R"({"stream":"listening","data":{"streams":["trade_updates"]}})",
                                err);
  ASSERT_TRUE(l);
  ASSERT_EQ(l->streams.size(), 1u);
  EXPECT_EQ(l->streams[0], "trade_updates");
  EXPECT_FALSE(parse_stream_message("\x01\x02garbage", err));
  EXPECT_EQ(auth_message("K", "S", false), R"({"action":"auth","key":"K","secret":"S"})");
  EXPECT_EQ(auth_message("K", "S", true),
            R"({"action":"authenticate","data":{"key_id":"K","secret_key":"S"}})");
}

TEST(alpaca_wire, account_positions_and_fill_activities) {
  std::string err;
  auto a = parse_account(
    R"({"id":"acc-1","cash":"99812.345678912","equity":"100001.5","buying_power":"199624.69","status":"ACTIVE"})",
    err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->account_id, "acc-1");
  EXPECT_EQ(a->cash, *Money::parse("99812.345679"));
  EXPECT_EQ(a->equity, *Money::parse("100001.5"));
  auto p = parse_positions(
    R"([{"symbol":"AAPL","qty":"10.5","avg_entry_price":"187.12","market_value":"1964.76","unrealized_pl":"0","side":"long"},
        {"symbol":"TSLA","qty":"-3","avg_entry_price":"200","market_value":"-600","unrealized_pl":"0","side":"short"}])",
    err);
  ASSERT_TRUE(p) << err;
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].quantity, q("10.5"));
  EXPECT_EQ((*p)[1].quantity, q("-3"));
  auto f = parse_fill_activities(
    R"([{"id":"20190524113406977::8efc7b9a-8b2b-4000-9955-d36e7db0df74","activity_type":"FILL","transaction_time":"2019-05-24T15:34:06.977Z","type":"fill","price":"1.63","qty":"1","side":"buy","symbol":"LPCN","leaves_qty":"0","order_id":"904837e3-3b76-47ec-b432-046db621571b","cum_qty":"1","order_status":"filled"}])",
    err);
  ASSERT_TRUE(f) << err;
  ASSERT_EQ(f->size(), 1u);
  EXPECT_EQ((*f)[0].exec_id(), "8efc7b9a-8b2b-4000-9955-d36e7db0df74");
  EXPECT_EQ((*f)[0].price, px("1.63"));
  EXPECT_EQ((*f)[0].transaction_time, *parse_timestamp("2019-05-24T15:34:06.977Z"));
  EXPECT_FALSE(parse_fill_activities("[{\"id\":1}]", err));
}

TEST(alpaca_wire, rounding_of_long_average_prices) {
  EXPECT_EQ(parse_rounded<Price>("1.0000005"), px("1"));        // half to even
  EXPECT_EQ(parse_rounded<Price>("1.0000015"), px("1.000002")); // half to even
  EXPECT_EQ(parse_rounded<Price>("1.00000051"), px("1.000001"));
  EXPECT_EQ(parse_rounded<Price>("-1.0000019"), px("-1.000002"));
  EXPECT_EQ(parse_rounded<Price>("2.5"), px("2.5"));
  EXPECT_FALSE(parse_rounded<Price>("abc"));
}

} // namespace
} // namespace engine::alpaca
