// Market data messages: quotes, trades, bars and the seed's MarketData snapshot.
#pragma once

#include <string>
#include <vector>

#include "messages/decimal.hpp"
#include "messages/field.hpp"
#include "messages/orders.hpp"

namespace engine {

struct Quote {
  std::string ticker;
  Price bid;
  Price ask;
  Quantity bid_size;
  Quantity ask_size;
  timestamp_ns timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Quote& x) {
  return f(caf::meta::type_name("Quote"), ENGINE_FIELD(x, ticker), ENGINE_FIELD(x, bid),
           ENGINE_FIELD(x, ask), ENGINE_FIELD(x, bid_size), ENGINE_FIELD(x, ask_size),
           ENGINE_FIELD(x, timestamp));
}

/// The mid of a quote, rounded half-even to the price scale (a mark, never a fill price).
inline Price mid_price(const Quote& q) {
  __int128 sum = static_cast<__int128>(q.bid.raw()) + q.ask.raw();
  return Price::from_raw(*detail::div_round(sum, 2, rounding::half_even));
}

/// Many quotes in one message: one CAF message per quote caps throughput.
struct QuoteBatch {
  std::vector<Quote> quotes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, QuoteBatch& x) {
  return f(caf::meta::type_name("QuoteBatch"), ENGINE_FIELD(x, quotes));
}

struct Trade {
  std::string ticker;
  Price price;
  Quantity size;
  timestamp_ns timestamp = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Trade& x) {
  return f(caf::meta::type_name("Trade"), ENGINE_FIELD(x, ticker), ENGINE_FIELD(x, price),
           ENGINE_FIELD(x, size), ENGINE_FIELD(x, timestamp));
}

struct Bar {
  std::string ticker;
  Price open;
  Price high;
  Price low;
  Price close;
  Quantity volume;
  timestamp_ns timestamp = 0; // start of the bar
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Bar& x) {
  return f(caf::meta::type_name("Bar"), ENGINE_FIELD(x, ticker), ENGINE_FIELD(x, open),
           ENGINE_FIELD(x, high), ENGINE_FIELD(x, low), ENGINE_FIELD(x, close),
           ENGINE_FIELD(x, volume), ENGINE_FIELD(x, timestamp));
}

/// The seed's MarketData snapshot answered by get_market_data.
struct MarketData {
  std::string ticker;
  Price bid;
  Price ask;
  Price last;
  Quantity volume;
  timestamp_ns timestamp = 0;
  Price spread;
  Rate volatility; // annualised, as a fraction
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, MarketData& x) {
  return f(caf::meta::type_name("MarketData"), ENGINE_FIELD(x, ticker), ENGINE_FIELD(x, bid),
           ENGINE_FIELD(x, ask), ENGINE_FIELD(x, last), ENGINE_FIELD(x, volume),
           ENGINE_FIELD(x, timestamp), ENGINE_FIELD(x, spread), ENGINE_FIELD(x, volatility));
}

} // namespace engine
