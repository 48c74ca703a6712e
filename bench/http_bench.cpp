// The HTTP API's cost to the order path: orders/s bare vs with /metrics scraped every second and an /events client; API requests/s.
//
// One run prints every figure: ENGINE_BENCH_SECONDS (default 3) per phase, ENGINE_BENCH_ROUNDS
// (default 6) rounds of a bare and an observed phase in ABBA order, so drift on a shared machine
// charges both sides and shows; the figure is the median of the rounds' differences.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/clock/iso8601.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_core.hpp"
#include "nodes/http/event_tap.hpp"
#include "nodes/http/http_service.hpp"
#include "nodes/scheduler_settings.hpp"
#include "tests/http/http_client.hpp"

using namespace engine;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr const char* token = "bench-token";

double env_seconds() {
  auto v = std::getenv("ENGINE_BENCH_SECONDS");
  return v ? std::atof(v) : 3.0;
}

struct node {
  std::string dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<actor_directory> directory = std::make_shared<actor_directory>();
  engine_core core;
  std::shared_ptr<http::event_tap> tap = std::make_shared<http::event_tap>(); // as engine_node
  timestamp_ns now = parse_iso8601("2026-11-24T10:00:00-05:00");

  node() {
    dir = (fs::temp_directory_path() / ("http-bench-" + std::to_string(::getpid()))).string();
    cfg.add_message_types<caf::id_block::engine>();
    apply_scheduler_settings(cfg); // as engine_node
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
    engine_core_options o;
    o.directory = directory;
    o.journal.dir = dir;
    o.journal.fsync = fsync_policy::never; // the API's cost, not the disk's
    o.initial_cash = Money::from_units(10'000'000'000);
    o.order_manager.tap = tap;
    o.universe = {"AAPL"};
    core = spawn_engine_core(*sys, std::move(o));
    Quote q;
    q.ticker = "AAPL";
    q.bid = Price::from_raw(100'000'000);
    q.ask = Price::from_raw(100'010'000);
    q.bid_size = q.ask_size = Quantity::from_units(1'000'000'000);
    q.timestamp = now;
    if (auto e = step_engine_core(*sys, core, QuoteBatch{{q}}, std::chrono::seconds(10)))
      std::fprintf(stderr, "the standing quote failed: %s\n", to_string(e).c_str());
  }

  ~node() {
    stop_engine_core(*sys, core, *directory);
    sys.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

struct run_result {
  uint64_t fills = 0;
  double seconds = 0;
};

/// Closed loop: `window` market orders in flight, each replaced when its fill arrives.
caf::behavior driver(caf::event_based_actor* self, caf::actor om, std::shared_ptr<std::atomic<uint64_t>> fills,
                     std::shared_ptr<std::atomic<bool>> stop, timestamp_ns ts, uint64_t first,
                     std::shared_ptr<std::promise<void>> done) {
  auto sent = std::make_shared<uint64_t>(first);
  auto in_flight = std::make_shared<uint64_t>(0);
  auto send_one = [=] {
    OrderRequest o;
    o.ticker = "AAPL";
    o.side = *sent % 2 ? OrderSide::sell : OrderSide::buy;
    o.quantity = Quantity::from_units(1);
    o.client_order_id = "b-" + std::to_string((*sent)++);
    o.timestamp = ts;
    o.strategy = "bench";
    ++*in_flight;
    self->send(om, o);
  };
  return {
    [=](start_atom) {
      for (int i = 0; i < 100; ++i)
        send_one();
    },
    [=](const OrderUpdate&) {},
    [=](const Fill&) {
      ++*fills;
      --*in_flight;
      if (!stop->load())
        send_one();
      else if (*in_flight == 0) {
        done->set_value();
        self->quit();
      }
    },
  };
}

run_result drive(node& n, double secs, uint64_t first) {
  auto fills = std::make_shared<std::atomic<uint64_t>>(0);
  auto stop = std::make_shared<std::atomic<bool>>(false);
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  auto d = n.sys->spawn(driver, n.directory->get(names::order_manager), fills, stop, n.now, first, done);
  auto start = clock_type::now();
  caf::anon_send(d, start_atom::value);
  std::this_thread::sleep_until(start + std::chrono::duration<double>(secs)); // the measured interval
  auto counted = fills->load();
  auto elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  stop->store(true);
  fut.wait_for(std::chrono::seconds(30));
  return {counted, elapsed};
}

/// Requests/s of a few routes: sequential, a new connection each.
void api_rates(uint16_t port, double secs) {
  for (auto target : {"/health", "/status", "/metrics", "/positions"}) {
    auto start = clock_type::now();
    uint64_t count = 0;
    while (clock_type::now() - start < std::chrono::duration<double>(secs / 4)) {
      if (http::testing::request(port, "GET", target, token).status != 200) {
        std::printf("GET %s failed\n", target);
        std::exit(1);
      }
      ++count;
    }
    auto elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    std::printf("  GET %-10s %6.0f requests/s\n", target, count / elapsed);
  }
}

/// Orders the order manager holds (its stats walk all of them: /status and /metrics pay that).
uint64_t n_orders(node& n) {
  caf::scoped_actor self{*n.sys};
  uint64_t out = 0;
  self->request(n.directory->get(names::order_manager), std::chrono::seconds(30), stats_atom::value)
    .receive([&](const OrderStats& s) { out = static_cast<uint64_t>(s.submitted); }, [](caf::error&) {});
  return out;
}

} // namespace

int main() {
  const double secs = env_seconds();
  node n;
  http_config hc;
  hc.enabled = true;
  hc.port = 0;
  hc.token = secret{token};
  http::http_service_options ho;
  ho.config = hc;
  ho.system = n.sys.get();
  ho.directory = n.directory;
  ho.tap = n.tap;
  ho.status_line = [] { return std::string{"bench"}; };
  ho.now = [&n] { return n.now; };
  http::http_service api{ho};
  api.start();
  auto port = api.port();
  std::printf("API requests/s on an idle node:\n");
  api_rates(port, secs);

  // Rounds of a bare and an observed phase, in ABBA order (bare first in even rounds,
  // observed first in odd ones), so that a drift of the shared machine or of the node's
  // growing books charges both sides alike; the median of the rounds' differences is the figure.
  const int rounds = std::getenv("ENGINE_BENCH_ROUNDS") ? std::max(1, std::atoi(std::getenv("ENGINE_BENCH_ROUNDS"))) : 6;
  uint64_t next_id = 0;
  double bare_total = 0, observed_total = 0;
  std::vector<double> differences;
  uint64_t scrapes = 0, events_bytes = 0;
  for (int round = 0; round < rounds; ++round) {
    auto run_bare = [&] {
      auto bare = drive(n, secs, next_id);
      next_id += 10'000'000;
      return bare.fills / bare.seconds;
    };
    double bare_rate = round % 2 == 0 ? run_bare() : 0;

    // Observed: an /events client reading everything, /metrics every second.
    std::atomic<bool> stop{false};
    // ENGINE_BENCH_EVENTS=0 leaves the /events client out (the scrape's cost alone).
    const bool with_events = !std::getenv("ENGINE_BENCH_EVENTS") || std::atoi(std::getenv("ENGINE_BENCH_EVENTS")) != 0;
    std::thread events([&] {
      if (!with_events)
        return;
      namespace beast = boost::beast;
      boost::asio::io_context ioc;
      beast::tcp_stream s{ioc};
      s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
      std::string get = std::string{"GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "} + token + "\r\n\r\n";
      boost::asio::write(s.socket(), boost::asio::buffer(get));
      char buf[65536];
      while (!stop.load()) {
        beast::error_code ec;
        s.expires_after(std::chrono::seconds(2));
        events_bytes += s.read_some(boost::asio::buffer(buf), ec);
        if (ec && ec != beast::error::timeout)
          break;
      }
    });
    std::thread scraper([&] {
      while (!stop.load()) {
        auto t = clock_type::now();
        if (http::testing::request(port, "GET", "/metrics", token).status == 200)
          ++scrapes;
        while (!stop.load() && clock_type::now() < t + std::chrono::seconds(1))
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    auto observed = drive(n, secs, next_id);
    next_id += 10'000'000;
    stop = true;
    scraper.join();
    events.join();
    double observed_rate = observed.fills / observed.seconds;
    if (round % 2 == 1)
      bare_rate = run_bare();
    bare_total += bare_rate;
    observed_total += observed_rate;
    differences.push_back(100.0 * (observed_rate - bare_rate) / bare_rate);
    std::printf("round %d (%s first): orders/s bare %.0f, with /events + /metrics %.0f (%+.1f%%)\n",
                round + 1, round % 2 == 0 ? "bare" : "observed", bare_rate, observed_rate,
                differences.back());
  }
  std::sort(differences.begin(), differences.end());
  auto mid = differences.size() / 2;
  double median = differences.size() % 2 ? differences[mid]
                                          : (differences[mid - 1] + differences[mid]) / 2;
  std::printf("orders/s mean: bare %.0f, observed %.0f, difference %+.1f%%; median of the rounds' "
              "differences %+.1f%% (%llu scrapes, %.1f MB of events)\n",
              bare_total / rounds, observed_total / rounds,
              100.0 * (observed_total - bare_total) / bare_total, median,
              static_cast<unsigned long long>(scrapes), events_bytes / 1e6);

  std::printf("API requests/s after %llu orders:\n", static_cast<unsigned long long>(n_orders(n)));
  api_rates(port, secs);
  api.stop();
  return 0;
}
