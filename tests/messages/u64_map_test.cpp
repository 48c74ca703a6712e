// u64_map: the order book's retired-id hashes, checked against std::unordered_map.
#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include "messages/u64_map.hpp"

namespace engine {
namespace {

TEST(u64_map, agrees_with_unordered_map_over_random_keys) {
  u64_map m;
  std::unordered_map<uint64_t, uint32_t> ref;
  std::mt19937_64 rng{7};
  for (uint32_t i = 0; i < 50000; ++i) {
    // Some keys repeat (a small range), most do not: both paths of assign.
    uint64_t k = i % 3 == 0 ? rng() % 1000 : rng();
    bool fresh = ref.count(k) == 0;
    ref[k] = i;
    EXPECT_EQ(m.assign(k, i), fresh);
  }
  EXPECT_EQ(m.size(), ref.size());
  for (auto& [k, v] : ref) {
    auto* found = m.find(k);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(*found, v);
  }
  std::mt19937_64 other{8};
  for (int i = 0; i < 1000; ++i) {
    auto k = other();
    EXPECT_EQ(m.contains(k), ref.count(k) == 1);
  }
}

TEST(u64_map, key_zero_is_a_key_like_any_other) {
  u64_map m;
  EXPECT_TRUE(m.empty());
  EXPECT_FALSE(m.contains(0));
  EXPECT_TRUE(m.insert(0));
  EXPECT_FALSE(m.insert(0));
  EXPECT_TRUE(m.contains(0));
  EXPECT_EQ(m.size(), 1u);
  EXPECT_FALSE(m.assign(0, 5));
  EXPECT_EQ(*m.find(0), 5u);
  EXPECT_FALSE(m.contains(1));
}

TEST(u64_map, as_a_set_insert_says_whether_the_key_is_new) {
  u64_map s;
  EXPECT_TRUE(s.insert(42));
  EXPECT_FALSE(s.insert(42));
  EXPECT_TRUE(s.insert(43));
  EXPECT_EQ(s.size(), 2u);
}

} // namespace
} // namespace engine

namespace engine {
namespace {

TEST(u64_map, a_set_keeps_no_values_and_agrees_with_unordered_map_too) {
  u64_map s{false};
  std::unordered_map<uint64_t, uint32_t> ref;
  std::mt19937_64 rng{9};
  for (int i = 0; i < 20000; ++i) {
    uint64_t k = i % 2 == 0 ? rng() % 500 : rng();
    EXPECT_EQ(s.insert(k), ref.emplace(k, 0).second);
  }
  EXPECT_EQ(s.size(), ref.size());
  for (auto& [k, v] : ref)
    EXPECT_TRUE(s.contains(k));
}

} // namespace
} // namespace engine
