// Loopback TCP cost of the node transport against raw cppzmq: round-trip latency (p50/p99) of a
// 100-byte message and one-way throughput, plaintext and CURVE.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "nodes/transport/node_link.hpp"

using namespace engine::transport;
using steady = std::chrono::steady_clock;

namespace {

constexpr size_t payload_bytes = 100;
constexpr int batch = 10000; // one-way messages per benchmark iteration

void report_percentiles(benchmark::State& state, std::vector<double>& ns) {
  if (ns.empty())
    return;
  std::sort(ns.begin(), ns.end());
  state.counters["p50_us"] = ns[ns.size() / 2] / 1000.0;
  state.counters["p99_us"] = ns[ns.size() * 99 / 100] / 1000.0;
}

// A ROUTER on its own thread that echoes (or, with echo off, just counts) what it receives.
struct raw_server {
  zmq::context_t ctx;
  zmq::socket_t router{ctx, zmq::socket_type::router};
  std::string endpoint;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> received{0};
  std::mutex mu;
  std::condition_variable cv;
  std::thread thread;

  explicit raw_server(bool echo) {
    router.set(zmq::sockopt::linger, 0);
    router.bind("tcp://127.0.0.1:*");
    endpoint = router.get(zmq::sockopt::last_endpoint);
    thread = std::thread([this, echo] {
      zmq::message_t id, body;
      while (!stop.load()) {
        zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(50));
        while (router.recv(id, zmq::recv_flags::dontwait)) {
          (void)router.recv(body, zmq::recv_flags::none);
          if (echo) {
            router.send(id, zmq::send_flags::sndmore);
            router.send(body, zmq::send_flags::none);
          } else if (++received % batch == 0) {
            { std::lock_guard<std::mutex> lk(mu); }
            cv.notify_all();
          }
        }
      }
    });
  }
  ~raw_server() {
    stop = true;
    thread.join();
  }
  void wait_received(uint64_t n) {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk, [&] { return received.load() >= n; });
  }
};

void BM_RawZmqRoundTrip(benchmark::State& state) {
  raw_server server(/*echo*/ true);
  zmq::context_t ctx;
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(server.endpoint);
  const std::string payload(payload_bytes, 'x');
  zmq::message_t reply;
  std::vector<double> ns;
  for (auto _ : state) {
    auto t0 = steady::now();
    dealer.send(zmq::buffer(payload), zmq::send_flags::none);
    (void)dealer.recv(reply, zmq::recv_flags::none);
    ns.push_back(std::chrono::duration<double, std::nano>(steady::now() - t0).count());
  }
  report_percentiles(state, ns);
}
BENCHMARK(BM_RawZmqRoundTrip)->UseRealTime();

void BM_RawZmqOneWay(benchmark::State& state) {
  raw_server server(/*echo*/ false);
  zmq::context_t ctx;
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(server.endpoint);
  const std::string payload(payload_bytes, 'x');
  uint64_t target = 0;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i)
      dealer.send(zmq::buffer(payload), zmq::send_flags::none);
    target += batch;
    server.wait_received(target);
  }
  state.SetItemsProcessed(static_cast<int64_t>(target));
}
BENCHMARK(BM_RawZmqOneWay)->UseRealTime()->Unit(benchmark::kMillisecond);

// A loopback endpoint free right now: both links must know each other's before starting.
std::string free_endpoint() {
  zmq::context_t ctx;
  zmq::socket_t probe(ctx, zmq::socket_type::router);
  probe.set(zmq::sockopt::linger, 0);
  probe.bind("tcp://127.0.0.1:*");
  return probe.get(zmq::sockopt::last_endpoint);
}

// Links a and b on loopback, plaintext or CURVE; b echoes to a, or just counts.
struct link_pair {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t at_a = 0, at_b = 0;
  std::unique_ptr<node_link> a, b;

  link_pair(bool curve, bool echo) {
    auto [a_pub, a_sec] = generate_curve_keypair();
    auto [b_pub, b_sec] = generate_curve_keypair();
    const std::string a_ep = free_endpoint(), b_ep = free_endpoint();
    link_options ao, bo;
    ao.node_name = "a";
    ao.bind_endpoint = a_ep;
    ao.peers = {{"b", b_ep, curve ? b_pub : ""}};
    bo.node_name = "b";
    bo.bind_endpoint = b_ep;
    bo.peers = {{"a", a_ep, curve ? a_pub : ""}};
    if (curve) {
      ao.public_key = a_pub;
      ao.secret_key = a_sec;
      bo.public_key = b_pub;
      bo.secret_key = b_sec;
    }
    a = std::make_unique<node_link>(
      ao,
      [this](envelope&&) {
        std::lock_guard<std::mutex> lk(mu);
        ++at_a;
        cv.notify_all();
      },
      nullptr);
    b = std::make_unique<node_link>(
      bo,
      [this, echo](envelope&& e) {
        if (echo) {
          b->send("a", std::move(e));
          return;
        }
        std::lock_guard<std::mutex> lk(mu);
        if (++at_b % batch == 0)
          cv.notify_all();
      },
      nullptr);
    b->start();
    a->start();
  }
  ~link_pair() {
    a.reset();
    b.reset();
  }
};

envelope bench_envelope() {
  envelope e;
  e.target = "sink";
  e.type_id = 7;
  e.payload.assign(payload_bytes, 'x');
  return e;
}

void BM_LinkRoundTrip(benchmark::State& state) {
  link_pair links(state.range(0) != 0, /*echo*/ true);
  std::vector<double> ns;
  uint64_t expect = 0;
  for (auto _ : state) {
    auto t0 = steady::now();
    links.a->send("b", bench_envelope());
    ++expect;
    std::unique_lock<std::mutex> lk(links.mu);
    links.cv.wait(lk, [&] { return links.at_a >= expect; });
    ns.push_back(std::chrono::duration<double, std::nano>(steady::now() - t0).count());
  }
  report_percentiles(state, ns);
}
BENCHMARK(BM_LinkRoundTrip)->Arg(0)->Arg(1)->ArgName("curve")->UseRealTime();

void BM_LinkOneWay(benchmark::State& state) {
  link_pair links(state.range(0) != 0, /*echo*/ false);
  uint64_t target = 0;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i)
      while (!links.a->send("b", bench_envelope()))
        links.a->drain(std::chrono::seconds(10)); // resend buffer full (not at this batch size)
    target += batch;
    std::unique_lock<std::mutex> lk(links.mu);
    links.cv.wait(lk, [&] { return links.at_b >= target; });
  }
  state.SetItemsProcessed(static_cast<int64_t>(target));
}
BENCHMARK(BM_LinkOneWay)->Arg(0)->Arg(1)->ArgName("curve")->UseRealTime()->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn); // link start/stop lines would drown the table
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
