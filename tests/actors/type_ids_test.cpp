// Every message type is registered with CAF and survives CAF's own serializer.
#include "messages/type_ids.hpp"

#include <caf/all.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <gtest/gtest.h>

#include "messages/codec.hpp"
#include "tests/messages/random_message.hpp"

using namespace engine;

namespace {

template <class T>
void caf_round_trip(caf::actor_system& sys) {
  engine::testing::randomizer rnd{99};
  for (int i = 0; i < 50; ++i) {
    T x;
    rnd.fill(x);
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    ASSERT_FALSE(sink(x));
    T y;
    caf::binary_deserializer source{sys, buf};
    ASSERT_FALSE(source(y));
    EXPECT_EQ(to_msgpack(x), to_msgpack(y));
  }
}

} // namespace

TEST(TypeIds, AllMessageTypesRoundTripThroughCafSerialization) {
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::engine>();
  caf::actor_system sys{cfg};
#define ENGINE_CAF_ROUND_TRIP(T) caf_round_trip<T>(sys);
  ENGINE_MESSAGE_TYPES(ENGINE_CAF_ROUND_TRIP)
#undef ENGINE_CAF_ROUND_TRIP
  EXPECT_STREQ(caf::type_name<OrderRequest>::value, "engine::OrderRequest");
  EXPECT_EQ(caf::type_id<OrderRequest>::value, caf::first_custom_type_id);
}

TEST(TypeIds, MessagesTravelBetweenActors) {
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::engine>();
  caf::actor_system sys{cfg};
  auto echo = sys.spawn([]() -> caf::behavior {
    return {[](const Fill& f) { return f; }};
  });
  caf::scoped_actor self{sys};
  Fill f;
  f.exec_id = "E1";
  f.price = *Price::parse("1.23");
  self->request(echo, std::chrono::seconds(5), f)
    .receive([&](const Fill& back) { EXPECT_EQ(back.price, f.price); },
             [&](caf::error& e) { FAIL() << sys.render(e); });
  self->send_exit(echo, caf::exit_reason::user_shutdown);
}
