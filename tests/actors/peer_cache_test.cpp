// The peer cache: a handle by name, looked up again only after the directory changed.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/peer_cache.hpp"

namespace engine {
namespace {

caf::behavior idle(caf::event_based_actor*) {
  return {[](int) {}};
}

TEST(peer_cache, sees_every_put_erase_and_clear_of_the_directory) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto a = sys.spawn(idle);
  auto b = sys.spawn(idle);
  auto dir = std::make_shared<actor_directory>();
  peer_cache cache{dir};

  EXPECT_FALSE(cache.get("x")) << "not registered yet";
  dir->put("x", a);
  EXPECT_EQ(cache.get("x"), a) << "a put after a miss is seen";
  auto v = dir->version();
  EXPECT_EQ(cache.get("x"), a);
  EXPECT_EQ(dir->version(), v) << "a lookup does not change the directory";
  dir->put("x", b);
  EXPECT_EQ(cache.get("x"), b) << "a replaced handle is seen";
  dir->erase("x");
  EXPECT_FALSE(cache.get("x")) << "an erased name is seen";
  dir->put("y", a);
  dir->clear();
  EXPECT_FALSE(cache.get("y"));
  EXPECT_FALSE(peer_cache{}.get("x")) << "no directory: nothing found";
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace engine
