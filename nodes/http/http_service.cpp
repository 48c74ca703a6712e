// The operator's HTTP API of a node in one object: backend, routes, server, event bridge and status ticker.
#include "nodes/http/http_service.hpp"

#include <filesystem>
#include <thread>

#include <unistd.h>

#include <caf/all.hpp>

#include "config/logging.hpp"
#include "messages/json_writer.hpp"
#include "nodes/http/actor_backend.hpp"
#include "nodes/http/api_router.hpp"
#include "nodes/http/event_bridge.hpp"
#include "nodes/http/event_hub.hpp"
#include "nodes/http/event_tap.hpp"
#include "nodes/http/http_server.hpp"

#ifndef ENGINE_HTTP_SOURCE_DIR
#define ENGINE_HTTP_SOURCE_DIR ""
#endif

namespace engine::http {

namespace fs = std::filesystem;

namespace {

std::string program_dir() {
  char buf[4096];
  auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return {};
  return fs::path{std::string{buf, static_cast<size_t>(n)}}.parent_path().string();
}

} // namespace

std::string find_www_dir(const std::string& configured) {
  if (!configured.empty())
    return configured;
  auto installed = fs::path{program_dir()} / ".." / "share" / "execution-engine" / "www";
  if (fs::exists(installed / "index.html"))
    return installed.lexically_normal().string();
  auto source = fs::path{ENGINE_HTTP_SOURCE_DIR} / "nodes" / "http" / "www";
  if (fs::exists(source / "index.html"))
    return source.string();
  return {};
}

std::string find_vendor_dir() {
  auto installed = fs::path{program_dir()} / ".." / "share" / "execution-engine" / "node_modules";
  if (fs::exists(installed))
    return installed.lexically_normal().string();
  return (fs::path{ENGINE_HTTP_SOURCE_DIR} / "deploy" / "web" / "node_modules").string();
}

struct http_service::impl {
  http_service_options opts;
  std::shared_ptr<event_hub> hub = std::make_shared<event_hub>();
  http_metrics metrics;
  std::unique_ptr<actor_backend> backend;
  std::unique_ptr<api_router> router;
  std::unique_ptr<http_server> server;
  caf::actor bridge;
  std::thread publisher;
  bool running = false;

  /// The publisher thread: formats the bridge's batches as they come (one
  /// frame each, never on an actor's thread) and, every status_every_s while
  /// someone listens, the status line and the books.
  void publish_loop() {
    auto every = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(opts.status_every_s));
    auto next_status = std::chrono::steady_clock::now() + every;
    std::vector<event_batch> batches;
    while (hub->next(batches, next_status)) {
      std::string frames;
      for (auto& b : batches)
        frames += b.to_sse();
      batches.clear();
      hub->publish_frames(std::move(frames));
      if (std::chrono::steady_clock::now() < next_status)
        continue;
      next_status = std::chrono::steady_clock::now() + every;
      if (hub->subscribers() > 0)
        publish_status();
    }
  }

  void publish_status() {
    try {
      std::string out;
      json_writer w{out};
      w.begin_object();
      w.key("status_line");
      w.value(backend->status_line());
      w.key("now");
      w.value(backend->now());
      w.key("account");
      w.value(backend->account());
      w.key("metrics");
      w.value(backend->performance());
      w.key("orders");
      w.value(backend->order_stats());
      w.key("trading_state");
      w.value(backend->risk_limits().trading_state);
      w.key("brokers");
      w.value(backend->brokers());
      w.end_object();
      hub->publish("status", out);
    } catch (const std::exception& e) {
      logger("http")->debug("status event skipped: {}", e.what());
    }
  }
};

http_service::http_service(http_service_options opts) : impl_(std::make_unique<impl>()) {
  impl_->opts = std::move(opts);
}

http_service::~http_service() { stop(); }

void http_service::start() {
  auto& m = *impl_;
  if (m.running)
    return;
  auto& c = m.opts.config;
  actor_backend_options bo;
  bo.system = m.opts.system;
  bo.directory = m.opts.directory;
  bo.tickers = m.opts.tickers;
  bo.status_line = m.opts.status_line;
  bo.now = m.opts.now;
  bo.brokers = m.opts.brokers;
  m.backend = std::make_unique<actor_backend>(bo);
  router_options ro;
  ro.token = c.token;
  ro.www_dir = find_www_dir(c.www_dir);
  ro.vendor_dir = find_vendor_dir();
  ro.max_body_bytes = static_cast<size_t>(c.max_body_bytes);
  m.router = std::make_unique<api_router>(*m.backend, ro, m.metrics);
  server_options so;
  so.host = c.host;
  so.port = static_cast<uint16_t>(c.port);
  so.idle_timeout_ms = c.idle_timeout_ms;
  so.max_body_bytes = static_cast<size_t>(c.max_body_bytes);
  m.server = std::make_unique<http_server>(so, *m.router, *m.hub, m.metrics);
  m.server->start();
  event_bridge_options eo;
  eo.directory = m.opts.directory;
  eo.hub = m.hub;
  eo.brokers = m.opts.broker_names;
  eo.tap = m.opts.tap;
  m.bridge = spawn_event_bridge(*m.opts.system, eo);
  m.hub->open();
  m.publisher = std::thread([&m] { m.publish_loop(); });
  m.running = true;
  if (ro.www_dir.empty())
    logger("http")->warn("no dashboard files found: GET / answers 404");
}

void http_service::stop() {
  auto& m = *impl_;
  if (!m.running)
    return;
  m.running = false;
  m.hub->close();
  m.publisher.join();
  if (m.opts.tap)
    m.opts.tap->set_active(false); // nobody takes what the order manager would put
  if (m.bridge) {
    caf::scoped_actor self{*m.opts.system};
    self->monitor(m.bridge);
    self->send_exit(m.bridge, caf::exit_reason::user_shutdown);
    self->receive([](const caf::down_msg&) {});
    m.bridge = nullptr;
  }
  m.server->stop();
}

uint16_t http_service::port() const { return impl_->server ? impl_->server->port() : 0; }

event_hub& http_service::hub() { return *impl_->hub; }
http_metrics& http_service::metrics() { return impl_->metrics; }

} // namespace engine::http
