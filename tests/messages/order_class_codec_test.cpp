// Each order class with its legs and extended_hours through msgpack (the cluster's node-to-node
// encoding) and JSON (the journal): every encoding carries the new fields exactly.
#include <gtest/gtest.h>

#include "messages/codec.hpp"
#include "messages/order_legs.hpp"

using namespace engine;

namespace {

Price px(const char* s) { return *Price::parse(s); }

std::vector<OrderRequest> one_of_each_class() {
  OrderRequest base;
  base.order_id = "E-1";
  base.ticker = "AAPL";
  base.order_type = OrderType::limit;
  base.quantity = *Quantity::parse("2.5");
  base.price = px("100.01");
  base.time_in_force = TimeInForce::gtc;
  base.strategy = "s";
  OrderRequest simple = base;
  simple.time_in_force = TimeInForce::day;
  simple.extended_hours = true;
  OrderRequest bracket = base;
  bracket.order_class = OrderClass::bracket;
  bracket.take_profit_limit_price = px("110.123456");
  bracket.stop_loss_stop_price = px("95");
  bracket.stop_loss_limit_price = px("94.5");
  OrderRequest oco = base;
  oco.side = OrderSide::sell;
  oco.order_class = OrderClass::oco;
  oco.price = oco.take_profit_limit_price = px("110");
  oco.stop_loss_stop_price = px("95");
  OrderRequest oto = base;
  oto.order_class = OrderClass::oto;
  oto.stop_loss_stop_price = px("95");
  return {simple, bracket, oco, oto};
}

TEST(OrderClassCodec, MsgpackAndJsonCarryEveryClass) {
  for (const auto& o : one_of_each_class()) {
    OrderRequest a, b;
    ASSERT_TRUE(from_msgpack(to_msgpack(o), a));
    auto json = to_json(o);
    ASSERT_TRUE(from_json(json, b)) << json;
    for (const auto* x : {&a, &b}) {
      EXPECT_EQ(x->order_class, o.order_class) << json;
      EXPECT_EQ(x->take_profit_limit_price, o.take_profit_limit_price);
      EXPECT_EQ(x->stop_loss_stop_price, o.stop_loss_stop_price);
      EXPECT_EQ(x->stop_loss_limit_price, o.stop_loss_limit_price);
      EXPECT_EQ(x->extended_hours, o.extended_hours);
      EXPECT_EQ(to_json(*x), json);
    }
  }
  // Decimal strings in JSON, never floats.
  auto json = to_json(one_of_each_class()[1]);
  EXPECT_NE(json.find(R"("order_class":"bracket","take_profit_limit_price":"110.123456")"),
            std::string::npos)
    << json;
}

TEST(OrderClassCodec, AnOutOfRangeClassIsRefused) {
  auto o = one_of_each_class()[1];
  auto json = to_json(o);
  auto at = json.find("\"bracket\"");
  json.replace(at, 9, "\"straddle\"");
  OrderRequest x;
  auto st = from_json(json, x);
  EXPECT_FALSE(st);
  EXPECT_NE(st.error.find("order_class"), std::string::npos) << st.error;
}

TEST(OrderLegs, IdsAndRequestsOfTheLegs) {
  auto v = one_of_each_class();
  EXPECT_EQ(legs_of(v[0]).size(), 0u);
  EXPECT_EQ(legs_of(v[1]), (std::vector<OrderLeg>{OrderLeg::take_profit, OrderLeg::stop_loss}));
  EXPECT_EQ(legs_of(v[2]), std::vector<OrderLeg>{OrderLeg::stop_loss});
  EXPECT_EQ(legs_of(v[3]), std::vector<OrderLeg>{OrderLeg::stop_loss});
  std::string parent;
  OrderLeg leg;
  ASSERT_TRUE(parse_leg_order_id(leg_order_id("E-1", OrderLeg::stop_loss), parent, leg));
  EXPECT_EQ(parent, "E-1");
  EXPECT_EQ(leg, OrderLeg::stop_loss);
  EXPECT_FALSE(parse_leg_order_id("E-1", parent, leg));
  EXPECT_FALSE(parse_leg_order_id("E-1.r2", parent, leg));
  auto tp = leg_request(v[1], OrderLeg::take_profit);
  EXPECT_EQ(tp.order_id, "E-1.tp");
  EXPECT_EQ(tp.side, OrderSide::sell);
  EXPECT_EQ(tp.order_type, OrderType::limit);
  EXPECT_EQ(tp.price, px("110.123456"));
  EXPECT_EQ(tp.strategy, "s");
  auto sl = leg_request(v[1], OrderLeg::stop_loss);
  EXPECT_EQ(sl.order_type, OrderType::stop_limit);
  EXPECT_EQ(sl.stop_price, px("95"));
  EXPECT_EQ(sl.price, px("94.5"));
  // An oco's stop closes the same position as the oco itself.
  EXPECT_EQ(leg_request(v[2], OrderLeg::stop_loss).side, OrderSide::sell);
}

} // namespace
