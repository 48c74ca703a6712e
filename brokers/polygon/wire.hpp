// Polygon's stocks protocol as values: WebSocket event arrays and REST answers <-> structs (no sockets).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/market.hpp"

namespace engine::polygon {

// --- WebSocket (wss://socket.polygon.io/stocks) -------------------------------
// Every frame is a JSON array of events, each with "ev": Q (quote), T (trade),
// AM (minute aggregate) or status. Timestamps are Unix milliseconds. Prices
// and sizes are read from the number's own text, never through a double.

/// ev "Q": an NBBO quote.
struct ws_quote {
  std::string sym;
  int bid_exchange = 0; // bx
  int ask_exchange = 0; // ax
  Price bid;            // bp
  Price ask;            // ap
  Quantity bid_size;    // bs
  Quantity ask_size;    // as
  std::optional<int> condition; // c: one integer for quotes
  std::vector<int> indicators;  // i
  int64_t t_ms = 0;             // t: SIP timestamp, ms
  std::optional<int64_t> seq;   // q
  int tape = 0;                 // z: 1 NYSE, 2 AMEX, 3 Nasdaq
};

/// ev "T": a trade.
struct ws_trade {
  std::string sym;
  int exchange = 0;             // x
  std::string id;               // i: a string for trades
  Price price;                  // p
  Quantity size;                // s
  std::vector<int> conditions;  // c: an array for trades
  int64_t t_ms = 0;             // t
  std::optional<int64_t> seq;   // q
  int tape = 0;                 // z
};

/// ev "AM": a minute bar.
struct ws_bar {
  std::string sym;
  Price open, high, low, close; // o h l c
  std::optional<Price> vwap;    // vw
  Quantity volume;              // v
  std::optional<Quantity> accumulated_volume; // av
  int64_t start_ms = 0;         // s
  int64_t end_ms = 0;           // e
};

/// ev "status": connected, auth_success, auth_failed, success, max_connections, error...
struct ws_status {
  std::string status;
  std::string message;
};

/// One frame, decoded. Events the engine does not use (other ev kinds) are
/// counted; events missing a required field or with a bad number are counted
/// as bad with the first reason kept.
struct ws_frame {
  std::vector<ws_quote> quotes;
  std::vector<ws_trade> trades;
  std::vector<ws_bar> bars;
  std::vector<ws_status> statuses;
  size_t other_events = 0;
  size_t bad_events = 0;
  std::string first_bad; // why the first bad event was bad
};

/// Parses one text frame. False (with `error`) when the frame is not a JSON
/// array or object of events at all: a garbage frame. `out` is cleared first.
bool parse_ws_frame(std::string_view text, ws_frame& out, std::string& error);

/// The engine's messages (milliseconds become nanoseconds).
Quote to_quote(const ws_quote& q);
Trade to_trade(const ws_trade& t);
Bar to_bar(const ws_bar& b);

/// Client messages: {"action":"auth","params":KEY} and
/// {"action":"subscribe","params":"Q.AAPL,T.AAPL"}. The auth text holds the
/// key: send it, never log it.
std::string auth_message(const std::string& key);
std::string subscribe_message(const std::vector<std::string>& channels,
                              const std::vector<std::string>& tickers);
/// "Q.AAPL,T.AAPL,..." channel by channel, ticker by ticker.
std::string subscription_params(const std::vector<std::string>& channels,
                                const std::vector<std::string>& tickers);

// --- REST (https://api.polygon.io) --------------------------------------------
// Timestamps are 19-digit Unix nanoseconds, read as integers.

/// /v2/last/nbbo/{ticker} `results`, or a snapshot's `lastQuote`.
struct rest_quote {
  std::string ticker;
  Price bid;            // p
  Price ask;            // P
  Quantity bid_size;    // s
  Quantity ask_size;    // S
  int bid_exchange = 0; // x
  int ask_exchange = 0; // X
  std::vector<int> conditions; // c
  std::vector<int> indicators; // i
  timestamp_ns sip_ns = 0;     // t
  std::optional<timestamp_ns> participant_ns; // y
  std::optional<int64_t> seq;  // q
};

/// /v2/last/trade/{ticker} `results`, or a snapshot's `lastTrade`.
struct rest_trade {
  std::string ticker;
  Price price;                 // p
  Quantity size;               // s
  int exchange = 0;            // x
  std::string id;              // i
  std::vector<int> conditions; // c
  timestamp_ns sip_ns = 0;     // t
};

/// /v2/snapshot/locale/us/markets/stocks/tickers/{ticker} `ticker`.
struct rest_snapshot {
  std::string ticker;
  std::optional<rest_quote> last_quote;
  std::optional<rest_trade> last_trade;
  timestamp_ns updated_ns = 0;
};

/// A value, or why there is none ("HTTP 401: Unknown API Key", "not JSON").
template <class T>
struct rest_answer {
  std::optional<T> value;
  std::string error;
};

rest_answer<rest_quote> parse_last_quote(int http_status, std::string_view body);
rest_answer<rest_trade> parse_last_trade(int http_status, std::string_view body);
rest_answer<rest_snapshot> parse_snapshot(int http_status, std::string_view body);
/// /v2/aggs/ticker/{ticker}/range/... : bars (`t` start in ms); an answer
/// with no `results` key is an empty list, not an error.
rest_answer<std::vector<Bar>> parse_aggregates(int http_status, std::string_view body);

/// The engine's quote from a REST quote (nanoseconds as sent).
Quote to_quote(const rest_quote& q);
Trade to_trade(const rest_trade& t);

/// REST paths (no key: it goes in the Authorization header).
std::string snapshot_path(const std::string& ticker);
std::string last_quote_path(const std::string& ticker);
std::string last_trade_path(const std::string& ticker);

} // namespace engine::polygon
