// Quotes per second from socket bytes to the polygon feed's subscriber and through the market
// data actor to its subscribers, beside the raw WebSocket receive rate from the same fake-polygon
// in the same run.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/market_data_feed.hpp"
#include "actors/market_data_status.hpp"
#include "actors/position_keeper.hpp"
#include "actors/risk_manager.hpp"
#include "bench/process_cpu.hpp"
#include "brokers/polygon/feed.hpp"
#include "brokers/polygon/wire.hpp"
#include "messages/type_ids.hpp"
#include "nodes/scheduler_settings.hpp"

namespace {

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;
// This process only: the feed's thread and CAF's workers, not the fake's.
using engine::bench::process_cpu_seconds;

/// Each benchmark's measured window: ENGINE_BENCH_SECONDS (default 3), as in engine_bench.
std::chrono::milliseconds measure_for() {
  const char* v = std::getenv("ENGINE_BENCH_SECONDS");
  double secs = v ? std::atof(v) : 0;
  return std::chrono::milliseconds(static_cast<int64_t>((secs > 0 ? secs : 3) * 1000));
}

/// Waits for `count()` to leave 0 (the connect, auth, subscription), at most `limit`.
template <class F>
bool first_quote_within(std::chrono::seconds limit, F count) {
  auto give_up = std::chrono::steady_clock::now() + limit;
  while (count() == 0 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return count() != 0;
}

/// The raw receive rate measured last in this run, for the market data actor's ratio to it.
double raw_ws_quotes_per_s = 0;

/// fake-polygon beside this binary's build tree (build/bench/.. -> build/brokers/fake-polygon).
struct fake_process {
  pid_t pid = -1;
  int port = 0;
  fake_process(const std::string& rate) {
    auto exe = std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() /
               "brokers" / "fake-polygon";
    int out[2];
    if (pipe(out) != 0)
      return;
    pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlives a killed test
      dup2(out[1], 1);
      close(out[0]);
      execl(exe.c_str(), exe.c_str(), "--port", "0", "--rate", rate.c_str(), "--tickers",
            "AAPL,MSFT,NVDA,TSLA", "--trade-every", "1000000", nullptr);
      _exit(127);
    }
    close(out[1]);
    std::string line;
    pollfd p{out[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos && poll(&p, 1, 5000) > 0) {
      char buf[128];
      auto n = read(out[0], buf, sizeof buf);
      if (n <= 0)
        break;
      line.append(buf, static_cast<size_t>(n));
    }
    close(out[0]);
    auto colon = line.rfind(':');
    if (colon != std::string::npos)
      port = std::stoi(line.substr(colon + 1));
  }
  ~fake_process() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

/// One fake for the whole run, at POLYGON_BENCH_RATE quotes/s over all tickers (default 400000:
/// about what one fake thread makes on this machine; starved of CPU it falls behind).
fake_process& fake() {
  static fake_process f{std::getenv("POLYGON_BENCH_RATE") ? std::getenv("POLYGON_BENCH_RATE")
                                                          : "400000"};
  return f;
}

const std::vector<std::string> tickers{"AAPL", "MSFT", "NVDA", "TSLA"};

/// A bare WebSocket client: auth, subscribe, read frames; counts quote events by their tag.
void BM_raw_websocket_receive(benchmark::State& state) {
  if (!fake().port) {
    state.SkipWithError("fake-polygon did not start");
    return;
  }
  for (auto _ : state) {
    boost::asio::io_context ioc;
    tcp::resolver res{ioc};
    beast::websocket::stream<tcp::socket> ws{ioc};
    boost::asio::connect(ws.next_layer(), res.resolve("127.0.0.1", std::to_string(fake().port)));
    ws.handshake("127.0.0.1", "/stocks");
    ws.text(true);
    ws.write(boost::asio::buffer(engine::polygon::auth_message("bench")));
    ws.write(boost::asio::buffer(engine::polygon::subscribe_message({"Q"}, tickers)));
    beast::flat_buffer buf;
    uint64_t quotes = 0, bytes = 0;
    auto start = std::chrono::steady_clock::now();
    const auto window = measure_for();
    beast::error_code read_error;
    while (std::chrono::steady_clock::now() - start < window) {
      ws.read(buf, read_error);
      if (read_error)
        break; // a fake starved of CPU queues frames and drops us as a "slow consumer"
      auto text = beast::buffers_to_string(buf.data());
      bytes += text.size();
      for (auto at = text.find("\"ev\":\"Q\""); at != std::string::npos;
           at = text.find("\"ev\":\"Q\"", at + 8))
        ++quotes;
      buf.consume(buf.size());
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (read_error) {
      state.SkipWithError(("fake-polygon closed the stream: " + read_error.message()).c_str());
      break;
    }
    state.SetIterationTime(secs);
    raw_ws_quotes_per_s = quotes / secs;
    state.counters["quotes_per_s"] = raw_ws_quotes_per_s;
    state.counters["MB_per_s"] = bytes / secs / 1e6;
    beast::error_code ec;
    ws.next_layer().close(ec);
  }
}

/// The feed: Beast read, parse with exact decimals, validation, batching, the subscriber callback.
void BM_feed_to_subscriber(benchmark::State& state) {
  if (!fake().port) {
    state.SkipWithError("fake-polygon did not start");
    return;
  }
  for (auto _ : state) {
    std::atomic<uint64_t> delivered{0};
    std::atomic<uint64_t> batches{0};
    engine::polygon::feed_options o;
    o.ws_url = "ws://127.0.0.1:" + std::to_string(fake().port) + "/stocks";
    o.rest_url = "http://127.0.0.1:" + std::to_string(fake().port);
    o.api_key = engine::secret{"bench"};
    o.tickers = tickers;
    o.channels = {"Q"};
    o.snapshots = false;
    engine::polygon::polygon_feed* fp = nullptr;
    engine::polygon::feed_callbacks cb;
    cb.on_quotes = [&](engine::QuoteBatch b) {
      delivered += b.quotes.size();
      ++batches;
      benchmark::DoNotOptimize(b.quotes.data());
      fp->ready();
    };
    engine::polygon::polygon_feed feed{o, cb};
    fp = &feed;
    feed.start();
    // Measure from the first delivered quote.
    if (!first_quote_within(std::chrono::seconds(10), [&] { return delivered.load(); })) {
      feed.stop();
      state.SkipWithError("no quote reached the callback within 10 s");
      break;
    }
    auto from = delivered.load();
    auto cpu_from = process_cpu_seconds();
    auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(measure_for());
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto n = delivered.load() - from;
    double cpu = process_cpu_seconds() - cpu_from;
    feed.stop();
    auto c = feed.counters();
    state.SetIterationTime(secs);
    state.counters["quotes_per_s"] = n / secs;
    state.counters["quotes_per_batch"] = batches ? double(c.delivered) / batches : 0;
    state.counters["cpu_cores_busy"] = cpu / secs;
    state.counters["cpu_ns_per_quote"] = n ? cpu * 1e9 / double(n) : 0;
    state.counters["conflated"] = double(c.conflated);
    state.counters["garbage"] = double(c.garbage);
  }
}

/// A strategy's side of the lock step: counts each quote of each batch it is stepped and
/// answers done at once, so the figure is the market data path's, not a strategy's.
caf::behavior counting_subscriber(caf::event_based_actor*,
                                  std::shared_ptr<std::atomic<uint64_t>> quotes,
                                  std::shared_ptr<std::atomic<uint64_t>> batches) {
  return {
    [=](engine::step_atom, const engine::QuoteBatch& b) -> engine::done_atom {
      benchmark::DoNotOptimize(b.quotes.data());
      *quotes += b.quotes.size();
      ++*batches;
      return engine::done_atom::value;
    },
  };
}

/// The engine's path from the socket to quote subscribers, wired as engine_node wires it for
/// `market_data.source: polygon` on a wall clock: the real market data actor owning the real
/// feed (connected to fake-polygon), publishing in lock step to its phases. Phase one is the
/// real risk manager and position keeper when `books` is set (engine_node's first phase without
/// a simulated venue); phase two holds `subscribers` counting actors registered as strategies.
void BM_market_data_to_subscribers(benchmark::State& state) {
  using namespace engine;
  if (!fake().port) {
    state.SkipWithError("fake-polygon did not start");
    return;
  }
  const bool books = state.range(0) != 0;
  const auto subscribers = static_cast<size_t>(state.range(1));
  for (auto _ : state) {
    caf::actor_system_config cfg; // engine_node's settings (nodes/engine_node.cpp)
    cfg.add_message_types<caf::id_block::engine>();
    apply_scheduler_settings(cfg);
    cfg.set("logger.verbosity", caf::atom("quiet"));
    caf::actor_system sys{cfg};
    auto dir = std::make_shared<actor_directory>();
    std::vector<caf::actor> spawned;
    auto add = [&](const std::string& name, caf::actor a) {
      dir->put(name, a);
      spawned.push_back(std::move(a));
    };
    session_config session;
    const Money cash = Money::from_units(1'000'000);
    std::vector<std::vector<std::string>> phases{{}, {}};
    if (books) {
      risk_manager_options ro;
      ro.directory = dir;
      ro.initial_cash = cash;
      ro.session = session;
      add(names::risk_manager, spawn_risk_manager(sys, ro));
      add(names::position_keeper, spawn_position_keeper(sys, cash, session));
      phases[0] = {names::risk_manager, names::position_keeper};
    }
    std::vector<std::shared_ptr<std::atomic<uint64_t>>> counted, batches;
    for (size_t i = 0; i < subscribers; ++i) {
      counted.push_back(std::make_shared<std::atomic<uint64_t>>(0));
      batches.push_back(std::make_shared<std::atomic<uint64_t>>(0));
      auto name = "strategy:bench" + std::to_string(i);
      add(name, sys.spawn(counting_subscriber, counted.back(), batches.back()));
      phases[1].push_back(name);
    }
    market_data_options mo;
    mo.directory = dir;
    mo.market_data.source = "polygon";
    mo.market_data.polygon_api_key = secret{"bench"};
    mo.market_data.polygon_ws_url = "ws://127.0.0.1:" + std::to_string(fake().port) + "/stocks";
    mo.market_data.polygon_rest_url = "http://127.0.0.1:" + std::to_string(fake().port);
    mo.market_data.polygon_tickers = tickers;
    mo.market_data.polygon_channels = {"Q"};
    mo.clock.kind = clock_kind::wall;
    mo.session = session;
    mo.phases = phases;
    mo.monitor = std::make_shared<market_data_monitor>();
    auto md = spawn_market_data(sys, mo);
    add(names::market_data, md);
    caf::anon_send(md, start_atom::value);
    // The slowest subscriber's count: every one is stepped every batch.
    auto at_subscribers = [&] {
      uint64_t least = UINT64_MAX;
      for (auto& c : counted)
        least = std::min(least, c->load());
      return least;
    };
    // Measure from the first quote at every subscriber (after the connect and the snapshots).
    if (!first_quote_within(std::chrono::seconds(10), at_subscribers)) {
      state.SkipWithError("no quote reached the subscribers within 10 s");
    } else {
      auto from = at_subscribers();
      auto batches_from = batches[0]->load();
      auto before = mo.monitor->get();
      auto cpu_from = process_cpu_seconds();
      auto start = std::chrono::steady_clock::now();
      std::this_thread::sleep_for(measure_for());
      auto to = at_subscribers();
      auto batches_to = batches[0]->load();
      auto after = mo.monitor->get();
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      double cpu = process_cpu_seconds() - cpu_from;
      double delivered = double(to - from);
      // Off the socket, i.e. what the fake sent.
      double received = double(after.received - before.received);
      state.SetIterationTime(secs);
      state.counters["quotes_per_s"] = delivered / secs;
      state.counters["received_per_s"] = received / secs;
      state.counters["delivered_fraction"] = received > 0 ? delivered / received : 0;
      if (raw_ws_quotes_per_s > 0)
        state.counters["vs_raw_ws"] = delivered / secs / raw_ws_quotes_per_s;
      state.counters["quotes_per_batch"] =
        batches_to > batches_from ? delivered / double(batches_to - batches_from) : 0;
      state.counters["cpu_cores_busy"] = cpu / secs; // the feed's thread and both CAF workers
      state.counters["cpu_ns_per_quote"] = delivered > 0 ? cpu * 1e9 / delivered : 0;
      state.counters["received"] = received;
      state.counters["delivered"] = delivered;
      state.counters["conflated"] = double(after.conflated - before.conflated);
      state.counters["garbage"] = double(after.garbage - before.garbage);
      state.counters["reconnects"] = double(after.reconnects - before.reconnects);
    }
    // The feed's thread stops with the actor (its state joins it), then everything quits.
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    spawned.clear();
    dir->clear();
  }
}

BENCHMARK(BM_raw_websocket_receive)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);
BENCHMARK(BM_feed_to_subscriber)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);
// books:0 the market data actor alone; books:1 engine_node's phases (risk and positions, then
// the strategies), with one and with four strategy-phase subscribers.
BENCHMARK(BM_market_data_to_subscribers)
  ->ArgNames({"books", "subscribers"})
  ->Args({0, 1})
  ->Args({1, 1})
  ->Args({1, 4})
  ->Iterations(1)
  ->UseManualTime()
  ->Unit(benchmark::kSecond);

} // namespace

BENCHMARK_MAIN();
