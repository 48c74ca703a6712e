// A journal that cannot write halts trading: nothing unjournaled is acknowledged.
#include "tests/nodes/engine_fixture.hpp"

#include <atomic>
#include <cerrno>

#include "actors/journal/journal_recovery.hpp"

using namespace engine;
using namespace engine::testing;

namespace {

/// Real file operations until `budget` writes have succeeded, then ENOSPC.
class filling_disk : public posix_file_ops {
public:
  explicit filling_disk(int budget) : budget_(budget) {}
  ssize_t write(int fd, const void* data, size_t n) override {
    if (budget_.fetch_sub(1) <= 0)
      return -ENOSPC;
    return posix_file_ops::write(fd, data, n);
  }

private:
  std::atomic<int> budget_;
};

} // namespace

class JournalFailure : public engine_fixture {};

TEST_F(JournalFailure, DiskFullHaltsAndNothingUnjournaledIsAcknowledged) {
  cfg.journal.fsync = fsync_policy::always;
  journal_ops = std::make_shared<filling_disk>(3);
  start();
  quote("AAPL", "100.00", "100.10");
  std::vector<OrderUpdate> acks;
  for (int i = 0; i < 6; ++i)
    acks.push_back(submit(order("AAPL", OrderSide::buy, OrderType::limit, "1", "99")));
  // The first orders got through; then the disk filled and every later one was refused.
  int accepted = 0;
  bool halted_seen = false;
  for (auto& a : acks) {
    if (a.status == OrderStatus::pending_new) {
      ++accepted;
      EXPECT_FALSE(halted_seen) << "an order was accepted after the journal failed";
    } else {
      EXPECT_EQ(a.status, OrderStatus::rejected);
      EXPECT_TRUE(a.reject == RejectReason::journal_failure ||
                  a.reject == RejectReason::trading_halted)
        << a.reason;
      halted_seen = true;
    }
  }
  EXPECT_GE(accepted, 1);
  EXPECT_TRUE(halted_seen);
  auto s = stats();
  EXPECT_NE(s.halt_reason.find("journal"), std::string::npos) << s.halt_reason;
  // The risk manager was told too: the kill switch is at HALTED.
  EXPECT_EQ(query<RiskLimits>(names::risk_manager, get_atom::value).trading_state,
            TradingState::halted);
  // Every acknowledged order is in the journal on disk.
  shutdown(); // the writer closes its files
  auto rec = recover_journal(journal_dir, false);
  for (auto& a : acks) {
    if (a.status != OrderStatus::pending_new)
      continue;
    bool found = false;
    for (auto& o : rec.orders)
      found |= o.order_id == a.order_id;
    EXPECT_TRUE(found) << a.order_id << " was acknowledged but is not in the journal";
  }
}
