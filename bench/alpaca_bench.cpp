// The Alpaca client against fake-alpaca (rate limit off): order->ack latency p50/p99 beside the
// raw HTTP round trip of the same POST to the same fake, and orders/s with every order in flight.
#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "bench/latency_histogram.hpp"
#include "brokers/alpaca/client.hpp"
#include "brokers/alpaca/wire.hpp"
#include "config/logging.hpp"
#include "tests/alpaca/fake_process.hpp"

namespace {

using engine::alpaca::testing::fake_process;
using clk = std::chrono::steady_clock;

/// One fake for the whole run; its fill model ticks once a second so resting orders cost
/// nothing while we measure.
fake_process& fake() {
  static fake_process f{{"--tick-ms", "1000"}};
  return f;
}

std::atomic<int64_t> next_id{0};

engine::OrderRequest resting(const std::string& id) {
  engine::OrderRequest o;
  o.order_id = id;
  o.ticker = "AAPL";
  o.order_type = engine::OrderType::limit;
  o.time_in_force = engine::TimeInForce::gtc;
  o.quantity = engine::Quantity::from_units(1);
  o.price = *engine::Price::parse("1.01");
  return o;
}

void report(benchmark::State& state, const engine::bench::latency_histogram& h) {
  state.counters["p50_us"] = h.percentile_ns(50) / 1000.0;
  state.counters["p99_us"] = h.percentile_ns(99) / 1000.0;
}

// The same POST /v2/orders over one keep-alive connection, blocking: the floor for the client.
void BM_RawHttpPostOrder(benchmark::State& state) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context ioc;
  beast::tcp_stream s{ioc};
  s.connect({boost::asio::ip::make_address("127.0.0.1"),
             static_cast<unsigned short>(fake().port())});
  beast::flat_buffer buf;
  engine::bench::latency_histogram h;
  for (auto _ : state) {
    auto body = engine::alpaca::order_body(resting("raw-" + std::to_string(++next_id))).body;
    http::request<http::string_body> req{http::verb::post, "/v2/orders", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set("APCA-API-KEY-ID", "fake-key");
    req.set("APCA-API-SECRET-KEY", "fake-secret");
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    auto t0 = clk::now();
    http::write(s, req);
    http::response<http::string_body> res;
    http::read(s, buf, res);
    h.record(std::chrono::duration_cast<std::chrono::nanoseconds>(clk::now() - t0).count());
    if (res.result_int() != 200)
      state.SkipWithError("raw POST refused");
  }
  report(state, h);
}
BENCHMARK(BM_RawHttpPostOrder)->UseRealTime()->Iterations(2000);

/// A connected client whose accepts are counted.
struct client_rig {
  std::mutex m;
  std::condition_variable cv;
  int64_t accepts = 0;
  std::unique_ptr<engine::alpaca::alpaca_connection> c;
  bool up = false;

  client_rig() {
    auto o = fake().options();
    o.requests_per_minute = 0; // rate limit off
    c = std::make_unique<engine::alpaca::alpaca_connection>(o);
    engine::net::venue_events ev;
    ev.on_report = [this](engine::ExecutionReport r) {
      if (r.event != engine::OrderEvent::accept)
        return;
      std::lock_guard<std::mutex> g{m};
      ++accepts;
      cv.notify_all();
    };
    ev.on_connected = [this] {
      std::lock_guard<std::mutex> g{m};
      up = true;
      cv.notify_all();
    };
    ev.on_disconnected = [this](engine::net::venue_error) {
      std::lock_guard<std::mutex> g{m};
      cv.notify_all();
    };
    c->start(ev);
    std::unique_lock<std::mutex> g{m};
    cv.wait_for(g, std::chrono::seconds(5), [this] { return up; });
  }
  bool wait_accepts(int64_t n) {
    std::unique_lock<std::mutex> g{m};
    return cv.wait_for(g, std::chrono::seconds(30), [&] { return accepts >= n; });
  }
};

// submit() -> the accept report, one order at a time.
void BM_ClientOrderToAck(benchmark::State& state) {
  client_rig rig;
  if (!rig.up) {
    state.SkipWithError("client did not connect");
    return;
  }
  engine::bench::latency_histogram h;
  int64_t n = 0;
  for (auto _ : state) {
    auto t0 = clk::now();
    rig.c->submit(resting("ack-" + std::to_string(++next_id)));
    if (!rig.wait_accepts(++n)) {
      state.SkipWithError("no accept");
      break;
    }
    h.record(std::chrono::duration_cast<std::chrono::nanoseconds>(clk::now() - t0).count());
  }
  report(state, h);
  rig.c->stop();
}
BENCHMARK(BM_ClientOrderToAck)->UseRealTime()->Iterations(2000);

// Every order of a batch submitted at once; the client sends them one after the other on its
// keep-alive connection. Items/s = orders accepted per second.
void BM_ClientThroughput(benchmark::State& state) {
  client_rig rig;
  if (!rig.up) {
    state.SkipWithError("client did not connect");
    return;
  }
  const int64_t batch = state.range(0);
  int64_t total = 0;
  for (auto _ : state) {
    for (int64_t i = 0; i < batch; ++i)
      rig.c->submit(resting("tp-" + std::to_string(++next_id)));
    total += batch;
    if (!rig.wait_accepts(total)) {
      state.SkipWithError("accepts missing");
      break;
    }
  }
  state.SetItemsProcessed(total);
  rig.c->stop();
}
BENCHMARK(BM_ClientThroughput)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(3);

} // namespace

int main(int argc, char** argv) {
  engine::logger("alpaca")->set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  fake(); // started before the clock runs
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
