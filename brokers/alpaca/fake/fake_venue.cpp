// The fake Alpaca account (see fake_venue.hpp): orders, a seeded price walk, fills, positions.
#include "brokers/alpaca/fake/fake_venue.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iterator>

#include <simdjson.h>

#include "messages/json_writer.hpp"

namespace engine::fake_alpaca {

namespace {

std::string rfc3339(int64_t ns) {
  // Alpaca prints up to nanoseconds with trailing zeros trimmed.
  time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  long frac = static_cast<long>(ns % 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, ".%09ld", frac);
    std::string f = buf;
    while (f.back() == '0')
      f.pop_back();
    out += f;
  }
  return out + "Z";
}

std::string compact_time(int64_t ns) {
  time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, "%03d", static_cast<int>(ns / 1'000'000 % 1000));
  return std::string{buf} + ms;
}

// RFC 3339 (or a date) in a query parameter; the fake parses it with timegm.
std::optional<int64_t> parse_time(const std::string& s) {
  std::tm tm{};
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) {
    rest = strptime(s.c_str(), "%Y-%m-%d", &tm);
    if (!rest)
      return std::nullopt;
  }
  int64_t ns = static_cast<int64_t>(timegm(&tm)) * 1'000'000'000;
  if (*rest == '.') {
    ++rest;
    int64_t frac = 0;
    int n = 0;
    while (*rest >= '0' && *rest <= '9') {
      if (n < 9) {
        frac = frac * 10 + (*rest - '0');
        ++n;
      }
      ++rest;
    }
    for (; n < 9; ++n)
      frac *= 10;
    ns += frac;
  }
  if (*rest == '+' || *rest == '-') {
    int h = 0, m = 0;
    if (std::sscanf(rest + 1, "%d:%d", &h, &m) == 2)
      ns -= (rest[0] == '-' ? -1 : 1) * (h * 3600LL + m * 60LL) * 1'000'000'000;
  }
  return ns;
}

std::string uuid(char kind, int64_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%c0000000-0000-4000-8000-%012lld", kind,
                static_cast<long long>(n));
  return buf;
}

/// A decimal field of a request: a string (exact) or a JSON number (rounded at the edge, as
/// alpaca-py sends floats).
template <class T>
bool read_decimal(simdjson::dom::object obj, const char* key, T& out, bool& present) {
  simdjson::dom::element e;
  present = false;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null())
    return true;
  present = true;
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    auto v = T::parse(s);
    if (!v)
      return false;
    out = *v;
    return true;
  }
  double d;
  if (e.get_double().get(d) == simdjson::SUCCESS) {
    auto v = T::from_double(d);
    if (!v)
      return false;
    out = *v;
    return true;
  }
  return false;
}

std::string read_string(simdjson::dom::object obj, const char* key) {
  std::string_view s;
  if (obj[key].get_string().get(s) == simdjson::SUCCESS)
    return std::string{s};
  return {};
}

void kv(json_writer& w, std::string_view k, const std::string& v) {
  w.key(k);
  w.value(v);
}

} // namespace

fake_venue::fake_venue(uint64_t seed, std::function<void(std::string)> emit)
  : rng_(seed), emit_(std::move(emit)) {}

reply fake_venue::error(int status, int64_t code, const std::string& message) {
  std::string body;
  json_writer w{body};
  w.begin_object();
  w.key("code");
  w.value(code);
  kv(w, "message", message);
  w.end_object();
  return {status, body};
}

bool fake_venue::is_open(const order& o) const {
  return o.status == "accepted" || o.status == "new" || o.status == "partially_filled"
         || o.status == "pending_new";
}

size_t fake_venue::open_count() const {
  size_t n = 0;
  for (const auto& [id, o] : orders_)
    n += is_open(o) ? 1 : 0;
  return n;
}

Price fake_venue::price_of(const std::string& symbol) {
  auto it = prices_.find(symbol);
  if (it != prices_.end())
    return it->second;
  // A seeded level per symbol: 50.00 .. 249.99.
  uint64_t h = 1469598103934665603ULL;
  for (char c : symbol)
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  auto cents = static_cast<int64_t>(5000 + (h ^ rng_()) % 20000);
  Price p = Price::from_raw(cents * (Price::scale / 100));
  prices_.emplace(symbol, p);
  return p;
}

void fake_venue::pin_price(const std::string& symbol, Price px) {
  prices_[symbol] = px;
  pinned_.insert(symbol);
}

std::string fake_venue::order_json(const order& o, bool nested) const {
  // Field by field as Alpaca's order object, nulls where Alpaca sends null.
  auto str_or_null = [](const std::string& s) {
    std::string out;
    if (s.empty())
      return std::string{"null"};
    json_writer w{out};
    w.value(s);
    return out;
  };
  auto t = [&](int64_t ns) { return ns == 0 ? std::string{"null"} : str_or_null(rfc3339(ns)); };
  auto dec = [&](auto d, bool set) { return set ? str_or_null(d.to_string()) : std::string{"null"}; };
  std::string avg = "null";
  if (o.filled_qty.is_positive())
    avg = str_or_null(div<Price>(o.filled_notional, o.filled_qty).to_string());
  std::string out = "{";
  auto field = [&](const char* k, const std::string& raw) {
    if (out.size() > 1)
      out += ',';
    out += '"';
    out += k;
    out += "\":";
    out += raw;
  };
  field("id", str_or_null(o.id));
  field("client_order_id", str_or_null(o.client_order_id));
  field("created_at", t(o.created_ns));
  field("updated_at", t(o.updated_ns));
  field("submitted_at", t(o.created_ns));
  field("filled_at", t(o.filled_ns));
  field("expired_at", "null");
  field("canceled_at", t(o.canceled_ns));
  field("failed_at", "null");
  field("replaced_at", o.status == "replaced" ? t(o.updated_ns) : "null");
  field("replaced_by", str_or_null(o.replaced_by));
  field("replaces", str_or_null(o.replaces));
  field("asset_id", str_or_null(uuid('a', static_cast<int64_t>(std::hash<std::string>{}(o.symbol) % 1000000))));
  field("symbol", str_or_null(o.symbol));
  field("asset_class", "\"us_equity\"");
  field("notional", "null");
  field("qty", dec(o.qty, true));
  field("filled_qty", dec(o.filled_qty, true));
  field("filled_avg_price", avg);
  field("order_class", "\"" + o.order_class + "\""); // simple orders: "" as Alpaca sends
  field("order_type", str_or_null(o.type));
  field("type", str_or_null(o.type));
  field("side", str_or_null(o.side));
  field("position_intent", o.side == "buy" ? "\"buy_to_open\"" : "\"sell_to_close\"");
  field("time_in_force", str_or_null(o.time_in_force));
  field("limit_price", dec(o.limit_price, o.limit_price.is_positive()));
  field("stop_price", dec(o.stop_price, o.stop_price.is_positive()));
  field("status", str_or_null(o.status));
  field("extended_hours", o.extended_hours ? "true" : "false");
  std::string legs = "null";
  if (nested && !o.legs.empty()) {
    legs = "[";
    for (size_t i = 0; i < o.legs.size(); ++i)
      legs += (i ? "," : "") + order_json(orders_.at(o.legs[i]), false);
    legs += "]";
  }
  field("legs", legs);
  field("trail_percent", str_or_null(o.trail_percent));
  field("trail_price", dec(o.trail_price, o.trail_price.is_positive()));
  field("hwm", dec(o.hwm, o.type == "trailing_stop" && o.hwm.is_positive()));
  field("subtag", "null");
  field("source", "null");
  out += '}';
  return out;
}

void fake_venue::event(const std::string& name, const order& o, int64_t now,
                       const std::string& extra) {
  std::string msg = R"({"stream":"trade_updates","data":{"event":")" + name + "\",";
  msg += "\"timestamp\":\"" + rfc3339(now) + "\",";
  msg += extra;
  msg += "\"order\":" + order_json(o, true) + "}}";
  emit_(msg);
}

reply fake_venue::account(int64_t) const {
  Money equity = cash_;
  Money long_value, short_value;
  for (const auto& [sym, p] : positions_) {
    auto it = prices_.find(sym);
    Price px = it == prices_.end() ? Price{} : it->second;
    Money v = notional(p.qty, px);
    equity += v;
    if (v.is_negative())
      short_value += v;
    else
      long_value += v;
  }
  std::string body;
  json_writer w{body};
  w.begin_object();
  kv(w, "id", "fa4e0000-0000-4000-8000-000000000001");
  kv(w, "account_number", "PA3FAKE0001");
  kv(w, "status", "ACTIVE");
  kv(w, "crypto_status", "INACTIVE");
  kv(w, "currency", "USD");
  kv(w, "cash", cash_.to_string());
  kv(w, "portfolio_value", equity.to_string());
  kv(w, "equity", equity.to_string());
  kv(w, "last_equity", "100000");
  kv(w, "long_market_value", long_value.to_string());
  kv(w, "short_market_value", short_value.to_string());
  kv(w, "buying_power", (cash_ + cash_).to_string());
  kv(w, "regt_buying_power", (cash_ + cash_).to_string());
  kv(w, "daytrading_buying_power", "0");
  kv(w, "non_marginable_buying_power", cash_.to_string());
  kv(w, "initial_margin", "0");
  kv(w, "maintenance_margin", "0");
  kv(w, "multiplier", "2");
  w.key("pattern_day_trader");
  w.value(false);
  w.key("trading_blocked");
  w.value(false);
  w.key("transfers_blocked");
  w.value(false);
  w.key("account_blocked");
  w.value(false);
  w.key("shorting_enabled");
  w.value(true);
  w.key("daytrade_count");
  w.value(int64_t{0});
  kv(w, "sma", "0");
  kv(w, "created_at", "2024-01-02T14:30:00Z");
  w.end_object();
  return {200, body};
}

reply fake_venue::clock(int64_t now) const {
  std::string body;
  json_writer w{body};
  w.begin_object();
  kv(w, "timestamp", rfc3339(now));
  w.key("is_open");
  w.value(true); // the fake trades around the clock
  kv(w, "next_open", rfc3339(now + 86'400'000'000'000LL));
  kv(w, "next_close", rfc3339(now + 3'600'000'000'000LL));
  w.end_object();
  return {200, body};
}

reply fake_venue::create_order(const std::string& body, int64_t now) {
  simdjson::dom::parser p;
  simdjson::dom::element root;
  simdjson::dom::object obj;
  if (p.parse(body).get(root) != simdjson::SUCCESS
      || root.get_object().get(obj) != simdjson::SUCCESS)
    return error(400, 40010000, "request body format is invalid");
  order o;
  o.symbol = read_string(obj, "symbol");
  o.side = read_string(obj, "side");
  o.type = read_string(obj, "type");
  if (o.type.empty())
    o.type = read_string(obj, "order_type");
  o.time_in_force = read_string(obj, "time_in_force");
  o.client_order_id = read_string(obj, "client_order_id");
  o.trail_percent = read_string(obj, "trail_percent");
  bool has_qty, has_limit, has_stop, has_trail, has_notional;
  Money notional_value;
  if (!read_decimal(obj, "qty", o.qty, has_qty)
      || !read_decimal(obj, "notional", notional_value, has_notional))
    return error(422, 40010001, "invalid qty");
  if (!read_decimal(obj, "limit_price", o.limit_price, has_limit))
    return error(422, 40010001, "invalid limit_price");
  if (!read_decimal(obj, "stop_price", o.stop_price, has_stop))
    return error(422, 40010001, "invalid stop_price");
  if (!read_decimal(obj, "trail_price", o.trail_price, has_trail))
    return error(422, 40010001, "invalid trail_price");
  if (o.trail_percent.empty()) {
    double d;
    if (obj["trail_percent"].get_double().get(d) == simdjson::SUCCESS)
      o.trail_percent = Price::from_double(d)->to_string();
  }
  std::vector<order> legs;
  if (auto why = read_legs(obj, o, legs); !why.empty())
    return error(422, 40010001, why);
  if (o.symbol.empty())
    return error(422, 40010001, "symbol is required");
  if (o.side != "buy" && o.side != "sell")
    return error(422, 40010001, "invalid side");
  if (has_notional)
    return error(422, 40010001, "notional orders are not supported by fake-alpaca");
  if (!has_qty || !o.qty.is_positive())
    return error(422, 40010001, "qty must be > 0");
  static const char* types[] = {"market", "limit", "stop", "stop_limit", "trailing_stop"};
  if (std::find(std::begin(types), std::end(types), o.type) == std::end(types))
    return error(422, 40010001, "invalid order type");
  static const char* tifs[] = {"day", "gtc", "opg", "cls", "ioc", "fok"};
  if (std::find(std::begin(tifs), std::end(tifs), o.time_in_force) == std::end(tifs))
    return error(422, 40010001, "invalid time_in_force");
  if ((o.type == "limit" || o.type == "stop_limit") && !o.limit_price.is_positive())
    return error(422, 40010001, "limit_price is required");
  if ((o.type == "stop" || o.type == "stop_limit") && !o.stop_price.is_positive())
    return error(422, 40010001, "stop_price is required");
  if (o.type == "trailing_stop" && !(o.trail_price.is_positive() ^ !o.trail_percent.empty()))
    return error(422, 40010001, "trailing_stop needs exactly one of trail_price and trail_percent");
  if (o.type == "market" && (has_limit || has_stop))
    return error(422, 40010001, "market orders take no limit_price or stop_price");
  if (o.client_order_id.size() > 128)
    return error(422, 40010001, "client_order_id must be no more than 128 characters");
  if (o.client_order_id.empty())
    o.client_order_id = uuid('c', next_id_ + 1);
  if (by_client_.count(o.client_order_id)) {
    ++duplicate_posts_;
    return error(422, 40010001, "client_order_id must be unique");
  }
  o.id = uuid('0', ++next_id_);
  o.seq = next_id_;
  o.status = "accepted";
  o.created_ns = o.updated_ns = now;
  o.hwm = price_of(o.symbol);
  by_client_[o.client_order_id] = o.id;
  ++accepted_count_[o.client_order_id];
  for (auto& leg : legs) {
    leg.id = uuid('0', ++next_id_);
    leg.seq = next_id_;
    leg.client_order_id = uuid('c', next_id_); // Alpaca names legs itself
    leg.parent = o.id;
    leg.created_ns = leg.updated_ns = now;
    o.legs.push_back(leg.id);
    by_client_[leg.client_order_id] = leg.id;
    orders_.emplace(leg.id, leg);
  }
  auto& stored = orders_.emplace(o.id, o).first->second;
  std::string answer = order_json(stored, true);
  stored.status = "new";
  event("new", stored, now, "");
  for (const auto& id : stored.legs) {
    order& leg = orders_.at(id);
    if (leg.status == "accepted") { // an oco's stop works beside it from the start
      leg.status = "new";
      event("new", leg, now, "");
    }
  }
  return {200, answer};
}

std::string fake_venue::read_legs(simdjson::dom::object obj, order& o, std::vector<order>& legs) {
  std::string cls = read_string(obj, "order_class");
  bool ext = false;
  if (obj["extended_hours"].get_bool().get(ext) != simdjson::SUCCESS)
    ext = false;
  o.extended_hours = ext;
  if (ext && (o.type != "limit" || o.time_in_force != "day"))
    return "extended hours order must be DAY limit orders";
  if (cls.empty() || cls == "simple")
    return ""; // take_profit / stop_loss of a simple order are ignored, as at Alpaca
  if (cls != "bracket" && cls != "oco" && cls != "oto")
    return "invalid order_class";
  if (o.symbol.empty())
    return "symbol is required";
  if (ext)
    return "extended hours is not supported for " + cls + " orders";
  o.order_class = cls;
  Price tp, sl, sll;
  bool has_tp = false, has_sl = false, has_sll = false;
  simdjson::dom::object tpo, slo;
  if (obj["take_profit"].get_object().get(tpo) == simdjson::SUCCESS
      && !read_decimal(tpo, "limit_price", tp, has_tp))
    return "invalid take_profit.limit_price";
  if (obj["stop_loss"].get_object().get(slo) == simdjson::SUCCESS
      && (!read_decimal(slo, "stop_price", sl, has_sl)
          || !read_decimal(slo, "limit_price", sll, has_sll)))
    return "invalid stop_loss";
  has_tp = has_tp && tp.is_positive();
  has_sl = has_sl && sl.is_positive();
  bool day_or_gtc = o.time_in_force == "day" || o.time_in_force == "gtc";
  bool buy = o.side == "buy";
  const Price cent = Price::from_raw(Price::scale / 100);
  if (cls == "oco") {
    if (o.type != "limit")
      return "oco orders must be limit orders";
    if (!has_tp)
      return "oco orders require take_profit.limit_price";
    if (!has_sl)
      return "oco orders require stop_loss.stop_price";
    if (o.limit_price.is_positive() && o.limit_price != tp)
      return "oco orders require limit_price to equal take_profit.limit_price";
    o.limit_price = tp; // the oco order is its take-profit
    if (buy ? tp >= sl : tp <= sl)
      return std::string{"take_profit.limit_price must be "} + (buy ? "<" : ">")
             + " stop_loss.stop_price";
  } else {
    if (o.type != "market" && o.type != "limit")
      return cls + " orders must be market or limit orders";
    if (cls == "bracket" && !has_tp)
      return "bracket orders require take_profit.limit_price";
    if (cls == "bracket" && !has_sl)
      return "bracket orders require stop_loss.stop_price";
    if (cls == "oto" && has_tp == has_sl)
      return "oto orders require exactly one of take_profit and stop_loss";
    Price base = o.type == "limit" ? o.limit_price : price_of(o.symbol);
    if (has_tp && (buy ? tp < base + cent : tp > base - cent))
      return std::string{"take_profit.limit_price must be "} + (buy ? ">= base_price + 0.01"
                                                                      : "<= base_price - 0.01");
    if (has_sl && (buy ? sl > base - cent : sl < base + cent))
      return std::string{"stop_loss.stop_price must be "} + (buy ? "<= base_price - 0.01"
                                                                 : ">= base_price + 0.01");
  }
  if (!day_or_gtc)
    return cls + " orders must be day or gtc orders";
  auto leg = [&](const char* type) {
    order l;
    l.symbol = o.symbol;
    l.side = cls == "oco" ? o.side : (buy ? "sell" : "buy");
    l.type = type;
    l.time_in_force = o.time_in_force;
    l.order_class = cls;
    l.qty = o.qty;
    l.hwm = price_of(o.symbol);
    // Legs of a bracket or oto wait ("held") for their entry to fill.
    l.status = cls == "oco" ? "accepted" : "held";
    return l;
  };
  if (has_tp && cls != "oco") {
    legs.push_back(leg("limit"));
    legs.back().limit_price = tp;
  }
  if (has_sl) {
    legs.push_back(leg(has_sll && sll.is_positive() ? "stop_limit" : "stop"));
    legs.back().stop_price = sl;
    if (has_sll)
      legs.back().limit_price = sll;
  }
  return "";
}

void fake_venue::activate_legs(order& parent, int64_t now) {
  for (const auto& id : parent.legs) {
    order& leg = orders_.at(id);
    if (leg.status != "held")
      continue;
    leg.status = "new";
    leg.updated_ns = now;
    event("new", leg, now, "");
  }
}

void fake_venue::cancel_siblings(const order& filled, int64_t now) {
  // One leg's execution cancels the other (an oco's parent and its stop are such a pair).
  std::vector<std::string> others;
  if (!filled.parent.empty()) {
    const order& p = orders_.at(filled.parent);
    others = p.legs;
    if (p.order_class == "oco")
      others.push_back(p.id);
  } else if (filled.order_class == "oco") {
    others = filled.legs;
  }
  for (const auto& id : others) {
    order& x = orders_.at(id);
    if (x.id == filled.id || !(is_open(x) || x.status == "held"))
      continue;
    x.status = "canceled";
    x.canceled_ns = x.updated_ns = now;
    event("canceled", x, now, "");
  }
}

reply fake_venue::list_orders(const std::map<std::string, std::string>& q,
                                          int64_t) const {
  auto get = [&](const char* k, std::string d) {
    auto it = q.find(k);
    return it == q.end() || it->second.empty() ? d : it->second;
  };
  std::string status = get("status", "open");
  if (status != "open" && status != "closed" && status != "all")
    return error(422, 40010001, "invalid status");
  long limit = std::strtol(get("limit", "50").c_str(), nullptr, 10);
  if (limit <= 0 || limit > 500)
    return error(422, 40010001, "limit must be between 1 and 500");
  std::optional<int64_t> after, until;
  if (q.count("after") && !(after = parse_time(q.at("after"))))
    return error(422, 40010001, "invalid after");
  if (q.count("until") && !(until = parse_time(q.at("until"))))
    return error(422, 40010001, "invalid until");
  bool asc = get("direction", "desc") == "asc";
  std::string symbols = get("symbols", "");
  std::vector<const order*> sel;
  bool nested = get("nested", "false") == "true";
  auto listed_open = [&](const order& o) {
    if (is_open(o) || o.status == "held")
      return true;
    for (const auto& l : o.legs)
      if (is_open(orders_.at(l)) || orders_.at(l).status == "held")
        return true;
    return false;
  };
  for (const auto& [id, o] : orders_) {
    if (nested && !o.parent.empty())
      continue; // under its parent's legs
    bool open = listed_open(o);
    if ((status == "open" && !open) || (status == "closed" && open))
      continue;
    if (after && o.created_ns <= *after)
      continue;
    if (until && o.created_ns >= *until)
      continue;
    if (!symbols.empty() && ("," + symbols + ",").find("," + o.symbol + ",") == std::string::npos)
      continue;
    sel.push_back(&o);
  }
  std::sort(sel.begin(), sel.end(), [&](const order* a, const order* b) {
    return asc ? a->seq < b->seq : a->seq > b->seq;
  });
  if (sel.size() > static_cast<size_t>(limit))
    sel.resize(static_cast<size_t>(limit));
  std::string body = "[";
  for (size_t i = 0; i < sel.size(); ++i)
    body += (i ? "," : "") + order_json(*sel[i], nested);
  return {200, body + "]"};
}

reply fake_venue::get_order(const std::string& id, bool nested) const {
  auto it = orders_.find(id);
  if (it == orders_.end())
    return error(404, 40410000, "order not found for " + id);
  return {200, order_json(it->second, nested)};
}

reply fake_venue::get_by_client_id(const std::string& cid) const {
  auto it = by_client_.find(cid);
  if (it == by_client_.end())
    return error(404, 40410000, "order not found for " + cid);
  return get_order(it->second, true);
}

reply fake_venue::replace_order(const std::string& id, const std::string& body,
                                            int64_t now) {
  auto it = orders_.find(id);
  if (it == orders_.end())
    return error(404, 40410000, "order not found for " + id);
  order& old = it->second;
  if (!is_open(old))
    return error(422, 42210000, "order is not replaceable: status " + old.status);
  simdjson::dom::parser p;
  simdjson::dom::element root;
  simdjson::dom::object obj;
  if (p.parse(body).get(root) != simdjson::SUCCESS
      || root.get_object().get(obj) != simdjson::SUCCESS)
    return error(400, 40010000, "request body format is invalid");
  order n = old;
  bool has_qty, has_limit, has_stop, has_trail;
  if (!read_decimal(obj, "qty", n.qty, has_qty) || !read_decimal(obj, "limit_price", n.limit_price, has_limit)
      || !read_decimal(obj, "stop_price", n.stop_price, has_stop)
      || !read_decimal(obj, "trail", n.trail_price, has_trail))
    return error(422, 40010001, "invalid replace values");
  std::string tif = read_string(obj, "time_in_force");
  if (!tif.empty())
    n.time_in_force = tif;
  // The replacement carries what is left to fill: the old order keeps its executions.
  if (has_qty && n.qty <= Quantity{})
    return error(422, 40010001, "qty must be > 0");
  bool changed = (has_qty && n.qty != old.qty - old.filled_qty) || (has_limit && n.limit_price != old.limit_price)
                 || (has_stop && n.stop_price != old.stop_price)
                 || (has_trail && n.trail_price != old.trail_price) || n.time_in_force != old.time_in_force;
  if (!changed)
    return error(403, 40310000, "unable to replace order, no change");
  if (!has_qty)
    n.qty = old.qty - old.filled_qty;
  std::string cid = read_string(obj, "client_order_id");
  n.client_order_id = cid.empty() ? uuid('c', next_id_ + 1) : cid;
  if (by_client_.count(n.client_order_id))
    return error(422, 40010001, "client_order_id must be unique");
  n.id = uuid('0', ++next_id_);
  n.seq = next_id_;
  n.replaces = old.id;
  n.replaced_by.clear();
  n.filled_qty = Quantity{};
  n.filled_notional = Money{};
  n.filled_ns = 0;
  n.status = "accepted";
  n.created_ns = n.updated_ns = now;
  old.status = "replaced";
  old.replaced_by = n.id;
  old.updated_ns = now;
  by_client_[n.client_order_id] = n.id;
  ++accepted_count_[n.client_order_id];
  auto& stored = orders_.emplace(n.id, n).first->second;
  std::string answer = order_json(stored, true);
  stored.status = "new";
  event("replaced", orders_.at(id), now, "");
  event("new", stored, now, "");
  return {200, answer};
}

reply fake_venue::cancel_order(const std::string& id, int64_t now) {
  auto it = orders_.find(id);
  if (it == orders_.end())
    return error(404, 40410000, "order not found for " + id);
  order& o = it->second;
  if (!is_open(o))
    return error(422, 42210000, "order is not cancelable: status " + o.status);
  o.status = "canceled";
  o.canceled_ns = o.updated_ns = now;
  event("canceled", o, now, "");
  for (const auto& leg_id : std::vector<std::string>{o.legs}) {
    order& leg = orders_.at(leg_id);
    if (is_open(leg) || leg.status == "held") {
      leg.status = "canceled";
      leg.canceled_ns = leg.updated_ns = now;
      event("canceled", leg, now, "");
    }
  }
  return {204, {}};
}

reply fake_venue::cancel_all(int64_t now) {
  std::string body = "[";
  bool first = true;
  for (auto& [id, o] : orders_) {
    if (!is_open(o))
      continue;
    o.status = "pending_cancel";
    std::string oj = order_json(o, true);
    o.status = "canceled";
    o.canceled_ns = o.updated_ns = now;
    event("canceled", o, now, "");
    body += (first ? "" : ",") + std::string{"{\"id\":\""} + id + "\",\"status\":200,\"body\":" + oj + "}";
    first = false;
  }
  return {207, body + "]"};
}

namespace {

std::string position_json(const std::string& sym, const holding& p, Price px) {
  Quantity absq = p.qty.abs();
  Price avg = div<Price>(p.cost.abs(), absq);
  Money mv = notional(p.qty, px);
  Money upl = mv - p.cost;
  std::string out;
  json_writer w{out};
  w.begin_object();
  kv(w, "asset_id", uuid('a', static_cast<int64_t>(std::hash<std::string>{}(sym) % 1000000)));
  kv(w, "symbol", sym);
  kv(w, "exchange", "NASDAQ");
  kv(w, "asset_class", "us_equity");
  w.key("asset_marginable");
  w.value(true);
  kv(w, "avg_entry_price", avg.to_string());
  kv(w, "qty", p.qty.to_string());
  kv(w, "qty_available", p.qty.to_string());
  kv(w, "side", p.qty.is_negative() ? "short" : "long");
  kv(w, "market_value", mv.to_string());
  kv(w, "cost_basis", p.cost.to_string());
  kv(w, "unrealized_pl", upl.to_string());
  kv(w, "unrealized_plpc", "0");
  kv(w, "unrealized_intraday_pl", upl.to_string());
  kv(w, "unrealized_intraday_plpc", "0");
  kv(w, "current_price", px.to_string());
  kv(w, "lastday_price", px.to_string());
  kv(w, "change_today", "0");
  w.end_object();
  return out;
}

} // namespace

reply fake_venue::positions() const {
  std::string body = "[";
  bool first = true;
  for (const auto& [sym, p] : positions_) {
    if (p.qty.is_zero())
      continue;
    body += (first ? "" : ",") + position_json(sym, p, prices_.at(sym));
    first = false;
  }
  return {200, body + "]"};
}

reply fake_venue::position(const std::string& symbol) const {
  auto it = positions_.find(symbol);
  if (it == positions_.end() || it->second.qty.is_zero())
    return error(404, 40410000, "position does not exist");
  return {200, position_json(symbol, it->second, prices_.at(symbol))};
}

reply fake_venue::fill_activities(const std::map<std::string, std::string>& q) const {
  auto get = [&](const char* k) {
    auto it = q.find(k);
    return it == q.end() ? std::string{} : it->second;
  };
  std::optional<int64_t> after, until;
  if (!get("after").empty() && !(after = parse_time(get("after"))))
    return error(422, 40010001, "invalid after");
  if (!get("until").empty() && !(until = parse_time(get("until"))))
    return error(422, 40010001, "invalid until");
  bool asc = get("direction") == "asc";
  long page_size = get("page_size").empty() ? 100 : std::strtol(get("page_size").c_str(), nullptr, 10);
  if (page_size <= 0 || page_size > 100)
    return error(422, 40010001, "page_size must be between 1 and 100");
  std::string token = get("page_token");
  std::vector<const fill_record*> sel;
  for (const auto& f : fills_) {
    if (after && f.time_ns <= *after)
      continue;
    if (until && f.time_ns >= *until)
      continue;
    sel.push_back(&f);
  }
  if (!asc)
    std::reverse(sel.begin(), sel.end());
  if (!token.empty()) {
    auto it = std::find_if(sel.begin(), sel.end(),
                           [&](const fill_record* f) { return f->activity_id == token; });
    if (it != sel.end())
      sel.erase(sel.begin(), it + 1);
  }
  if (sel.size() > static_cast<size_t>(page_size))
    sel.resize(static_cast<size_t>(page_size));
  std::string body = "[";
  for (size_t i = 0; i < sel.size(); ++i) {
    const auto& f = *sel[i];
    std::string one;
    json_writer w{one};
    w.begin_object();
    kv(w, "id", f.activity_id);
    kv(w, "activity_type", "FILL");
    kv(w, "transaction_time", rfc3339(f.time_ns));
    kv(w, "type", f.leaves_qty.is_zero() ? "fill" : "partial_fill");
    kv(w, "price", f.price.to_string());
    kv(w, "qty", f.qty.to_string());
    kv(w, "side", f.side);
    kv(w, "symbol", f.symbol);
    kv(w, "leaves_qty", f.leaves_qty.to_string());
    kv(w, "order_id", f.order_id);
    kv(w, "cum_qty", f.cum_qty.to_string());
    kv(w, "order_status", f.order_status);
    w.end_object();
    body += (i ? "," : "") + one;
  }
  return {200, body + "]"};
}

reply fake_venue::state() const {
  std::string body;
  json_writer w{body};
  w.begin_object();
  w.key("accepted");
  body += '[';
  bool first = true;
  for (const auto& [cid, n] : accepted_count_) {
    body += first ? "" : ",";
    body += "{\"client_order_id\":";
    std::string s;
    json_writer sw{s};
    sw.value(cid);
    body += s + ",\"count\":" + std::to_string(n) + "}";
    first = false;
  }
  body += ']';
  body += ",\"duplicate_posts\":" + std::to_string(duplicate_posts_);
  body += ",\"fills\":[";
  for (size_t i = 0; i < fills_.size(); ++i) {
    const auto& f = fills_[i];
    std::string one;
    json_writer fw{one};
    fw.begin_object();
    kv(fw, "execution_id", f.execution_id);
    kv(fw, "order_id", f.order_id);
    kv(fw, "client_order_id", f.client_order_id);
    kv(fw, "symbol", f.symbol);
    kv(fw, "side", f.side);
    kv(fw, "qty", f.qty.to_string());
    kv(fw, "price", f.price.to_string());
    fw.end_object();
    body += (i ? "," : "") + one;
  }
  body += "]}";
  return {200, body};
}

void fake_venue::execute(order& o, Quantity q, Price px, int64_t now) {
  o.filled_qty += q;
  o.filled_notional += notional(q, px);
  o.updated_ns = now;
  bool done = o.filled_qty >= o.qty;
  o.status = done ? "filled" : "partially_filled";
  if (done)
    o.filled_ns = now;
  // Position at average cost; cash moves by the notional.
  holding& p = positions_[o.symbol];
  Quantity signed_q = o.side == "buy" ? q : -q;
  Money value = notional(q, px);
  cash_ += o.side == "buy" ? -value : value;
  if (p.qty.is_zero() || (p.qty.is_positive() == signed_q.is_positive())) {
    p.cost += o.side == "buy" ? value : -value;
    p.qty += signed_q;
  } else {
    Quantity closing = std::min(q, p.qty.abs());
    // cost * (remaining / old), computed exactly enough through the average price
    Price avg = div<Price>(p.cost.abs(), p.qty.abs());
    Money closed_cost = notional(closing, avg);
    p.cost += p.qty.is_positive() ? -closed_cost : closed_cost;
    p.qty += signed_q;
    Quantity opened = q - closing;
    if (opened.is_positive())
      p.cost = o.side == "buy" ? notional(opened, px) : -notional(opened, px);
    if (p.qty.is_zero())
      p.cost = Money{};
  }
  fill_record f;
  f.execution_id = uuid('e', ++next_exec_);
  f.activity_id = compact_time(now) + "::" + f.execution_id;
  f.order_id = o.id;
  f.client_order_id = o.client_order_id;
  f.symbol = o.symbol;
  f.side = o.side;
  f.qty = q;
  f.price = px;
  f.cum_qty = o.filled_qty;
  f.leaves_qty = o.qty - o.filled_qty;
  f.order_status = o.status;
  f.time_ns = now;
  fills_.push_back(f);
  int fault = fill_fault ? fill_fault() : 0;
  if (fault == 1)
    return after_execution(o, done, now); // drop_fill: only the activities know it
  std::string extra = "\"execution_id\":\"" + f.execution_id + "\",\"price\":\"" + px.to_string()
                      + "\",\"qty\":\"" + q.to_string() + "\",\"position_qty\":\""
                      + p.qty.to_string() + "\",";
  event(done ? "fill" : "partial_fill", o, now, extra);
  if (fault == 2)
    event(done ? "fill" : "partial_fill", o, now, extra);
  after_execution(o, done, now);
}

void fake_venue::after_execution(order& o, bool done, int64_t now) {
  if (!o.parent.empty() || o.order_class == "oco")
    cancel_siblings(o, now);
  else if (done && !o.legs.empty())
    activate_legs(o, now);
}

void fake_venue::step(int64_t now) {
  // Walk every known symbol by one cent, up or down, from the seeded generator.
  for (auto& [sym, px] : prices_) {
    if (pinned_.count(sym))
      continue;
    int64_t cent = Price::scale / 100;
    int64_t move = (rng_() % 3) - 1;
    if (px.raw() + move * cent > cent)
      px = Price::from_raw(px.raw() + move * cent);
  }
  std::vector<order*> work;
  for (auto& [id, o] : orders_)
    if (is_open(o))
      work.push_back(&o);
  std::sort(work.begin(), work.end(), [](order* a, order* b) { return a->seq < b->seq; });
  for (order* o : work) {
    if (!is_open(*o))
      continue; // a sibling's fill canceled it in this step
    Price px = price_of(o->symbol);
    bool buy = o->side == "buy";
    // Triggers first: stops and trailing stops become market (or limit) orders.
    if (o->type == "trailing_stop" && !o->triggered) {
      if (buy ? px < o->hwm : px > o->hwm)
        o->hwm = px;
      Price trail = o->trail_price;
      if (!o->trail_percent.empty()) {
        auto pct = Rate::parse(o->trail_percent).value_or(Rate{});
        trail = mul<Price>(o->hwm, pct) ;
        trail = Price::from_raw(trail.raw() / 100);
      }
      Price stop = buy ? o->hwm + trail : o->hwm - trail;
      o->triggered = buy ? px >= stop : px <= stop;
    } else if ((o->type == "stop" || o->type == "stop_limit") && !o->triggered) {
      o->triggered = buy ? px >= o->stop_price : px <= o->stop_price;
    }
    bool marketable = false;
    if (o->type == "market")
      marketable = true;
    else if (o->type == "limit" || (o->type == "stop_limit" && o->triggered))
      marketable = buy ? px <= o->limit_price : px >= o->limit_price;
    else if (o->type == "stop" || o->type == "trailing_stop")
      marketable = o->triggered;
    // Limits fill at their limit or better: the fake fills at the limit when it crosses.
    Price fill_px = px;
    if ((o->type == "limit" || o->type == "stop_limit") && marketable)
      fill_px = buy ? std::min(px, o->limit_price) : std::max(px, o->limit_price);
    bool immediate = o->time_in_force == "ioc" || o->time_in_force == "fok";
    if (!marketable) {
      if (immediate) {
        o->status = "canceled";
        o->canceled_ns = o->updated_ns = now;
        event("canceled", *o, now, "");
      }
      continue;
    }
    Quantity left = o->qty - o->filled_qty;
    Quantity q = immediate ? left : std::min(left, partial_lot_);
    execute(*o, q, fill_px, now);
  }
}

} // namespace engine::fake_alpaca
