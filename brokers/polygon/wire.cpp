// Polygon's stocks protocol as values: WebSocket event arrays and REST answers <-> structs (no sockets).
#include "brokers/polygon/wire.hpp"

#include <charconv>
#include <cstdio>
#include <utility>

#include <simdjson.h>

namespace engine::polygon {

namespace od = simdjson::ondemand;

namespace {

constexpr int64_t ns_per_ms = 1'000'000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' ||
                        s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// A number's own text (what the sender wrote), or nullopt if not a number.
std::optional<std::string_view> number_text(od::value& v) {
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS || t != od::json_type::number)
    return std::nullopt;
  return trim(v.raw_json_token());
}

bool read_int(od::value& v, int64_t& out) {
  auto text = number_text(v);
  if (!text)
    return false;
  auto r = std::from_chars(text->data(), text->data() + text->size(), out);
  return r.ec == std::errc() && r.ptr == text->data() + text->size();
}

bool read_int(od::value& v, int& out) {
  int64_t x = 0;
  if (!read_int(v, x) || x < INT32_MIN || x > INT32_MAX)
    return false;
  out = static_cast<int>(x);
  return true;
}

template <class D>
bool read_decimal(od::value& v, D& out) {
  auto text = number_text(v);
  if (!text)
    return false;
  auto d = D::parse(*text);
  if (!d)
    return false;
  out = *d;
  return true;
}

bool read_string(od::value& v, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS)
    return false;
  out.assign(s.data(), s.size());
  return true;
}

bool read_int_array(od::value& v, std::vector<int>& out) {
  out.clear();
  od::array a;
  if (v.get_array().get(a) != simdjson::SUCCESS)
    return false;
  for (auto e : a) {
    od::value x;
    int n = 0;
    if (std::move(e).get(x) != simdjson::SUCCESS || !read_int(x, n))
      return false;
    out.push_back(n);
  }
  return true;
}

/// Reads fields into whichever event struct "ev" names; "ev" may come in any position,
/// so every field is read into all candidates that know its key (cheap: a few locals).
struct event_reader {
  std::string ev;
  ws_quote q;
  ws_trade t;
  ws_bar b;
  ws_status st;
  // Which required fields were seen, by kind.
  bool sym = false, bp = false, ap = false, bs = false, as = false, ts = false;
  bool p = false, s = false, tt = false;
  bool o = false, h = false, l = false, c = false, v = false, bs_ms = false;
  bool status = false;
  std::string bad; // first field that could not be read

  void fail(std::string_view key) {
    if (bad.empty())
      bad = "bad or unexpected value for \"" + std::string(key) + "\"";
  }

  void field(std::string_view key, od::value& val) {
    // Keys are one or two letters; compare as text.
    if (key == "ev") {
      if (!read_string(val, ev))
        fail(key);
    } else if (key == "sym") {
      if (!read_string(val, q.sym))
        return fail(key);
      t.sym = q.sym;
      b.sym = q.sym;
      sym = true;
    } else if (key == "status") {
      status = read_string(val, st.status);
      if (!status)
        fail(key);
    } else if (key == "message") {
      read_string(val, st.message);
    } else if (key == "bx") {
      if (!read_int(val, q.bid_exchange))
        fail(key);
    } else if (key == "ax") {
      if (!read_int(val, q.ask_exchange))
        fail(key);
    } else if (key == "bp") {
      if (!(bp = read_decimal(val, q.bid)))
        fail(key);
    } else if (key == "ap") {
      if (!(ap = read_decimal(val, q.ask)))
        fail(key);
    } else if (key == "bs") {
      if (!(bs = read_decimal(val, q.bid_size)))
        fail(key);
    } else if (key == "as") {
      if (!(as = read_decimal(val, q.ask_size)))
        fail(key);
    } else if (key == "t") {
      int64_t x = 0;
      if (!read_int(val, x))
        return fail(key);
      q.t_ms = t.t_ms = x;
      ts = tt = true;
    } else if (key == "q") {
      int64_t x = 0;
      if (read_int(val, x))
        q.seq = t.seq = x;
    } else if (key == "z") {
      // quotes and trades: the tape; bars: the average trade size (a decimal)
      od::json_type jt;
      if (val.type().get(jt) == simdjson::SUCCESS && jt == od::json_type::number) {
        int x = 0;
        if (read_int(val, x))
          q.tape = t.tape = x;
      }
    } else if (key == "x") {
      if (!read_int(val, t.exchange))
        fail(key);
    } else if (key == "p") {
      if (!(p = read_decimal(val, t.price)))
        fail(key);
    } else if (key == "s") {
      // trades: the size; bars: the start time in ms
      auto text = number_text(val);
      if (!text)
        return fail(key);
      if (auto d = Quantity::parse(*text)) {
        t.size = *d;
        s = true;
      }
      int64_t x = 0;
      auto r = std::from_chars(text->data(), text->data() + text->size(), x);
      if (r.ec == std::errc() && r.ptr == text->data() + text->size()) {
        b.start_ms = x;
        bs_ms = true;
      }
      if (!s && !bs_ms)
        fail(key);
    } else if (key == "e") {
      int64_t x = 0;
      if (read_int(val, x))
        b.end_ms = x;
    } else if (key == "i") {
      // quotes: an array of indicators; trades: the id as a string
      od::json_type jt;
      if (val.type().get(jt) != simdjson::SUCCESS)
        return fail(key);
      if (jt == od::json_type::array) {
        if (!read_int_array(val, q.indicators))
          fail(key);
      } else if (jt == od::json_type::string) {
        read_string(val, t.id);
      } else if (jt == od::json_type::number) {
        t.id = std::string(*number_text(val)); // tolerated: an old-style numeric id
      } else {
        fail(key);
      }
    } else if (key == "c") {
      // quotes: one integer condition; trades: an array; bars: the close price
      od::json_type jt;
      if (val.type().get(jt) != simdjson::SUCCESS)
        return fail(key);
      if (jt == od::json_type::array) {
        if (!read_int_array(val, t.conditions))
          fail(key);
      } else if (jt == od::json_type::number) {
        auto text = *number_text(val);
        int64_t x = 0;
        auto r = std::from_chars(text.data(), text.data() + text.size(), x);
        if (r.ec == std::errc() && r.ptr == text.data() + text.size() && x >= INT32_MIN &&
            x <= INT32_MAX)
          q.condition = static_cast<int>(x);
        if (auto d = Price::parse(text)) {
          b.close = *d;
          c = true;
        }
      } else {
        fail(key);
      }
    } else if (key == "o") {
      if (!(o = read_decimal(val, b.open)))
        fail(key);
    } else if (key == "h") {
      if (!(h = read_decimal(val, b.high)))
        fail(key);
    } else if (key == "l") {
      if (!(l = read_decimal(val, b.low)))
        fail(key);
    } else if (key == "v") {
      if (!(v = read_decimal(val, b.volume)))
        fail(key);
    } else if (key == "av") {
      Quantity x;
      if (read_decimal(val, x))
        b.accumulated_volume = x;
    } else if (key == "vw") {
      Price x;
      if (read_decimal(val, x))
        b.vwap = x;
    }
    // Other keys (op, a, trfi, trft, ...) are not used by the engine.
  }

  /// Adds the event to the frame, or counts it as bad / other.
  void finish(ws_frame& out) {
    auto bad_event = [&](std::string why) {
      ++out.bad_events;
      if (out.first_bad.empty())
        out.first_bad = "ev \"" + ev + "\": " + why;
    };
    if (ev == "Q") {
      if (!bad.empty())
        return bad_event(bad);
      if (!(sym && bp && ap && bs && as && ts))
        return bad_event("missing one of sym, bp, ap, bs, as, t");
      out.quotes.push_back(std::move(q));
    } else if (ev == "T") {
      if (!bad.empty())
        return bad_event(bad);
      if (!(sym && p && s && tt))
        return bad_event("missing one of sym, p, s, t");
      out.trades.push_back(std::move(t));
    } else if (ev == "AM" || ev == "A") {
      if (ev == "A") { // per-second aggregates: not subscribed by the engine
        ++out.other_events;
        return;
      }
      if (!(sym && o && h && l && c && v && bs_ms))
        return bad_event(bad.empty() ? "missing one of sym, o, h, l, c, v, s" : bad);
      out.bars.push_back(std::move(b));
    } else if (ev == "status") {
      if (!status)
        return bad_event("missing status");
      out.statuses.push_back(std::move(st));
    } else if (ev.empty()) {
      bad_event("no \"ev\" field");
    } else {
      ++out.other_events;
    }
  }
};

bool read_event(od::object obj, ws_frame& out) {
  event_reader r;
  for (auto f : obj) {
    od::field field;
    if (std::move(f).get(field) != simdjson::SUCCESS)
      return false;
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS)
      return false;
    od::value val = field.value();
    r.field(key, val);
  }
  r.finish(out);
  return true;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    switch (ch) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (static_cast<unsigned char>(ch) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", ch);
        out += buf;
      } else {
        out += ch;
      }
    }
  }
  return out + "\"";
}

// --- REST --------------------------------------------------------------------

/// Reads a quote object (P S p s t ...); `ticker` may come from the object's T or the caller.
bool read_rest_quote(od::object obj, rest_quote& q, std::string& why) {
  bool bid = false, ask = false, bs = false, as = false, t = false;
  for (auto f : obj) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key) != simdjson::SUCCESS)
      return why = "malformed object", false;
    od::value v = field.value();
    bool ok = true;
    if (key == "T")
      ok = read_string(v, q.ticker);
    else if (key == "p")
      ok = bid = read_decimal(v, q.bid);
    else if (key == "P")
      ok = ask = read_decimal(v, q.ask);
    else if (key == "s")
      ok = bs = read_decimal(v, q.bid_size);
    else if (key == "S")
      ok = as = read_decimal(v, q.ask_size);
    else if (key == "x")
      ok = read_int(v, q.bid_exchange);
    else if (key == "X")
      ok = read_int(v, q.ask_exchange);
    else if (key == "t")
      ok = t = read_int(v, q.sip_ns);
    else if (key == "y") {
      int64_t y = 0;
      if ((ok = read_int(v, y)))
        q.participant_ns = y;
    } else if (key == "q") {
      int64_t x = 0;
      if ((ok = read_int(v, x)))
        q.seq = x;
    } else if (key == "c")
      ok = read_int_array(v, q.conditions);
    else if (key == "i")
      ok = read_int_array(v, q.indicators);
    if (!ok)
      return why = "bad value for \"" + std::string(key) + "\"", false;
  }
  if (!(bid && ask && bs && as && t))
    return why = "quote missing one of p, P, s, S, t", false;
  return true;
}

bool read_rest_trade(od::object obj, rest_trade& x, std::string& why) {
  bool p = false, s = false, t = false;
  for (auto f : obj) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key) != simdjson::SUCCESS)
      return why = "malformed object", false;
    od::value v = field.value();
    bool ok = true;
    if (key == "T")
      ok = read_string(v, x.ticker);
    else if (key == "p")
      ok = p = read_decimal(v, x.price);
    else if (key == "s")
      ok = s = read_decimal(v, x.size);
    else if (key == "x")
      ok = read_int(v, x.exchange);
    else if (key == "i")
      ok = read_string(v, x.id);
    else if (key == "c")
      ok = read_int_array(v, x.conditions);
    else if (key == "t")
      ok = t = read_int(v, x.sip_ns);
    if (!ok)
      return why = "bad value for \"" + std::string(key) + "\"", false;
  }
  if (!(p && s && t))
    return why = "trade missing one of p, s, t", false;
  return true;
}

/// The common frame of a REST answer: HTTP status, JSON, the "status" and "error" keys.
/// Calls `body(key, value)` for every top-level key; returns the error, empty if fine.
template <class F>
std::string read_rest(int http_status, std::string_view text, F&& body) {
  simdjson::padded_string padded{text};
  od::parser parser;
  od::document doc;
  od::object obj;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    if (http_status != 200)
      return "HTTP " + std::to_string(http_status);
    return "HTTP 200 with a body that is not JSON";
  }
  std::string status;
  std::string error;
  std::string inner;
  for (auto f : obj) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key) != simdjson::SUCCESS)
      return http_status == 200 ? "HTTP 200 with a body that is not JSON"
                                : "HTTP " + std::to_string(http_status);
    od::value v = field.value();
    if (key == "status") {
      read_string(v, status);
    } else if (key == "error" || key == "message") {
      if (error.empty())
        read_string(v, error);
    } else if (http_status == 200) {
      std::string why = body(key, v);
      if (!why.empty() && inner.empty())
        inner = why;
    }
  }
  if (http_status != 200)
    return "HTTP " + std::to_string(http_status) + (error.empty() ? "" : ": " + error);
  if (status == "ERROR" || status == "NOT_FOUND" || status == "NOT_AUTHORIZED")
    return "status " + status + (error.empty() ? "" : ": " + error);
  return inner;
}

} // namespace

// --- WebSocket -----------------------------------------------------------------

bool parse_ws_frame(std::string_view text, ws_frame& out, std::string& error) {
  out = ws_frame{};
  simdjson::padded_string padded{text};
  thread_local od::parser parser; // its buffers are reused frame after frame
  od::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) {
    error = "not JSON";
    return false;
  }
  od::json_type t;
  if (doc.type().get(t) != simdjson::SUCCESS) {
    error = "not JSON";
    return false;
  }
  if (t == od::json_type::object) { // tolerated: a single event without the array
    od::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS || !read_event(obj, out)) {
      error = "malformed JSON object";
      return false;
    }
  } else if (t == od::json_type::array) {
    od::array arr;
    if (doc.get_array().get(arr) != simdjson::SUCCESS) {
      error = "malformed JSON array";
      return false;
    }
    for (auto e : arr) {
      od::value v;
      od::object obj;
      if (std::move(e).get(v) != simdjson::SUCCESS) {
        error = "malformed JSON array";
        return false;
      }
      if (v.get_object().get(obj) != simdjson::SUCCESS) {
        ++out.bad_events;
        if (out.first_bad.empty())
          out.first_bad = "an array element that is not an object";
        continue;
      }
      if (!read_event(obj, out)) {
        error = "malformed JSON object";
        return false;
      }
    }
  } else {
    error = "JSON that is neither an array nor an object";
    return false;
  }
  return true;
}

Quote to_quote(const ws_quote& q) {
  Quote out;
  out.ticker = q.sym;
  out.bid = q.bid;
  out.ask = q.ask;
  out.bid_size = q.bid_size;
  out.ask_size = q.ask_size;
  out.timestamp = q.t_ms * ns_per_ms;
  return out;
}

Trade to_trade(const ws_trade& t) {
  return Trade{t.sym, t.price, t.size, t.t_ms * ns_per_ms};
}

Bar to_bar(const ws_bar& b) {
  return Bar{b.sym, b.open, b.high, b.low, b.close, b.volume, b.start_ms * ns_per_ms};
}

std::string auth_message(const std::string& key) {
  return "{\"action\":\"auth\",\"params\":" + json_string(key) + "}";
}

std::string subscription_params(const std::vector<std::string>& channels,
                                const std::vector<std::string>& tickers) {
  std::string p;
  for (const auto& c : channels)
    for (const auto& t : tickers) {
      if (!p.empty())
        p += ',';
      p += c + "." + t;
    }
  return p;
}

std::string subscribe_message(const std::vector<std::string>& channels,
                              const std::vector<std::string>& tickers) {
  return "{\"action\":\"subscribe\",\"params\":" +
         json_string(subscription_params(channels, tickers)) + "}";
}

// --- REST ----------------------------------------------------------------------

/// A REST answer whose `results` is one object, read by `read` (last quote, last trade).
template <class T, class Read>
rest_answer<T> parse_results_object(int http_status, std::string_view body, Read read) {
  rest_answer<T> a;
  bool found = false;
  T x;
  a.error = read_rest(http_status, body, [&](std::string_view key, od::value& v) -> std::string {
    if (key != "results")
      return {};
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS)
      return "results is not an object";
    std::string why;
    if (!read(obj, x, why))
      return why;
    found = true;
    return {};
  });
  if (a.error.empty() && !found)
    a.error = "no results";
  if (a.error.empty())
    a.value = std::move(x);
  return a;
}

rest_answer<rest_quote> parse_last_quote(int http_status, std::string_view body) {
  return parse_results_object<rest_quote>(
    http_status, body, [](od::object& o, rest_quote& q, std::string& why) {
      return read_rest_quote(o, q, why);
    });
}

rest_answer<rest_trade> parse_last_trade(int http_status, std::string_view body) {
  return parse_results_object<rest_trade>(
    http_status, body, [](od::object& o, rest_trade& t, std::string& why) {
      return read_rest_trade(o, t, why);
    });
}

rest_answer<rest_snapshot> parse_snapshot(int http_status, std::string_view body) {
  rest_answer<rest_snapshot> a;
  bool found = false;
  rest_snapshot snap;
  a.error = read_rest(http_status, body, [&](std::string_view key, od::value& v) -> std::string {
    if (key != "ticker")
      return {};
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS)
      return "ticker is not an object";
    for (auto f : obj) {
      od::field field;
      std::string_view k;
      if (std::move(f).get(field) != simdjson::SUCCESS || field.unescaped_key().get(k) != simdjson::SUCCESS)
        return "malformed ticker object";
      od::value x = field.value();
      std::string why;
      if (k == "ticker") {
        if (!read_string(x, snap.ticker))
          return "bad ticker";
      } else if (k == "updated") {
        if (!read_int(x, snap.updated_ns))
          return "bad updated";
      } else if (k == "lastQuote") {
        od::object q;
        rest_quote rq;
        if (x.get_object().get(q) != simdjson::SUCCESS || !read_rest_quote(q, rq, why))
          return "lastQuote: " + (why.empty() ? std::string("not an object") : why);
        snap.last_quote = std::move(rq);
      } else if (k == "lastTrade") {
        od::object t;
        rest_trade rt;
        if (x.get_object().get(t) != simdjson::SUCCESS || !read_rest_trade(t, rt, why))
          return "lastTrade: " + (why.empty() ? std::string("not an object") : why);
        snap.last_trade = std::move(rt);
      }
    }
    found = true;
    return {};
  });
  if (a.error.empty() && !found)
    a.error = "no ticker in the snapshot";
  if (a.error.empty()) {
    if (snap.last_quote && snap.last_quote->ticker.empty())
      snap.last_quote->ticker = snap.ticker;
    if (snap.last_trade && snap.last_trade->ticker.empty())
      snap.last_trade->ticker = snap.ticker;
    a.value = std::move(snap);
  }
  return a;
}

rest_answer<std::vector<Bar>> parse_aggregates(int http_status, std::string_view body) {
  rest_answer<std::vector<Bar>> a;
  std::vector<Bar> bars;
  std::string ticker;
  a.error = read_rest(http_status, body, [&](std::string_view key, od::value& v) -> std::string {
    if (key == "ticker") {
      read_string(v, ticker);
      return {};
    }
    if (key != "results")
      return {};
    od::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS)
      return "results is not an array";
    for (auto e : arr) {
      od::object obj;
      if (e.get_object().get(obj) != simdjson::SUCCESS)
        return "a result that is not an object";
      Bar b;
      bool o = false, h = false, l = false, c = false, vol = false, t = false;
      for (auto f : obj) {
        od::field field;
        std::string_view k;
        if (std::move(f).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(k) != simdjson::SUCCESS)
          return "malformed result";
        od::value x = field.value();
        bool ok = true;
        if (k == "o")
          ok = o = read_decimal(x, b.open);
        else if (k == "h")
          ok = h = read_decimal(x, b.high);
        else if (k == "l")
          ok = l = read_decimal(x, b.low);
        else if (k == "c")
          ok = c = read_decimal(x, b.close);
        else if (k == "v")
          ok = vol = read_decimal(x, b.volume);
        else if (k == "t") {
          int64_t ms = 0;
          ok = t = read_int(x, ms);
          b.timestamp = ms * ns_per_ms;
        }
        if (!ok)
          return "bad value for \"" + std::string(k) + "\"";
      }
      if (!(o && h && l && c && vol && t))
        return "a bar missing one of o, h, l, c, v, t";
      bars.push_back(std::move(b));
    }
    return {};
  });
  if (a.error.empty()) {
    for (auto& b : bars)
      b.ticker = ticker;
    a.value = std::move(bars);
  }
  return a;
}

Quote to_quote(const rest_quote& q) {
  Quote out;
  out.ticker = q.ticker;
  out.bid = q.bid;
  out.ask = q.ask;
  out.bid_size = q.bid_size;
  out.ask_size = q.ask_size;
  out.timestamp = q.sip_ns;
  return out;
}

Trade to_trade(const rest_trade& t) {
  return Trade{t.ticker, t.price, t.size, t.sip_ns};
}

std::string snapshot_path(const std::string& ticker) {
  return "/v2/snapshot/locale/us/markets/stocks/tickers/" + ticker;
}

std::string last_quote_path(const std::string& ticker) {
  return "/v2/last/nbbo/" + ticker;
}

std::string last_trade_path(const std::string& ticker) {
  return "/v2/last/trade/" + ticker;
}

} // namespace engine::polygon
