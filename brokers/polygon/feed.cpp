// The live Polygon stocks feed: WebSocket quotes/trades/bars plus REST snapshots, on its own Asio thread.
#include "brokers/polygon/feed.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "brokers/polygon/wire.hpp"
#include "config/logging.hpp"

namespace engine::polygon {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

namespace {
int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}
timestamp_ns wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}
} // namespace

const char* to_string(feed_state s) {
  switch (s) {
  case feed_state::connecting: return "connecting";
  case feed_state::connected: return "connected";
  case feed_state::reconnecting: return "reconnecting";
  case feed_state::auth_failed: return "auth_failed";
  case feed_state::down: return "down";
  }
  return "?";
}

std::optional<parsed_url> parse_url(const std::string& url) {
  parsed_url u;
  std::string rest;
  std::string default_port;
  auto take = [&](std::string_view scheme, bool tls, const char* port) {
    if (url.compare(0, scheme.size(), scheme) != 0)
      return false;
    rest = url.substr(scheme.size());
    u.tls = tls;
    default_port = port;
    return true;
  };
  if (!take("wss://", true, "443") && !take("ws://", false, "80") &&
      !take("https://", true, "443") && !take("http://", false, "80"))
    return std::nullopt;
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty())
    return std::nullopt;
  if (authority.front() == '[') { // [::1]:port
    auto close = authority.find(']');
    if (close == std::string::npos)
      return std::nullopt;
    u.host = authority.substr(1, close - 1);
    u.port = close + 1 < authority.size() && authority[close + 1] == ':'
               ? authority.substr(close + 2)
               : default_port;
  } else {
    auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    u.port = colon == std::string::npos ? default_port : authority.substr(colon + 1);
  }
  if (u.host.empty() || u.port.empty() ||
      !std::all_of(u.port.begin(), u.port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return u;
}

bool is_loopback_host(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" ||
         host.compare(0, 4, "127.") == 0;
}

namespace {

using plain_ws = websocket::stream<beast::tcp_stream>;
using tls_ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

parsed_url checked_url(const std::string& url, const char* what) {
  auto u = parse_url(url);
  if (!u)
    throw std::invalid_argument(std::string(what) + " is not a valid URL");
  if (!u->tls && !is_loopback_host(u->host))
    throw std::invalid_argument(std::string(what) +
                                ": plain ws:// and http:// are allowed only to loopback hosts");
  return *u;
}

} // namespace

struct polygon_feed::impl {
  feed_options opts;
  feed_callbacks cb;
  parsed_url ws_url;
  parsed_url rest_url;
  std::shared_ptr<spdlog::logger> log = logger("polygon");

  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  ssl::context tls{ssl::context::tls_client};
  tcp::resolver resolver{ioc};
  asio::steady_timer silence{ioc};
  asio::steady_timer backoff{ioc};
  asio::steady_timer down_retry{ioc};

  // The connection; handlers hold their own reference, so a stream outlives
  // its cancelled operations. `gen` tells a stale handler to do nothing.
  std::variant<std::monostate, std::shared_ptr<plain_ws>, std::shared_ptr<tls_ws>> ws;
  std::shared_ptr<beast::flat_buffer> rbuf;
  uint64_t gen = 0;
  std::deque<std::string> outq;
  bool writing = false;
  bool subscribed = false;
  bool ever_connected = false;
  bool gap_pending = false; // the next snapshot fills a gap
  bool stopping = false;
  int attempt = 0; // the retry since the last good connection (0: the first connection)
  restart_policy policy;

  // Delivery with a credit of one batch.
  std::vector<Quote> pending;
  bool consumer_busy = false;
  std::unordered_map<std::string, timestamp_ns> last_seen;
  std::unordered_map<std::string, timestamp_ns> last_before_break;
  uint64_t snapshot_run = 0;

  std::atomic<int> state_now{static_cast<int>(feed_state::down)};
  struct atomic_counters {
    std::atomic<uint64_t> frames{0}, bytes{0}, quotes{0}, trades{0}, bars{0}, batches{0},
      delivered{0}, conflated{0}, garbage{0}, bad_events{0}, unusable_quotes{0}, reconnects{0},
      gaps{0}, snapshots{0}, rest_errors{0};
  } n;

  impl(feed_options o, feed_callbacks c)
    : opts(std::move(o)), cb(std::move(c)), policy(opts.supervision) {
    ws_url = checked_url(opts.ws_url, "polygon ws_url");
    rest_url = checked_url(opts.rest_url, "polygon rest_url");
    if (opts.tickers.empty())
      throw std::invalid_argument("polygon feed: no tickers");
    if (opts.api_key.empty())
      throw std::invalid_argument("polygon feed: no api_key");
    if (opts.max_pending_quotes == 0)
      opts.max_pending_quotes = 1;
    tls.set_default_verify_paths();
    tls.set_verify_mode(ssl::verify_peer);
  }

  void set_state(feed_state s, std::string reason, int att = 0, int64_t delay = 0) {
    state_now = static_cast<int>(s);
    if (s == feed_state::reconnecting)
      log->warn("polygon feed reconnecting: attempt {} in {} ms ({})", att, delay, reason);
    else if (s == feed_state::down)
      log->critical("polygon feed down: {}", reason);
    else if (s == feed_state::auth_failed)
      log->error("polygon feed {}: {}", to_string(s), reason);
    else
      log->info("polygon feed {}{}{}", to_string(s), reason.empty() ? "" : ": ", reason);
    journal(to_string(s), [&](json_writer& w) {
      if (!reason.empty()) {
        w.key("reason");
        w.value(reason);
      }
      if (att > 0) {
        w.key("attempt");
        w.value(att);
      }
      if (s == feed_state::reconnecting) {
        w.key("next_delay_ms");
        w.value(delay);
      }
    });
    if (cb.on_state)
      cb.on_state(feed_state_change{s, att, delay, std::move(reason), n.reconnects.load()});
  }

  void journal(std::string_view event, const std::function<void(json_writer&)>& fields = {}) {
    if (opts.journal)
      opts.journal->record(event, wall_ns(), fields);
  }

  // --- connection --------------------------------------------------------------

  void connect() {
    if (stopping)
      return;
    auto g = ++gen;
    subscribed = false;
    outq.clear();
    writing = false;
    rbuf = std::make_shared<beast::flat_buffer>();
    set_state(feed_state::connecting, attempt == 0 ? "" : "retry " + std::to_string(attempt),
              attempt);
    auto* self = this;
    resolver.async_resolve(ws_url.host, ws_url.port,
                           [self, g](error_code ec, tcp::resolver::results_type results) {
                             if (g != self->gen)
                               return;
                             if (ec)
                               return self->fail("cannot resolve " + self->ws_url.host + ": " +
                                                 ec.message());
                             self->on_resolve(results);
                           });
  }

  void on_resolve(const tcp::resolver::results_type& results) {
    auto g = gen;
    auto* self = this;
    auto timeout = std::chrono::milliseconds(opts.connect_timeout_ms);
    if (ws_url.tls) {
      auto s = std::make_shared<tls_ws>(ioc, tls);
      ws = s;
      auto& layer = beast::get_lowest_layer(*s);
      layer.expires_after(timeout);
      layer.async_connect(results, [self, g, s, timeout](error_code ec, const tcp::endpoint&) {
        if (g != self->gen)
          return;
        if (ec)
          return self->fail("connect failed: " + ec.message());
        auto* native = s->next_layer().native_handle();
        if (!SSL_set_tlsext_host_name(native, self->ws_url.host.c_str()))
          return self->fail("cannot set TLS server name");
        s->next_layer().set_verify_callback(ssl::host_name_verification(self->ws_url.host));
        beast::get_lowest_layer(*s).expires_after(timeout);
        s->next_layer().async_handshake(ssl::stream_base::client, [self, g, s](error_code ec2) {
          if (g != self->gen)
            return;
          if (ec2)
            return self->fail("TLS handshake failed: " + ec2.message());
          self->ws_handshake(s);
        });
      });
    } else {
      auto s = std::make_shared<plain_ws>(ioc);
      ws = s;
      auto& layer = beast::get_lowest_layer(*s);
      layer.expires_after(timeout);
      layer.async_connect(results, [self, g, s](error_code ec, const tcp::endpoint&) {
        if (g != self->gen)
          return;
        if (ec)
          return self->fail("connect failed: " + ec.message());
        self->ws_handshake(s);
      });
    }
  }

  template <class Stream>
  void ws_handshake(const std::shared_ptr<Stream>& s) {
    auto g = gen;
    auto* self = this;
    beast::get_lowest_layer(*s).expires_never();
    auto t = websocket::stream_base::timeout::suggested(beast::role_type::client);
    t.handshake_timeout = std::chrono::milliseconds(opts.connect_timeout_ms);
    s->set_option(t);
    s->set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(http::field::user_agent, "engine-polygon-feed");
    }));
    s->read_message_max(16 * 1024 * 1024);
    std::string host = ws_url.host + ":" + ws_url.port;
    s->async_handshake(host, ws_url.target, [self, g, s](error_code ec) {
      if (g != self->gen)
        return;
      if (ec)
        return self->fail("WebSocket handshake failed: " + ec.message());
      self->arm_silence();
      self->send(auth_message(self->opts.api_key.reveal()));
      self->read(s);
    });
  }

  template <class Stream>
  void read(const std::shared_ptr<Stream>& s) {
    auto g = gen;
    auto* self = this;
    auto buf = rbuf;
    s->async_read(*buf, [self, g, s, buf](error_code ec, size_t) {
      if (g != self->gen)
        return;
      if (ec)
        return self->fail(ec == websocket::error::closed ? "closed by the server"
                                                         : "read failed: " + ec.message());
      std::string text = beast::buffers_to_string(buf->data());
      buf->consume(buf->size());
      self->arm_silence();
      self->on_frame(text);
      if (g == self->gen) // on_frame may have failed the connection
        self->read(s);
    });
  }

  void send(std::string text) {
    outq.push_back(std::move(text));
    write_next();
  }

  void write_next() {
    if (writing || outq.empty())
      return;
    writing = true;
    auto g = gen;
    auto* self = this;
    std::visit(
      [&](auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (!std::is_same_v<T, std::monostate>) {
          auto stream = s;
          stream->text(true);
          stream->async_write(asio::buffer(outq.front()), [self, g, stream](error_code ec, size_t) {
            if (g != self->gen)
              return;
            self->writing = false;
            self->outq.pop_front();
            if (ec)
              return self->fail("write failed: " + ec.message());
            self->write_next();
          });
        }
      },
      ws);
  }

  void arm_silence() {
    auto g = gen;
    auto* self = this;
    silence.expires_after(std::chrono::milliseconds(opts.silence_timeout_ms));
    silence.async_wait([self, g](error_code ec) {
      if (ec || g != self->gen)
        return;
      self->fail("no data for " + std::to_string(self->opts.silence_timeout_ms) + " ms");
    });
  }

  /// Drops the connection (the stream closes under its pending operations).
  void close_stream() {
    ++gen;
    silence.cancel();
    std::visit(
      [](auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (!std::is_same_v<T, std::monostate>) {
          error_code ignored;
          beast::get_lowest_layer(*s).socket().shutdown(tcp::socket::shutdown_both, ignored);
          beast::get_lowest_layer(*s).socket().close(ignored);
        }
      },
      ws);
    ws = std::monostate{};
    outq.clear();
    writing = false;
  }

  /// The connection failed: reconnect after the policy's backoff, or go down when its
  /// restart intensity is spent (as a broker supervisor does).
  void fail(const std::string& reason) {
    if (stopping)
      return;
    close_stream();
    if (subscribed || ever_connected) {
      // Quotes from here on are after a break: the snapshot marks the gap.
      if (!gap_pending)
        last_before_break = last_seen;
      gap_pending = true;
    }
    subscribed = false;
    journal("disconnected", [&](json_writer& w) {
      w.key("reason");
      w.value(reason);
    });
    auto delay = policy.on_failure(steady_ns());
    if (!delay)
      return go_down(reason);
    attempt = policy.consecutive_failures();
    ++n.reconnects;
    set_state(feed_state::reconnecting, reason, attempt, *delay);
    auto* self = this;
    backoff.expires_after(std::chrono::milliseconds(*delay));
    backoff.async_wait([self](error_code ec) {
      if (!ec)
        self->connect();
    });
  }

  void go_down(const std::string& last_failure) {
    const auto& p = opts.supervision;
    std::string why = "restart intensity spent (" + std::to_string(p.max_restarts) +
                      " restarts in " + std::to_string(p.window_ms / 1000) +
                      " s); last failure: " + last_failure;
    if (opts.down_retry_ms > 0)
      why += "; next try in " + std::to_string(opts.down_retry_ms / 1000) + " s";
    set_state(feed_state::down, why);
    if (opts.down_retry_ms <= 0)
      return;
    auto* self = this;
    down_retry.expires_after(std::chrono::milliseconds(opts.down_retry_ms));
    down_retry.async_wait([self](error_code ec) {
      if (ec || self->stopping)
        return;
      self->policy.reset(); // a timed restart after down: the intensity starts over
      self->attempt = 0;
      self->connect();
    });
  }

  void fatal(feed_state s, const std::string& reason) {
    close_stream();
    stopping = true; // no reconnect: a bad key stays bad
    set_state(s, reason);
  }

  void on_stop() {
    journal("stopped");
    stopping = true;
    close_stream();
    backoff.cancel();
    down_retry.cancel();
    resolver.cancel();
    state_now = static_cast<int>(feed_state::down);
    ioc.stop();
  }

  // --- frames ------------------------------------------------------------------

  void on_frame(const std::string& text) {
    ++n.frames;
    n.bytes += text.size();
    ws_frame f;
    std::string error;
    if (!parse_ws_frame(text, f, error)) {
      ++n.garbage;
      std::string shown;
      for (char c : text.substr(0, 40))
        shown += (c >= 0x20 && c < 0x7f) ? c : '.';
      log->warn("dropped a garbage frame ({} bytes, {}): \"{}\"", text.size(), error, shown);
      return;
    }
    if (f.bad_events) {
      n.bad_events += f.bad_events;
      log->warn("dropped {} bad events: {}", f.bad_events, f.first_bad);
    }
    uint64_t g = gen;
    for (auto& st : f.statuses) {
      on_status(st);
      if (g != gen)
        return; // the connection ended
    }
    for (auto& q : f.quotes)
      add_quote(to_quote(q));
    for (auto& t : f.trades) {
      ++n.trades;
      if (cb.on_trade)
        cb.on_trade(to_trade(t));
    }
    for (auto& b : f.bars) {
      ++n.bars;
      if (cb.on_bar)
        cb.on_bar(to_bar(b));
    }
    flush();
  }

  void on_status(const ws_status& st) {
    if (st.status == "connected") {
      log->debug("polygon: {}", st.message);
    } else if (st.status == "auth_success") {
      journal("auth_success");
      send(subscribe_message(opts.channels, opts.tickers));
    } else if (st.status == "auth_failed") {
      fatal(feed_state::auth_failed,
            "authentication failed: " + (st.message.empty() ? "(no message)" : st.message));
    } else if (st.status == "success") {
      if (!subscribed && st.message.find("subscribed to") != std::string::npos) {
        subscribed = true;
        ever_connected = true;
        attempt = 0;
        policy.on_connected();
        set_state(feed_state::connected,
                  "subscribed to " + std::to_string(opts.tickers.size()) + " tickers");
        if (gap_pending)
          start_snapshots(true);
      }
    } else if (st.status == "max_connections") {
      fail("max_connections: " + st.message);
    } else {
      log->warn("polygon status {}: {}", st.status, st.message);
    }
  }

  void add_quote(Quote q) {
    ++n.quotes;
    if (!q.bid.is_positive() || !q.ask.is_positive() || q.bid >= q.ask) {
      ++n.unusable_quotes;
      return;
    }
    auto& seen = last_seen[q.ticker];
    seen = std::max(seen, q.timestamp);
    pending.push_back(std::move(q));
    if (pending.size() > opts.max_pending_quotes)
      conflate();
  }

  /// Keeps the latest quote of each ticker, in the order of those latest quotes.
  void conflate() {
    // Which to keep first, then move: a view into a moved-from ticker would dangle.
    std::unordered_set<std::string_view> seen;
    std::vector<bool> keep(pending.size(), false);
    for (size_t i = pending.size(); i-- > 0;)
      keep[i] = seen.insert(pending[i].ticker).second;
    std::vector<Quote> out;
    out.reserve(seen.size());
    for (size_t i = 0; i < pending.size(); ++i)
      if (keep[i])
        out.push_back(std::move(pending[i]));
    n.conflated += pending.size() - out.size();
    pending.swap(out);
  }

  void flush() {
    if (consumer_busy || pending.empty() || !cb.on_quotes)
      return;
    QuoteBatch batch;
    batch.quotes.swap(pending);
    consumer_busy = true;
    ++n.batches;
    n.delivered += batch.quotes.size();
    cb.on_quotes(std::move(batch));
  }

  // --- REST snapshots ----------------------------------------------------------

  void start_snapshots(bool gap) {
    if (!opts.snapshots)
      return;
    auto run = ++snapshot_run;
    if (gap)
      gap_pending = false;
    auto before = gap ? last_before_break : std::unordered_map<std::string, timestamp_ns>{};
    snapshot_next(run, 0, gap, std::make_shared<decltype(before)>(std::move(before)));
  }

  void snapshot_next(uint64_t run, size_t i, bool gap,
                     std::shared_ptr<std::unordered_map<std::string, timestamp_ns>> before) {
    if (stopping || run != snapshot_run || i >= opts.tickers.size())
      return;
    auto* self = this;
    const std::string ticker = opts.tickers[i];
    http_get(snapshot_path(ticker), [self, run, i, gap, before, ticker](int status,
                                                                         std::string body,
                                                                         std::string error) {
      if (self->stopping)
        return;
      if (error.empty()) {
        auto a = parse_snapshot(status, body);
        if (!a.value) {
          error = a.error;
        } else {
          ++self->n.snapshots;
          self->on_snapshot(*a.value, gap, *before);
        }
      }
      if (!error.empty()) {
        ++self->n.rest_errors;
        self->log->warn("snapshot of {} failed: {}", ticker, error);
      }
      self->snapshot_next(run, i + 1, gap, before);
    });
  }

  void on_snapshot(const rest_snapshot& s,
                   bool gap, const std::unordered_map<std::string, timestamp_ns>& before) {
    if (s.last_trade) {
      ++n.trades;
      if (cb.on_trade)
        cb.on_trade(to_trade(*s.last_trade));
    }
    if (!s.last_quote)
      return;
    Quote q = to_quote(*s.last_quote);
    if (q.ticker.empty())
      q.ticker = s.ticker;
    auto seen = last_seen.find(q.ticker);
    bool newer = seen == last_seen.end() || q.timestamp > seen->second;
    if (gap) {
      auto b = before.find(q.ticker);
      feed_gap g;
      g.ticker = q.ticker;
      g.from = b == before.end() ? 0 : b->second;
      g.to = newer ? q.timestamp : seen->second;
      g.bid = q.bid;
      g.ask = q.ask;
      g.snapshot_time = q.timestamp;
      g.used = newer;
      ++n.gaps;
      log->warn("gap in {} filled by the snapshot: no data from {} to {}", g.ticker, g.from, g.to);
      if (opts.journal)
        opts.journal->gap(g, wall_ns());
      if (cb.on_gap)
        cb.on_gap(g);
    }
    // A snapshot older than what the stream already sent would move time back.
    if (newer) {
      add_quote(std::move(q));
      flush();
    }
  }

  /// One GET on a fresh connection, bounded by rest_timeout_ms from connect to the last byte.
  using http_done = std::function<void(int status, std::string body, std::string error)>;

  void http_get(const std::string& path, http_done done) {
    auto req = std::make_shared<http::request<http::empty_body>>(http::verb::get, path, 11);
    req->set(http::field::host, rest_url.host);
    req->set(http::field::user_agent, "engine-polygon-feed");
    req->set(http::field::authorization, "Bearer " + opts.api_key.reveal());
    auto timeout = std::chrono::milliseconds(opts.rest_timeout_ms);
    auto* self = this;
    auto res = std::make_shared<tcp::resolver>(ioc);
    res->async_resolve(rest_url.host, rest_url.port, [self, req, done, timeout,
                                                      res](error_code ec,
                                                           tcp::resolver::results_type r) {
      if (ec)
        return done(0, {}, "cannot resolve " + self->rest_url.host + ": " + ec.message());
      if (self->rest_url.tls) {
        auto s = std::make_shared<beast::ssl_stream<beast::tcp_stream>>(self->ioc, self->tls);
        if (!SSL_set_tlsext_host_name(s->native_handle(), self->rest_url.host.c_str()))
          return done(0, {}, "cannot set TLS server name");
        s->set_verify_callback(ssl::host_name_verification(self->rest_url.host));
        beast::get_lowest_layer(*s).expires_after(timeout);
        beast::get_lowest_layer(*s).async_connect(
          r, [self, s, req, done](error_code ec2, const tcp::endpoint&) {
            if (ec2)
              return done(0, {}, "connect failed: " + ec2.message());
            s->async_handshake(ssl::stream_base::client, [self, s, req, done](error_code ec3) {
              if (ec3)
                return done(0, {}, "TLS handshake failed: " + ec3.message());
              self->http_exchange(s, req, done);
            });
          });
      } else {
        auto s = std::make_shared<beast::tcp_stream>(self->ioc);
        s->expires_after(timeout);
        s->async_connect(r, [self, s, req, done](error_code ec2, const tcp::endpoint&) {
          if (ec2)
            return done(0, {}, "connect failed: " + ec2.message());
          self->http_exchange(s, req, done);
        });
      }
    });
  }

  template <class Stream>
  void http_exchange(const std::shared_ptr<Stream>& s,
                     const std::shared_ptr<http::request<http::empty_body>>& req, http_done done) {
    http::async_write(*s, *req, [s, req, done](error_code ec, size_t) {
      if (ec)
        return done(0, {}, "request failed: " + ec.message());
      auto buf = std::make_shared<beast::flat_buffer>();
      auto res = std::make_shared<http::response<http::string_body>>();
      http::async_read(*s, *buf, *res, [s, buf, res, done](error_code ec2, size_t) {
        if (ec2)
          return done(0, {}, ec2 == beast::error::timeout ? "timed out"
                                                          : "response failed: " + ec2.message());
        error_code ignored;
        beast::get_lowest_layer(*s).socket().shutdown(tcp::socket::shutdown_both, ignored);
        done(static_cast<int>(res->result_int()), std::move(res->body()), {});
      });
    });
  }
};

polygon_feed::polygon_feed(feed_options options, feed_callbacks callbacks)
  : impl_(std::make_shared<impl>(std::move(options), std::move(callbacks))) {}

polygon_feed::~polygon_feed() { stop(); }

void polygon_feed::start() {
  auto& m = *impl_;
  if (m.thread.joinable())
    return;
  m.work.emplace(m.ioc.get_executor());
  auto* self = impl_.get();
  asio::post(m.ioc, [self] {
    self->connect();
    self->start_snapshots(false); // prices before the first streamed quote
  });
  m.thread = std::thread([self] { self->ioc.run(); });
}

void polygon_feed::stop() {
  auto& m = *impl_;
  if (!m.thread.joinable())
    return;
  auto* self = impl_.get();
  asio::post(m.ioc, [self] { self->on_stop(); });
  m.work.reset();
  m.thread.join();
}

void polygon_feed::ready() {
  auto* self = impl_.get();
  asio::post(impl_->ioc, [self] {
    self->consumer_busy = false;
    self->flush();
  });
}

feed_counters polygon_feed::counters() const {
  auto& n = impl_->n;
  feed_counters c;
  c.frames = n.frames;
  c.bytes = n.bytes;
  c.quotes = n.quotes;
  c.trades = n.trades;
  c.bars = n.bars;
  c.batches = n.batches;
  c.delivered = n.delivered;
  c.conflated = n.conflated;
  c.garbage = n.garbage;
  c.bad_events = n.bad_events;
  c.unusable_quotes = n.unusable_quotes;
  c.reconnects = n.reconnects;
  c.gaps = n.gaps;
  c.snapshots = n.snapshots;
  c.rest_errors = n.rest_errors;
  return c;
}

feed_state polygon_feed::state() const {
  return static_cast<feed_state>(impl_->state_now.load());
}

} // namespace engine::polygon
