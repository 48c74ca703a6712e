// End-to-end benchmarks of one in-process node: orders/s per fsync policy, open-loop ack latency, replay, memory, idle RSS.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <malloc.h>
#ifdef ENGINE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/outbox.hpp"
#include "actors/clock/clock.hpp"
#include "actors/journal/journal_recovery.hpp"
#include "actors/journal/journal_writer.hpp"
#include "actors/orders/order_book.hpp"
#include "actors/portfolio/position_book.hpp"
#include "actors/risk/risk_rules.hpp"
#include "bench/latency_histogram.hpp"
#include "bench/process_cpu.hpp"
#include "brokers/sim/fill_engine.hpp"
#include "config/config_loader.hpp"
#include "config/logging.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_core.hpp"
#include "nodes/engine_node.hpp"
#include "nodes/scheduler_settings.hpp"

using namespace engine;
using engine::bench::latency_histogram;
using engine::bench::process_cpu_seconds;
namespace fs = std::filesystem;

namespace {

using clock_type = std::chrono::steady_clock;
constexpr auto query_timeout = std::chrono::seconds(30);

int64_t ns_since(clock_type::time_point t0, clock_type::time_point t1) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
}

double seconds_since(clock_type::time_point t0, clock_type::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

/// A count from the environment (to shorten runs under valgrind), else the default.
uint64_t env_count(const char* name, uint64_t fallback) {
  if (const char* v = std::getenv(name)) {
    uint64_t x = 0;
    auto r = std::from_chars(v, v + std::char_traits<char>::length(v), x);
    if (r.ec == std::errc{} && x > 0)
      return x;
  }
  return fallback;
}

/// The node's default scheduler; ENGINE_BENCH_WORKERS sets scheduler.workers, to compare.
scheduler_config bench_scheduler() {
  scheduler_config s;
  s.workers = static_cast<int64_t>(env_count("ENGINE_BENCH_WORKERS", static_cast<uint64_t>(s.workers)));
  return s;
}

fs::path build_dir() { return fs::read_symlink("/proc/self/exe").parent_path().parent_path(); }

// <build dir>/bench-tmp/<leaf>.<pid>: journals must sit on the project's disk, not a tmpfs.
// Per process: two runs at once (two profilers) must neither share a journal (the second's
// trade logger finds it locked and stops) nor delete each other's.
std::string bench_dir(const std::string& leaf) {
  auto dir = build_dir() / "bench-tmp" / (leaf + "." + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

/// Gives freed memory back to the system before RSS is read: jemalloc's purge of every arena
/// (its dirty pages otherwise stay resident for seconds), or glibc's malloc_trim.
void release_free_memory() {
#ifdef ENGINE_JEMALLOC
  auto purge = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
  mallctl(purge.c_str(), nullptr, nullptr, nullptr, 0);
#else
  malloc_trim(0);
#endif
}

uint64_t rss_bytes() {
  std::ifstream in{"/proc/self/statm"};
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

const char* policy_name(fsync_policy p) { return enum_name(p).data(); }

fsync_policy policy_of(int64_t arg) {
  switch (arg) {
    case 0: return fsync_policy::never;
    case 1: return fsync_policy::batch;
    default: return fsync_policy::always;
  }
}

/// "c-<n>" -> n: benchmark orders carry their index in the client order id.
uint64_t order_index(const std::string& client_order_id) {
  uint64_t i = 0;
  if (client_order_id.size() > 2)
    std::from_chars(client_order_id.data() + 2, client_order_id.data() + client_order_id.size(), i);
  return i;
}

const Price quote_bid = Price::from_raw(100'000'000);    // $100.00
const Price quote_ask = Price::from_raw(100'010'000);    // $100.01
const Price far_buy = Price::from_raw(50'000'000);       // resting limits, never touched
const Price far_sell = Price::from_raw(150'000'000);

/// Alternating buys and sells of one share, so the book stays flat and no
/// risk limit is approached; `resting` orders are limits far from the quote.
OrderRequest make_order(uint64_t i, timestamp_ns ts, bool resting) {
  OrderRequest o;
  o.ticker = "AAPL";
  o.side = i % 2 == 0 ? OrderSide::buy : OrderSide::sell;
  o.order_type = resting ? OrderType::limit : OrderType::market;
  o.quantity = Quantity::from_units(1);
  if (resting)
    o.price = o.side == OrderSide::buy ? far_buy : far_sell;
  o.time_in_force = TimeInForce::day;
  o.client_order_id = "c-" + std::to_string(i);
  o.timestamp = ts;
  o.strategy = "bench";
  return o;
}

/// The engine's core actors in one process (nodes/engine_core.hpp, as engine_node starts
/// them), without market data or strategies: the benchmark drives orders and the one quote.
struct engine_harness {
  std::string dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<actor_directory> directory = std::make_shared<actor_directory>();
  engine_core core;
  timestamp_ns now = parse_iso8601("2026-11-24T10:00:00-05:00");

  engine_harness(fsync_policy policy, const std::string& leaf, bool caf_default_scheduler = false,
                 size_t max_queued_orders = 0)
    : dir(bench_dir(leaf)) {
    cfg.add_message_types<caf::id_block::engine>();
    if (caf_default_scheduler)
      cfg.set("scheduler.max-threads", 2); // CAF's polling, for comparison
    else
      apply_scheduler_settings(cfg, bench_scheduler()); // as engine_node, on the default config
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
    engine_core_options o;
    o.directory = directory;
    o.journal.dir = dir; // defaults: batch_max_records 4096, batch_max_us 500
    o.journal.fsync = policy;
    // Limits all 0 = off; cash so large that buying power never binds.
    o.initial_cash = Money::from_units(10'000'000'000);
    o.universe = {"AAPL"};
    o.order_manager.max_queued_orders = max_queued_orders; // admission control (0 = off)
    core = spawn_engine_core(*sys, std::move(o));
    standing_quote();
  }

  ~engine_harness() {
    stop_engine_core(*sys, core, *directory);
    sys.reset(); // waits for every actor; the journal writer drains and joins
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  caf::actor get(const char* name) const { return directory->get(name); }

  /// One quote with a billion shares a side, to the venue, risk and books.
  void standing_quote() {
    Quote q;
    q.ticker = "AAPL";
    q.bid = quote_bid;
    q.ask = quote_ask;
    q.bid_size = Quantity::from_units(1'000'000'000);
    q.ask_size = Quantity::from_units(1'000'000'000);
    q.timestamp = now;
    if (auto e = step_engine_core(*sys, core, QuoteBatch{{q}}, query_timeout))
      throw std::runtime_error(to_string(e));
  }

  /// Everything in flight journaled and applied: each answer comes after what
  /// the previous hop sent (engine_node::drain's chain, without the venue query).
  OrderStats settle() {
    caf::scoped_actor self{*sys};
    OrderStats stats;
    for (int round = 0; round < 2; ++round) {
      self->request(get(names::order_manager), query_timeout, stats_atom::value)
        .receive([&](const OrderStats& s) { stats = s; }, [](caf::error&) {});
      self->request(get(names::trade_logger), query_timeout, journal_atom::value)
        .receive([](uint64_t) {}, [](caf::error&) {});
      self->request(get(names::order_manager), query_timeout, stats_atom::value)
        .receive([&](const OrderStats& s) { stats = s; }, [](caf::error&) {});
      self->request(get(names::risk_manager), query_timeout, get_atom::value)
        .receive([](const RiskLimits&) {}, [](caf::error&) {});
      self->request(get(names::position_keeper), query_timeout, account_atom::value)
        .receive([](const AccountInfo&) {}, [](caf::error&) {});
    }
    return stats;
  }
};

// ---------------------------------------------------------------------------
// Closed-loop driver: keeps `window` orders in flight until `target` orders
// completed or the deadline passed. An order completes with its fill
// (marketable) or its venue acceptance (resting), or a rejection.

struct drive_run {
  bool resting = false;
  uint64_t target = 0;
  uint64_t window = 0;
  clock_type::duration max_time{};
  uint64_t sent = 0, completed = 0, acks = 0, fills = 0, rejects = 0;
  std::string first_reject;
  clock_type::time_point start, end;
  std::promise<void> finished;
};

caf::behavior closed_loop_driver(caf::event_based_actor* self, caf::actor om,
                                 std::shared_ptr<drive_run> run, timestamp_ns ts) {
  auto deadline = std::make_shared<clock_type::time_point>();
  // One-way, as a strategy host sends (answered (orders_atom, tag, OrderUpdate) to the
  // sender, since "" names nobody), and taking batches as a strategy host does.
  auto send_one = [=] {
    self->send(om, orders_atom::value, std::string{}, run->sent,
               make_order(run->sent, ts, run->resting));
    ++run->sent;
  };
  auto complete = [=] {
    ++run->completed;
    if (run->sent < run->target && clock_type::now() < *deadline) {
      send_one();
    } else if (run->completed == run->sent) {
      run->end = clock_type::now();
      run->finished.set_value();
      self->quit();
    }
  };
  auto on_update = [=](const OrderUpdate& u) {
    if (u.status == OrderStatus::pending_new) {
      ++run->acks;
    } else if (u.status == OrderStatus::rejected) {
      ++run->rejects;
      if (run->first_reject.empty())
        run->first_reject = u.reason;
      complete();
    } else if (u.status == OrderStatus::new_ && run->resting) {
      complete();
    }
  };
  return batching_behavior(
    self, nullptr,
    [=](start_atom) {
      run->start = clock_type::now();
      *deadline = run->start + run->max_time;
      for (uint64_t i = 0; i < run->window && run->sent < run->target; ++i)
        send_one();
    },
    // The answer to each order (pending_new is the acknowledgement), then its updates.
    [=](orders_atom, uint64_t, const OrderUpdate& u) { on_update(u); },
    [=](const OrderUpdate& u) { on_update(u); },
    [=](const Fill&) {
      ++run->fills;
      if (!run->resting)
        complete();
    });
}

/// Runs the driver to completion; false (with why) when the run did not end in time.
bool drive(engine_harness& h, const std::shared_ptr<drive_run>& run, std::string& why) {
  auto fut = run->finished.get_future();
  auto driver = h.sys->spawn(closed_loop_driver, h.get(names::order_manager), run, h.now);
  caf::anon_send(driver, start_atom::value);
  if (fut.wait_for(run->max_time + std::chrono::seconds(60)) != std::future_status::ready) {
    caf::anon_send_exit(driver, caf::exit_reason::user_shutdown);
    why = "the run did not finish within its bound";
    return false;
  }
  if (run->rejects > 0) {
    why = "orders rejected: " + run->first_reject;
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Throughput: marketable orders, each answered by a fill, per fsync policy.

// Args: policy (0 never, 1 batch, 2 always), orders in flight.
void BM_engine_orders_per_second(benchmark::State& state) {
  const auto policy = policy_of(state.range(0));
  for (auto _ : state) {
    auto run = std::make_shared<drive_run>();
    run->target = env_count("ENGINE_BENCH_ORDERS", 2'000'000);
    run->window = static_cast<uint64_t>(state.range(1));
    run->max_time = std::chrono::seconds(env_count("ENGINE_BENCH_SECONDS", 3));
    std::string why;
    OrderStats stats;
    double cpu = 0;
    {
      engine_harness h{policy, std::string{"tp-"} + policy_name(policy)};
      auto cpu0 = process_cpu_seconds();
      if (!drive(h, run, why)) {
        state.SkipWithError(why.c_str());
        break;
      }
      cpu = process_cpu_seconds() - cpu0;
      stats = h.settle();
    }
    if (run->fills != run->sent || stats.fills != static_cast<int64_t>(run->fills)) {
      state.SkipWithError("fills missing");
      break;
    }
    auto secs = seconds_since(run->start, run->end);
    state.SetIterationTime(secs);
    state.counters["orders_per_s"] = static_cast<double>(run->fills) / secs;
    state.counters["orders"] = static_cast<double>(run->fills);
    state.counters["acks"] = static_cast<double>(run->acks);
    // Below 2.0 on this 2-core machine: the run waits on hand-offs, not on CPU.
    state.counters["cpu_cores_busy"] = cpu / secs;
    state.counters["cpu_us_per_order"] = cpu * 1e6 / static_cast<double>(run->fills);
  }
  state.SetLabel(policy_name(policy));
}
BENCHMARK(BM_engine_orders_per_second)
  ->ArgNames({"fsync", "in_flight"})
  ->Args({0, 1000})
  ->Args({0, 100})
  ->Args({1, 1000})
  ->Args({2, 1000})
  ->Iterations(1)
  ->UseManualTime()
  ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// Open-loop latency: orders sent at a fixed rate by their intended time, each
// measured from that intended time, so a stalled engine is charged for every
// order that should have gone out meanwhile (no coordinated omission).

struct latency_run {
  clock_type::time_point t0;
  int64_t period_ns = 0;
  uint64_t warm = 0;                            // first orders: warm-up, not recorded
  std::atomic<uint64_t> expected{UINT64_MAX};   // set when the sender is done
  latency_histogram ack;                        // intended send -> acknowledgement
  latency_histogram fill;                       // intended send -> fill at the driver
  uint64_t acks = 0, fills = 0, rejects = 0, shed = 0;
  std::string first_reject;
  clock_type::time_point last_fill;
  bool done = false;
  std::promise<void> finished;

  clock_type::time_point intended(uint64_t i) const {
    return t0 + std::chrono::nanoseconds(static_cast<int64_t>(i) * period_ns);
  }
};

caf::behavior latency_receiver(caf::event_based_actor* self, std::shared_ptr<latency_run> run) {
  auto check_done = [=] {
    if (!run->done && run->fills + run->rejects == run->expected.load()) {
      run->done = true;
      run->finished.set_value();
      self->quit();
    }
  };
  auto on_update = [=](const OrderUpdate& u) {
      if (u.status == OrderStatus::pending_new) {
        auto t = clock_type::now();
        auto i = order_index(u.client_order_id);
        if (i >= run->warm)
          run->ack.record(ns_since(run->intended(i), t));
        ++run->acks;
      } else if (u.status == OrderStatus::rejected) {
        ++run->rejects;
        if (u.reject == RejectReason::overloaded)
          ++run->shed;
        else if (run->first_reject.empty())
          run->first_reject = u.reason;
        check_done();
      }
  };
  return batching_behavior(
    self, nullptr,
    // The answer to each order (one-way, as a strategy host sends), then its updates.
    [=](orders_atom, uint64_t, const OrderUpdate& u) { on_update(u); },
    [=](const OrderUpdate& u) { on_update(u); },
    [=](const Fill& f) {
      auto t = clock_type::now();
      auto i = order_index(f.client_order_id);
      if (i >= run->warm)
        run->fill.record(ns_since(run->intended(i), t));
      run->last_fill = t;
      ++run->fills;
      check_done();
    },
    [=](stop_atom) { check_done(); });
}

/// Raw write+fdatasync of 200-byte lines on the journal's disk, one at a time
/// between the orders of a durable run. This disk's fdatasync drifts between
/// ~0.1 ms and ~4 ms within seconds as other tenants write, so the durable ack
/// is compared with the floor sampled in the same seconds, not minutes apart.
class raw_sync_probe {
public:
  raw_sync_probe() : dir_(bench_dir("raw-fdatasync")) {
    fd_ = ::open((dir_ + "/line.jsonl").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    line_.assign(199, 'x');
    line_ += '\n';
  }
  ~raw_sync_probe() {
    if (fd_ >= 0)
      ::close(fd_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void sample() {
    if (fd_ < 0)
      return;
    auto t0 = clock_type::now();
    if (::write(fd_, line_.data(), line_.size()) == static_cast<ssize_t>(line_.size())
        && ::fdatasync(fd_) == 0)
      hist.record(ns_since(t0, clock_type::now()));
  }
  latency_histogram hist;

private:
  std::string dir_;
  std::string line_;
  int fd_ = -1;
};

/// Sleeps while the target is far, then spins: the sender is on time to a few
/// microseconds without holding a core between widely spaced orders.
void wait_until(clock_type::time_point t) {
  constexpr auto spin = std::chrono::microseconds(40); // > p99 sleep overshoot here (~22 us)
  auto now = clock_type::now();
  if (t - now > spin)
    std::this_thread::sleep_until(t - spin);
  while (clock_type::now() < t)
    __builtin_ia32_pause();
}

/// Offers `rate` orders/s for duration_ms (after a warm-up of a fifth of it) from a thread
/// that sends on time, whatever the engine does. With admission control on (max_queued > 0)
/// the orders refused `overloaded` are counted as shed; any other reject fails the run.
/// `bursts`: instead of spinning to each order's time (which holds one of the two cores
/// when orders are microseconds apart), the sender sleeps 50 us at a time and sends what
/// fell due meanwhile; latencies still count from each order's intended time.
void open_loop(benchmark::State& state, fsync_policy policy, int64_t rate, int64_t duration_ms,
               bool caf_default, size_t max_queued, bool bursts = false) {
  // The sender thread's timer slack: wake-ups within ~1 us of the asked time.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  for (auto _ : state) {
    auto run = std::make_shared<latency_run>();
    run->period_ns = 1'000'000'000 / rate;
    run->warm = static_cast<uint64_t>(rate * duration_ms / 5000);
    const auto total = run->warm + static_cast<uint64_t>(rate * duration_ms / 1000);
    latency_histogram send_lag; // the harness's own lateness, for the record
    std::unique_ptr<raw_sync_probe> probe;
    std::string why;
    uint64_t acks = 0;
    {
      engine_harness h{policy, std::string{"lat-"} + policy_name(policy), caf_default, max_queued};
      if (policy != fsync_policy::never)
        probe = std::make_unique<raw_sync_probe>();
      auto om = h.get(names::order_manager);
      std::vector<OrderRequest> orders;
      orders.reserve(total);
      for (uint64_t i = 0; i < total; ++i)
        orders.push_back(make_order(i, h.now, false));
      auto receiver = h.sys->spawn(latency_receiver, run);
      auto fut = run->finished.get_future();
      run->t0 = clock_type::now() + std::chrono::milliseconds(5);
      for (uint64_t i = 0; i < total; ++i) {
        auto when = run->intended(i);
        if (!bursts)
          wait_until(when);
        else if (clock_type::now() < when)
          std::this_thread::sleep_until(when + std::chrono::microseconds(50));
        send_lag.record(ns_since(when, clock_type::now()));
        caf::send_as(receiver, om, orders_atom::value, std::string{}, uint64_t{i},
                     std::move(orders[i]));
        if (probe && i >= run->warm) {
          // 60% into the period: this order's own syncs are done by then.
          wait_until(when + std::chrono::nanoseconds(run->period_ns * 6 / 10));
          probe->sample();
        }
      }
      run->expected = total;
      caf::anon_send(receiver, stop_atom::value);
      if (fut.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
        caf::anon_send_exit(receiver, caf::exit_reason::user_shutdown);
        why = "the engine did not answer every order within 60 s";
      } else if (run->rejects > run->shed) {
        why = "orders rejected: " + run->first_reject;
      }
      acks = run->acks;
    }
    if (!why.empty()) {
      state.SkipWithError(why.c_str());
      break;
    }
    state.SetIterationTime(static_cast<double>(total) * static_cast<double>(run->period_ns) / 1e9);
    state.counters["ack_p50_us"] = run->ack.percentile_us(50);
    state.counters["ack_p99_us"] = run->ack.percentile_us(99);
    state.counters["ack_p999_us"] = run->ack.percentile_us(99.9);
    state.counters["ack_max_us"] = run->ack.max_ns() / 1000.0;
    state.counters["ack_mean_us"] = run->ack.mean_ns() / 1000.0;
    state.counters["fill_p50_us"] = run->fill.percentile_us(50);
    state.counters["fill_p99_us"] = run->fill.percentile_us(99);
    state.counters["send_lag_p99_us"] = send_lag.percentile_us(99);
    state.counters["samples"] = static_cast<double>(run->ack.count());
    state.counters["acks"] = static_cast<double>(acks);
    // Below the offered rate when the engine cannot keep up (the queue grows, or is shed).
    state.counters["achieved_orders_per_s"] =
      static_cast<double>(run->fills) / seconds_since(run->t0, run->last_fill);
    state.counters["shed"] = static_cast<double>(run->shed);
    if (probe && probe->hist.count() > 0) {
      state.counters["raw_fdatasync_p50_us"] = probe->hist.percentile_us(50);
      state.counters["raw_fdatasync_p99_us"] = probe->hist.percentile_us(99);
    }
  }
  state.SetLabel(policy_name(policy));
}

// Args: policy, offered orders/s, duration in ms, scheduler (0 = engine_node's, 1 = CAF's
// default polling, for comparison). No admission control: past capacity the queue grows.
void BM_engine_ack_latency_open_loop(benchmark::State& state) {
  open_loop(state, policy_of(state.range(0)), state.range(1), state.range(2),
            state.range(3) != 0, 0);
}

// Args: offered orders/s, the admission bound (execution.max_queued_orders). Past capacity the
// order manager sheds new orders `overloaded`: what is admitted keeps its ack latency.
void BM_engine_overload_open_loop(benchmark::State& state) {
  open_loop(state, fsync_policy::never, state.range(0), 1000, false,
            static_cast<size_t>(state.range(1)), true);
}
BENCHMARK(BM_engine_ack_latency_open_loop)
  ->ArgNames({"fsync", "rate", "ms", "caf_default"})
  ->Args({0, 1000, 2000, 0})
  ->Args({0, 10000, 2000, 0})
  ->Args({0, 50000, 1000, 0})
  ->Args({2, 40, 5000, 0})
  ->Args({0, 1000, 2000, 1})
  ->Args({0, 10000, 2000, 1})
  ->Args({2, 40, 5000, 1})
  ->Iterations(1)
  ->UseManualTime()
  ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_engine_overload_open_loop)
  ->ArgNames({"rate", "max_queued"})
  ->Args({100000, 0})     // about the closed-loop capacity, no bound: the queue grows
  ->Args({200000, 0})     // twice it, no bound
  ->Args({200000, 20000}) // twice it, the default bound of config/app_config.yaml
  ->Args({200000, 200})   // twice it, a bound of about 2 ms of work
  ->Iterations(1)
  ->UseManualTime()
  ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// Replay: recover_journal over ~200k records shaped as the engine writes them
// (accepted, acknowledged, fill per order), the page cache warm.

void BM_recover_journal(benchmark::State& state) {
  const auto orders = static_cast<int64_t>(state.range(0)) / 3;
  auto dir = bench_dir("replay");
  const timestamp_ns t = parse_iso8601("2026-11-24T10:00:00-05:00");
  {
    journal_options opts;
    opts.dir = dir;
    opts.fsync = fsync_policy::never;
    journal_writer w{opts, 1};
    for (int64_t n = 1; n <= orders; ++n) {
      auto req = make_order(static_cast<uint64_t>(n), t + n, false);
      req.order_id = "O-" + std::to_string(n);
      w.append(journal_stream::order_book, "accepted", req, req.timestamp, nullptr);
      OrderUpdate u;
      u.order_id = req.order_id;
      u.client_order_id = req.client_order_id;
      u.ticker = req.ticker;
      u.side = req.side;
      u.status = OrderStatus::new_;
      u.leaves_quantity = req.quantity;
      u.timestamp = req.timestamp;
      u.strategy = req.strategy;
      w.append(journal_stream::order_book, "acknowledged", u, u.timestamp, nullptr);
      Fill f;
      f.exec_id = "SIM-" + std::to_string(n);
      f.order_id = req.order_id;
      f.client_order_id = req.client_order_id;
      f.ticker = req.ticker;
      f.side = req.side;
      f.quantity = req.quantity;
      f.price = req.side == OrderSide::buy ? quote_ask : quote_bid;
      f.commission = Money::from_raw(1'000'000);
      f.timestamp = req.timestamp;
      f.broker = "simulator";
      w.append(journal_stream::trade_log, "fill", f, f.timestamp, nullptr);
    }
  }
  uint64_t bytes = 0;
  for (const auto& e : fs::directory_iterator{dir})
    bytes += fs::file_size(e.path());
  const auto records = static_cast<uint64_t>(orders * 3);
  // The reader alone (CRC and header of each line, merge by seq) on the same
  // files: the rest of recover_journal is decoding and folding the records.
  auto t0 = clock_type::now();
  uint64_t read = 0;
  replay(dir, false, [&](const journal_record& r) { read += r.seq != 0; });
  auto reader_secs = seconds_since(t0, clock_type::now());
  for (auto _ : state) {
    auto rec = recover_journal(dir, false);
    if (rec.summary.records != records || rec.fills.size() != static_cast<size_t>(orders)) {
      state.SkipWithError("replay lost records");
      break;
    }
    benchmark::DoNotOptimize(rec);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["records"] = static_cast<double>(records);
  state.counters["reader_only_records_per_s"] = static_cast<double>(read) / reader_secs;
  fs::remove_all(dir);
}
// CPU: the whole process (recovery decodes on a second thread on 2+ cores).
BENCHMARK(BM_recover_journal)
  ->Arg(200001)
  ->Iterations(3)
  ->MeasureProcessCPUTime()
  ->UseRealTime()
  ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// Memory per open order: RSS growth with resting limit orders far from the
// market, through the real order manager, risk manager and simulator.

void BM_memory_per_open_order(benchmark::State& state) {
  const auto n = env_count("ENGINE_BENCH_OPEN_ORDERS", static_cast<uint64_t>(state.range(0)));
  for (auto _ : state) {
    auto run = std::make_shared<drive_run>();
    run->resting = true;
    run->target = n;
    run->window = 1000;
    run->max_time = std::chrono::seconds(60);
    std::string why;
    uint64_t before = 0, after = 0, after_trim = 0;
    OrderStats stats;
    {
      engine_harness h{fsync_policy::never, "memory"};
      h.settle();
      release_free_memory(); // what earlier runs freed must not be counted as this run's
      before = rss_bytes();
      if (!drive(h, run, why)) {
        state.SkipWithError(why.c_str());
        break;
      }
      stats = h.settle();
      after = rss_bytes();
      release_free_memory(); // drops transient peaks (mailboxes, journal buffers) kept by malloc
      after_trim = rss_bytes();
    }
    if (stats.open != static_cast<int64_t>(n)) {
      state.SkipWithError("not every order is open");
      break;
    }
    auto per = [&](uint64_t x) {
      return (static_cast<double>(x) - static_cast<double>(before)) / static_cast<double>(n);
    };
    state.SetIterationTime(seconds_since(run->start, run->end));
    state.counters["bytes_per_open_order"] = per(after_trim);
    state.counters["bytes_per_open_order_untrimmed"] = per(after);
    state.counters["open_orders"] = static_cast<double>(stats.open);
    state.counters["rss_before_mb"] = static_cast<double>(before) / 1048576.0;
  }
}
BENCHMARK(BM_memory_per_open_order)
  ->Arg(100000)
  ->Iterations(1)
  ->UseManualTime()
  ->Unit(benchmark::kMillisecond);

// Where an open order's bytes go: the simulator's fill engine and the risk
// rules alone (no actors), with the same orders; the rest of the engine figure
// is the order manager's books and CAF.
void BM_memory_breakdown(benchmark::State& state) {
  const auto n = env_count("ENGINE_BENCH_OPEN_ORDERS", static_cast<uint64_t>(state.range(0)));
  const timestamp_ns t = parse_iso8601("2026-11-24T10:00:00-05:00");
  for (auto _ : state) {
    std::vector<OrderRequest> orders;
    orders.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      orders.push_back(make_order(i, t, true));
      orders.back().order_id = "O-" + std::to_string(i + 1);
    }
    Quote q;
    q.ticker = "AAPL";
    q.bid = quote_bid;
    q.ask = quote_ask;
    q.bid_size = Quantity::from_units(1'000'000'000);
    q.ask_size = Quantity::from_units(1'000'000'000);
    q.timestamp = t;
    double sim_bytes = 0, risk_bytes = 0, book_bytes = 0;
    {
      std::vector<sim::sim_event> events;
      sim::fill_engine engine{simulator_config{}};
      engine.on_quote(q, events);
      events.clear();
      release_free_memory();
      auto before = rss_bytes();
      for (auto& o : orders) {
        engine.submit(o, t, events);
        events.clear();
      }
      release_free_memory();
      sim_bytes = static_cast<double>(rss_bytes() - before) / static_cast<double>(n);
      if (engine.resting_orders() != n)
        state.SkipWithError("the fill engine did not rest every order");
    }
    {
      position_book book{Money::from_units(10'000'000'000)};
      risk_rules rules{RiskLimits{}};
      rules.on_last_price("AAPL", quote_bid);
      book.mark("AAPL", quote_bid);
      release_free_memory();
      auto before = rss_bytes();
      for (auto& o : orders)
        if (rules.check(o, book, t))
          state.SkipWithError("risk rejected an order");
      release_free_memory();
      risk_bytes = static_cast<double>(rss_bytes() - before) / static_cast<double>(n);
    }
    {
      // As the order manager holds a resting order: taken, accepted by the venue.
      order_book book{"O", 1, 100'000};
      release_free_memory();
      auto before = rss_bytes();
      for (auto& o : orders) {
        order_record rec;
        rec.exec = book.state_of(o);
        rec.terms = terms_of(o);
        rec.broker = book.route("simulator");
        book.step(book.take(std::move(rec)), OrderEvent::accept);
      }
      release_free_memory();
      book_bytes = static_cast<double>(rss_bytes() - before) / static_cast<double>(n);
      if (book.held() != n)
        state.SkipWithError("the order book did not hold every order");
    }
    // What a position book keeps per fill (its exec ids), the risk manager's and the position
    // keeper's (which refuse a repeated fill) against the simulator's account (which cannot
    // be sent one).
    double book_fill_bytes = 0, account_fill_bytes = 0;
    for (auto check : {position_book::exec_ids::refuse_repeats, position_book::exec_ids::never_repeat}) {
      position_book book{Money::from_units(10'000'000'000), check};
      Fill f;
      f.ticker = "AAPL";
      f.quantity = Quantity::from_units(1);
      f.price = quote_bid;
      release_free_memory();
      auto before = rss_bytes();
      for (uint64_t i = 0; i < n; ++i) {
        f.side = i % 2 == 0 ? OrderSide::buy : OrderSide::sell;
        f.exec_id = "SIM-" + std::to_string(i + 1);
        book.apply_fill(f);
      }
      release_free_memory();
      auto per = static_cast<double>(rss_bytes() - before) / static_cast<double>(n);
      (check == position_book::exec_ids::refuse_repeats ? book_fill_bytes : account_fill_bytes) = per;
    }
    state.counters["position_book_bytes_per_fill"] = book_fill_bytes;
    state.counters["venue_account_bytes_per_fill"] = account_fill_bytes;
    state.counters["fill_engine_bytes_per_order"] = sim_bytes;
    state.counters["risk_rules_bytes_per_order"] = risk_bytes;
    state.counters["order_book_bytes_per_order"] = book_bytes;
    state.counters["sizeof_order_record"] = sizeof(order_record);
    state.counters["sizeof_OrderRequest"] = sizeof(OrderRequest);
    state.counters["sizeof_OrderExecution"] = sizeof(OrderExecution);
  }
}
BENCHMARK(BM_memory_breakdown)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// Idle RSS of a node: this program re-executed as a child that starts
// engine_node with the default config (strategies removed, no market data).

constexpr const char* idle_child_flag = "--idle-node-child";

std::string source_dir() {
  if (const char* v = std::getenv("ENGINE_SOURCE_DIR"))
    return v;
  std::ifstream in{build_dir() / "CMakeCache.txt"};
  const std::string key = "execution_engine_SOURCE_DIR:STATIC=";
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, key.size(), key) == 0)
      return line.substr(key.size());
  return ".";
}

uint64_t status_kb(const char* field) {
  std::ifstream in{"/proc/self/status"};
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, std::char_traits<char>::length(field), field) == 0)
      return std::strtoull(line.c_str() + std::char_traits<char>::length(field), nullptr, 10);
  return 0;
}

int idle_node_child() {
  auto baseline_kb = status_kb("VmRSS:");
  auto cfg = load_config(source_dir() + "/config/app_config.yaml");
  cfg.strategies.clear();
  cfg.journal.dir = bench_dir("idle-node");
  cfg.logging.level = "warn";
  init_logging(cfg.logging);
  node_config node;
  node.name = "main";
  node.actors = {names::trade_logger, names::position_keeper, names::risk_manager,
                 names::order_manager, names::simulator};
  cfg.nodes = {node};
  uint64_t rss_kb = 0;
  {
    engine_node n{cfg};
    n.start();
    n.drain(); // every actor has answered: started and idle
    // Let the scheduler's threads park before reading (harness wait, not engine code).
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    rss_kb = status_kb("VmRSS:");
    n.stop();
  }
  fs::remove_all(cfg.journal.dir);
  std::printf("rss_kb=%llu baseline_kb=%llu\n", static_cast<unsigned long long>(rss_kb),
              static_cast<unsigned long long>(baseline_kb));
  return 0;
}

void BM_idle_node_rss(benchmark::State& state) {
  for (auto _ : state) {
    auto cmd = fs::read_symlink("/proc/self/exe").string() + " " + idle_child_flag;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) {
      state.SkipWithError("cannot start the child");
      break;
    }
    unsigned long long rss = 0, base = 0;
    int got = std::fscanf(p, "rss_kb=%llu baseline_kb=%llu", &rss, &base);
    int rc = ::pclose(p);
    if (got != 2 || rc != 0 || rss == 0) {
      state.SkipWithError("the child failed");
      break;
    }
    state.counters["idle_rss_mb"] = static_cast<double>(rss) / 1024.0;
    state.counters["process_baseline_mb"] = static_cast<double>(base) / 1024.0;
  }
}
BENCHMARK(BM_idle_node_rss)->Iterations(1)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string{argv[1]} == idle_child_flag)
    return idle_node_child();
  logging_config quiet;
  quiet.level = "warn";
  init_logging(quiet);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
