// The order manager's one-way commands, its admission control (overloaded) and its stop
// (shutting_down): what is refused was never taken, and everything taken is journaled.
#include "tests/nodes/engine_fixture.hpp"

#include <atomic>
#include <chrono>
#include <thread>

#include "actors/journal/journal_recovery.hpp"

using namespace engine;
using namespace engine::testing;

namespace {

/// Real file operations, each fdatasync held until the test opens the gate: orders taken stay
/// in the pipeline (waiting for the journal) for as long as the test wants.
class gated_disk : public posix_file_ops {
public:
  int fdatasync(int fd) override {
    while (!open_.load())
      std::this_thread::yield();
    return posix_file_ops::fdatasync(fd);
  }
  void open() { open_ = true; }

private:
  std::atomic<bool> open_{false};
};

/// Collects the one-way answers (orders_atom, tag, update) for tags 1..n.
std::map<uint64_t, OrderUpdate> answers(caf::scoped_actor& self, size_t n) {
  std::map<uint64_t, OrderUpdate> got;
  bool more = true;
  while (more && got.size() < n)
    self->receive([&](orders_atom, uint64_t tag, const OrderUpdate& u) { got[tag] = u; },
                  [](const OrderUpdate&) {}, [](const Fill&) {},
                  caf::after(std::chrono::seconds(20)) >> [&] { more = false; });
  return got;
}

} // namespace

class Admission : public engine_fixture {};

TEST_F(Admission, OneWayCommandsAreAnsweredWithTheirTag) {
  start();
  quote("AAPL", "100.00", "100.10");
  auto om = dir->get(names::order_manager);
  // "nobody" is not registered: the answer goes to the sender.
  (*self)->send(om, orders_atom::value, std::string{"nobody"}, uint64_t{7},
                order("AAPL", OrderSide::buy, OrderType::limit, "1", "99"));
  auto got = answers(*self, 1);
  ASSERT_EQ(got.count(7), 1u);
  EXPECT_EQ(got[7].status, OrderStatus::pending_new);
  ASSERT_FALSE(got[7].order_id.empty());
  CancelRequest c;
  c.order_id = got[7].order_id;
  c.timestamp = now;
  (*self)->send(om, orders_atom::value, std::string{"nobody"}, uint64_t{8}, c);
  auto canceled = answers(*self, 1);
  ASSERT_EQ(canceled.count(8), 1u);
  EXPECT_EQ(canceled[8].status, OrderStatus::pending_cancel) << canceled[8].reason;
}

// An order of no registered strategy is followed by its sender: the venue's acceptance and
// the fill reach the actor that sent it, whether it asked by request or sent it one-way
// (the sender is read before the response promise takes it from the message).
TEST_F(Admission, AnUnnamedSubmitterGetsItsUpdatesAndFills) {
  start();
  quote("AAPL", "100.00", "100.10");
  auto om = dir->get(names::order_manager);
  auto follow = [&](bool as_request) {
    caf::scoped_actor sender{*sys}; // not subscribed: only what is sent to it arrives
    auto o = order("AAPL", OrderSide::buy, OrderType::market, "1");
    o.strategy.clear();
    if (as_request)
      sender->request(om, timeout, o).receive([](const OrderUpdate&) {},
                                              [](caf::error& e) { FAIL() << to_string(e); });
    else
      sender->send(om, o);
    int fills = 0;
    bool filled = false, more = true;
    while (more && !(filled && fills == 1))
      sender->receive([&](const OrderUpdate& u) { filled |= u.status == OrderStatus::filled; },
                      [&](const Fill&) { ++fills; },
                      caf::after(std::chrono::seconds(10)) >> [&] { more = false; });
    EXPECT_TRUE(filled) << (as_request ? "request" : "one-way");
    EXPECT_EQ(fills, 1) << (as_request ? "request" : "one-way");
  };
  follow(true);
  follow(false);
}

TEST_F(Admission, PastTheBoundNewOrdersAreShedNeverQueuedAndNeverJournaled) {
  cfg.journal.fsync = fsync_policy::always;
  auto disk = std::make_shared<gated_disk>();
  journal_ops = disk;
  max_queued_orders = 5;
  start();
  quote("AAPL", "100.00", "100.10");
  auto om = dir->get(names::order_manager);
  constexpr size_t n = 200;
  for (uint64_t tag = 1; tag <= n; ++tag) {
    auto o = order("AAPL", OrderSide::buy, OrderType::limit, "1", "99");
    o.client_order_id = "burst-" + std::to_string(tag);
    (*self)->send(om, orders_atom::value, std::string{"nobody"}, tag, o);
  }
  // Nothing taken can be acknowledged while the journal is held: the answers so far are the
  // shed orders, given at once.
  std::map<uint64_t, OrderUpdate> shed;
  bool more = true;
  while (more)
    (*self)->receive(
      [&](orders_atom, uint64_t tag, const OrderUpdate& u) { shed[tag] = u; },
      caf::after(std::chrono::milliseconds(500)) >> [&] { more = false; });
  ASSERT_GT(shed.size(), n / 2) << "most of the burst finds the bound passed";
  for (auto& [tag, u] : shed) {
    EXPECT_EQ(u.status, OrderStatus::rejected);
    EXPECT_EQ(u.reject, RejectReason::overloaded) << u.reason;
    EXPECT_EQ(u.reason.rfind("overloaded: ", 0), 0u) << u.reason;
    EXPECT_TRUE(u.order_id.empty()) << "a shed order was never taken";
  }
  disk->open();
  auto rest = answers(*self, n - shed.size());
  ASSERT_EQ(shed.size() + rest.size(), n) << "every command is answered once";
  size_t taken = 0;
  for (auto& [tag, u] : rest) {
    EXPECT_EQ(shed.count(tag), 0u);
    if (u.status == OrderStatus::pending_new)
      ++taken;
  }
  EXPECT_GE(taken, 1u);
  auto s = stats();
  EXPECT_EQ(s.submitted, static_cast<int64_t>(taken)) << "only what was taken has an id";
  int64_t overloaded = 0;
  for (auto& rc : s.rejects_by_reason)
    if (rc.reason == "overloaded")
      overloaded = rc.count;
  EXPECT_EQ(overloaded, static_cast<int64_t>(n - taken));
  // The journal holds the taken orders and nothing of the shed ones.
  shutdown();
  auto rec = recover_journal(journal_dir, false);
  EXPECT_EQ(rec.orders.size(), taken);
}

TEST_F(Admission, AfterStopNewOrdersAreRefusedShuttingDownAndCancelsStillWork) {
  start();
  quote("AAPL", "100.00", "100.10");
  auto resting = submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "99"));
  ASSERT_EQ(resting.status, OrderStatus::pending_new);
  (*self)->send<caf::message_priority::high>(dir->get(names::order_manager), stop_atom::value);
  auto late = submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "99"));
  EXPECT_EQ(late.status, OrderStatus::rejected);
  EXPECT_EQ(late.reject, RejectReason::shutting_down) << late.reason;
  EXPECT_EQ(late.reason.rfind("shutting_down", 0), 0u) << late.reason;
  EXPECT_TRUE(late.order_id.empty());
  auto c = cancel(resting.order_id);
  EXPECT_EQ(c.status, OrderStatus::pending_cancel) << c.reason;
  EXPECT_EQ(stats().submitted, 1);
}
