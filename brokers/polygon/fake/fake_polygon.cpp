// fake-polygon: a local Polygon stocks service (WebSocket /stocks, REST last quote/trade, snapshot,
// aggregates) generating seeded quotes, trades and minute bars, with faults from a plan.
//
// Written from Polygon's public documentation, not from the engine's client: frames are JSON
// arrays of events (`ev` Q, T, AM, status); the client authenticates with
// {"action":"auth","params":KEY}, then subscribes with {"action":"subscribe","params":"Q.AAPL,..."}
// and gets one "success" status per channel. REST takes the key as `apiKey=` or
// `Authorization: Bearer`. Timestamps: milliseconds on the WebSocket, nanoseconds in REST.
#include <chrono>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <simdjson.h>

#include "brokers/faults/fault_injector.hpp"
#include "brokers/faults/fault_plan.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Cents as JSON number text: 18742 -> 187.42 (Polygon prints plain decimals).
std::string cents(int64_t c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(c / 100),
                static_cast<long long>(c % 100));
  return buf;
}

std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string status_event(const std::string& status, const std::string& message) {
  return "{\"ev\":\"status\",\"status\":" + json_str(status) + ",\"message\":" + json_str(message) +
         "}";
}

struct options {
  int port = 0;
  std::string faults;
  uint64_t seed = 1;
  double rate = 100; // quotes per second over all tickers
  std::vector<std::string> tickers{"AAPL", "MSFT"};
  std::string key;          // the one accepted key; empty = any non-empty key
  int max_connections = 0;  // authenticated WebSocket connections per key; 0 = no limit
  int64_t bar_ms = 60000;   // AM bars close on these wall-clock boundaries
  int trade_every = 4;      // one trade per this many quotes of a ticker
};

/// One instrument's generated market: a seeded walk on the cent grid.
struct instrument {
  std::string sym;
  int64_t bid = 10000; // cents
  int64_t spread = 2;
  int64_t bid_size = 100, ask_size = 100;
  int bid_exchange = 11, ask_exchange = 12;
  int tape = 3;
  int64_t quotes = 0;
  // The last trade and quote, for REST.
  int64_t last_trade_price = 0, last_trade_size = 0, last_trade_ns = 0;
  int last_trade_exchange = 4;
  std::string last_trade_id;
  int64_t last_quote_ns = 0;
  // The bar being built.
  int64_t bar_start_ms = -1, o = 0, h = 0, l = 0, c = 0, v = 0, pv = 0, day_v = 0;
  std::vector<std::string> closed_bars; // REST aggregates: {"o":..,"t":..}
};

class server;

/// One WebSocket client: auth, subscriptions, a bounded write queue.
class ws_session : public std::enable_shared_from_this<ws_session> {
public:
  ws_session(server& srv, tcp::socket sock) : srv_(srv), ws_(std::move(sock)) {}
  void start(http::request<http::string_body> req);
  void send(std::string frame);
  void drop(); // the TCP connection goes at once, no close frame
  bool wants(const std::string& ev, const std::string& sym) const {
    return authed_ && (subs_.count(ev + "." + sym) || subs_.count(ev + ".*"));
  }
  bool authed() const { return authed_; }
  const std::string& key() const { return key_; }

private:
  void read();
  void on_message(const std::string& text);
  void write_next();
  void close_after_write();

  server& srv_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buf_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool closing_ = false;
  bool authed_ = false;
  bool dead_ = false;
  std::string key_;
  std::set<std::string> subs_;
};

class server {
public:
  server(asio::io_context& ioc, options o, std::optional<engine::fault_injector> faults)
    : ioc_(ioc), opts_(std::move(o)), faults_(std::move(faults)), acceptor_(ioc),
      tick_(ioc), rng_(opts_.seed) {
    tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(opts_.port)};
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    std::uniform_int_distribution<int64_t> start(5000, 50000);
    for (auto& t : opts_.tickers) {
      instrument in;
      in.sym = t;
      in.bid = start(rng_);
      in.tape = 1 + static_cast<int>(rng_() % 3);
      instruments_.push_back(in);
    }
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  void run() {
    accept();
    last_tick_ = std::chrono::steady_clock::now();
    schedule_tick();
  }

  const options& opts() const { return opts_; }
  bool hanging() const { return faults_ && faults_->active(engine::fault_kind::hang, now_ns()); }
  bool refusing() const {
    return faults_ && (faults_->active(engine::fault_kind::refuse, now_ns()) ||
                       faults_->active(engine::fault_kind::disconnect, now_ns()));
  }
  bool take_garbage() {
    if (!faults_)
      return false;
    faults_->request(now_ns());
    return faults_->take(engine::fault_kind::garbage);
  }
  bool key_ok(const std::string& k) const {
    return !k.empty() && (opts_.key.empty() || k == opts_.key);
  }
  /// Counts authenticated sessions of a key (for max_connections).
  int sessions_with(const std::string& k) const {
    int n = 0;
    for (auto& s : sessions_)
      if (s->authed() && s->key() == k)
        ++n;
    return n;
  }
  void add(const std::shared_ptr<ws_session>& s) { sessions_.insert(s); }
  void remove(const std::shared_ptr<ws_session>& s) { sessions_.erase(s); }

  void handle_rest(const http::request<http::string_body>& req,
                   http::response<http::string_body>& res);

private:
  void accept() {
    acceptor_.async_accept([this](error_code ec, tcp::socket sock) {
      if (!ec)
        on_accept(std::move(sock));
      accept();
    });
  }

  void on_accept(tcp::socket sock);

  void schedule_tick() {
    tick_.expires_after(std::chrono::milliseconds(1));
    tick_.async_wait([this](error_code ec) {
      if (!ec)
        on_tick();
    });
  }

  void on_tick() {
    auto now = std::chrono::steady_clock::now();
    double dt = std::chrono::duration<double>(now - last_tick_).count();
    last_tick_ = now;
    int64_t t_ns = now_ns();
    if (faults_) {
      faults_->tick(t_ns);
      for (auto& e : faults_->take_episodes()) {
        std::cerr << "fake-polygon: fault " << engine::to_string(e.kind) << " for "
                  << (e.end_ns - e.start_ns) / 1'000'000 << " ms" << std::endl;
        if (e.kind == engine::fault_kind::disconnect) {
          auto all = sessions_;
          for (auto& s : all)
            s->drop();
        }
      }
    }
    owed_ += opts_.rate * dt;
    // Never a burst of more than 10 ms' worth: a fake starved of CPU sends less, instead of
    // catching up in floods that fill its clients' queues and get them dropped as slow.
    if (owed_ > opts_.rate / 100 + 1)
      owed_ = opts_.rate / 100 + 1;
    std::vector<std::pair<size_t, std::string>> events; // instrument index, event
    while (owed_ >= 1.0 && !instruments_.empty()) {
      owed_ -= 1.0;
      size_t i = next_++ % instruments_.size();
      generate(i, t_ns, events);
    }
    close_bars(t_ns, events);
    if (!events.empty() && !hanging())
      broadcast(events);
    schedule_tick();
  }

  void generate(size_t i, int64_t t_ns, std::vector<std::pair<size_t, std::string>>& events) {
    auto& in = instruments_[i];
    int64_t t_ms = t_ns / 1'000'000;
    int step = static_cast<int>(rng_() % 3) - 1;
    in.bid = std::max<int64_t>(100, in.bid + step);
    in.spread = 1 + static_cast<int64_t>(rng_() % 3);
    in.bid_size = 100 * (1 + static_cast<int64_t>(rng_() % 10));
    in.ask_size = 100 * (1 + static_cast<int64_t>(rng_() % 10));
    in.bid_exchange = 1 + static_cast<int>(rng_() % 20);
    in.ask_exchange = 1 + static_cast<int>(rng_() % 20);
    ++in.quotes;
    in.last_quote_ns = t_ns;
    std::string q = "{\"ev\":\"Q\",\"sym\":" + json_str(in.sym) +
                    ",\"bx\":" + std::to_string(in.bid_exchange) + ",\"bp\":" + cents(in.bid) +
                    ",\"bs\":" + std::to_string(in.bid_size) +
                    ",\"ax\":" + std::to_string(in.ask_exchange) +
                    ",\"ap\":" + cents(in.bid + in.spread) +
                    ",\"as\":" + std::to_string(in.ask_size);
    if (in.quotes % 3 == 0) // the condition is often absent
      q += ",\"c\":1";
    if (in.quotes % 7 == 0)
      q += ",\"i\":[604]";
    q += ",\"t\":" + std::to_string(t_ms) + ",\"q\":" + std::to_string(++seq_) +
         ",\"z\":" + std::to_string(in.tape) + "}";
    events.emplace_back(i, std::move(q));
    if (in.quotes % opts_.trade_every != 0)
      return;
    int64_t price = in.bid + static_cast<int64_t>(rng_() % (in.spread + 1));
    int64_t size = 1 + static_cast<int64_t>(rng_() % 500);
    in.last_trade_price = price;
    in.last_trade_size = size;
    in.last_trade_ns = t_ns;
    in.last_trade_exchange = 1 + static_cast<int>(rng_() % 20);
    in.last_trade_id = std::to_string(++trade_id_);
    std::string t = "{\"ev\":\"T\",\"sym\":" + json_str(in.sym) +
                    ",\"x\":" + std::to_string(in.last_trade_exchange) +
                    ",\"i\":" + json_str(in.last_trade_id) + ",\"z\":" + std::to_string(in.tape) +
                    ",\"p\":" + cents(price) + ",\"s\":" + std::to_string(size);
    if (trade_id_ % 2 == 0) // conditions are an array, often absent
      t += ",\"c\":[12,37]";
    t += ",\"t\":" + std::to_string(t_ms) + ",\"q\":" + std::to_string(++seq_) + "}";
    events.emplace_back(i, std::move(t));
    // Into the minute bar.
    int64_t start = t_ms / opts_.bar_ms * opts_.bar_ms;
    if (in.bar_start_ms != start) {
      in.bar_start_ms = start;
      in.o = in.h = in.l = price;
      in.v = in.pv = 0;
    }
    in.h = std::max(in.h, price);
    in.l = std::min(in.l, price);
    in.c = price;
    in.v += size;
    in.pv += price * size;
    in.day_v += size;
  }

  void close_bars(int64_t t_ns, std::vector<std::pair<size_t, std::string>>& events) {
    int64_t t_ms = t_ns / 1'000'000;
    for (size_t i = 0; i < instruments_.size(); ++i) {
      auto& in = instruments_[i];
      if (in.bar_start_ms < 0 || t_ms < in.bar_start_ms + opts_.bar_ms || in.v == 0)
        continue;
      int64_t vw = in.pv / in.v;
      std::string prices = "\"o\":" + cents(in.o) + ",\"c\":" + cents(in.c) +
                           ",\"h\":" + cents(in.h) + ",\"l\":" + cents(in.l);
      events.emplace_back(i, "{\"ev\":\"AM\",\"sym\":" + json_str(in.sym) +
                               ",\"v\":" + std::to_string(in.v) +
                               ",\"av\":" + std::to_string(in.day_v) + ",\"op\":" + cents(in.o) +
                               ",\"vw\":" + cents(vw) + "," + prices + ",\"a\":" + cents(vw) +
                               ",\"z\":" + std::to_string(in.v / std::max<int64_t>(1, in.v / 100)) +
                               ",\"s\":" + std::to_string(in.bar_start_ms) +
                               ",\"e\":" + std::to_string(in.bar_start_ms + opts_.bar_ms) + "}");
      in.closed_bars.push_back("{" + prices + ",\"v\":" + std::to_string(in.v) +
                               ",\"vw\":" + cents(vw) + ",\"t\":" +
                               std::to_string(in.bar_start_ms) + ",\"n\":1}");
      if (in.closed_bars.size() > 1000)
        in.closed_bars.erase(in.closed_bars.begin());
      in.v = 0;
      in.bar_start_ms = -1;
    }
  }

  void broadcast(const std::vector<std::pair<size_t, std::string>>& events) {
    static const char* const kinds[] = {"Q", "T", "AM"};
    auto all = sessions_; // a slow session may drop itself while we send
    for (auto& s : all) {
      std::string frame;
      size_t in_frame = 0;
      for (auto& [i, e] : events) {
        // The kind is the text after "ev":"
        std::string ev = e.compare(7, 2, "AM") == 0 ? kinds[2] : (e[7] == 'Q' ? kinds[0] : kinds[1]);
        if (!s->wants(ev, instruments_[i].sym))
          continue;
        frame += in_frame ? "," : "[";
        frame += e;
        if (++in_frame == 100) { // several events per frame, bounded
          s->send(frame + "]");
          frame.clear();
          in_frame = 0;
        }
      }
      if (in_frame)
        s->send(frame + "]");
    }
  }

  asio::io_context& ioc_;
  options opts_;
  std::optional<engine::fault_injector> faults_;
  tcp::acceptor acceptor_;
  asio::steady_timer tick_;
  std::chrono::steady_clock::time_point last_tick_;
  std::mt19937_64 rng_;
  std::vector<instrument> instruments_;
  std::set<std::shared_ptr<ws_session>> sessions_;
  std::vector<std::shared_ptr<tcp::socket>> hung_; // accepted and never answered
  double owed_ = 0;
  size_t next_ = 0;
  int64_t seq_ = 0;
  int64_t trade_id_ = 0;

  friend class http_session;
};

/// One HTTP connection: REST requests (keep-alive) or the WebSocket upgrade.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(server& srv, tcp::socket sock) : srv_(srv), stream_(std::move(sock)) {}
  void read() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    auto self = shared_from_this();
    http::async_read(stream_, buf_, req_, [self](error_code ec, size_t) {
      if (ec)
        return;
      self->on_request();
    });
  }

private:
  void on_request() {
    if (websocket::is_upgrade(req_)) {
      if (req_.target() != "/stocks") {
        auto res = std::make_shared<http::response<http::string_body>>(http::status::not_found,
                                                                        req_.version());
        res->body() = "not found";
        res->prepare_payload();
        auto self = shared_from_this();
        http::async_write(stream_, *res, [self, res](error_code, size_t) {});
        return;
      }
      stream_.expires_never();
      auto s = std::make_shared<ws_session>(srv_, stream_.release_socket());
      s->start(std::move(req_));
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req_.version());
    res->keep_alive(req_.keep_alive());
    srv_.handle_rest(req_, *res);
    res->prepare_payload();
    auto self = shared_from_this();
    http::async_write(stream_, *res, [self, res](error_code ec, size_t) {
      if (ec || !res->keep_alive()) {
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        return;
      }
      self->read();
    });
  }

  server& srv_;
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
};

void server::on_accept(tcp::socket sock) {
  if (refusing()) {
    error_code ec;
    sock.close(ec); // refused: the connection ends before any byte
    return;
  }
  if (hanging()) {
    hung_.push_back(std::make_shared<tcp::socket>(std::move(sock)));
    return;
  }
  hung_.clear();
  std::make_shared<http_session>(*this, std::move(sock))->read();
}

std::string query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos)
    return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto part = rest.substr(0, amp);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return std::string(part.substr(eq + 1));
    if (amp == std::string_view::npos)
      break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

void server::handle_rest(const http::request<http::string_body>& req,
                         http::response<http::string_body>& res) {
  res.set(http::field::content_type, "application/json");
  std::string request_id = "\"request_id\":\"fake" + std::to_string(++seq_) + "\"";
  auto answer = [&](http::status st, std::string body) {
    res.result(st);
    res.body() = std::move(body);
  };
  if (faults_) {
    auto t = now_ns();
    faults_->request(t);
    if (faults_->take(engine::fault_kind::server_error))
      return answer(http::status::internal_server_error,
                    "{\"status\":\"ERROR\"," + request_id + ",\"error\":\"internal error\"}");
    if (faults_->take(engine::fault_kind::rate_limit)) {
      res.set(http::field::retry_after, "1");
      return answer(http::status::too_many_requests,
                    "{\"status\":\"ERROR\"," + request_id +
                      ",\"error\":\"You've exceeded the maximum requests per minute\"}");
    }
  }
  std::string target(req.target());
  std::string key = query_param(target, "apiKey");
  auto auth = req[http::field::authorization];
  if (key.empty() && auth.size() > 7 && auth.substr(0, 7) == "Bearer ")
    key = std::string(auth.substr(7));
  if (key.empty())
    return answer(http::status::unauthorized,
                  "{\"status\":\"ERROR\"," + request_id +
                    ",\"error\":\"API Key was not provided\"}");
  if (!key_ok(key))
    return answer(http::status::unauthorized,
                  "{\"status\":\"ERROR\"," + request_id + ",\"error\":\"Unknown API Key\"}");
  std::string path = target.substr(0, target.find('?'));
  auto find = [&](const std::string& prefix) -> instrument* {
    if (path.compare(0, prefix.size(), prefix) != 0)
      return nullptr;
    std::string sym = path.substr(prefix.size());
    sym = sym.substr(0, sym.find('/'));
    for (auto& in : instruments_)
      if (in.sym == sym)
        return &in;
    return nullptr;
  };
  auto not_found = [&] {
    answer(http::status::not_found,
           "{\"status\":\"NOT_FOUND\"," + request_id + ",\"message\":\"Ticker not found.\"}");
  };
  auto quote_json = [&](const instrument& in, bool with_ticker) {
    int64_t t = in.last_quote_ns ? in.last_quote_ns : now_ns();
    return std::string("{") + (with_ticker ? "\"T\":" + json_str(in.sym) + "," : "") +
           "\"P\":" + cents(in.bid + in.spread) + ",\"S\":" + std::to_string(in.ask_size) +
           ",\"X\":" + std::to_string(in.ask_exchange) + ",\"p\":" + cents(in.bid) +
           ",\"s\":" + std::to_string(in.bid_size) + ",\"x\":" + std::to_string(in.bid_exchange) +
           ",\"q\":" + std::to_string(seq_) + ",\"t\":" + std::to_string(t) +
           ",\"y\":" + std::to_string(t - 1000) + ",\"z\":" + std::to_string(in.tape) + "}";
  };
  auto trade_json = [&](const instrument& in, bool with_ticker) {
    return std::string("{") + (with_ticker ? "\"T\":" + json_str(in.sym) + "," : "") +
           "\"c\":[12],\"i\":" + json_str(in.last_trade_id) + ",\"p\":" +
           cents(in.last_trade_price) + ",\"s\":" + std::to_string(in.last_trade_size) +
           ",\"t\":" + std::to_string(in.last_trade_ns) +
           ",\"x\":" + std::to_string(in.last_trade_exchange) + ",\"z\":" +
           std::to_string(in.tape) + "}";
  };
  if (req.method() != http::verb::get)
    return answer(http::status::method_not_allowed, "{\"status\":\"ERROR\"," + request_id + "}");
  if (auto* in = find("/v2/last/nbbo/"))
    return answer(http::status::ok, "{\"status\":\"OK\"," + request_id +
                                      ",\"results\":" + quote_json(*in, true) + "}");
  if (auto* in = find("/v2/last/trade/")) {
    if (!in->last_trade_ns)
      return not_found();
    return answer(http::status::ok, "{\"status\":\"OK\"," + request_id +
                                      ",\"results\":" + trade_json(*in, true) + "}");
  }
  if (auto* in = find("/v2/snapshot/locale/us/markets/stocks/tickers/")) {
    std::string body = "{\"status\":\"OK\"," + request_id + ",\"ticker\":{\"ticker\":" +
                       json_str(in->sym) + ",\"lastQuote\":" + quote_json(*in, false);
    if (in->last_trade_ns)
      body += ",\"lastTrade\":" + trade_json(*in, false);
    body += ",\"todaysChange\":0,\"todaysChangePerc\":0,\"updated\":" +
            std::to_string(now_ns()) + "}}";
    return answer(http::status::ok, body);
  }
  if (auto* in = find("/v2/aggs/ticker/")) {
    std::string body = "{\"ticker\":" + json_str(in->sym) + ",\"queryCount\":" +
                       std::to_string(in->closed_bars.size()) + ",\"resultsCount\":" +
                       std::to_string(in->closed_bars.size()) +
                       ",\"adjusted\":true,\"status\":\"OK\"," + request_id;
    if (!in->closed_bars.empty()) { // an empty answer has no "results" at all
      body += ",\"results\":[";
      for (size_t k = 0; k < in->closed_bars.size(); ++k)
        body += (k ? "," : "") + in->closed_bars[k];
      body += "]";
    }
    return answer(http::status::ok, body + "}");
  }
  not_found();
}

// --- WebSocket session -----------------------------------------------------------

void ws_session::start(http::request<http::string_body> req) {
  srv_.add(shared_from_this());
  auto self = shared_from_this();
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.async_accept(req, [self](error_code ec) {
    if (ec)
      return self->drop();
    self->send("[" + status_event("connected", "Connected Successfully") + "]");
    self->read();
  });
}

void ws_session::read() {
  auto self = shared_from_this();
  ws_.async_read(buf_, [self](error_code ec, size_t) {
    if (ec)
      return self->drop();
    std::string text = beast::buffers_to_string(self->buf_.data());
    self->buf_.consume(self->buf_.size());
    self->on_message(text);
    if (!self->dead_)
      self->read();
  });
}

void ws_session::on_message(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view action, params;
  if (parser.parse(text).get(doc) || doc["action"].get(action) || doc["params"].get(params)) {
    send("[" + status_event("error", "invalid message") + "]");
    return;
  }
  if (action == "auth") {
    key_ = std::string(params);
    if (!srv_.key_ok(key_)) {
      send("[" + status_event("auth_failed", "authentication failed") + "]");
      close_after_write();
      return;
    }
    int limit = srv_.opts().max_connections;
    if (limit > 0 && srv_.sessions_with(key_) >= limit) {
      send("[" + status_event("max_connections",
                              "Maximum number of websocket connections exceeded. You have "
                              "reached the connection limit for your account.") +
           "]");
      close_after_write();
      return;
    }
    authed_ = true;
    send("[" + status_event("auth_success", "authenticated") + "]");
    return;
  }
  if (!authed_) {
    send("[" + status_event("error", "not authorized") + "]");
    return;
  }
  if (action == "subscribe" || action == "unsubscribe") {
    std::string frame = "[";
    std::string_view rest = params;
    bool first = true;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string ch(rest.substr(0, comma));
      while (!ch.empty() && ch.front() == ' ')
        ch.erase(0, 1);
      if (!ch.empty()) {
        if (action == "subscribe")
          subs_.insert(ch);
        else
          subs_.erase(ch);
        frame += (first ? "" : ",") +
                 status_event("success", std::string(action) + "d to: " + ch);
        first = false;
      }
      if (comma == std::string_view::npos)
        break;
      rest.remove_prefix(comma + 1);
    }
    if (!first)
      send(frame + "]");
    return;
  }
  send("[" + status_event("error", "unknown action") + "]");
}

void ws_session::send(std::string frame) {
  if (dead_ || closing_)
    return;
  if (out_.size() > 10000) { // a client this far behind is dropped, as Polygon does
    std::cerr << "fake-polygon: dropping a slow consumer" << std::endl;
    return drop();
  }
  if (authed_ && srv_.take_garbage())
    frame = "garbage: }{ not json";
  out_.push_back(std::move(frame));
  write_next();
}

void ws_session::write_next() {
  if (writing_ || out_.empty() || dead_)
    return;
  writing_ = true;
  auto self = shared_from_this();
  ws_.text(true);
  ws_.async_write(asio::buffer(out_.front()), [self](error_code ec, size_t) {
    self->writing_ = false;
    if (ec)
      return self->drop();
    self->out_.pop_front();
    if (self->out_.empty() && self->closing_) {
      self->ws_.async_close(websocket::close_code::policy_error, [self](error_code) {
        self->drop();
      });
      return;
    }
    self->write_next();
  });
}

void ws_session::close_after_write() {
  closing_ = true;
  if (!writing_ && out_.empty())
    write_next();
}

void ws_session::drop() {
  if (dead_)
    return;
  dead_ = true;
  error_code ec;
  beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
  beast::get_lowest_layer(ws_).socket().close(ec);
  srv_.remove(shared_from_this());
}

} // namespace

int main(int argc, char** argv) {
  options o;
  std::string tickers;
  CLI::App app{"fake-polygon: a local Polygon stocks WebSocket and REST service"};
  app.add_option("--port", o.port, "port on 127.0.0.1 (0 = any free port)")->required();
  app.add_option("--faults", o.faults, "fault plan YAML (disconnect, refuse, hang, garbage, ...)");
  app.add_option("--seed", o.seed, "seed of the generated market");
  app.add_option("--rate", o.rate, "quotes per second over all tickers");
  app.add_option("--tickers", tickers, "comma-separated tickers (default AAPL,MSFT)");
  app.add_option("--key", o.key, "the only API key accepted (default: any non-empty key)");
  app.add_option("--max-connections", o.max_connections,
                 "authenticated WebSocket connections allowed per key (0 = no limit)");
  app.add_option("--bar-ms", o.bar_ms, "length of the AM bars in ms (default 60000)");
  app.add_option("--trade-every", o.trade_every, "one trade per this many quotes of a ticker");
  CLI11_PARSE(app, argc, argv);
  if (!tickers.empty()) {
    o.tickers.clear();
    size_t start = 0;
    while (start <= tickers.size()) {
      auto comma = tickers.find(',', start);
      auto t = tickers.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!t.empty())
        o.tickers.push_back(t);
      if (comma == std::string::npos)
        break;
      start = comma + 1;
    }
  }
  if (o.rate < 0 || o.bar_ms <= 0 || o.trade_every <= 0) {
    std::cerr << "fake-polygon: --rate must be >= 0, --bar-ms and --trade-every > 0\n";
    return 2;
  }
  std::optional<engine::fault_injector> faults;
  try {
    if (!o.faults.empty()) {
      auto plan = engine::load_fault_plan(o.faults);
      std::cerr << "fake-polygon: faults " << engine::describe(plan) << std::endl;
      faults.emplace(std::move(plan), now_ns());
    }
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  asio::io_context ioc;
  try {
    server srv{ioc, o, std::move(faults)};
    srv.run();
    std::cout << "listening on 127.0.0.1:" << srv.port() << std::endl;
    asio::signal_set signals{ioc, SIGINT, SIGTERM};
    signals.async_wait([&](error_code, int) { ioc.stop(); });
    ioc.run();
  } catch (const std::exception& e) {
    std::cerr << "fake-polygon: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
