// Determinism: the same seed gives byte-identical events (a hash of to_json of every event).
#include "random_scenario.hpp"
#include "sim_checkers.hpp"

#include "messages/json_writer.hpp"

namespace engine::sim::testing {
namespace {

struct digest {
  uint64_t hash = 1469598103934665603ull; // FNV-1a 64
  size_t events = 0;
  size_t fills = 0;
  std::string first_json;
};

digest run_and_hash(uint64_t seed) {
  random_run run{seed};
  run.run(15'000);
  digest d;
  for (const auto& e : run.all) {
    const std::string j = to_json(e);
    if (d.first_json.empty())
      d.first_json = j;
    for (unsigned char c : j) {
      d.hash ^= c;
      d.hash *= 1099511628211ull;
    }
    ++d.events;
    d.fills += e.what == sim_event::kind::fill;
  }
  return d;
}

TEST(determinism, same_seed_same_bytes) {
  for (uint64_t seed : {11u, 12u, 13u}) {
    auto a = run_and_hash(seed);
    auto b = run_and_hash(seed);
    EXPECT_EQ(a.hash, b.hash) << "seed " << seed;
    EXPECT_EQ(a.events, b.events);
    EXPECT_GT(a.fills, 100u) << "a run with fills proves more than an empty one";
  }
}

TEST(determinism, different_seeds_differ) {
  EXPECT_NE(run_and_hash(11).hash, run_and_hash(12).hash);
}

TEST(determinism, event_json_carries_kind_update_and_fill) {
  harness h;
  h.on_quote(quote("100.00", "100.02", ms(1)));
  h.submit(market("m", OrderSide::buy, 10), ms(2));
  const std::string j = to_json(h.all.back());
  EXPECT_NE(j.find("\"what\":\"fill\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"exec_id\":\"SIM-1\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"price\":\"100.02\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"status\":\"filled\""), std::string::npos) << j;
}

} // namespace
} // namespace engine::sim::testing
