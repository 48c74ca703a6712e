// Multi-leg orders and extended hours: legs that make sense pass, the rest get a clear reason.
#include "actors/risk/leg_rules.hpp"

#include <gtest/gtest.h>

namespace engine {
namespace {

Price px(const char* s) { return *Price::parse(s); }

OrderRequest order(OrderClass c, OrderSide side, const char* tp, const char* sl) {
  OrderRequest o;
  o.ticker = "AAPL";
  o.side = side;
  o.quantity = *Quantity::parse("1");
  o.order_class = c;
  o.take_profit_limit_price = px(tp);
  o.stop_loss_stop_price = px(sl);
  return o;
}

std::string why(const OrderRequest& o, std::optional<Price> base = px("100")) {
  return invalid_legs(o, base).value_or("");
}

TEST(leg_rules, brackets_around_their_base) {
  EXPECT_EQ(why(order(OrderClass::bracket, OrderSide::buy, "101", "99")), "");
  EXPECT_EQ(why(order(OrderClass::bracket, OrderSide::sell, "99", "101")), "");
  EXPECT_EQ(why(order(OrderClass::bracket, OrderSide::buy, "100.01", "99.99")), "");
  EXPECT_EQ(why(order(OrderClass::bracket, OrderSide::buy, "99", "101"), std::nullopt),
            "bracket: take_profit_limit_price 99 must be above stop_loss_stop_price 101 for a buy");
  EXPECT_EQ(why(order(OrderClass::bracket, OrderSide::buy, "100", "99")),
            "bracket: take_profit_limit_price 100 must be >= 100.01 (base price 100 + 0.01)");
  EXPECT_EQ(why(order(OrderClass::bracket, OrderSide::buy, "102", "100")),
            "bracket: stop_loss_stop_price 100 must be <= 99.99 (base price 100 - 0.01)");
  EXPECT_EQ(why(order(OrderClass::bracket, OrderSide::sell, "101", "99"), std::nullopt),
            "bracket: take_profit_limit_price 101 must be below stop_loss_stop_price 99 for a "
            "sell");
  EXPECT_EQ(why(order(OrderClass::bracket, OrderSide::buy, "101", "0")),
            "bracket: needs take_profit_limit_price and stop_loss_stop_price");
  auto stop_entry = order(OrderClass::bracket, OrderSide::buy, "101", "99");
  stop_entry.order_type = OrderType::stop;
  EXPECT_EQ(why(stop_entry), "bracket: the entry must be a market or limit order, not stop");
  auto ioc = order(OrderClass::bracket, OrderSide::buy, "101", "99");
  ioc.time_in_force = TimeInForce::ioc;
  EXPECT_EQ(why(ioc), "bracket: time in force must be day or gtc, not ioc");
  // Unknown base (no last price for a market entry): the legs' order alone is checked.
  EXPECT_EQ(why(order(OrderClass::bracket, OrderSide::buy, "150", "140"), std::nullopt), "");
}

TEST(leg_rules, oto_has_exactly_one_leg_and_oco_is_a_limit_exit) {
  EXPECT_EQ(why(order(OrderClass::oto, OrderSide::buy, "0", "99")), "");
  EXPECT_EQ(why(order(OrderClass::oto, OrderSide::buy, "101", "0")), "");
  EXPECT_EQ(why(order(OrderClass::oto, OrderSide::buy, "101", "99")),
            "oto: needs exactly one of take_profit_limit_price and stop_loss_stop_price");
  auto oco = order(OrderClass::oco, OrderSide::sell, "110", "95");
  oco.order_type = OrderType::limit;
  oco.price = px("110");
  EXPECT_EQ(why(oco), "");
  oco.price = px("109");
  EXPECT_EQ(why(oco), "oco: price 109 must equal take_profit_limit_price 110");
  oco.price = px("110");
  oco.side = OrderSide::buy;
  EXPECT_EQ(why(oco),
            "oco: take_profit_limit_price 110 must be below stop_loss_stop_price 95 for a buy");
  auto market_oco = order(OrderClass::oco, OrderSide::sell, "110", "95");
  EXPECT_EQ(why(market_oco), "oco: must be a limit order (it is the take-profit exit)");
}

TEST(leg_rules, simple_orders_have_no_legs_and_extended_hours_is_limit_day) {
  EXPECT_EQ(why(order(OrderClass::simple, OrderSide::buy, "0", "0")), "");
  EXPECT_NE(why(order(OrderClass::simple, OrderSide::buy, "101", "0")).find("use order_class"),
            std::string::npos);
  auto ext = order(OrderClass::simple, OrderSide::buy, "0", "0");
  ext.extended_hours = true;
  ext.order_type = OrderType::limit;
  ext.price = px("100");
  EXPECT_EQ(why(ext), "");
  ext.time_in_force = TimeInForce::gtc;
  EXPECT_EQ(why(ext), "extended_hours: only a simple limit order with time in force day");
  ext.time_in_force = TimeInForce::day;
  ext.order_type = OrderType::market;
  EXPECT_EQ(why(ext), "extended_hours: only a simple limit order with time in force day");
  auto stray_limit = order(OrderClass::bracket, OrderSide::buy, "101", "0");
  stray_limit.stop_loss_limit_price = px("98");
  EXPECT_EQ(why(stray_limit), "bracket: stop_loss_limit_price without a stop_loss_stop_price");
}

} // namespace
} // namespace engine
