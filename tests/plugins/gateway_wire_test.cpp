// The strategy gateway's frames: what a strategy process may send, and the errors for what it may not.
#include <gtest/gtest.h>

#include <msgpack.hpp>

#include <variant>

#include "actors/strategy_gateway_wire.hpp"

using namespace engine;
namespace wire = engine::gateway_wire;

namespace {

using value = std::variant<std::string, uint64_t>;

std::string pack(const std::vector<std::pair<std::string, value>>& m) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk{b};
  pk.pack_map(static_cast<uint32_t>(m.size()));
  for (auto& [k, v] : m) {
    pk.pack(k);
    if (auto s = std::get_if<std::string>(&v))
      pk.pack(*s);
    else
      pk.pack(std::get<uint64_t>(v));
  }
  return {b.data(), b.size()};
}

std::string error_of(const std::string& bytes) {
  std::string err;
  EXPECT_FALSE(wire::decode_client(bytes, err).has_value());
  return err;
}

} // namespace

TEST(GatewayWire, AnOrderDecodesExactly) {
  std::string err;
  auto m = wire::decode_client(pack({{"t", "order"}, {"client_order_id", "py-3-1"},
                                     {"ticker", "AAPL"}, {"side", "sell"},
                                     {"order_type", "limit"}, {"quantity", "12.5"},
                                     {"price", "230.123456"}, {"time_in_force", "ioc"}}),
                               err);
  ASSERT_TRUE(m) << err;
  EXPECT_EQ(m->kind, wire::client_kind::order);
  EXPECT_EQ(m->order.client_order_id, "py-3-1");
  EXPECT_EQ(m->order.side, OrderSide::sell);
  EXPECT_EQ(m->order.order_type, OrderType::limit);
  EXPECT_EQ(m->order.quantity, *Quantity::parse("12.5"));
  EXPECT_EQ(m->order.price, *Price::parse("230.123456"));
  EXPECT_EQ(m->order.time_in_force, TimeInForce::ioc);
  m = wire::decode_client(pack({{"t", "subscribe"}, {"strategy", "py"}, {"ack", uint64_t{41}}}),
                          err);
  ASSERT_TRUE(m) << err;
  EXPECT_EQ(m->kind, wire::client_kind::subscribe);
  EXPECT_EQ(m->seq, 41u);
}

TEST(GatewayWire, BadFramesSayWhatIsWrong) {
  EXPECT_EQ(error_of(pack({{"t", "order"}, {"client_order_id", "a"}, {"ticker", "AAPL"},
                           {"quantity", "1.0000000001"}})),
            "'quantity' is not an exact decimal: '1.0000000001'");
  EXPECT_EQ(error_of(pack({{"t", "order"}, {"client_order_id", "a"}, {"ticker", "AAPL"},
                           {"side", "short"}, {"quantity", "1"}})),
            "'side' has an unknown value 'short'");
  EXPECT_EQ(error_of(pack({{"t", "order"}, {"ticker", "AAPL"}, {"quantity", "1"}})),
            "'client_order_id' is required");
  EXPECT_EQ(error_of(pack({{"t", "ack"}, {"seq", "7"}})), "'seq' must be a non-negative integer");
  EXPECT_EQ(error_of(pack({{"t", "buy_everything"}})), "unknown message type 'buy_everything'");
  EXPECT_EQ(error_of(pack({{"seq", uint64_t{1}}})), "'t' is required");
  EXPECT_NE(error_of(std::string{"\xc1"}).find("not msgpack"), std::string::npos);
}

TEST(GatewayWire, EngineFramesAreMapsWithTheirSeq) {
  Fill f;
  f.exec_id = "SIM-1";
  f.ticker = "AAPL";
  f.quantity = *Quantity::parse("3");
  f.price = *Price::parse("230.01");
  auto bytes = wire::encode_fill(17, f);
  auto oh = msgpack::unpack(bytes.data(), bytes.size());
  ASSERT_EQ(oh.get().type, msgpack::type::MAP);
  std::map<std::string, msgpack::object> m;
  for (uint32_t i = 0; i < oh.get().via.map.size; ++i)
    m[oh.get().via.map.ptr[i].key.as<std::string>()] = oh.get().via.map.ptr[i].val;
  EXPECT_EQ(m["t"].as<std::string>(), "fill");
  EXPECT_EQ(m["seq"].as<uint64_t>(), 17u);
  EXPECT_EQ(m["price"].as<std::string>(), "230.01");
  EXPECT_EQ(m["quantity"].as<std::string>(), "3");
}

TEST(GatewayWire, EachOrderClassDecodesWithItsLegs) {
  struct row {
    const char* cls;
    const char* tp;
    const char* sl;
    const char* sll;
    OrderClass want;
  };
  for (const row& r : {row{"bracket", "110", "90", "89.5", OrderClass::bracket},
                       row{"oco", "110", "90", "", OrderClass::oco},
                       row{"oto", "", "90", "", OrderClass::oto},
                       row{"simple", "", "", "", OrderClass::simple}}) {
    std::string err;
    auto m = wire::decode_client(
      pack({{"t", "order"}, {"client_order_id", "c"}, {"ticker", "AAPL"}, {"side", "buy"},
            {"order_type", "limit"}, {"quantity", "1"}, {"price", "100"},
            {"order_class", r.cls}, {"take_profit_limit_price", r.tp},
            {"stop_loss_stop_price", r.sl}, {"stop_loss_limit_price", r.sll}}),
      err);
    ASSERT_TRUE(m) << r.cls << ": " << err;
    EXPECT_EQ(m->order.order_class, r.want);
    EXPECT_EQ(m->order.take_profit_limit_price.to_string(), *r.tp ? r.tp : "0");
    EXPECT_EQ(m->order.stop_loss_stop_price.to_string(), *r.sl ? r.sl : "0");
    EXPECT_EQ(m->order.stop_loss_limit_price.to_string(), *r.sll ? r.sll : "0");
    EXPECT_FALSE(m->order.extended_hours);
  }
  // extended_hours is a msgpack boolean; anything else is refused.
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk{b};
  pk.pack_map(5);
  pk.pack(std::string{"t"});
  pk.pack(std::string{"order"});
  pk.pack(std::string{"client_order_id"});
  pk.pack(std::string{"c"});
  pk.pack(std::string{"ticker"});
  pk.pack(std::string{"AAPL"});
  pk.pack(std::string{"quantity"});
  pk.pack(std::string{"1"});
  pk.pack(std::string{"extended_hours"});
  pk.pack_true();
  std::string err;
  auto m = wire::decode_client({b.data(), b.size()}, err);
  ASSERT_TRUE(m) << err;
  EXPECT_TRUE(m->order.extended_hours);
  EXPECT_EQ(error_of(pack({{"t", "order"}, {"client_order_id", "a"}, {"ticker", "AAPL"},
                           {"quantity", "1"}, {"extended_hours", "yes"}})),
            "'extended_hours' must be true or false");
  EXPECT_EQ(error_of(pack({{"t", "order"}, {"client_order_id", "a"}, {"ticker", "AAPL"},
                           {"quantity", "1"}, {"order_class", "straddle"}})),
            "'order_class' has an unknown value 'straddle'");
}
