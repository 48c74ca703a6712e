// The simulator remembers its latest fills for reconciliation, up to its bound.
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/actor_directory.hpp"
#include "brokers/sim_broker.hpp"
#include "messages/type_ids.hpp"
#include "stand_in_order_manager.hpp"

using namespace engine;
using engine::testing::stand_in_order_manager;

namespace {

constexpr auto timeout = std::chrono::seconds(5);

} // namespace

TEST(SimBroker, RemembersItsLatestFillsUpToItsBound) {
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::engine>();
  caf::actor_system sys{cfg};
  auto dir = std::make_shared<actor_directory>();
  caf::scoped_actor self{sys};
  auto om = sys.spawn(stand_in_order_manager, caf::actor_cast<caf::actor>(self), dir);
  dir->put(names::order_manager, om);
  sim_broker_options so;
  so.directory = dir;
  so.fill_history = 2;
  auto venue = spawn_sim_broker(sys, so);
  dir->put(so.name, venue);

  Quote q;
  q.ticker = "AAPL";
  q.bid = *Price::parse("100.00");
  q.ask = *Price::parse("100.10");
  q.bid_size = q.ask_size = Quantity::from_units(1000);
  q.timestamp = 1'764'000'000'000'000'000; // a Monday 15:xx UTC, inside the session
  self->request(venue, timeout, step_atom::value, QuoteBatch{{q}})
    .receive([](done_atom) {}, [&](caf::error& e) { FAIL() << sys.render(e); });

  std::vector<std::string> made; // exec ids, in order
  for (int i = 1; i <= 3; ++i) {
    OrderRequest o;
    o.order_id = o.client_order_id = "O-" + std::to_string(i);
    o.ticker = "AAPL";
    o.quantity = Quantity::from_units(1);
    self->send(venue, o);
    bool filled = false, silent = false;
    while (!filled && !silent)
      self->receive(
        [&](const ExecutionReport& r) {
          if (r.event == OrderEvent::fill) {
            made.push_back(r.fill.exec_id);
            filled = true;
          } else if (r.event != OrderEvent::accept) {
            ADD_FAILURE() << enum_name(r.event) << " for O-" << i << ": " << r.update.reason;
            silent = true;
          }
        },
        caf::after(timeout) >> [&] { silent = true; });
    ASSERT_TRUE(filled) << "no fill for O-" << i;
  }
  ASSERT_EQ(made.size(), 3u);
  std::vector<std::string> remembered;
  self->request(venue, timeout, fills_atom::value, timestamp_ns{0})
    .receive(
      [&](const std::vector<Fill>& fs) {
        for (auto& f : fs)
          remembered.push_back(f.exec_id);
      },
      [&](caf::error& e) { FAIL() << sys.render(e); });
  EXPECT_EQ(remembered, (std::vector<std::string>{made[1], made[2]})) << "the latest two";
  dir->clear();
  caf::anon_send_exit(venue, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(om, caf::exit_reason::user_shutdown); // the system waits for both
}
