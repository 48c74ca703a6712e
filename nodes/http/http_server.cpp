// The Boost.Beast HTTP/1.1 server: its own Asio threads, one session per connection, timeouts, SSE streams.
#include "nodes/http/http_server.hpp"

#include <deque>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "config/logging.hpp"
#include "nodes/http/api_router.hpp"
#include "nodes/http/event_hub.hpp"

namespace engine::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

/// One connection: read a request, answer it, repeat while keep-alive; or,
/// after GET /events, stream the hub's frames until the client goes away.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, const server_options& opts, api_router& router, event_hub& hub,
          http_metrics& metrics)
    : stream_(std::move(socket)), opts_(opts), router_(router), hub_(hub), metrics_(metrics) {}

  ~session() {
    if (sub_id_) {
      hub_.unsubscribe(sub_id_);
      --metrics_.event_clients();
    }
  }

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&session::do_read, shared_from_this()));
  }

private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(opts_.max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(std::chrono::milliseconds(opts_.idle_timeout_ms));
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(error_code ec, size_t) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout
        || ec == asio::error::connection_reset || ec == asio::error::eof) {
      close();
      return;
    }
    if (ec == bhttp::error::body_limit) {
      api_response r;
      r.status = 413;
      r.body = error_json("body larger than " + std::to_string(opts_.max_body_bytes) + " bytes") + "\n";
      metrics_.count("too_large", 413);
      send(std::move(r), false);
      return;
    }
    if (ec) {
      api_response r;
      r.status = 400;
      r.body = error_json("malformed HTTP request: " + ec.message()) + "\n";
      metrics_.count("malformed", 400);
      send(std::move(r), false);
      return;
    }
    auto& msg = parser_->get();
    api_request req;
    req.method = std::string{msg.method_string()};
    req.target = std::string{msg.target()};
    req.body = std::move(msg.body());
    if (auto a = msg.find(bhttp::field::authorization); a != msg.end())
      req.authorization = std::string{a->value()};
    error_code ignored;
    auto ep = stream_.socket().remote_endpoint(ignored);
    req.remote = ignored ? std::string{} : ep.address().to_string();
    bool keep = msg.keep_alive();
    auto r = router_.handle(req);
    if (r.event_stream) {
      start_stream(r);
      return;
    }
    send(std::move(r), keep);
  }

  void send(api_response r, bool keep_alive) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    res->set(bhttp::field::server, "execution-node");
    res->set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers)
      res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(std::chrono::milliseconds(opts_.write_timeout_ms));
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep_alive](error_code ec, size_t) {
                         self->on_write(ec, keep_alive);
                       });
  }

  void on_write(error_code ec, bool keep_alive) {
    if (ec || !keep_alive) {
      close();
      return;
    }
    buffer_.consume(buffer_.size());
    do_read();
  }

  void close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  // ------------------------------------------------------------ event stream

  void start_stream(const api_response& r) {
    std::string head = "HTTP/1.1 200 OK\r\nServer: execution-node\r\nContent-Type: ";
    head += r.content_type;
    head += "\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n";
    head += "retry: 2000\n: connected\n\n";
    backlog_.push_back(std::make_shared<const std::string>(std::move(head)));
    ++metrics_.event_clients();
    std::weak_ptr<session> weak = shared_from_this();
    auto exec = stream_.get_executor();
    // Called on the publisher's thread: only a post, never a wait.
    sub_id_ = hub_.subscribe([weak, exec](event_hub::frame f) {
      asio::post(exec, [weak, f] {
        if (auto s = weak.lock())
          s->enqueue(f);
      });
    });
    write_next();
    watch_peer();
    ping();
  }

  void enqueue(event_hub::frame f) {
    if (closed_)
      return;
    if (backlog_.size() >= opts_.max_event_backlog) {
      // A client that does not keep up is dropped, never waited for.
      ++metrics_.event_clients_dropped();
      closed_ = true;
      close();
      return;
    }
    backlog_.push_back(std::move(f));
    if (!writing_)
      write_next();
  }

  void write_next() {
    if (backlog_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    auto f = backlog_.front();
    stream_.expires_after(std::chrono::milliseconds(opts_.write_timeout_ms));
    asio::async_write(stream_, asio::buffer(*f),
                      [self = shared_from_this(), f](error_code ec, size_t) {
                        if (ec) {
                          self->closed_ = true;
                          self->close();
                          return;
                        }
                        self->backlog_.pop_front();
                        self->write_next();
                      });
  }

  /// A read that only ends when the client closes (or sends junk): then the stream ends.
  void watch_peer() {
    stream_.socket().async_read_some(asio::buffer(peer_buf_),
                                     [self = shared_from_this()](error_code ec, size_t) {
                                       if (ec) {
                                         self->closed_ = true;
                                         self->close();
                                         self->timer_.reset();
                                         return;
                                       }
                                       self->watch_peer();
                                     });
  }

  /// A comment every 15 s keeps proxies from closing an idle stream.
  void ping() {
    if (!timer_)
      timer_.emplace(stream_.get_executor());
    timer_->expires_after(std::chrono::seconds(15));
    timer_->async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->closed_)
        return;
      self->enqueue(std::make_shared<const std::string>(": ping\n\n"));
      self->ping();
    });
  }

  beast::tcp_stream stream_;
  const server_options& opts_;
  api_router& router_;
  event_hub& hub_;
  http_metrics& metrics_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  uint64_t sub_id_ = 0;
  std::deque<event_hub::frame> backlog_;
  bool writing_ = false;
  bool closed_ = false;
  std::array<char, 512> peer_buf_{};
  std::optional<asio::steady_timer> timer_;
};

} // namespace

struct http_server::impl {
  server_options opts;
  api_router& router;
  event_hub& hub;
  http_metrics& metrics;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  uint16_t bound_port = 0;
  bool running = false;

  impl(server_options o, api_router& r, event_hub& h, http_metrics& m)
    : opts(std::move(o)), router(r), hub(h), metrics(m) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted)
          logger("http")->warn("accept failed: {}", ec.message());
        if (!acceptor.is_open())
          return;
      } else {
        std::make_shared<session>(std::move(socket), opts, router, hub, metrics)->run();
      }
      accept();
    });
  }
};

http_server::http_server(server_options opts, api_router& router, event_hub& hub,
                         http_metrics& metrics)
  : impl_(std::make_unique<impl>(std::move(opts), router, hub, metrics)) {}

http_server::~http_server() { stop(); }

void http_server::start() {
  auto& m = *impl_;
  if (m.running)
    return;
  error_code ec;
  auto address = asio::ip::make_address(m.opts.host == "localhost" ? "127.0.0.1" : m.opts.host, ec);
  if (ec)
    throw std::runtime_error("http: not an IP address: " + m.opts.host);
  tcp::endpoint ep{address, m.opts.port};
  m.acceptor.open(ep.protocol(), ec);
  if (!ec)
    m.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    m.acceptor.bind(ep, ec);
  if (!ec)
    m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("http: cannot listen on " + m.opts.host + ":" +
                             std::to_string(m.opts.port) + ": " + ec.message());
  m.bound_port = m.acceptor.local_endpoint().port();
  m.running = true;
  m.accept();
  for (int i = 0; i < std::max(1, m.opts.threads); ++i)
    m.threads.emplace_back([&m] { m.ioc.run(); });
  logger("http")->info("HTTP API listening on {}:{}", m.opts.host, m.bound_port);
}

void http_server::stop() {
  auto& m = *impl_;
  if (!m.running)
    return;
  m.running = false;
  m.hub.clear(); // nothing posts into the io_context once it stops
  asio::post(m.ioc, [&m] {
    error_code ignored;
    m.acceptor.close(ignored);
  });
  m.ioc.stop();
  for (auto& t : m.threads)
    t.join();
  m.threads.clear();
  logger("http")->info("HTTP API stopped");
}

uint16_t http_server::port() const { return impl_->bound_port; }

} // namespace engine::http
