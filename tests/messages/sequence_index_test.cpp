// sequence_index: the order book's window of its own ids, checked against std::map.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "messages/sequence_index.hpp"

namespace engine {
namespace {

TEST(sequence_index, reads_only_its_own_form) {
  sequence_index ix{"O"};
  EXPECT_EQ(ix.number_of("O-17"), 17u);
  EXPECT_EQ(ix.number_of("O-0"), 0u);
  EXPECT_FALSE(ix.number_of("O-017")); // never written with leading zeros
  EXPECT_FALSE(ix.number_of("O-"));
  EXPECT_FALSE(ix.number_of("O-1x"));
  EXPECT_FALSE(ix.number_of("P-1"));
  EXPECT_FALSE(ix.number_of("OO-1"));
  EXPECT_FALSE(ix.number_of("alpaca-7f3a"));
  EXPECT_FALSE(ix.number_of("O-99999999999999999999999")); // too big for 64 bits
}

TEST(sequence_index, refuses_what_does_not_continue_the_window) {
  sequence_index ix{"O"};
  EXPECT_TRUE(ix.append("O-5", 0));
  EXPECT_TRUE(ix.append("O-6", 1));
  EXPECT_FALSE(ix.append("O-6", 2)); // not after the last
  EXPECT_FALSE(ix.append("O-3", 2)); // before the window
  EXPECT_FALSE(ix.append("broker-9", 2));
  EXPECT_FALSE(ix.append("O-" + std::to_string(7 + sequence_index::max_gap + 1), 2));
  EXPECT_TRUE(ix.append("O-10", 2)); // a small gap is bridged
  EXPECT_EQ(ix.find("O-8"), sequence_index::none);
  EXPECT_EQ(ix.find("O-10"), 2u);
  EXPECT_FALSE(ix.erase("O-8")); // a gap holds nothing
  EXPECT_EQ(ix.size(), 3u);
  EXPECT_EQ(ix.span(), 6u);
}

TEST(sequence_index, agrees_with_a_map_as_ids_come_and_go) {
  sequence_index ix{"O"};
  std::map<uint64_t, uint32_t> ref;
  std::mt19937_64 rng{11};
  uint64_t next = 1;
  for (uint32_t i = 0; i < 200000; ++i) {
    if (rng() % 3 != 0) {
      auto n = next++;
      ASSERT_TRUE(ix.append("O-" + std::to_string(n), i));
      ref[n] = i;
    } else if (!ref.empty()) {
      // Mostly the oldest go (orders close roughly in order), sometimes any.
      auto it = rng() % 4 == 0 ? std::next(ref.begin(), static_cast<long>(rng() % ref.size()))
                               : ref.begin();
      ASSERT_TRUE(ix.erase("O-" + std::to_string(it->first)));
      ref.erase(it);
    }
    if (i % 1000 == 0) {
      // Moving the front to another index keeps every id findable in one of the two.
      ix.trim_to(4 * ix.size() + 16, [&](uint32_t slot) {
        auto it = std::find_if(ref.begin(), ref.end(), [&](auto& e) { return e.second == slot; });
        ASSERT_NE(it, ref.end());
        ref.erase(it); // now the other index's
      });
      ASSERT_EQ(ix.size(), ref.size());
      ASSERT_LE(ix.span(), 4 * ix.size() + 16);
    }
  }
  EXPECT_EQ(ix.size(), ref.size());
  for (auto& [n, slot] : ref)
    EXPECT_EQ(ix.find("O-" + std::to_string(n)), slot);
  EXPECT_EQ(ix.find("O-" + std::to_string(next)), sequence_index::none);
  EXPECT_EQ(ix.find("O-0"), sequence_index::none);
}

} // namespace
} // namespace engine
