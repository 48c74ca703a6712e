// Rejects at submit, each with its reason; rejected orders never rest or fill.
#include "sim_checkers.hpp"

#include <functional>

namespace engine::sim::testing {
namespace {

using S = OrderSide;
using T = TimeInForce;
using K = sim_event::kind;

struct reject_case {
  std::string name;
  std::function<void(harness&)> setup; // besides a quote for AAPL at 1 ms
  OrderRequest order;
  const char* reason; // nullptr = accepted
};

class reject_rule : public ::testing::TestWithParam<reject_case> {};

TEST_P(reject_rule, rejects_with_reason) {
  const auto& c = GetParam();
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1)));
  if (c.setup)
    c.setup(h);
  const size_t resting_before = h.eng.resting_orders();
  auto ev = h.submit(c.order, ms(10));
  ASSERT_FALSE(ev.empty());
  if (c.reason == nullptr) {
    EXPECT_EQ(ev[0].what, K::accepted) << ev[0].update.reason;
    return;
  }
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].what, K::rejected);
  EXPECT_EQ(ev[0].update.status, OrderStatus::rejected);
  EXPECT_EQ(ev[0].update.reason, c.reason);
  EXPECT_EQ(ev[0].update.leaves_quantity, qty(0));
  EXPECT_EQ(ev[0].update.timestamp, ms(10));
  EXPECT_EQ(h.eng.resting_orders(), resting_before);
}

OrderRequest with(OrderRequest o, std::function<void(OrderRequest&)> f) {
  f(o);
  return o;
}

const auto universe = [](harness& h) { h.eng.set_universe({"AAPL", "MSFT"}); };
const auto closed = [](harness& h) { h.eng.set_session_open(false); };

const reject_case reject_cases[] = {
  {"accepted_baseline", {}, market("o", S::buy, 10), nullptr},
  {"missing_order_id", {}, market("", S::buy, 10), reasons::missing_order_id},
  {"duplicate_order_id",
   [](harness& h) { h.submit(limit("o", S::buy, 1, "1.00"), ms(2)); },
   market("o", S::buy, 10), reasons::duplicate_order_id},
  {"duplicate_of_a_rejected_id",
   [](harness& h) { h.submit(market("o", S::buy, 0), ms(2)); },
   market("o", S::buy, 10), reasons::duplicate_order_id},
  {"unknown_ticker", universe, with(market("o", S::buy, 10), [](auto& o) { o.ticker = "ZZZ"; }),
   reasons::unknown_ticker},
  {"known_ticker_in_universe", universe, market("o", S::buy, 10), nullptr},
  {"no_universe_any_ticker_limit", {},
   with(limit("o", S::buy, 10, "5.00"), [](auto& o) { o.ticker = "ZZZ"; }), nullptr},
  {"zero_quantity", {}, market("o", S::buy, 0), reasons::quantity_not_positive},
  {"bracket_order_class",
   {},
   with(limit("o", S::buy, 10, "100.02"),
        [](OrderRequest& o) {
          o.order_class = OrderClass::bracket;
          o.take_profit_limit_price = *Price::parse("105");
          o.stop_loss_stop_price = *Price::parse("95");
        }),
   reasons::unsupported_order_class},
  {"negative_quantity", {}, with(market("o", S::buy, 1), [](auto& o) { o.quantity = qty("-1"); }),
   reasons::quantity_not_positive},
  {"market_with_price", {}, with(market("o", S::buy, 10), [](auto& o) { o.price = px("100"); }),
   reasons::price_not_allowed},
  {"market_with_stop", {},
   with(market("o", S::buy, 10), [](auto& o) { o.stop_price = px("100"); }),
   reasons::stop_price_not_allowed},
  {"limit_without_price", {}, order("o", S::buy, OrderType::limit, 10),
   reasons::limit_price_required},
  {"limit_negative_price", {}, limit("o", S::buy, 10, "-1.00"), reasons::limit_price_required},
  {"stop_without_stop_price", {}, order("o", S::buy, OrderType::stop, 10),
   reasons::stop_price_required},
  {"stop_with_limit_price", {}, with(stop("o", S::buy, 10, "101"), [](auto& o) {
     o.price = px("101");
   }),
   reasons::price_not_allowed},
  {"stop_limit_without_limit", {}, with(stop_limit("o", S::buy, 10, "101", "101"), [](auto& o) {
     o.price = Price{};
   }),
   reasons::limit_price_required},
  {"stop_limit_without_stop", {}, with(stop_limit("o", S::buy, 10, "101", "101"), [](auto& o) {
     o.stop_price = Price{};
   }),
   reasons::stop_price_required},
  {"trailing_without_trail", {}, order("o", S::sell, OrderType::trailing_stop, 10),
   reasons::trail_required},
  {"trailing_with_both", {}, with(trail_amount("o", S::sell, 10, "1"), [](auto& o) {
     o.trail_percent = rate("0.01");
   }),
   reasons::trail_required},
  {"trailing_percent_100", {}, trail_percent("o", S::sell, 10, "1"), reasons::trail_required},
  {"trail_on_limit", {}, with(limit("o", S::buy, 10, "99"), [](auto& o) {
     o.trail_amount = px("1");
   }),
   reasons::trail_not_allowed},
  {"ioc_stop", {}, stop("o", S::buy, 10, "101", T::ioc), reasons::tif_not_supported},
  {"cls_trailing", {}, with(trail_amount("o", S::sell, 10, "1"), [](auto& o) {
     o.time_in_force = T::cls;
   }),
   reasons::tif_not_supported},
  {"gtd_without_expire_time", {}, limit("o", S::buy, 10, "99", T::gtd),
   reasons::gtd_without_expire_time},
  {"gtd_in_the_past", {}, with(limit("o", S::buy, 10, "99", T::gtd), [](auto& o) {
     o.expire_time = ms(10);
   }),
   reasons::gtd_expire_time_passed},
  {"closed_but_not_enforced", closed, limit("o", S::buy, 10, "99"), nullptr},
  {"opg_while_open", {}, market("o", S::buy, 10, T::opg), reasons::opg_while_open},
  {"opg_while_closed", closed, market("o", S::buy, 10, T::opg), nullptr},
  {"no_quote_market", {}, with(market("o", S::buy, 10), [](auto& o) { o.ticker = "MSFT"; }),
   reasons::no_quote},
  {"no_quote_stop", {}, with(stop("o", S::buy, 10, "5"), [](auto& o) { o.ticker = "MSFT"; }),
   reasons::no_quote},
  {"no_quote_ok_for_cls", {},
   with(market("o", S::buy, 10, T::cls), [](auto& o) { o.ticker = "MSFT"; }), nullptr},
};

INSTANTIATE_TEST_SUITE_P(cases, reject_rule, ::testing::ValuesIn(reject_cases),
                         [](const auto& info) { return info.param.name; });

TEST(reject, market_closed_but_opg_still_accepted_when_enforced) {
  harness h{config{}.closed_rejects()};
  h.on_quote(quote("100.00", "100.02", ms(1)));
  h.eng.set_session_open(false);
  auto ev = h.submit(market("o", S::buy, 10, T::opg), ms(2));
  EXPECT_EQ(ev[0].what, K::accepted);
  ev = h.submit(market("p", S::buy, 10), ms(3));
  EXPECT_EQ(ev[0].update.reason, reasons::market_closed);
}

TEST(reject, rejected_order_is_queryable_but_a_duplicate_does_not_overwrite_it) {
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1)));
  h.submit(limit("o", S::buy, 10, "99"), ms(2));
  auto ev = h.submit(market("o", S::sell, 5), ms(3));
  EXPECT_EQ(ev[0].update.reason, reasons::duplicate_order_id);
  auto x = h.eng.order("o");
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->side, S::buy);
  EXPECT_EQ(x->status, OrderStatus::new_);
}

TEST(reject, quotes_outside_the_universe_and_invalid_quotes_are_ignored) {
  harness h;
  h.eng.set_universe({"AAPL"});
  h.on_quote(quote("10.00", "10.01", ms(1), 1000, 1000, "ZZZ"));
  h.on_quote(quote("10.02", "10.01", ms(2))); // crossed
  h.on_quote(quote("0", "10.01", ms(3)));
  EXPECT_EQ(h.eng.ignored_quotes(), 2u);
  auto ev = h.submit(market("o", S::buy, 10), ms(4));
  EXPECT_EQ(ev[0].update.reason, reasons::no_quote);
}

} // namespace
} // namespace engine::sim::testing
