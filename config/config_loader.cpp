// Loads app_config.yaml into the typed app_config, validating every key with a file:line message.
#include "config/config_loader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/fault_plan.hpp"
#include "config/yaml_read.hpp"

namespace engine {

using namespace config_read;

namespace {

std::string format_error(const std::string& file, int line, const std::string& key,
                         const std::string& message) {
  std::string out = file;
  if (line > 0)
    out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty())
    out += key + ": ";
  return out + message;
}

} // namespace

config_error::config_error(std::string file, int line, std::string key, std::string message)
  : std::runtime_error(format_error(file, line, key, message)),
    file_(std::move(file)),
    line_(line),
    key_(std::move(key)),
    message_(std::move(message)) {}

namespace {

// Bounds shared by many keys. A day caps every delay so that a unit slip
// (seconds typed as milliseconds) cannot overflow nanosecond timestamps.
constexpr int64_t one_day_ms = 86'400'000;
const Rate rate_zero{};
const Rate rate_one = Rate::from_units(1);

// --- small syntax checks ---------------------------------------------------

bool valid_ticker(std::string_view t) {
  return !t.empty() && t.size() <= 15 && std::all_of(t.begin(), t.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                  c == '/';
         });
}

/// Strategy and node names appear in "strategy:NAME" and on the wire.
bool valid_name(std::string_view n) {
  return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
         });
}

/// Parses `count` digits at `pos`; nullopt if any is not a digit.
std::optional<int> digits_at(std::string_view s, size_t pos, size_t count) {
  if (pos + count > s.size())
    return std::nullopt;
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i])))
      return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/// "H:MM" or "HH:MM" to minutes after midnight.
std::optional<int> parse_hhmm(std::string_view s) {
  size_t colon = s.find(':');
  if (colon != 1 && colon != 2)
    return std::nullopt;
  auto h = digits_at(s, 0, colon);
  auto m = digits_at(s, colon + 1, 2);
  if (!h || !m || s.size() != colon + 3 || *h > 23 || *m > 59)
    return std::nullopt;
  return *h * 60 + *m;
}

/// "+HH:MM" / "-HH:MM".
bool valid_offset(std::string_view s) {
  return s.size() == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':' &&
         digits_at(s, 1, 2).value_or(99) <= 23 && digits_at(s, 4, 2).value_or(99) <= 59;
}

bool valid_timezone(std::string_view tz) {
  return tz == "America/New_York" || tz == "UTC" || valid_offset(tz);
}

/// YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM): an offset is required so
/// that a start time never depends on the host's time zone.
bool valid_iso8601(std::string_view s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':')
    return false;
  auto y = digits_at(s, 0, 4), mo = digits_at(s, 5, 2), d = digits_at(s, 8, 2);
  auto h = digits_at(s, 11, 2), mi = digits_at(s, 14, 2), sec = digits_at(s, 17, 2);
  // Years limited to what int64 nanoseconds since 1970 can hold.
  if (!y || !mo || !d || !h || !mi || !sec || *y < 1678 || *y > 2261 || *mo < 1 || *mo > 12 ||
      *d < 1 || *h > 23 || *mi > 59 || *sec > 59)
    return false;
  static constexpr int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  if (*d > month_days[*mo - 1] || (*mo == 2 && *d == 29 && !leap))
    return false;
  size_t i = 19;
  if (s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
      ++i;
    if (i == start || i - start > 9)
      return false;
  }
  std::string_view zone = s.substr(i);
  return zone == "Z" || valid_offset(zone);
}

/// tcp://HOST:PORT with a port in 1..65535 (HOST may be "*" or "[v6]").
bool valid_endpoint(std::string_view e) {
  constexpr std::string_view scheme = "tcp://";
  if (e.substr(0, scheme.size()) != scheme)
    return false;
  e.remove_prefix(scheme.size());
  size_t colon = e.rfind(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 == e.size() ||
      e.size() - colon - 1 > 5)
    return false;
  auto port = digits_at(e, colon + 1, e.size() - colon - 1);
  return port && *port >= 1 && *port <= 65535;
}

std::string hhmm(int minutes) {
  auto two = [](int v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  return two(minutes / 60) + ":" + two(minutes % 60);
}

// --- typed readers for this file's recurring shapes -----------------------

std::string read_ticker(const entry& f) {
  auto s = read_scalar(f, "a ticker");
  if (!valid_ticker(s.text))
    f.fail("expected a ticker of A-Z, 0-9, '.', '-' or '/' (at most 15), got " + s.shown());
  return s.text;
}

std::string read_name(const entry& f) {
  auto s = read_scalar(f, "a name");
  if (!valid_name(s.text))
    f.fail("expected a name of letters, digits, '_', '-' or '.' (at most 64), got " +
           s.shown());
  return s.text;
}

/// A URL, or empty; when not empty it must start with one of `schemes`.
std::string read_url(const entry& f, const std::vector<std::string_view>& schemes) {
  if (f.is_null())
    return "";
  auto s = read_scalar(f, "a URL");
  if (s.text.empty())
    return "";
  for (auto scheme : schemes)
    if (s.text.rfind(scheme, 0) == 0)
      return s.text;
  std::string names;
  for (auto scheme : schemes)
    names += (names.empty() ? "" : " or ") + std::string{scheme};
  f.fail("expected a URL starting with " + names + ", got " + s.shown());
}

/// A key that may be absent: absent reads as null, so the checks that need
/// it still run and name it, at its parent's line (none at the top level:
/// line 1 would point at an unrelated key).
entry sub(const section& s, std::string_view key) {
  if (const entry* f = s.get(key))
    return *f;
  const entry& parent = s.self();
  return entry{parent.src, YAML::Node(), parent.child_path(key),
               parent.path.empty() ? 0 : parent.line};
}

/// A ticker that strategies may trade: with synthetic data, only the
/// configured tickers have quotes, so any other would never trade.
void check_has_data(const entry& f, const std::string& ticker,
                    const std::set<std::string>* known) {
  if (known && known->count(ticker) == 0)
    f.fail("no market data for '" + ticker + "' (not in market_data.tickers)");
}

/// A key something cannot work without (a broker's key, a data source's
/// file): required, and not empty once substituted.
void require_nonempty(const section& s, std::string_view key, bool is_empty,
                      const std::string& why) {
  const entry& f = s.require(key, why);
  if (is_empty)
    f.fail("must not be empty " + why);
}

// --- sections --------------------------------------------------------------

const std::vector<std::string_view> broker_types{"simulator", "alpaca", "ibkr"};
const std::vector<std::string_view> data_sources{"synthetic", "csv", "polygon"};
const std::vector<std::string_view> strategy_types{"rebalancer", "ma_crossover",
                                                   "random_orders", "plugin", "external"};
const std::vector<std::string_view> disconnect_policies{"cancel", "keep"};
const std::vector<std::string_view> rotate_kinds{"daily", "size"};
const std::vector<std::string_view> log_levels{"trace", "debug", "info",    "warn",
                                               "error", "critical", "off"};

void read_broker(const entry& f, broker_config& b, execution_mode mode) {
  auto s = check_keys(f, {"name", "type", "api_key", "secret_key", "base_url", "stream_url",
                          "host", "port", "client_id", "account", "requests_per_minute",
                          "max_restarts", "restart_window_s", "backoff_initial_ms",
                          "backoff_max_ms", "fallback_to_simulator", "answer_timeout_ms",
                          "ping_interval_ms", "down_retry_s", "faults"});
  if (auto x = s.get("type"))
    b.type = broker_types[read_choice(*x, broker_types)];
  b.name = b.type;
  if (auto x = s.get("name")) {
    b.name = read_nonempty_string(*x);
    if (!valid_name(b.name))
      x->fail("must be letters, digits, '_', '-' or '.', at most 64, got \"" + b.name + "\"");
  }
  if (auto x = s.get("account"))
    b.account = read_string(*x);
  if (auto x = s.get("requests_per_minute"))
    b.requests_per_minute = static_cast<int>(read_int(*x, between<int64_t>(0, 100000)));
  if (auto x = s.get("answer_timeout_ms"))
    b.answer_timeout_ms = static_cast<int>(read_int(*x, between<int64_t>(10, one_day_ms)));
  if (auto x = s.get("ping_interval_ms"))
    b.ping_interval_ms = static_cast<int>(read_int(*x, between<int64_t>(10, 600000)));
  if (auto x = s.get("down_retry_s"))
    b.down_retry_s = static_cast<int>(read_int(*x, between<int64_t>(0, 86400)));
  if (auto x = s.get("faults"))
    b.faults = read_fault_plan(*x);
  if (auto x = s.get("api_key"))
    b.api_key = read_secret(*x);
  if (auto x = s.get("secret_key"))
    b.secret_key = read_secret(*x);
  if (auto x = s.get("base_url"))
    b.base_url = read_url(*x, {"https://", "http://"});
  if (auto x = s.get("stream_url"))
    b.stream_url = read_url(*x, {"wss://", "ws://"});
  if (auto x = s.get("host"))
    b.host = read_nonempty_string(*x);
  if (auto x = s.get("port"))
    b.port = static_cast<int>(read_int(*x, between<int64_t>(1, 65535)));
  if (auto x = s.get("client_id"))
    b.client_id = static_cast<int>(read_int(*x, between<int64_t>(0, INT32_MAX)));
  if (auto x = s.get("max_restarts"))
    b.max_restarts = static_cast<int>(read_int(*x, between<int64_t>(0, 1000)));
  if (auto x = s.get("restart_window_s"))
    b.restart_window_s = static_cast<int>(read_int(*x, between<int64_t>(1, 86400)));
  if (auto x = s.get("backoff_initial_ms"))
    b.backoff_initial_ms = static_cast<int>(read_int(*x, between<int64_t>(1, one_day_ms)));
  if (auto x = s.get("backoff_max_ms"))
    b.backoff_max_ms = static_cast<int>(read_int(*x, between<int64_t>(1, one_day_ms)));
  if (b.backoff_max_ms < b.backoff_initial_ms)
    sub(s, "backoff_max_ms")
      .fail("must be >= backoff_initial_ms (" + std::to_string(b.backoff_initial_ms) +
            "), got " + std::to_string(b.backoff_max_ms));
  if (auto x = s.get("fallback_to_simulator")) {
    b.fallback_to_simulator = read_bool(*x);
    // A live account never trades against a simulator by surprise.
    if (b.fallback_to_simulator && mode == execution_mode::live)
      x->fail("is refused in live mode: a live account never falls back to a simulator");
  }

  if (b.type == "alpaca") {
    const std::string why = "for broker alpaca";
    require_nonempty(s, "api_key", b.api_key.empty(), why);
    require_nonempty(s, "secret_key", b.secret_key.empty(), why);
    require_nonempty(s, "base_url", b.base_url.empty(), why);
  }
}

void read_execution(const entry& f, execution_config& e) {
  auto s = check_keys(
    f, {"mode", "spread_multiplier", "slippage_bps", "impact_bps_per_1000", "execution_delay_ms",
        "cancel_delay_ms", "commission_rate", "min_commission", "participation_rate",
        "reject_outside_session", "seed", "max_position_size", "max_order_size",
        "max_daily_trades", "max_orders_per_second", "price_collar", "stop_loss_pct",
        "take_profit_pct", "trading_state", "broker", "brokers", "max_queued_orders",
         "recent_closed_orders"});
  auto& sim = e.simulator;
  auto& risk = e.risk.limits;
  if (auto x = s.get("mode"))
    e.mode = read_enum<execution_mode>(*x);
  // The simulator's fill model.
  if (auto x = s.get("spread_multiplier"))
    sim.spread_multiplier = read_decimal<Rate>(*x, at_least(rate_zero));
  if (auto x = s.get("slippage_bps"))
    sim.slippage_bps = read_decimal<Rate>(*x, at_least(rate_zero));
  if (auto x = s.get("impact_bps_per_1000"))
    sim.impact_bps_per_1000 = read_decimal<Rate>(*x, at_least(rate_zero));
  if (auto x = s.get("execution_delay_ms"))
    sim.execution_delay_ms = read_int(*x, between<int64_t>(0, one_day_ms));
  if (auto x = s.get("cancel_delay_ms"))
    sim.cancel_delay_ms = read_int(*x, between<int64_t>(0, one_day_ms));
  if (auto x = s.get("commission_rate"))
    sim.commission_rate = read_decimal<Rate>(*x, between(rate_zero, rate_one));
  if (auto x = s.get("min_commission"))
    sim.min_commission = read_decimal<Money>(*x, at_least(Money{}));
  if (auto x = s.get("participation_rate"))
    sim.participation_rate = read_decimal<Rate>(*x, between(rate_zero, rate_one));
  if (auto x = s.get("reject_outside_session"))
    sim.reject_outside_session = read_bool(*x);
  if (auto x = s.get("seed"))
    sim.seed = read_uint(*x);
  // The risk manager's limits.
  if (auto x = s.get("max_position_size"))
    risk.max_position_size = read_decimal<Rate>(*x, above_up_to(rate_zero, rate_one));
  if (auto x = s.get("max_order_size"))
    risk.max_order_size = read_decimal<Money>(*x, above(Money{}));
  if (auto x = s.get("max_daily_trades"))
    risk.max_daily_trades = read_int(*x, at_least<int64_t>(1));
  if (auto x = s.get("max_orders_per_second"))
    risk.max_orders_per_second = read_int(*x, at_least<int64_t>(0));
  if (auto x = s.get("price_collar"))
    risk.price_collar = read_decimal<Rate>(*x, between(rate_zero, rate_one));
  if (auto x = s.get("stop_loss_pct"))
    risk.stop_loss_pct = read_decimal<Rate>(*x, from_below(rate_zero, rate_one));
  if (auto x = s.get("take_profit_pct"))
    risk.take_profit_pct = read_decimal<Rate>(*x, at_least(rate_zero));
  if (auto x = s.get("trading_state"))
    risk.trading_state = read_enum<TradingState>(*x);
  if (auto x = s.get("max_queued_orders"))
    e.max_queued_orders = read_int(*x, between<int64_t>(0, 100'000'000));
  if (auto x = s.get("recent_closed_orders"))
    e.recent_closed_orders = read_int(*x, between<int64_t>(0, 100'000'000));
  if (s.get("broker") && s.get("brokers"))
    s.get("brokers")->fail("give either broker (one) or brokers (a list), not both");
  if (auto x = s.get("brokers")) {
    std::map<std::string, int> first_line;
    for (auto& item : read_list(*x)) {
      broker_config b;
      read_broker(item, b, e.mode);
      auto [it, fresh] = first_line.emplace(b.name, item.line);
      if (!fresh)
        item.fail("duplicate broker name '" + b.name + "' (first at line " +
                  std::to_string(it->second) + "); give each a distinct name");
      e.brokers.push_back(std::move(b));
    }
    if (e.brokers.empty())
      x->fail("must list at least one broker");
    e.broker = e.brokers.front();
  } else {
    read_broker(sub(s, "broker"), e.broker, e.mode);
    e.brokers = {e.broker};
  }

  // The mode and the broker must agree: a mismatch is a config slip, not a choice.
  bool simulated = e.broker.type == "simulator";
  if (e.mode == execution_mode::simulation && !simulated)
    sub(s, "mode").fail("simulation runs on the simulator, but execution.broker.type is '" +
                        e.broker.type + "'; use mode paper or live");
  if (e.mode != execution_mode::simulation && simulated)
    sub(s, "mode").fail("mode " + to_string(e.mode) +
                        " needs a real broker: set execution.broker.type to alpaca or ibkr");
}

void read_session(const entry& f, session_config& c) {
  auto s = check_keys(f, {"timezone", "open", "close"});
  if (auto x = s.get("timezone")) {
    auto t = read_scalar(*x, "a time zone");
    if (!valid_timezone(t.text))
      x->fail("unknown time zone " + t.shown() +
              "; expected America/New_York, UTC or an offset like -05:00");
    c.timezone = t.text;
  }
  auto read_time = [](const entry& x) {
    auto t = read_scalar(x, "a time HH:MM");
    auto m = parse_hhmm(t.text);
    if (!m)
      x.fail("expected a time HH:MM, got " + t.shown());
    return *m;
  };
  if (auto x = s.get("open"))
    c.open_minute = read_time(*x);
  if (auto x = s.get("close"))
    c.close_minute = read_time(*x);
  if (c.open_minute >= c.close_minute) {
    if (s.get("close"))
      s.get("close")->fail("must be after open (" + hhmm(c.open_minute) + "), got '" +
                           hhmm(c.close_minute) + "'");
    sub(s, "open").fail("must be before close (" + hhmm(c.close_minute) + "), got '" +
                        hhmm(c.open_minute) + "'");
  }
}

void read_clock(const entry& f, clock_config& c) {
  auto s = check_keys(f, {"kind", "speed", "start"});
  if (auto x = s.get("kind"))
    c.kind = read_enum<clock_kind>(*x);
  if (auto x = s.get("speed"))
    c.speed = read_double(*x, between(0.0, 1e6));
  if (auto x = s.get("start")) {
    auto t = read_scalar(*x, "an ISO 8601 time");
    if (!valid_iso8601(t.text))
      x->fail("expected an ISO 8601 time with offset like 2026-11-24T09:30:00-05:00, got " +
              t.shown());
    c.start = t.text;
  }
}

synthetic_ticker read_synthetic_ticker(const entry& f) {
  auto s = check_keys(
    f, {"ticker", "start_price", "volatility", "drift", "spread_bps", "bid_size", "ask_size"});
  synthetic_ticker t;
  t.ticker = read_ticker(s.require("ticker"));
  t.start_price = read_decimal<Price>(s.require("start_price"), above(Price{}));
  if (auto x = s.get("volatility"))
    t.volatility = read_decimal<Rate>(*x, between(rate_zero, Rate::from_units(10)));
  if (auto x = s.get("drift"))
    t.drift = read_decimal<Rate>(*x, between(Rate::from_units(-10), Rate::from_units(10)));
  if (auto x = s.get("spread_bps"))
    t.spread_bps = read_decimal<Rate>(*x, between(rate_zero, Rate::from_units(10000)));
  t.bid_size = read_decimal<Quantity>(s.require("bid_size"), above(Quantity{}));
  t.ask_size = read_decimal<Quantity>(s.require("ask_size"), above(Quantity{}));
  return t;
}

void read_market_data(const entry& f, market_data_config& m) {
  auto s = check_keys(
    f, {"source", "seed", "quote_interval_ms", "batch_size", "tickers", "csv", "polygon",
        "record"});
  if (auto x = s.get("source"))
    m.source = data_sources[read_choice(*x, data_sources)];
  if (auto x = s.get("seed"))
    m.seed = read_uint(*x);
  if (auto x = s.get("quote_interval_ms"))
    m.quote_interval_ms = read_int(*x, between<int64_t>(1, one_day_ms));
  if (auto x = s.get("batch_size"))
    m.batch_size = read_int(*x, between<int64_t>(1, 1'000'000));
  std::map<std::string, int> first_line;
  for (const auto& item : read_list(sub(s, "tickers"))) {
    auto t = read_synthetic_ticker(item);
    auto [it, fresh] = first_line.emplace(t.ticker, item.line);
    if (!fresh)
      item.fail_at("ticker", "duplicate ticker '" + t.ticker + "' (first at line " +
                               std::to_string(it->second) + ")");
    m.tickers.push_back(std::move(t));
  }

  auto csv = check_keys(sub(s, "csv"), {"quotes", "bars", "on_error"});
  if (auto x = csv.get("quotes"))
    m.csv_quotes = read_string(*x);
  if (auto x = csv.get("bars"))
    m.csv_bars = read_string(*x);
  if (auto x = csv.get("on_error"))
    m.csv_on_error = read_enum<csv_error_policy>(*x);

  if (auto x = s.get("record"))
    m.record = read_nonempty_string(*x);

  auto polygon = check_keys(sub(s, "polygon"),
                            {"api_key", "ws_url", "rest_url", "tickers", "channels",
                             "silence_timeout_ms", "rest_timeout_ms", "backoff_initial_ms",
                             "backoff_max_ms", "max_restarts", "restart_window_s",
                             "down_retry_s", "max_pending_quotes"});
  if (auto x = polygon.get("api_key"))
    m.polygon_api_key = read_secret(*x);
  if (auto x = polygon.get("ws_url"))
    m.polygon_ws_url = read_url(*x, {"wss://", "ws://"});
  if (auto x = polygon.get("rest_url"))
    m.polygon_rest_url = read_url(*x, {"https://", "http://"});
  // Plain text only to this machine: a key never crosses a network unencrypted.
  for (const char* key : {"ws_url", "rest_url"})
    if (auto x = polygon.get(key)) {
      const std::string& url = std::string_view{key} == "ws_url" ? m.polygon_ws_url
                                                                 : m.polygon_rest_url;
      if (url.rfind("ws://", 0) == 0 || url.rfind("http://", 0) == 0) {
        auto host = url.substr(url.find("//") + 2);
        host = host.rfind("[::1]", 0) == 0 ? "::1" : host.substr(0, host.find_first_of(":/"));
        if (host != "::1" && host != "localhost" && host.rfind("127.", 0) != 0)
          x->fail("plain ws:// and http:// are allowed only to 127.0.0.1 or localhost");
      }
    }
  if (auto x = polygon.get("tickers")) {
    m.polygon_tickers.clear();
    for (const auto& item : read_list(*x))
      m.polygon_tickers.push_back(read_ticker(item));
  }
  if (auto x = polygon.get("channels")) {
    m.polygon_channels.clear();
    for (const auto& item : read_list(*x)) {
      auto c = read_nonempty_string(item);
      if (c != "Q" && c != "T" && c != "AM")
        item.fail("expected Q, T or AM");
      m.polygon_channels.push_back(c);
    }
  }
  if (auto x = polygon.get("silence_timeout_ms"))
    m.polygon_silence_timeout_ms = read_int(*x, between<int64_t>(50, one_day_ms));
  if (auto x = polygon.get("rest_timeout_ms"))
    m.polygon_rest_timeout_ms = read_int(*x, between<int64_t>(10, 600'000));
  if (auto x = polygon.get("backoff_initial_ms"))
    m.polygon_backoff_initial_ms = read_int(*x, between<int64_t>(1, 600'000));
  if (auto x = polygon.get("backoff_max_ms"))
    m.polygon_backoff_max_ms = read_int(*x, between<int64_t>(1, one_day_ms));
  if (m.polygon_backoff_max_ms < m.polygon_backoff_initial_ms)
    sub(polygon, "backoff_max_ms")
      .fail("must be >= backoff_initial_ms (" + std::to_string(m.polygon_backoff_initial_ms) +
            "), got " + std::to_string(m.polygon_backoff_max_ms));
  // The same bounds as a broker's supervision keys.
  if (auto x = polygon.get("max_restarts"))
    m.polygon_max_restarts = read_int(*x, between<int64_t>(0, 1000));
  if (auto x = polygon.get("restart_window_s"))
    m.polygon_restart_window_s = read_int(*x, between<int64_t>(1, 86400));
  if (auto x = polygon.get("down_retry_s"))
    m.polygon_down_retry_s = read_int(*x, between<int64_t>(0, 86400));
  if (auto x = polygon.get("max_pending_quotes"))
    m.polygon_max_pending_quotes = read_int(*x, between<int64_t>(1, 100'000'000));
  if (m.polygon_tickers.empty())
    for (const auto& t : m.tickers)
      m.polygon_tickers.push_back(t.ticker);

  // The chosen source must have what it reads from.
  if (m.source == "synthetic" && m.tickers.empty())
    sub(s, "tickers").fail("the synthetic source needs at least one ticker");
  if (m.source == "csv" && m.csv_quotes.empty() && m.csv_bars.empty())
    csv.self().fail("the csv source needs csv.quotes or csv.bars");
  if (m.source == "polygon") {
    require_nonempty(polygon, "api_key", m.polygon_api_key.empty(), "for the polygon source");
    if (m.polygon_tickers.empty())
      polygon.self().fail_at("tickers", "the polygon source needs polygon.tickers (or tickers)");
  }
}

/// A parsed params map that owns its source, so it outlives the loader.
struct owned_entry {
  source src;
  entry e;
};

/// `type: plugin`: the library must exist now; its class and params are
/// checked by the library itself when the node starts (actors/strategy_plugin_loader).
void read_plugin_strategy(const section& s, const std::string& where, strategy_config& c) {
  const entry& lib = s.require("library", where);
  auto given = read_nonempty_string(lib);
  std::filesystem::path p{given};
  if (p.is_relative())
    p = lib.src->base_dir.empty() ? std::filesystem::absolute(p)
                                  : std::filesystem::path{lib.src->base_dir} / p;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec))
    lib.fail("no such library '" + given + "'" +
             (p.string() == given ? std::string{} : " (looked for " + p.string() + ")"));
  c.library = std::filesystem::absolute(p, ec).lexically_normal().string();
  c.plugin_class = read_name(s.require("class", where));
  if (const entry* params = s.get("params"))
    read_map(*params); // a map (or nothing), each key once
  auto params = sub(s, "params");
  if (params.is_null()) {
    c.params_yaml = "{}";
  } else {
    YAML::Emitter out;
    out << YAML::Flow << params.node;
    c.params_yaml = out.c_str();
  }
  auto holder = std::make_shared<owned_entry>();
  holder->src = *s.self().src;
  holder->e = s.self();
  holder->e.src = &holder->src;
  c.entry = std::shared_ptr<const entry>(holder, &holder->e);
}

/// `type: external`: where the gateway listens and what happens when the process goes.
void read_external_strategy(const section& s, const std::string& where, strategy_config& c) {
  const entry& ep = s.require("endpoint", where);
  auto e = read_scalar(ep, "an endpoint");
  // Port 0 binds any free port; the node prints the one it got.
  bool any_port = e.text.size() > 2 && e.text.compare(e.text.size() - 2, 2, ":0") == 0 &&
                  valid_endpoint(e.text.substr(0, e.text.size() - 1) + "1");
  if (!valid_endpoint(e.text) && !any_port)
    ep.fail("expected tcp://HOST:PORT, got " + e.shown());
  c.endpoint = e.text;
  if (auto x = s.get("on_disconnect"))
    c.cancel_on_disconnect = disconnect_policies[read_choice(*x, disconnect_policies)] == "cancel";
  if (auto x = s.get("heartbeat_timeout_ms"))
    // The Python client beats every 0.5 s: a shorter timeout would drop an idle process.
    c.heartbeat_timeout_ms = read_int(*x, between<int64_t>(1000, one_day_ms));
  if (auto x = s.get("wait_for_process_ms"))
    c.wait_for_process_ms = read_int(*x, between<int64_t>(0, one_day_ms));
  auto key_file = [&](const entry& x) {
    std::filesystem::path p{read_nonempty_string(x)};
    if (p.is_relative() && !x.src->base_dir.empty())
      p = std::filesystem::path{x.src->base_dir} / p;
    return p.string();
  };
  if (auto x = s.get("public_key_file"))
    c.public_key_file = key_file(*x);
  if (auto x = s.get("secret_key_file"))
    c.secret_key_file = key_file(*x);
  if (c.public_key_file.empty() != c.secret_key_file.empty())
    s.self().fail_at(c.public_key_file.empty() ? "public_key_file" : "secret_key_file",
                     "required with " + std::string{c.public_key_file.empty() ? "secret_key_file"
                                                                              : "public_key_file"});
  if (auto x = s.get("client_key_files"))
    for (const auto& item : read_list(*x))
      c.client_key_files.push_back(key_file(item));
}

strategy_config read_strategy(const entry& f, const std::set<std::string>* tickers) {
  strategy_config c;
  // The type decides which keys are allowed, so it is read before the keys are checked.
  auto type_field = peek(f, "type");
  if (!type_field) {
    read_map(f); // reports a list or a value where a strategy's map belongs
    f.fail_at("type",
              "required (one of rebalancer, ma_crossover, random_orders, plugin, external)");
  }
  c.type = strategy_types[read_choice(*type_field, strategy_types)];
  std::vector<std::string_view> keys{"name", "type", "broker"};
  if (c.type == "rebalancer")
    keys.insert(keys.end(), {"target_weights", "drift_threshold", "rebalance_interval_ms"});
  else if (c.type == "ma_crossover")
    keys.insert(keys.end(), {"ticker", "fast_window", "slow_window", "quantity"});
  else if (c.type == "plugin")
    keys.insert(keys.end(), {"library", "class", "params"});
  else if (c.type == "external")
    keys.insert(keys.end(), {"endpoint", "on_disconnect", "heartbeat_timeout_ms", "wait_for_process_ms",
                             "public_key_file", "secret_key_file", "client_key_files"});
  else
    keys.insert(keys.end(), {"tickers", "orders_per_second", "seed", "max_quantity",
                             "limit_fraction", "limit_offset_bps", "max_resting",
                             "crossing_fraction", "max_orders"});
  const std::string where = "for a " + c.type + " strategy";
  auto s = check_keys(f, keys, where);
  c.name = read_name(s.require("name"));
  if (auto x = s.get("broker"))
    c.broker = read_nonempty_string(*x); // checked against execution.brokers by the caller

  if (c.type == "plugin") {
    read_plugin_strategy(s, where, c);
  } else if (c.type == "external") {
    read_external_strategy(s, where, c);
  } else if (c.type == "rebalancer") {
    const entry& weights = s.require("target_weights", where);
    Rate total;
    for (const auto& [ticker, w] : read_map(weights)) {
      if (!valid_ticker(ticker))
        w.fail("expected a ticker of A-Z, 0-9, '.', '-' or '/' (at most 15) as the key");
      check_has_data(w, ticker, tickers);
      Rate weight = read_decimal<Rate>(w, above_up_to(rate_zero, rate_one));
      c.target_weights[ticker] = weight;
      total += weight;
    }
    if (c.target_weights.empty())
      weights.fail("needs at least one ticker and its weight");
    if (total > rate_one)
      weights.fail("weights sum to " + total.to_string() + ", more than 1");
    if (auto x = s.get("drift_threshold"))
      c.drift_threshold = read_decimal<Rate>(*x, above_up_to(rate_zero, rate_one));
    if (auto x = s.get("rebalance_interval_ms"))
      c.rebalance_interval_ms = read_int(*x, between<int64_t>(1, one_day_ms));
  } else if (c.type == "ma_crossover") {
    const entry& ticker = s.require("ticker", where);
    c.ticker = read_ticker(ticker);
    check_has_data(ticker, c.ticker, tickers);
    if (auto x = s.get("fast_window"))
      c.fast_window = read_int(*x, between<int64_t>(1, 100'000));
    if (auto x = s.get("slow_window"))
      c.slow_window = read_int(*x, between<int64_t>(2, 100'000));
    if (c.fast_window >= c.slow_window) {
      if (s.get("fast_window"))
        s.get("fast_window")
          ->fail("must be less than slow_window (" + std::to_string(c.slow_window) + "), got " +
                 std::to_string(c.fast_window));
      sub(s, "slow_window")
        .fail("must be greater than fast_window (" + std::to_string(c.fast_window) + "), got " +
              std::to_string(c.slow_window));
    }
    c.quantity = read_decimal<Quantity>(s.require("quantity", where), above(Quantity{}));
  } else {
    const entry& list = s.require("tickers", where);
    for (const auto& item : read_list(list)) {
      std::string t = read_ticker(item);
      check_has_data(item, t, tickers);
      if (std::find(c.tickers.begin(), c.tickers.end(), t) != c.tickers.end())
        item.fail("duplicate ticker '" + t + "'");
      c.tickers.push_back(t);
    }
    if (c.tickers.empty())
      list.fail("needs at least one ticker");
    if (auto x = s.get("orders_per_second"))
      c.orders_per_second = read_double(*x, above_up_to(0.0, 100'000.0));
    if (auto x = s.get("seed"))
      c.seed = read_uint(*x);
    c.max_quantity = read_decimal<Quantity>(s.require("max_quantity", where), above(Quantity{}));
    if (auto x = s.get("limit_fraction"))
      c.limit_fraction = read_decimal<Rate>(*x, between(rate_zero, rate_one));
    if (auto x = s.get("limit_offset_bps"))
      c.limit_offset_bps = read_decimal<Rate>(*x, between(rate_zero, Rate::from_units(10000)));
    if (auto x = s.get("max_resting"))
      c.max_resting = read_int(*x, between<int64_t>(0, 10'000'000));
    if (auto x = s.get("crossing_fraction"))
      c.crossing_fraction = read_decimal<Rate>(*x, between(rate_zero, rate_one));
    if (auto x = s.get("max_orders"))
      c.max_orders = read_int(*x, between<int64_t>(0, 1'000'000'000));
  }
  return c;
}

void read_strategies(const entry& f, app_config& cfg) {
  // With synthetic data the tickers are known up front, so a typo is caught here.
  std::set<std::string> known;
  for (const auto& t : cfg.market_data.tickers)
    known.insert(t.ticker);
  if (cfg.market_data.source == "polygon") // the subscribed tickers are the only ones with data
    known.insert(cfg.market_data.polygon_tickers.begin(), cfg.market_data.polygon_tickers.end());
  const std::set<std::string>* tickers =
    cfg.market_data.source == "synthetic" || cfg.market_data.source == "polygon" ? &known
                                                                                 : nullptr;
  std::map<std::string, int> first_line;
  for (const auto& item : read_list(f)) {
    auto c = read_strategy(item, tickers);
    if (!c.broker.empty()) {
      bool found = false;
      for (auto& b : cfg.execution.brokers)
        found = found || b.name == c.broker;
      if (!found)
        peek(item, "broker")->fail("no broker named '" + c.broker + "' in execution.brokers");
    }
    auto [it, fresh] = first_line.emplace(c.name, item.line);
    if (!fresh)
      item.fail_at("name", "duplicate strategy name '" + c.name + "' (first at line " +
                             std::to_string(it->second) + ")");
    cfg.strategies.push_back(std::move(c));
  }
}

void read_journal(const entry& f, journal_config& j) {
  auto s = check_keys(
    f, {"dir", "fsync", "batch_max_records", "batch_max_us", "rotate", "rotate_bytes",
        "page_cache_bytes"});
  if (auto x = s.get("dir"))
    j.dir = read_nonempty_string(*x);
  if (auto x = s.get("fsync"))
    j.fsync = read_enum<fsync_policy>(*x);
  if (auto x = s.get("batch_max_records"))
    j.batch_max_records = read_int(*x, between<int64_t>(1, 1'000'000));
  if (auto x = s.get("batch_max_us"))
    j.batch_max_us = read_int(*x, between<int64_t>(0, 10'000'000));
  if (auto x = s.get("rotate"))
    j.rotate = rotate_kinds[read_choice(*x, rotate_kinds)];
  if (auto x = s.get("rotate_bytes"))
    j.rotate_bytes = read_int(*x, at_least<int64_t>(4096));
  if (auto x = s.get("page_cache_bytes"))
    j.page_cache_bytes = read_int(*x, at_least<int64_t>(0));
}

void read_scheduler(const entry& f, scheduler_config& s) {
  auto k = check_keys(f, {"idle_polls", "workers"});
  if (auto x = k.get("idle_polls"))
    s.idle_polls = read_int(*x, between<int64_t>(0, 10'000'000));
  if (auto x = k.get("workers"))
    s.workers = read_int(*x, between<int64_t>(1, 256));
}

void read_logging(const entry& f, logging_config& l) {
  auto s = check_keys(f, {"level", "file"});
  if (auto x = s.get("level"))
    l.level = log_levels[read_choice(*x, log_levels)];
  if (auto x = s.get("file"))
    l.file = read_string(*x);
}

/// `http:` the operator's API. Beyond loopback only with allow_remote (no TLS is served).
void read_http(const entry& f, http_config& h) {
  if (f.is_null())
    return;
  auto s = check_keys(f, {"listen", "allow_remote", "token", "www_dir", "max_body_bytes",
                          "idle_timeout_ms"});
  h.enabled = true;
  if (auto x = s.get("listen")) {
    auto text = read_nonempty_string(*x);
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
      x->fail("expected HOST:PORT, got '" + text + "'");
    h.host = text.substr(0, colon);
    if (h.host.size() > 2 && h.host.front() == '[' && h.host.back() == ']')
      h.host = h.host.substr(1, h.host.size() - 2);
    auto port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5
        || port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535)
      x->fail("expected a port 0..65535 after ':', got '" + text + "'");
    h.port = std::stoi(port);
  }
  if (auto x = s.get("allow_remote"))
    h.allow_remote = read_bool(*x);
  if (auto x = s.get("token"))
    h.token = read_secret(*x);
  if (auto x = s.get("www_dir"))
    h.www_dir = read_string(*x);
  if (auto x = s.get("max_body_bytes"))
    h.max_body_bytes = read_int(*x, between<int64_t>(256, 16 * 1024 * 1024));
  if (auto x = s.get("idle_timeout_ms"))
    h.idle_timeout_ms = read_int(*x, between<int64_t>(100, 3'600'000));
  bool loopback = h.host == "127.0.0.1" || h.host == "localhost" || h.host == "::1"
                  || h.host.rfind("127.", 0) == 0;
  if (!loopback && !h.allow_remote)
    sub(s, "listen").fail("listening on '" + h.host +
                          "' (beyond loopback) needs allow_remote: true; there is no TLS");
  if (h.token.empty())
    f.fail_at("token", "required (a bearer token, e.g. \"${EXEC_HTTP_TOKEN}\")");
}

const std::vector<std::string_view> actor_names{
  "order_manager", "risk_manager", "position_keeper", "trade_logger",
  "simulator",     "market_data",  "broker",          "all"};

/// Checks one entry of nodes[].actors: a known actor, "all" or "strategy:NAME".
std::string read_actor(const entry& f, const app_config& cfg) {
  auto a = read_scalar(f, "an actor name");
  const std::string& name = a.text;
  if (name.rfind("strategy:", 0) == 0) {
    std::string strategy = name.substr(9);
    for (const auto& s : cfg.strategies)
      if (s.name == strategy)
        return name;
    std::vector<std::string_view> names;
    for (const auto& s : cfg.strategies)
      names.push_back(s.name);
    std::string msg = "unknown strategy '" + strategy + "'";
    if (auto near = closest(strategy, names))
      msg += "; did you mean 'strategy:" + *near + "'?";
    else
      msg += names.empty() ? " (no strategies are configured)" : " (not in strategies)";
    f.fail(msg);
  }
  if (std::find(actor_names.begin(), actor_names.end(), name) != actor_names.end())
    return name;
  std::string msg = "unknown actor " + a.shown();
  if (auto near = closest(name, actor_names))
    msg += "; did you mean '" + *near + "'?";
  else
    msg += "; expected order_manager, risk_manager, position_keeper, trade_logger, simulator, "
           "market_data, broker, strategy:NAME or all";
  f.fail(msg);
}

/// Why an actor that is not in required_actors(cfg) is there at all.
std::string why_unused(const std::string& actor, const app_config& cfg) {
  if (actor == "broker")
    return "actor 'broker' is not used: execution.broker.type is 'simulator'";
  return "actor 'simulator' is not used: execution.broker.type is '" + cfg.execution.broker.type +
         "' and fallback_to_simulator is false";
}

void read_nodes(const section& top, app_config& cfg) {
  const entry* f = top.get("nodes");
  if (!f) {
    cfg.nodes.push_back(node_config{"main", "", {"all"}, "", ""});
    return;
  }
  auto items = read_list(*f);
  if (items.empty())
    f->fail("needs at least one node");
  std::vector<std::string> required = required_actors(cfg);
  std::map<std::string, std::string> placed; // actor -> node
  for (const auto& item : items) {
    auto s = check_keys(item, {"name", "endpoint", "actors", "public_key_file",
                               "secret_key_file"});
    node_config n;
    n.name = read_name(s.require("name"));
    for (const auto& other : cfg.nodes)
      if (other.name == n.name)
        s.get("name")->fail("duplicate node name '" + n.name + "'");
    if (auto x = s.get("endpoint")) {
      auto e = x->is_null() ? scalar_text{} : read_scalar(*x, "an endpoint");
      if (!e.text.empty() && !valid_endpoint(e.text))
        x->fail("expected tcp://HOST:PORT, got " + e.shown());
      n.endpoint = e.text;
      for (const auto& other : cfg.nodes)
        if (!n.endpoint.empty() && other.endpoint == n.endpoint)
          x->fail("endpoint '" + n.endpoint + "' is already used by node '" + other.name + "'");
    }
    if (items.size() > 1 && n.endpoint.empty())
      sub(s, "endpoint").fail("required when there are several nodes");
    if (auto x = s.get("public_key_file"))
      n.public_key_file = read_string(*x);
    if (auto x = s.get("secret_key_file"))
      n.secret_key_file = read_string(*x);
    if (n.public_key_file.empty() != n.secret_key_file.empty())
      item.fail_at(n.public_key_file.empty() ? "public_key_file" : "secret_key_file",
                   "required with " +
                     std::string{n.public_key_file.empty() ? "secret_key_file"
                                                           : "public_key_file"});
    if (!cfg.nodes.empty() && cfg.nodes.front().public_key_file.empty() !=
                                n.public_key_file.empty())
      item.fail_at("public_key_file", "either every node has key files or none has");

    const entry& actors = s.require("actors");
    auto list = read_list(actors);
    if (list.empty())
      actors.fail("needs at least one actor");
    for (const auto& a : list) {
      std::string name = read_actor(a, cfg);
      n.actors.push_back(name);
      std::vector<std::string> expanded = name == "all" ? required : std::vector{name};
      for (const auto& actor : expanded) {
        if (std::find(required.begin(), required.end(), actor) == required.end())
          a.fail(why_unused(actor, cfg));
        auto [it, fresh] = placed.emplace(actor, n.name);
        if (!fresh)
          a.fail("actor '" + actor + "' is already placed on node '" + it->second + "'");
      }
    }
    cfg.nodes.push_back(std::move(n));
  }
  for (const auto& actor : required)
    if (placed.count(actor) == 0)
      f->fail("actor '" + actor + "' is not placed on any node");
}

app_config parse(const std::string& text, const source& src) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::ParserException& e) {
    throw config_error(src.file, e.mark.line + 1, "", "YAML syntax error: " + e.msg);
  }
  if (docs.size() > 1)
    throw config_error(src.file, docs[1].Mark().line + 1, "",
                       "only one YAML document is allowed");
  entry root{&src, docs.empty() ? YAML::Node() : docs[0], "",
             docs.empty() ? 0 : docs[0].Mark().line + 1};
  auto top = check_keys(root, {"initial_cash", "execution", "session", "clock", "market_data",
                               "strategies", "journal", "scheduler", "logging", "nodes",
                               "http"});
  app_config cfg;
  cfg.source_file = src.file;
  if (auto x = top.get("initial_cash"))
    cfg.initial_cash = read_decimal<Money>(*x, at_least(Money{}));
  read_execution(sub(top, "execution"), cfg.execution);
  read_session(sub(top, "session"), cfg.session);
  read_clock(sub(top, "clock"), cfg.clock);
  read_market_data(sub(top, "market_data"), cfg.market_data);
  read_strategies(sub(top, "strategies"), cfg); // after market_data: tickers are checked
  read_journal(sub(top, "journal"), cfg.journal);
  read_scheduler(sub(top, "scheduler"), cfg.scheduler);
  read_logging(sub(top, "logging"), cfg.logging);
  read_nodes(top, cfg); // last: it places strategies and the broker
  read_http(sub(top, "http"), cfg.http);
  // An external strategy without keys of its own uses its node's CURVE keys.
  for (auto& s : cfg.strategies) {
    if (s.type != "external" || !s.secret_key_file.empty())
      continue;
    for (const auto& n : cfg.nodes)
      if (std::find(n.actors.begin(), n.actors.end(), "all") != n.actors.end() ||
          std::find(n.actors.begin(), n.actors.end(), "strategy:" + s.name) != n.actors.end()) {
        s.public_key_file = n.public_key_file;
        s.secret_key_file = n.secret_key_file;
      }
  }
  return cfg;
}

} // namespace

app_config load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw config_error(path, 0, "", std::string{"cannot read config file: "} +
                                      std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    throw config_error(path, 0, "", "cannot read config file");
  source src{path, std::filesystem::path{path}.parent_path().string()};
  return parse(text.str(), src);
}

app_config parse_config_text(const std::string& yaml, const std::string& name_for_errors) {
  source src{name_for_errors, ""};
  return parse(yaml, src);
}

std::vector<std::string> required_actors(const app_config& cfg) {
  std::vector<std::string> out{"order_manager", "risk_manager", "position_keeper",
                               "trade_logger", "market_data"};
  const auto& b = cfg.execution.broker;
  if (b.type == "simulator" || b.fallback_to_simulator)
    out.push_back("simulator");
  if (b.type != "simulator")
    out.push_back("broker");
  for (const auto& s : cfg.strategies)
    out.push_back("strategy:" + s.name);
  return out;
}

std::vector<std::string> node_actors(const app_config& cfg, const node_config& node) {
  std::vector<std::string> out;
  for (const auto& a : node.actors) {
    if (a == "all") {
      auto all = required_actors(cfg);
      out.insert(out.end(), all.begin(), all.end());
    } else {
      out.push_back(a);
    }
  }
  return out;
}

std::string describe(const app_config& cfg) {
  const auto& e = cfg.execution;
  const auto& sim = e.simulator;
  const auto& risk = e.risk.limits;
  const auto& md = cfg.market_data;
  std::ostringstream o;
  o << "config " << (cfg.source_file.empty() ? "(built in code)" : cfg.source_file) << "\n";
  o << "  execution: mode " << to_string(e.mode) << ", broker " << e.broker.type
    << ", initial cash " << cfg.initial_cash.to_string() << "\n";
  o << "  simulator: spread x" << sim.spread_multiplier.to_string() << ", slippage "
    << sim.slippage_bps.to_string() << " bps, impact " << sim.impact_bps_per_1000.to_string()
    << " bps/1000 sh, delay " << sim.execution_delay_ms << " ms, cancel delay "
    << sim.cancel_delay_ms << " ms, commission " << sim.commission_rate.to_string() << " (min "
    << sim.min_commission.to_string() << "), participation "
    << sim.participation_rate.to_string() << ", seed " << sim.seed << "\n";
  // A zero limit is switched off in the risk manager.
  auto limit = [](bool off, const std::string& v) { return off ? std::string{"off"} : v; };
  o << "  risk: " << to_string(risk.trading_state) << ", max position "
    << limit(risk.max_position_size.is_zero(), risk.max_position_size.to_string() + " of equity")
    << ", max order " << limit(risk.max_order_size.is_zero(), risk.max_order_size.to_string())
    << ", max daily trades "
    << limit(risk.max_daily_trades == 0, std::to_string(risk.max_daily_trades))
    << ", max orders/s "
    << limit(risk.max_orders_per_second == 0, std::to_string(risk.max_orders_per_second))
    << ", collar " << limit(risk.price_collar.is_zero(), risk.price_collar.to_string())
    << ", stop loss " << limit(risk.stop_loss_pct.is_zero(), risk.stop_loss_pct.to_string())
    << ", take profit "
    << limit(risk.take_profit_pct.is_zero(), risk.take_profit_pct.to_string()) << "\n";
  if (e.broker.type == "alpaca")
    o << "  broker alpaca: " << e.broker.base_url << " stream " << e.broker.stream_url
      << ", api_key " << to_string(e.broker.api_key) << ", secret_key "
      << to_string(e.broker.secret_key) << "\n";
  else if (e.broker.type == "ibkr")
    o << "  broker ibkr: " << e.broker.host << ":" << e.broker.port << " client "
      << e.broker.client_id << "\n";
  if (e.broker.type != "simulator")
    o << "  broker supervision: " << e.broker.max_restarts << " restarts in "
      << e.broker.restart_window_s << " s, backoff " << e.broker.backoff_initial_ms << ".."
      << e.broker.backoff_max_ms << " ms, fallback to simulator "
      << (e.broker.fallback_to_simulator ? "yes" : "no") << "\n";
  o << "  session: " << cfg.session.timezone << " " << hhmm(cfg.session.open_minute) << "-"
    << hhmm(cfg.session.close_minute) << "; clock " << to_string(cfg.clock.kind);
  if (cfg.clock.kind == clock_kind::simulated)
    o << " from " << cfg.clock.start << " at speed " << to_text(cfg.clock.speed)
      << (cfg.clock.speed == 0 ? " (as fast as possible)" : "");
  o << "\n";
  o << "  market data: " << md.source;
  if (md.source == "synthetic") {
    o << " (seed " << md.seed << ", a quote every " << md.quote_interval_ms << " ms, batches of "
      << md.batch_size << "):";
    for (const auto& t : md.tickers)
      o << " " << t.ticker << "@" << t.start_price.to_string();
  } else if (md.source == "csv") {
    o << " quotes '" << md.csv_quotes << "' bars '" << md.csv_bars << "' on error "
      << to_string(md.csv_on_error);
  } else {
    o << " " << md.polygon_ws_url << " api_key " << to_string(md.polygon_api_key)
      << ", supervision " << md.polygon_max_restarts << " restarts in "
      << md.polygon_restart_window_s << " s, backoff " << md.polygon_backoff_initial_ms << ".."
      << md.polygon_backoff_max_ms << " ms, down retry " << md.polygon_down_retry_s << " s";
  }
  o << "\n";
  if (cfg.strategies.empty())
    o << "  strategies: none\n";
  for (const auto& s : cfg.strategies) {
    o << "  strategy " << s.name << ": " << s.type;
    if (s.type == "rebalancer") {
      for (const auto& [ticker, w] : s.target_weights)
        o << " " << ticker << "=" << w.to_string();
      o << ", drift " << s.drift_threshold.to_string() << ", every " << s.rebalance_interval_ms
        << " ms";
    } else if (s.type == "external") {
      o << " at " << s.endpoint << (s.secret_key_file.empty() ? "" : " (CURVE)")
        << ", on disconnect " << (s.cancel_on_disconnect ? "cancel" : "keep") << ", timeout "
        << s.heartbeat_timeout_ms << " ms";
    } else if (s.type == "plugin") {
      o << " " << s.plugin_class << " from " << s.library << ", params " << s.params_yaml;
    } else if (s.type == "ma_crossover") {
      o << " " << s.ticker << ", windows " << s.fast_window << "/" << s.slow_window << ", "
        << s.quantity.to_string() << " shares";
    } else {
      o << " " << to_text(s.orders_per_second) << "/s on";
      for (const auto& t : s.tickers)
        o << " " << t;
      o << ", up to " << s.max_quantity.to_string() << " shares, seed " << s.seed;
    }
    o << "\n";
  }
  o << "  journal: " << cfg.journal.dir << ", fsync " << to_string(cfg.journal.fsync) << " ("
    << cfg.journal.batch_max_records << " records / " << cfg.journal.batch_max_us
    << " us), rotate " << cfg.journal.rotate << "; logging " << cfg.logging.level
    << (cfg.logging.file.empty() ? " to stderr" : " to stderr and " + cfg.logging.file) << "\n";
  if (cfg.http.enabled)
    o << "  http: " << cfg.http.host << ":" << cfg.http.port
      << (cfg.http.allow_remote ? " (remote allowed)" : "") << ", token "
      << to_string(cfg.http.token) << "\n";
  for (const auto& n : cfg.nodes) {
    o << "  node " << n.name << (n.endpoint.empty() ? "" : " at " + n.endpoint) << ":";
    for (const auto& a : n.actors)
      o << " " << a;
    o << (n.public_key_file.empty() ? "" : " (CURVE keys)") << "\n";
  }
  return o.str();
}

} // namespace engine
