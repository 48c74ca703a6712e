// Two bridges in one process on 127.0.0.1: a request crosses, a peer that goes silent is
// reported down to the monitors, then up when it returns, and what arrives for an actor that
// has not started yet waits for it.
#include "nodes/remote_bridge.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <future>
#include <optional>
#include <thread>

#include "actors/actor_directory.hpp"
#include "messages/type_ids.hpp"

using namespace engine;

namespace {

struct node_system {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<actor_directory> dir = std::make_shared<actor_directory>();
  node_system() {
    cfg.add_message_types<caf::id_block::engine>();
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

app_config two_nodes() {
  app_config cfg;
  auto base = 26000 + (getpid() % 400) * 10;
  node_config a;
  a.name = "a";
  a.endpoint = "tcp://127.0.0.1:" + std::to_string(base + 1);
  a.actors = {"order_manager"};
  node_config b;
  b.name = "b";
  b.endpoint = "tcp://127.0.0.1:" + std::to_string(base + 2);
  b.actors = {"position_keeper"};
  cfg.nodes = {a, b};
  return cfg;
}

bool wait_status(caf::scoped_actor& self, const std::string& node, bool up) {
  bool seen = false;
  for (int i = 0; i < 20 && !seen; ++i)
    self->receive([&](const PeerStatus& ps) { seen = ps.node == node && ps.up == up; },
                  caf::after(std::chrono::seconds(1)) >> [] {});
  return seen;
}

} // namespace

TEST(PeerStatus, RequestsCrossAndSilentPeersAreReportedDownThenUp) {
  auto cfg = two_nodes();
  node_system na;
  remote_bridge bridge_a{*na.sys, na.dir, cfg, "a"};
  bridge_a.start();
  caf::scoped_actor watcher{*na.sys};
  watcher->send(na.dir->get(names::gateway), subscribe_atom::value,
                caf::actor_cast<caf::actor>(watcher));

  for (int round = 0; round < 2; ++round) {
    node_system nb;
    auto keeper = nb.sys->spawn([]() -> caf::behavior {
      return {[](account_atom) {
        AccountInfo a;
        a.account_id = "on node b";
        a.cash = Money::from_units(42);
        return a;
      }};
    });
    nb.dir->put(names::position_keeper, keeper);
    auto bridge_b = std::make_unique<remote_bridge>(*nb.sys, nb.dir, cfg, "b");
    bridge_b->start();
    ASSERT_TRUE(wait_status(watcher, "b", true)) << "round " << round;
    // The proxy on a answers a request with what the actor on b said.
    watcher->request(na.dir->get(names::position_keeper), std::chrono::seconds(10), account_atom::value)
      .receive(
        [&](const AccountInfo& acc) {
          EXPECT_EQ(acc.account_id, "on node b");
          EXPECT_EQ(acc.cash, Money::from_units(42));
        },
        [&](caf::error& e) { FAIL() << na.sys->render(e); });
    bridge_b.reset(); // node b goes away
    caf::anon_send_exit(keeper, caf::exit_reason::user_shutdown);
    EXPECT_TRUE(wait_status(watcher, "b", false)) << "round " << round;
  }
  bridge_a.stop();
}

// A node starts some of its actors (its strategies) only after its peers are up, so what a
// peer sends first can arrive before its target exists: it waits for it, in order.
TEST(PeerStatus, MessagesForAnActorNotStartedYetWaitForIt) {
  auto cfg = two_nodes();
  node_system na, nb;
  remote_bridge bridge_a{*na.sys, na.dir, cfg, "a"};
  remote_bridge bridge_b{*nb.sys, nb.dir, cfg, "b"};
  bridge_a.start();
  bridge_b.start();
  ASSERT_TRUE(bridge_a.wait_peers_up(std::chrono::seconds(10)));
  caf::scoped_actor self{*na.sys};
  auto proxy = na.dir->get(names::position_keeper);
  self->send(proxy, done_atom::value, std::string{"first"});
  self->send(proxy, done_atom::value, std::string{"second"});
  std::optional<AccountInfo> answer;
  std::string failure;
  auto asked = std::async(std::launch::async, [&] {
    caf::scoped_actor asker{*na.sys};
    asker->request(proxy, std::chrono::seconds(10), account_atom::value)
      .receive([&](const AccountInfo& a) { answer = a; },
               [&](caf::error& e) { failure = na.sys->render(e); });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // everything is at b by now
  auto keeper = nb.sys->spawn([]() -> caf::behavior {
    auto seen = std::make_shared<std::string>();
    return {
      [=](done_atom, const std::string& s) { seen->append(s).append(" "); },
      [=](account_atom) {
        AccountInfo a;
        a.account_id = *seen;
        return a;
      },
    };
  });
  nb.dir->put(names::position_keeper, keeper);
  asked.wait();
  ASSERT_TRUE(answer) << failure;
  EXPECT_EQ(answer->account_id, "first second "); // the sends, then the request, as sent
  caf::anon_send_exit(keeper, caf::exit_reason::user_shutdown);
  bridge_b.stop();
  bridge_a.stop();
}
