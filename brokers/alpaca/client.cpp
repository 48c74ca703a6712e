// The Alpaca protocol client (see client.hpp): one Asio thread owns every socket and every
// piece of state; the public methods post onto it.
#include "brokers/alpaca/client.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "brokers/alpaca/legs.hpp"
#include "brokers/alpaca/wire.hpp"
#include "config/logging.hpp"
#include "messages/order_legs.hpp"
#include "messages/order_state_machine.hpp"

namespace engine::alpaca {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---- URLs ----------------------------------------------------------------------------------

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]")
    return true;
  if (host.rfind("127.", 0) != 0)
    return false;
  // 127.a.b.c with digits only
  for (char c : host)
    if (c != '.' && (c < '0' || c > '9'))
      return false;
  return true;
}

std::optional<venue_url> parse_venue_url(const std::string& url, std::string& error) {
  venue_url u;
  auto sep = url.find("://");
  if (sep == std::string::npos) {
    error = "not a URL: " + url;
    return std::nullopt;
  }
  std::string scheme = url.substr(0, sep);
  if (scheme == "https" || scheme == "wss")
    u.tls = true;
  else if (scheme != "http" && scheme != "ws") {
    error = "unsupported URL scheme '" + scheme + "' in " + url;
    return std::nullopt;
  }
  std::string rest = url.substr(sep + 3);
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.path.empty() && u.path.back() == '/')
    u.path.pop_back();
  if (authority.find('@') != std::string::npos) {
    error = "credentials in a URL are not accepted: " + scheme + "://...";
    return std::nullopt;
  }
  auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.size() > 2 && u.host.front() == '[' && u.host.back() == ']')
    u.host = u.host.substr(1, u.host.size() - 2);
  if (u.host.empty() || u.port.empty()
      || u.port.find_first_not_of("0123456789") != std::string::npos) {
    error = "bad host or port in " + url;
    return std::nullopt;
  }
  if (!u.tls && !is_loopback_host(u.host)) {
    error = "plain " + scheme + "://" + u.host
            + " refused: the API keys would travel in clear text (plain URLs are for loopback"
              " hosts only; use https:// / wss://)";
    return std::nullopt;
  }
  return u;
}

alpaca_options options_from(const broker_config& b, const std::string& broker_name) {
  alpaca_options o;
  if (!b.base_url.empty())
    o.base_url = b.base_url;
  if (!b.stream_url.empty())
    o.stream_url = b.stream_url;
  o.api_key = b.api_key;
  o.secret_key = b.secret_key;
  o.broker = broker_name;
  return o;
}

std::string validate(const alpaca_options& o) {
  std::string err;
  if (!parse_venue_url(o.base_url, err))
    return "base_url: " + err;
  if (!parse_venue_url(o.stream_url, err))
    return "stream_url: " + err;
  if (o.api_key.empty() || o.secret_key.empty())
    return "api_key and secret_key are required";
  return {};
}

// ---- the implementation ----------------------------------------------------------------

namespace {

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string url_encode(const std::string& s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// One REST answer: status 0 means no answer (connect failure, timeout, dropped).
struct rest_result {
  int status = 0;
  std::string body;
  std::string error;
  std::string retry_after;
  std::string rate_reset;
};

struct rest_call {
  http::verb verb = http::verb::get;
  std::string target; // below the base URL's path
  std::string body;
  std::function<void(rest_result)> done;
};

/// What the client knows about one engine order.
struct order_track {
  std::string alpaca_id;                       // the live Alpaca order
  std::map<std::string, Quantity> filled;      // per Alpaca order: cumulative filled_qty seen
  bool accepted = false;
  bool done = false;                           // a terminal report was sent
  int replaces = 0;                            // replacements sent
};

} // namespace

struct alpaca_connection::impl : std::enable_shared_from_this<impl> {
  explicit impl(alpaca_options o)
    : opts(std::move(o)), ssl_ctx(ssl::context::tls_client), resolver(ioc),
      log(logger("alpaca")), rest_timer(ioc) {
    ssl_ctx.set_verify_mode(ssl::verify_peer);
    if (opts.ca_file.empty())
      ssl_ctx.set_default_verify_paths();
    else
      ssl_ctx.load_verify_file(opts.ca_file);
    if (opts.requests_per_minute > 0) {
      capacity = opts.burst > 0 ? opts.burst : std::max(1, opts.requests_per_minute / 4);
      tokens = capacity;
    }
  }

  // ---- configuration and shared state (io thread only unless atomic) ----
  alpaca_options opts;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  ssl::context ssl_ctx;
  tcp::resolver resolver;
  venue_url rest_url, ws_url;
  net::venue_events events;
  std::atomic<bool> stopped{false};
  bool closed = false;     // on_disconnected sent (or stopping): nothing more goes out
  bool connected = false;  // on_connected sent
  std::shared_ptr<spdlog::logger> log;

  // counters
  std::atomic<int64_t> n_requests{0}, n_rate_limited{0}, n_garbage{0}, n_resolved{0},
    n_resubmitted{0}, n_dup_fills{0};

  // ---- REST ----
  std::unique_ptr<beast::tcp_stream> rest_plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> rest_tls;
  bool rest_open = false;
  bool rest_busy = false;
  std::deque<rest_call> queue;
  asio::steady_timer rest_timer;
  bool timer_armed = false;
  steady::time_point paused_until{};
  double tokens = 0;
  int capacity = 0;
  steady::time_point last_refill = steady::now();
  int rest_failures = 0;
  beast::flat_buffer rest_buf;
  std::shared_ptr<http::request<http::string_body>> rest_req;
  std::shared_ptr<http::response<http::string_body>> rest_res;

  // ---- stream ----
  using ws_plain_t = websocket::stream<beast::tcp_stream>;
  using ws_tls_t = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
  std::unique_ptr<ws_plain_t> ws_plain;
  std::unique_ptr<ws_tls_t> ws_tls;
  beast::flat_buffer ws_buf;
  std::string ws_out;
  int ws_phase = 0; // 0 connecting, 1 auth sent, 2 listen sent, 3 streaming

  // ---- orders ----
  std::map<std::string, order_track> orders;          // engine order id -> track
  std::map<std::string, std::string> alpaca_to_cid;   // Alpaca order id -> client_order_id
  std::set<std::string> seen_exec;                    // execution ids reported
  std::set<std::string> replaced_reported;            // old Alpaca ids whose replace was sent
  leg_book legs;                                      // bracket/oco/oto legs under engine ids
  std::deque<trade_update> held; // events after a leg of unknown parent, until it is found

  // ================================================================ lifecycle

  void start() {
    std::string err;
    auto r = parse_venue_url(opts.base_url, err);
    auto w = r ? parse_venue_url(opts.stream_url, err) : std::nullopt;
    if (!r || !w) {
      fail({err, true});
      return;
    }
    if (opts.api_key.empty() || opts.secret_key.empty()) {
      fail({"api_key and secret_key are required", true});
      return;
    }
    rest_url = *r;
    ws_url = *w;
    // Check the keys with a cheap call first: a 401/403 is fatal, not a reconnect case.
    request(http::verb::get, "/v2/account", "", [self = shared_from_this()](rest_result res) {
      if (self->closed)
        return;
      if (res.status == 401 || res.status == 403) {
        self->fail({"authentication refused by Alpaca (HTTP " + std::to_string(res.status)
                      + ")", true});
        return;
      }
      if (res.status != 200) {
        self->fail({"account check failed: " + describe(res), false});
        return;
      }
      self->connect_stream();
    });
  }

  void shutdown_sockets() {
    beast::error_code ec;
    if (rest_plain)
      rest_plain->socket().close(ec);
    if (rest_tls)
      beast::get_lowest_layer(*rest_tls).socket().close(ec);
    if (ws_plain)
      beast::get_lowest_layer(*ws_plain).socket().close(ec);
    if (ws_tls)
      beast::get_lowest_layer(*ws_tls).socket().close(ec);
    rest_open = false;
    rest_timer.cancel();
    resolver.cancel();
  }

  /// The connection is gone: tell the engine once, answer every pending call, send nothing.
  void fail(net::venue_error e) {
    if (closed)
      return;
    closed = true;
    log->warn("alpaca: disconnected: {}{}", e.message, e.fatal ? " (fatal)" : "");
    shutdown_sockets();
    auto pending = std::move(queue);
    queue.clear();
    for (auto& c : pending)
      if (c.done)
        c.done(rest_result{-1, {}, "disconnected", {}, {}});
    if (!stopped && events.on_disconnected)
      events.on_disconnected(std::move(e));
  }

  void notice(const std::string& text) {
    log->info("alpaca: {}", text);
    if (!stopped && !closed && events.on_notice)
      events.on_notice(text);
  }

  void report(ExecutionReport r) {
    if (stopped || closed || !events.on_report)
      return;
    events.on_report(std::move(r));
  }

  static std::string describe(const rest_result& r) {
    if (r.status <= 0)
      return r.error.empty() ? "no answer" : r.error;
    std::string out = "HTTP " + std::to_string(r.status);
    if (auto e = parse_error(r.body); e && (e->code != 0 || !e->message.empty()))
      out += " " + std::to_string(e->code) + ": " + e->message;
    return out;
  }

  // ================================================================ REST

  void request(http::verb verb, std::string target, std::string body,
               std::function<void(rest_result)> done) {
    if (closed) {
      if (done)
        done(rest_result{-1, {}, "disconnected", {}, {}});
      return;
    }
    queue.push_back({verb, std::move(target), std::move(body), std::move(done)});
    pump();
  }

  /// Sends the next queued call when the connection is idle, a token is there and no 429 wait
  /// is running. One call at a time keeps a cancel behind its submit.
  void pump() {
    if (closed || rest_busy || queue.empty() || timer_armed)
      return;
    auto now = steady::now();
    if (now < paused_until) {
      arm(paused_until);
      return;
    }
    if (capacity > 0) {
      double rate_per_ms = opts.requests_per_minute / 60000.0;
      auto elapsed = std::chrono::duration<double, std::milli>(now - last_refill).count();
      tokens = std::min<double>(capacity, tokens + elapsed * rate_per_ms);
      last_refill = now;
      if (tokens < 1.0) {
        auto wait = milliseconds(static_cast<int64_t>((1.0 - tokens) / rate_per_ms) + 1);
        arm(now + wait);
        return;
      }
      tokens -= 1.0;
    }
    rest_busy = true;
    send(queue.front());
  }

  void arm(steady::time_point when) {
    timer_armed = true;
    rest_timer.expires_at(when);
    rest_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      self->timer_armed = false;
      if (!ec)
        self->pump();
    });
  }

  void send(const rest_call& c) {
    ++n_requests;
    auto req = std::make_shared<http::request<http::string_body>>(c.verb, rest_url.path + c.target,
                                                                  11);
    req->set(http::field::host, rest_url.host);
    req->set(http::field::user_agent, "engine-alpaca/1");
    req->set("APCA-API-KEY-ID", opts.api_key.reveal());
    req->set("APCA-API-SECRET-KEY", opts.secret_key.reveal());
    req->keep_alive(true);
    if (!c.body.empty()) {
      req->set(http::field::content_type, "application/json");
      req->body() = c.body;
    }
    req->prepare_payload();
    rest_req = req;
    log->debug("alpaca: {} {}", std::string{http::to_string(c.verb)}, c.target);
    if (rest_open) {
      write_request();
      return;
    }
    rest_plain.reset();
    rest_tls.reset();
    if (rest_url.tls)
      rest_tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, ssl_ctx);
    else
      rest_plain = std::make_unique<beast::tcp_stream>(ioc);
    resolver.async_resolve(
      rest_url.host, rest_url.port,
      [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec)
          return self->rest_done(ec, "resolve");
        self->with_rest([&](auto& s) {
          beast::get_lowest_layer(s).expires_after(milliseconds(self->opts.request_timeout_ms));
          beast::get_lowest_layer(s).async_connect(
            results, [self](beast::error_code ec2, const tcp::endpoint&) {
              if (ec2)
                return self->rest_done(ec2, "connect");
              if (self->rest_tls)
                self->tls_handshake_rest();
              else {
                self->rest_open = true;
                self->write_request();
              }
            });
        });
      });
  }

  template <class F>
  void with_rest(F&& f) {
    if (rest_tls)
      f(*rest_tls);
    else
      f(*rest_plain);
  }

  void tls_handshake_rest() {
    auto& s = *rest_tls;
    if (!SSL_set_tlsext_host_name(s.native_handle(), rest_url.host.c_str()))
      return rest_done(beast::error_code(static_cast<int>(::ERR_get_error()),
                                         asio::error::get_ssl_category()),
                       "tls sni");
    s.set_verify_callback(ssl::host_name_verification(rest_url.host));
    s.async_handshake(ssl::stream_base::client, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return self->rest_done(ec, "tls handshake");
      self->rest_open = true;
      self->write_request();
    });
  }

  void write_request() {
    with_rest([&](auto& s) {
      beast::get_lowest_layer(s).expires_after(milliseconds(opts.request_timeout_ms));
      http::async_write(s, *rest_req, [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec)
          return self->rest_done(ec, "write");
        self->read_response();
      });
    });
  }

  void read_response() {
    rest_res = std::make_shared<http::response<http::string_body>>();
    with_rest([&](auto& s) {
      http::async_read(s, rest_buf, *rest_res,
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec)
                           return self->rest_done(ec, "read");
                         self->rest_done({}, {});
                       });
    });
  }

  /// One round trip ended (answered or not): deliver, then the next call.
  void rest_done(beast::error_code ec, const char* step) {
    rest_busy = false;
    if (closed)
      return;
    if (queue.empty())
      return;
    rest_call call = std::move(queue.front());
    queue.pop_front();
    rest_result res;
    if (ec) {
      rest_open = false;
      beast::error_code ignore;
      if (rest_plain)
        rest_plain->socket().close(ignore);
      if (rest_tls)
        beast::get_lowest_layer(*rest_tls).socket().close(ignore);
      rest_buf.consume(rest_buf.size());
      res.error = std::string{step} + ": " + ec.message();
      ++rest_failures;
      log->warn("alpaca: REST {} failed ({}), {} in a row", call.target, res.error, rest_failures);
      if (rest_failures >= opts.max_rest_failures) {
        queue.push_front(std::move(call)); // answered "disconnected" by fail()
        fail({"REST unreachable: " + res.error, false});
        return;
      }
    } else {
      rest_failures = 0;
      res.status = static_cast<int>(rest_res->result_int());
      res.body = std::move(rest_res->body());
      if (auto it = rest_res->find("Retry-After"); it != rest_res->end())
        res.retry_after = std::string{it->value()};
      if (auto it = rest_res->find("X-RateLimit-Reset"); it != rest_res->end())
        res.rate_reset = std::string{it->value()};
      if (!rest_res->keep_alive())
        rest_open = false;
      if (res.status == 429) {
        // Alpaca refused it before doing anything: wait as told, then send the same call.
        ++n_rate_limited;
        auto wait = rate_limit_wait(res);
        paused_until = steady::now() + wait;
        queue.push_front(std::move(call));
        notice("rate limited (429): waiting " + std::to_string(wait.count()) + " ms");
        pump();
        return;
      }
    }
    if (call.done)
      call.done(std::move(res));
    if (!closed)
      pump();
  }

  milliseconds rate_limit_wait(const rest_result& r) const {
    int64_t ms = 1000; // neither header: a second, never a storm
    if (!r.retry_after.empty() && r.retry_after.find_first_not_of("0123456789") == std::string::npos)
      ms = std::stoll(r.retry_after) * 1000;
    else if (!r.rate_reset.empty()
             && r.rate_reset.find_first_not_of("0123456789") == std::string::npos) {
      // X-RateLimit-Reset is an epoch second.
      ms = std::stoll(r.rate_reset) * 1000 - wall_ns() / 1'000'000;
    }
    return milliseconds(std::clamp<int64_t>(ms, 100, opts.max_rate_limit_wait_ms));
  }

  // ================================================================ stream

  template <class F>
  void with_ws(F&& f) {
    if (ws_tls)
      f(*ws_tls);
    else
      f(*ws_plain);
  }

  void connect_stream() {
    if (ws_url.tls)
      ws_tls = std::make_unique<ws_tls_t>(ioc, ssl_ctx);
    else
      ws_plain = std::make_unique<ws_plain_t>(ioc);
    resolver.async_resolve(
      ws_url.host, ws_url.port,
      [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec)
          return self->stream_failed(ec, "stream resolve");
        self->with_ws([&](auto& ws) {
          beast::get_lowest_layer(ws).expires_after(milliseconds(self->opts.request_timeout_ms));
          beast::get_lowest_layer(ws).async_connect(
            results, [self](beast::error_code ec2, const tcp::endpoint&) {
              if (ec2)
                return self->stream_failed(ec2, "stream connect");
              if (self->ws_tls) {
                auto& tls = self->ws_tls->next_layer();
                if (!SSL_set_tlsext_host_name(tls.native_handle(), self->ws_url.host.c_str()))
                  return self->stream_failed({}, "stream tls sni");
                tls.set_verify_callback(ssl::host_name_verification(self->ws_url.host));
                tls.async_handshake(ssl::stream_base::client, [self](beast::error_code ec3) {
                  if (ec3)
                    return self->stream_failed(ec3, "stream tls handshake");
                  self->ws_handshake();
                });
              } else {
                self->ws_handshake();
              }
            });
        });
      });
  }

  void ws_handshake() {
    with_ws([&](auto& ws) {
      beast::get_lowest_layer(ws).expires_never(); // the websocket's own timeouts from here
      websocket::stream_base::timeout t;
      t.handshake_timeout = milliseconds(opts.request_timeout_ms);
      t.idle_timeout = milliseconds(opts.stream_silence_timeout_ms);
      t.keep_alive_pings = true; // a ping at half the bound: silence means a dead link
      ws.set_option(t);
      ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
        req.set(http::field::user_agent, "engine-alpaca/1");
      }));
      std::string host = ws_url.host + ":" + ws_url.port;
      ws.async_handshake(host, ws_url.path.empty() ? "/" : ws_url.path,
                         [self = shared_from_this()](beast::error_code ec) {
                           if (ec)
                             return self->stream_failed(ec, "stream handshake");
                           self->ws_phase = 1;
                           self->ws_send(auth_message(self->opts.api_key.reveal(),
                                                      self->opts.secret_key.reveal(),
                                                      self->opts.legacy_stream_auth));
                         });
    });
  }

  void ws_send(std::string text) {
    ws_out = std::move(text);
    with_ws([&](auto& ws) {
      ws.text(true);
      ws.async_write(asio::buffer(ws_out), [self = shared_from_this()](beast::error_code ec, size_t) {
        self->ws_out.clear(); // the auth message holds the keys: do not keep it
        if (ec)
          return self->stream_failed(ec, "stream write");
        self->ws_read();
      });
    });
  }

  void ws_read() {
    with_ws([&](auto& ws) {
      ws.async_read(ws_buf, [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec)
          return self->stream_failed(ec, "stream read");
        // Text or binary: Alpaca's paper trade_updates arrive in binary frames.
        std::string text = beast::buffers_to_string(self->ws_buf.data());
        self->ws_buf.consume(self->ws_buf.size());
        self->on_frame(text);
      });
    });
  }

  void stream_failed(beast::error_code ec, const char* step) {
    if (closed)
      return;
    std::string what = step;
    if (ec)
      what += ": " + ec.message();
    if (ec == beast::error::timeout)
      what = "stream silent for more than " + std::to_string(opts.stream_silence_timeout_ms)
             + " ms";
    fail({what, false});
  }

  void on_frame(const std::string& text) {
    if (closed)
      return;
    std::string error;
    auto m = parse_stream_message(text, error);
    if (!m) {
      ++n_garbage;
      log->warn("alpaca: dropped a stream frame that did not parse ({}; {} bytes)", error,
                text.size());
      return ws_read(); // the connection goes on
    }
    using K = stream_message::kind;
    if (m->type == K::authorization) {
      if (!m->authorized) {
        fail({"stream authorization refused", true});
        return;
      }
      if (ws_phase == 1) {
        ws_phase = 2;
        ws_send(listen_message());
        return;
      }
    } else if (m->type == K::listening) {
      bool trade = std::find(m->streams.begin(), m->streams.end(), "trade_updates")
                   != m->streams.end();
      if (!trade) {
        fail({"the stream did not subscribe trade_updates", true});
        return;
      }
      if (ws_phase != 3) {
        ws_phase = 3;
        connected = true;
        log->info("alpaca: connected ({} and trade_updates)", opts.base_url);
        if (!stopped && events.on_connected)
          events.on_connected();
      }
    } else if (m->type == K::trade_update) {
      on_update(m->update);
    } else if (m->type == K::error) {
      notice("stream error: " + m->error);
    }
    if (!closed)
      ws_read();
  }

  // ================================================================ orders

  order_track& track_of(const std::string& engine_id) { return orders[engine_id]; }

  /// Every order object read goes through the leg book: legs carry their engine ids.
  std::optional<order_object> parsed(std::string_view body, std::string& err) {
    auto o = parse_order(body, err);
    if (o)
      legs.normalize(*o);
    return o;
  }
  std::optional<std::vector<order_object>> parsed_list(std::string_view body, std::string& err) {
    auto l = parse_orders(body, err);
    if (l)
      legs.normalize(*l);
    return l;
  }

  void remember(const order_object& o) {
    alpaca_to_cid[o.id] = o.client_order_id;
    auto& t = track_of(engine_order_id(o.client_order_id));
    if (o.replaced_by.empty() && o.status != "replaced")
      t.alpaca_id = o.id;
    for (const auto& leg : o.legs)
      remember(leg);
  }

  Quantity executed(const order_track& t) const {
    Quantity q;
    for (const auto& [id, f] : t.filled)
      q += f;
    return q;
  }

  OrderUpdate update_for(const order_object& o, timestamp_ns ts) {
    OrderUpdate u = to_update(o, ts);
    auto& t = track_of(u.order_id);
    u.executed_quantity = executed(t);
    return u;
  }

  void on_update(trade_update u) {
    if (!held.empty()) {
      held.push_back(std::move(u)); // after a leg whose parent is being looked up: in order
      return;
    }
    legs.normalize(u.order);
    if (legs.unknown(u.order)) {
      held.push_back(std::move(u));
      return learn_parents();
    }
    handle_update(u);
  }

  /// A leg came before its parent (a fresh connection knows none): the recent multi-leg
  /// orders, nested, name its parent; then the held events go on in their order.
  void learn_parents() {
    request(http::verb::get, "/v2/orders?status=all&nested=true&direction=desc&limit=500", "",
            [self = shared_from_this()](rest_result res) {
              if (self->closed)
                return;
              std::string err;
              if (res.status != 200 || !self->parsed_list(res.body, err))
                self->notice("looking up the parent of a leg: " + describe(res) + " " + err);
              auto q = std::move(self->held);
              self->held.clear();
              for (auto& u : q) {
                self->legs.looked_up(u.order.id);
                self->legs.normalize(u.order);
                self->handle_update(u);
              }
            });
  }

  void handle_update(const trade_update& u) {
    const auto& o = u.order;
    std::string id = engine_order_id(o.client_order_id);
    auto& t = track_of(id);
    alpaca_to_cid[o.id] = o.client_order_id;
    auto ev = engine_event(u.event);
    if (!ev) {
      log->debug("alpaca: {} for {}", std::string{trade_event_name(u.event)}, id);
      if (u.event == trade_event::order_replace_rejected)
        notice("replace of " + id + " rejected by Alpaca");
      return;
    }
    switch (*ev) {
      case OrderEvent::accept:
        if (o.replaces.empty() && o.replaced_by.empty())
          t.alpaca_id = o.id;
        if (t.accepted)
          return; // the POST answer (or a replacement's `new`) said it already
        t.accepted = true;
        break;
      case OrderEvent::partial_fill:
      case OrderEvent::fill: {
        if (!u.execution_id.empty() && !seen_exec.insert(u.execution_id).second) {
          ++n_dup_fills;
          log->info("alpaca: duplicate fill {} for {} dropped", u.execution_id, id);
          return;
        }
        // The event's own qty/price; cumulative filled_qty only bounds what is new.
        Quantity& seen = t.filled[o.id];
        Quantity qty = u.qty ? *u.qty : o.filled_qty - seen;
        Price px = u.price ? *u.price : o.filled_avg_price;
        if (o.filled_qty > seen)
          seen = o.filled_qty;
        else if (u.qty)
          seen += *u.qty;
        if (!qty.is_positive()) {
          log->warn("alpaca: fill event for {} without a new quantity dropped", id);
          return;
        }
        auto r = to_report(u, *ev, qty, px, opts.broker);
        r.update.executed_quantity = executed(t);
        t.accepted = true;
        if (*ev == OrderEvent::fill)
          t.done = true;
        report(std::move(r));
        return;
      }
      case OrderEvent::replace:
        if (!o.replaced_by.empty() && !replaced_reported.count(o.id)) {
          // The event carries the old order; the engine wants the replacement's terms.
          auto old_id = o.id;
          request(http::verb::get, "/v2/orders/" + o.replaced_by, "",
                  [self = shared_from_this(), old_id](rest_result res) {
                    if (self->closed || res.status != 200)
                      return;
                    std::string err;
                    if (auto n = self->parsed(res.body, err))
                      self->report_replace(old_id, *n);
                    else
                      self->garbage("replacement order", err);
                  });
        }
        return;
      default:
        // After a replace, the old order's own end is not the engine order's end.
        if (replaced_reported.count(o.id))
          return;
        break;
    }
    auto r = to_report(u, *ev, Quantity{}, Price{}, opts.broker);
    r.update.executed_quantity = executed(t);
    if (is_terminal(r.update.status))
      t.done = true;
    report(std::move(r));
  }

  void report_replace(const std::string& old_id, const order_object& n) {
    if (!replaced_reported.insert(old_id).second)
      return;
    remember(n);
    ExecutionReport r;
    r.event = OrderEvent::replace;
    r.update = update_for(n, n.created_at);
    r.update.status = OrderStatus::new_;
    report(std::move(r));
  }

  void garbage(const char* what, const std::string& err) {
    ++n_garbage;
    log->warn("alpaca: dropped an unparsable {} ({})", what, err);
  }

  void reject(const OrderRequest& o, const std::string& reason) {
    ExecutionReport r;
    r.event = OrderEvent::reject;
    r.update.order_id = o.order_id;
    r.update.client_order_id = o.order_id;
    r.update.ticker = o.ticker;
    r.update.side = o.side;
    r.update.status = OrderStatus::rejected;
    r.update.reason = reason;
    r.update.timestamp = wall_ns();
    track_of(o.order_id).done = true;
    report(std::move(r));
  }

  void accepted(const order_object& o) {
    remember(o);
    auto& t = track_of(engine_order_id(o.client_order_id));
    auto status = status_from(o.status).value_or(OrderStatus::new_);
    if (status == OrderStatus::rejected) {
      ExecutionReport r;
      r.event = OrderEvent::reject;
      r.update = update_for(o, o.updated_at);
      r.update.reason = "alpaca: rejected";
      report(std::move(r));
      return;
    }
    if (t.accepted)
      return;
    t.accepted = true;
    ExecutionReport r;
    r.event = OrderEvent::accept;
    r.update = update_for(o, o.created_at);
    r.update.status = OrderStatus::new_;
    report(std::move(r));
  }

  void submit(OrderRequest o) {
    auto body = order_body(o);
    if (!body.error.empty()) {
      reject(o, "alpaca: " + body.error);
      return;
    }
    track_of(o.order_id);
    post_order(std::move(o), std::move(body.body), 0);
  }

  void post_order(OrderRequest o, std::string body, int resends) {
    request(http::verb::post, "/v2/orders", body,
            [self = shared_from_this(), o, body, resends](rest_result res) {
              if (self->closed)
                return;
              if (res.status == 200 || res.status == 201) {
                std::string err;
                if (auto oo = self->parsed(res.body, err))
                  return self->accepted(*oo);
                self->garbage("order answer", err);
                return self->resolve(o, body, resends, 0);
              }
              if (res.status == 422) {
                auto e = parse_error(res.body);
                if (e && e->message.find("client_order_id") != std::string::npos
                    && e->message.find("unique") != std::string::npos)
                  return self->resolve(o, body, resends, 0); // the first one arrived
              }
              if (res.status >= 400 && res.status < 500)
                return self->reject(o, "alpaca: " + describe(res));
              // No answer or a 5xx: the order may or may not be there. Ask, never resend.
              self->notice("submit of " + o.order_id + ": " + describe(res)
                           + "; asking Alpaca by client_order_id");
              self->resolve(o, body, resends, 0);
            });
  }

  /// Finds out whether a POST arrived: by client_order_id. Found: adopt it. Not there: the
  /// venue never had it, so sending it is not a duplicate (a 422 would say so anyway).
  void resolve(OrderRequest o, std::string body, int resends, int attempt) {
    ++n_resolved;
    request(http::verb::get, "/v2/orders:by_client_order_id?client_order_id=" + url_encode(o.order_id),
            "", [self = shared_from_this(), o, body, resends, attempt](rest_result res) {
              if (self->closed)
                return;
              if (res.status == 200) {
                std::string err;
                if (auto oo = self->parsed(res.body, err))
                  return self->accepted(*oo);
                self->garbage("order answer", err);
              } else if (res.status == 404) {
                if (resends >= 3)
                  return self->reject(o, "alpaca: order never arrived after 3 sends");
                ++self->n_resubmitted;
                self->notice("order " + o.order_id + " not at Alpaca: sending it again");
                return self->post_order(o, body, resends + 1);
              }
              if (attempt >= 4) {
                self->notice("outcome of order " + o.order_id
                             + " unknown; reconciliation will resolve it");
                return;
              }
              auto timer = std::make_shared<asio::steady_timer>(self->ioc);
              timer->expires_after(milliseconds(100 << attempt));
              timer->async_wait([self, timer, o, body, resends, attempt](beast::error_code ec) {
                if (!ec && !self->closed)
                  self->resolve(o, body, resends, attempt + 1);
              });
            });
  }

  /// Runs `then(alpaca_id)` once the Alpaca id of an engine order is known (asks if not).
  void with_alpaca_id(const std::string& engine_id, std::function<void(std::string)> then,
                      std::function<void(std::string)> unknown) {
    auto it = orders.find(engine_id);
    if (it != orders.end() && !it->second.alpaca_id.empty())
      return then(it->second.alpaca_id);
    std::string parent;
    OrderLeg leg;
    if (parse_leg_order_id(engine_id, parent, leg))
      return find_leg(engine_id, parent, [then, unknown](std::optional<order_object> o,
                                                        std::string err) {
        if (!o)
          return unknown(err.empty() ? "no such leg at Alpaca" : err);
        then(o->id);
      });
    request(http::verb::get,
            "/v2/orders:by_client_order_id?client_order_id=" + url_encode(engine_id), "",
            [self = shared_from_this(), engine_id, then, unknown](rest_result res) {
              if (self->closed)
                return;
              std::string err;
              if (res.status == 200) {
                if (auto oo = self->parsed(res.body, err)) {
                  self->remember(*oo);
                  // a replaced original: follow to the live one
                  std::string live = self->orders[engine_id].alpaca_id;
                  return then(live.empty() ? oo->id : live);
                }
                self->garbage("order answer", err);
              }
              unknown(describe(res));
            });
  }

  void cancel_reject(const std::string& engine_id, const std::string& reason) {
    ExecutionReport r;
    r.event = OrderEvent::cancel_reject;
    r.update.order_id = engine_id;
    r.update.client_order_id = engine_id;
    r.update.status = OrderStatus::new_;
    r.update.reason = reason;
    r.update.timestamp = wall_ns();
    report(std::move(r));
  }

  void cancel(CancelRequest c) {
    std::string id = c.order_id;
    with_alpaca_id(
      id,
      [self = shared_from_this(), id](std::string aid) { self->send_cancel(id, aid, 0); },
      [self = shared_from_this(), id](std::string why) {
        self->cancel_reject(id, "alpaca: order not found (" + why + ")");
      });
  }

  void send_cancel(const std::string& id, const std::string& aid, int attempt) {
    request(http::verb::delete_, "/v2/orders/" + aid, "",
            [self = shared_from_this(), id, aid, attempt](rest_result res) {
              if (self->closed)
                return;
              if (res.status == 204 || res.status == 200)
                return; // the canceled event follows on the stream
              if (res.status == 422 || res.status == 404) {
                if (attempt > 0)
                  return; // our first DELETE may have done it; the stream or reconciliation says
                return self->cancel_reject(id, "alpaca: " + describe(res));
              }
              if (attempt < 2) // DELETE is idempotent: safe to send again
                return self->send_cancel(id, aid, attempt + 1);
              self->notice("cancel of " + id + " unanswered: " + describe(res));
            });
  }

  void replace(ReplaceRequest rp) {
    std::string id = rp.order_id;
    with_alpaca_id(
      id, [self = shared_from_this(), rp](std::string aid) { self->send_replace(rp, aid); },
      [self = shared_from_this(), id](std::string why) {
        self->notice("replace of " + id + " refused: order not found (" + why + ")");
      });
  }

  void send_replace(const ReplaceRequest& rp, const std::string& aid) {
    auto& t = track_of(rp.order_id);
    std::string cid = replacement_client_id(rp.order_id, ++t.replaces);
    auto body = replace_body(rp, cid);
    if (!body.error.empty()) {
      notice("replace of " + rp.order_id + " not sent: " + body.error);
      return;
    }
    request(http::verb::patch, "/v2/orders/" + aid, body.body,
            [self = shared_from_this(), rp, aid, cid](rest_result res) {
              if (self->closed)
                return;
              std::string err;
              if (res.status == 200) {
                if (auto n = self->parsed(res.body, err))
                  return self->report_replace(aid, *n);
                self->garbage("replace answer", err);
              } else if (res.status >= 400 && res.status < 500) {
                // 403 40310000 for a replace that changes nothing, 422 when not replaceable.
                return self->notice("replace of " + rp.order_id + " refused: " + describe(res));
              }
              // Unknown outcome: the replacement's client_order_id tells whether it landed.
              self->request(
                http::verb::get, "/v2/orders:by_client_order_id?client_order_id=" + url_encode(cid), "",
                [self, rp, aid](rest_result r2) {
                  std::string e2;
                  if (r2.status == 200)
                    if (auto n = self->parsed(r2.body, e2))
                      return self->report_replace(aid, *n);
                  self->notice("replace of " + rp.order_id + " not applied: " + describe(r2));
                });
            });
  }

  // ================================================================ reconciliation queries

  void by_client_id(const std::string& cid, net::answer<OrderExecution> done) {
    std::string parent;
    OrderLeg leg;
    if (parse_leg_order_id(cid, parent, leg))
      return find_leg(cid, parent, [self = shared_from_this(), done](
                                     std::optional<order_object> o, std::string err) {
        if (!o)
          return done(std::nullopt, err);
        self->follow_replacements(*o, Quantity{}, 0, done);
      });
    request(http::verb::get, "/v2/orders:by_client_order_id?client_order_id=" + url_encode(cid),
            "", [self = shared_from_this(), done](rest_result res) {
              if (res.status == 404)
                return done(std::nullopt, "");
              if (res.status != 200)
                return done(std::nullopt, describe(res));
              std::string err;
              auto o = self->parsed(res.body, err);
              if (!o) {
                self->garbage("order answer", err);
                return done(std::nullopt, "unparsable answer: " + err);
              }
              auto since = o->created_at;
              self->follow_replacements(*o, Quantity{}, 0,
                                        [self, since, done](std::optional<OrderExecution> e,
                                                            std::string why) {
                                          if (!e || !e->executed_quantity.is_positive())
                                            return done(std::move(e), std::move(why));
                                          self->attach_fills(std::move(*e), since, done);
                                        });
            });
  }

  /// Alpaca's order object has no fills; its FILL activities since the (first) order was
  /// created do: the contract's OrderExecution carries them.
  void attach_fills(OrderExecution e, timestamp_ns since, net::answer<OrderExecution> done) {
    auto acc = std::make_shared<std::vector<fill_activity>>();
    fills_page(since, "", acc,
               [e, done](std::optional<std::vector<Fill>> fills, std::string why) mutable {
                 if (!fills)
                   return done(std::nullopt, "fills of " + e.order_id + ": " + why);
                 for (auto& f : *fills)
                   if (f.order_id == e.order_id)
                     e.fills.push_back(std::move(f));
                 done(std::move(e), "");
               });
  }

  /// A leg by its engine id: through its parent, nested (Alpaca knows the leg by its own
  /// client_order_id only). nullopt with "" when the venue has no such leg.
  void find_leg(const std::string& leg_id, const std::string& parent,
                std::function<void(std::optional<order_object>, std::string)> done) {
    request(http::verb::get,
            "/v2/orders:by_client_order_id?client_order_id=" + url_encode(parent), "",
            [self = shared_from_this(), leg_id, done](rest_result res) {
              if (res.status == 404)
                return done(std::nullopt, "");
              std::string err;
              auto p = res.status == 200 ? self->parsed(res.body, err) : std::nullopt;
              if (!p)
                return done(std::nullopt, describe(res) + " " + err);
              self->request(
                http::verb::get, "/v2/orders/" + p->id + "?nested=true", "",
                [self, leg_id, done](rest_result r2) {
                  std::string e2;
                  auto n = r2.status == 200 ? self->parsed(r2.body, e2) : std::nullopt;
                  if (!n)
                    return done(std::nullopt, describe(r2) + " " + e2);
                  self->remember(*n);
                  for (auto& leg : n->legs)
                    if (leg.client_order_id == leg_id)
                      return done(leg, "");
                  done(std::nullopt, "");
                });
            });
  }

  /// A replaced order's live state is its last replacement's; executions add up along the way.
  void follow_replacements(order_object o, Quantity before, int hops,
                           net::answer<OrderExecution> done) {
    remember(o);
    if (o.status != "replaced" || o.replaced_by.empty() || hops > 20) {
      auto e = to_execution(o);
      e.executed_quantity = before + o.filled_qty;
      return done(e, "");
    }
    Quantity carried = before + o.filled_qty;
    request(http::verb::get, "/v2/orders/" + o.replaced_by, "",
            [self = shared_from_this(), carried, hops, done](rest_result res) {
              std::string err;
              if (res.status != 200)
                return done(std::nullopt, describe(res));
              auto n = self->parsed(res.body, err);
              if (!n)
                return done(std::nullopt, "unparsable answer: " + err);
              self->follow_replacements(*n, carried, hops + 1, done);
            });
  }

  void open_orders(std::string after, std::shared_ptr<std::vector<OrderExecution>> acc,
                   net::answer<std::vector<OrderExecution>> done) {
    std::string target = "/v2/orders?status=open&nested=true&direction=asc&limit=500";
    if (!after.empty())
      target += "&after=" + url_encode(after);
    request(http::verb::get, target, "",
            [self = shared_from_this(), acc, done](rest_result res) {
              if (res.status != 200)
                return done(std::nullopt, describe(res));
              std::string err;
              auto list = self->parsed_list(res.body, err);
              if (!list) {
                self->garbage("orders answer", err);
                return done(std::nullopt, "unparsable answer: " + err);
              }
              for (const auto& o : *list) {
                self->remember(o);
                acc->push_back(to_execution(o));
                for (const auto& leg : o.legs)
                  if (is_open(status_from(leg.status).value_or(OrderStatus::canceled)))
                    acc->push_back(to_execution(leg));
              }
              if (list->size() == 500) // a full page: the rest come after the last one
                return self->open_orders(format_timestamp(list->back().created_at), acc, done);
              done(std::move(*acc), "");
            });
  }

  void fills_page(timestamp_ns since, std::string token, std::shared_ptr<std::vector<fill_activity>> acc,
                  net::answer<std::vector<Fill>> done) {
    // `after` is exclusive and coarse at Alpaca: ask a second earlier, filter here.
    std::string target = "/v2/account/activities/FILL?direction=asc&page_size=100";
    if (since > 1'000'000'000)
      target += "&after=" + url_encode(format_timestamp(since - 1'000'000'000));
    if (!token.empty())
      target += "&page_token=" + url_encode(token);
    request(http::verb::get, target, "",
            [self = shared_from_this(), since, acc, done](rest_result res) {
              if (res.status != 200)
                return done(std::nullopt, describe(res));
              std::string err;
              auto page = parse_fill_activities(res.body, err);
              if (!page) {
                self->garbage("activities answer", err);
                return done(std::nullopt, "unparsable answer: " + err);
              }
              for (auto& a : *page)
                if (a.transaction_time >= since)
                  acc->push_back(a);
              if (page->size() == 100)
                return self->fills_page(since, page->back().id, acc, done);
              self->resolve_fill_orders(acc, done);
            });
  }

  /// Activities name Alpaca's order id only: learn the client_order_id of unknown ones.
  void resolve_fill_orders(std::shared_ptr<std::vector<fill_activity>> acc,
                           net::answer<std::vector<Fill>> done) {
    for (const auto& a : *acc) {
      if (alpaca_to_cid.count(a.order_id))
        continue;
      request(http::verb::get, "/v2/orders/" + a.order_id, "",
              [self = shared_from_this(), acc, done, oid = a.order_id](rest_result res) {
                std::string err;
                if (res.status == 200)
                  if (auto o = self->parsed(res.body, err)) {
                    self->alpaca_to_cid[o->id] = o->client_order_id;
                    return self->resolve_fill_orders(acc, done);
                  }
                done(std::nullopt, "order " + oid + " of a fill: " + describe(res));
              });
      return;
    }
    std::vector<Fill> out;
    for (const auto& a : *acc) {
      Fill f;
      f.exec_id = a.exec_id();
      f.client_order_id = alpaca_to_cid[a.order_id];
      f.order_id = engine_order_id(f.client_order_id);
      f.ticker = a.symbol;
      f.side = a.side;
      f.quantity = a.qty;
      f.price = a.price;
      f.timestamp = a.transaction_time;
      f.broker = opts.broker;
      out.push_back(std::move(f));
    }
    done(std::move(out), "");
  }
};

// ---- the public face: everything posts onto the client's thread ------------------------

alpaca_connection::alpaca_connection(alpaca_options opts)
  : impl_(std::make_shared<impl>(std::move(opts))) {}

alpaca_connection::~alpaca_connection() { stop(); }

void alpaca_connection::start(net::venue_events events) {
  auto& i = *impl_;
  if (i.thread.joinable())
    return;
  i.events = std::move(events);
  i.work.emplace(asio::make_work_guard(i.ioc));
  i.thread = std::thread([p = impl_] { p->ioc.run(); });
  asio::post(i.ioc, [p = impl_] { p->start(); });
}

void alpaca_connection::stop() {
  auto& i = *impl_;
  if (!i.thread.joinable())
    return;
  i.stopped = true;
  asio::post(i.ioc, [p = impl_] {
    p->closed = true;
    p->shutdown_sockets();
    p->queue.clear();
    p->work.reset();
    p->ioc.stop();
  });
  i.thread.join();
  // Run what is left (every socket is closed, so each operation ends aborted) on this thread:
  // the handlers see `closed` and do nothing, and they let go of the state they hold.
  i.ioc.restart();
  i.ioc.poll();
}

void alpaca_connection::submit(const OrderRequest& order) {
  asio::post(impl_->ioc, [p = impl_, order] { p->submit(order); });
}

void alpaca_connection::cancel(const CancelRequest& c) {
  asio::post(impl_->ioc, [p = impl_, c] { p->cancel(c); });
}

void alpaca_connection::replace(const ReplaceRequest& r) {
  asio::post(impl_->ioc, [p = impl_, r] { p->replace(r); });
}

void alpaca_connection::order_by_client_id(const std::string& cid,
                                           net::answer<OrderExecution> done) {
  asio::post(impl_->ioc, [p = impl_, cid, done] { p->by_client_id(cid, done); });
}

void alpaca_connection::open_orders(net::answer<std::vector<OrderExecution>> done) {
  asio::post(impl_->ioc, [p = impl_, done] {
    p->open_orders({}, std::make_shared<std::vector<OrderExecution>>(), done);
  });
}

void alpaca_connection::fills_since(timestamp_ns since, net::answer<std::vector<Fill>> done) {
  asio::post(impl_->ioc, [p = impl_, since, done] {
    p->fills_page(since, {}, std::make_shared<std::vector<fill_activity>>(), done);
  });
}

void alpaca_connection::positions(net::answer<std::vector<Position>> done) {
  asio::post(impl_->ioc, [p = impl_, done] {
    p->request(http::verb::get, "/v2/positions", "", [p, done](rest_result res) {
      if (res.status != 200)
        return done(std::nullopt, impl::describe(res));
      std::string err;
      auto v = parse_positions(res.body, err);
      if (!v) {
        p->garbage("positions answer", err);
        return done(std::nullopt, "unparsable answer: " + err);
      }
      done(std::move(*v), "");
    });
  });
}

void alpaca_connection::account(net::answer<AccountInfo> done) {
  asio::post(impl_->ioc, [p = impl_, done] {
    p->request(http::verb::get, "/v2/account", "", [p, done](rest_result res) {
      if (res.status != 200)
        return done(std::nullopt, impl::describe(res));
      std::string err;
      auto v = parse_account(res.body, err);
      if (!v) {
        p->garbage("account answer", err);
        return done(std::nullopt, "unparsable answer: " + err);
      }
      v->timestamp = wall_ns();
      done(std::move(*v), "");
    });
  });
}

alpaca_counters alpaca_connection::counters() const {
  alpaca_counters c;
  c.requests = impl_->n_requests;
  c.rate_limited = impl_->n_rate_limited;
  c.garbage = impl_->n_garbage;
  c.resolved_by_id = impl_->n_resolved;
  c.resubmitted = impl_->n_resubmitted;
  c.duplicate_fills = impl_->n_dup_fills;
  return c;
}

} // namespace engine::alpaca
