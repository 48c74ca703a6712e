// Order -> ack across two nodes (a driver node and an engine node joined by the ZeroMQ link,
// in one process on 127.0.0.1), beside the raw ZeroMQ round trip measured in the same run.
// Run: build/bench/cluster_bench [orders]   (prints a table; not a Google Benchmark program)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <caf/all.hpp>
#include <zmq.hpp>

#include "actors/actor_directory.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_core.hpp"
#include "nodes/remote_bridge.hpp"
#include "nodes/scheduler_settings.hpp"

using namespace engine;
using clk = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> xs, double p) {
  std::sort(xs.begin(), xs.end());
  return xs[static_cast<size_t>(p * static_cast<double>(xs.size() - 1))];
}

/// Raw cppzmq DEALER -> ROUTER echo of 100 bytes on tcp loopback: the floor under the link.
std::vector<double> raw_zmq_round_trips(int n, int port) {
  zmq::context_t ctx;
  zmq::socket_t router{ctx, zmq::socket_type::router};
  router.bind("tcp://127.0.0.1:" + std::to_string(port));
  std::thread echo{[&] {
    for (int i = 0; i < n; ++i) {
      zmq::message_t id, body;
      (void) router.recv(id);
      (void) router.recv(body);
      router.send(id, zmq::send_flags::sndmore);
      router.send(body, zmq::send_flags::none);
    }
  }};
  zmq::socket_t dealer{ctx, zmq::socket_type::dealer};
  dealer.connect("tcp://127.0.0.1:" + std::to_string(port));
  std::string payload(100, 'x');
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    auto t0 = clk::now();
    dealer.send(zmq::buffer(payload), zmq::send_flags::none);
    zmq::message_t reply;
    (void) dealer.recv(reply);
    us.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
  }
  echo.join();
  return us;
}

struct node {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<actor_directory> dir = std::make_shared<actor_directory>();
  std::unique_ptr<remote_bridge> bridge;
  engine_core core;               // the engine node's core actors
  std::vector<caf::actor> actors; // anything else (the driver's strategy)
  node() {
    cfg.add_message_types<caf::id_block::engine>();
    // Three nodes share this process's two cores: workers that poll long would
    // take them from each other, so they poll no longer than CAF's default.
    apply_scheduler_settings(cfg, scheduler_config{100});
    sys = std::make_unique<caf::actor_system>(cfg);
  }
  void add(const char* name, caf::actor a) {
    dir->put(name, a);
    actors.push_back(std::move(a));
  }
  ~node() {
    if (bridge)
      bridge->stop();
    stop_engine_core(*sys, core, *dir);
    for (auto& a : actors)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    dir->clear();
    sys.reset();
  }
};

} // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 3000;
  auto base = 27000 + (getpid() % 400) * 10;
  auto raw = raw_zmq_round_trips(n, base + 9);

  app_config cfg;
  node_config a{"driver", "tcp://127.0.0.1:" + std::to_string(base + 1), {"strategy:bench"}, "", ""};
  node_config b{"engine", "tcp://127.0.0.1:" + std::to_string(base + 2),
                {"order_manager", "risk_manager", "position_keeper", "trade_logger", "simulator"},
                "", ""};
  cfg.nodes = {a, b};
  auto journal = std::filesystem::temp_directory_path() / ("cluster-bench-" + std::to_string(getpid()));
  cfg.journal.dir = journal.string();
  cfg.journal.fsync = fsync_policy::never;
  cfg.initial_cash = Money::from_units(1'000'000'000);

  node engine_node, driver_node;
  engine_node.bridge = std::make_unique<remote_bridge>(*engine_node.sys, engine_node.dir, cfg, "engine");
  auto& es = *engine_node.sys;
  engine_node.core = spawn_engine_core(es, engine_core_options_from(cfg, engine_node.dir));

  driver_node.bridge = std::make_unique<remote_bridge>(*driver_node.sys, driver_node.dir, cfg, "driver");
  // The strategy the engine sends updates and fills to: it only counts them.
  driver_node.add("strategy:bench", driver_node.sys->spawn([]() -> caf::behavior {
    return {[](const OrderUpdate&) {}, [](const Fill&) {}};
  }));
  engine_node.bridge->start();
  driver_node.bridge->start();
  if (!driver_node.bridge->wait_peers_up(std::chrono::seconds(10))) {
    std::fprintf(stderr, "the nodes did not meet\n");
    return 1;
  }
  { // one standing quote at the venue, risk and books
    Quote q;
    q.ticker = "AAPL";
    q.bid = *Price::parse("100");
    q.ask = *Price::parse("100.01");
    q.bid_size = q.ask_size = Quantity::from_units(1'000'000'000);
    q.timestamp = 1;
    if (auto e = step_engine_core(es, engine_node.core, QuoteBatch{{q}}, std::chrono::seconds(10)))
      std::fprintf(stderr, "the standing quote failed: %s\n", to_string(e).c_str());
  }

  // Order -> ack from the driver node: one order in flight at a time.
  caf::scoped_actor self{*driver_node.sys};
  auto om_proxy = driver_node.dir->get(names::order_manager);
  auto order = [](int i) {
    OrderRequest o;
    o.ticker = "AAPL";
    o.side = i % 2 == 0 ? OrderSide::buy : OrderSide::sell;
    o.quantity = Quantity::from_units(1);
    o.strategy = "bench";
    o.timestamp = 1;
    return o;
  };
  std::vector<double> ack_us;
  int failed = 0;
  for (int i = 0; i < n; ++i) {
    auto t0 = clk::now();
    self->request(om_proxy, std::chrono::seconds(10), order(i))
      .receive([&](const OrderUpdate& u) { failed += u.status == OrderStatus::rejected; },
               [&](caf::error&) { ++failed; });
    ack_us.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
  }
  // Orders per second across the nodes: a window of requests kept in flight.
  const int window = 200, total = n * 5;
  auto t0 = clk::now();
  auto driver = driver_node.sys->spawn([=](caf::event_based_actor* d) -> caf::behavior {
    auto sent = std::make_shared<int>(0), done = std::make_shared<int>(0);
    auto rp = std::make_shared<caf::response_promise>();
    auto send_one = std::make_shared<std::function<void()>>();
    *send_one = [=] {
      d->request(om_proxy, std::chrono::seconds(30), order((*sent)++))
        .then([=](const OrderUpdate&) {
                if (++*done == total)
                  rp->deliver(true);
                else if (*sent < total)
                  (*send_one)();
              },
              [=](caf::error&) {
                if (++*done == total)
                  rp->deliver(true);
              });
    };
    return {[=](start_atom) {
      *rp = d->make_response_promise();
      for (int i = 0; i < window; ++i)
        (*send_one)();
      return *rp;
    }};
  });
  self->request(driver, std::chrono::seconds(120), start_atom::value)
    .receive([](bool) {}, [](caf::error&) {});
  auto secs = std::chrono::duration<double>(clk::now() - t0).count();
  caf::anon_send_exit(driver, caf::exit_reason::user_shutdown);

  auto raw_p50 = percentile(raw, 0.5), raw_p99 = percentile(raw, 0.99);
  auto ack_p50 = percentile(ack_us, 0.5), ack_p99 = percentile(ack_us, 0.99);
  std::printf("| figure | p50 | p99 |\n| --- | ---: | ---: |\n");
  std::printf("| raw ZeroMQ DEALER/ROUTER round trip, 100 B | %.1f us | %.1f us |\n", raw_p50, raw_p99);
  std::printf("| order -> ack across two nodes (fsync never, plaintext link) | %.1f us | %.1f us |\n",
              ack_p50, ack_p99);
  std::printf("| goal: p50 <= 1.3 x raw + 20 us = %.1f us | %s by %.1fx | |\n", 1.3 * raw_p50 + 20,
              ack_p50 <= 1.3 * raw_p50 + 20 ? "met" : "missed", ack_p50 / (1.3 * raw_p50 + 20));
  std::printf("| orders/s across two nodes, %d in flight | %.0f /s | goal 100,000/s: %s |\n", window,
              total / secs, total / secs >= 100000 ? "met" : "missed");
  std::printf("(%d orders for latency, %d for throughput, %d rejected or failed)\n", n, total, failed);
  std::filesystem::remove_all(journal);
  return failed == 0 ? 0 : 1;
}
