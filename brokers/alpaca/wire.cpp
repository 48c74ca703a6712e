// Alpaca Trading API v2 JSON <-> engine types (see wire.hpp); JSON read with simdjson.
#include "brokers/alpaca/wire.hpp"

#include <array>
#include <cstdio>

#include <simdjson.h>

#include "messages/json_writer.hpp"
#include "messages/order_state_machine.hpp"

namespace engine::alpaca {

namespace dom = simdjson::dom;

// ---- scalars -----------------------------------------------------------------------------

namespace {

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

} // namespace

std::optional<timestamp_ns> parse_timestamp(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-'
      || !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
      || !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':'
      || !digits(s, 17, 2, se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return std::nullopt;
  size_t i = 19;
  int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (n == 9)
        return std::nullopt; // finer than a nanosecond: not Alpaca
      frac = frac * 10 + (s[i] - '0');
      ++n;
      ++i;
    }
    if (n == 0)
      return std::nullopt;
    for (; n < 9; ++n)
      frac *= 10;
  }
  int64_t offset_s = 0;
  if (i == s.size())
    return std::nullopt;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int oh, om;
    if (!digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':'
        || !digits(s, i + 4, 2, om))
      return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size())
    return std::nullopt;
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_s;
  return secs * 1'000'000'000 + frac;
}

std::string format_timestamp(timestamp_ns ns) {
  int64_t secs = ns >= 0 ? ns / 1'000'000'000 : (ns - 999'999'999) / 1'000'000'000;
  int64_t frac = ns - secs * 1'000'000'000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  std::string out = buf;
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0')
      f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

template <class T>
std::optional<T> parse_rounded(std::string_view text) {
  if (auto exact = T::parse(text))
    return exact;
  // Too many fractional digits: parse at a finer scale and round half-even.
  auto dot = text.find('.');
  if (dot == std::string_view::npos)
    return std::nullopt;
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = text.substr(dot + 1);
  if (frac.empty() || frac.size() <= static_cast<size_t>(T::digits))
    return std::nullopt;
  for (char c : frac)
    if (c < '0' || c > '9')
      return std::nullopt;
  auto head = T::parse(std::string{whole} + "." + std::string{frac.substr(0, T::digits)});
  if (!head)
    return std::nullopt;
  std::string_view tail = frac.substr(T::digits);
  // Compare the tail with one half: first digit > 5, == 5 with more non-zero, or exactly 5.
  int cmp = 0; // -1 below half, 0 half, 1 above
  if (tail[0] > '5')
    cmp = 1;
  else if (tail[0] < '5')
    cmp = -1;
  else
    for (size_t i = 1; i < tail.size(); ++i)
      if (tail[i] != '0') {
        cmp = 1;
        break;
      }
  bool neg = !whole.empty() && whole[0] == '-';
  bool up = cmp > 0 || (cmp == 0 && (head->raw() % 2 != 0));
  if (!up)
    return head;
  return T::from_raw(head->raw() + (neg ? -1 : 1));
}

template std::optional<Price> parse_rounded<Price>(std::string_view);
template std::optional<Quantity> parse_rounded<Quantity>(std::string_view);
template std::optional<Money> parse_rounded<Money>(std::string_view);

std::optional<std::string_view> order_type_name(OrderType t) {
  switch (t) {
    case OrderType::market: return "market";
    case OrderType::limit: return "limit";
    case OrderType::stop: return "stop";
    case OrderType::stop_limit: return "stop_limit";
    case OrderType::trailing_stop: return "trailing_stop";
  }
  return std::nullopt;
}

std::optional<std::string_view> time_in_force_name(TimeInForce t) {
  switch (t) {
    case TimeInForce::day: return "day";
    case TimeInForce::gtc: return "gtc";
    case TimeInForce::opg: return "opg";
    case TimeInForce::cls: return "cls";
    case TimeInForce::ioc: return "ioc";
    case TimeInForce::fok: return "fok";
    case TimeInForce::gtd: return std::nullopt; // Alpaca has no good-till-date
  }
  return std::nullopt;
}

std::optional<OrderType> order_type_from(std::string_view s) {
  return enum_from_string<OrderType>(s); // Alpaca's names are the engine's
}

std::optional<TimeInForce> time_in_force_from(std::string_view s) {
  if (s == "gtd")
    return std::nullopt;
  return enum_from_string<TimeInForce>(s);
}

std::optional<OrderStatus> status_from(std::string_view s) {
  using S = OrderStatus;
  static constexpr std::array<std::pair<std::string_view, S>, 17> table{{
    {"held", S::new_},              // a leg waiting for its entry to fill: it exists there
    {"new", S::new_},
    {"accepted", S::new_},          // acknowledged, not yet routed: the venue has it
    {"pending_new", S::pending_new},
    {"accepted_for_bidding", S::new_},
    {"partially_filled", S::partially_filled},
    {"filled", S::filled},
    {"done_for_day", S::new_},      // resumes next trading day: still open
    {"canceled", S::canceled},
    {"expired", S::expired},
    {"replaced", S::replaced},
    {"pending_cancel", S::pending_cancel},
    {"pending_replace", S::new_},   // still working until the replace lands
    {"stopped", S::new_},           // a fill is guaranteed, not yet made
    {"rejected", S::rejected},
    {"suspended", S::new_},         // not eligible for trading now, still open
    {"calculated", S::filled},      // done; settlement figures computed
  }};
  for (const auto& [name, status] : table)
    if (name == s)
      return status;
  return std::nullopt;
}

std::string engine_order_id(std::string_view cid) {
  auto pos = cid.rfind(".r");
  if (pos == std::string_view::npos || pos + 2 == cid.size())
    return std::string{cid};
  for (size_t i = pos + 2; i < cid.size(); ++i)
    if (cid[i] < '0' || cid[i] > '9')
      return std::string{cid};
  return std::string{cid.substr(0, pos)};
}

std::string replacement_client_id(std::string_view id, int n) {
  return std::string{id} + ".r" + std::to_string(n);
}

// ---- requests ----------------------------------------------------------------------------

namespace {

void put(json_writer& w, std::string_view k, std::string_view v) {
  w.key(k);
  w.value(v);
}

/// Alpaca's trail_percent is in percent ("1" = 1%); the engine's Rate is a fraction.
std::string percent_text(Rate fraction) {
  // Rate has 9 digits: raw * 100 at 9 digits equals raw at 7 digits.
  return detail::format_fixed(fraction.raw(), Rate::digits - 2);
}

Rate fraction_from_percent(std::string_view text, bool& ok) {
  // percent with up to 7 fractional digits -> fraction with 9
  auto raw = detail::parse_fixed(text, Rate::digits - 2);
  ok = raw.has_value();
  return Rate::from_raw(raw.value_or(0));
}

/// order_class with its take_profit {limit_price} and stop_loss {stop_price[, limit_price]}
/// objects, as POST /v2/orders takes them; "" when written, else why the legs cannot be.
std::string put_legs(json_writer& w, const OrderRequest& o) {
  if (o.order_class == OrderClass::simple)
    return ""; // Alpaca's default: no order_class, no legs
  bool tp = o.take_profit_limit_price.is_positive();
  bool sl = o.stop_loss_stop_price.is_positive();
  if (o.order_class != OrderClass::oto ? !(tp && sl) : tp == sl)
    return to_string(o.order_class) + " order has the wrong legs (take_profit "
           + (tp ? "set" : "missing") + ", stop_loss " + (sl ? "set" : "missing") + ")";
  put(w, "order_class", enum_name(o.order_class));
  if (tp) {
    w.key("take_profit");
    w.begin_object();
    put(w, "limit_price", o.take_profit_limit_price.to_string());
    w.end_object();
  }
  if (sl) {
    w.key("stop_loss");
    w.begin_object();
    put(w, "stop_price", o.stop_loss_stop_price.to_string());
    if (o.stop_loss_limit_price.is_positive())
      put(w, "limit_price", o.stop_loss_limit_price.to_string());
    w.end_object();
  }
  return "";
}

} // namespace

std::optional<OrderLeg> leg_kind(const order_object& leg) {
  if (leg.type == "limit")
    return OrderLeg::take_profit;
  if (leg.type == "stop" || leg.type == "stop_limit")
    return OrderLeg::stop_loss;
  return std::nullopt;
}

body_result order_body(const OrderRequest& o) {
  body_result r;
  if (o.order_id.empty())
    return {{}, "order has no engine order_id"};
  if (o.order_id.size() > 120)
    return {{}, "order_id longer than Alpaca's client_order_id allows"};
  if (o.ticker.empty())
    return {{}, "order has no ticker"};
  if (!o.quantity.is_positive())
    return {{}, "quantity must be positive"};
  auto type = order_type_name(o.order_type);
  auto tif = time_in_force_name(o.time_in_force);
  if (!type)
    return {{}, "order type not supported by Alpaca"};
  if (!tif)
    return {{}, "time in force " + to_string(o.time_in_force) + " not supported by Alpaca"};
  json_writer w{r.body};
  w.begin_object();
  put(w, "symbol", o.ticker);
  put(w, "qty", o.quantity.to_string());
  put(w, "side", enum_name(o.side));
  put(w, "type", *type);
  put(w, "time_in_force", *tif);
  switch (o.order_type) {
    case OrderType::market:
      break;
    case OrderType::limit:
      if (!o.price.is_positive())
        return {{}, "limit order needs a positive price"};
      // An oco is its take-profit: Alpaca takes the price from take_profit alone.
      if (o.order_class != OrderClass::oco)
        put(w, "limit_price", o.price.to_string());
      break;
    case OrderType::stop:
      if (!o.stop_price.is_positive())
        return {{}, "stop order needs a positive stop_price"};
      put(w, "stop_price", o.stop_price.to_string());
      break;
    case OrderType::stop_limit:
      if (!o.price.is_positive() || !o.stop_price.is_positive())
        return {{}, "stop_limit order needs positive price and stop_price"};
      put(w, "limit_price", o.price.to_string());
      put(w, "stop_price", o.stop_price.to_string());
      break;
    case OrderType::trailing_stop:
      if (o.trail_amount.is_positive() == o.trail_percent.is_positive())
        return {{}, "trailing_stop needs exactly one of trail_amount and trail_percent"};
      if (o.trail_amount.is_positive())
        put(w, "trail_price", o.trail_amount.to_string());
      else
        put(w, "trail_percent", percent_text(o.trail_percent));
      break;
  }
  if (auto why = put_legs(w, o); !why.empty())
    return {{}, why};
  if (o.extended_hours) {
    w.key("extended_hours");
    w.value(true);
  }
  put(w, "client_order_id", o.order_id);
  w.end_object();
  return r;
}

body_result replace_body(const ReplaceRequest& rp, const std::string& client_order_id) {
  body_result r;
  if (rp.quantity.is_negative() || rp.price.is_negative() || rp.stop_price.is_negative())
    return {{}, "replace values must not be negative"};
  if (rp.quantity.is_zero() && rp.price.is_zero() && rp.stop_price.is_zero())
    return {{}, "replace changes nothing"};
  json_writer w{r.body};
  w.begin_object();
  if (!rp.quantity.is_zero())
    put(w, "qty", rp.quantity.to_string());
  if (!rp.price.is_zero())
    put(w, "limit_price", rp.price.to_string());
  if (!rp.stop_price.is_zero())
    put(w, "stop_price", rp.stop_price.to_string());
  put(w, "client_order_id", client_order_id);
  w.end_object();
  return r;
}

std::string auth_message(const std::string& key, const std::string& secret, bool legacy) {
  std::string out;
  json_writer w{out};
  w.begin_object();
  if (legacy) {
    put(w, "action", "authenticate");
    w.key("data");
    w.begin_object();
    put(w, "key_id", key);
    put(w, "secret_key", secret);
    w.end_object();
  } else {
    put(w, "action", "auth");
    put(w, "key", key);
    put(w, "secret", secret);
  }
  w.end_object();
  return out;
}

std::string listen_message() {
  return R"({"action":"listen","data":{"streams":["trade_updates"]}})";
}

// ---- answers -----------------------------------------------------------------------------

namespace {

dom::parser& parser() {
  thread_local dom::parser p;
  return p;
}

/// Reads one field; a missing key or null is "absent" (not an error).
struct reader {
  dom::object obj;
  std::string& error;

  bool absent(std::string_view k) {
    dom::element e;
    return obj[k].get(e) != simdjson::SUCCESS || e.is_null();
  }

  bool str(std::string_view k, std::string& out, bool required = false) {
    dom::element e;
    if (obj[k].get(e) != simdjson::SUCCESS || e.is_null()) {
      if (required)
        return fail(k, "missing");
      return true;
    }
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS)
      return fail(k, "not a string");
    out = std::string{s};
    return true;
  }

  /// A decimal given as a string, or as an integer JSON number (never through a double).
  template <class T>
  bool dec(std::string_view k, T& out, bool required = false, bool round = false) {
    dom::element e;
    if (obj[k].get(e) != simdjson::SUCCESS || e.is_null()) {
      if (required)
        return fail(k, "missing");
      return true;
    }
    std::string text;
    std::string_view s;
    int64_t i;
    if (e.get_string().get(s) == simdjson::SUCCESS)
      text = std::string{s};
    else if (e.get_int64().get(i) == simdjson::SUCCESS)
      text = std::to_string(i);
    else
      return fail(k, "not a decimal string");
    if (text.empty() && !required)
      return true;
    auto v = round ? parse_rounded<T>(text) : T::parse(text);
    if (!v)
      return fail(k, "not an exact decimal: \"" + text + "\"");
    out = *v;
    return true;
  }

  bool time(std::string_view k, timestamp_ns& out, bool required = false) {
    std::string s;
    if (!str(k, s, required))
      return false;
    if (s.empty())
      return !required || fail(k, "missing");
    auto t = parse_timestamp(s);
    if (!t)
      return fail(k, "not an RFC 3339 time: \"" + s + "\"");
    out = *t;
    return true;
  }

  bool side(std::string_view k, OrderSide& out) {
    std::string s;
    if (!str(k, s, true))
      return false;
    auto v = enum_from_string<OrderSide>(s);
    if (!v)
      return fail(k, "unknown side \"" + s + "\"");
    out = *v;
    return true;
  }

  bool fail(std::string_view k, const std::string& what) {
    error = std::string{k} + ": " + what;
    return false;
  }
};

bool read_order(dom::object obj, order_object& o, std::string& error, int depth = 0) {
  reader r{obj, error};
  std::string trail_pct;
  if (!r.str("id", o.id, true) || !r.str("client_order_id", o.client_order_id, true)
      || !r.str("symbol", o.symbol, true) || !r.side("side", o.side)
      || !r.str("status", o.status, true) || !r.str("time_in_force", o.time_in_force)
      || !r.str("order_class", o.order_class) || !r.str("replaced_by", o.replaced_by)
      || !r.str("replaces", o.replaces) || !r.dec("qty", o.qty)
      || !r.dec("filled_qty", o.filled_qty) || !r.dec("limit_price", o.limit_price)
      || !r.dec("stop_price", o.stop_price) || !r.dec("trail_price", o.trail_price)
      || !r.dec("filled_avg_price", o.filled_avg_price, false, true)
      || !r.str("trail_percent", trail_pct) || !r.time("created_at", o.created_at)
      || !r.time("updated_at", o.updated_at))
    return false;
  // "type" is current, "order_type" the older name; both are sent today.
  if (!r.str("type", o.type) || (o.type.empty() && !r.str("order_type", o.type)))
    return false;
  if (!trail_pct.empty()) {
    bool ok = false;
    o.trail_percent = fraction_from_percent(trail_pct, ok);
    if (!ok)
      return r.fail("trail_percent", "not a decimal: \"" + trail_pct + "\"");
  }
  if (!status_from(o.status))
    return r.fail("status", "unknown status \"" + o.status + "\"");
  dom::array legs;
  if (depth == 0 && obj["legs"].get(legs) == simdjson::SUCCESS) {
    for (dom::element le : legs) {
      dom::object lo;
      if (le.get_object().get(lo) != simdjson::SUCCESS)
        return r.fail("legs", "not an object");
      order_object leg;
      if (!read_order(lo, leg, error, depth + 1)) {
        error = "legs: " + error;
        return false;
      }
      o.legs.push_back(std::move(leg));
    }
  }
  return true;
}

bool parse_root(std::string_view json, dom::element& root, std::string& error) {
  auto err = parser().parse(json.data(), json.size(), true).get(root);
  if (err != simdjson::SUCCESS) {
    error = std::string{"invalid JSON: "} + simdjson::error_message(err);
    return false;
  }
  return true;
}

} // namespace

std::optional<order_object> parse_order(std::string_view json, std::string& error) {
  dom::element root;
  dom::object obj;
  if (!parse_root(json, root, error))
    return std::nullopt;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    error = "order: not an object";
    return std::nullopt;
  }
  order_object o;
  if (!read_order(obj, o, error))
    return std::nullopt;
  return o;
}

std::optional<std::vector<order_object>> parse_orders(std::string_view json, std::string& error) {
  dom::element root;
  dom::array arr;
  if (!parse_root(json, root, error))
    return std::nullopt;
  if (root.get_array().get(arr) != simdjson::SUCCESS) {
    error = "orders: not an array";
    return std::nullopt;
  }
  std::vector<order_object> out;
  for (dom::element e : arr) {
    dom::object obj;
    order_object o;
    if (e.get_object().get(obj) != simdjson::SUCCESS) {
      error = "orders: element not an object";
      return std::nullopt;
    }
    if (!read_order(obj, o, error))
      return std::nullopt;
    out.push_back(std::move(o));
  }
  return out;
}

std::optional<api_error> parse_error(std::string_view json) {
  dom::element root;
  dom::object obj;
  std::string error;
  if (!parse_root(json, root, error) || root.get_object().get(obj) != simdjson::SUCCESS)
    return std::nullopt;
  api_error e;
  int64_t code = 0;
  if (obj["code"].get_int64().get(code) == simdjson::SUCCESS)
    e.code = code;
  std::string_view msg;
  if (obj["message"].get_string().get(msg) == simdjson::SUCCESS)
    e.message = std::string{msg};
  return e;
}

OrderUpdate to_update(const order_object& o, timestamp_ns ts) {
  OrderUpdate u;
  u.order_id = engine_order_id(o.client_order_id);
  u.client_order_id = o.client_order_id;
  u.ticker = o.symbol;
  u.side = o.side;
  u.status = status_from(o.status).value_or(OrderStatus::new_);
  u.executed_quantity = o.filled_qty;
  u.leaves_quantity = Quantity{};
  if (is_open(u.status) && o.qty > o.filled_qty)
    u.leaves_quantity = o.qty - o.filled_qty;
  u.average_price = o.filled_avg_price;
  u.timestamp = ts != 0 ? ts : o.updated_at;
  return u;
}

OrderExecution to_execution(const order_object& o) {
  OrderExecution e;
  e.order_id = engine_order_id(o.client_order_id);
  e.client_order_id = o.client_order_id;
  e.ticker = o.symbol;
  e.side = o.side;
  e.order_type = order_type_from(o.type).value_or(OrderType::market);
  e.quantity = o.qty;
  e.price = o.limit_price;
  e.stop_price = o.stop_price;
  e.time_in_force = time_in_force_from(o.time_in_force).value_or(TimeInForce::day);
  e.executed_quantity = o.filled_qty;
  e.average_price = o.filled_avg_price;
  e.timestamp = o.created_at;
  e.status = status_from(o.status).value_or(OrderStatus::new_);
  return e;
}

namespace {

constexpr std::array<std::string_view, 16> event_names{
  "new",           "fill",      "partial_fill",    "canceled",   "expired",
  "done_for_day",  "replaced",  "rejected",        "pending_new", "pending_cancel",
  "pending_replace", "stopped", "suspended",       "calculated", "order_cancel_rejected",
  "order_replace_rejected"};

} // namespace

std::optional<trade_event> trade_event_from(std::string_view name) {
  for (size_t i = 0; i < event_names.size(); ++i)
    if (event_names[i] == name)
      return static_cast<trade_event>(i);
  return std::nullopt;
}

std::string_view trade_event_name(trade_event e) {
  return event_names[static_cast<size_t>(e)];
}

std::optional<OrderEvent> engine_event(trade_event e) {
  using T = trade_event;
  switch (e) {
    case T::new_: return OrderEvent::accept;
    case T::fill: return OrderEvent::fill;
    case T::partial_fill: return OrderEvent::partial_fill;
    case T::canceled: return OrderEvent::cancel;
    case T::expired: return OrderEvent::expire;
    case T::replaced: return OrderEvent::replace;
    case T::rejected: return OrderEvent::reject;
    case T::order_cancel_rejected: return OrderEvent::cancel_reject;
    // pending_new is the venue's receipt: the accept comes with `new` (or the POST answer).
    case T::pending_new:
    case T::done_for_day:
    case T::pending_cancel:
    case T::pending_replace:
    case T::stopped:
    case T::suspended:
    case T::calculated:
    case T::order_replace_rejected:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<stream_message> parse_stream_message(std::string_view json, std::string& error) {
  dom::element root;
  dom::object obj;
  if (!parse_root(json, root, error))
    return std::nullopt;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    error = "stream message: not an object";
    return std::nullopt;
  }
  stream_message m;
  std::string_view stream;
  if (obj["stream"].get_string().get(stream) != simdjson::SUCCESS) {
    // {"T":"error","msg":..} or {"action":..}: nothing the trading stream relies on
    std::string_view msg;
    if (obj["msg"].get_string().get(msg) == simdjson::SUCCESS
        || obj["message"].get_string().get(msg) == simdjson::SUCCESS) {
      m.type = stream_message::kind::error;
      m.error = std::string{msg};
    }
    return m;
  }
  dom::object data;
  if (obj["data"].get_object().get(data) != simdjson::SUCCESS) {
    error = "stream message: no data object";
    return std::nullopt;
  }
  if (stream == "authorization") {
    m.type = stream_message::kind::authorization;
    std::string_view status;
    if (data["status"].get_string().get(status) == simdjson::SUCCESS)
      m.authorized = status == "authorized";
    if (!m.authorized)
      m.error = "stream authorization: " + std::string{status};
    return m;
  }
  if (stream == "listening") {
    m.type = stream_message::kind::listening;
    dom::array streams;
    if (data["streams"].get_array().get(streams) == simdjson::SUCCESS)
      for (dom::element e : streams) {
        std::string_view s;
        if (e.get_string().get(s) == simdjson::SUCCESS)
          m.streams.emplace_back(s);
      }
    return m;
  }
  if (stream == "trade_updates") {
    m.type = stream_message::kind::trade_update;
    reader r{data, error};
    std::string ev;
    if (!r.str("event", ev, true))
      return std::nullopt;
    auto te = trade_event_from(ev);
    if (!te) {
      error = "event: unknown \"" + ev + "\"";
      return std::nullopt;
    }
    auto& u = m.update;
    u.event = *te;
    Quantity q, pq;
    Price px;
    bool has_q = !r.absent("qty"), has_px = !r.absent("price"), has_pq = !r.absent("position_qty");
    if (!r.str("execution_id", u.execution_id) || !r.dec("qty", q) || !r.dec("price", px)
        || !r.dec("position_qty", pq) || !r.time("timestamp", u.timestamp))
      return std::nullopt;
    if (has_q)
      u.qty = q;
    if (has_px)
      u.price = px;
    if (has_pq)
      u.position_qty = pq;
    dom::object order;
    if (data["order"].get_object().get(order) != simdjson::SUCCESS) {
      error = "trade update: no order";
      return std::nullopt;
    }
    if (!read_order(order, u.order, error)) {
      error = "order." + error;
      return std::nullopt;
    }
    return m;
  }
  if (stream == "error" || stream == "errors") {
    m.type = stream_message::kind::error;
    std::string_view msg;
    if (data["error"].get_string().get(msg) == simdjson::SUCCESS
        || data["message"].get_string().get(msg) == simdjson::SUCCESS)
      m.error = std::string{msg};
    return m;
  }
  return m;
}

ExecutionReport to_report(const trade_update& u, OrderEvent ev, Quantity fill_qty,
                          Price fill_price, const std::string& broker) {
  ExecutionReport r;
  r.event = ev;
  r.update = to_update(u.order, u.timestamp);
  switch (ev) {
    case OrderEvent::accept: r.update.status = OrderStatus::new_; break;
    case OrderEvent::reject: r.update.status = OrderStatus::rejected; break;
    case OrderEvent::cancel: r.update.status = OrderStatus::canceled; break;
    case OrderEvent::expire: r.update.status = OrderStatus::expired; break;
    default: break;
  }
  if (ev == OrderEvent::reject || ev == OrderEvent::cancel || ev == OrderEvent::expire)
    r.update.reason = "alpaca: " + std::string{trade_event_name(u.event)};
  if (ev == OrderEvent::fill || ev == OrderEvent::partial_fill) {
    Fill& f = r.fill;
    f.exec_id = u.execution_id;
    f.order_id = r.update.order_id;
    f.client_order_id = u.order.client_order_id;
    f.ticker = u.order.symbol;
    f.side = u.order.side;
    f.quantity = fill_qty;
    f.price = fill_price;
    f.timestamp = u.timestamp;
    f.broker = broker;
  }
  return r;
}

std::string fill_activity::exec_id() const {
  auto pos = id.find("::");
  return pos == std::string::npos ? id : id.substr(pos + 2);
}

std::optional<std::vector<fill_activity>> parse_fill_activities(std::string_view json,
                                                                std::string& error) {
  dom::element root;
  dom::array arr;
  if (!parse_root(json, root, error))
    return std::nullopt;
  if (root.get_array().get(arr) != simdjson::SUCCESS) {
    error = "activities: not an array";
    return std::nullopt;
  }
  std::vector<fill_activity> out;
  for (dom::element e : arr) {
    dom::object obj;
    if (e.get_object().get(obj) != simdjson::SUCCESS) {
      error = "activities: element not an object";
      return std::nullopt;
    }
    reader r{obj, error};
    std::string type;
    if (!r.str("activity_type", type))
      return std::nullopt;
    if (!type.empty() && type != "FILL")
      continue;
    fill_activity a;
    if (!r.str("id", a.id, true) || !r.str("order_id", a.order_id, true)
        || !r.str("symbol", a.symbol, true) || !r.side("side", a.side)
        || !r.dec("qty", a.qty, true) || !r.dec("price", a.price, true)
        || !r.time("transaction_time", a.transaction_time, true))
      return std::nullopt;
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<AccountInfo> parse_account(std::string_view json, std::string& error) {
  dom::element root;
  dom::object obj;
  if (!parse_root(json, root, error))
    return std::nullopt;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    error = "account: not an object";
    return std::nullopt;
  }
  reader r{obj, error};
  AccountInfo a;
  if (!r.str("id", a.account_id, true) || !r.dec("cash", a.cash, true, true)
      || !r.dec("equity", a.equity, false, true)
      || !r.dec("buying_power", a.buying_power, false, true))
    return std::nullopt;
  return a;
}

std::optional<std::vector<Position>> parse_positions(std::string_view json, std::string& error) {
  dom::element root;
  dom::array arr;
  if (!parse_root(json, root, error))
    return std::nullopt;
  if (root.get_array().get(arr) != simdjson::SUCCESS) {
    error = "positions: not an array";
    return std::nullopt;
  }
  std::vector<Position> out;
  for (dom::element e : arr) {
    dom::object obj;
    if (e.get_object().get(obj) != simdjson::SUCCESS) {
      error = "positions: element not an object";
      return std::nullopt;
    }
    reader r{obj, error};
    Position p;
    std::string side;
    if (!r.str("symbol", p.ticker, true) || !r.dec("qty", p.quantity, true)
        || !r.dec("avg_entry_price", p.average_price, false, true)
        || !r.dec("market_value", p.market_value, false, true)
        || !r.dec("unrealized_pl", p.unrealized_pnl, false, true) || !r.str("side", side))
      return std::nullopt;
    // Alpaca sends short positions with a negative qty and side "short"; accept either.
    if (side == "short" && p.quantity.is_positive())
      p.quantity = -p.quantity;
    out.push_back(std::move(p));
  }
  return out;
}

} // namespace engine::alpaca
