// Shared builders (quotes, orders, configs) and checkers (fills, statuses) for fill engine tests.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "brokers/sim/fill_engine.hpp"
#include "messages/json_writer.hpp"

namespace engine {

/// Prints decimals as text in GoogleTest failure messages.
template <class Tag, int Digits>
void PrintTo(const decimal<Tag, Digits>& d, std::ostream* os) {
  *os << d.to_string();
}

/// Prints enums by their wire name.
inline void PrintTo(OrderStatus s, std::ostream* os) { *os << enum_name(s); }

} // namespace engine

namespace engine::sim {
inline void PrintTo(sim_event::kind k, std::ostream* os) { *os << enum_name(k); }
} // namespace engine::sim

namespace engine::sim::testing {

constexpr timestamp_ns ms(int64_t n) { return n * 1'000'000; }

inline Price px(const char* s) {
  auto p = Price::parse(s);
  EXPECT_TRUE(p.has_value()) << s;
  return p.value_or(Price{});
}
inline Quantity qty(const char* s) {
  auto q = Quantity::parse(s);
  EXPECT_TRUE(q.has_value()) << s;
  return q.value_or(Quantity{});
}
inline Quantity qty(int64_t n) { return Quantity::from_units(n); }
inline Quantity qty(int n) { return Quantity::from_units(n); } // qty(0) is not a null string
inline Rate rate(const char* s) {
  auto r = Rate::parse(s);
  EXPECT_TRUE(r.has_value()) << s;
  return r.value_or(Rate{});
}
inline Money money(const char* s) {
  auto m = Money::parse(s);
  EXPECT_TRUE(m.has_value()) << s;
  return m.value_or(Money{});
}

/// A quote with 1,000 shares a side unless told otherwise.
inline Quote quote(const char* bid, const char* ask, timestamp_ns at, int64_t bid_size = 1000,
                   int64_t ask_size = 1000, const std::string& ticker = "AAPL") {
  Quote q;
  q.ticker = ticker;
  q.bid = px(bid);
  q.ask = px(ask);
  q.bid_size = qty(bid_size);
  q.ask_size = qty(ask_size);
  q.timestamp = at;
  return q;
}

inline Trade trade(int64_t size, timestamp_ns at, const std::string& ticker = "AAPL") {
  Trade t;
  t.ticker = ticker;
  t.price = px("100");
  t.size = qty(size);
  t.timestamp = at;
  return t;
}

inline OrderRequest order(const std::string& id, OrderSide side, OrderType type, int64_t n,
                          TimeInForce tif = TimeInForce::day,
                          const std::string& ticker = "AAPL") {
  OrderRequest o;
  o.order_id = id;
  o.client_order_id = "c-" + id;
  o.ticker = ticker;
  o.side = side;
  o.order_type = type;
  o.quantity = qty(n);
  o.time_in_force = tif;
  o.strategy = "test";
  return o;
}
inline OrderRequest market(const std::string& id, OrderSide side, int64_t n,
                           TimeInForce tif = TimeInForce::day) {
  return order(id, side, OrderType::market, n, tif);
}
inline OrderRequest limit(const std::string& id, OrderSide side, int64_t n, const char* price,
                          TimeInForce tif = TimeInForce::day) {
  auto o = order(id, side, OrderType::limit, n, tif);
  o.price = px(price);
  return o;
}
inline OrderRequest stop(const std::string& id, OrderSide side, int64_t n, const char* trigger,
                         TimeInForce tif = TimeInForce::day) {
  auto o = order(id, side, OrderType::stop, n, tif);
  o.stop_price = px(trigger);
  return o;
}
inline OrderRequest stop_limit(const std::string& id, OrderSide side, int64_t n,
                               const char* trigger, const char* price,
                               TimeInForce tif = TimeInForce::day) {
  auto o = order(id, side, OrderType::stop_limit, n, tif);
  o.stop_price = px(trigger);
  o.price = px(price);
  return o;
}
inline OrderRequest trail_amount(const std::string& id, OrderSide side, int64_t n,
                                 const char* amount) {
  auto o = order(id, side, OrderType::trailing_stop, n);
  o.trail_amount = px(amount);
  return o;
}
inline OrderRequest trail_percent(const std::string& id, OrderSide side, int64_t n,
                                  const char* fraction) {
  auto o = order(id, side, OrderType::trailing_stop, n);
  o.trail_percent = rate(fraction);
  return o;
}

/// Config builder: zero costs, no delays, unless set.
struct config {
  simulator_config c;
  config& multiplier(const char* m) { c.spread_multiplier = rate(m); return *this; }
  config& slippage(const char* bps) { c.slippage_bps = rate(bps); return *this; }
  config& impact(const char* bps) { c.impact_bps_per_1000 = rate(bps); return *this; }
  config& commission(const char* r, const char* min) {
    c.commission_rate = rate(r);
    c.min_commission = money(min);
    return *this;
  }
  config& delay(int64_t exec_ms, int64_t cancel_ms = 0) {
    c.execution_delay_ms = exec_ms;
    c.cancel_delay_ms = cancel_ms;
    return *this;
  }
  config& participation(const char* r) { c.participation_rate = rate(r); return *this; }
  config& closed_rejects() { c.reject_outside_session = true; return *this; }
  operator simulator_config() const { return c; }
};

/// An engine plus the log of everything it said; each call returns its own events.
struct harness {
  fill_engine eng;
  std::vector<sim_event> all;

  explicit harness(simulator_config c = config{}) : eng(std::move(c)) {}

  std::vector<sim_event> keep(std::vector<sim_event> ev) {
    all.insert(all.end(), ev.begin(), ev.end());
    return ev;
  }
  std::vector<sim_event> submit(const OrderRequest& o, timestamp_ns at) {
    std::vector<sim_event> ev;
    eng.submit(o, at, ev);
    return keep(std::move(ev));
  }
  std::vector<sim_event> on_quote(const Quote& q) {
    std::vector<sim_event> ev;
    eng.on_quote(q, ev);
    return keep(std::move(ev));
  }
  std::vector<sim_event> on_trade(const Trade& t) {
    std::vector<sim_event> ev;
    eng.on_trade(t, ev);
    return keep(std::move(ev));
  }
  std::vector<sim_event> cancel(const std::string& id, timestamp_ns at) {
    CancelRequest c;
    c.order_id = id;
    std::vector<sim_event> ev;
    eng.cancel(c, at, ev);
    return keep(std::move(ev));
  }
  std::vector<sim_event> replace(const ReplaceRequest& r, timestamp_ns at) {
    std::vector<sim_event> ev;
    eng.replace(r, at, ev);
    return keep(std::move(ev));
  }
  std::vector<sim_event> advance_to(timestamp_ns at) {
    std::vector<sim_event> ev;
    eng.advance_to(at, ev);
    return keep(std::move(ev));
  }
  std::vector<sim_event> session_open(timestamp_ns at) {
    std::vector<sim_event> ev;
    eng.session_open(at, ev);
    return keep(std::move(ev));
  }
  std::vector<sim_event> session_close(timestamp_ns at) {
    std::vector<sim_event> ev;
    eng.session_close(at, ev);
    return keep(std::move(ev));
  }
  OrderStatus status(const std::string& id) const {
    auto o = eng.order(id);
    EXPECT_TRUE(o.has_value()) << id;
    return o ? o->status : OrderStatus::pending_new;
  }
};

/// One expected execution, to the cent; commission "" means "not checked".
struct expected_fill {
  std::string order_id;
  const char* quantity;
  const char* price;
  const char* commission = "";
};

inline std::vector<Fill> fills_of(const std::vector<sim_event>& ev) {
  std::vector<Fill> r;
  for (const auto& e : ev)
    if (e.what == sim_event::kind::fill)
      r.push_back(e.fill);
  return r;
}

inline std::vector<sim_event::kind> kinds_of(const std::vector<sim_event>& ev) {
  std::vector<sim_event::kind> r;
  for (const auto& e : ev)
    r.push_back(e.what);
  return r;
}

/// Checks the fills among ev are exactly `want`, in order.
inline void expect_fills(const std::vector<sim_event>& ev, const std::vector<expected_fill>& want) {
  auto got = fills_of(ev);
  ASSERT_EQ(got.size(), want.size()) << "fill count";
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("fill " + std::to_string(i));
    EXPECT_EQ(got[i].order_id, want[i].order_id);
    EXPECT_EQ(got[i].quantity, qty(want[i].quantity))
      << got[i].quantity.to_string() << " != " << want[i].quantity;
    EXPECT_EQ(got[i].price, px(want[i].price))
      << got[i].price.to_string() << " != " << want[i].price;
    if (*want[i].commission != '\0') {
      EXPECT_EQ(got[i].commission, money(want[i].commission))
        << got[i].commission.to_string() << " != " << want[i].commission;
    }
  }
}

/// The last event about order id (nullptr if none).
inline const sim_event* last_for(const std::vector<sim_event>& ev, const std::string& id) {
  for (auto it = ev.rbegin(); it != ev.rend(); ++it)
    if (it->update.order_id == id)
      return &*it;
  return nullptr;
}

/// A scenario: quotes before the order, the order, quotes after; the exact fills
/// and final status expected. Quotes are 1 ms apart; the order comes between.
struct scenario {
  std::string name;
  simulator_config cfg;
  std::vector<Quote> before;
  OrderRequest order;
  std::vector<Quote> after;
  std::vector<expected_fill> fills;
  OrderStatus final_status;
};

inline std::vector<sim_event> run_scenario(const scenario& s) {
  harness h{s.cfg};
  timestamp_ns t = ms(1);
  for (auto q : s.before) {
    q.timestamp = t;
    t += ms(1);
    h.on_quote(q);
  }
  h.submit(s.order, t);
  t += ms(1);
  for (auto q : s.after) {
    q.timestamp = t;
    t += ms(1);
    h.on_quote(q);
  }
  expect_fills(h.all, s.fills);
  EXPECT_EQ(h.status(s.order.order_id), s.final_status)
    << enum_name(h.status(s.order.order_id));
  return h.all;
}

inline std::ostream& operator<<(std::ostream& os, const scenario& s) { return os << s.name; }

namespace {
/// Table rows (each file's own struct with a `name`) print as their name in failures.
template <class Row>
auto operator<<(std::ostream& os, const Row& r)
  -> std::enable_if_t<std::is_same_v<decltype(r.name), const std::string>, std::ostream&> {
  return os << r.name;
}
} // namespace

} // namespace engine::sim::testing
