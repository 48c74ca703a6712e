// The client id fence says "certainly new" only for ids never seen; the book still finds and
// refuses every id it holds or retired, in any order and with any prefix.
#include <random>
#include <set>

#include "actors/orders/client_id_fence.hpp"
#include "actors/orders/order_book.hpp"

#include <gtest/gtest.h>

namespace engine {
namespace {

TEST(client_id_fence, splits_at_the_last_dash_into_a_prefix_and_digits) {
  std::string_view prefix;
  uint64_t n = 0;
  ASSERT_TRUE(client_id_fence::split("noise-41", prefix, n));
  EXPECT_EQ(prefix, "noise");
  EXPECT_EQ(n, 41u);
  ASSERT_TRUE(client_id_fence::split("a-b-007", prefix, n));
  EXPECT_EQ(prefix, "a-b");
  EXPECT_EQ(n, 7u);
  ASSERT_TRUE(client_id_fence::split("x-9999999999999999999", prefix, n)); // 19 digits
  for (const char* not_numbered :
       {"noise", "-5", "noise-", "noise-4x", "noise-+4", "x-99999999999999999999", ""})
    EXPECT_FALSE(client_id_fence::split(not_numbered, prefix, n)) << not_numbered;
}

TEST(client_id_fence, only_a_number_past_its_prefix_highest_is_certainly_new) {
  client_id_fence f;
  EXPECT_FALSE(f.certainly_new("s-1")); // a prefix never seen: don't know
  f.saw("s-5");
  EXPECT_TRUE(f.certainly_new("s-6"));
  EXPECT_FALSE(f.certainly_new("s-5"));
  EXPECT_FALSE(f.certainly_new("s-4"));  // lower: may have been used
  EXPECT_FALSE(f.certainly_new("s-05")); // the same number another way: looked up
  EXPECT_FALSE(f.certainly_new("t-6"));
  EXPECT_FALSE(f.certainly_new("s6"));
  f.saw("s-3"); // out of order: the highest stays
  EXPECT_TRUE(f.certainly_new("s-6"));
  f.saw("plain"); // not numbered: nothing to track, and it can never equal a numbered id
  EXPECT_TRUE(f.certainly_new("s-6"));
}

TEST(client_id_fence, prefixes_past_the_bound_are_never_certainly_new) {
  client_id_fence f;
  for (size_t i = 0; i < client_id_fence::max_prefixes; ++i)
    f.saw("p" + std::to_string(i) + "-1");
  EXPECT_TRUE(f.certainly_new("p0-2"));
  f.saw("late-1");
  EXPECT_FALSE(f.certainly_new("late-2"));
  EXPECT_FALSE(f.certainly_new("late-1"));
}

TEST(client_id_fence, never_calls_a_seen_id_new) {
  std::mt19937_64 rng{11};
  client_id_fence f;
  std::set<std::string> seen;
  const char* prefixes[] = {"a", "b", "a-b", "noise", "c-"};
  for (int i = 0; i < 20000; ++i) {
    std::string id = std::string{prefixes[rng() % 5]} + "-" + std::to_string(rng() % 500);
    if (rng() % 7 == 0)
      id = "0" + id.substr(id.find('-') + 1); // unnumbered
    if (rng() % 2 == 0) {
      f.saw(id);
      seen.insert(id);
    } else if (f.certainly_new(id)) {
      ASSERT_EQ(seen.count(id), 0u) << id;
    }
  }
}

order_record& take(order_book& book, const std::string& client_id) {
  OrderRequest req;
  req.order_id = book.next_order_id();
  req.client_order_id = client_id;
  req.ticker = "AAPL";
  req.order_type = OrderType::limit;
  req.price = *Price::parse("10");
  req.quantity = *Quantity::parse("1");
  order_record rec;
  rec.exec = book.state_of(req);
  rec.terms = terms_of(req);
  rec.broker = book.route("simulator");
  return book.take(std::move(rec));
}

TEST(client_id_fence, the_book_still_finds_held_and_retired_ids_in_any_order) {
  order_book book{"O", 1, 0}; // closed orders leave at once
  auto& high = take(book, "s-10");
  auto& low = take(book, "s-3"); // a lower number after a higher one
  EXPECT_EQ(book.by_client_id("s-10"), &high);
  EXPECT_EQ(book.by_client_id("s-3"), &low);
  EXPECT_EQ(book.by_client_id("s-11"), nullptr);
  EXPECT_FALSE(book.client_id_retired("s-11"));
  for (auto* r : {&high, &low}) {
    ASSERT_TRUE(book.step(*r, OrderEvent::accept).ok);
    ASSERT_TRUE(book.step(*r, OrderEvent::cancel_request).ok);
    ASSERT_TRUE(book.step(*r, OrderEvent::cancel).ok);
  }
  book.retire();
  book.retire();
  EXPECT_EQ(book.by_client_id("s-10"), nullptr);
  EXPECT_TRUE(book.client_id_retired("s-10"));
  EXPECT_TRUE(book.client_id_retired("s-3"));
  EXPECT_FALSE(book.client_id_retired("s-12"));
  EXPECT_FALSE(book.client_id_retired("s-4")); // below the fence: looked up, and not there
}

} // namespace
} // namespace engine
