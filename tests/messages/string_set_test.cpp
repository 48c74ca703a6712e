// string_set: the books' execution-id sets, checked against std::set.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "messages/string_set.hpp"

namespace engine {
namespace {

TEST(string_set, inserts_once_and_erases_what_it_holds) {
  string_set s;
  EXPECT_TRUE(s.insert("E-1"));
  EXPECT_FALSE(s.insert("E-1")) << "a second insert is refused";
  EXPECT_TRUE(s.insert("a-long-execution-id-0123456789abcdef"));
  EXPECT_EQ(s.size(), 2u);
  EXPECT_TRUE(s.count("E-1"));
  EXPECT_TRUE(s.erase("E-1")) << "the first key: the last one moves into its place";
  EXPECT_FALSE(s.erase("E-1"));
  EXPECT_TRUE(s.contains("a-long-execution-id-0123456789abcdef")) << "the moved key is still found";
  EXPECT_EQ(s.size(), 1u);
  s.clear();
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.count("a-long-execution-id-0123456789abcdef"));
}

TEST(string_set, copies_and_moves_keep_every_key_findable) {
  string_set s;
  for (int i = 0; i < 100; ++i)
    s.insert("X-" + std::to_string(i));
  string_set copy = s;
  string_set moved = std::move(s);
  copy.erase("X-7");
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(moved.count("X-" + std::to_string(i))) << i;
    EXPECT_EQ(copy.count("X-" + std::to_string(i)), i == 7 ? 0u : 1u) << i;
  }
  string_set assigned;
  assigned = copy;
  EXPECT_EQ(assigned.size(), 99u);
  EXPECT_TRUE(assigned.insert("X-7"));
  EXPECT_FALSE(copy.count("X-7")) << "a copy is independent";
}

TEST(string_set, agrees_with_std_set_under_random_inserts_and_erases) {
  std::mt19937 rng{42};
  std::uniform_int_distribution<int> key{0, 2000}, op{0, 2};
  string_set s;
  std::set<std::string> ref;
  for (int step = 0; step < 50000; ++step) {
    auto k = "F-" + std::to_string(key(rng));
    if (op(rng) == 0)
      ASSERT_EQ(s.erase(k), ref.erase(k) == 1) << step;
    else
      ASSERT_EQ(s.insert(k), ref.insert(k).second) << step;
    ASSERT_EQ(s.size(), ref.size()) << step;
  }
  for (int k = 0; k <= 2000; ++k) {
    auto x = "F-" + std::to_string(k);
    ASSERT_EQ(s.count(x), ref.count(x)) << x;
  }
  std::set<std::string> listed(s.begin(), s.end());
  EXPECT_EQ(listed, ref);
}

} // namespace
} // namespace engine
