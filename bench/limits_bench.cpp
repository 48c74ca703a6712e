// Limits of this machine that bound the engine's figures: CAF hops, fdatasync, msgpack, ZeroMQ loopback.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <zmq.hpp>

#include "bench/latency_histogram.hpp"
#include "messages/codec.hpp"
#include "messages/type_ids.hpp"

using namespace engine;
using engine::bench::latency_histogram;
namespace fs = std::filesystem;

namespace {

using clock_type = std::chrono::steady_clock;

int64_t ns_since(clock_type::time_point t0, clock_type::time_point t1) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
}

double seconds_since(clock_type::time_point t0, clock_type::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

void add_latency(benchmark::State& state, const latency_histogram& h, const char* prefix) {
  std::string p = prefix;
  state.counters[p + "p50_us"] = h.percentile_us(50);
  state.counters[p + "p99_us"] = h.percentile_us(99);
  state.counters[p + "p999_us"] = h.percentile_us(99.9);
  state.counters[p + "mean_us"] = h.mean_ns() / 1000.0;
  state.counters["samples"] = static_cast<double>(h.count());
}

/// The engine's scheduler settings: two workers on this two-core machine.
struct caf_env {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf_env() {
    cfg.add_message_types<caf::id_block::engine>();
    cfg.set("scheduler.max-threads", 2);
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

// ---------------------------------------------------------------------------
// CAF: request/response round trip between two event-based actors.

constexpr uint64_t rt_max_count = 300000;
constexpr auto rt_max_time = std::chrono::seconds(2);

struct rt_run {
  latency_histogram hist;
  bool with_timeout = false;
  uint64_t done_count = 0;
  clock_type::time_point start, end, deadline;
  std::atomic<bool> failed{false};
  std::promise<void> finished;
};

void ping_once(caf::event_based_actor* self, caf::actor pong, std::shared_ptr<rt_run> run) {
  auto t0 = clock_type::now();
  auto on_reply = [=](uint64_t) {
    auto t1 = clock_type::now();
    run->hist.record(ns_since(t0, t1));
    if (++run->done_count < rt_max_count && t1 < run->deadline) {
      ping_once(self, pong, run);
      return;
    }
    run->end = t1;
    run->finished.set_value();
    self->quit();
  };
  auto on_error = [=](caf::error&) {
    run->failed = true;
    run->end = clock_type::now();
    run->finished.set_value();
    self->quit();
  };
  // A finite timeout costs a timer entry in CAF's clock thread per request (what
  // the order manager pays); caf::infinite arms none.
  if (run->with_timeout)
    self->request(pong, std::chrono::seconds(10), get_atom::value, run->done_count)
      .then(on_reply, on_error);
  else
    self->request(pong, caf::infinite, get_atom::value, run->done_count).then(on_reply, on_error);
}

// range(0): 0 = caf::infinite, 1 = a 10 s timeout (as the engine's requests have).
void BM_caf_request_round_trip(benchmark::State& state) {
  for (auto _ : state) {
    auto run = std::make_shared<rt_run>();
    run->with_timeout = state.range(0) != 0;
    {
      caf_env env;
      auto pong = env.sys->spawn([]() -> caf::behavior {
        return {[](get_atom, uint64_t x) { return x; }};
      });
      auto fut = run->finished.get_future();
      run->start = clock_type::now();
      run->deadline = run->start + rt_max_time;
      env.sys->spawn([=](caf::event_based_actor* self) { ping_once(self, pong, run); });
      fut.wait();
      caf::anon_send_exit(pong, caf::exit_reason::user_shutdown);
    }
    if (run->failed)
      state.SkipWithError("a request failed");
    auto secs = seconds_since(run->start, run->end);
    state.SetIterationTime(secs);
    add_latency(state, run->hist, "rt_");
    state.counters["round_trips_per_s"] = static_cast<double>(run->done_count) / secs;
  }
}
BENCHMARK(BM_caf_request_round_trip)
  ->ArgName("timeout")
  ->Arg(0)
  ->Arg(1)
  ->Iterations(1)
  ->UseManualTime()
  ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// CAF: one-way messages from one actor to another, as fast as the sender can.

constexpr uint64_t ow_max_count = 4000000;
constexpr uint64_t ow_burst = 1000; // sends per resumption of the sender
constexpr auto ow_max_time = std::chrono::seconds(2);

struct ow_run {
  bool order_payload = false;
  uint64_t sent = 0;
  uint64_t received = 0;
  clock_type::time_point start, end, deadline;
  std::promise<void> finished;
};

// range(0): 0 = (get_atom, uint64_t), 1 = an OrderRequest (strings, like the engine's messages).
void BM_caf_one_way(benchmark::State& state) {
  for (auto _ : state) {
    auto run = std::make_shared<ow_run>();
    run->order_payload = state.range(0) != 0;
    {
      caf_env env;
      auto receiver = env.sys->spawn([run](caf::event_based_actor* self) -> caf::behavior {
        return {
          [=](get_atom, uint64_t) { ++run->received; },
          [=](const OrderRequest&) { ++run->received; },
          [=](stop_atom, uint64_t total) {
            // Mailboxes are FIFO per sender: everything sent before has been handled.
            run->end = clock_type::now();
            if (run->received != total)
              run->received = 0; // reported as an error below
            run->finished.set_value();
            self->quit();
          },
        };
      });
      OrderRequest proto;
      proto.order_id = "O-123456";
      proto.ticker = "AAPL";
      proto.quantity = Quantity::from_units(1);
      proto.client_order_id = "bench-client-123456";
      proto.strategy = "bench";
      auto fut = run->finished.get_future();
      run->start = clock_type::now();
      run->deadline = run->start + ow_max_time;
      env.sys->spawn([=](caf::event_based_actor* self) -> caf::behavior {
        self->send(self, tick_atom::value, uint64_t{0});
        return {[=](tick_atom, uint64_t) {
          for (uint64_t i = 0; i < ow_burst; ++i, ++run->sent) {
            if (run->order_payload)
              self->send(receiver, proto);
            else
              self->send(receiver, get_atom::value, run->sent);
          }
          if (run->sent < ow_max_count && clock_type::now() < run->deadline) {
            self->send(self, tick_atom::value, run->sent);
            return;
          }
          self->send(receiver, stop_atom::value, run->sent);
          self->quit();
        }};
      });
      fut.wait();
    }
    if (run->received == 0)
      state.SkipWithError("messages lost");
    auto secs = seconds_since(run->start, run->end);
    state.SetIterationTime(secs);
    state.counters["msgs_per_s"] = static_cast<double>(run->received) / secs;
    state.counters["messages"] = static_cast<double>(run->received);
  }
}
BENCHMARK(BM_caf_one_way)
  ->ArgName("order_payload")
  ->Arg(0)
  ->Arg(1)
  ->Iterations(1)
  ->UseManualTime()
  ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// Thread wake-ups: what a hop costs when the receiving thread is idle. The
// engine crosses threads on every order (client -> CAF worker, trade logger ->
// journal thread -> worker), so at low rates these set its latency floor.

constexpr int paced_samples = 1000;
constexpr auto paced_period = std::chrono::milliseconds(1); // 1 kHz: the receiver is idle

/// Sleeps to the next slot so every round trip starts from idle threads.
void pace(clock_type::time_point& next) {
  next += paced_period;
  std::this_thread::sleep_until(next);
}

// Two threads ping-pong through a mutex and condition variable (two wake-ups a round trip).
void BM_thread_wake_round_trip(benchmark::State& state) {
  for (auto _ : state) {
    std::mutex mtx;
    std::condition_variable cv;
    uint64_t ping = 0, pong = 0;
    bool stop = false;
    std::thread partner([&] {
      std::unique_lock<std::mutex> lk{mtx};
      while (true) {
        cv.wait(lk, [&] { return stop || ping != pong; });
        if (stop)
          return;
        pong = ping;
        cv.notify_all();
      }
    });
    latency_histogram hist;
    auto start = clock_type::now();
    auto next = start;
    for (int i = 0; i < paced_samples; ++i) {
      pace(next);
      auto t0 = clock_type::now();
      std::unique_lock<std::mutex> lk{mtx};
      ++ping;
      cv.notify_all();
      cv.wait(lk, [&] { return pong == ping; });
      lk.unlock();
      hist.record(ns_since(t0, clock_type::now()));
    }
    {
      std::lock_guard<std::mutex> lk{mtx};
      stop = true;
    }
    cv.notify_all();
    partner.join();
    state.SetIterationTime(seconds_since(start, clock_type::now()));
    add_latency(state, hist, "rt_");
  }
}
BENCHMARK(BM_thread_wake_round_trip)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// A plain thread asks an actor and waits for the answer (a scoped actor), paced at 1 kHz.
// range(0): 0 = CAF's default work-stealing polling (an idle worker sleeps in 50 us steps
// that no enqueue interrupts), 1 = work-stealing.moderate-poll-attempts = 0 (an idle
// worker blocks on its condition variable, which every enqueue signals).
void BM_caf_foreign_thread_round_trip(benchmark::State& state) {
  const bool tuned = state.range(0) != 0;
  for (auto _ : state) {
    latency_histogram hist;
    auto start = clock_type::now();
    bool failed = false;
    {
      caf::actor_system_config cfg;
      cfg.add_message_types<caf::id_block::engine>();
      cfg.set("scheduler.max-threads", 2);
      cfg.set("logger.verbosity", caf::atom("quiet"));
      if (tuned)
        cfg.set("work-stealing.moderate-poll-attempts", 0);
      caf::actor_system sys{cfg};
      auto echo = sys.spawn([]() -> caf::behavior {
        return {[](get_atom, uint64_t x) { return x; }};
      });
      caf::scoped_actor self{sys};
      auto next = clock_type::now();
      start = next;
      for (uint64_t i = 0; i < static_cast<uint64_t>(paced_samples) && !failed; ++i) {
        pace(next);
        auto t0 = clock_type::now();
        self->request(echo, std::chrono::seconds(5), get_atom::value, i)
          .receive([&](uint64_t) { hist.record(ns_since(t0, clock_type::now())); },
                   [&](caf::error&) { failed = true; });
      }
      caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
    }
    if (failed)
      state.SkipWithError("a request failed");
    state.SetIterationTime(seconds_since(start, clock_type::now()));
    add_latency(state, hist, "rt_");
  }
}
BENCHMARK(BM_caf_foreign_thread_round_trip)
  ->ArgName("tuned")
  ->Arg(0)
  ->Arg(1)
  ->Iterations(1)
  ->UseManualTime()
  ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// Disk: one 200-byte line written and fdatasync'ed, on the project's disk.

// <build dir>/bench-tmp/<leaf>: the binary lives in <build dir>/bench/.
std::string bench_dir(const std::string& leaf) {
  auto exe = fs::read_symlink("/proc/self/exe");
  auto dir = exe.parent_path().parent_path() / "bench-tmp" / leaf;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

constexpr int fsync_max_count = 2000;
constexpr auto fsync_max_time = std::chrono::seconds(2);

// range(0): 0 = append (the file grows: fdatasync also commits the size),
// 1 = overwrite a preallocated, already synced file (data blocks only).
void BM_fdatasync_200B(benchmark::State& state) {
  const bool overwrite = state.range(0) != 0;
  for (auto _ : state) {
    auto dir = bench_dir(overwrite ? "fsync-overwrite" : "fsync-append");
    auto file = dir + "/line.jsonl";
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? 0 : O_APPEND);
    int fd = ::open(file.c_str(), flags, 0644);
    if (fd < 0) {
      state.SkipWithError("cannot open the bench file");
      return;
    }
    std::string line(199, 'x');
    line += '\n';
    if (overwrite) {
      std::string zeros(static_cast<size_t>(fsync_max_count) * line.size(), '\0');
      if (::write(fd, zeros.data(), zeros.size()) != static_cast<ssize_t>(zeros.size())
          || ::fsync(fd) != 0) {
        state.SkipWithError("preallocation failed");
        ::close(fd);
        return;
      }
    }
    latency_histogram hist;
    auto start = clock_type::now();
    auto deadline = start + fsync_max_time;
    off_t off = 0;
    for (int i = 0; i < fsync_max_count; ++i) {
      auto t0 = clock_type::now();
      if (t0 >= deadline)
        break;
      ssize_t n = overwrite ? ::pwrite(fd, line.data(), line.size(), off)
                            : ::write(fd, line.data(), line.size());
      if (n != static_cast<ssize_t>(line.size()) || ::fdatasync(fd) != 0) {
        state.SkipWithError("write or fdatasync failed");
        break;
      }
      off += static_cast<off_t>(line.size());
      hist.record(ns_since(t0, clock_type::now()));
    }
    auto secs = seconds_since(start, clock_type::now());
    ::close(fd);
    fs::remove_all(dir);
    state.SetIterationTime(secs);
    add_latency(state, hist, "");
    state.counters["syncs_per_s"] = static_cast<double>(hist.count()) / secs;
  }
}
BENCHMARK(BM_fdatasync_200B)
  ->ArgName("overwrite")
  ->Arg(0)
  ->Arg(1)
  ->Iterations(1)
  ->UseManualTime()
  ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// msgpack: pack and unpack one OrderRequest through messages/codec.hpp.

OrderRequest sample_order() {
  OrderRequest o;
  o.order_id = "O-1234567";
  o.ticker = "AAPL";
  o.side = OrderSide::sell;
  o.order_type = OrderType::limit;
  o.quantity = Quantity::from_units(100);
  o.price = Price::from_raw(189250000);
  o.time_in_force = TimeInForce::day;
  o.client_order_id = "rebalance-000123";
  o.timestamp = 1764000000000000000;
  o.strategy = "rebalance";
  return o;
}

void BM_msgpack_pack_unpack_OrderRequest(benchmark::State& state) {
  auto o = sample_order();
  size_t bytes = 0;
  for (auto _ : state) {
    auto packed = to_msgpack(o);
    OrderRequest back;
    auto st = from_msgpack(packed, back);
    if (!st) {
      state.SkipWithError("msgpack round trip failed");
      break;
    }
    bytes = packed.size();
    benchmark::DoNotOptimize(back);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_msgpack_pack_unpack_OrderRequest);

// ---------------------------------------------------------------------------
// ZeroMQ over TCP loopback, raw cppzmq (no engine transport on top).

constexpr int zmq_rt_max_count = 100000;
constexpr auto zmq_max_time = std::chrono::seconds(2);
constexpr int zmq_timeout_ms = 5000; // no receive waits longer: a lost peer fails the run
constexpr size_t zmq_payload = 100;

// A PAIR echo: the round trip a request and its answer take between two processes' sockets.
void BM_zmq_tcp_round_trip_100B(benchmark::State& state) {
  for (auto _ : state) {
    zmq::context_t ctx{1};
    zmq::socket_t server{ctx, zmq::socket_type::pair};
    server.set(zmq::sockopt::linger, 0);
    server.set(zmq::sockopt::rcvtimeo, zmq_timeout_ms);
    server.bind("tcp://127.0.0.1:*");
    auto endpoint = server.get(zmq::sockopt::last_endpoint);
    std::thread echo([&] {
      zmq::message_t m;
      while (true) {
        auto r = server.recv(m, zmq::recv_flags::none);
        if (!r || m.size() == 0) // timeout, or the empty end marker
          return;
        server.send(m, zmq::send_flags::none);
      }
    });
    zmq::socket_t client{ctx, zmq::socket_type::pair};
    client.set(zmq::sockopt::linger, 0);
    client.set(zmq::sockopt::rcvtimeo, zmq_timeout_ms);
    client.connect(endpoint);
    std::string payload(zmq_payload, 'p');
    latency_histogram hist;
    bool ok = true;
    auto start = clock_type::now();
    auto deadline = start + zmq_max_time;
    for (int i = 0; i < zmq_rt_max_count; ++i) {
      auto t0 = clock_type::now();
      if (t0 >= deadline)
        break;
      client.send(zmq::buffer(payload), zmq::send_flags::none);
      zmq::message_t reply;
      if (!client.recv(reply, zmq::recv_flags::none) || reply.size() != zmq_payload) {
        ok = false;
        break;
      }
      // The first round trips include the TCP connect: leave them out.
      if (i >= 100)
        hist.record(ns_since(t0, clock_type::now()));
    }
    auto secs = seconds_since(start, clock_type::now());
    client.send(zmq::message_t{}, zmq::send_flags::none);
    echo.join();
    if (!ok)
      state.SkipWithError("a zmq round trip failed");
    state.SetIterationTime(secs);
    add_latency(state, hist, "rt_");
  }
}
BENCHMARK(BM_zmq_tcp_round_trip_100B)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

constexpr uint64_t zmq_ow_max_count = 5000000;

// PUSH -> PULL: 100-byte messages per second, the sender blocking at the high-water mark.
void BM_zmq_tcp_one_way_100B(benchmark::State& state) {
  for (auto _ : state) {
    zmq::context_t ctx{1};
    zmq::socket_t pull{ctx, zmq::socket_type::pull};
    pull.set(zmq::sockopt::linger, 0);
    pull.set(zmq::sockopt::rcvtimeo, zmq_timeout_ms);
    pull.bind("tcp://127.0.0.1:*");
    auto endpoint = pull.get(zmq::sockopt::last_endpoint);
    uint64_t received = 0;
    clock_type::time_point end;
    std::thread sink([&] {
      zmq::message_t m;
      while (true) {
        auto r = pull.recv(m, zmq::recv_flags::none);
        if (!r)
          return; // timeout: received stays short and the run fails
        if (m.size() == 0)
          break;
        ++received;
      }
      end = clock_type::now();
    });
    zmq::socket_t push{ctx, zmq::socket_type::push};
    push.set(zmq::sockopt::linger, 0);
    push.set(zmq::sockopt::sndtimeo, zmq_timeout_ms);
    push.connect(endpoint);
    std::string payload(zmq_payload, 'p');
    uint64_t sent = 0;
    auto start = clock_type::now();
    auto deadline = start + zmq_max_time;
    bool ok = true;
    while (sent < zmq_ow_max_count) {
      if ((sent & 1023) == 0 && clock_type::now() >= deadline)
        break;
      if (!push.send(zmq::buffer(payload), zmq::send_flags::none)) {
        ok = false;
        break;
      }
      ++sent;
    }
    if (!push.send(zmq::message_t{}, zmq::send_flags::none))
      ok = false;
    sink.join();
    if (!ok || received != sent) {
      state.SkipWithError("zmq messages lost");
      continue;
    }
    auto secs = seconds_since(start, end);
    state.SetIterationTime(secs);
    state.counters["msgs_per_s"] = static_cast<double>(received) / secs;
    state.counters["messages"] = static_cast<double>(received);
  }
}
BENCHMARK(BM_zmq_tcp_one_way_100B)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  auto exe = fs::read_symlink("/proc/self/exe");
  fs::remove_all(exe.parent_path().parent_path() / "bench-tmp" / "fsync-append");
  fs::remove_all(exe.parent_path().parent_path() / "bench-tmp" / "fsync-overwrite");
  return 0;
}
