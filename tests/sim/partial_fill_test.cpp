// Partial fills: bounded by displayed size (used up within a quote) or by volume participation.
#include "sim_checkers.hpp"

namespace engine::sim::testing {
namespace {

using S = OrderSide;
using St = OrderStatus;

TEST(partial_fill, bounded_by_ask_size_quote_after_quote) {
  harness h;
  h.on_quote(quote("9.99", "10.00", ms(1), 1000, 30));
  auto ev = h.submit(market("m", S::buy, 100), ms(2));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].update.status, St::partially_filled);
  EXPECT_EQ(ev[1].update.leaves_quantity, qty(70));
  h.on_quote(quote("10.00", "10.01", ms(3), 1000, 50));
  h.on_quote(quote("10.01", "10.02", ms(4), 1000, 40));
  expect_fills(h.all, {{"m", "30", "10.00"}, {"m", "50", "10.01"}, {"m", "20", "10.02"}});
  auto x = h.eng.order("m");
  EXPECT_EQ(x->status, St::filled);
  // (300 + 500.50 + 200.40) / 100
  EXPECT_EQ(x->average_price, px("10.009"));
  EXPECT_EQ(x->fills.size(), 3u);
}

TEST(partial_fill, sell_bounded_by_bid_size) {
  harness h;
  h.on_quote(quote("9.99", "10.00", ms(1), 25, 1000));
  h.submit(limit("s", S::sell, 60, "9.99"), ms(2));
  h.on_quote(quote("9.99", "10.00", ms(3), 25, 1000));
  h.on_quote(quote("9.98", "10.00", ms(4), 25, 1000)); // below the limit: nothing
  h.on_quote(quote("9.99", "10.00", ms(5), 25, 1000));
  expect_fills(h.all, {{"s", "25", "9.99"}, {"s", "25", "9.99"}, {"s", "10", "9.99"}});
}

TEST(partial_fill, size_used_by_one_order_is_gone_for_the_next_in_the_same_quote) {
  harness h;
  h.on_quote(quote("9.90", "10.10", ms(1)));
  h.submit(limit("a", S::buy, 50, "10.00"), ms(2));
  h.submit(limit("b", S::buy, 50, "10.00"), ms(3));
  h.on_quote(quote("9.95", "10.00", ms(4), 1000, 70));
  expect_fills(h.all, {{"a", "50", "10.00"}, {"b", "20", "10.00"}});
  // a market order arriving in the same quote finds nothing left
  h.submit(market("c", S::buy, 10), ms(5));
  EXPECT_EQ(fills_of(h.all).size(), 2u);
  EXPECT_EQ(h.status("c"), St::new_);
  h.on_quote(quote("9.95", "10.00", ms(6), 1000, 100));
  expect_fills(h.all, {{"a", "50", "10.00"},
                       {"b", "20", "10.00"},
                       {"b", "30", "10.00"},
                       {"c", "10", "10.00"}});
}

TEST(partial_fill, zero_displayed_size_fills_nothing) {
  harness h;
  h.on_quote(quote("9.99", "10.00", ms(1), 0, 0));
  h.submit(market("m", S::buy, 10), ms(2));
  EXPECT_TRUE(fills_of(h.all).empty());
  EXPECT_EQ(h.status("m"), St::new_);
}

TEST(partial_fill, participation_bounds_by_traded_volume_since_last_fill) {
  harness h{config{}.participation("0.1")};
  h.on_quote(quote("9.99", "10.00", ms(1)));
  h.submit(market("m", S::buy, 100), ms(2));
  EXPECT_TRUE(fills_of(h.all).empty()) << "no volume traded yet";
  h.on_trade(trade(500, ms(3)));
  EXPECT_TRUE(fills_of(h.all).empty()) << "fills happen on quotes";
  h.on_quote(quote("10.00", "10.01", ms(4)));
  h.on_trade(trade(300, ms(5)));
  h.on_quote(quote("10.01", "10.02", ms(6)));
  h.on_quote(quote("10.01", "10.02", ms(7))); // no new volume: nothing
  h.on_trade(trade(1000, ms(8)));
  h.on_quote(quote("10.02", "10.03", ms(9)));
  expect_fills(h.all, {{"m", "50", "10.01"}, {"m", "30", "10.02"}, {"m", "20", "10.03"}});
}

TEST(partial_fill, participation_rounds_down_to_whole_shares) {
  harness h{config{}.participation("0.1")};
  h.on_quote(quote("9.99", "10.00", ms(1)));
  h.submit(market("m", S::buy, 100), ms(2));
  h.on_trade(trade(155, ms(3)));
  h.on_quote(quote("9.99", "10.00", ms(4)));
  expect_fills(h.all, {{"m", "15", "10.00"}});
}

TEST(partial_fill, volume_traded_before_acceptance_does_not_count) {
  harness h{config{}.participation("0.5")};
  h.on_trade(trade(1000, ms(1)));
  h.on_quote(quote("9.99", "10.00", ms(2)));
  h.submit(market("m", S::buy, 100), ms(3));
  h.on_quote(quote("9.99", "10.00", ms(4)));
  EXPECT_TRUE(fills_of(h.all).empty());
}

} // namespace
} // namespace engine::sim::testing
