// Order classes on Alpaca's wire: the POST bodies of simple, bracket, oco and oto orders, and
// their legs read back (nested=true) under the engine's leg ids.
#include <gtest/gtest.h>

#include "brokers/alpaca/legs.hpp"
#include "brokers/alpaca/wire.hpp"

namespace engine::alpaca {
namespace {

Price px(const char* s) { return *Price::parse(s); }

OrderRequest entry(OrderClass c) {
  OrderRequest o;
  o.order_id = "E-7";
  o.ticker = "AAPL";
  o.quantity = *Quantity::parse("3");
  o.order_type = OrderType::limit;
  o.price = px("100.5");
  o.time_in_force = TimeInForce::gtc;
  o.order_class = c;
  return o;
}

TEST(alpaca_legs_wire, bodies_of_each_class_as_alpaca_documents_them) {
  auto simple = entry(OrderClass::simple);
  simple.time_in_force = TimeInForce::day;
  simple.extended_hours = true;
  EXPECT_EQ(order_body(simple).body,
            R"({"symbol":"AAPL","qty":"3","side":"buy","type":"limit","time_in_force":"day",)"
            R"("limit_price":"100.5","extended_hours":true,"client_order_id":"E-7"})");

  auto bracket = entry(OrderClass::bracket);
  bracket.take_profit_limit_price = px("110.25");
  bracket.stop_loss_stop_price = px("95");
  bracket.stop_loss_limit_price = px("94.5");
  EXPECT_EQ(order_body(bracket).body,
            R"({"symbol":"AAPL","qty":"3","side":"buy","type":"limit","time_in_force":"gtc",)"
            R"("limit_price":"100.5","order_class":"bracket","take_profit":{"limit_price":)"
            R"("110.25"},"stop_loss":{"stop_price":"95","limit_price":"94.5"},)"
            R"("client_order_id":"E-7"})");

  auto oco = entry(OrderClass::oco);
  oco.side = OrderSide::sell;
  oco.price = oco.take_profit_limit_price = px("110");
  oco.stop_loss_stop_price = px("95");
  // No top-level limit_price: the take_profit is the oco order's price.
  EXPECT_EQ(order_body(oco).body,
            R"({"symbol":"AAPL","qty":"3","side":"sell","type":"limit","time_in_force":"gtc",)"
            R"("order_class":"oco","take_profit":{"limit_price":"110"},)"
            R"("stop_loss":{"stop_price":"95"},"client_order_id":"E-7"})");

  auto oto = entry(OrderClass::oto);
  oto.order_type = OrderType::market;
  oto.price = Price{};
  oto.take_profit_limit_price = px("120");
  EXPECT_EQ(order_body(oto).body,
            R"({"symbol":"AAPL","qty":"3","side":"buy","type":"market","time_in_force":"gtc",)"
            R"("order_class":"oto","take_profit":{"limit_price":"120"},"client_order_id":"E-7"})");

  // Legs that do not fit the class are never sent.
  auto half = entry(OrderClass::bracket);
  half.take_profit_limit_price = px("110");
  EXPECT_NE(order_body(half).error.find("bracket order has the wrong legs"), std::string::npos);
  auto both = entry(OrderClass::oto);
  both.take_profit_limit_price = px("110");
  both.stop_loss_stop_price = px("90");
  EXPECT_FALSE(order_body(both).error.empty());
}

// A bracket parent as GET /v2/orders/{id}?nested=true returns it, legs held.
const char* nested_bracket = R"({
  "id":"p-1","client_order_id":"E-7","symbol":"AAPL","side":"buy","type":"market",
  "time_in_force":"gtc","status":"filled","order_class":"bracket","qty":"3","filled_qty":"3",
  "filled_avg_price":"100.01","created_at":"2024-01-02T15:00:00Z","legs":[
   {"id":"l-1","client_order_id":"9a0e-uuid-1","symbol":"AAPL","side":"sell","type":"limit",
    "time_in_force":"gtc","status":"new","order_class":"bracket","qty":"3","filled_qty":"0",
    "limit_price":"110","legs":null},
   {"id":"l-2","client_order_id":"9a0e-uuid-2","symbol":"AAPL","side":"sell","type":"stop",
    "time_in_force":"gtc","status":"held","order_class":"bracket","qty":"3","filled_qty":"0",
    "stop_price":"95","legs":null}]})";

TEST(alpaca_legs_wire, legs_of_a_nested_order_take_the_engine_leg_ids) {
  std::string err;
  auto o = parse_order(nested_bracket, err);
  ASSERT_TRUE(o) << err;
  ASSERT_EQ(o->legs.size(), 2u);
  EXPECT_EQ(o->legs[1].status, "held");
  EXPECT_EQ(leg_kind(o->legs[0]), OrderLeg::take_profit);
  EXPECT_EQ(leg_kind(o->legs[1]), OrderLeg::stop_loss);
  leg_book book;
  book.normalize(*o);
  EXPECT_EQ(o->client_order_id, "E-7");
  EXPECT_EQ(o->legs[0].client_order_id, "E-7.tp");
  EXPECT_EQ(o->legs[1].client_order_id, "E-7.sl");
  EXPECT_EQ(to_execution(o->legs[1]).order_id, "E-7.sl");
  EXPECT_EQ(to_execution(o->legs[1]).status, OrderStatus::new_); // held: there, waiting
  EXPECT_EQ(book.alpaca_id("E-7.tp"), "l-1");

  // The leg alone, as its own trade_updates event carries it, is renamed too.
  auto leg = parse_order(R"({"id":"l-1","client_order_id":"9a0e-uuid-1","symbol":"AAPL",
    "side":"sell","type":"limit","status":"filled","order_class":"bracket","qty":"3",
    "filled_qty":"3","limit_price":"110"})", err);
  ASSERT_TRUE(leg) << err;
  EXPECT_FALSE(book.unknown(*leg));
  book.normalize(*leg);
  EXPECT_EQ(to_update(*leg, 0).order_id, "E-7.tp");

  // A leg seen before its parent (a fresh connection) is known to be unknown.
  leg_book fresh;
  EXPECT_TRUE(fresh.unknown(*leg));
  fresh.looked_up(leg->id);
  EXPECT_FALSE(fresh.unknown(*leg));
}

} // namespace
} // namespace engine::alpaca
