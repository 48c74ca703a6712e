// Latency: orders go live after execution_delay_ms, cancels land after cancel_delay_ms (races too).
#include "sim_checkers.hpp"

namespace engine::sim::testing {
namespace {

using S = OrderSide;
using St = OrderStatus;
using K = sim_event::kind;

TEST(delay, nothing_fills_before_live_then_fills_at_the_timer_time) {
  harness h{config{}.delay(100)};
  h.on_quote(quote("100.00", "100.02", ms(0)));
  auto ev = h.submit(market("m", S::buy, 10), ms(0));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::accepted}));
  ASSERT_TRUE(h.eng.next_deadline().has_value());
  EXPECT_EQ(*h.eng.next_deadline(), ms(100));
  h.on_quote(quote("100.05", "100.07", ms(50)));
  EXPECT_TRUE(fills_of(h.all).empty());
  // the owner is late: the fill still happens at 100 ms against the quote of 50 ms
  h.advance_to(ms(250));
  expect_fills(h.all, {{"m", "10", "100.07"}});
  EXPECT_EQ(fills_of(h.all)[0].timestamp, ms(100));
  EXPECT_FALSE(h.eng.next_deadline().has_value());
}

TEST(delay, a_later_quote_runs_due_timers_first_against_the_previous_quote) {
  harness h{config{}.delay(100)};
  h.on_quote(quote("100.00", "100.02", ms(0), 1000, 10));
  h.submit(market("m", S::buy, 30), ms(0));
  // this quote is at 120 ms: the order went live at 100 ms on the old quote (10 shares),
  // then the new quote brings 1000 more
  auto ev = h.on_quote(quote("101.00", "101.02", ms(120)));
  expect_fills(ev, {{"m", "10", "100.02"}, {"m", "20", "101.02"}});
  EXPECT_EQ(ev[0].fill.timestamp, ms(100));
  EXPECT_EQ(ev[1].fill.timestamp, ms(120));
}

TEST(delay, a_quote_exactly_at_live_time_comes_after_the_timer) {
  harness h{config{}.delay(100)};
  h.on_quote(quote("100.00", "100.02", ms(0)));
  h.submit(market("m", S::buy, 10), ms(0));
  h.on_quote(quote("101.00", "101.02", ms(100)));
  expect_fills(h.all, {{"m", "10", "100.02"}});
}

TEST(delay, limit_becoming_live_fills_if_marketable_else_rests) {
  harness h{config{}.delay(10)};
  h.on_quote(quote("100.00", "100.02", ms(0)));
  h.submit(limit("a", S::buy, 10, "100.02"), ms(0));
  h.submit(limit("b", S::buy, 10, "99.00"), ms(1));
  h.advance_to(ms(11));
  expect_fills(h.all, {{"a", "10", "100.02"}});
  EXPECT_EQ(h.status("b"), St::new_);
  EXPECT_EQ(h.eng.resting_orders(), 1u);
}

TEST(delay, cancel_before_live_means_it_never_trades) {
  harness h{config{}.delay(100, 10)};
  h.on_quote(quote("100.00", "100.02", ms(0)));
  h.submit(market("m", S::buy, 10), ms(0));
  EXPECT_TRUE(h.cancel("m", ms(5)).empty()) << "a cancel says nothing until it lands";
  EXPECT_EQ(h.status("m"), St::pending_cancel);
  auto ev = h.advance_to(ms(15));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::canceled}));
  EXPECT_EQ(ev[0].update.reason, reasons::canceled);
  EXPECT_EQ(ev[0].update.timestamp, ms(15));
  h.advance_to(ms(200));
  EXPECT_TRUE(fills_of(h.all).empty());
  EXPECT_FALSE(h.eng.next_deadline().has_value());
}

TEST(delay, cancel_race_lost_to_a_late_fill) {
  harness h{config{}.delay(0, 50)};
  h.on_quote(quote("100.00", "100.02", ms(0)));
  h.submit(limit("l", S::buy, 10, "99.50"), ms(1));
  h.cancel("l", ms(10));
  // the market moves through the limit while the cancel travels
  auto ev = h.on_quote(quote("99.40", "99.50", ms(30)));
  expect_fills(ev, {{"l", "10", "99.50"}});
  EXPECT_EQ(ev[0].update.status, St::filled);
  ev = h.advance_to(ms(60));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::cancel_rejected}));
  EXPECT_EQ(ev[0].update.reason, "order already filled");
  EXPECT_EQ(ev[0].update.status, St::filled);
  EXPECT_EQ(ev[0].update.timestamp, ms(60));
}

TEST(delay, cancel_race_with_a_partial_fill_cancels_the_rest) {
  harness h{config{}.delay(0, 50)};
  h.on_quote(quote("100.00", "100.02", ms(0)));
  h.submit(limit("l", S::buy, 100, "99.50"), ms(1));
  h.cancel("l", ms(10));
  auto ev = h.on_quote(quote("99.40", "99.50", ms(30), 1000, 40));
  expect_fills(ev, {{"l", "40", "99.50"}});
  EXPECT_EQ(ev[0].update.status, St::pending_cancel) << "the cancel is still in flight";
  ev = h.advance_to(ms(60));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::canceled}));
  EXPECT_EQ(ev[0].update.executed_quantity, qty(40));
  EXPECT_EQ(ev[0].update.leaves_quantity, qty(0));
  // the market crosses again after the cancel landed: nothing more
  h.on_quote(quote("99.40", "99.50", ms(70)));
  EXPECT_EQ(fills_of(h.all).size(), 1u);
}

TEST(delay, cancel_of_unknown_or_finished_is_refused_at_once) {
  harness h{config{}.delay(0, 50)};
  auto ev = h.cancel("nope", ms(1));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::cancel_rejected}));
  EXPECT_EQ(ev[0].update.reason, reasons::unknown_order);
  EXPECT_EQ(ev[0].update.order_id, "nope");
  h.on_quote(quote("100.00", "100.02", ms(2)));
  h.submit(market("m", S::buy, 10), ms(3));
  ev = h.cancel("m", ms(4));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::cancel_rejected}));
  EXPECT_EQ(ev[0].update.reason, "order already filled");
  EXPECT_EQ(ev[0].update.status, St::filled);
}

TEST(delay, second_cancel_while_one_is_in_flight_adds_nothing) {
  harness h{config{}.delay(0, 50)};
  h.on_quote(quote("100.00", "100.02", ms(0)));
  h.submit(limit("l", S::buy, 10, "99.00"), ms(1));
  h.cancel("l", ms(10));
  EXPECT_TRUE(h.cancel("l", ms(20)).empty());
  auto ev = h.advance_to(ms(100));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::canceled}));
  EXPECT_EQ(ev[0].update.timestamp, ms(60));
}

TEST(delay, cancel_reason_is_passed_through) {
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(0)));
  h.submit(limit("l", S::buy, 10, "99.00"), ms(1));
  CancelRequest c;
  c.order_id = "l";
  c.reason = "strategy stopped";
  std::vector<sim_event> ev;
  h.eng.cancel(c, ms(2), ev);
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::canceled}));
  EXPECT_EQ(ev[0].update.reason, "strategy stopped");
}

TEST(delay, timers_at_one_time_run_in_creation_order_and_time_never_goes_back) {
  harness h{config{}.delay(10)};
  h.on_quote(quote("100.00", "100.02", ms(0), 1000, 15));
  h.submit(market("a", S::buy, 10), ms(0));
  h.submit(market("b", S::buy, 10), ms(0));
  h.advance_to(ms(10));
  expect_fills(h.all, {{"a", "10", "100.02"}, {"b", "5", "100.02"}});
  // an earlier "now" is taken as the latest time seen
  h.on_quote(quote("100.00", "100.02", ms(3)));
  EXPECT_EQ(h.all.back().fill.timestamp, ms(10));
  EXPECT_EQ(h.all.back().update.order_id, "b");
}

} // namespace
} // namespace engine::sim::testing

namespace engine::sim::testing {
namespace {

TEST(delay, prune_forgets_finished_orders_but_not_a_cancel_in_flight) {
  harness h{config{}.delay(0, 50)};
  h.on_quote(quote("100.00", "100.02", ms(0)));
  h.submit(market("done", OrderSide::buy, 10), ms(1));
  h.submit(limit("racing", OrderSide::buy, 10, "99.00"), ms(2));
  h.cancel("racing", ms(3));
  h.on_quote(quote("98.90", "99.00", ms(4))); // fills while the cancel travels
  h.submit(limit("open", OrderSide::buy, 10, "90.00"), ms(5));
  EXPECT_EQ(h.eng.prune_finished(), 1u);
  EXPECT_FALSE(h.eng.order("done").has_value());
  EXPECT_TRUE(h.eng.order("racing").has_value());
  EXPECT_TRUE(h.eng.order("open").has_value());
  auto ev = h.advance_to(ms(60));
  ASSERT_EQ(kinds_of(ev), (std::vector<sim_event::kind>{sim_event::kind::cancel_rejected}));
  EXPECT_EQ(ev[0].update.reason, "order already filled");
  EXPECT_EQ(h.eng.prune_finished(), 1u);
  // a forgotten id can be used again; the slot is reused without mixing orders up
  auto again = h.submit(limit("done", OrderSide::sell, 5, "200.00"), ms(70));
  EXPECT_EQ(again[0].what, sim_event::kind::accepted);
  EXPECT_EQ(h.eng.order("done")->side, OrderSide::sell);
  EXPECT_EQ(h.eng.open_orders().size(), 2u);
}

TEST(delay, day_order_still_pending_expires_at_the_close) {
  harness h{config{}.delay(1000)};
  h.on_quote(quote("100.00", "100.02", ms(0)));
  h.submit(market("m", OrderSide::buy, 10), ms(1));
  auto ev = h.session_close(ms(10));
  ASSERT_EQ(kinds_of(ev), (std::vector<sim_event::kind>{sim_event::kind::expired}));
  EXPECT_FALSE(h.eng.next_deadline().has_value()) << "its live timer is gone";
  h.advance_to(ms(2000));
  EXPECT_TRUE(fills_of(h.all).empty());
}

} // namespace
} // namespace engine::sim::testing
