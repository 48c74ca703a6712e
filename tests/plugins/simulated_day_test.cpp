// The GoogleTest helper (nodes/simulated_day.hpp): a compiled-in strategy and a raw CAF actor through a seeded simulated day.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "examples/caf_strategy_actor.hpp"
#include "nodes/simulated_day.hpp"

using namespace engine;
namespace fs = std::filesystem;

namespace {

/// The walk-through's toy from docs/STRATEGIES.md: buys 10 AAPL 0.1% under its
/// first mid and sells when the mid is back at it.
class fade_the_move final : public strategy {
public:
  void on_quote(strategy_context& ctx, const Quote& q) override {
    if (q.ticker != "AAPL")
      return;
    auto mid = mid_price(q);
    if (!anchor_.is_positive())
      anchor_ = mid;
    if (in_flight_)
      return;
    auto pos = ctx.position("AAPL");
    OrderRequest o;
    o.ticker = "AAPL";
    if (pos.is_zero() && mid < mul<Price>(anchor_, *Rate::parse("0.999"), rounding::half_even)) {
      o.side = OrderSide::buy;
      o.quantity = Quantity::from_units(10);
    } else if (pos.is_positive() && mid >= anchor_) {
      o.side = OrderSide::sell;
      o.quantity = pos;
    } else {
      return;
    }
    in_flight_ = true;
    ctx.submit(o);
  }
  void on_fill(strategy_context&, const Fill&) override { ++fills; }
  void on_update(strategy_context&, const OrderUpdate& u) override {
    if (u.status == OrderStatus::filled || u.status == OrderStatus::rejected ||
        u.status == OrderStatus::canceled)
      in_flight_ = false;
  }
  static inline int fills = 0;

private:
  Price anchor_;
  bool in_flight_ = false;
};

struct SimulatedDay : ::testing::Test {
  void SetUp() override {
    char tmpl[] = "/tmp/engine-day-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
};

} // namespace

TEST_F(SimulatedDay, ACompiledInStrategyAndACafActorTradeThroughTheDay) {
  auto cfg = engine::testing::simulated_day_config((dir / "journal").string());
  engine::testing::add_strategy(cfg, "fade", [](const strategy_config&) {
    return std::make_unique<fade_the_move>();
  });
  engine::testing::add_strategy_actor(cfg, "holder", example::buy_and_hold_maker(Quantity::from_units(5)));
  auto r = engine::testing::run_simulated_day(cfg);

  EXPECT_GT(fade_the_move::fills, 0) << "the toy traded";
  ASSERT_EQ(r.strategies.size(), 2u);
  EXPECT_EQ(r.strategies[0], (std::pair<std::string, std::string>{"fade", "running"}));
  // The actor bought 5 of each of the four tickers, each in one fill.
  EXPECT_EQ(r.strategies[1], (std::pair<std::string, std::string>{"holder", "running, 4 fills"}));
  EXPECT_EQ(r.orders.rejected, 0);
  EXPECT_EQ(r.orders.fills, fade_the_move::fills + 4);
  // What the actor holds is in the books (the toy ends flat or long 10 AAPL).
  for (auto& p : r.positions) {
    auto held = p.ticker == "AAPL" ? p.quantity - Quantity::from_units(5) : p.quantity;
    if (p.ticker == "AAPL")
      EXPECT_TRUE(held.is_zero() || held == Quantity::from_units(10)) << held.to_string();
    else
      EXPECT_EQ(held, Quantity::from_units(5)) << p.ticker;
  }
}
