// A fill whose commission comes late: journaled pending, completed exactly once (books, order,
// trade log), a second completion ignored, and a replay of the journal gives the same books,
// also for a completion that arrives only after the restart.
#include "tests/nodes/engine_fixture.hpp"

#include "actors/journal/journal_recovery.hpp"
#include "actors/portfolio/position_book.hpp"
#include "messages/commission_completion.hpp"
#include "tests/nodes/journal_check.hpp"

using namespace engine;
using namespace engine::testing;

namespace {

class LateCommission : public engine_fixture {
protected:
  /// What a broker reports for a fill of `o` (qty at px), pending or with its commission.
  ExecutionReport fill_report(const OrderUpdate& o, const std::string& exec_id, const char* q,
                              const char* p, const char* commission, bool pending) {
    ExecutionReport r;
    r.event = OrderEvent::partial_fill;
    r.update.order_id = o.order_id;
    r.update.client_order_id = o.client_order_id;
    r.update.ticker = o.ticker;
    r.update.side = o.side;
    r.update.reason = pending ? std::string{commission_pending_reason} : std::string{};
    r.fill.exec_id = exec_id;
    r.fill.order_id = o.order_id;
    r.fill.client_order_id = o.client_order_id;
    r.fill.ticker = o.ticker;
    r.fill.side = o.side;
    r.fill.quantity = qty(q);
    r.fill.price = px(p);
    r.fill.commission = money(commission);
    r.fill.timestamp = now;
    r.fill.broker = "ibkr";
    return r;
  }

  ExecutionReport completion(const OrderUpdate& o, const std::string& exec_id, const char* c) {
    auto r = fill_report(o, exec_id, "0", "0", c, false);
    r.update.reason = std::string{commission_completion_reason};
    return r;
  }

  void report(const ExecutionReport& r) {
    send_to(names::order_manager, caf::make_message(r));
    settle();
  }

  int64_t bag(const OrderStats& s, const std::string& kind) {
    for (auto& rc : s.reconciliation)
      if (rc.reason == kind)
        return rc.count;
    return -1;
  }

  /// Journal events of the trade log, in order.
  std::vector<std::string> trade_log_events() {
    std::vector<std::pair<uint64_t, std::string>> out;
    for (auto& e : std::filesystem::directory_iterator(journal_dir)) {
      auto name = e.path().filename().string();
      if (name.rfind("trade_log.", 0) != 0)
        continue;
      std::ifstream in{e.path()};
      std::string line;
      while (std::getline(in, line))
        out.emplace_back(std::stoull(line.substr(7)), record_event(line)); // {"seq":N
    }
    std::sort(out.begin(), out.end());
    std::vector<std::string> events;
    for (auto& [seq, ev] : out)
      events.push_back(ev);
    return events;
  }
};

TEST_F(LateCommission, PendingThenCompletedOnceAndReplayedTheSame) {
  start();
  quote("AAPL", "100.00", "100.10");
  // Resting far from the market: the simulator never fills it, the test plays the broker.
  auto o = submit(order("AAPL", OrderSide::buy, OrderType::limit, "10", "50"));
  ASSERT_EQ(o.status, OrderStatus::pending_new) << o.reason;
  auto cash0 = account().cash;

  report(fill_report(o, "X-1", "4", "50", "0", true));
  auto e = execution(o.order_id);
  EXPECT_EQ(e.executed_quantity, qty("4"));
  EXPECT_TRUE(e.commission.is_zero());
  EXPECT_EQ(account().cash, cash0 - money("200")); // the notional; commission unknown yet
  EXPECT_EQ(bag(stats(), "commissions_pending"), 1);

  report(completion(o, "X-1", "1.25"));
  e = execution(o.order_id);
  EXPECT_EQ(e.executed_quantity, qty("4")); // a completion is not an execution
  EXPECT_EQ(e.commission, money("1.25"));
  ASSERT_EQ(e.fills.size(), 1u);
  EXPECT_EQ(e.fills[0].commission, money("1.25"));
  EXPECT_EQ(account().cash, cash0 - money("201.25"));
  EXPECT_EQ(metrics().daily_commission, money("1.25"));
  EXPECT_EQ(position("AAPL").quantity, qty("4"));
  auto s = stats();
  EXPECT_EQ(s.fills, 1);
  EXPECT_EQ(bag(s, "commissions_pending"), 0);
  EXPECT_EQ(bag(s, "commissions_completed"), 1);
  // The submitter saw the order's new total, never a second fill.
  ASSERT_FALSE(updates.empty());
  EXPECT_EQ(updates.back().commission, money("1.25"));
  for (auto& f : fills)
    EXPECT_TRUE(f.quantity.is_positive()) << f.exec_id;

  // Once only: a repeated completion, and the repeated fill, change nothing.
  report(completion(o, "X-1", "1.25"));
  report(fill_report(o, "X-1", "4", "50", "0", true));
  EXPECT_EQ(account().cash, cash0 - money("201.25"));
  EXPECT_EQ(execution(o.order_id).commission, money("1.25"));
  EXPECT_EQ(bag(stats(), "commissions_completed"), 1);

  // A known commission at once, and one that never comes: it stays visibly pending.
  report(fill_report(o, "X-2", "3", "50", "1", false));
  report(fill_report(o, "X-3", "3", "50", "0", true));
  EXPECT_EQ(execution(o.order_id).status, OrderStatus::filled);
  EXPECT_EQ(bag(stats(), "commissions_pending"), 1);
  auto account_before = account();
  EXPECT_EQ(account_before.cash, cash0 - money("500") - money("2.25"));
  // A completion for a fill the engine never had is ignored.
  report(completion(o, "X-9", "5"));
  EXPECT_EQ(account().cash, account_before.cash);

  EXPECT_EQ(trade_log_events(),
            (std::vector<std::string>{"fill_commission_pending", "commission", "fill",
                                      "fill_commission_pending"}));
  auto books = recompute(journal_dir, cfg.initial_cash);
  EXPECT_EQ(books.cash, account_before.cash);
  EXPECT_EQ(books.commission, money("2.25"));
  EXPECT_EQ(books.fills, 3);
  EXPECT_EQ(books.completions, 1);
  shutdown();

  // Replay: the completed commission is in its fill, the missing one is still pending.
  auto rec = recover_journal(journal_dir, false);
  ASSERT_TRUE(rec.summary.clean());
  ASSERT_EQ(rec.fills.size(), 3u);
  EXPECT_EQ(rec.fills[0].commission, money("1.25"));
  EXPECT_EQ(rec.commissions_pending, std::vector<std::string>{"X-3"});
  for (auto& x : rec.orders)
    if (x.order_id == o.order_id) {
      EXPECT_EQ(x.commission, money("2.25"));
      EXPECT_EQ(x.fills[0].commission, money("1.25"));
    }
  position_book replayed{cfg.initial_cash};
  for (auto& f : rec.fills)
    replayed.apply_fill(f);
  EXPECT_EQ(replayed.cash(), account_before.cash);

  // A restarted engine over that journal: the late commission arrives now, once.
  start(rec);
  EXPECT_EQ(account().cash, account_before.cash);
  EXPECT_EQ(bag(stats(), "commissions_pending"), 1);
  report(completion(o, "X-3", "1"));
  report(completion(o, "X-3", "1"));
  EXPECT_EQ(account().cash, account_before.cash - money("1"));
  EXPECT_EQ(execution(o.order_id).commission, money("3.25"));
  EXPECT_EQ(bag(stats(), "commissions_pending"), 0);
  books = recompute(journal_dir, cfg.initial_cash);
  EXPECT_EQ(books.cash, account_before.cash - money("1"));
  shutdown();
  rec = recover_journal(journal_dir, false);
  EXPECT_TRUE(rec.commissions_pending.empty());
  position_book again{cfg.initial_cash};
  for (auto& f : rec.fills)
    again.apply_fill(f);
  EXPECT_EQ(again.cash(), account_before.cash - money("1"));
}

} // namespace
