// compact_id: ids up to 15 characters inside, longer ones on the heap, both compare as text.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "messages/compact_id.hpp"

using engine::compact_id;

TEST(CompactId, KeepsShortIdsInsideAndLongOnesWhole) {
  compact_id empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.view(), "");

  compact_id fifteen{std::string(15, 'x')};
  EXPECT_EQ(fifteen.size(), 15u);
  EXPECT_EQ(fifteen, std::string(15, 'x'));

  const std::string uuid = "7f3c8a52-1c9e-4b7a-9d2e-5a6b7c8d9e0f";
  compact_id sixteen{std::string(16, 'y')}, long_id{uuid};
  EXPECT_EQ(sixteen.size(), 16u);
  EXPECT_EQ(sixteen, std::string(16, 'y'));
  EXPECT_EQ(long_id, uuid);
  EXPECT_FALSE(long_id.empty());
  EXPECT_NE(long_id, compact_id{"O-1"});
}

TEST(CompactId, CopiesMovesAndAssignsWithoutSharing) {
  const std::string uuid = "7f3c8a52-1c9e-4b7a-9d2e-5a6b7c8d9e0f";
  compact_id a{uuid};
  compact_id b = a; // a copy owns its own text
  a = "O-7";
  EXPECT_EQ(a, "O-7");
  EXPECT_EQ(b, uuid);

  compact_id c = std::move(b);
  EXPECT_EQ(c, uuid);
  EXPECT_TRUE(b.empty()); // NOLINT(bugprone-use-after-move): moved-from is empty, as specified

  c = c; // self-assignment keeps the value
  EXPECT_EQ(c, uuid);
  c = c.view().substr(0, 20); // from its own text
  EXPECT_EQ(c, uuid.substr(0, 20));
  c = std::string(3, 'z'); // heap back to inside
  EXPECT_EQ(c, "zzz");

  compact_id d{"SIM-1"};
  d = std::move(c);
  EXPECT_EQ(d, "zzz");
  EXPECT_EQ(std::string{d}, "zzz");
  EXPECT_EQ(d.str(), "zzz");
}
