// Replace: same order id, new quantity/prices, a `replaced` event; refusals as cancel_rejected.
#include "sim_checkers.hpp"

namespace engine::sim::testing {
namespace {

using S = OrderSide;
using St = OrderStatus;
using K = sim_event::kind;

ReplaceRequest rep(const std::string& id, const char* q, const char* price,
                   const char* stop_px = "0") {
  ReplaceRequest r;
  r.order_id = id;
  r.quantity = qty(q);
  r.price = px(price);
  r.stop_price = px(stop_px);
  return r;
}

// One row: a setup of resting orders, one replace, what comes out.
struct replace_case {
  std::string name;
  OrderRequest order;
  int64_t fill_first; // shares filled before the replace (ask size of a crossing quote)
  ReplaceRequest replace;
  const char* refusal; // nullptr = replaced
  const char* quantity_after;
  const char* price_after;
};

class replace_rule : public ::testing::TestWithParam<replace_case> {};

TEST_P(replace_rule, replaces_or_refuses) {
  const auto& c = GetParam();
  harness h;
  h.on_quote(quote("99.00", "101.00", ms(1)));
  h.submit(c.order, ms(2));
  if (c.fill_first > 0) {
    // cross the order partly, then move away again
    h.on_quote(quote("99.00", c.order.price.to_string().c_str(), ms(3), 1000, c.fill_first));
    h.on_quote(quote("99.00", "101.00", ms(4), 1000, 1000));
  }
  auto ev = h.replace(c.replace, ms(5));
  ASSERT_EQ(ev.size(), 1u);
  auto x = h.eng.order(c.order.order_id);
  ASSERT_TRUE(x.has_value());
  if (c.refusal != nullptr) {
    EXPECT_EQ(ev[0].what, K::cancel_rejected);
    EXPECT_EQ(ev[0].update.reason, c.refusal);
    if (c.replace.order_id == c.order.order_id) {
      EXPECT_EQ(ev[0].update.status, x->status);
    }
  } else {
    EXPECT_EQ(ev[0].what, K::replaced);
    EXPECT_EQ(ev[0].replacement.order_id, c.order.order_id);
    EXPECT_EQ(ev[0].replacement.quantity, qty(c.quantity_after));
    EXPECT_EQ(ev[0].replacement.price, px(c.price_after));
    EXPECT_EQ(ev[0].update.leaves_quantity, qty(c.quantity_after) - x->executed_quantity);
    EXPECT_EQ(ev[0].update.status, c.fill_first > 0 ? St::partially_filled : St::new_);
  }
  EXPECT_EQ(x->quantity, qty(c.quantity_after));
  EXPECT_EQ(x->price, px(c.price_after));
}

const replace_case replace_cases[] = {
  {"quantity_up", limit("l", S::buy, 10, "100.00"), 0, rep("l", "20", "0"), nullptr, "20",
   "100.00"},
  {"quantity_down", limit("l", S::buy, 10, "100.00"), 0, rep("l", "5", "0"), nullptr, "5",
   "100.00"},
  {"price_only", limit("l", S::buy, 10, "100.00"), 0, rep("l", "0", "99.50"), nullptr, "10",
   "99.50"},
  {"both", limit("l", S::sell, 10, "102.00"), 0, rep("l", "7", "102.50"), nullptr, "7",
   "102.50"},
  {"above_executed", limit("l", S::buy, 10, "100.00"), 4, rep("l", "5", "0"), nullptr, "5",
   "100.00"},
  {"not_below_executed", limit("l", S::buy, 10, "100.00"), 4, rep("l", "3", "0"),
   reasons::replace_quantity_not_above_executed, "10", "100.00"},
  {"not_equal_to_executed", limit("l", S::buy, 10, "100.00"), 4, rep("l", "4", "0"),
   reasons::replace_quantity_not_above_executed, "10", "100.00"},
  {"nothing_to_change", limit("l", S::buy, 10, "100.00"), 0, rep("l", "0", "0"),
   reasons::replace_nothing, "10", "100.00"},
  {"negative_quantity", limit("l", S::buy, 10, "100.00"), 0, rep("l", "-1", "0"),
   reasons::replace_quantity_not_positive, "10", "100.00"},
  {"negative_price", limit("l", S::buy, 10, "100.00"), 0, rep("l", "0", "-1"),
   reasons::replace_negative_price, "10", "100.00"},
  {"stop_price_on_limit", limit("l", S::buy, 10, "100.00"), 0, rep("l", "0", "0", "99"),
   reasons::replace_stop_price_not_allowed, "10", "100.00"},
  {"price_on_stop", stop("s", S::buy, 10, "102.00"), 0, rep("s", "0", "99"),
   reasons::replace_price_not_allowed, "10", "0"},
  {"unknown", limit("l", S::buy, 10, "100.00"), 0, rep("zz", "5", "0"), reasons::unknown_order,
   "10", "100.00"},
  {"filled", limit("l", S::buy, 10, "100.00"), 10, rep("l", "20", "0"), "order already filled",
   "10", "100.00"},
};

INSTANTIATE_TEST_SUITE_P(cases, replace_rule, ::testing::ValuesIn(replace_cases),
                         [](const auto& info) { return info.param.name; });

TEST(replace, unknown_order_refusal_names_the_id) {
  harness h;
  auto ev = h.replace(rep("zz", "5", "0"), ms(1));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::cancel_rejected}));
  EXPECT_EQ(ev[0].update.order_id, "zz");
  EXPECT_EQ(ev[0].update.reason, reasons::unknown_order);
}

TEST(replace, new_price_that_crosses_fills_at_once_after_the_replaced_event) {
  harness h;
  h.on_quote(quote("99.00", "101.00", ms(1)));
  h.submit(limit("l", S::buy, 10, "100.00"), ms(2));
  auto ev = h.replace(rep("l", "0", "101.50"), ms(3));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::replaced, K::fill}));
  expect_fills(ev, {{"l", "10", "101.00"}});
}

TEST(replace, stop_price_change_can_trigger_at_once) {
  harness h;
  h.on_quote(quote("99.00", "101.00", ms(1)));
  h.submit(stop("s", S::buy, 10, "102.00"), ms(2));
  auto ev = h.replace(rep("s", "0", "0", "100.50"), ms(3));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::replaced, K::fill}));
  expect_fills(ev, {{"s", "10", "101.00"}});
}

TEST(replace, stop_of_a_triggered_stop_limit_cannot_change) {
  harness h;
  h.on_quote(quote("99.00", "101.00", ms(1)));
  h.submit(stop_limit("sl", S::buy, 10, "102.00", "102.10"), ms(2));
  h.on_quote(quote("102.00", "102.50", ms(3))); // triggered, above the limit: rests
  EXPECT_EQ(h.status("sl"), St::new_);
  auto ev = h.replace(rep("sl", "0", "0", "103.00"), ms(4));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::cancel_rejected}));
  EXPECT_EQ(ev[0].update.reason, reasons::replace_stop_triggered);
  // its limit can still move, and the new limit crosses
  ev = h.replace(rep("sl", "0", "102.60"), ms(5));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::replaced, K::fill}));
  expect_fills(ev, {{"sl", "10", "102.50"}});
}

TEST(replace, refused_while_a_cancel_is_in_flight) {
  harness h{config{}.delay(0, 50)};
  h.on_quote(quote("99.00", "101.00", ms(1)));
  h.submit(limit("l", S::buy, 10, "100.00"), ms(2));
  h.cancel("l", ms(3));
  auto ev = h.replace(rep("l", "20", "0"), ms(4));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::cancel_rejected}));
  EXPECT_EQ(ev[0].update.reason, reasons::cancel_pending);
  EXPECT_EQ(ev[0].update.status, St::pending_cancel);
}

TEST(replace, less_quantity_keeps_time_priority_more_loses_it) {
  for (bool increase : {false, true}) {
    SCOPED_TRACE(increase ? "increase" : "decrease");
    harness h;
    h.on_quote(quote("99.00", "101.00", ms(1)));
    h.submit(limit("a", S::buy, 50, "100.00"), ms(2));
    h.submit(limit("b", S::buy, 50, "100.00"), ms(3));
    h.replace(rep("a", increase ? "60" : "40", "0"), ms(4));
    h.on_quote(quote("99.00", "100.00", ms(5), 1000, 45));
    if (increase) {
      expect_fills(h.all, {{"b", "45", "100.00"}});
    } else {
      expect_fills(h.all, {{"a", "40", "100.00"}, {"b", "5", "100.00"}});
    }
  }
}

TEST(replace, pending_order_takes_the_new_values_when_it_goes_live) {
  harness h{config{}.delay(100)};
  h.on_quote(quote("99.00", "101.00", ms(0)));
  h.submit(limit("l", S::buy, 10, "100.00"), ms(0));
  auto ev = h.replace(rep("l", "15", "101.00"), ms(10));
  ASSERT_EQ(kinds_of(ev), (std::vector<K>{K::replaced}));
  h.advance_to(ms(100));
  expect_fills(h.all, {{"l", "15", "101.00"}});
}

} // namespace
} // namespace engine::sim::testing
