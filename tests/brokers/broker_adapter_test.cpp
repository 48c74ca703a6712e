// The simulator behind the seed's synchronous BrokerAdapter API.
#include "brokers/broker_adapter.hpp"

#include <gtest/gtest.h>

using namespace engine;

namespace {

Quote quote(const char* bid, const char* ask, timestamp_ns ts) {
  Quote q;
  q.ticker = "AAPL";
  q.bid = *Price::parse(bid);
  q.ask = *Price::parse(ask);
  q.bid_size = Quantity::from_units(100);
  q.ask_size = Quantity::from_units(100);
  q.timestamp = ts;
  return q;
}

OrderRequest buy(const char* id, OrderType type, const char* limit = "0") {
  OrderRequest o;
  o.order_id = id;
  o.ticker = "AAPL";
  o.side = OrderSide::buy;
  o.order_type = type;
  o.quantity = Quantity::from_units(10);
  o.price = *Price::parse(limit);
  return o;
}

} // namespace

TEST(BrokerAdapter, SimulatorFillsAndKeepsTheBooks) {
  app_config cfg;
  cfg.execution.simulator.min_commission = Money::from_units(1);
  auto a = create_broker_adapter("simulator", cfg);
  EXPECT_THROW(a->submit_order(buy("A1", OrderType::market)), std::logic_error);
  ASSERT_TRUE(a->connect());
  auto& sim = dynamic_cast<simulated_broker_adapter&>(*a);
  sim.on_quote(quote("100.00", "100.10", 1'000'000'000));
  auto x = a->submit_order(buy("A1", OrderType::market));
  EXPECT_EQ(x.status, OrderStatus::filled);
  EXPECT_EQ(x.average_price, *Price::parse("100.10"));
  EXPECT_EQ(a->get_position("AAPL")->quantity, Quantity::from_units(10));
  EXPECT_EQ(a->get_account_info().cash, *Money::parse("98998"));
  auto md = a->get_market_data("AAPL");
  ASSERT_TRUE(md);
  EXPECT_EQ(md->spread, *Price::parse("0.1"));

  auto resting = a->submit_order(buy("A2", OrderType::limit, "99"));
  EXPECT_EQ(resting.status, OrderStatus::new_);
  EXPECT_TRUE(a->cancel_order("A2"));
  EXPECT_EQ(a->get_order_status("A2")->status, OrderStatus::canceled);
  EXPECT_FALSE(a->cancel_order("A2"));
  EXPECT_EQ(a->get_all_positions().size(), 1u);
}

TEST(BrokerAdapter, RejectsAreVisibleWithTheirReason) {
  auto a = create_broker_adapter("simulator", app_config{});
  a->connect();
  auto x = a->submit_order(buy("R1", OrderType::market)); // no quote yet
  EXPECT_EQ(x.status, OrderStatus::rejected);
  EXPECT_EQ(x.reason, "no quote yet");
  EXPECT_EQ(a->get_order_status("R1")->reason, "no quote yet");
}

TEST(BrokerAdapter, VenuesWithoutAClientSaySo) {
  EXPECT_THROW(create_broker_adapter("alpaca", app_config{}), std::invalid_argument);
  EXPECT_THROW(create_broker_adapter("nyse-direct", app_config{}), std::invalid_argument);
}
