// The TWS API wire format: framing limits, values, handshake, placeOrder layout by version and
// the decoders at several server versions (messages built here from the documented layouts).
#include "brokers/ibkr/wire.hpp"

#include <gtest/gtest.h>

using namespace engine;
using namespace engine::ibkr;

namespace {

constexpr const char* dmax = "1.7976931348623157E308";
constexpr const char* imax = "2147483647";

std::string payload_of(const std::vector<std::string>& f) {
  std::string p;
  for (auto& x : f) {
    p += x;
    p += '\0';
  }
  return p;
}

std::vector<std::string> fields_of_frame(const std::string& framed) {
  EXPECT_GE(framed.size(), 4u);
  auto f = split_fields(std::string_view{framed}.substr(4));
  EXPECT_TRUE(f.has_value());
  return f.value_or(std::vector<std::string>{});
}

// ---- framing ---------------------------------------------------------------------------------

TEST(ibkr_wire, frames_split_across_reads) {
  std::string a = frame(payload_of({"9", "1", "42"}));
  std::string b = frame(payload_of({"15", "1", "DU1"}));
  std::string all = a + b;
  frame_reader r;
  r.feed(all.data(), 3);
  EXPECT_FALSE(r.next());
  r.feed(all.data() + 3, a.size());
  auto f1 = r.next();
  ASSERT_TRUE(f1);
  EXPECT_EQ(*split_fields(*f1), (std::vector<std::string>{"9", "1", "42"}));
  EXPECT_FALSE(r.next());
  r.feed(all.data() + 3 + a.size(), all.size() - 3 - a.size());
  auto f2 = r.next();
  ASSERT_TRUE(f2);
  EXPECT_EQ((*split_fields(*f2))[2], "DU1");
  EXPECT_FALSE(r.broken());
}

TEST(ibkr_wire, bad_lengths_break_the_stream_before_allocating) {
  const std::string headers[] = {std::string("\x00\x00\x00\x00", 4),  // zero
                                 std::string("\xff\xff\xff\xff", 4),  // "negative" -1
                                 std::string("\x80\x00\x00\x01", 4),  // negative
                                 std::string("\x00\x50\x00\x01", 4)}; // 5 MiB > limit
  for (const auto& h : headers) {
    frame_reader r;
    r.feed(h.data(), h.size());
    EXPECT_FALSE(r.next());
    EXPECT_TRUE(r.broken());
    EXPECT_FALSE(r.error().empty());
    // Nothing more comes out of a broken stream, whatever follows.
    std::string more = frame(payload_of({"9", "1", "1"}));
    r.feed(more.data(), more.size());
    EXPECT_FALSE(r.next());
  }
  frame_reader small(16);
  std::string big = frame(std::string(17, 'x'));
  small.feed(big.data(), big.size());
  EXPECT_FALSE(small.next());
  EXPECT_TRUE(small.broken());
}

TEST(ibkr_wire, fields_need_their_final_nul) {
  EXPECT_FALSE(split_fields(std::string_view{"9\0" "1\0" "42", 6}));
  EXPECT_FALSE(split_fields(""));
  auto f = split_fields(std::string_view{"a\0\0b\0", 5});
  ASSERT_TRUE(f);
  EXPECT_EQ(*f, (std::vector<std::string>{"a", "", "b"}));
}

// ---- values ----------------------------------------------------------------------------------

TEST(ibkr_wire, numbers_in_java_format) {
  struct c {
    const char* text;
    bool ok, unset;
    int64_t raw; // at 6 digits
  } cases[] = {
    {"150.25", true, false, 150'250'000},
    {"100", true, false, 100'000'000},
    {"-3.5", true, false, -3'500'000},
    {"0.0", true, false, 0},
    {"1.0E-4", true, false, 100},
    {"1.5E2", true, false, 150'000'000},
    {"0.1234565", true, false, 123'456},   // half-even: ...5 after an even digit stays
    {"0.1234575", true, false, 123'458},   // ...and rounds up after an odd one
    {"0.12345651", true, false, 123'457},
    {dmax, true, true, 0},
    {"", true, true, 0},
    {"Infinity", true, true, 0},
    {"abc", false, false, 0},
    {"1.2.3", false, false, 0},
    {"1e400", false, false, 0},
    {"99999999999999999999", false, false, 0},
    {"1E", false, false, 0},
  };
  for (auto& x : cases) {
    auto r = parse_number(x.text, 6);
    EXPECT_EQ(r.ok, x.ok) << x.text;
    if (!x.ok)
      continue;
    EXPECT_EQ(r.unset, x.unset) << x.text;
    if (!x.unset) {
      EXPECT_EQ(r.raw, x.raw) << x.text;
    }
  }
  EXPECT_EQ(parse_decimal<Quantity>("12.5")->to_string(), "12.5");
  EXPECT_FALSE(parse_decimal<Money>(dmax));
}

TEST(ibkr_wire, ints_never_have_a_decimal_point) {
  EXPECT_EQ(parse_int("42").value, 42);
  EXPECT_EQ(parse_int("-1").value, -1);
  EXPECT_TRUE(parse_int("").ok);
  EXPECT_FALSE(parse_int("").value);
  EXPECT_TRUE(parse_int(imax).ok);
  EXPECT_FALSE(parse_int(imax).value); // unset
  EXPECT_FALSE(parse_int("1.5").ok);
  EXPECT_FALSE(parse_int("1.0").ok);
  EXPECT_FALSE(parse_int("12a").ok);
  EXPECT_FALSE(parse_int("-").ok);
  EXPECT_EQ(parse_int("4294967297").value, 4294967297LL); // permIds may exceed 32 bits
}

TEST(ibkr_wire, sides) {
  EXPECT_EQ(parse_side("BOT"), OrderSide::buy);
  EXPECT_EQ(parse_side("SLD"), OrderSide::sell);
  EXPECT_EQ(parse_side("BUY"), OrderSide::buy);
  EXPECT_EQ(parse_side("SELL"), OrderSide::sell);
  EXPECT_FALSE(parse_side("HOLD"));
  EXPECT_EQ(action_text(OrderSide::sell), "SELL");
}

// ---- handshake -------------------------------------------------------------------------------

TEST(ibkr_wire, handshake_bytes) {
  std::string h = encode_handshake(157, 176);
  std::string expected = std::string("API\0", 4) + std::string("\x00\x00\x00\x09", 4) +
                         "v157..176"; // no trailing NUL
  EXPECT_EQ(h, expected);
  std::string err;
  auto r = decode_handshake_reply(payload_of({"176", "20261201 08:00:00 EST"}), err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->server_version, 176);
  EXPECT_EQ(r->connection_time, "20261201 08:00:00 EST");
  EXPECT_FALSE(decode_handshake_reply(payload_of({"176"}), err));
  EXPECT_FALSE(decode_handshake_reply(payload_of({"176", "t", "x"}), err));
  EXPECT_FALSE(decode_handshake_reply(payload_of({"17.6", "t"}), err));
  EXPECT_FALSE(err.empty());
}

TEST(ibkr_wire, server_version_range) {
  EXPECT_TRUE(check_server_version(157).empty());
  EXPECT_TRUE(check_server_version(176).empty());
  EXPECT_NE(check_server_version(150).find("outside the supported range 157..176"),
            std::string::npos);
  EXPECT_NE(check_server_version(201).find("protobuf"), std::string::npos);
  EXPECT_FALSE(check_server_version(177).empty());
  EXPECT_LT(max_server_version, 201);
}

// ---- requests --------------------------------------------------------------------------------

order_spec limit_order() {
  order_spec o;
  o.order_id = 17;
  o.symbol = "AAPL";
  o.side = OrderSide::sell;
  o.quantity = *Quantity::parse("25");
  o.type = OrderType::limit;
  o.limit_price = *Price::parse("189.5");
  o.tif = TimeInForce::gtc;
  o.account = "DU1234567";
  o.order_ref = "E-000042";
  return o;
}

TEST(ibkr_wire, place_order_layout) {
  std::string err;
  auto f = fields_of_frame(encode_place_order(limit_order(), 176, err));
  ASSERT_TRUE(err.empty());
  ASSERT_GT(f.size(), 30u);
  EXPECT_EQ(f[0], "3");
  EXPECT_EQ(f[1], "17");
  EXPECT_EQ(f[3], "AAPL");
  EXPECT_EQ(f[4], "STK");
  EXPECT_EQ(f[9], "SMART");
  EXPECT_EQ(f[11], "USD");
  EXPECT_EQ(f[16], "SELL");
  EXPECT_EQ(f[17], "25");
  EXPECT_EQ(f[18], "LMT");
  EXPECT_EQ(f[19], "189.5");
  EXPECT_EQ(f[20], "");
  EXPECT_EQ(f[21], "GTC");
  EXPECT_EQ(f[23], "DU1234567");
  EXPECT_EQ(f[26], "E-000042"); // orderRef = the engine's order id
  EXPECT_EQ(f[27], "1");        // transmit
}

TEST(ibkr_wire, place_order_field_count_by_version) {
  // Counted from the TWS API client's placeOrder for a plain stock order: 110 fields at 157,
  // then duration (158), postToAts (160), autoCancelParent (162), advancedErrorOverride (166),
  // manualOrderTime (169); faProfile goes at 177.
  struct c {
    int version;
    size_t fields;
  } cases[] = {{157, 110}, {158, 111}, {160, 112}, {162, 113}, {165, 113},
               {166, 114}, {169, 115}, {176, 115}, {177, 114}};
  for (auto& x : cases) {
    std::string err;
    EXPECT_EQ(fields_of_frame(encode_place_order(limit_order(), x.version, err)).size(), x.fields)
      << "server version " << x.version;
  }
}

TEST(ibkr_wire, order_types_and_tifs) {
  struct c {
    OrderType type;
    const char* text;
    const char* lmt;
    const char* aux;
  } cases[] = {{OrderType::market, "MKT", "", ""},
               {OrderType::limit, "LMT", "10", ""},
               {OrderType::stop, "STP", "", "9.5"},
               {OrderType::stop_limit, "STP LMT", "10", "9.5"},
               {OrderType::trailing_stop, "TRAIL", "", "0.25"}};
  for (auto& x : cases) {
    auto o = limit_order();
    o.type = x.type;
    o.limit_price = *Price::parse("10");
    o.stop_price = *Price::parse("9.5");
    o.trail_amount = *Price::parse("0.25");
    std::string err;
    auto f = fields_of_frame(encode_place_order(o, 176, err));
    EXPECT_EQ(f[18], x.text);
    EXPECT_EQ(f[19], x.lmt) << x.text;
    EXPECT_EQ(f[20], x.aux) << x.text;
  }
  // TRAIL by percent: trailingPercent 1.5 (IB's percent units), trailStopPrice = stop price.
  auto o = limit_order();
  o.type = OrderType::trailing_stop;
  o.trail_percent = *Rate::parse("0.015");
  o.stop_price = *Price::parse("180");
  std::string err;
  auto f = fields_of_frame(encode_place_order(o, 176, err));
  EXPECT_EQ(f[20], "");
  EXPECT_EQ(f[69], "180"); // trailStopPrice
  EXPECT_EQ(f[70], "1.5"); // trailingPercent
  for (auto [tif, text] : {std::pair{TimeInForce::day, "DAY"}, {TimeInForce::gtc, "GTC"},
                           {TimeInForce::ioc, "IOC"}, {TimeInForce::fok, "FOK"},
                           {TimeInForce::opg, "OPG"}}) {
    auto p = limit_order();
    p.tif = tif;
    EXPECT_EQ(fields_of_frame(encode_place_order(p, 176, err))[21], text);
  }
  auto bad = limit_order();
  bad.tif = TimeInForce::cls;
  EXPECT_TRUE(encode_place_order(bad, 176, err).empty());
  EXPECT_FALSE(err.empty());
}

TEST(ibkr_wire, multi_leg_orders_are_refused_not_sent_without_their_legs) {
  for (auto c : {OrderClass::bracket, OrderClass::oco, OrderClass::oto}) {
    auto o = limit_order();
    o.order_class = c;
    std::string err;
    EXPECT_TRUE(encode_place_order(o, 176, err).empty());
    EXPECT_EQ(err.rfind("unsupported_order_class: ", 0), 0u) << err;
    EXPECT_NE(err.find(to_string(c)), std::string::npos) << err;
  }
  std::string err;
  EXPECT_FALSE(encode_place_order(limit_order(), 176, err).empty()); // simple: sent
  EXPECT_TRUE(err.empty());
}

TEST(ibkr_wire, other_requests) {
  EXPECT_EQ(fields_of_frame(encode_cancel_order(5, 168)), (std::vector<std::string>{"4", "1", "5"}));
  EXPECT_EQ(fields_of_frame(encode_cancel_order(5, 169)),
            (std::vector<std::string>{"4", "1", "5", ""}));
  EXPECT_EQ(fields_of_frame(encode_start_api(7)), (std::vector<std::string>{"71", "2", "7", ""}));
  exec_filter f;
  f.account = "DU1";
  f.time = "20240715-14:30:00";
  EXPECT_EQ(fields_of_frame(encode_req_executions(3, f)),
            (std::vector<std::string>{"7", "3", "3", "0", "DU1", "20240715-14:30:00", "", "", "",
                                      ""}));
  EXPECT_EQ(fields_of_frame(encode_req_all_open_orders()), (std::vector<std::string>{"16", "1"}));
  EXPECT_EQ(fields_of_frame(encode_req_open_orders()), (std::vector<std::string>{"5", "1"}));
  EXPECT_EQ(fields_of_frame(encode_req_positions()), (std::vector<std::string>{"61", "1"}));
  EXPECT_EQ(fields_of_frame(encode_req_ids()), (std::vector<std::string>{"8", "1", "1"}));
  EXPECT_EQ(fields_of_frame(encode_req_account_summary(9, "All", "NetLiquidation")),
            (std::vector<std::string>{"62", "1", "9", "All", "NetLiquidation"}));
}

// ---- answers ---------------------------------------------------------------------------------

message decode_ok(const std::vector<std::string>& f, int sv) {
  std::string err;
  auto m = decode(f, sv, err);
  EXPECT_TRUE(m) << err;
  return m.value_or(message{});
}

/// An openOrder as a TWS of version sv sends it (layout from the TWS API's decoder).
std::vector<std::string> open_order_fields(int sv, const std::string& dn_type,
                                           const std::string& status) {
  std::vector<std::string> f = {"5", "12", "265598", "AAPL", "STK", "", "0", "", "", "SMART",
                                "USD", "AAPL", "NMS", "BUY", "100", "STP LMT", "151.5",
                                "150.25", "GTC", "", "DU1234567", "", "0", "E-000007", "3",
                                "1876543210123", "0", "0", "0", "", "", "", "", ""};
  if (sv < 177)
    f.push_back(""); // faProfile
  for (int i = 0; i < 27; ++i)
    f.push_back(i == 7 ? "-1" : (i == 24 ? "0" : dmax));
  f.push_back(dn_type);
  f.push_back(dmax);
  if (!dn_type.empty())
    for (int i = 0; i < 8; ++i)
      f.push_back("0");
  for (auto x : {"0", "0", dmax, "2.5", dmax, imax, ""})
    f.push_back(x); // continuousUpdate ... comboLegsDescrip
  for (auto x : {"0", "0", "0"})
    f.push_back(x); // combo legs, order combo legs, smart combo params
  for (auto x : {imax, imax, dmax, ""})
    f.push_back(x); // scale, hedgeType
  for (auto x : {"0", "", "IB", "0", "0", "", "0", "0"})
    f.push_back(x); // ... algoStrategy, solicited, whatIf
  f.push_back(status);
  for (int i = 0; i < 12; ++i)
    f.push_back(dmax); // margins and commissions: the double maximum
  for (auto x : {"", "", "0", "0", "0", "None"})
    f.push_back(x);
  if (sv >= 159)
    f.push_back(imax);
  if (sv >= 160)
    f.push_back(imax);
  if (sv >= 162)
    f.push_back("0");
  return f;
}

TEST(ibkr_wire, open_order_at_several_versions) {
  for (int sv : {157, 162, 166, 170, 176, 177}) {
    for (std::string dn : {"None", ""}) {
      auto m = decode_ok(open_order_fields(sv, dn, "Submitted"), sv);
      auto* o = std::get_if<open_order_msg>(&m);
      ASSERT_TRUE(o) << sv;
      EXPECT_EQ(o->order_id, 12);
      EXPECT_EQ(o->symbol, "AAPL");
      EXPECT_EQ(o->side, OrderSide::buy);
      EXPECT_EQ(o->quantity, *Quantity::parse("100"));
      EXPECT_EQ(o->order_type, "STP LMT");
      EXPECT_EQ(o->limit_price, Price::parse("151.5"));
      EXPECT_EQ(o->aux_price, Price::parse("150.25"));
      EXPECT_EQ(o->tif, "GTC");
      EXPECT_EQ(o->account, "DU1234567");
      EXPECT_EQ(o->order_ref, "E-000007");
      EXPECT_EQ(o->perm_id, 1876543210123LL);
      EXPECT_EQ(o->trailing_percent, Rate::parse("2.5"));
      EXPECT_FALSE(o->trail_stop_price);
      EXPECT_EQ(o->status, "Submitted") << "server version " << sv << " dn=\"" << dn << "\"";
    }
  }
  // Read at the wrong version (faProfile present vs absent) the layout shifts: the status
  // field is not where it should be.
  std::string err;
  auto m = decode(open_order_fields(176, "None", "Submitted"), 177, err);
  EXPECT_TRUE(!m || std::get<open_order_msg>(*m).status != "Submitted");
}

TEST(ibkr_wire, order_status_exec_commission) {
  for (int sv : {157, 170, 176}) {
    auto m = decode_ok({"3", "12", "Submitted", "40", "60", "150.125", "1876543210123", "0",
                        "150.5", "3", "", "0"},
                       sv);
    auto& s = std::get<order_status_msg>(m);
    EXPECT_EQ(s.order_id, 12);
    EXPECT_EQ(s.status, "Submitted");
    EXPECT_EQ(s.filled, *Quantity::parse("40"));
    EXPECT_EQ(s.remaining, *Quantity::parse("60"));
    EXPECT_EQ(s.avg_fill_price, *Price::parse("150.125"));
    EXPECT_EQ(s.last_fill_price, *Price::parse("150.5"));

    auto e = decode_ok({"11", "-1", "12", "265598", "AAPL", "STK", "", "0", "", "", "SMART",
                        "USD", "AAPL", "NMS", "0000e0d5.6571c0a1.01.01",
                        "20240715 10:30:00 US/Eastern", "DU1234567", "ISLAND", "SLD", "40",
                        "150.5", "1876543210123", "3", "0", "40", "150.5", "E-000007", "",
                        dmax, "", "2"},
                       sv);
    auto& x = std::get<exec_details_msg>(e);
    EXPECT_EQ(x.req_id, -1);
    EXPECT_EQ(x.order_id, 12);
    EXPECT_EQ(x.exec_id, "0000e0d5.6571c0a1.01.01");
    EXPECT_EQ(x.side, OrderSide::sell); // SLD
    EXPECT_EQ(x.shares, *Quantity::parse("40"));
    EXPECT_EQ(x.price, *Price::parse("150.5"));
    EXPECT_EQ(x.order_ref, "E-000007");
    EXPECT_EQ(x.time, "20240715 10:30:00 US/Eastern");

    auto c = decode_ok({"59", "1", "0000e0d5.6571c0a1.01.01", "1.0", "USD", dmax, dmax, ""}, sv);
    auto& r = std::get<commission_report_msg>(c);
    EXPECT_EQ(r.commission, Money::parse("1"));
    EXPECT_FALSE(r.realized_pnl); // unset on an opening fill
  }
}

TEST(ibkr_wire, error_with_and_without_advanced_reject) {
  auto a = decode_ok({"4", "2", "12", "201", "Order rejected - reason:no"}, 165);
  EXPECT_EQ(std::get<error_msg>(a).code, 201);
  EXPECT_EQ(std::get<error_msg>(a).id, 12);
  EXPECT_EQ(std::get<error_msg>(a).text, "Order rejected - reason:no");
  auto b = decode_ok({"4", "2", "12", "201", "Order rejected", "{\"k\":1}"}, 166);
  EXPECT_EQ(std::get<error_msg>(b).advanced_order_reject_json, "{\"k\":1}");
  std::string err;
  EXPECT_FALSE(decode({"4", "2", "12", "201", "Order rejected"}, 166, err)); // field missing
  auto n = decode_ok({"4", "2", "-1", "2104", "Market data farm connection is OK:usfarm", ""},
                     176);
  EXPECT_EQ(std::get<error_msg>(n).id, -1);
}

TEST(ibkr_wire, small_messages) {
  EXPECT_EQ(std::get<next_valid_id_msg>(decode_ok({"9", "1", "1001"}, 176)).order_id, 1001);
  auto accts = std::get<managed_accounts_msg>(decode_ok({"15", "1", "DU1,DU2,"}, 176)).accounts;
  EXPECT_EQ(accts, (std::vector<std::string>{"DU1", "DU2"}));
  auto p = std::get<position_msg>(decode_ok(
    {"61", "3", "DU1", "265598", "AAPL", "STK", "", "0.0", "", "", "", "USD", "AAPL", "NMS",
     "-15.5", "150.123456"},
    176));
  EXPECT_EQ(p.position, *Quantity::parse("-15.5"));
  EXPECT_EQ(p.avg_cost, *Price::parse("150.123456"));
  auto s = std::get<account_summary_msg>(
    decode_ok({"63", "1", "4", "DU1", "NetLiquidation", "100250.5", "USD"}, 176));
  EXPECT_EQ(s.tag, "NetLiquidation");
  EXPECT_EQ(std::get<exec_details_end_msg>(decode_ok({"55", "1", "4"}, 176)).req_id, 4);
  EXPECT_EQ(std::get<account_summary_end_msg>(decode_ok({"64", "1", "4"}, 176)).req_id, 4);
  EXPECT_TRUE(std::holds_alternative<open_order_end_msg>(decode_ok({"53", "1"}, 176)));
  EXPECT_TRUE(std::holds_alternative<position_end_msg>(decode_ok({"62", "1"}, 176)));
  EXPECT_EQ(std::get<unhandled_msg>(decode_ok({"1", "6", "1", "1", "150", "1", "0"}, 176)).msg_id,
            1);
}

TEST(ibkr_wire, malformed_messages_are_errors) {
  std::string err;
  // An int field with a decimal point.
  EXPECT_FALSE(decode({"3", "12.0", "Submitted", "0", "1", "0", "1", "0", "0", "1", "", "0"},
                      176, err));
  EXPECT_NE(err.find("not an int"), std::string::npos);
  EXPECT_FALSE(decode({"3", "12", "Submitted"}, 176, err)); // too short
  EXPECT_FALSE(decode({"x1"}, 176, err));
  EXPECT_FALSE(decode({}, 176, err));
  EXPECT_FALSE(decode({"59", "1", "", "1.0", "USD", "", "", ""}, 176, err)); // no execId
  auto f = open_order_fields(176, "None", "Submitted");
  f[26] = "1000"; // hidden: fine
  f[40] = "-5";   // a count we never read as count: harmless
  EXPECT_TRUE(decode(f, 176, err));
  auto g = open_order_fields(176, "", "Submitted");
  // comboLegs count larger than what is left must not loop or allocate.
  for (size_t i = 0; i < g.size(); ++i)
    if (g[i] == "2.5") {
      g[i + 6] = "999999999";
      break;
    }
  EXPECT_FALSE(decode(g, 176, err));
  EXPECT_NE(err.find("count"), std::string::npos);
}

} // namespace
