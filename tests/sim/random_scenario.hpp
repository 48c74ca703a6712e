// A seeded random run of the fill engine (quotes, trades, orders, cancels, replaces, sessions).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "brokers/sim/fill_engine.hpp"

namespace engine::sim::testing {

/// splitmix64: tiny, seeded, identical on every platform (no std distributions).
class prng {
public:
  explicit prng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform-enough integer in [lo, hi].
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool chance(int percent) { return between(0, 99) < percent; }

private:
  uint64_t s_;
};

/// Drives one engine with a random but seeded stream. After each engine call,
/// `check` sees that call's events while `last` still holds the quote they
/// were made against (timers are run by an explicit advance_to before a quote
/// is applied, so every fill is against the latest quote fed in).
class random_run {
public:
  struct instrument {
    std::string ticker;
    int64_t tick;     // Price raw units
    int64_t mid;      // in ticks
  };

  simulator_config cfg;
  fill_engine eng;
  std::map<std::string, Quote> last;          // latest quote fed, per ticker
  std::map<std::string, OrderRequest> sent;   // accepted orders, with replacements applied
  std::map<std::string, timestamp_ns> live_at; // when each accepted order goes live
  std::vector<sim_event> all;
  std::function<void(const std::vector<sim_event>&)> check;
  timestamp_ns now = 0;
  size_t submitted = 0;

  explicit random_run(uint64_t seed) : cfg(make_config(seed)), eng(cfg), rng_(seed * 7919 + 1) {
    instruments_ = {{"AAA", 10'000, 5'000}, {"BBB", 100, 5'000}, {"CCC", 10'000, 20'000}};
  }

  static simulator_config make_config(uint64_t seed) {
    prng r{seed};
    simulator_config c;
    const char* multipliers[] = {"1", "1.5", "2"};
    c.spread_multiplier = *Rate::parse(multipliers[r.between(0, 2)]);
    c.slippage_bps = Rate::from_units(r.between(0, 10));
    c.impact_bps_per_1000 = Rate::from_units(r.between(0, 3));
    c.execution_delay_ms = r.between(0, 2) * 10;
    c.cancel_delay_ms = r.between(0, 2) * 10;
    c.commission_rate = *Rate::parse("0.0005");
    c.min_commission = *Money::parse("1");
    c.participation_rate = r.chance(30) ? *Rate::parse("0.2") : Rate{};
    c.seed = seed;
    return c;
  }

  void run(int steps) {
    for (int i = 0; i < steps; ++i)
      step();
  }

private:
  void deliver(std::vector<sim_event>& ev) {
    for (const auto& e : ev) {
      if (e.what == sim_event::kind::replaced) {
        auto& o = sent[e.update.order_id];
        o.quantity = e.replacement.quantity;
        o.price = e.replacement.price;
        o.stop_price = e.replacement.stop_price;
      }
    }
    if (check)
      check(ev);
    all.insert(all.end(), ev.begin(), ev.end());
    ev.clear();
  }

  Price price_of(const instrument& in, int64_t ticks) const {
    return Price::from_raw(std::max<int64_t>(ticks, 1) * in.tick);
  }

  std::string pick_id() {
    if (submitted == 0 || rng_.chance(3))
      return "unknown-" + std::to_string(rng_.between(0, 9));
    return "o" + std::to_string(rng_.between(1, static_cast<int64_t>(submitted)));
  }

  void step() {
    std::vector<sim_event> ev;
    now += rng_.between(0, 20) * 1'000'000;
    const int64_t action = rng_.between(0, 999);
    auto& in = instruments_[static_cast<size_t>(rng_.between(0, 2))];
    if (action < 500) {
      // quote: timers first (against the old quote), then the new quote
      eng.advance_to(now, ev);
      deliver(ev);
      in.mid = std::max<int64_t>(in.mid + rng_.between(-3, 3), 20);
      Quote q;
      q.ticker = in.ticker;
      const int64_t bid = in.mid - rng_.between(0, 2);
      q.bid = price_of(in, bid);
      q.ask = price_of(in, bid + rng_.between(1, 4));
      q.bid_size = Quantity::from_units(rng_.chance(5) ? 0 : rng_.between(1, 400));
      q.ask_size = Quantity::from_units(rng_.chance(5) ? 0 : rng_.between(1, 400));
      q.timestamp = now;
      last[q.ticker] = q;
      eng.on_quote(q, ev);
    } else if (action < 600) {
      Trade t;
      t.ticker = in.ticker;
      t.price = price_of(in, in.mid);
      t.size = Quantity::from_units(rng_.between(1, 2000));
      t.timestamp = now;
      eng.on_trade(t, ev);
    } else if (action < 850) {
      submit_random(in, ev);
    } else if (action < 920) {
      CancelRequest c;
      c.order_id = pick_id();
      eng.cancel(c, now, ev);
    } else if (action < 970) {
      replace_random(in, ev);
    } else if (action < 975) {
      if (eng.session_is_open())
        eng.session_close(now, ev);
      else
        eng.session_open(now, ev);
    } else {
      // the owner's timer: jump to the next deadline (the engine is always at `now`)
      if (auto d = eng.next_deadline())
        now = std::max(now, *d);
      eng.advance_to(now, ev);
    }
    deliver(ev);
  }

  void submit_random(const instrument& in, std::vector<sim_event>& ev) {
    OrderRequest o;
    o.order_id = "o" + std::to_string(++submitted);
    o.client_order_id = "c" + o.order_id;
    o.ticker = in.ticker;
    o.side = rng_.chance(50) ? OrderSide::buy : OrderSide::sell;
    const int64_t t = rng_.between(0, 99);
    o.order_type = t < 25   ? OrderType::market
                   : t < 60 ? OrderType::limit
                   : t < 75 ? OrderType::stop
                   : t < 90 ? OrderType::stop_limit
                            : OrderType::trailing_stop;
    const int64_t f = rng_.between(0, 99);
    o.time_in_force = f < 30   ? TimeInForce::day
                      : f < 55 ? TimeInForce::gtc
                      : f < 70 ? TimeInForce::ioc
                      : f < 80 ? TimeInForce::fok
                      : f < 90 ? TimeInForce::gtd
                      : f < 95 ? TimeInForce::opg
                               : TimeInForce::cls;
    o.quantity = rng_.chance(5) ? Quantity::from_raw(rng_.between(1, 50'000'000'000))
                                : Quantity::from_units(rng_.between(rng_.chance(2) ? 0 : 1, 300));
    const bool buy = o.side == OrderSide::buy;
    if (o.order_type == OrderType::limit || o.order_type == OrderType::stop_limit)
      o.price = price_of(in, in.mid + rng_.between(-5, 5));
    if (o.order_type == OrderType::stop || o.order_type == OrderType::stop_limit)
      o.stop_price = price_of(in, in.mid + (buy ? 1 : -1) * rng_.between(0, 6));
    if (o.order_type == OrderType::trailing_stop) {
      if (rng_.chance(50))
        o.trail_amount = price_of(in, rng_.between(1, 8));
      else
        o.trail_percent = Rate::from_raw(rng_.between(1'000'000, 50'000'000));
    }
    if (o.time_in_force == TimeInForce::gtd && !rng_.chance(3))
      o.expire_time = now + rng_.between(1, 3000) * 1'000'000;
    o.timestamp = now;
    o.strategy = "random";
    eng.submit(o, now, ev);
    // due timers may have reported first: find this order's own answer
    for (const auto& e : ev) {
      if (e.update.order_id == o.order_id && e.what == sim_event::kind::accepted) {
        sent[o.order_id] = o;
        live_at[o.order_id] = now + cfg.execution_delay_ms * 1'000'000;
        break;
      }
    }
  }

  void replace_random(const instrument& in, std::vector<sim_event>& ev) {
    ReplaceRequest r;
    r.order_id = pick_id();
    auto it = sent.find(r.order_id);
    if (rng_.chance(60))
      r.quantity = Quantity::from_units(rng_.between(1, 300));
    if (it != sent.end()) {
      const auto& o = it->second;
      const auto& inst = instruments_[o.ticker == "AAA" ? 0 : o.ticker == "BBB" ? 1 : 2];
      if (rng_.chance(50))
        r.price = price_of(inst, inst.mid + rng_.between(-5, 5));
      if (rng_.chance(20))
        r.stop_price = price_of(inst, inst.mid + rng_.between(-5, 5));
    } else if (rng_.chance(50)) {
      r.price = price_of(in, in.mid);
    }
    r.timestamp = now;
    eng.replace(r, now, ev);
  }

  prng rng_;
  std::vector<instrument> instruments_;
};

} // namespace engine::sim::testing
