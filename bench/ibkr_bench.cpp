// IBKR: order -> ack through the client against fake-tws, beside the raw TWS API socket round
// trip (reqCurrentTime -> currentTime) to the same fake, in one run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio.hpp>

#include "brokers/ibkr/client.hpp"
#include "brokers/ibkr/fake/fake_tws.hpp"
#include "brokers/ibkr/wire.hpp"

using namespace engine;
namespace asio = boost::asio;

namespace {

using clk = std::chrono::steady_clock;

ibkr::fake::fake_tws& fake() {
  static auto f = [] {
    auto p = std::make_unique<ibkr::fake::fake_tws>(ibkr::fake::fake_tws_options{});
    return p;
  }();
  return *f;
}

uint16_t fake_port() {
  static uint16_t port = fake().start();
  return port;
}

void percentiles(benchmark::State& state, std::vector<int64_t>& ns) {
  if (ns.empty())
    return;
  std::sort(ns.begin(), ns.end());
  state.counters["p50_us"] = static_cast<double>(ns[ns.size() / 2]) / 1000.0;
  state.counters["p99_us"] = static_cast<double>(ns[ns.size() * 99 / 100]) / 1000.0;
}

/// Blocking reads of whole frames from a raw socket.
std::vector<std::string> read_frame(asio::ip::tcp::socket& s) {
  unsigned char h[4];
  asio::read(s, asio::buffer(h, 4));
  uint32_t n = (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
  std::string body(n, '\0');
  asio::read(s, asio::buffer(body));
  return ibkr::split_fields(body).value_or(std::vector<std::string>{});
}

void BM_raw_socket_round_trip(benchmark::State& state) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), fake_port()});
  s.set_option(asio::ip::tcp::no_delay(true));
  asio::write(s, asio::buffer(ibkr::encode_handshake()));
  read_frame(s); // server version, connection time
  asio::write(s, asio::buffer(ibkr::encode_start_api(90)));
  for (bool id = false; !id;)
    id = read_frame(s).at(0) == "9"; // nextValidId
  const std::string ping = ibkr::encode_req_current_time();
  std::vector<int64_t> ns;
  for (auto _ : state) {
    auto t0 = clk::now();
    asio::write(s, asio::buffer(ping));
    while (read_frame(s).at(0) != "49") {
    }
    ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(clk::now() - t0).count());
  }
  percentiles(state, ns);
}

void BM_order_to_ack(benchmark::State& state) {
  std::mutex m;
  std::condition_variable cv;
  int connected = 0;
  int64_t acks = 0;
  ibkr::ibkr_options o;
  o.port = fake_port();
  o.client_id = 91;
  ibkr::ibkr_connection c(o);
  net::venue_events ev;
  ev.on_connected = [&] {
    std::lock_guard<std::mutex> lk(m);
    ++connected;
    cv.notify_all();
  };
  ev.on_report = [&](ExecutionReport r) {
    if (r.event != OrderEvent::accept)
      return;
    std::lock_guard<std::mutex> lk(m);
    ++acks;
    cv.notify_all();
  };
  ev.on_disconnected = [&](net::venue_error) {
    std::lock_guard<std::mutex> lk(m);
    connected = -1;
    cv.notify_all();
  };
  c.start(ev);
  {
    std::unique_lock<std::mutex> lk(m);
    cv.wait_for(lk, std::chrono::seconds(5), [&] { return connected != 0; });
    if (connected != 1) {
      state.SkipWithError("no connection to fake-tws");
      return;
    }
  }
  static int64_t seq = 0;
  std::vector<int64_t> ns;
  for (auto _ : state) {
    OrderRequest r;
    r.order_id = "B-" + std::to_string(++seq);
    r.ticker = "AAPL";
    r.order_type = OrderType::limit;
    r.quantity = Quantity::from_units(1);
    r.price = *Price::parse("1.00"); // rests: the answer is the acknowledgement alone
    int64_t want;
    {
      std::lock_guard<std::mutex> lk(m);
      want = acks + 1;
    }
    auto t0 = clk::now();
    c.submit(r);
    std::unique_lock<std::mutex> lk(m);
    if (!cv.wait_for(lk, std::chrono::seconds(5), [&] { return acks >= want || connected < 0; }) ||
        connected < 0) {
      state.SkipWithError("no acknowledgement");
      break;
    }
    ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(clk::now() - t0).count());
  }
  c.stop();
  percentiles(state, ns);
}

} // namespace

BENCHMARK(BM_raw_socket_round_trip)->Iterations(5000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_order_to_ack)->Iterations(5000)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
