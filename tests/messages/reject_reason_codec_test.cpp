// The reject code beside the reason text: named in JSON, a number in msgpack, and absent from
// journal lines written before it existed (they decode as none).
#include <gtest/gtest.h>

#include <set>

#include "messages/codec.hpp"

using namespace engine;

namespace {

OrderUpdate rejected_update() {
  OrderUpdate u;
  u.order_id = "O-7";
  u.client_order_id = "c-7";
  u.ticker = "AAPL";
  u.status = OrderStatus::rejected;
  u.timestamp = 1'700'000'000'000'000'000;
  u.strategy = "s";
  set_refusal(u, {RejectReason::max_order_size, "notional 12000 > max_order_size 10000"});
  return u;
}

TEST(RejectReason, EveryCodeHasItsOwnNameAndParsesBack) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < enum_count<RejectReason>; ++i) {
    auto code = static_cast<RejectReason>(i);
    auto name = enum_name(code);
    EXPECT_TRUE(seen.insert(name).second) << name;
    EXPECT_EQ(enum_from_string<RejectReason>(name), code) << name;
  }
  EXPECT_EQ(enum_name(RejectReason::none), "none");
  EXPECT_EQ(enum_name(RejectReason::not_at_broker), "not_at_broker");
}

TEST(RejectReason, TheTextIsTheNameAndTheDetail) {
  EXPECT_EQ((refusal{RejectReason::rate_limit, "3 orders in 1 s"}).text(),
            "rate_limit: 3 orders in 1 s");
  EXPECT_EQ((refusal{RejectReason::unknown_order, ""}).text(), "unknown_order");
  EXPECT_FALSE(refusal{});
  auto u = rejected_update();
  EXPECT_EQ(u.reject, RejectReason::max_order_size);
  EXPECT_EQ(u.reason, "max_order_size: notional 12000 > max_order_size 10000");
}

TEST(RejectReason, RoundTripsThroughJsonAndMsgpack) {
  auto u = rejected_update();
  auto json = to_json(u);
  EXPECT_NE(json.find(R"("reject":"max_order_size")"), std::string::npos) << json;
  OrderUpdate from_j, from_m;
  ASSERT_TRUE(from_json(json, from_j)) << json;
  ASSERT_TRUE(from_msgpack(to_msgpack(u), from_m));
  for (const auto* x : {&from_j, &from_m}) {
    EXPECT_EQ(x->reject, RejectReason::max_order_size);
    EXPECT_EQ(x->reason, u.reason);
    EXPECT_EQ(to_json(*x), json);
  }
}

TEST(RejectReason, AnOldJournalLineWithoutTheCodeDecodesAsNone) {
  auto json = to_json(rejected_update());
  const std::string field = R"(,"reject":"max_order_size")";
  auto at = json.find(field);
  ASSERT_NE(at, std::string::npos) << json;
  json.erase(at, field.size()); // as the journal wrote it before the field existed
  OrderUpdate x;
  ASSERT_TRUE(from_json(json, x)) << json;
  EXPECT_EQ(x.reject, RejectReason::none);
  EXPECT_EQ(x.reason, "max_order_size: notional 12000 > max_order_size 10000");
  EXPECT_EQ(x.status, OrderStatus::rejected);
}

TEST(RejectReason, APeerBuiltBeforeTheCodeIsStillUnderstood) {
  // msgpack writes a struct as an array of its fields: an older peer sends one fewer.
  auto bytes = to_msgpack(rejected_update());
  ASSERT_EQ(static_cast<uint8_t>(bytes.front()), 0x9d); // fixarray of 13
  ASSERT_EQ(static_cast<uint8_t>(bytes.back()), static_cast<uint8_t>(RejectReason::max_order_size));
  auto old = bytes.substr(0, bytes.size() - 1);
  old.front() = static_cast<char>(0x9c); // fixarray of 12
  OrderUpdate x;
  x.reject = RejectReason::rate_limit; // a reused object: the missing field is reset
  ASSERT_TRUE(from_msgpack(old, x));
  EXPECT_EQ(x.reject, RejectReason::none);
  EXPECT_EQ(x.reason, "max_order_size: notional 12000 > max_order_size 10000");
  // A required field is never optional: one field fewer still is refused.
  auto strategy_at = old.rfind('\xa1'); // "s", the strategy, a fixstr of 1
  ASSERT_NE(strategy_at, std::string::npos);
  auto short_by_two = old.substr(0, strategy_at);
  short_by_two.front() = static_cast<char>(0x9b);
  auto st = from_msgpack(short_by_two, x);
  EXPECT_FALSE(st);
  EXPECT_NE(st.error.find("expected 12 to 13"), std::string::npos) << st.error;
}

TEST(RejectReason, AnUnknownCodeIsRefused) {
  auto json = to_json(rejected_update());
  auto at = json.find("\"max_order_size\"");
  ASSERT_NE(at, std::string::npos);
  json.replace(at, 16, "\"fat_finger\"");
  OrderUpdate x;
  auto st = from_json(json, x);
  EXPECT_FALSE(st);
  EXPECT_NE(st.error.find("reject"), std::string::npos) << st.error;
}

} // namespace
