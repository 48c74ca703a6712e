// The HTTP API's routes as a function from request to response: auth, validation, JSON, metrics; no sockets.
#include "nodes/http/api_router.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include <simdjson.h>

#include "actors/clock/iso8601.hpp"
#include "actors/engine_metrics.hpp"
#include "messages/json_writer.hpp"

namespace engine::http {

// ---------------------------------------------------------------- metrics

void http_metrics::count(const std::string& route, int status) {
  std::lock_guard<std::mutex> guard{mtx_};
  ++requests_[{route, status}];
}

int64_t http_metrics::requests(const std::string& route, int status) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = requests_.find({route, status});
  return i == requests_.end() ? 0 : i->second;
}

void http_metrics::write(prometheus_text& out) const {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    out.family("engine_http_requests_total", "counter", "HTTP API requests by route and status code");
    for (auto& [key, n] : requests_)
      out.sample("engine_http_requests_total",
                 {{"route", key.first}, {"code", std::to_string(key.second)}}, n);
  }
  out.family("engine_http_unauthorized_total", "counter",
             "HTTP API requests refused for a missing or wrong bearer token");
  out.sample("engine_http_unauthorized_total", {}, unauthorized_.load());
  out.family("engine_http_event_clients", "gauge", "clients connected to GET /events");
  out.sample("engine_http_event_clients", {}, event_clients_.load());
  out.family("engine_http_event_clients_dropped_total", "counter",
             "event stream clients dropped for reading too slowly");
  out.sample("engine_http_event_clients_dropped_total", {}, event_clients_dropped_.load());
  write_histogram(out, "engine_manual_order_ack_seconds",
                  "POST /orders to the order manager's answer (risk checked, journaled, routed), "
                  "seconds",
                  manual_order_ack_);
}

// ---------------------------------------------------------------- helpers

std::string error_json(const std::string& message, const std::string& field) {
  std::string out;
  json_writer w{out};
  w.begin_object();
  w.key("error");
  w.value(message);
  if (!field.empty()) {
    w.key("field");
    w.value(field);
  }
  w.end_object();
  return out;
}

namespace {

api_response json(int status, std::string body) {
  api_response r;
  r.status = status;
  r.body = std::move(body);
  r.body += '\n';
  return r;
}

api_response error(int status, const std::string& message, const std::string& field = {}) {
  return json(status, error_json(message, field));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool url_decode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%') {
      if (i + 2 >= in.size())
        return false;
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0)
        return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return true;
}

/// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0 && !b.empty();
}

/// A request body that is not what a route accepts, naming the field.
struct bad_field {
  std::string field;
  std::string message;
};

/// A JSON object body, or a bad_field for malformed JSON.
class body_object {
public:
  explicit body_object(const std::string& body) {
    if (body.empty())
      throw bad_field{"", "expected a JSON object body"};
    auto err = parser_.parse(body).get(root_);
    if (err)
      throw bad_field{"", std::string{"malformed JSON: "} + simdjson::error_message(err)};
    if (root_.get_object().get(obj_))
      throw bad_field{"", "expected a JSON object body"};
  }

  bool has(const char* key) const {
    simdjson::dom::element e;
    return !obj_[key].get(e);
  }

  std::optional<std::string> string(const char* key) const {
    simdjson::dom::element e;
    if (obj_[key].get(e) || e.is_null())
      return std::nullopt;
    std::string_view s;
    if (e.get_string().get(s))
      throw bad_field{key, std::string{key} + ": expected a string"};
    return std::string{s};
  }

  std::string required_string(const char* key) const {
    auto s = string(key);
    if (!s || s->empty())
      throw bad_field{key, std::string{key} + ": required"};
    return *s;
  }

  /// A decimal as a JSON string ("12.5") or a JSON integer; never through a double.
  template <class T>
  std::optional<T> decimal(const char* key) const {
    simdjson::dom::element e;
    if (obj_[key].get(e) || e.is_null())
      return std::nullopt;
    std::string text;
    std::string_view s;
    int64_t i = 0;
    if (!e.get_string().get(s))
      text = std::string{s};
    else if (!e.get_int64().get(i))
      text = std::to_string(i);
    else
      throw bad_field{key, std::string{key} + ": expected a decimal string such as \"10.5\""};
    auto d = T::parse(text);
    if (!d)
      throw bad_field{key, std::string{key} + ": not an exact decimal in range: \"" + text + "\""};
    return d;
  }

  std::optional<bool> boolean(const char* key) const {
    simdjson::dom::element e;
    if (obj_[key].get(e) || e.is_null())
      return std::nullopt;
    bool v = false;
    if (e.get_bool().get(v))
      throw bad_field{key, std::string{key} + ": expected true or false"};
    return v;
  }

  std::optional<int64_t> integer(const char* key) const {
    simdjson::dom::element e;
    if (obj_[key].get(e) || e.is_null())
      return std::nullopt;
    int64_t i = 0;
    if (e.get_int64().get(i))
      throw bad_field{key, std::string{key} + ": expected an integer"};
    return i;
  }

  template <class E>
  std::optional<E> enumeration(const char* key) const {
    auto s = string(key);
    if (!s)
      return std::nullopt;
    auto e = enum_from_string<E>(*s);
    if (!e) {
      std::string allowed;
      for (auto n : enum_names<E>::values)
        allowed += (allowed.empty() ? "" : "|") + std::string{n};
      throw bad_field{key, std::string{key} + ": expected " + allowed + ", got \"" + *s + "\""};
    }
    return e;
  }

private:
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
  simdjson::dom::object obj_;
};

bool valid_ticker(const std::string& t) {
  if (t.empty() || t.size() > 16)
    return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '/';
  });
}

std::optional<int64_t> parse_int(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoll(s);
}

/// A time in a query: integer nanoseconds since the epoch, or ISO 8601 with an offset.
std::optional<timestamp_ns> parse_time(const std::string& s) {
  if (auto n = parse_int(s))
    return *n;
  try {
    return parse_iso8601(s);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

std::string content_type_of(const std::string& path) {
  auto dot = path.rfind('.');
  auto ext = dot == std::string::npos ? std::string{} : path.substr(dot + 1);
  if (ext == "html")
    return "text/html; charset=utf-8";
  if (ext == "js")
    return "text/javascript; charset=utf-8";
  if (ext == "css")
    return "text/css; charset=utf-8";
  if (ext == "svg")
    return "image/svg+xml";
  if (ext == "png")
    return "image/png";
  if (ext == "json")
    return "application/json";
  return "application/octet-stream";
}

template <class T>
std::string to_json_value(const T& x) {
  std::string out;
  json_writer w{out};
  w.value(x);
  return out;
}

} // namespace

bool split_target(const std::string& target, std::string& path,
                  std::map<std::string, std::string>& query) {
  auto q = target.find('?');
  if (!url_decode(std::string_view{target}.substr(0, q), path))
    return false;
  if (q == std::string::npos)
    return true;
  std::string_view rest = std::string_view{target}.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    std::string k, v;
    if (!url_decode(part.substr(0, eq), k))
      return false;
    if (eq != std::string_view::npos && !url_decode(part.substr(eq + 1), v))
      return false;
    query[k] = v;
  }
  return true;
}

// ---------------------------------------------------------------- router

api_router::api_router(api_backend& backend, router_options opts, http_metrics& metrics)
  : backend_(backend), opts_(std::move(opts)), metrics_(metrics) {}

std::string api_router::route_of(const std::string& method, const std::string& path) {
  static const std::vector<std::string> fixed{
    "/health", "/ready", "/status", "/orders", "/orders/cancel-all", "/fills", "/positions",
    "/account", "/risk", "/brokers", "/trading-state", "/events", "/metrics"};
  for (auto& f : fixed)
    if (path == f)
      return method + " " + f;
  if (path.rfind("/orders/", 0) == 0)
    return method + " /orders/{id}";
  if (method == "GET")
    return "GET static";
  return "other";
}

bool api_router::authorized(const api_request& req) const {
  constexpr std::string_view bearer = "Bearer ";
  if (req.authorization.size() <= bearer.size()
      || req.authorization.compare(0, bearer.size(), bearer) != 0)
    return false;
  return same_secret(std::string_view{req.authorization}.substr(bearer.size()),
                     opts_.token.reveal());
}

api_response api_router::handle(const api_request& req) {
  std::string path;
  std::map<std::string, std::string> query;
  api_response r;
  std::string route = "other";
  if (!split_target(req.target, path, query)) {
    r = error(400, "bad %-escape in the request target");
  } else {
    route = route_of(req.method, path);
    if (req.body.size() > opts_.max_body_bytes) {
      r = error(413, "body larger than " + std::to_string(opts_.max_body_bytes) + " bytes");
    } else {
      try {
        r = dispatch(req, path, query);
      } catch (const bad_field& b) {
        r = error(400, b.message, b.field);
      } catch (const backend_unavailable& e) {
        r = error(503, e.what());
      }
    }
  }
  if (r.status == 401) {
    metrics_.count_unauthorized();
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  metrics_.count(route, r.status);
  return r;
}

api_response api_router::dispatch(const api_request& req, const std::string& path,
                                  const std::map<std::string, std::string>& query) {
  const auto& m = req.method;
  if (path == "/health" && m == "GET")
    return json(200, R"({"status":"ok"})");
  // The dashboard's files carry no data: they load without a token and ask for one.
  bool api_path = path == "/ready" || path == "/status" || path == "/orders"
                  || path.rfind("/orders/", 0) == 0 || path == "/fills" || path == "/positions"
                  || path == "/account" || path == "/risk" || path == "/brokers"
                  || path == "/trading-state" || path == "/events" || path == "/metrics";
  if (!api_path) {
    if (m == "GET")
      return static_file(path);
    return error(404, "no route " + m + " " + path);
  }
  if (!authorized(req))
    return error(401, "missing or wrong bearer token");

  auto method_not_allowed = [&] { return error(405, m + " not allowed on " + path); };
  if (path == "/ready") {
    if (m != "GET")
      return method_not_allowed();
    auto checks = backend_.readiness();
    bool ok = std::all_of(checks.begin(), checks.end(), [](auto& c) { return c.ok; });
    std::string out;
    json_writer w{out};
    w.begin_object();
    w.key("ready");
    w.value(ok);
    w.key("checks");
    w.begin_object();
    for (auto& c : checks) {
      w.key(c.name);
      w.begin_object();
      w.key("ok");
      w.value(c.ok);
      w.key("detail");
      w.value(c.detail);
      w.end_object();
    }
    w.end_object();
    w.end_object();
    return json(ok ? 200 : 503, out);
  }
  if (path == "/status") {
    if (m != "GET")
      return method_not_allowed();
    auto stats = backend_.order_stats();
    auto account = backend_.account();
    auto perf = backend_.performance();
    auto limits = backend_.risk_limits();
    auto now = backend_.now();
    std::string out;
    json_writer w{out};
    w.begin_object();
    w.key("status_line");
    w.value(backend_.status_line());
    w.key("now");
    w.value(now);
    w.key("time");
    w.value(format_iso8601(now));
    w.key("trading_state");
    w.value(limits.trading_state);
    w.key("orders");
    w.value(stats);
    w.key("account");
    w.value(account);
    w.key("metrics");
    w.value(perf);
    w.end_object();
    return json(200, out);
  }
  if (path == "/orders") {
    if (m == "GET")
      return get_orders(query);
    if (m == "POST")
      return post_order(req);
    return method_not_allowed();
  }
  if (path == "/orders/cancel-all") {
    if (m != "POST")
      return method_not_allowed();
    return cancel_all(query);
  }
  if (path.rfind("/orders/", 0) == 0) {
    auto id = path.substr(8);
    if (id.empty() || id.find('/') != std::string::npos)
      return error(404, "no route " + m + " " + path);
    if (m == "GET") {
      auto o = backend_.order(id);
      if (!o)
        return error(404, "unknown order " + id, "id");
      return json(200, to_json_value(*o));
    }
    if (m == "DELETE") {
      // By order id or client order id, as GET finds it.
      auto o = backend_.order(id);
      if (!o)
        return error(404, "unknown order " + id, "id");
      CancelRequest c;
      c.order_id = o->order_id;
      c.reason = "canceled by the operator";
      c.timestamp = backend_.now();
      auto u = backend_.cancel(c);
      int status = 202;
      if (u.reject == RejectReason::unknown_order)
        status = 404;
      else if (u.reject == RejectReason::cannot_cancel || u.status != OrderStatus::pending_cancel)
        status = 409;
      return json(status, to_json_value(u));
    }
    return method_not_allowed();
  }
  if (path == "/fills") {
    if (m != "GET")
      return method_not_allowed();
    return get_fills(query);
  }
  if (path == "/positions") {
    if (m != "GET")
      return method_not_allowed();
    return json(200, to_json_value(backend_.positions()));
  }
  if (path == "/account") {
    if (m != "GET")
      return method_not_allowed();
    auto a = backend_.account();
    auto p = backend_.performance();
    std::string out;
    json_writer w{out};
    w.begin_object();
    w.key("account");
    w.value(a);
    w.key("metrics");
    w.value(p);
    w.end_object();
    return json(200, out);
  }
  if (path == "/risk") {
    if (m == "PUT")
      return put_risk(req);
    if (m != "GET")
      return method_not_allowed();
    auto limits = backend_.risk_limits();
    auto stats = backend_.order_stats();
    auto perf = backend_.performance();
    std::string out;
    json_writer w{out};
    w.begin_object();
    w.key("trading_state");
    w.value(limits.trading_state);
    w.key("limits");
    w.value(limits);
    w.key("counters");
    w.begin_object();
    w.key("daily_trades");
    w.value(perf.daily_trades);
    w.key("open_orders");
    w.value(stats.open);
    w.key("rejected");
    w.value(stats.rejected);
    w.key("rejects_by_reason");
    w.begin_object();
    for (auto& rc : stats.rejects_by_reason) {
      w.key(rc.reason);
      w.value(rc.count);
    }
    w.end_object();
    w.key("halt_reason");
    w.value(stats.halt_reason);
    w.end_object();
    w.end_object();
    return json(200, out);
  }
  if (path == "/brokers") {
    if (m != "GET")
      return method_not_allowed();
    return json(200, to_json_value(backend_.brokers()));
  }
  if (path == "/trading-state") {
    if (m != "PUT")
      return method_not_allowed();
    return put_trading_state(req);
  }
  if (path == "/events") {
    if (m != "GET")
      return method_not_allowed();
    api_response r;
    r.status = 200;
    r.content_type = "text/event-stream";
    r.event_stream = true;
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  if (path == "/metrics") {
    if (m != "GET")
      return method_not_allowed();
    api_response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_text();
    return r;
  }
  return error(404, "no route " + m + " " + path);
}

api_response api_router::get_orders(const std::map<std::string, std::string>& query) {
  bool open_only = true;
  if (auto i = query.find("status"); i != query.end()) {
    if (i->second == "all")
      open_only = false;
    else if (i->second != "open")
      throw bad_field{"status", "status: expected open|all, got \"" + i->second + "\""};
  }
  size_t limit = 100;
  if (auto i = query.find("limit"); i != query.end()) {
    auto n = parse_int(i->second);
    if (!n || *n < 1 || *n > 100000)
      throw bad_field{"limit", "limit: expected an integer 1..100000"};
    limit = static_cast<size_t>(*n);
  }
  std::string strategy, ticker;
  if (auto i = query.find("strategy"); i != query.end())
    strategy = i->second;
  if (auto i = query.find("ticker"); i != query.end())
    ticker = i->second;
  auto all = backend_.orders(open_only);
  std::vector<OrderExecution> picked;
  for (auto& o : all)
    if ((strategy.empty() || o.strategy == strategy) && (ticker.empty() || o.ticker == ticker))
      picked.push_back(std::move(o));
  // The newest `limit` orders (ids are in submission order).
  if (picked.size() > limit)
    picked.erase(picked.begin(), picked.end() - static_cast<std::ptrdiff_t>(limit));
  for (auto& o : picked)
    o.fills.clear(); // fills are on /orders/{id} and /fills
  return json(200, to_json_value(picked));
}

api_response api_router::get_fills(const std::map<std::string, std::string>& query) {
  timestamp_ns since = 0;
  if (auto i = query.find("since"); i != query.end()) {
    auto t = parse_time(i->second);
    if (!t)
      throw bad_field{"since", "since: expected nanoseconds since the epoch or ISO 8601 with an offset"};
    since = *t;
  }
  size_t limit = 1000;
  if (auto i = query.find("limit"); i != query.end()) {
    auto n = parse_int(i->second);
    if (!n || *n < 1 || *n > 100000)
      throw bad_field{"limit", "limit: expected an integer 1..100000"};
    limit = static_cast<size_t>(*n);
  }
  std::vector<Fill> fills;
  for (auto& o : backend_.orders(false))
    for (auto& f : o.fills)
      if (f.timestamp > since)
        fills.push_back(f);
  std::stable_sort(fills.begin(), fills.end(),
                   [](auto& a, auto& b) { return a.timestamp < b.timestamp; });
  if (fills.size() > limit)
    fills.erase(fills.begin(), fills.end() - static_cast<std::ptrdiff_t>(limit));
  return json(200, to_json_value(fills));
}

api_response api_router::post_order(const api_request& req) {
  body_object b{req.body};
  OrderRequest o;
  o.ticker = b.required_string("ticker");
  if (!valid_ticker(o.ticker))
    throw bad_field{"ticker", "ticker: expected an upper-case symbol such as AAPL"};
  auto side = b.enumeration<OrderSide>("side");
  if (!side)
    throw bad_field{"side", "side: required (buy|sell)"};
  o.side = *side;
  auto qty = b.decimal<Quantity>("quantity");
  if (!qty)
    throw bad_field{"quantity", "quantity: required"};
  if (!qty->is_positive())
    throw bad_field{"quantity", "quantity: must be positive"};
  o.quantity = *qty;
  o.order_type = b.enumeration<OrderType>("type").value_or(OrderType::market);
  o.time_in_force = b.enumeration<TimeInForce>("time_in_force").value_or(TimeInForce::day);
  if (auto p = b.decimal<Price>("price"))
    o.price = *p;
  if (auto p = b.decimal<Price>("stop_price"))
    o.stop_price = *p;
  bool needs_price = o.order_type == OrderType::limit || o.order_type == OrderType::stop_limit;
  bool needs_stop = o.order_type == OrderType::stop || o.order_type == OrderType::stop_limit;
  if (needs_price && !o.price.is_positive())
    throw bad_field{"price", "price: a positive limit price is required for a " +
                               to_string(o.order_type) + " order"};
  if (!needs_price && !o.price.is_zero())
    throw bad_field{"price", "price: not allowed on a " + to_string(o.order_type) + " order"};
  if (needs_stop && !o.stop_price.is_positive())
    throw bad_field{"stop_price", "stop_price: a positive stop price is required for a " +
                                    to_string(o.order_type) + " order"};
  if (o.order_type == OrderType::trailing_stop)
    throw bad_field{"type", "type: trailing_stop is not offered by the API"};
  if (o.time_in_force == TimeInForce::gtd)
    throw bad_field{"time_in_force", "time_in_force: gtd is not offered by the API"};
  // Multi-leg orders and extended hours: the risk manager checks that the legs make sense.
  o.order_class = b.enumeration<OrderClass>("order_class").value_or(OrderClass::simple);
  if (auto p = b.decimal<Price>("take_profit_limit_price"))
    o.take_profit_limit_price = *p;
  if (auto p = b.decimal<Price>("stop_loss_stop_price"))
    o.stop_loss_stop_price = *p;
  if (auto p = b.decimal<Price>("stop_loss_limit_price"))
    o.stop_loss_limit_price = *p;
  o.extended_hours = b.boolean("extended_hours").value_or(false);
  if (auto c = b.string("client_order_id")) {
    if (c->empty() || c->size() > 64)
      throw bad_field{"client_order_id", "client_order_id: 1 to 64 characters"};
    o.client_order_id = *c;
  }
  o.strategy = "operator";
  o.timestamp = backend_.now();
  if (o.client_order_id.empty())
    o.client_order_id = "op-" + std::to_string(o.timestamp) + "-" + std::to_string(++manual_seq_);
  auto started = std::chrono::steady_clock::now();
  auto u = backend_.submit(o);
  metrics_.manual_order_ack().record(std::chrono::steady_clock::now() - started);
  std::string out;
  json_writer w{out};
  w.begin_object();
  if (u.status == OrderStatus::rejected) {
    w.key("error");
    w.value(std::string{"order rejected"});
    w.key("reason");
    w.value(u.reason);
  }
  w.key("order");
  w.value(u);
  w.end_object();
  return json(u.status == OrderStatus::rejected ? 400 : 201, out);
}

api_response api_router::cancel_all(const std::map<std::string, std::string>& query) {
  std::string strategy, ticker;
  if (auto i = query.find("strategy"); i != query.end())
    strategy = i->second;
  if (auto i = query.find("ticker"); i != query.end())
    ticker = i->second;
  std::vector<OrderUpdate> results;
  int64_t requested = 0;
  for (auto& o : backend_.orders(true)) {
    if ((!strategy.empty() && o.strategy != strategy) || (!ticker.empty() && o.ticker != ticker))
      continue;
    CancelRequest c;
    c.order_id = o.order_id;
    c.reason = "cancel-all by the operator";
    c.timestamp = backend_.now();
    auto u = backend_.cancel(c);
    if (u.status == OrderStatus::pending_cancel)
      ++requested;
    results.push_back(std::move(u));
  }
  std::string out;
  json_writer w{out};
  w.begin_object();
  w.key("cancel_requested");
  w.value(requested);
  w.key("results");
  w.value(results);
  w.end_object();
  return json(202, out);
}

api_response api_router::put_trading_state(const api_request& req) {
  body_object b{req.body};
  auto state = b.enumeration<TradingState>("state");
  if (!state)
    throw bad_field{"state", "state: required (active|reducing|halted)"};
  auto reason = b.string("reason").value_or("");
  if (reason.size() > 500)
    throw bad_field{"reason", "reason: at most 500 characters"};
  auto by = b.string("by").value_or("operator");
  if (by.empty() || by.size() > 64)
    throw bad_field{"by", "by: 1 to 64 characters"};
  auto who = by + "@" + (req.remote.empty() ? std::string{"local"} : req.remote);
  bool journaled = backend_.set_trading_state(*state, who, reason);
  std::string out;
  json_writer w{out};
  w.begin_object();
  w.key("trading_state");
  w.value(*state);
  w.key("by");
  w.value(who);
  w.key("journaled");
  w.value(journaled);
  w.end_object();
  return json(journaled ? 200 : 500, out);
}

api_response api_router::put_risk(const api_request& req) {
  body_object b{req.body};
  auto limits = backend_.risk_limits();
  auto zero = Rate{};
  auto one = Rate::from_units(1);
  if (auto x = b.decimal<Rate>("max_position_size")) {
    if (!(*x > zero && *x <= one))
      throw bad_field{"max_position_size", "max_position_size: expected a fraction in (0, 1]"};
    limits.max_position_size = *x;
  }
  if (auto x = b.decimal<Money>("max_order_size")) {
    if (!x->is_positive())
      throw bad_field{"max_order_size", "max_order_size: must be positive"};
    limits.max_order_size = *x;
  }
  if (auto x = b.integer("max_daily_trades")) {
    if (*x < 1)
      throw bad_field{"max_daily_trades", "max_daily_trades: at least 1"};
    limits.max_daily_trades = *x;
  }
  if (auto x = b.integer("max_orders_per_second")) {
    if (*x < 0)
      throw bad_field{"max_orders_per_second", "max_orders_per_second: at least 0 (0 = off)"};
    limits.max_orders_per_second = *x;
  }
  if (auto x = b.decimal<Rate>("price_collar")) {
    if (*x < zero || *x > one)
      throw bad_field{"price_collar", "price_collar: expected a fraction in [0, 1]"};
    limits.price_collar = *x;
  }
  if (auto x = b.decimal<Rate>("stop_loss_pct")) {
    if (*x < zero || *x >= one)
      throw bad_field{"stop_loss_pct", "stop_loss_pct: expected a fraction in [0, 1)"};
    limits.stop_loss_pct = *x;
  }
  if (auto x = b.decimal<Rate>("take_profit_pct")) {
    if (*x < zero)
      throw bad_field{"take_profit_pct", "take_profit_pct: at least 0"};
    limits.take_profit_pct = *x;
  }
  if (auto x = b.enumeration<TradingState>("trading_state"))
    limits.trading_state = *x;
  auto reason = b.string("reason").value_or("");
  auto who = std::string{"operator@"} + (req.remote.empty() ? std::string{"local"} : req.remote);
  bool journaled = backend_.set_risk_limits(limits, who, reason);
  std::string out;
  json_writer w{out};
  w.begin_object();
  w.key("limits");
  w.value(limits);
  w.key("journaled");
  w.value(journaled);
  w.end_object();
  return json(journaled ? 200 : 500, out);
}

api_response api_router::static_file(const std::string& path) {
  if (opts_.www_dir.empty())
    return error(404, "no dashboard files configured");
  auto rel = path == "/" ? std::string{"/index.html"} : path;
  if (rel.find("..") != std::string::npos || rel.find('\0') != std::string::npos)
    return error(404, "no such file");
  // The charts library, installed pinned by deploy/install-deps.sh (never fetched at run time).
  std::string file = opts_.www_dir + rel;
  if (rel == "/vendor/lightweight-charts.js")
    file = opts_.vendor_dir + "/lightweight-charts/dist/lightweight-charts.standalone.production.js";
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return error(404, "no route GET " + path);
  std::ostringstream text;
  text << in.rdbuf();
  api_response r;
  r.content_type = content_type_of(rel);
  r.body = text.str();
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

std::string api_router::metrics_text() {
  prometheus_text out;
  auto stats = backend_.order_stats();
  out.family("engine_orders_submitted_total", "counter", "orders the order manager has taken");
  out.sample("engine_orders_submitted_total", {}, stats.submitted);
  out.family("engine_orders", "gauge", "orders by their current status");
  std::pair<const char*, int64_t> by_status[]{
    {"open", stats.open},         {"filled", stats.filled},     {"canceled", stats.canceled},
    {"rejected", stats.rejected}, {"expired", stats.expired},
    {"partially_filled", stats.partially_filled}};
  for (auto& [name, n] : by_status)
    out.sample("engine_orders", {{"status", name}}, n);
  out.family("engine_order_rejects_total", "counter", "rejected orders by reason");
  for (auto& rc : stats.rejects_by_reason)
    out.sample("engine_order_rejects_total", {{"reason", rc.reason}}, rc.count);
  out.family("engine_fills_total", "counter", "executions received");
  out.sample("engine_fills_total", {}, stats.fills);
  out.family("engine_halted", "gauge", "1 when the order manager refuses new orders (journal failure)");
  out.sample("engine_halted", {}, static_cast<int64_t>(stats.halt_reason.empty() ? 0 : 1));

  auto perf = backend_.performance();
  out.family("engine_traded_notional_dollars", "gauge", "notional traded today");
  out.sample("engine_traded_notional_dollars", {}, perf.daily_volume.to_string());
  out.family("engine_commission_dollars", "gauge", "commission paid today");
  out.sample("engine_commission_dollars", {}, perf.daily_commission.to_string());
  out.family("engine_trades_today", "gauge", "fills today (the daily trade count)");
  out.sample("engine_trades_today", {}, perf.daily_trades);
  out.family("engine_pnl_dollars", "gauge", "profit and loss before commissions");
  out.sample("engine_pnl_dollars", {{"kind", "total"}}, perf.total_pnl.to_string());
  out.sample("engine_pnl_dollars", {{"kind", "realized"}}, perf.realized_pnl.to_string());
  out.sample("engine_pnl_dollars", {{"kind", "unrealized"}}, perf.unrealized_pnl.to_string());

  auto account = backend_.account();
  out.family("engine_equity_dollars", "gauge", "cash plus the market value of the positions");
  out.sample("engine_equity_dollars", {}, account.equity.to_string());
  out.family("engine_cash_dollars", "gauge", "cash");
  out.sample("engine_cash_dollars", {}, account.cash.to_string());

  auto positions = backend_.positions();
  out.family("engine_position_quantity", "gauge", "position by ticker (negative when short)");
  for (auto& p : positions)
    out.sample("engine_position_quantity", {{"ticker", p.ticker}}, p.quantity.to_string());
  out.family("engine_position_market_value_dollars", "gauge", "market value by ticker");
  for (auto& p : positions)
    out.sample("engine_position_market_value_dollars", {{"ticker", p.ticker}},
               p.market_value.to_string());
  out.family("engine_position_unrealized_pnl_dollars", "gauge", "unrealized P&L by ticker");
  for (auto& p : positions)
    out.sample("engine_position_unrealized_pnl_dollars", {{"ticker", p.ticker}},
               p.unrealized_pnl.to_string());

  auto limits = backend_.risk_limits();
  out.family("engine_trading_state", "gauge", "the kill switch: 1 for the current state");
  for (auto name : enum_names<TradingState>::values)
    out.sample("engine_trading_state", {{"state", std::string{name}}},
               static_cast<int64_t>(enum_name(limits.trading_state) == name ? 1 : 0));

  auto brokers = backend_.brokers();
  out.family("engine_broker_state", "gauge", "1 for each broker's current state");
  for (auto& b : brokers)
    for (auto name : enum_names<BrokerState>::values)
      out.sample("engine_broker_state", {{"broker", b.broker}, {"state", std::string{name}}},
                 static_cast<int64_t>(enum_name(b.state) == name ? 1 : 0));
  out.family("engine_broker_restarts_total", "counter", "reconnects of each broker");
  for (auto& b : brokers)
    out.sample("engine_broker_restarts_total", {{"broker", b.broker}}, b.restarts);

  auto now = backend_.now();
  out.family("engine_market_data_age_seconds", "gauge",
             "time since each ticker's latest quote, on the node's clock");
  for (auto& q : backend_.quote_times())
    if (q.timestamp > 0)
      out.sample("engine_market_data_age_seconds", {{"ticker", q.ticker}},
                 static_cast<double>(now - q.timestamp) / 1e9);

  auto depths = backend_.mailbox_depths();
  if (!depths.empty()) {
    out.family("engine_mailbox_depth", "gauge",
               "messages waiting in an actor's mailbox, as the actor last saw it");
    for (auto& d : depths)
      out.sample("engine_mailbox_depth", {{"actor", d.actor}}, d.depth);
  }
  auto& pm = process_metrics();
  write_histogram(out, "engine_journal_fsync_seconds",
                  "fdatasync of a journal segment on the journal's writer thread, seconds",
                  pm.journal_fsync);
  write_histogram(out, "engine_order_ack_seconds",
                  "a new order's arrival at the order manager to its ack (risk checked, "
                  "journaled, routed), seconds",
                  pm.order_ack);
  metrics_.write(out);
  return out.text();
}

} // namespace engine::http
