// Any engine message crosses a node boundary intact; garbage never decodes.
#include "nodes/remote_message.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <random>

#include "messages/codec.hpp"
#include "messages/type_ids.hpp"
#include "tests/messages/random_message.hpp"

using namespace engine;

TEST(RemoteMessage, ProtocolMessagesRoundTrip) {
  engine::testing::randomizer rnd{5};
  OrderRequest o;
  rnd.fill(o);
  QuoteBatch b;
  rnd.fill(b);
  std::vector<Position> ps(3);
  for (auto& p : ps)
    rnd.fill(p);
  std::vector<caf::message> cases{
    caf::make_message(o),
    caf::make_message(step_atom::value, b),
    caf::make_message(get_atom::value, std::string{"O-17"}),
    caf::make_message(done_atom::value, int64_t{-42}),
    caf::make_message(journal_atom::value, std::string{"fill"}, Fill{}),
    caf::make_message(uint64_t{7}),
    caf::make_message(true),
    caf::make_message(TradingState::halted),
    caf::make_message(check_atom::value, uint64_t{3}, RejectReason::max_order_size,
                      std::string{"notional 12000 > max_order_size 10000"}),
    caf::make_message(ps),
    caf::make_message(std::vector<OrderExecution>{OrderExecution{}}),
  };
  for (auto& m : cases) {
    auto bytes = encode_message(m);
    ASSERT_TRUE(bytes) << to_string(m);
    auto back = decode_message(*bytes);
    ASSERT_TRUE(back) << to_string(m);
    EXPECT_EQ(to_string(*back), to_string(m));
    EXPECT_EQ(encode_message(*back), bytes);
  }
  auto again = decode_message(*encode_message(caf::make_message(step_atom::value, b)));
  bool typed = again->match_elements<step_atom, QuoteBatch>();
  EXPECT_TRUE(typed) << "decoded elements keep their types, so handlers match them";
}

TEST(RemoteMessage, ActorHandlesStayHome) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  EXPECT_FALSE(encode_message(caf::make_message(caf::actor_cast<caf::actor>(self))));
  EXPECT_FALSE(encode_message(caf::make_message(1.5)));
}

TEST(RemoteMessage, TruncationsAndGarbageNeverDecode) {
  auto bytes = *encode_message(caf::make_message(step_atom::value, QuoteBatch{{Quote{}}}));
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode_message(std::string_view{bytes}.substr(0, n))) << n;
  EXPECT_FALSE(decode_message(bytes + "x"));
  std::mt19937_64 rng{3};
  for (int i = 0; i < 20000; ++i) {
    std::string junk(rng() % 48, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng());
    auto m = decode_message(junk); // must not crash; rarely decodes
    (void) m;
  }
}
