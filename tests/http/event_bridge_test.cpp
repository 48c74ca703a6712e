// /events batching: coalescing and caps of a batch, the hub's queue, and the bridge following orders, fills and broker states.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "messages/json_writer.hpp"
#include "messages/type_ids.hpp"
#include "nodes/http/event_bridge.hpp"
#include "nodes/http/event_hub.hpp"
#include "nodes/http/event_tap.hpp"

namespace engine::http {
namespace {

using std::chrono::steady_clock;

OrderUpdate update(const std::string& id, OrderStatus s) {
  OrderUpdate u;
  u.order_id = id;
  u.client_order_id = "c-" + id;
  u.ticker = "AAPL";
  u.status = s;
  return u;
}

Fill fill(const std::string& id, const std::string& ticker = "AAPL") {
  Fill f;
  f.exec_id = "X-" + id;
  f.order_id = id;
  f.ticker = ticker;
  f.quantity = Quantity::from_units(1);
  return f;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

TEST(event_batch_test, an_orders_latest_state_replaces_the_earlier_ones) {
  event_batch b;
  b.add(update("O-1", OrderStatus::pending_new));
  b.add(update("O-2", OrderStatus::pending_new));
  b.add(update("O-1", OrderStatus::new_));
  b.add(update("O-1", OrderStatus::filled));
  auto text = b.to_sse();
  EXPECT_EQ(count(text, "event: order\n"), 2u) << text;
  EXPECT_EQ(count(text, "\"order_id\":\"O-1\""), 1u);
  EXPECT_NE(text.find("\"order_id\":\"O-1\",\"client_order_id\":\"c-O-1\",\"ticker\":\"AAPL\","
                      "\"side\":\"buy\",\"status\":\"filled\""),
            std::string::npos)
    << text;
  EXPECT_EQ(text.find("event: gap"), std::string::npos);
}

TEST(event_batch_test, over_its_caps_a_batch_counts_what_it_left_out) {
  event_batch b{event_batch_limits{2, 3}};
  for (int i = 0; i < 5; ++i) {
    b.add(update("O-" + std::to_string(i), OrderStatus::new_));
    b.add(fill(std::to_string(i)));
  }
  b.add(update("O-0", OrderStatus::filled)); // a kept order still takes its updates
  EXPECT_EQ(b.dropped_orders(), 3u);
  EXPECT_EQ(b.dropped_fills(), 2u);
  auto text = b.to_sse();
  EXPECT_EQ(count(text, "event: order\n"), 2u);
  EXPECT_EQ(count(text, "event: fill\n"), 3u);
  EXPECT_NE(text.find("\"status\":\"filled\""), std::string::npos);
  EXPECT_NE(text.find("event: gap\ndata: {\"orders\":3,\"fills\":2}\n\n"), std::string::npos) << text;
}

TEST(event_batch_test, positions_are_kept_per_ticker_and_every_broker_change_is_kept) {
  event_batch b;
  EXPECT_TRUE(b.empty());
  for (int q : {1, 2, 3}) {
    Position p;
    p.ticker = "MSFT";
    p.quantity = Quantity::from_units(q);
    b.add(std::move(p));
  }
  for (auto s : {BrokerState::reconnecting, BrokerState::connected}) {
    BrokerStatus st;
    st.broker = "alpaca";
    st.state = s;
    b.add(std::move(st));
  }
  EXPECT_FALSE(b.empty());
  auto text = b.to_sse();
  EXPECT_EQ(count(text, "event: position\n"), 1u);
  EXPECT_NE(text.find("\"quantity\":\"3\""), std::string::npos) << text;
  EXPECT_EQ(count(text, "event: broker\n"), 2u);
  EXPECT_LT(text.find("reconnecting"), text.find("\"connected\""));
  // Each event is a frame of its own, as a single publish makes it.
  Position p;
  p.ticker = "MSFT";
  p.quantity = Quantity::from_units(3);
  EXPECT_NE(text.find(event_hub::format("position", to_json(p))), std::string::npos);
}

TEST(event_hub_test, the_publisher_takes_posted_batches_and_stops_when_closed) {
  event_hub hub;
  std::vector<event_batch> got;
  auto soon = steady_clock::now() + std::chrono::milliseconds(20);
  EXPECT_TRUE(hub.next(got, soon)) << "a timeout is not the end";
  EXPECT_TRUE(got.empty());
  event_batch b;
  b.add(fill("1"));
  hub.post(std::move(b));
  EXPECT_TRUE(hub.next(got, steady_clock::now() + std::chrono::seconds(10)));
  ASSERT_EQ(got.size(), 1u);
  std::vector<std::string> frames;
  hub.subscribe([&](event_hub::frame f) { frames.push_back(*f); });
  hub.publish_frames(got[0].to_sse());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].rfind("event: fill\ndata: {", 0), 0u);
  hub.close();
  got.clear();
  EXPECT_FALSE(hub.next(got, steady_clock::now() + std::chrono::seconds(10)));
  hub.post(event_batch{});
  hub.open();
  EXPECT_TRUE(hub.next(got, steady_clock::now() + std::chrono::milliseconds(1)));
  EXPECT_TRUE(got.empty()) << "nothing posted while closed is kept";
}

/// Stands in for the order manager and a broker supervisor: each sends the
/// bridge, once it subscribes, what the real ones send on their own.
caf::behavior fake_publisher(caf::event_based_actor*, std::vector<caf::message> to_send) {
  return {
    [=](subscribe_atom, caf::actor& who) {
      for (auto& m : to_send)
        caf::anon_send(who, m);
    },
  };
}

TEST(event_bridge_test, order_updates_fills_and_broker_changes_reach_the_hub_batched) {
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::engine>();
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  auto dir = std::make_shared<actor_directory>();
  auto hub = std::make_shared<event_hub>();
  std::vector<std::string> frames;
  hub->subscribe([&](event_hub::frame f) { frames.push_back(*f); }); // someone listens
  BrokerStatus down;
  down.broker = "alpaca";
  down.state = BrokerState::reconnecting;
  down.reason = "connection reset";
  dir->put("alpaca", sys.spawn(fake_publisher, std::vector<caf::message>{caf::make_message(down)}));
  dir->put(names::order_manager,
           sys.spawn(fake_publisher,
                     std::vector<caf::message>{caf::make_message(update("O-1", OrderStatus::new_)),
                                               caf::make_message(update("O-1", OrderStatus::filled)),
                                               caf::make_message(fill("O-1"))}));
  event_bridge_options o;
  o.directory = dir;
  o.hub = hub;
  o.brokers = {"alpaca"};
  o.flush_every = std::chrono::milliseconds(200); // the three order messages share a batch
  auto bridge = spawn_event_bridge(sys, o);

  // Gather (bounded) until the broker change, the order and its fill arrived.
  std::string text;
  auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (steady_clock::now() < deadline
         && (text.find("event: broker") == std::string::npos
             || text.find("event: fill") == std::string::npos
             || text.find("\"status\":\"filled\"") == std::string::npos)) {
    std::vector<event_batch> got;
    ASSERT_TRUE(hub->next(got, deadline));
    for (auto& b : got)
      text += b.to_sse();
  }
  EXPECT_NE(text.find("event: broker\ndata: {\"broker\":\"alpaca\",\"state\":\"reconnecting\","
                      "\"reason\":\"connection reset\""),
            std::string::npos)
    << text;
  EXPECT_EQ(count(text, "event: order\n"), 1u) << "new then filled: one order event";
  EXPECT_NE(text.find("event: fill"), std::string::npos) << text;
  caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
  dir->clear();
}

TEST(event_bridge_test, with_a_tap_the_order_managers_events_come_from_it_while_someone_listens) {
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::engine>();
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  auto dir = std::make_shared<actor_directory>();
  auto hub = std::make_shared<event_hub>();
  auto tap = std::make_shared<event_tap>();
  event_bridge_options o;
  o.directory = dir;
  o.hub = hub;
  o.tap = tap;
  o.flush_every = std::chrono::milliseconds(20);
  auto bridge = spawn_event_bridge(sys, o);
  auto wait_for = [](auto done) {
    auto deadline = steady_clock::now() + std::chrono::seconds(10);
    while (!done() && steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return done();
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(60)); // a few flushes, nobody listens
  EXPECT_FALSE(tap->active()) << "nobody listens: the order manager is spared the calls";

  auto id = hub->subscribe([](event_hub::frame) {});
  ASSERT_TRUE(wait_for([&] { return tap->active(); })) << "a listener switches the tap on";
  // What the order manager's fan-out does while the tap is active.
  tap->put(update("O-1", OrderStatus::new_));
  tap->put(update("O-1", OrderStatus::filled));
  tap->put(fill("O-1"));
  std::string text;
  auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (steady_clock::now() < deadline && text.find("event: fill") == std::string::npos) {
    std::vector<event_batch> got;
    ASSERT_TRUE(hub->next(got, deadline));
    for (auto& b : got)
      text += b.to_sse();
  }
  EXPECT_EQ(count(text, "event: order\n"), 1u) << text;
  EXPECT_NE(text.find("\"status\":\"filled\""), std::string::npos) << text;
  EXPECT_NE(text.find("event: fill"), std::string::npos) << text;

  hub->unsubscribe(id);
  EXPECT_TRUE(wait_for([&] { return !tap->active(); })) << "the last listener gone: off again";
  caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace engine::http
