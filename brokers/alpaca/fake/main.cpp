// fake-alpaca: a local stand-in for Alpaca's Trading API v2 (REST + trade_updates WebSocket)
// on 127.0.0.1 over plain HTTP, with a deterministic fill model and a scripted fault plan.
//   fake-alpaca --port N [--faults PLAN] [--seed S] [--key K --secret S] [--tick-ms T]
//               [--text-frames] [--partial-lot Q] [--price SYMBOL=PX]...
// --price holds SYMBOL at PX (no random walk): a known market for the conformance suite.
// Prints "listening on 127.0.0.1:PORT" once it accepts connections.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <simdjson.h>

#include "brokers/alpaca/fake/fake_venue.hpp"
#include "brokers/faults/fault_injector.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace engine::fake_alpaca {
namespace {

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string{s.substr(i + 1, 2)}, nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      out[url_decode(part)] = "";
    else
      out[url_decode(part.substr(0, eq))] = url_decode(part.substr(eq + 1));
    if (amp == std::string_view::npos)
      break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

struct options {
  uint16_t port = 0;
  std::string faults;
  uint64_t seed = 1;
  std::string key = "fake-key";
  std::string secret = "fake-secret";
  int tick_ms = 20;
  bool text_frames = false;
  std::string partial_lot = "100";
  std::vector<std::pair<std::string, Price>> pinned; // --price SYMBOL=PX
};

class server;

/// One trade_updates WebSocket connection.
class ws_session : public std::enable_shared_from_this<ws_session> {
public:
  ws_session(tcp::socket s, server& srv) : ws_(std::move(s)), srv_(srv) {}
  void accept(http::request<http::string_body> req);
  void send(std::string msg);
  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
  }
  /// A hang: stop reading (so pings go unanswered) without closing the socket.
  void freeze() {
    frozen_ = true;
    beast::get_lowest_layer(ws_).cancel();
  }
  bool listening = false;

private:
  void read();
  void on_message();
  void write_next();

  websocket::stream<beast::tcp_stream> ws_;
  server& srv_;
  beast::flat_buffer buf_;
  std::deque<std::string> out_;
  bool authorized_ = false;
  bool frozen_ = false;
};

/// One REST connection (keep-alive), which may upgrade to the stream.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket s, server& srv) : stream_(std::move(s)), srv_(srv) {}
  void read();
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

private:
  void on_request();
  void respond(int status, std::string body, bool close_after,
               std::vector<std::pair<std::string, std::string>> headers = {});

  beast::tcp_stream stream_;
  server& srv_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  std::shared_ptr<http::response<http::string_body>> res_;
};

class server {
public:
  server(net::io_context& ioc, options opts)
    : ioc_(ioc), opts_(std::move(opts)), acceptor_(ioc), timer_(ioc),
      injector_(opts_.faults.empty() ? fault_plan{} : load_fault_plan(opts_.faults), wall_ns()),
      venue_(opts_.seed, [this](std::string m) { emit(std::move(m)); }) {
    venue_.set_partial_lot(Quantity::parse(opts_.partial_lot).value_or(Quantity::from_units(100)));
    for (const auto& [symbol, px] : opts_.pinned)
      venue_.pin_price(symbol, px);
    venue_.fill_fault = [this] {
      auto now = wall_ns();
      injector_.fill(now);
      if (injector_.take(fault_kind::drop_fill))
        return 1;
      if (injector_.take(fault_kind::duplicate_fill))
        return 2;
      return 0;
    };
  }

  uint16_t listen() {
    tcp::endpoint ep{net::ip::make_address("127.0.0.1"), opts_.port};
    acceptor_.open(ep.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    accept();
    tick();
    return acceptor_.local_endpoint().port();
  }

  // --- called by the sessions ---
  bool authorized(const http::request<http::string_body>& req) const {
    auto k = req.find("APCA-API-KEY-ID");
    auto s = req.find("APCA-API-SECRET-KEY");
    return k != req.end() && s != req.end() && k->value() == opts_.key
           && s->value() == opts_.secret;
  }
  bool keys_match(std::string_view k, std::string_view s) const {
    return k == opts_.key && s == opts_.secret;
  }
  bool text_frames() const { return opts_.text_frames; }
  fault_injector& injector() { return injector_; }
  fake_venue& venue() { return venue_; }

  void hold(std::shared_ptr<http_session> s) { hung_.push_back(std::move(s)); }
  void track(std::weak_ptr<http_session> s) { rest_.push_back(std::move(s)); }

  void set_stream(std::shared_ptr<ws_session> s) {
    // Alpaca allows one trade_updates connection per account: the newest one wins.
    if (auto old = stream_.lock(); old && old != s)
      old->close();
    stream_ = s;
  }

  /// Acts on the episodes that fired (a disconnect drops every connection at once).
  void apply_episodes(std::shared_ptr<http_session> keep = nullptr) {
    for (const auto& ep : injector_.take_episodes()) {
      std::fprintf(stderr, "fake-alpaca: fault %s for %lld ms\n",
                   std::string{enum_name(ep.kind)}.c_str(),
                   static_cast<long long>((ep.end_ns - ep.start_ns) / 1'000'000));
      if (ep.kind == fault_kind::disconnect || ep.kind == fault_kind::reset_window)
        drop_all(keep);
      if (ep.kind == fault_kind::hang)
        if (auto s = stream_.lock()) {
          s->freeze();
          frozen_ = s; // held open, silent, until the episode ends
          stream_.reset();
        }
    }
  }

  bool refusing(int64_t now) const {
    return injector_.active(fault_kind::refuse, now) || injector_.active(fault_kind::disconnect, now)
           || injector_.active(fault_kind::reset_window, now);
  }

private:
  void drop_all(const std::shared_ptr<http_session>& keep) {
    if (auto s = stream_.lock())
      s->close();
    stream_.reset();
    for (auto& w : rest_)
      if (auto s = w.lock(); s && s != keep)
        s->close();
    rest_.clear();
  }

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec)
        return;
      if (refusing(wall_ns())) {
        beast::error_code ignore;
        s.close(ignore);
      } else {
        auto sess = std::make_shared<http_session>(std::move(s), *this);
        track(sess);
        sess->read();
      }
      accept();
    });
  }

  void tick() {
    timer_.expires_after(std::chrono::milliseconds(opts_.tick_ms));
    timer_.async_wait([this](beast::error_code ec) {
      if (ec)
        return;
      auto now = wall_ns();
      injector_.tick(now);
      apply_episodes();
      if (!injector_.active(fault_kind::hang, now)) {
        hung_.clear(); // their clients timed out long ago; closing is all that is left
        if (frozen_)
          frozen_->close();
        frozen_.reset();
      }
      venue_.step(now);
      // drop expired weak pointers now and then
      rest_.erase(std::remove_if(rest_.begin(), rest_.end(),
                                 [](const std::weak_ptr<http_session>& w) { return w.expired(); }),
                  rest_.end());
      tick();
    });
  }

  void emit(std::string msg) {
    auto now = wall_ns();
    auto s = stream_.lock();
    if (!s || !s->listening || injector_.active(fault_kind::hang, now))
      return; // trade_updates are not replayed: what nobody hears is lost
    if (injector_.take(fault_kind::garbage))
      s->send("\x01\x02garbage{\"stream\":");
    s->send(std::move(msg));
  }

  net::io_context& ioc_;
  options opts_;
  tcp::acceptor acceptor_;
  net::steady_timer timer_;
  fault_injector injector_;
  fake_venue venue_;
  std::weak_ptr<ws_session> stream_;
  std::vector<std::weak_ptr<http_session>> rest_;
  std::vector<std::shared_ptr<http_session>> hung_;
  std::shared_ptr<ws_session> frozen_;
};

// ---- ws_session ----

void ws_session::accept(http::request<http::string_body> req) {
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.binary(!srv_.text_frames()); // Alpaca's paper trade_updates uses binary frames
  ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
    if (!ec)
      self->read();
  });
}

void ws_session::read() {
  ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec || self->frozen_)
      return;
    self->on_message();
    self->buf_.consume(self->buf_.size());
    self->read();
  });
}

void ws_session::on_message() {
  std::string text = beast::buffers_to_string(buf_.data());
  simdjson::dom::parser p;
  simdjson::dom::element root;
  std::string_view action;
  if (p.parse(text).get(root) != simdjson::SUCCESS
      || root["action"].get_string().get(action) != simdjson::SUCCESS) {
    send(R"({"stream":"error","data":{"error":"invalid message"}})");
    return;
  }
  if (action == "auth" || action == "authenticate") {
    // Both forms in use: {"action":"auth","key","secret"} and
    // {"action":"authenticate","data":{"key_id","secret_key"}}.
    std::string_view k, s;
    if (action == "auth") {
      if (root["key"].get_string().get(k) || root["secret"].get_string().get(s))
        k = {};
    } else {
      if (root["data"]["key_id"].get_string().get(k)
          || root["data"]["secret_key"].get_string().get(s))
        k = {};
    }
    authorized_ = srv_.keys_match(k, s);
    send(std::string{R"({"stream":"authorization","data":{"action":"authenticate","status":")"}
         + (authorized_ ? "authorized" : "unauthorized") + "\"}}");
    return;
  }
  if (action == "listen") {
    if (!authorized_) {
      send(R"({"stream":"authorization","data":{"action":"listen","status":"unauthorized"}})");
      return;
    }
    bool trade = false;
    simdjson::dom::array streams;
    if (root["data"]["streams"].get_array().get(streams) == simdjson::SUCCESS)
      for (auto e : streams) {
        std::string_view n;
        if (e.get_string().get(n) == simdjson::SUCCESS && n == "trade_updates")
          trade = true;
      }
    listening = trade;
    if (trade)
      srv_.set_stream(shared_from_this());
    send(std::string{R"({"stream":"listening","data":{"streams":[)"}
         + (trade ? "\"trade_updates\"" : "") + "]}}");
    return;
  }
  send(R"({"stream":"error","data":{"error":"unknown action"}})");
}

void ws_session::send(std::string msg) {
  out_.push_back(std::move(msg));
  if (out_.size() == 1)
    write_next();
}

void ws_session::write_next() {
  ws_.async_write(net::buffer(out_.front()),
                  [self = shared_from_this()](beast::error_code ec, size_t) {
                    if (ec)
                      return;
                    self->out_.pop_front();
                    if (!self->out_.empty())
                      self->write_next();
                  });
}

// ---- http_session ----

void http_session::read() {
  req_ = {};
  stream_.expires_after(std::chrono::seconds(300));
  http::async_read(stream_, buf_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec)
      return;
    self->on_request();
  });
}

void http_session::respond(int status, std::string body, bool close_after,
                           std::vector<std::pair<std::string, std::string>> headers) {
  auto res = std::make_shared<http::response<http::string_body>>(
    static_cast<http::status>(status), req_.version());
  res->set(http::field::server, "fake-alpaca");
  if (!body.empty())
    res->set(http::field::content_type, "application/json; charset=UTF-8");
  for (auto& [k, v] : headers)
    res->set(k, v);
  res->keep_alive(req_.keep_alive() && !close_after);
  res->body() = std::move(body);
  res->prepare_payload();
  res_ = res;
  int64_t delay_ms = 0;
  if (auto d = srv_.injector().active(fault_kind::delay, wall_ns()))
    delay_ms = d->delay_ms;
  auto write = [self = shared_from_this(), res]() {
    http::async_write(self->stream_, *res, [self, res](beast::error_code ec, size_t) {
      if (ec || !res->keep_alive()) {
        self->close();
        return;
      }
      self->read();
    });
  };
  if (delay_ms <= 0) {
    write();
    return;
  }
  auto timer = std::make_shared<net::steady_timer>(stream_.get_executor());
  timer->expires_after(std::chrono::milliseconds(delay_ms));
  timer->async_wait([timer, write](beast::error_code) { write(); });
}

void http_session::on_request() {
  std::string target{req_.target()};
  std::string path = target.substr(0, target.find('?'));
  auto query = target.find('?') == std::string::npos ? std::map<std::string, std::string>{}
                                                      : parse_query(target.substr(target.find('?') + 1));
  if (websocket::is_upgrade(req_)) {
    if (path != "/stream") {
      respond(404, R"({"code":40410000,"message":"not found"})", true);
      return;
    }
    auto ws = std::make_shared<ws_session>(stream_.release_socket(), srv_);
    ws->accept(std::move(req_));
    return;
  }
  auto now = wall_ns();
  auto& inj = srv_.injector();
  auto& venue = srv_.venue();
  // The test control view stands apart from /v2: no auth, no faults.
  if (path == "/fake/state" && req_.method() == http::verb::get) {
    auto r = venue.state();
    respond(r.status, r.body, false);
    return;
  }
  // Test control: POST /fake/price?symbol=S&price=P moves a price (a leg's trigger, say).
  if (path == "/fake/price" && req_.method() == http::verb::post) {
    auto px = Price::parse(query["price"]);
    if (query["symbol"].empty() || !px || !px->is_positive()) {
      respond(422, R"({"code":40010001,"message":"symbol and a positive price are required"})",
              false);
      return;
    }
    venue.set_price(query["symbol"], *px);
    respond(200, "{}", false);
    return;
  }
  if (inj.active(fault_kind::hang, now)) {
    srv_.hold(shared_from_this()); // accepted, never answered
    return;
  }
  if (path.rfind("/v2/", 0) != 0) {
    respond(404, R"({"code":40410000,"message":"endpoint not found"})", false);
    return;
  }
  if (!srv_.authorized(req_)) {
    respond(401, R"({"code":40110000,"message":"request is not authorized"})", false);
    return;
  }
  inj.request(now);
  auto reset = std::to_string(now / 1'000'000'000 + 1);
  if (inj.take(fault_kind::rate_limit)) {
    respond(429, R"({"code":42910000,"message":"rate limit exceeded"})", false,
            {{"Retry-After", "1"}, {"X-RateLimit-Limit", "200"}, {"X-RateLimit-Remaining", "0"},
             {"X-RateLimit-Reset", reset}});
    return;
  }
  bool post_order = req_.method() == http::verb::post && path == "/v2/orders";
  if (post_order) {
    inj.order(now);
    if (inj.take(fault_kind::reject)) {
      respond(403, R"({"code":40310000,"message":"insufficient buying power"})", false);
      return;
    }
  }
  bool server_error = inj.take(fault_kind::server_error);
  static int64_t server_errors = 0;
  if (server_error && (!post_order || ++server_errors % 2 == 0)) {
    // Every other faulted order POST is processed before its 500: the answer is lost.
    respond(500, R"({"code":50010000,"message":"internal server error"})", false);
    return;
  }
  reply r;
  const auto m = req_.method();
  const std::string orders_prefix = "/v2/orders/";
  if (path == "/v2/account" && m == http::verb::get)
    r = venue.account(now);
  else if (path == "/v2/clock" && m == http::verb::get)
    r = venue.clock(now);
  else if (path == "/v2/orders" && m == http::verb::post)
    r = venue.create_order(req_.body(), now);
  else if (path == "/v2/orders" && m == http::verb::get)
    r = venue.list_orders(query, now);
  else if (path == "/v2/orders" && m == http::verb::delete_)
    r = venue.cancel_all(now);
  else if (path == "/v2/orders:by_client_order_id" && m == http::verb::get)
    r = venue.get_by_client_id(query["client_order_id"]);
  else if (path.rfind(orders_prefix, 0) == 0 && path.size() > orders_prefix.size()) {
    auto id = path.substr(orders_prefix.size());
    if (m == http::verb::get)
      r = venue.get_order(id, query["nested"] == "true");
    else if (m == http::verb::patch)
      r = venue.replace_order(id, req_.body(), now);
    else if (m == http::verb::delete_)
      r = venue.cancel_order(id, now);
    else
      r = {405, R"({"code":40510000,"message":"method not allowed"})"};
  } else if (path == "/v2/positions" && m == http::verb::get)
    r = venue.positions();
  else if (path.rfind("/v2/positions/", 0) == 0 && m == http::verb::get)
    r = venue.position(path.substr(14));
  else if (path == "/v2/account/activities/FILL" && m == http::verb::get)
    r = venue.fill_activities(query);
  else if (path == "/v2/account/activities" && m == http::verb::get && query["activity_types"] == "FILL")
    r = venue.fill_activities(query);
  else
    r = {404, R"({"code":40410000,"message":"endpoint not found"})"};
  if (server_error) {
    respond(500, R"({"code":50010000,"message":"internal server error"})", false);
    return;
  }
  if (inj.take(fault_kind::garbage))
    r.body = "\x7f<html>garbage" + r.body.substr(0, r.body.size() / 2);
  // A disconnect fired by this order: answer it, then every connection drops.
  bool drop = false;
  for (auto k : {fault_kind::disconnect, fault_kind::reset_window})
    drop = drop || inj.active(k, now).has_value();
  srv_.apply_episodes(shared_from_this());
  respond(r.status, r.body, drop,
          {{"X-RateLimit-Limit", "200"}, {"X-RateLimit-Remaining", "199"},
           {"X-RateLimit-Reset", reset}});
}

int usage() {
  std::fprintf(stderr,
               "usage: fake-alpaca --port N [--faults PLAN] [--seed S] [--key K] [--secret S]\n"
               "                   [--tick-ms T] [--text-frames] [--partial-lot Q]\n"
               "                   [--price SYMBOL=PX]...\n");
  return 2;
}

} // namespace
} // namespace engine::fake_alpaca

int main(int argc, char** argv) {
  using namespace engine::fake_alpaca;
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--port")
        o.port = static_cast<uint16_t>(std::stoi(next()));
      else if (a == "--faults")
        o.faults = next();
      else if (a == "--seed")
        o.seed = std::stoull(next());
      else if (a == "--key")
        o.key = next();
      else if (a == "--secret")
        o.secret = next();
      else if (a == "--tick-ms")
        o.tick_ms = std::max(1, std::stoi(next()));
      else if (a == "--partial-lot")
        o.partial_lot = next();
      else if (a == "--price") {
        auto v = next();
        auto eq = v.find('=');
        auto px = eq == std::string::npos ? std::nullopt : engine::Price::parse(v.substr(eq + 1));
        if (eq == 0 || !px || !px->is_positive())
          throw std::runtime_error("--price needs SYMBOL=PX with a positive price, not '" + v + "'");
        o.pinned.emplace_back(v.substr(0, eq), *px);
      }
      else if (a == "--text-frames")
        o.text_frames = true;
      else
        return usage();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fake-alpaca: %s\n", e.what());
      return usage();
    }
  }
  try {
    std::signal(SIGPIPE, SIG_IGN);
    net::io_context ioc{1};
    server srv{ioc, o};
    auto port = srv.listen();
    std::printf("listening on 127.0.0.1:%u\n", static_cast<unsigned>(port));
    std::fflush(stdout);
    net::signal_set signals{ioc, SIGINT, SIGTERM};
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    ioc.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake-alpaca: %s\n", e.what());
    return 1;
  }
  return 0;
}
