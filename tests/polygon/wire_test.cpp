// Tables of Polygon frames and REST answers against what the wire layer must make of them.
#include "brokers/polygon/wire.hpp"

#include <gtest/gtest.h>

namespace engine::polygon {
namespace {

TEST(polygon_wire, quote_fields_exact_and_ms_to_ns) {
  ws_frame f;
  std::string err;
  ASSERT_TRUE(parse_ws_frame(
    R"([{"ev":"Q","sym":"MSFT","bx":4,"bp":114.125,"bs":100,"ax":7,"ap":114.128,"as":160,)"
    R"("c":0,"i":[604],"t":1536036818784,"q":50385480,"z":3}])",
    f, err))
    << err;
  ASSERT_EQ(f.quotes.size(), 1u);
  const auto& q = f.quotes[0];
  EXPECT_EQ(q.sym, "MSFT");
  EXPECT_EQ(q.bid.to_string(), "114.125");
  EXPECT_EQ(q.ask.to_string(), "114.128");
  EXPECT_EQ(q.bid_size.to_string(), "100");
  EXPECT_EQ(q.ask_size.to_string(), "160");
  EXPECT_EQ(q.bid_exchange, 4);
  EXPECT_EQ(q.ask_exchange, 7);
  ASSERT_TRUE(q.condition.has_value());
  EXPECT_EQ(*q.condition, 0);
  EXPECT_EQ(q.indicators, std::vector<int>{604});
  EXPECT_EQ(q.seq.value_or(0), 50385480);
  EXPECT_EQ(q.tape, 3);
  Quote e = to_quote(q);
  EXPECT_EQ(e.timestamp, 1536036818784LL * 1'000'000);
  EXPECT_EQ(e.bid.raw(), 114'125'000);
}

TEST(polygon_wire, prices_never_go_through_a_double) {
  // 0.1 + 0.2 style values and many digits stay exact.
  ws_frame f;
  std::string err;
  ASSERT_TRUE(parse_ws_frame(
    R"([{"ev":"Q","sym":"X","bp":0.300001,"bs":1,"ap":987654.123456,"as":0.5,"t":1}])", f, err));
  ASSERT_EQ(f.quotes.size(), 1u);
  EXPECT_EQ(f.quotes[0].bid.raw(), 300001);
  EXPECT_EQ(f.quotes[0].ask.raw(), 987654123456);
  EXPECT_EQ(f.quotes[0].ask_size.to_string(), "0.5");
}

TEST(polygon_wire, trade_conditions_array_and_string_id) {
  ws_frame f;
  std::string err;
  ASSERT_TRUE(parse_ws_frame(
    R"([{"ev":"T","sym":"MSFT","x":4,"i":"12345","z":3,"p":114.125,"s":100,"c":[0,12],)"
    R"("t":1536036818784,"q":3681328}])",
    f, err));
  ASSERT_EQ(f.trades.size(), 1u);
  const auto& t = f.trades[0];
  EXPECT_EQ(t.id, "12345");
  EXPECT_EQ(t.conditions, (std::vector<int>{0, 12}));
  EXPECT_EQ(t.exchange, 4);
  EXPECT_EQ(t.price.to_string(), "114.125");
  EXPECT_EQ(t.size.to_string(), "100");
  EXPECT_EQ(to_trade(t).timestamp, 1536036818784LL * 1'000'000);
}

TEST(polygon_wire, minute_bar) {
  ws_frame f;
  std::string err;
  ASSERT_TRUE(parse_ws_frame(
    R"([{"ev":"AM","sym":"GTE","v":4110,"av":9470157,"op":0.4372,"vw":0.4488,"o":0.4488,)"
    R"("c":0.4486,"h":0.4489,"l":0.4486,"a":0.4352,"z":685,"s":1610144640000,"e":1610144700000}])",
    f, err))
    << err;
  ASSERT_EQ(f.bars.size(), 1u);
  const auto& b = f.bars[0];
  EXPECT_EQ(b.open.to_string(), "0.4488");
  EXPECT_EQ(b.close.to_string(), "0.4486");
  EXPECT_EQ(b.high.to_string(), "0.4489");
  EXPECT_EQ(b.low.to_string(), "0.4486");
  EXPECT_EQ(b.volume.to_string(), "4110");
  EXPECT_EQ(b.start_ms, 1610144640000);
  EXPECT_EQ(b.end_ms, 1610144700000);
  ASSERT_TRUE(b.vwap.has_value());
  EXPECT_EQ(to_bar(b).timestamp, 1610144640000LL * 1'000'000);
}

TEST(polygon_wire, several_events_and_statuses_in_one_frame) {
  ws_frame f;
  std::string err;
  ASSERT_TRUE(parse_ws_frame(
    R"([{"ev":"status","status":"success","message":"subscribed to: Q.AAPL"},)"
    R"({"ev":"Q","sym":"AAPL","bp":1.5,"bs":1,"ap":1.6,"as":2,"t":5},)"
    R"({"ev":"T","sym":"AAPL","p":1.55,"s":3,"t":6},)"
    R"({"ev":"Q","sym":"AAPL","bp":1.51,"bs":1,"ap":1.61,"as":2,"t":7},)"
    R"({"ev":"LULD","sym":"AAPL"}])",
    f, err));
  EXPECT_EQ(f.statuses.size(), 1u);
  EXPECT_EQ(f.statuses[0].status, "success");
  EXPECT_EQ(f.statuses[0].message, "subscribed to: Q.AAPL");
  EXPECT_EQ(f.quotes.size(), 2u);
  EXPECT_EQ(f.trades.size(), 1u);
  EXPECT_EQ(f.other_events, 1u);
  EXPECT_EQ(f.bad_events, 0u);
}

TEST(polygon_wire, status_table) {
  struct row {
    const char* frame;
    const char* status;
  };
  const row rows[] = {
    {R"([{"ev":"status","status":"connected","message":"Connected Successfully"}])", "connected"},
    {R"([{"ev":"status","status":"auth_success","message":"authenticated"}])", "auth_success"},
    {R"([{"ev":"status","status":"auth_failed","message":"authentication failed"}])",
     "auth_failed"},
    {R"([{"ev":"status","status":"max_connections","message":"Maximum number"}])",
     "max_connections"},
    {R"([{"ev":"status","status":"error","message":"not authorized"}])", "error"},
    {R"({"ev":"status","status":"success","message":"subscribed to: T.*"})", "success"},
  };
  for (const auto& r : rows) {
    ws_frame f;
    std::string err;
    ASSERT_TRUE(parse_ws_frame(r.frame, f, err)) << r.frame << ": " << err;
    ASSERT_EQ(f.statuses.size(), 1u) << r.frame;
    EXPECT_EQ(f.statuses[0].status, r.status);
  }
}

TEST(polygon_wire, optional_fields_absent) {
  ws_frame f;
  std::string err;
  ASSERT_TRUE(parse_ws_frame(
    R"([{"ev":"Q","sym":"A","bp":1,"bs":1,"ap":2,"as":1,"t":1},{"ev":"T","sym":"A","p":1,"s":1,"t":1}])",
    f, err));
  ASSERT_EQ(f.quotes.size(), 1u);
  EXPECT_FALSE(f.quotes[0].condition.has_value());
  EXPECT_TRUE(f.quotes[0].indicators.empty());
  EXPECT_FALSE(f.quotes[0].seq.has_value());
  ASSERT_EQ(f.trades.size(), 1u);
  EXPECT_TRUE(f.trades[0].conditions.empty());
  EXPECT_TRUE(f.trades[0].id.empty());
}

TEST(polygon_wire, bad_events_counted_not_fatal) {
  struct row {
    const char* event;
    const char* why; // part of first_bad
  };
  const row rows[] = {
    {R"({"ev":"Q","sym":"A","bp":1,"bs":1,"ap":2,"t":1})", "missing"},       // no "as"
    {R"({"ev":"Q","sym":"A","bp":"1.0","bs":1,"ap":2,"as":1,"t":1})", "bp"}, // a string price
    {R"({"ev":"Q","sym":"A","bp":1.0000001,"bs":1,"ap":2,"as":1,"t":1})", "bp"}, // finer than 1e-6
    {R"({"ev":"T","sym":"A","p":1,"t":1})", "missing"},                      // no size
    {R"({"ev":"T","sym":"A","p":1,"s":1,"t":1.5})", "\"t\""},                // a fractional time
    {R"({"sym":"A"})", "no \"ev\""},
  };
  for (const auto& r : rows) {
    ws_frame f;
    std::string err;
    std::string frame = std::string("[") + r.event +
                        R"(,{"ev":"Q","sym":"OK","bp":1,"bs":1,"ap":2,"as":1,"t":1}])";
    ASSERT_TRUE(parse_ws_frame(frame, f, err)) << frame << ": " << err;
    EXPECT_EQ(f.bad_events, 1u) << r.event;
    EXPECT_NE(f.first_bad.find(r.why), std::string::npos) << r.event << " -> " << f.first_bad;
    ASSERT_EQ(f.quotes.size(), 1u) << "the good event in the same frame survives: " << r.event;
    EXPECT_EQ(f.quotes[0].sym, "OK");
  }
}

TEST(polygon_wire, garbage_frames_are_errors) {
  const char* rows[] = {"garbage: }{ not json", "", "<html>502 Bad Gateway</html>", "42",
                        "\"a string\"", "[{\"ev\":\"Q\",", "[1,2"};
  for (const char* text : rows) {
    ws_frame f;
    std::string err;
    bool ok = parse_ws_frame(text, f, err);
    // Either rejected as a whole, or (an array of non-objects) nothing usable in it.
    if (ok) {
      EXPECT_TRUE(f.quotes.empty() && f.trades.empty() && f.statuses.empty()) << text;
    } else {
      EXPECT_FALSE(err.empty()) << text;
    }
  }
  ws_frame f;
  std::string err;
  EXPECT_FALSE(parse_ws_frame("garbage: }{ not json", f, err));
  EXPECT_FALSE(parse_ws_frame("42", f, err));
}

TEST(polygon_wire, client_messages) {
  EXPECT_EQ(auth_message("k\"ey"), R"({"action":"auth","params":"k\"ey"})");
  EXPECT_EQ(subscribe_message({"Q", "T"}, {"AAPL", "MSFT"}),
            R"({"action":"subscribe","params":"Q.AAPL,Q.MSFT,T.AAPL,T.MSFT"})");
}

// --- REST ------------------------------------------------------------------------

TEST(polygon_wire, last_quote_nanoseconds_as_integers) {
  auto a = parse_last_quote(
    200, R"({"request_id":"b84e","results":{"P":127.98,"S":7,"T":"AAPL","X":19,"p":127.96,)"
         R"("q":83480742,"s":1,"t":1617827221349730300,"x":11,"y":1617827221349366000,"z":3},)"
         R"("status":"OK"})");
  ASSERT_TRUE(a.value) << a.error;
  EXPECT_EQ(a.value->ticker, "AAPL");
  EXPECT_EQ(a.value->ask.to_string(), "127.98");
  EXPECT_EQ(a.value->bid.to_string(), "127.96");
  EXPECT_EQ(a.value->ask_size.to_string(), "7");
  EXPECT_EQ(a.value->sip_ns, 1617827221349730300LL); // a double would give ...730304
  EXPECT_EQ(a.value->participant_ns.value_or(0), 1617827221349366000LL);
  EXPECT_EQ(to_quote(*a.value).timestamp, 1617827221349730300LL);
}

TEST(polygon_wire, last_trade) {
  auto a = parse_last_trade(
    200, R"({"request_id":"f05562305bd26ced64b98ed68b3c5d96","results":{"T":"AAPL","c":[37],)"
         R"("f":1617901342969796400,"i":"118749","p":129.8473,"q":3135876,"r":202,"s":25,)"
         R"("t":1617901342969834000,"x":4,"y":1617901342968000000,"z":3},"status":"OK"})");
  ASSERT_TRUE(a.value) << a.error;
  EXPECT_EQ(a.value->id, "118749");
  EXPECT_EQ(a.value->price.to_string(), "129.8473");
  EXPECT_EQ(a.value->conditions, std::vector<int>{37});
  EXPECT_EQ(a.value->sip_ns, 1617901342969834000LL);
}

TEST(polygon_wire, snapshot) {
  auto a = parse_snapshot(
    200, R"({"request_id":"657e430f","status":"OK","ticker":{"day":{"c":20.506,"h":20.64,)"
         R"("l":20.506,"o":20.64,"v":37216,"vw":20.616},"lastQuote":{"P":20.6,"S":22,"p":20.5,)"
         R"("s":13,"t":1605192959994246100},"lastTrade":{"c":[14,41],"i":"71675577320245",)"
         R"("p":20.506,"s":2416,"t":1605192894630916600,"x":4},"min":{"av":37216,"c":20.506},)"
         R"("prevDay":{"c":20.63},"ticker":"AAPL","todaysChange":-0.124,)"
         R"("todaysChangePerc":-0.601,"updated":1605192894630916600}})");
  ASSERT_TRUE(a.value) << a.error;
  EXPECT_EQ(a.value->ticker, "AAPL");
  ASSERT_TRUE(a.value->last_quote);
  EXPECT_EQ(a.value->last_quote->ticker, "AAPL");
  EXPECT_EQ(a.value->last_quote->bid.to_string(), "20.5");
  EXPECT_EQ(a.value->last_quote->ask.to_string(), "20.6");
  EXPECT_EQ(a.value->last_quote->sip_ns, 1605192959994246100LL);
  ASSERT_TRUE(a.value->last_trade);
  EXPECT_EQ(a.value->last_trade->id, "71675577320245");
  EXPECT_EQ(a.value->last_trade->conditions, (std::vector<int>{14, 41}));
  EXPECT_EQ(a.value->updated_ns, 1605192894630916600LL);
}

TEST(polygon_wire, aggregates_empty_has_no_results_key) {
  auto empty = parse_aggregates(
    200, R"({"ticker":"AAPL","queryCount":0,"resultsCount":0,"adjusted":true,"status":"OK",)"
         R"("request_id":"abc"})");
  ASSERT_TRUE(empty.value) << empty.error;
  EXPECT_TRUE(empty.value->empty());
  auto some = parse_aggregates(
    200, R"({"ticker":"AAPL","status":"OK","results":[{"o":1.5,"h":2,"l":1,"c":1.75,"v":100,)"
         R"("vw":1.6,"t":1609459200000,"n":3}]})");
  ASSERT_TRUE(some.value) << some.error;
  ASSERT_EQ(some.value->size(), 1u);
  EXPECT_EQ((*some.value)[0].ticker, "AAPL");
  EXPECT_EQ((*some.value)[0].close.to_string(), "1.75");
  EXPECT_EQ((*some.value)[0].timestamp, 1609459200000LL * 1'000'000);
}

TEST(polygon_wire, rest_errors_table) {
  struct row {
    int status;
    const char* body;
    const char* error; // part of the error
  };
  const row rows[] = {
    {200, "<html>not json</html>", "not JSON"},
    {200, "", "not JSON"},
    {401, R"({"status":"ERROR","request_id":"x","error":"Unknown API Key"})", "HTTP 401: Unknown API Key"},
    {429, R"({"status":"ERROR","error":"You've exceeded the maximum requests per minute"})", "HTTP 429"},
    {500, "Internal Server Error", "HTTP 500"},
    {200, R"({"status":"NOT_FOUND","request_id":"x","message":"Ticker not found."})", "NOT_FOUND"},
    {200, R"({"status":"OK","request_id":"x"})", "no "},
    {200, R"({"status":"OK","results":{"p":1,"s":1,"t":1}})", "missing"},
  };
  for (const auto& r : rows) {
    auto a = parse_last_quote(r.status, r.body);
    EXPECT_FALSE(a.value) << r.body;
    EXPECT_NE(a.error.find(r.error), std::string::npos) << r.body << " -> " << a.error;
  }
  auto s = parse_snapshot(200, "{\"status\":\"OK\"}");
  EXPECT_FALSE(s.value);
  auto g = parse_aggregates(200, "garbage");
  EXPECT_FALSE(g.value);
  EXPECT_NE(g.error.find("not JSON"), std::string::npos);
}

} // namespace
} // namespace engine::polygon
