// libtest_strategies.so: plug-in strategies that misbehave on purpose, for the loader and host tests.
#include "actors/strategy_plugin.hpp"

#include <stdexcept>

namespace {

using namespace engine;
using namespace engine::config_read;

/// Its constructor throws, as one that cannot reach what it needs would.
class throws_in_constructor final : public strategy {
public:
  explicit throws_in_constructor(const plugin_params&) {
    throw std::runtime_error("cannot reach the model server");
  }
};

/// Validates its params like a careful plug-in: window in [2, 100], a ticker.
class strict_params final : public strategy {
public:
  explicit strict_params(const plugin_params& p) {
    auto s = p.keys({"ticker", "window"});
    read_nonempty_string(s.require("ticker"));
    read_int(s.require("window"), between<int64_t>(2, 100));
  }
};

/// Rests a limit buy 5% under the bid and buys one share at market on its
/// first quote, then throws from on_quote at quote `after`.
class throws_in_callback final : public strategy {
public:
  explicit throws_in_callback(const plugin_params& p) {
    auto s = p.keys({"ticker", "after"});
    ticker_ = read_nonempty_string(s.require("ticker"));
    after_ = read_int(s.require("after"), between<int64_t>(1, 1'000'000));
  }
  void on_quote(strategy_context& ctx, const Quote& q) override {
    if (q.ticker != ticker_)
      return;
    if (++seen_ == 1) {
      OrderRequest rest;
      rest.ticker = ticker_;
      rest.side = OrderSide::buy;
      rest.order_type = OrderType::limit;
      rest.price = mul<Price>(q.bid, *Rate::parse("0.95"), rounding::half_even)
                     .round_to(*Price::parse("0.01"), rounding::toward_zero);
      rest.quantity = Quantity::from_units(2);
      ctx.submit(rest);
      OrderRequest now;
      now.ticker = ticker_;
      now.side = OrderSide::buy;
      now.quantity = Quantity::from_units(1);
      ctx.submit(now);
    }
    if (seen_ == after_)
      throw std::runtime_error("model diverged at quote " + std::to_string(seen_));
  }

private:
  std::string ticker_;
  int64_t after_ = 0;
  int64_t seen_ = 0;
};

const plugin_class classes[] = {
  plugin_class::of<throws_in_constructor>("throws_in_constructor"),
  plugin_class::of<strict_params>("strict_params"),
  plugin_class::of<throws_in_callback>("throws_in_callback"),
};

} // namespace

ENGINE_STRATEGY_PLUGIN(classes)
