// Harness: from a broker reconnect to "reconciled, trading again" with 10,000 open orders at the
// venue. Prints each run and the median.
//   build/bench/reconcile_bench [OPEN_ORDERS] [RUNS]
#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

#include "actors/actor_directory.hpp"
#include "config/config_loader.hpp"
#include "config/logging.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_node.hpp"

using namespace engine;
namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

namespace {

/// Notes when the broker reconnects and when it is connected (reconciled) again.
struct marks {
  std::mutex mtx;
  steady::time_point connecting, connected;
  int connected_count = 0;
};

caf::behavior recorder(caf::event_based_actor*, std::shared_ptr<marks> m) {
  return {[=](const BrokerStatus& s) {
    std::lock_guard<std::mutex> g{m->mtx};
    if (s.state == BrokerState::connecting && s.restarts > 0)
      m->connecting = steady::now();
    if (s.state == BrokerState::connected) {
      m->connected = steady::now();
      ++m->connected_count;
    }
  }};
}

std::string config_text(const fs::path& journal, int open_orders) {
  std::ifstream in{fs::path{ENGINE_SOURCE_DIR} / "config/app_config.yaml"};
  std::stringstream ss;
  ss << in.rdbuf();
  auto text = ss.str();
  auto put = [&](const std::string& what, const std::string& with) {
    auto at = text.find(what);
    if (at == std::string::npos)
      throw std::runtime_error("default config has no " + what);
    text.replace(at, what.size(), with);
  };
  put("dir: logs/execution", "dir: " + journal.string());
  put("fsync: batch", "fsync: never");
  put("initial_cash: 100000", "initial_cash: 100000000");
  put("max_orders_per_second: 50", "max_orders_per_second: 0");
  put("max_daily_trades: 1000", "max_daily_trades: 1000000");
  put("speed: 0", "speed: 1"); // real time: the venue keeps its resting orders meanwhile
  put("backoff_initial_ms: 100 ", "backoff_initial_ms: 1 ");
  put("    fallback_to_simulator: false",
      "    fallback_to_simulator: false\n    faults: {rules: "
      "[{kind: disconnect, after_orders: " + std::to_string(open_orders + 1) + "}]}");
  // No strategies: the harness sends the orders.
  text = text.substr(0, text.find("\nstrategies:")) + "\nstrategies: []\n" +
         text.substr(text.find("\njournal:") + 1);
  return text;
}

double one_run(int open_orders) {
  char tmpl[] = "/tmp/reconcile-bench-XXXXXX";
  fs::path dir = mkdtemp(tmpl);
  auto cfg = parse_config_text(config_text(dir / "journal", open_orders), "reconcile_bench.yaml");
  double ms = -1;
  {
    engine_node node{cfg};
    node.start();
    caf::scoped_actor self{node.system()};
    auto om = node.directory()->get(names::order_manager);
    auto broker = node.directory()->get(names::simulator);
    auto m = std::make_shared<marks>();
    self->send(broker, subscribe_atom::value, node.system().spawn(recorder, m));
    // Wait for the first AAPL quote at the venue.
    for (int i = 0; i < 5000; ++i) {
      MarketData md;
      self->request(broker, std::chrono::seconds(5), market_atom::value, std::string{"AAPL"})
        .receive([&](const MarketData& x) { md = x; }, [](caf::error&) {});
      if (md.bid.is_positive())
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    auto send_one = [&](int i) {
      OrderRequest o;
      o.ticker = "AAPL";
      o.side = OrderSide::buy;
      o.order_type = OrderType::limit;
      o.quantity = Quantity::from_units(1);
      o.price = *Price::parse("215.00"); // about 6% below: rests all day
      o.time_in_force = TimeInForce::gtc;
      o.client_order_id = "bench-" + std::to_string(i);
      OrderUpdate u;
      self->request(om, std::chrono::seconds(30), o)
        .receive([&](const OrderUpdate& x) { u = x; }, [](caf::error&) {});
      return u;
    };
    int accepted = 0;
    for (int i = 0; i < open_orders; ++i)
      accepted += send_one(i).status == OrderStatus::pending_new;
    if (accepted != open_orders)
      std::fprintf(stderr, "only %d of %d orders accepted\n", accepted, open_orders);
    // The next order drops the connection; the supervisor reconnects and reconciles.
    send_one(open_orders);
    for (int i = 0; i < 20000; ++i) {
      {
        std::lock_guard<std::mutex> g{m->mtx};
        if (m->connected_count >= 1 && m->connected > m->connecting &&
            m->connecting != steady::time_point{})
          break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    {
      std::lock_guard<std::mutex> g{m->mtx};
      if (m->connecting != steady::time_point{} && m->connected > m->connecting)
        ms = std::chrono::duration<double, std::milli>(m->connected - m->connecting).count();
    }
    OrderStats st;
    self->request(om, std::chrono::seconds(30), stats_atom::value)
      .receive([&](const OrderStats& s) { st = s; }, [](caf::error&) {});
    std::printf("  open %lld, unknown %lld, reconnect -> reconciled: %.2f ms\n",
                static_cast<long long>(st.open), static_cast<long long>(st.unknown), ms);
    node.drain();
    node.stop();
  }
  fs::remove_all(dir);
  return ms;
}

} // namespace

int main(int argc, char** argv) {
  int open_orders = argc > 1 ? std::atoi(argv[1]) : 10000;
  int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  logging_config lc;
  lc.level = "error";
  init_logging(lc, std::nullopt);
  std::vector<double> xs;
  for (int r = 0; r < runs; ++r)
    xs.push_back(one_run(open_orders));
  std::sort(xs.begin(), xs.end());
  std::printf("reconnect -> reconciled, trading again, with %d open orders: median %.2f ms over "
              "%d runs\n",
              open_orders, xs[xs.size() / 2], runs);
  return 0;
}
