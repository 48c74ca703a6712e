// Journal benchmarks: raw fdatasync latency, append->durable latency, group-commit throughput, replay and recovery speed.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "actors/journal/crc32c.hpp"
#include "actors/journal/journal_reader.hpp"
#include "actors/journal/journal_recovery.hpp"
#include "actors/journal/journal_writer.hpp"

using namespace engine;
namespace fs = std::filesystem;

namespace {

using clock_type = std::chrono::steady_clock;

// <build dir>/bench-tmp: the bench binary lives in <build dir>/bench/, and the
// journal must sit on the project's disk, not a tmpfs.
std::string bench_dir(const std::string& leaf) {
  auto exe = fs::read_symlink("/proc/self/exe");
  auto dir = exe.parent_path().parent_path() / "bench-tmp" / leaf;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

void remove_bench_dir() {
  auto exe = fs::read_symlink("/proc/self/exe");
  fs::remove_all(exe.parent_path().parent_path() / "bench-tmp");
}

Fill sample_fill(int64_t i) {
  Fill f;
  f.exec_id = "E-" + std::to_string(100000000 + i);
  f.order_id = "O-" + std::to_string(50000000 + i / 3);
  f.client_order_id = "rebalancer-" + std::to_string(i);
  f.ticker = "AAPL";
  f.side = i % 2 ? OrderSide::sell : OrderSide::buy;
  f.quantity = Quantity::from_units(100);
  f.price = Price::from_raw(189250000 + i % 1000);
  f.commission = Money::from_raw(1000000);
  f.timestamp = 1700000000000000000 + i;
  f.broker = "simulator";
  return f;
}

void add_percentiles(benchmark::State& state, std::vector<double>& us) {
  if (us.empty())
    return;
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

// Counts completions; wakes the waiter only at its target, so the writer thread
// does not pay a futex wake per record for the benchmark's own bookkeeping.
struct completion_counter {
  std::mutex mtx;
  std::condition_variable cv;
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> target{0};

  journal_writer::completion callback() {
    return [this](uint64_t, bool ok, const std::string&) {
      if (!ok)
        failed.fetch_add(1);
      if (done.fetch_add(1) + 1 == target.load()) {
        std::lock_guard<std::mutex> lk{mtx};
        cv.notify_all();
      }
    };
  }
  void wait_for(uint64_t n) {
    std::unique_lock<std::mutex> lk{mtx};
    target.store(n);
    cv.wait(lk, [&] { return done.load() >= n; });
  }
};

journal_options bench_options(const std::string& dir, fsync_policy p) {
  journal_options o;
  o.dir = dir;
  o.fsync = p;
  o.batch_max_records = 256;
  o.batch_max_us = 500;
  o.rotate = "daily";
  return o;
}

// The floor under everything: one 200-byte line written and fdatasync'ed.
void BM_raw_write_fdatasync_200B(benchmark::State& state) {
  auto dir = bench_dir("raw");
  auto file = dir + "/raw.jsonl";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    state.SkipWithError("cannot open the bench file");
    return;
  }
  std::string line(199, 'x');
  line += '\n';
  std::vector<double> us;
  for (auto _ : state) {
    auto t0 = clock_type::now();
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())
        || ::fdatasync(fd) != 0) {
      state.SkipWithError("write or fdatasync failed");
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
  }
  ::close(fd);
  add_percentiles(state, us);
  state.SetItemsProcessed(state.iterations());
  fs::remove_all(dir);
}
BENCHMARK(BM_raw_write_fdatasync_200B)->UseRealTime();

// One record at a time with `always`: what an order waits for its acknowledgement.
void BM_journal_always_append_to_durable(benchmark::State& state) {
  auto dir = bench_dir("always");
  std::vector<double> us;
  {
    journal_writer w{bench_options(dir, fsync_policy::always), 1};
    completion_counter c;
    int64_t i = 0;
    for (auto _ : state) {
      auto t0 = clock_type::now();
      w.append(journal_stream::trade_log, "fill", sample_fill(i), i, c.callback());
      c.wait_for(static_cast<uint64_t>(++i));
      us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
    }
    if (c.failed != 0)
      state.SkipWithError("a record failed");
    state.counters["syncs_per_record"] =
      static_cast<double>(w.stats().syncs) / static_cast<double>(std::max<int64_t>(i, 1));
  }
  add_percentiles(state, us);
  state.SetItemsProcessed(state.iterations());
  fs::remove_all(dir);
}
BENCHMARK(BM_journal_always_append_to_durable)->UseRealTime();

// Many appends in flight (state.range(0) per iteration), waiting for all to be
// durable; for batch, state.range(1) is batch_max_records (256 is the default).
void journal_throughput(benchmark::State& state, fsync_policy policy, const char* leaf) {
  auto dir = bench_dir(leaf);
  const auto burst = static_cast<uint64_t>(state.range(0));
  {
    auto opts = bench_options(dir, policy);
    if (policy == fsync_policy::batch)
      opts.batch_max_records = state.range(1);
    journal_writer w{opts, 1};
    completion_counter c;
    uint64_t appended = 0;
    // Build the messages outside the timed region: this measures the journal.
    std::vector<Fill> fills;
    for (uint64_t i = 0; i < burst; ++i)
      fills.push_back(sample_fill(static_cast<int64_t>(i)));
    for (auto _ : state) {
      for (const auto& f : fills)
        w.append(journal_stream::trade_log, "fill", f, f.timestamp, c.callback());
      appended += burst;
      c.wait_for(appended);
    }
    if (c.failed != 0)
      state.SkipWithError("a record failed");
    auto st = w.stats();
    state.counters["records_per_sync"] =
      st.syncs == 0 ? 0.0 : static_cast<double>(st.records) / static_cast<double>(st.syncs);
    state.counters["bytes_per_record"] =
      static_cast<double>(st.bytes) / static_cast<double>(std::max<uint64_t>(st.records, 1));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(burst));
  fs::remove_all(dir);
}

void BM_journal_batch_throughput(benchmark::State& state) {
  journal_throughput(state, fsync_policy::batch, "batch");
}
BENCHMARK(BM_journal_batch_throughput)->Args({10000, 256})->Args({10000, 4096})->UseRealTime();

void BM_journal_always_throughput(benchmark::State& state) {
  journal_throughput(state, fsync_policy::always, "always-load");
}
BENCHMARK(BM_journal_always_throughput)->Arg(10000)->UseRealTime();

void BM_journal_never_throughput(benchmark::State& state) {
  journal_throughput(state, fsync_policy::never, "never");
}
BENCHMARK(BM_journal_never_throughput)->Arg(10000)->UseRealTime();

// Replay of a journal of state.range(0) records (crc check and header scan of
// each line, merged by seq across both files), the page cache warm.
void BM_replay(benchmark::State& state) {
  auto dir = bench_dir("replay");
  const auto n = state.range(0);
  {
    journal_writer w{bench_options(dir, fsync_policy::never), 1};
    for (int64_t i = 0; i < n; ++i) {
      auto f = sample_fill(i);
      if (i % 3 == 0)
        w.append(journal_stream::trade_log, "fill", f, i, nullptr);
      else
        w.append(journal_stream::order_book, "accepted", f, i, nullptr);
    }
  }
  uint64_t bytes = 0;
  for (const auto& e : fs::directory_iterator{dir})
    bytes += fs::file_size(e.path());
  for (auto _ : state) {
    uint64_t count = 0;
    auto sum = replay(dir, false, [&](const journal_record& r) { count += r.seq != 0; });
    if (count != static_cast<uint64_t>(n) || !sum.clean()) {
      state.SkipWithError("replay lost records");
      break;
    }
    benchmark::DoNotOptimize(count);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  fs::remove_all(dir);
}
BENCHMARK(BM_replay)->Arg(200000)->UseRealTime()->Unit(benchmark::kMillisecond);

// Recovery of a journal shaped as the engine writes it (accepted, acknowledged,
// fill per order; state.range(0) records): the reader plus decoding every record
// and folding it into orders and fills, as an engine start-up does. CPU time
// is the whole process's.
void BM_recover_journal(benchmark::State& state) {
  auto dir = bench_dir("recover");
  const int64_t orders = state.range(0) / 3;
  const timestamp_ns t = 1'795'964'400'000'000'000; // 2026-11-24 10:00 New York
  {
    journal_writer w{bench_options(dir, fsync_policy::never), 1};
    for (int64_t n = 1; n <= orders; ++n) {
      OrderRequest req;
      req.order_id = "O-" + std::to_string(n);
      req.ticker = "AAPL";
      req.side = n % 2 == 0 ? OrderSide::buy : OrderSide::sell;
      req.order_type = OrderType::market;
      req.quantity = Quantity::from_units(1);
      req.time_in_force = TimeInForce::day;
      req.client_order_id = "c-" + std::to_string(n);
      req.timestamp = t + n;
      req.strategy = "bench";
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
      f.price = Price::from_raw(req.side == OrderSide::buy ? 100'010'000 : 100'000'000);
      f.commission = Money::from_raw(1'000'000);
      f.timestamp = req.timestamp;
      f.broker = "simulator";
      w.append(journal_stream::trade_log, "fill", f, f.timestamp, nullptr);
    }
  }
  const auto records = static_cast<uint64_t>(orders * 3);
  uint64_t bytes = 0;
  for (const auto& e : fs::directory_iterator{dir})
    bytes += fs::file_size(e.path());
  for (auto _ : state) {
    auto rec = std::make_unique<recovered_state>(recover_journal(dir, false));
    if (rec->summary.records != records || rec->fills.size() != static_cast<size_t>(orders)
        || rec->orders.size() != static_cast<size_t>(orders) || rec->open_orders != 0) {
      state.SkipWithError("recovery lost records");
      break;
    }
    benchmark::DoNotOptimize(rec);
    // A start-up keeps what it recovered: freeing it is not part of the figure.
    state.PauseTiming();
    rec.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.SetLabel(crc32c_implementation());
  fs::remove_all(dir);
}
BENCHMARK(BM_recover_journal)
  ->Arg(300000)
  ->MeasureProcessCPUTime()
  ->UseRealTime()
  ->Unit(benchmark::kMillisecond);

// CRC32C alone over a 300-byte line: the instruction against the tables.
void BM_crc32c_300B(benchmark::State& state) {
  std::string line(300, 'x');
  for (size_t i = 0; i < line.size(); ++i)
    line[i] = static_cast<char>('a' + i % 26);
  const bool hw = state.range(0) != 0;
  if (hw && !crc32c_hardware_available()) {
    state.SkipWithError("no CRC32C instruction on this CPU");
    return;
  }
  uint32_t c = 0;
  for (auto _ : state) {
    c = hw ? crc32c_extend_hardware(c, line.data(), line.size())
           : crc32c_extend_portable(c, line.data(), line.size());
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(line.size()));
}
BENCHMARK(BM_crc32c_300B)->ArgName("hardware")->Arg(0)->Arg(1);

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  remove_bench_dir();
  return 0;
}
