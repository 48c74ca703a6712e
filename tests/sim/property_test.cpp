// Properties over thousands of seeded random orders: limits, touches, quantities, FOK, IOC.
#include "random_scenario.hpp"
#include "sim_checkers.hpp"

#include <set>

namespace engine::sim::testing {
namespace {

using K = sim_event::kind;

bool has_limit(OrderType t) { return t == OrderType::limit || t == OrderType::stop_limit; }

struct property_stats {
  size_t orders = 0;
  size_t fills = 0;
  size_t limit_fills = 0;
  size_t market_fills = 0;
  size_t fok_fills = 0;
  size_t ioc_checked = 0;
};

property_stats check_seed(uint64_t seed, int steps) {
  random_run run{seed};
  property_stats st;
  std::map<std::string, Quantity> filled;
  std::map<std::string, int> fok_fill_count;
  std::set<std::string> exec_ids;
  std::set<std::string> ioc_watch; // IOC/FOK orders not yet seen finished

  run.check = [&](const std::vector<sim_event>& ev) {
    for (const auto& e : ev) {
      if (e.what == K::accepted) {
        const auto& o = run.sent.count(e.update.order_id) ? run.sent.at(e.update.order_id)
                                                          : OrderRequest{};
        if (o.time_in_force == TimeInForce::ioc || o.time_in_force == TimeInForce::fok)
          ioc_watch.insert(e.update.order_id);
      }
      if (e.what != K::fill)
        continue;
      ++st.fills;
      const auto& f = e.fill;
      SCOPED_TRACE("seed " + std::to_string(seed) + " " + f.exec_id + " " + f.order_id);
      ASSERT_TRUE(exec_ids.insert(f.exec_id).second) << "exec id reused";
      ASSERT_EQ(f.exec_id, "SIM-" + std::to_string(exec_ids.size()));
      ASSERT_TRUE(run.sent.count(f.order_id)) << "fill for an order never accepted";
      const auto& o = run.sent.at(f.order_id);
      const auto& q = run.last.at(f.ticker);
      const bool buy = o.side == OrderSide::buy;
      EXPECT_TRUE(f.quantity.is_positive());
      if (has_limit(o.order_type)) {
        ++st.limit_fills;
        // a buy never fills above its limit, a sell never below; and only when crossed
        if (buy) {
          EXPECT_LE(f.price, o.price);
        } else {
          EXPECT_GE(f.price, o.price);
        }
        if (o.time_in_force != TimeInForce::opg && o.time_in_force != TimeInForce::cls) {
          if (buy) {
            EXPECT_LE(q.ask, o.price);
          } else {
            EXPECT_GE(q.bid, o.price);
          }
        }
      } else {
        ++st.market_fills;
        // a market buy never fills below the ask, a sell never above the bid
        if (buy) {
          EXPECT_GE(f.price, q.ask);
        } else {
          EXPECT_LE(f.price, q.bid);
        }
      }
      auto& total = filled[f.order_id];
      total += f.quantity;
      EXPECT_LE(total, o.quantity) << "filled more than the order";
      EXPECT_EQ(e.update.executed_quantity, total);
      if (e.update.status != OrderStatus::filled) {
        EXPECT_EQ(e.update.executed_quantity + e.update.leaves_quantity, o.quantity);
      } else {
        EXPECT_EQ(total, o.quantity);
        EXPECT_TRUE(e.update.leaves_quantity.is_zero());
      }
      if (o.time_in_force == TimeInForce::fok) {
        ++st.fok_fills;
        EXPECT_EQ(++fok_fill_count[f.order_id], 1) << "FOK filled twice";
        EXPECT_EQ(f.quantity, o.quantity) << "FOK filled partially";
      }
    }
    // an IOC (or FOK) never rests once live
    for (auto it = ioc_watch.begin(); it != ioc_watch.end();) {
      if (run.live_at.at(*it) > run.now) {
        ++it;
        continue;
      }
      ++st.ioc_checked;
      auto x = run.eng.order(*it);
      ASSERT_TRUE(x.has_value());
      EXPECT_TRUE(x->status == OrderStatus::filled || x->status == OrderStatus::canceled)
        << *it << " is " << enum_name(x->status);
      it = ioc_watch.erase(it);
    }
  };
  run.run(steps);
  st.orders = run.submitted;
  // every order's recorded fills add up to its executed quantity
  for (const auto& [id, o] : run.sent) {
    auto x = run.eng.order(id);
    EXPECT_TRUE(x.has_value());
    Quantity sum;
    for (const auto& f : x->fills)
      sum += f.quantity;
    EXPECT_EQ(sum, x->executed_quantity) << id;
    EXPECT_LE(x->executed_quantity, x->quantity) << id;
  }
  return st;
}

TEST(property, invariants_hold_over_random_runs) {
  property_stats total;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    auto st = check_seed(seed, 30'000);
    if (::testing::Test::HasFatalFailure())
      return;
    total.orders += st.orders;
    total.fills += st.fills;
    total.limit_fills += st.limit_fills;
    total.market_fills += st.market_fills;
    total.fok_fills += st.fok_fills;
    total.ioc_checked += st.ioc_checked;
  }
  // the run really exercised what it claims to check
  EXPECT_GT(total.orders, 50'000u);
  EXPECT_GT(total.limit_fills, 1'000u);
  EXPECT_GT(total.market_fills, 1'000u);
  EXPECT_GT(total.fok_fills, 50u);
  EXPECT_GT(total.ioc_checked, 2'000u);
  std::cout << "orders " << total.orders << " fills " << total.fills << " limit fills "
            << total.limit_fills << " market fills " << total.market_fills << " fok fills "
            << total.fok_fills << " ioc/fok checked " << total.ioc_checked << "\n";
}

} // namespace
} // namespace engine::sim::testing
