// Round trips of every message type through msgpack and JSON, and garbage that must not crash.
#include "messages/codec.hpp"

#include <gtest/gtest.h>

#include <random>

#include "tests/messages/random_message.hpp"

using namespace engine;

namespace {

template <class T>
void round_trip_many(int cases) {
  engine::testing::randomizer rnd{0xC0FFEEu + sizeof(T)};
  for (int i = 0; i < cases; ++i) {
    T original;
    rnd.fill(original);
    auto packed = to_msgpack(original);
    auto json = to_json(original);

    T from_pack;
    auto st = from_msgpack(packed, from_pack);
    ASSERT_TRUE(st) << st.error;
    EXPECT_EQ(to_msgpack(from_pack), packed);
    EXPECT_EQ(to_json(from_pack), json);

    T from_js;
    auto st2 = from_json(json, from_js);
    ASSERT_TRUE(st2) << st2.error << "\n" << json;
    EXPECT_EQ(to_json(from_js), json);
    EXPECT_EQ(to_msgpack(from_js), packed);
  }
}

template <class T>
void truncations_fail_cleanly() {
  engine::testing::randomizer rnd{42};
  T original;
  rnd.fill(original);
  auto packed = to_msgpack(original);
  auto json = to_json(original);
  for (size_t n = 0; n < packed.size(); ++n) {
    T x;
    EXPECT_FALSE(from_msgpack(std::string_view{packed}.substr(0, n), x)) << "prefix " << n;
  }
  for (size_t n = 0; n < json.size(); ++n) {
    T x;
    EXPECT_FALSE(from_json(std::string_view{json}.substr(0, n), x)) << "prefix " << n;
  }
}

} // namespace

template <class T>
class CodecRoundTrip : public ::testing::Test {};

#define ENGINE_TYPE_NAME(T) T,
using all_types = ::testing::Types<ENGINE_MESSAGE_TYPES(ENGINE_TYPE_NAME) Shutdown>;
#undef ENGINE_TYPE_NAME
TYPED_TEST_SUITE(CodecRoundTrip, all_types);

TYPED_TEST(CodecRoundTrip, HundredsOfRandomValuesSurviveBothFormats) {
  round_trip_many<TypeParam>(300);
}

TYPED_TEST(CodecRoundTrip, EveryTruncationIsAnErrorNotACrash) {
  truncations_fail_cleanly<TypeParam>();
}

TEST(Codec, JsonShowsDecimalsAsExactStringsAndEnumsByName) {
  Fill f;
  f.exec_id = "E1";
  f.ticker = "AAPL";
  f.side = OrderSide::sell;
  f.quantity = *Quantity::parse("100");
  f.price = *Price::parse("190.01");
  f.commission = *Money::parse("1.00");
  EXPECT_EQ(to_json(f),
            R"({"exec_id":"E1","order_id":"","client_order_id":"","ticker":"AAPL","side":"sell",)"
            R"("quantity":"100","price":"190.01","commission":"1","timestamp":0,"broker":""})");
}

TEST(Codec, JsonErrorsNameTheField) {
  Quote q;
  auto st = from_json(R"({"ticker":"A","bid":1.5,"ask":"2","bid_size":"1","ask_size":"1","timestamp":0})", q);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error, "bid: expected a decimal string");
  st = from_json(R"({"ticker":"A","bid":"1.0000001","ask":"2","bid_size":"1","ask_size":"1","timestamp":0})", q);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error.find("bid: not an exact decimal"), std::string::npos) << st.error;
  st = from_json(R"({"ticker":"A","bid":"1","ask":"2","bid_size":"1","timestamp":0})", q);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error, "ask_size: missing field");
  OrderExecution ex;
  auto good = to_json(OrderExecution{});
  st = from_json(R"({"order_id":"1","client_order_id":"","ticker":"A","side":"hold"})", ex);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error, "side: unknown value \"hold\"");
}

TEST(Codec, MsgpackRefusesOutOfRangeEnumsAndWrongShapes) {
  Fill f;
  auto packed = to_msgpack(f);
  // Field 5 (side) is a positive fixint 0; make it 7, beyond OrderSide.
  auto bad = packed;
  // array header (1) + 4 empty strings (4 bytes: 0xa0 each) = offset 5
  ASSERT_EQ(static_cast<unsigned char>(bad[5]), 0x00);
  bad[5] = 0x07;
  Fill out;
  auto st = from_msgpack(bad, out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error, "enum value out of range: 7");
  // A Quote's bytes are not a Fill.
  EXPECT_FALSE(from_msgpack(to_msgpack(Quote{}), out));
  // Trailing garbage is refused.
  EXPECT_FALSE(from_msgpack(packed + "x", out));
}

TEST(Codec, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng{7};
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (auto& c : bytes)
      c = static_cast<char>(rng());
    OrderRequest r;
    refused += from_msgpack(bytes, r) ? 0 : 1;
    refused += from_json(bytes, r) ? 0 : 1;
  }
  EXPECT_GT(refused, 39000);
}

TEST(Codec, HugeDeclaredLengthsAreRefusedWithoutAllocating) {
  // array32 header claiming 4 billion elements, then nothing.
  std::string bytes{"\xdd\xff\xff\xff\xff", 5};
  QuoteBatch b;
  EXPECT_FALSE(from_msgpack(bytes, b));
  std::string str{"\xdb\xff\xff\xff\xff", 5};
  EXPECT_FALSE(from_msgpack(str, b));
}
