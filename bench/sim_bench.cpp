// Fill engine throughput: quotes/s (idle, 10,000 resting orders, trailing stops) and fills/s.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "brokers/sim/fill_engine.hpp"

namespace {

using namespace engine;
using namespace engine::sim;

const std::vector<std::string> tickers = {"AAPL", "MSFT", "NVDA", "TSLA"};

/// A deterministic stream of quotes wandering a few cents around 100 on 4 tickers.
std::vector<Quote> make_quotes(size_t n) {
  std::vector<Quote> qs;
  qs.reserve(n);
  uint64_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    Quote q;
    q.ticker = tickers[i % tickers.size()];
    const int64_t cents = 10'000 + static_cast<int64_t>((x >> 33) % 41) - 20;
    q.bid = Price::from_raw(cents * 10'000);
    q.ask = Price::from_raw((cents + 1 + static_cast<int64_t>((x >> 20) % 3)) * 10'000);
    q.bid_size = Quantity::from_units(100 + static_cast<int64_t>((x >> 40) % 900));
    q.ask_size = Quantity::from_units(100 + static_cast<int64_t>((x >> 45) % 900));
    qs.push_back(q);
  }
  return qs;
}

simulator_config bench_config() {
  simulator_config c;
  c.slippage_bps = Rate::from_units(1);
  c.commission_rate = *Rate::parse("0.0005");
  c.min_commission = *Money::parse("1");
  return c;
}

void run_quotes(benchmark::State& state, fill_engine& eng, timestamp_ns t0) {
  auto quotes = make_quotes(4096);
  std::vector<sim_event> out;
  timestamp_ns t = t0;
  size_t i = 0;
  for (auto _ : state) {
    Quote& q = quotes[i];
    q.timestamp = ++t;
    eng.on_quote(q, out);
    if (++i == quotes.size())
      i = 0;
    out.clear();
  }
  state.SetItemsProcessed(state.iterations());
}

void quotes_no_resting(benchmark::State& state) {
  fill_engine eng{bench_config()};
  eng.set_universe(tickers);
  run_quotes(state, eng, 1);
}
BENCHMARK(quotes_no_resting);

/// One 100.00 / 100.01 quote per ticker with `size` on each side, at t, t+1, ...
void open_market(fill_engine& eng, std::vector<sim_event>& out, timestamp_ns& t, Quantity size) {
  for (const auto& tk : tickers) {
    Quote q;
    q.ticker = tk;
    q.bid = *Price::parse("100.00");
    q.ask = *Price::parse("100.01");
    q.bid_size = q.ask_size = size;
    q.timestamp = t++;
    eng.on_quote(q, out);
  }
}

void quotes_10k_resting(benchmark::State& state) {
  fill_engine eng{bench_config()};
  eng.set_universe(tickers);
  std::vector<sim_event> out;
  timestamp_ns t = 1;
  open_market(eng, out, t, Quantity::from_units(500));
  // 10,000 limit orders 10-30% away from the market, both sides, 4 tickers
  for (int i = 0; i < 10'000; ++i) {
    OrderRequest o;
    o.order_id = "r" + std::to_string(i);
    o.ticker = tickers[static_cast<size_t>(i) % tickers.size()];
    o.side = i % 2 == 0 ? OrderSide::buy : OrderSide::sell;
    o.order_type = OrderType::limit;
    o.time_in_force = TimeInForce::gtc;
    o.quantity = Quantity::from_units(100);
    const int64_t off = 1'000 + (i * 7) % 2'000; // cents
    o.price = Price::from_raw((o.side == OrderSide::buy ? 10'000 - off : 10'000 + off) * 10'000);
    eng.submit(o, t++, out);
  }
  if (eng.resting_orders() != 10'000)
    state.SkipWithError("setup: orders did not rest");
  out.clear();
  run_quotes(state, eng, t);
}
BENCHMARK(quotes_10k_resting);

/// Trailing stops are visited on every quote of their ticker (their water marks
/// move): this shows that cost, 1,000 of them that never trigger.
void quotes_1k_trailing(benchmark::State& state) {
  fill_engine eng{bench_config()};
  eng.set_universe(tickers);
  std::vector<sim_event> out;
  timestamp_ns t = 1;
  open_market(eng, out, t, Quantity::from_units(500));
  for (int i = 0; i < 1'000; ++i) {
    OrderRequest o;
    o.order_id = "t" + std::to_string(i);
    o.ticker = tickers[static_cast<size_t>(i) % tickers.size()];
    o.side = i % 2 == 0 ? OrderSide::buy : OrderSide::sell;
    o.order_type = OrderType::trailing_stop;
    o.time_in_force = TimeInForce::gtc;
    o.quantity = Quantity::from_units(100);
    o.trail_percent = *Rate::parse("0.2");
    eng.submit(o, t++, out);
  }
  if (eng.resting_orders() != 1'000)
    state.SkipWithError("setup: orders did not rest");
  out.clear();
  run_quotes(state, eng, t);
}
BENCHMARK(quotes_1k_trailing);

void orders_filled(benchmark::State& state) {
  fill_engine eng{bench_config()};
  eng.set_universe(tickers);
  std::vector<sim_event> out;
  timestamp_ns t = 1;
  open_market(eng, out, t, Quantity::from_units(1'000'000'000)); // never runs dry
  OrderRequest o;
  o.order_type = OrderType::market;
  o.quantity = Quantity::from_units(100);
  o.client_order_id = "bench";
  o.strategy = "bench";
  uint64_t n = 0;
  size_t fills = 0;
  for (auto _ : state) {
    o.order_id = "m" + std::to_string(++n);
    o.ticker = tickers[n % tickers.size()];
    o.side = n % 2 == 0 ? OrderSide::buy : OrderSide::sell;
    eng.submit(o, ++t, out);
    fills += out.size() - 1;
    out.clear();
    if ((n & 4095) == 0)
      eng.prune_finished(); // an owner running for days does this at the close
  }
  if (static_cast<benchmark::IterationCount>(fills) != state.iterations())
    state.SkipWithError("not every order filled");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(orders_filled);

} // namespace

BENCHMARK_MAIN();
