// Time in force: day, gtc, ioc, fok, opg, cls and gtd, each with its exact outcome.
#include "sim_checkers.hpp"

namespace engine::sim::testing {
namespace {

using S = OrderSide;
using St = OrderStatus;
using T = TimeInForce;
using K = sim_event::kind;

// One row: an order against a quote of 100.00 x 100.02 with 30 shares a side,
// then the session closes; exact fills and final state.
struct tif_case {
  std::string name;
  OrderRequest order;
  std::vector<expected_fill> fills;
  St status;
  const char* reason;
  const char* executed;
};

class tif_rule : public ::testing::TestWithParam<tif_case> {};

TEST_P(tif_rule, ends_as_expected) {
  const auto& c = GetParam();
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1), 30, 30));
  h.submit(c.order, ms(2));
  h.session_close(ms(3));
  expect_fills(h.all, c.fills);
  auto x = h.eng.order(c.order.order_id);
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->status, c.status);
  EXPECT_EQ(x->reason, c.reason);
  EXPECT_EQ(x->executed_quantity, qty(c.executed));
}

const tif_case tif_cases[] = {
  {"day_limit_expires_at_close", limit("o", S::buy, 10, "99.00"), {}, St::expired,
   reasons::day_expired, "0"},
  {"day_partial_expires_keeping_fills", market("o", S::buy, 100), {{"o", "30", "100.02"}},
   St::expired, reasons::day_expired, "30"},
  {"gtc_survives_close", limit("o", S::buy, 10, "99.00", T::gtc), {}, St::new_, "", "0"},
  {"ioc_partial_cancels_rest", market("o", S::buy, 100, T::ioc), {{"o", "30", "100.02"}},
   St::canceled, reasons::ioc_remainder, "30"},
  {"ioc_full", market("o", S::sell, 20, T::ioc), {{"o", "20", "100.00"}}, St::filled, "", "20"},
  {"ioc_limit_not_marketable", limit("o", S::buy, 10, "99.00", T::ioc), {}, St::canceled,
   reasons::ioc_remainder, "0"},
  {"fok_too_big_never_partial", market("o", S::buy, 100, T::fok), {}, St::canceled,
   reasons::fok_not_filled, "0"},
  {"fok_fits", market("o", S::buy, 30, T::fok), {{"o", "30", "100.02"}}, St::filled, "", "30"},
  {"fok_limit_not_marketable", limit("o", S::sell, 10, "100.01", T::fok), {}, St::canceled,
   reasons::fok_not_filled, "0"},
  {"fok_limit_fits", limit("o", S::sell, 10, "99.99", T::fok), {{"o", "10", "100.00"}},
   St::filled, "", "10"},
};

INSTANTIATE_TEST_SUITE_P(cases, tif_rule, ::testing::ValuesIn(tif_cases),
                         [](const auto& info) { return info.param.name; });

TEST(tif, ioc_and_fok_never_rest) {
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1), 30, 30));
  h.submit(market("i", S::buy, 100, T::ioc), ms(2));
  h.submit(market("f", S::buy, 100, T::fok), ms(3));
  EXPECT_EQ(h.eng.resting_orders(), 0u);
  auto e = last_for(h.all, "i");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->what, K::canceled);
  EXPECT_EQ(e->update.leaves_quantity, qty(0));
}

TEST(tif, ioc_decides_when_live_after_the_delay) {
  harness h{config{}.delay(50)};
  h.on_quote(quote("100.00", "100.02", ms(0), 30, 30));
  h.submit(limit("i", S::buy, 10, "99.99", T::ioc), ms(1));
  EXPECT_EQ(h.status("i"), St::new_); // not live yet: no decision
  h.on_quote(quote("99.97", "99.99", ms(20), 30, 30));
  h.advance_to(ms(51));
  expect_fills(h.all, {{"i", "10", "99.99"}});
  EXPECT_EQ(h.status("i"), St::filled);
}

TEST(tif, opg_only_while_closed_and_executes_at_open) {
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1), 30, 30));
  auto ev = h.submit(market("open_now", S::buy, 10, T::opg), ms(2));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].what, K::rejected);
  EXPECT_EQ(ev[0].update.reason, reasons::opg_while_open);

  h.session_close(ms(3));
  h.submit(market("opg", S::buy, 100, T::opg), ms(4));
  h.submit(limit("opg_lim_no", S::buy, 10, "99.00", T::opg), ms(5));
  h.submit(limit("opg_lim_yes", S::sell, 10, "99.00", T::opg), ms(6));
  h.on_quote(quote("100.10", "100.12", ms(7), 30, 30));
  EXPECT_TRUE(fills_of(h.all).empty()) << "opg waits for the open";
  h.session_open(ms(8));
  // the auction is not modelled: the whole quantity at the market rule price
  expect_fills(h.all, {{"opg", "100", "100.12"}, {"opg_lim_yes", "10", "100.10"}});
  EXPECT_EQ(h.status("opg_lim_no"), St::canceled);
  EXPECT_EQ(h.eng.order("opg_lim_no")->reason, reasons::auction_limit_not_marketable);
}

TEST(tif, opg_not_live_at_open_is_canceled) {
  harness h{config{}.delay(100)};
  h.eng.set_session_open(false);
  h.on_quote(quote("100.00", "100.02", ms(1)));
  h.submit(market("opg", S::buy, 10, T::opg), ms(2));
  h.session_open(ms(50));
  EXPECT_EQ(h.status("opg"), St::canceled);
  EXPECT_EQ(h.eng.order("opg")->reason, reasons::auction_not_live);
  EXPECT_FALSE(h.eng.next_deadline().has_value()) << "its live timer is gone";
}

TEST(tif, cls_executes_at_close_then_day_orders_expire) {
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1), 30, 30));
  h.submit(limit("day", S::buy, 10, "99.00"), ms(2));
  h.submit(market("cls", S::sell, 100, T::cls), ms(3));
  h.on_quote(quote("100.04", "100.06", ms(4), 30, 30));
  EXPECT_TRUE(fills_of(h.all).empty()) << "cls waits for the close";
  auto ev = h.session_close(ms(5));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::fill, K::expired}));
  expect_fills(ev, {{"cls", "100", "100.04"}}); // the last quote's bid
  EXPECT_EQ(ev[1].update.order_id, "day");
  EXPECT_EQ(ev[1].update.reason, reasons::day_expired);
  EXPECT_FALSE(h.eng.session_is_open());
}

TEST(tif, cls_without_any_quote_is_canceled) {
  harness h;
  h.submit(market("cls", S::buy, 10, T::cls), ms(1));
  h.session_close(ms(2));
  EXPECT_EQ(h.status("cls"), St::canceled);
  EXPECT_EQ(h.eng.order("cls")->reason, reasons::auction_no_quote);
}

TEST(tif, gtd_expires_at_its_time_via_next_deadline) {
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1)));
  auto o = limit("g", S::buy, 10, "99.00", T::gtd);
  o.expire_time = ms(5000);
  h.submit(o, ms(2));
  ASSERT_TRUE(h.eng.next_deadline().has_value());
  EXPECT_EQ(*h.eng.next_deadline(), ms(5000));
  EXPECT_TRUE(h.advance_to(ms(4999)).empty());
  auto ev = h.advance_to(*h.eng.next_deadline());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].what, K::expired);
  EXPECT_EQ(ev[0].update.reason, reasons::gtd_expired);
  EXPECT_EQ(ev[0].update.timestamp, ms(5000));
  EXPECT_FALSE(h.eng.next_deadline().has_value());
  // a gtd order survives the close
  auto o2 = limit("g2", S::buy, 10, "99.00", T::gtd);
  o2.expire_time = ms(9000);
  h.submit(o2, ms(6000));
  h.session_close(ms(7000));
  EXPECT_EQ(h.status("g2"), St::new_);
}

TEST(tif, filled_gtd_leaves_no_timer) {
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1)));
  auto o = limit("g", S::buy, 10, "100.02", T::gtd);
  o.expire_time = ms(5000);
  h.submit(o, ms(2));
  EXPECT_EQ(h.status("g"), St::filled);
  EXPECT_FALSE(h.eng.next_deadline().has_value());
}

} // namespace
} // namespace engine::sim::testing
