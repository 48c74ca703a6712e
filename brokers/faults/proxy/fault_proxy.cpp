// fault-proxy's core: Asio on one thread; the fault decisions are proxy_policy's.
#include "brokers/faults/proxy/fault_proxy.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include <boost/asio.hpp>

#include "brokers/faults/proxy/http_framer.hpp"
#include "brokers/faults/proxy/proxy_policy.hpp"
#include "messages/json_writer.hpp"

namespace engine {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr size_t chunk_size = 16 * 1024;
// Reading stops while this much waits to be written (a hang or a delay): bounded memory.
constexpr size_t max_queued = 4 * 1024 * 1024;
// Timers re-read the plan's clock at least this often, so a clock that jumps (tests) is seen.
constexpr std::chrono::milliseconds max_wait{100};
constexpr std::chrono::seconds connect_timeout{5};
constexpr std::chrono::seconds control_timeout{2};
constexpr size_t garbage_answer_size = 256;
// Bodies in Alpaca's error shape, so a client's error path parses them as a venue's.
constexpr std::string_view body_429 =
  R"j({"code":42910000,"message":"rate limit exceeded (fault-proxy)"})j";
constexpr std::string_view body_500 =
  R"j({"code":50010000,"message":"internal server error (fault-proxy)"})j";
constexpr std::string_view body_403 =
  R"j({"code":40310000,"message":"order rejected (fault-proxy)"})j";

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string answer(int status, std::string_view reason, std::string_view body, bool close,
                   bool retry_after) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string{reason} + "\r\n";
  if (retry_after)
    out += "Retry-After: 1\r\n";
  out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n";
  if (close)
    out += "Connection: close\r\n";
  out += "\r\n";
  out += body;
  return out;
}

std::chrono::nanoseconds wait_for(int64_t due_ns, int64_t now_ns) {
  auto d = std::chrono::nanoseconds{std::max<int64_t>(0, due_ns - now_ns)};
  return std::min<std::chrono::nanoseconds>(d, max_wait);
}

} // namespace

std::string fault_proxy_counters::to_json() const {
  std::string out;
  json_writer w{out};
  w.begin_object();
  auto field = [&](std::string_view k, int64_t v) {
    w.key(k);
    w.value(v);
  };
  field("accepted", accepted);
  field("refused", refused);
  field("open", open);
  field("dropped", dropped);
  field("upstream_failed", upstream_failed);
  field("bytes_up", bytes_up);
  field("bytes_down", bytes_down);
  field("requests", requests);
  field("orders", orders);
  field("forwarded", forwarded);
  field("answered_429", answered_429);
  field("answered_500", answered_500);
  field("answered_403", answered_403);
  field("garbage", garbage);
  w.key("fired");
  w.begin_object();
  for (size_t i = 0; i < fired.size(); ++i)
    field(enum_names<fault_kind>::values[i], fired[i]);
  w.end_object();
  w.end_object();
  return out;
}

class proxy_session;
class control_session;

struct fault_proxy::impl {
  explicit impl(fault_proxy_options o) : opt(std::move(o)) {
    if (!opt.clock)
      opt.clock = wall_ns;
  }

  // The io_context first: destroyed last, after every socket and timer bound to it.
  asio::io_context io;
  fault_proxy_options opt;
  tcp::acceptor acceptor{io};
  tcp::acceptor control_acceptor{io};
  asio::steady_timer tick_timer{io};
  asio::steady_timer accept_retry{io};
  tcp::resolver::results_type upstream;
  std::optional<proxy_policy> policy;
  std::set<std::shared_ptr<proxy_session>> sessions;
  std::thread thread;
  bool stopped = false; // on the I/O thread

  mutable std::mutex mutex;
  fault_proxy_counters counts;

  int64_t now() const { return opt.clock(); }
  template <class F>
  void count(F f) {
    std::lock_guard<std::mutex> lock{mutex};
    f(counts);
  }
  std::string counts_json() const {
    std::lock_guard<std::mutex> lock{mutex};
    return counts.to_json();
  }
  /// Copies the injector's fired counts (after any call into the policy).
  void note_fired() {
    std::lock_guard<std::mutex> lock{mutex};
    for (size_t i = 0; i < counts.fired.size(); ++i)
      counts.fired[i] = policy->injector().fired(static_cast<fault_kind>(i));
  }

  void accept();
  void on_accept(tcp::socket s);
  void accept_control();
  void tick();
  void drop_all(const proxy_session* except);
  void close_all();
};

/// One client connection and its upstream connection: two directions, each a read loop into a
/// queue of chunks and a write loop that waits for each chunk's release time.
class proxy_session : public std::enable_shared_from_this<proxy_session> {
public:
  proxy_session(fault_proxy::impl& px, tcp::socket client)
    : px_(px),
      client_(std::move(client)),
      upstream_(px.io),
      connect_timer_(px.io),
      up_(px.io, false),
      down_(px.io, true) {}

  void start() {
    auto self = shared_from_this();
    connect_timer_.expires_after(connect_timeout);
    connect_timer_.async_wait([self](error_code ec) {
      if (!ec && !self->connected_)
        self->fail_upstream();
    });
    asio::async_connect(upstream_, px_.upstream, [self](error_code ec, const tcp::endpoint&) {
      if (self->closed_)
        return;
      self->connect_timer_.cancel();
      if (ec)
        return self->fail_upstream();
      self->connected_ = true;
      error_code ignore;
      self->client_.set_option(tcp::no_delay(true), ignore);
      self->upstream_.set_option(tcp::no_delay(true), ignore);
      self->read(self->up_);
      self->read(self->down_);
    });
  }

  /// Closes both sockets; `abort` resets the client's (a dropped network, not a polite close).
  void close(bool abort) {
    if (closed_)
      return;
    auto self = shared_from_this(); // erasing from the set must not destroy us mid-call
    closed_ = true;
    // Counted before the sockets close: whoever sees the close sees the count.
    px_.count([](fault_proxy_counters& c) { --c.open; });
    error_code ec;
    if (abort)
      client_.set_option(tcp::socket::linger(true, 0), ec);
    client_.close(ec);
    upstream_.close(ec);
    up_.timer.cancel();
    down_.timer.cancel();
    connect_timer_.cancel();
    px_.sessions.erase(self);
  }

private:
  struct chunk {
    std::string bytes;
    int64_t release_ns;
  };
  struct direction {
    direction(asio::io_context& io, bool to_client_side) : to_client(to_client_side), timer(io) {}
    bool to_client; // upstream -> client
    std::array<char, chunk_size> buf{};
    std::deque<chunk> queue;
    size_t queued = 0;
    int64_t last_release = 0;
    bool reading = false, writing = false, waiting = false;
    bool eof = false, shut = false;
    bool close_after_flush = false;
    asio::steady_timer timer;
  };

  tcp::socket& source(direction& d) { return d.to_client ? upstream_ : client_; }
  tcp::socket& sink(direction& d) { return d.to_client ? client_ : upstream_; }

  void fail_upstream() {
    px_.count([](fault_proxy_counters& c) { ++c.upstream_failed; });
    close(true);
  }

  void read(direction& d) {
    if (closed_ || d.reading || d.eof || d.queued >= max_queued)
      return; // past max_queued the writer resumes reading
    d.reading = true;
    auto self = shared_from_this();
    source(d).async_read_some(asio::buffer(d.buf), [self, &d](error_code ec, size_t n) {
      d.reading = false;
      if (self->closed_)
        return;
      if (ec == asio::error::eof) {
        d.eof = true;
        return self->pump(d);
      }
      if (ec)
        return self->close(false);
      std::string_view data{d.buf.data(), n};
      if (d.to_client)
        self->on_down(data);
      else
        self->on_up(data);
      self->read(d);
    });
  }

  void on_up(std::string_view data) {
    int64_t now = px_.now();
    px_.count([&](fault_proxy_counters& c) { c.bytes_up += static_cast<int64_t>(data.size()); });
    if (dropping_ || down_.close_after_flush)
      return; // closing: the rest is not forwarded
    if (!px_.opt.http)
      return enqueue(up_, std::string{data}, now);
    std::vector<http_piece> pieces;
    framer_.feed(data, pieces);
    bool drop = false;
    for (auto& p : pieces) {
      if (!p.is_request) {
        enqueue(up_, std::move(p.bytes), now);
        continue;
      }
      auto action = px_.policy->on_request(now, p.is_order);
      drop = px_.policy->take_drop_all() || drop;
      px_.count([&](fault_proxy_counters& c) {
        ++c.requests;
        c.orders += p.is_order;
        c.forwarded += action == request_action::forward;
        c.answered_429 += action == request_action::rate_limited;
        c.answered_500 += action == request_action::server_error;
        c.answered_403 += action == request_action::rejected;
        c.garbage += action == request_action::garbage;
      });
      switch (action) {
        case request_action::forward:
          enqueue(up_, std::move(p.bytes), now);
          break;
        case request_action::rate_limited:
          enqueue(down_, answer(429, "Too Many Requests", body_429, p.wants_close, true), now);
          break;
        case request_action::server_error:
          enqueue(down_, answer(500, "Internal Server Error", body_500, p.wants_close, false),
                  now);
          break;
        case request_action::rejected:
          enqueue(down_, answer(403, "Forbidden", body_403, p.wants_close, false), now);
          break;
        case request_action::garbage:
          enqueue(down_, px_.policy->random_bytes(garbage_answer_size), now);
          p.wants_close = true; // the client's parser is lost from here on
          break;
      }
      if (action != request_action::forward && p.wants_close) {
        down_.close_after_flush = true;
        pump(down_);
        break; // nothing after a closing request is forwarded
      }
    }
    px_.note_fired();
    if (drop) {
      // The request that fired it still reaches the upstream (an order whose answer is lost);
      // then this pair closes, and every other one at once.
      dropping_ = true;
      up_.close_after_flush = true;
      px_.count([](fault_proxy_counters& c) { ++c.dropped; });
      px_.drop_all(this);
      pump(up_);
    }
  }

  void on_down(std::string_view data) {
    int64_t now = px_.now();
    px_.count([&](fault_proxy_counters& c) { c.bytes_down += static_cast<int64_t>(data.size()); });
    if (dropping_)
      return; // the answer to the request that dropped the connection is lost
    std::string bytes{data};
    if (!px_.opt.http && px_.policy->garbage_chunk(now)) {
      bytes = px_.policy->random_bytes(bytes.size());
      px_.count([](fault_proxy_counters& c) { ++c.garbage; });
    }
    bool drop = px_.policy->take_drop_all();
    px_.note_fired();
    if (drop)
      return px_.drop_all(nullptr);
    enqueue(down_, std::move(bytes), now);
  }

  void enqueue(direction& d, std::string bytes, int64_t now) {
    if (closed_ || bytes.empty())
      return;
    // Never before an earlier chunk: a delay keeps the order.
    int64_t release = std::max(px_.policy->release_time(now), d.last_release);
    d.last_release = release;
    d.queued += bytes.size();
    d.queue.push_back(chunk{std::move(bytes), release});
    pump(d);
  }

  void pump(direction& d) {
    if (closed_ || d.writing || d.waiting)
      return;
    if (d.queue.empty()) {
      if (d.close_after_flush)
        return close(false);
      if (d.eof && !d.shut) {
        d.shut = true;
        error_code ec;
        sink(d).shutdown(tcp::socket::shutdown_send, ec);
        if (up_.shut && down_.shut)
          close(false);
      }
      return;
    }
    auto self = shared_from_this();
    int64_t now = px_.now();
    int64_t due = d.queue.front().release_ns;
    if (auto h = px_.policy->hang_until(now))
      due = std::max(due, *h); // a hang holds everything, whenever it was queued
    if (due > now) {
      d.waiting = true;
      d.timer.expires_after(wait_for(due, now));
      d.timer.async_wait([self, &d](error_code) {
        d.waiting = false;
        self->pump(d);
      });
      return;
    }
    d.writing = true;
    asio::async_write(sink(d), asio::buffer(d.queue.front().bytes),
                      [self, &d](error_code ec, size_t) {
                        d.writing = false;
                        if (self->closed_)
                          return;
                        if (ec)
                          return self->close(false);
                        d.queued -= d.queue.front().bytes.size();
                        d.queue.pop_front();
                        self->read(d); // resumes a read stopped at max_queued
                        self->pump(d);
                      });
  }

  fault_proxy::impl& px_;
  tcp::socket client_;
  tcp::socket upstream_;
  asio::steady_timer connect_timer_;
  direction up_;
  direction down_;
  http_framer framer_;
  bool connected_ = false;
  bool closed_ = false;
  bool dropping_ = false;
};

/// One GET on the control port: answers the counters as JSON and closes.
class control_session : public std::enable_shared_from_this<control_session> {
public:
  control_session(fault_proxy::impl& px, tcp::socket s)
    : px_(px), socket_(std::move(s)), timer_(px.io) {}

  void start() {
    auto self = shared_from_this();
    timer_.expires_after(control_timeout);
    timer_.async_wait([self](error_code ec) {
      if (!ec) {
        error_code ignore;
        self->socket_.close(ignore);
      }
    });
    read();
  }

private:
  void read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buf_), [self](error_code ec, size_t n) {
      if (ec) {
        self->timer_.cancel();
        return;
      }
      self->request_.append(self->buf_.data(), n);
      if (self->request_.find("\r\n\r\n") == std::string::npos && self->request_.size() < 8192)
        return self->read();
      self->reply_ = answer(200, "OK", self->px_.counts_json(), true, false);
      asio::async_write(self->socket_, asio::buffer(self->reply_), [self](error_code, size_t) {
        error_code ignore;
        self->socket_.shutdown(tcp::socket::shutdown_both, ignore);
        self->socket_.close(ignore);
        self->timer_.cancel();
      });
    });
  }

  fault_proxy::impl& px_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::array<char, 1024> buf_{};
  std::string request_;
  std::string reply_;
};

void fault_proxy::impl::accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket s) {
    if (stopped || ec == asio::error::operation_aborted)
      return;
    if (ec) {
      // Out of descriptors or similar: try again shortly rather than spin.
      accept_retry.expires_after(std::chrono::milliseconds{10});
      accept_retry.async_wait([this](error_code e) {
        if (!e && !stopped)
          accept();
      });
      return;
    }
    on_accept(std::move(s));
    accept();
  });
}

void fault_proxy::impl::on_accept(tcp::socket s) {
  int64_t t = now();
  bool refuse = policy->refuse_connection(t);
  bool drop = policy->take_drop_all();
  note_fired();
  if (drop)
    drop_all(nullptr);
  if (refuse) {
    count([](fault_proxy_counters& c) { ++c.refused; });
    error_code ec;
    s.set_option(tcp::socket::linger(true, 0), ec); // a reset, at once
    s.close(ec);
    return;
  }
  count([](fault_proxy_counters& c) {
    ++c.accepted;
    ++c.open;
  });
  auto session = std::make_shared<proxy_session>(*this, std::move(s));
  sessions.insert(session);
  session->start();
}

void fault_proxy::impl::accept_control() {
  control_acceptor.async_accept([this](error_code ec, tcp::socket s) {
    if (stopped || ec == asio::error::operation_aborted)
      return;
    if (!ec)
      std::make_shared<control_session>(*this, std::move(s))->start();
    accept_control();
  });
}

void fault_proxy::impl::tick() {
  int64_t t = now();
  policy->tick(t);
  bool drop = policy->take_drop_all();
  note_fired();
  if (drop)
    drop_all(nullptr);
  std::chrono::nanoseconds wait = max_wait;
  if (auto next = policy->next_time(t))
    wait = std::max<std::chrono::nanoseconds>(wait_for(*next, t), std::chrono::milliseconds{1});
  tick_timer.expires_after(wait);
  tick_timer.async_wait([this](error_code ec) {
    if (!ec && !stopped)
      tick();
  });
}

void fault_proxy::impl::drop_all(const proxy_session* except) {
  auto copy = sessions; // close() erases from the set
  for (auto& s : copy)
    if (s.get() != except) {
      count([](fault_proxy_counters& c) { ++c.dropped; });
      s->close(true);
    }
}

void fault_proxy::impl::close_all() {
  stopped = true;
  error_code ec;
  acceptor.close(ec);
  control_acceptor.close(ec);
  tick_timer.cancel();
  accept_retry.cancel();
  auto copy = sessions;
  for (auto& s : copy)
    s->close(false);
}

fault_proxy::fault_proxy(fault_proxy_options options)
  : impl_(std::make_unique<impl>(std::move(options))) {
  if (auto problem = proxy_policy::check(impl_->opt.plan, impl_->opt.http, impl_->opt.plan_file))
    throw std::invalid_argument(*problem);
}

fault_proxy::~fault_proxy() { stop(); }

uint16_t fault_proxy::start() {
  auto& p = *impl_;
  if (p.thread.joinable())
    throw std::runtime_error("fault-proxy already started");
  tcp::resolver resolver{p.io};
  error_code ec;
  p.upstream = resolver.resolve(p.opt.upstream_host, std::to_string(p.opt.upstream_port), ec);
  if (ec || p.upstream.empty())
    throw std::runtime_error("cannot resolve upstream " + p.opt.upstream_host + ":" +
                             std::to_string(p.opt.upstream_port) + ": " + ec.message());
  auto loopback = asio::ip::make_address("127.0.0.1");
  auto open = [&](tcp::acceptor& a, uint16_t port, const char* what) {
    a.open(tcp::v4());
    a.set_option(tcp::acceptor::reuse_address(true));
    a.bind(tcp::endpoint{loopback, port}, ec);
    if (ec)
      throw std::runtime_error(std::string{"cannot listen on 127.0.0.1:"} +
                               std::to_string(port) + " (" + what + "): " + ec.message());
    a.listen();
    return a.local_endpoint().port();
  };
  uint16_t port = open(p.acceptor, p.opt.listen_port, "proxy");
  if (p.opt.control)
    p.opt.control_port = open(p.control_acceptor, p.opt.control_port, "control");
  p.policy.emplace(p.opt.plan, p.opt.http, p.now());
  p.accept();
  if (p.opt.control)
    p.accept_control();
  p.tick();
  p.thread = std::thread([&p] { p.io.run(); });
  return port;
}

uint16_t fault_proxy::control_port() const { return impl_->opt.control_port; }

void fault_proxy::stop() {
  auto& p = *impl_;
  if (!p.thread.joinable())
    return;
  asio::post(p.io, [&p] {
    p.close_all();
    p.io.stop();
  });
  p.thread.join();
}

fault_proxy_counters fault_proxy::counters() const {
  std::lock_guard<std::mutex> lock{impl_->mutex};
  return impl_->counts;
}

} // namespace engine
