// exec_id_set: runs of numbered exec ids plus a string_set, checked against std::set.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "messages/exec_id_set.hpp"
#include "messages/numbered_id.hpp"

namespace engine {
namespace {

TEST(exec_id_set, a_numbered_streak_is_one_run_and_refuses_repeats) {
  exec_id_set s;
  for (int i = 1; i <= 1000; ++i)
    ASSERT_TRUE(s.insert("SIM-E-" + std::to_string(i))) << i;
  EXPECT_EQ(s.size(), 1000u);
  EXPECT_FALSE(s.insert("SIM-E-1"));
  EXPECT_FALSE(s.insert("SIM-E-1000"));
  EXPECT_TRUE(s.contains("SIM-E-500"));
  EXPECT_FALSE(s.contains("SIM-E-1001"));
  EXPECT_FALSE(s.contains("SIM-E-0"));
  EXPECT_FALSE(s.contains("OTHER-E-5")) << "another prefix";
}

TEST(exec_id_set, other_spellings_are_other_ids) {
  exec_id_set s;
  ASSERT_TRUE(s.insert("E-7"));
  EXPECT_FALSE(s.contains("E-07")) << "a leading zero is another string";
  EXPECT_TRUE(s.insert("E-07"));
  EXPECT_FALSE(s.insert("E-07"));
  EXPECT_TRUE(s.insert("E-8"));
  EXPECT_TRUE(s.contains("E-7"));
  EXPECT_TRUE(s.insert("0000e0d5.6548d1f2.01.01")) << "an IBKR-style id";
  EXPECT_TRUE(s.insert("b3f0c2de-8a1f-4c6e-9d5a-123456789012")) << "a UUID ending in digits";
  EXPECT_TRUE(s.contains("b3f0c2de-8a1f-4c6e-9d5a-123456789012"));
  EXPECT_FALSE(s.contains("b3f0c2de-8a1f-4c6e-9d5a-123456789013"));
  EXPECT_TRUE(s.insert("-5")) << "no prefix";
  EXPECT_TRUE(s.insert("E-"));
  EXPECT_EQ(s.size(), 7u);
}

TEST(exec_id_set, a_number_out_of_turn_joins_the_run_when_the_gap_closes) {
  exec_id_set s;
  ASSERT_TRUE(s.insert("E-1"));
  ASSERT_TRUE(s.insert("E-3")) << "past a gap: kept aside";
  ASSERT_TRUE(s.insert("E-4"));
  EXPECT_TRUE(s.contains("E-3"));
  EXPECT_FALSE(s.contains("E-2"));
  ASSERT_TRUE(s.insert("E-2")) << "closes the gap; 3 and 4 move into the run";
  EXPECT_FALSE(s.insert("E-3"));
  EXPECT_FALSE(s.insert("E-4"));
  EXPECT_TRUE(s.insert("E-5"));
  EXPECT_FALSE(s.insert("E-5"));
  EXPECT_EQ(s.size(), 5u);
}

TEST(exec_id_set, agrees_with_std_set_under_random_inserts) {
  std::mt19937 rng{17};
  std::uniform_int_distribution<int> number{0, 400}, prefix{0, 70}, shape{0, 9};
  exec_id_set s;
  std::set<std::string> expected;
  // Mostly streaks (as a venue numbers its fills), with repeats, gaps, leading zeros and
  // more prefixes than there are runs.
  std::vector<int> next(71, 1);
  for (int step = 0; step < 60000; ++step) {
    int p = prefix(rng) % (step < 30000 ? 3 : 71);
    std::string id;
    switch (shape(rng)) {
      case 0: id = "P" + std::to_string(p) + "-" + std::to_string(number(rng)); break;
      case 1: id = "P" + std::to_string(p) + "-0" + std::to_string(number(rng) % 20); break;
      case 2: id = "free-form-" + std::to_string(number(rng)) + "x"; break;
      default: id = "P" + std::to_string(p) + "-" + std::to_string(next[p]++); break;
    }
    bool fresh = expected.insert(id).second;
    ASSERT_EQ(s.insert(id), fresh) << id << " at step " << step;
    ASSERT_EQ(s.size(), expected.size()) << step;
    std::string probe = "P" + std::to_string(p) + "-" + std::to_string(number(rng));
    ASSERT_EQ(s.contains(probe), expected.count(probe) == 1) << probe << " at step " << step;
  }
  for (auto& id : expected)
    ASSERT_TRUE(s.contains(id)) << id;
  exec_id_set copy = s;
  EXPECT_EQ(copy.size(), expected.size());
  EXPECT_FALSE(copy.insert(*expected.begin()));
}

TEST(numbered_id, canonical_digits_have_no_leading_zero) {
  EXPECT_TRUE(canonical_number("E-0"));
  EXPECT_TRUE(canonical_number("E-10"));
  EXPECT_FALSE(canonical_number("E-010"));
  std::string_view prefix;
  uint64_t n = 0;
  ASSERT_TRUE(split_numbered_id("SIM-E-42", prefix, n));
  EXPECT_EQ(prefix, "SIM-E");
  EXPECT_EQ(n, 42u);
}

} // namespace
} // namespace engine
