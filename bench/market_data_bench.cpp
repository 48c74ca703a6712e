// Throughput of market data sources: synthetic quotes per second and CSV quote rows parsed per second.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "actors/clock/iso8601.hpp"
#include "actors/market_data/csv_replay.hpp"
#include "actors/market_data/synthetic_quotes.hpp"

namespace {

using namespace engine;

const timestamp_ns start = 1795530600LL * 1000000000LL; // 2026-11-24T09:30:00-05:00

std::vector<synthetic_ticker> tickers() {
  auto make = [](const char* name, const char* px, const char* vol) {
    synthetic_ticker t;
    t.ticker = name;
    t.start_price = *Price::parse(px);
    t.volatility = *Rate::parse(vol);
    t.drift = *Rate::parse("0.05");
    t.spread_bps = *Rate::parse("2");
    t.bid_size = Quantity::from_units(100);
    t.ask_size = Quantity::from_units(100);
    return t;
  };
  return {make("AAPL", "230.50", "0.25"), make("MSFT", "418.00", "0.20"),
          make("SPY", "590.00", "0.15")};
}

// Quotes per second through next_batch into a recycled vector (the actor's path).
void BM_synthetic_next_batch(benchmark::State& state) {
  synthetic_quotes gen(tickers(), 42, start, 100);
  std::vector<Quote> batch;
  size_t n = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    gen.next_batch(n, batch);
    benchmark::DoNotOptimize(batch.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_synthetic_next_batch)->Arg(64)->Arg(1024);

// With size jitter and trades on: the extra stream's cost.
void BM_synthetic_next_batch_with_trades(benchmark::State& state) {
  synthetic_options opts;
  opts.size_jitter = 0.5;
  opts.trade_probability = 0.2;
  synthetic_quotes gen(tickers(), 42, start, 100, opts);
  std::vector<Quote> batch;
  std::vector<Trade> trades;
  for (auto _ : state) {
    gen.next_batch(64, batch, &trades);
    benchmark::DoNotOptimize(batch.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 64));
}
BENCHMARK(BM_synthetic_next_batch_with_trades);

// A quotes CSV of `rows` rows in the temp directory, ISO or epoch-ns timestamps.
std::string write_quotes_csv(size_t rows, bool iso) {
  auto path = std::filesystem::temp_directory_path() /
              (std::string("market_data_bench_") + (iso ? "iso" : "ns") + ".csv");
  std::ofstream f(path);
  f << "ts,ticker,bid,ask,bid_size,ask_size\n";
  synthetic_quotes gen(tickers(), 7, start, 100);
  for (size_t i = 0; i < rows; ++i) {
    Quote q = gen.next();
    f << (iso ? format_iso8601(q.timestamp, -300) : std::to_string(q.timestamp)) << ','
      << q.ticker << ',' << q.bid.to_string() << ',' << q.ask.to_string() << ','
      << q.bid_size.to_string() << ',' << q.ask_size.to_string() << '\n';
  }
  return path.string();
}

// Rows per second read from a file (page cache warm) and parsed into Quotes.
void BM_csv_quote_rows(benchmark::State& state) {
  const size_t rows = 100000;
  bool iso = state.range(0) != 0;
  std::string path = write_quotes_csv(rows, iso);
  size_t total = 0;
  for (auto _ : state) {
    quote_csv_reader r(path, csv_error_policy::stop);
    Quote q;
    while (r.next(q))
      ++total;
  }
  if (total != rows * state.iterations())
    state.SkipWithError("row count mismatch");
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.SetLabel(iso ? "iso8601 ts" : "epoch ns ts");
  std::remove(path.c_str());
}
BENCHMARK(BM_csv_quote_rows)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

void BM_parse_iso8601(benchmark::State& state) {
  std::string text = "2026-11-24T09:30:00.123456-05:00";
  for (auto _ : state)
    benchmark::DoNotOptimize(parse_iso8601(text));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_parse_iso8601);

} // namespace

BENCHMARK_MAIN();
