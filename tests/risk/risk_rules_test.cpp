// Tests of the pre-trade risk rules: every reason rejecting, every limit passing at its boundary,
// the kill switch states, the daily trade count and the order-rate window.
#include "actors/risk/risk_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace engine {
namespace {

Money M(const char* s) { return *Money::parse(s); }
Price P(const char* s) { return *Price::parse(s); }
Quantity Q(const char* s) { return *Quantity::parse(s); }
Rate R(const char* s) { return *Rate::parse(s); }

constexpr auto buy = OrderSide::buy;
constexpr auto sell = OrderSide::sell;
constexpr timestamp_ns ms = 1'000'000;

/// The reject reason, or none when accepted: keeps a wrongly accepted order a failure, not a crash.
RejectReason reason_of(const std::optional<refusal>& r) {
  return r ? r->code : RejectReason::none;
}

OrderRequest order(OrderSide side, OrderType type, const char* qty, const char* price = "0",
                   const char* stop = "0", const char* ticker = "AAPL") {
  OrderRequest o;
  o.ticker = ticker;
  o.side = side;
  o.order_type = type;
  o.quantity = Q(qty);
  o.price = P(price);
  o.stop_price = P(stop);
  return o;
}

OrderRequest market(OrderSide side, const char* qty) {
  return order(side, OrderType::market, qty);
}
OrderRequest limit(OrderSide side, const char* qty, const char* px) {
  return order(side, OrderType::limit, qty, px);
}

Fill fill(const char* exec_id, OrderSide side, const char* qty, const char* px,
          const char* ticker = "AAPL") {
  Fill f;
  f.exec_id = exec_id;
  f.ticker = ticker;
  f.side = side;
  f.quantity = Q(qty);
  f.price = P(px);
  return f;
}

enum class holding { flat, long_100, short_100 };

// One case: limits (all off unless set), the AAPL position at $100 (cash 100000 when flat),
// fills already counted today, the order and the expected outcome ("" = accepted).
struct risk_case {
  const char* name;
  RiskLimits limits;
  holding pos;
  int fills_today;
  OrderRequest order;
  RejectReason reason; // none when the order must pass
  const char* detail; // a substring of the detail, or ""
};

RiskLimits with(TradingState s) {
  RiskLimits l;
  l.trading_state = s;
  return l;
}
RiskLimits collar(const char* c) {
  RiskLimits l;
  l.price_collar = R(c);
  return l;
}
RiskLimits order_size(const char* m) {
  RiskLimits l;
  l.max_order_size = M(m);
  return l;
}
RiskLimits position_size(const char* r) {
  RiskLimits l;
  l.max_position_size = R(r);
  return l;
}
RiskLimits daily_trades(int64_t n) {
  RiskLimits l;
  l.max_daily_trades = n;
  return l;
}
const RiskLimits none{};

OrderRequest with_ticker(OrderRequest o, const char* t) {
  o.ticker = t;
  return o;
}
OrderRequest trailing(OrderSide side, const char* qty) {
  return order(side, OrderType::trailing_stop, qty);
}

// Runs one case on a fresh book and rules: last price and mark of AAPL are 100.
std::optional<refusal> run(const risk_case& c) {
  position_book book(M("100000"));
  if (c.pos == holding::long_100) {
    EXPECT_TRUE(book.apply_fill(fill("setup", buy, "100", "100"))); // cash 90000, equity 100000
  } else if (c.pos == holding::short_100) {
    EXPECT_TRUE(book.apply_fill(fill("setup", sell, "100", "100"))); // cash 110000
  }
  book.mark("AAPL", P("100"));
  risk_rules rules(c.limits);
  rules.on_last_price("AAPL", P("100"));
  for (int i = 0; i < c.fills_today; ++i)
    rules.on_fill(fill(("F" + std::to_string(i)).c_str(), buy, "1", "100"), 1);
  return rules.check(c.order, book, 0);
}

// clang-format off
const std::vector<risk_case> rejecting = {
  {"halted rejects a new buy",          with(TradingState::halted),   holding::flat,     0, market(buy, "1"),          RejectReason::trading_halted, "halted"},
  {"halted rejects even a reducing sell", with(TradingState::halted), holding::long_100, 0, market(sell, "10"),        RejectReason::trading_halted, ""},
  {"reducing rejects opening",          with(TradingState::reducing), holding::flat,     0, market(buy, "1"),          RejectReason::reducing_only,  "reducing-only"},
  {"reducing rejects increasing",       with(TradingState::reducing), holding::long_100, 0, market(buy, "1"),          RejectReason::reducing_only,  ""},
  {"reducing rejects a flip",           with(TradingState::reducing), holding::long_100, 0, market(sell, "100.000000001"), RejectReason::reducing_only, ""},
  {"reducing rejects adding to a short", with(TradingState::reducing), holding::short_100, 0, market(sell, "1"),       RejectReason::reducing_only,  ""},
  {"zero quantity",                     none, holding::flat, 0, market(buy, "0"),                                     RejectReason::invalid_order, "quantity must be positive"},
  {"negative quantity",                 none, holding::flat, 0, market(buy, "-5"),                                    RejectReason::invalid_order, "quantity must be positive"},
  {"empty ticker",                      none, holding::flat, 0, with_ticker(market(buy, "1"), ""),                    RejectReason::invalid_order, "empty ticker"},
  {"limit without price",               none, holding::flat, 0, limit(buy, "1", "0"),                                 RejectReason::invalid_order, "limit order without a limit price"},
  {"negative limit price",              none, holding::flat, 0, limit(buy, "1", "-1"),                                RejectReason::invalid_order, "negative limit price"},
  {"market with a limit price",         none, holding::flat, 0, order(buy, OrderType::market, "1", "100"),            RejectReason::invalid_order, "market order with a limit price"},
  {"stop without stop price",           none, holding::flat, 0, order(sell, OrderType::stop, "1"),                    RejectReason::invalid_order, "stop order without a stop price"},
  {"negative stop price",               none, holding::flat, 0, order(sell, OrderType::stop, "1", "0", "-2"),         RejectReason::invalid_order, "negative stop price"},
  {"stop_limit without limit",          none, holding::flat, 0, order(sell, OrderType::stop_limit, "1", "0", "99"),   RejectReason::invalid_order, "stop_limit order without a limit price"},
  {"stop_limit without stop",           none, holding::flat, 0, order(sell, OrderType::stop_limit, "1", "99", "0"),   RejectReason::invalid_order, "stop_limit order without a stop price"},
  {"trailing stop without trail",       none, holding::flat, 0, trailing(sell, "1"),                                  RejectReason::invalid_order, "trail"},
  {"notional overflow",                 none, holding::flat, 0, limit(buy, "9000000000", "5000"),                     RejectReason::invalid_order, "notional overflow"},
  {"no reference price",                none, holding::flat, 0, with_ticker(market(buy, "1"), "ZZZ"),                RejectReason::invalid_order, "no reference price"},
  {"collar: buy limit above",           collar("0.05"), holding::flat, 0, limit(buy, "1", "105.000001"),              RejectReason::price_collar, "limit price 105.000001"},
  {"collar: sell limit below",          collar("0.05"), holding::flat, 0, limit(sell, "1", "94.999999"),              RejectReason::price_collar, ""},
  {"collar: stop far away",             collar("0.05"), holding::long_100, 0, order(sell, OrderType::stop, "1", "0", "94.99"), RejectReason::price_collar, "stop price 94.99"},
  {"collar: stop_limit's limit",        collar("0.05"), holding::long_100, 0, order(sell, OrderType::stop_limit, "1", "90", "99"), RejectReason::price_collar, "limit price 90"},
  {"order size at the limit price",     order_size("10000"), holding::flat, 0, limit(buy, "100.01", "100"),          RejectReason::max_order_size, "notional 10001 > max_order_size 10000"},
  {"order size at the last price",      order_size("10000"), holding::flat, 0, market(buy, "101"),                   RejectReason::max_order_size, "notional 10100"},
  {"order size applies to reductions",  order_size("1000"),  holding::long_100, 0, market(sell, "50"),               RejectReason::max_order_size, ""},
  {"position size: opening long",       position_size("0.1"), holding::flat, 0, limit(buy, "100.01", "100"),         RejectReason::max_position_size, "position value 10001"},
  {"position size: adding to a long",   position_size("0.1"), holding::long_100, 0, market(buy, "0.01"),             RejectReason::max_position_size, "of equity 100000"},
  {"position size: opening short",      position_size("0.1"), holding::flat, 0, market(sell, "100.01"),             RejectReason::max_position_size, ""},
  {"position size: flip beyond",        position_size("0.1"), holding::long_100, 0, market(sell, "200.01"),          RejectReason::max_position_size, ""},
  {"daily trades at the limit",         daily_trades(3), holding::flat, 3, market(buy, "1"),                          RejectReason::max_daily_trades, "daily trades 3 >= max_daily_trades 3"},
  {"buying power: buy over cash",       none, holding::flat, 0, limit(buy, "1000.01", "100"),                         RejectReason::buying_power, "buy notional 100001 > cash 100000"},
  {"buying power: long uses cash",      none, holding::long_100, 0, market(buy, "900.01"),                            RejectReason::buying_power, "cash 90000"},
  {"buying power: flip a short",        none, holding::short_100, 0, market(buy, "1100.01"),                          RejectReason::buying_power, ""},
  {"margin: short over 50%",            none, holding::flat, 0, limit(sell, "2000.01", "100"),                        RejectReason::buying_power, "short margin"},
  {"margin: add to a short",            none, holding::short_100, 0, market(sell, "1900.01"),                         RejectReason::buying_power, "short margin"},
  {"margin: flip a long into a short",  none, holding::long_100, 0, market(sell, "2100.01"),                          RejectReason::buying_power, "short margin"},
};

const std::vector<risk_case> passing = {
  {"active accepts",                    with(TradingState::active),   holding::flat,      0, market(buy, "1"),           RejectReason::none, ""},
  {"reducing accepts a partial sell",   with(TradingState::reducing), holding::long_100,  0, market(sell, "40"),         RejectReason::none, ""},
  {"reducing accepts an exact close",   with(TradingState::reducing), holding::long_100,  0, market(sell, "100"),        RejectReason::none, ""},
  {"reducing accepts a partial cover",  with(TradingState::reducing), holding::short_100, 0, limit(buy, "99", "100"),    RejectReason::none, ""},
  {"collar: buy limit at the edge",     collar("0.05"), holding::flat, 0, limit(buy, "1", "105"),                      RejectReason::none, ""},
  {"collar: sell limit at the edge",    collar("0.05"), holding::flat, 0, limit(sell, "1", "95"),                      RejectReason::none, ""},
  {"collar: stop at the edge",          collar("0.05"), holding::long_100, 0, order(sell, OrderType::stop, "1", "0", "95"), RejectReason::none, ""},
  {"collar: no last price, no check",   collar("0.05"), holding::flat, 0, with_ticker(limit(buy, "1", "500"), "ZZZ"),  RejectReason::none, ""},
  {"collar off",                        none, holding::flat, 0, limit(buy, "1", "1000"),                              RejectReason::none, ""},
  {"order size exactly at the limit",   order_size("10000"), holding::flat, 0, limit(buy, "100", "100"),             RejectReason::none, ""},
  {"order size off",                    none, holding::flat, 0, market(buy, "999"),                                   RejectReason::none, ""},
  {"position size exactly 10%",         position_size("0.1"), holding::flat, 0, limit(buy, "100", "100"),            RejectReason::none, ""},
  {"position size: reductions exempt",  position_size("0.05"), holding::long_100, 0, market(sell, "10"),             RejectReason::none, ""},
  {"position size: short exactly 10%",  position_size("0.1"), holding::flat, 0, market(sell, "100"),                 RejectReason::none, ""},
  {"daily trades below the limit",      daily_trades(3), holding::flat, 2, market(buy, "1"),                          RejectReason::none, ""},
  {"daily trades off",                  none, holding::flat, 50, market(buy, "1"),                                    RejectReason::none, ""},
  {"buying power: cash exactly",        none, holding::flat, 0, limit(buy, "1000", "100"),                            RejectReason::none, ""},
  {"buying power: covering is exempt",  none, holding::short_100, 0, limit(buy, "100", "100"),                        RejectReason::none, ""},
  {"margin: short exactly at 50%",      none, holding::flat, 0, limit(sell, "2000", "100"),                           RejectReason::none, ""},
  {"margin: add to a short exactly",    none, holding::short_100, 0, market(sell, "1900"),                            RejectReason::none, ""},
  {"margin: selling a long is exempt",  none, holding::long_100, 0, market(sell, "100"),                              RejectReason::none, ""},
  {"stop order priced off the last",    none, holding::long_100, 0, order(sell, OrderType::stop, "100", "0", "90"),   RejectReason::none, ""},
};
// clang-format on

TEST(risk_rules, each_reason_rejects) {
  for (const auto& c : rejecting) {
    SCOPED_TRACE(c.name);
    auto r = run(c);
    ASSERT_TRUE(r.has_value()) << "accepted but expected " << enum_name(c.reason);
    EXPECT_EQ(r->code, c.reason) << r->detail;
    EXPECT_NE(r->detail.find(c.detail), std::string::npos) << r->detail;
  }
}

TEST(risk_rules, each_limit_passes_at_its_boundary) {
  for (const auto& c : passing) {
    SCOPED_TRACE(c.name);
    auto r = run(c);
    EXPECT_FALSE(r.has_value()) << enum_name(r->code) << ": " << r->detail;
  }
}

TEST(risk_rules, kill_switch_states) {
  position_book book(M("100000"));
  ASSERT_TRUE(book.apply_fill(fill("1", buy, "100", "100")));
  risk_rules rules(RiskLimits{});
  rules.on_last_price("AAPL", P("100"));
  EXPECT_FALSE(rules.check(market(buy, "1"), book, 0));
  EXPECT_FALSE(rules.check(market(sell, "1"), book, 0));

  rules.set_trading_state(TradingState::reducing);
  EXPECT_EQ(rules.limits().trading_state, TradingState::reducing);
  EXPECT_EQ(reason_of(rules.check(market(buy, "1"), book, 0)), RejectReason::reducing_only);
  EXPECT_EQ(reason_of(rules.check(market(sell, "101"), book, 0)), RejectReason::reducing_only);
  EXPECT_EQ(reason_of(rules.check(with_ticker(market(buy, "1"), "MSFT"), book, 0)),
            RejectReason::reducing_only); // flat elsewhere: nothing to reduce
  EXPECT_FALSE(rules.check(market(sell, "100"), book, 0));

  rules.set_trading_state(TradingState::halted);
  EXPECT_EQ(reason_of(rules.check(market(sell, "100"), book, 0)), RejectReason::trading_halted);
  EXPECT_EQ(reason_of(rules.check(market(buy, "0"), book, 0)), RejectReason::trading_halted); // first check

  // A new limit set carries its own state.
  RiskLimits l;
  l.max_order_size = M("50");
  rules.set_limits(l);
  EXPECT_EQ(rules.trading_state(), TradingState::active);
  EXPECT_EQ(reason_of(rules.check(market(buy, "1"), book, 0)), RejectReason::max_order_size);
  EXPECT_FALSE(rules.check(market(buy, "0.5"), book, 0));
}

TEST(risk_rules, rate_limit_counts_accepted_orders_in_a_trailing_second) {
  position_book book(M("100000"));
  RiskLimits l;
  l.max_orders_per_second = 3;
  risk_rules rules(l);
  rules.on_last_price("AAPL", P("10"));
  auto ok = market(buy, "1");
  EXPECT_FALSE(rules.check(ok, book, 0));
  EXPECT_FALSE(rules.check(ok, book, 100 * ms));
  // A rejected order does not use up the budget.
  EXPECT_EQ(reason_of(rules.check(market(buy, "0"), book, 150 * ms)), RejectReason::invalid_order);
  EXPECT_FALSE(rules.check(ok, book, 200 * ms));
  auto r = rules.check(ok, book, 300 * ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, RejectReason::rate_limit);
  EXPECT_NE(r->detail.find("3 orders in the last second"), std::string::npos) << r->detail;
  // Window (now − 1 s, now]: the order at 0 still counts 1 ns before its second is up ...
  EXPECT_EQ(reason_of(rules.check(ok, book, 1000 * ms - 1)), RejectReason::rate_limit);
  // ... and is gone exactly one second later.
  EXPECT_FALSE(rules.check(ok, book, 1000 * ms));
  EXPECT_EQ(reason_of(rules.check(ok, book, 1000 * ms + 1)), RejectReason::rate_limit);
  EXPECT_FALSE(rules.check(ok, book, 1100 * ms));
  // After a quiet second the full budget is back.
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(rules.check(ok, book, 5000 * ms));
  EXPECT_EQ(reason_of(rules.check(ok, book, 5000 * ms)), RejectReason::rate_limit);
}

TEST(risk_rules, rate_limit_off_accepts_bursts) {
  position_book book(M("100000"));
  risk_rules rules(RiskLimits{});
  rules.on_last_price("AAPL", P("10"));
  for (int i = 0; i < 1000; ++i)
    ASSERT_FALSE(rules.check(market(buy, "1"), book, 42));
}

TEST(risk_rules, daily_trades_count_fills_and_reset_on_a_new_day) {
  position_book book(M("100000"));
  risk_rules rules(daily_trades(2));
  rules.on_last_price("AAPL", P("10"));
  // A repeated exec id is the position book's to drop: the rules are told a fill once.
  auto a = fill("A", buy, "1", "10");
  ASSERT_TRUE(book.apply_fill(a));
  rules.on_fill(a, 7);
  ASSERT_FALSE(book.apply_fill(a));
  EXPECT_EQ(rules.daily_trades(), 1);
  EXPECT_FALSE(rules.check(market(buy, "1"), book, 0));
  rules.on_fill(fill("B", buy, "1", "10"), 7);
  EXPECT_EQ(reason_of(rules.check(market(buy, "1"), book, 0)), RejectReason::max_daily_trades);
  rules.start_day(7); // same day: nothing
  EXPECT_EQ(rules.daily_trades(), 2);
  rules.start_day(8);
  EXPECT_EQ(rules.daily_trades(), 0);
  EXPECT_FALSE(rules.check(market(buy, "1"), book, 0));
  // A fill of a new day resets first, then counts.
  rules.on_fill(fill("C", buy, "1", "10"), 8);
  rules.on_fill(fill("D", buy, "1", "10"), 9);
  EXPECT_EQ(rules.daily_trades(), 1);
}

TEST(risk_rules, margin_rule_uses_the_marked_equity) {
  // Long 100 MSFT bought at 50, now marked at 40: equity 99000 (cash 95000 + 4000).
  position_book book(M("100000"));
  ASSERT_TRUE(book.apply_fill(fill("m", buy, "100", "50", "MSFT")));
  book.mark("MSFT", P("40"));
  ASSERT_EQ(book.equity(), M("99000"));
  risk_rules rules(RiskLimits{});
  rules.on_last_price("AAPL", P("100"));
  // Shorts may reach 2 × equity = 198000 of notional: 1980 AAPL at 100.
  EXPECT_FALSE(rules.check(limit(sell, "1980", "100"), book, 0));
  auto r = rules.check(limit(sell, "1980.01", "100"), book, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, RejectReason::buying_power);
  EXPECT_NE(r->detail.find("equity after order 99000 < 50% of short notional 198001"),
            std::string::npos)
    << r->detail;
  // Selling above the mark adds the difference to equity after the order.
  book.mark("AAPL", P("100"));
  EXPECT_FALSE(rules.check(limit(sell, "1990", "101"), book, 0)); // equity 100990 >= 99500
}

TEST(risk_rules, overflow_anywhere_is_an_invalid_order_not_a_crash) {
  position_book book(M("100000"));
  risk_rules rules(RiskLimits{});
  rules.on_last_price("AAPL", P("1000000"));
  // Quantity that fits, notional that does not: 9e9 shares × $1e6.
  auto r = rules.check(market(buy, "9000000000"), book, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, RejectReason::invalid_order);
  EXPECT_EQ(r->detail, "notional overflow");
  // Resulting position that does not fit a Quantity.
  ASSERT_TRUE(book.apply_fill(fill("big", sell, "9000000000", "0.0001")));
  auto r2 = rules.check(market(sell, "9000000000"), book, 0);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->code, RejectReason::invalid_order);
  EXPECT_EQ(r2->detail, "quantity overflow");
}

} // namespace
} // namespace engine
