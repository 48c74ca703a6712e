// The order book without actors: ids, idempotency, fill arithmetic, transitions, retiring.
#include "actors/orders/order_book.hpp"
#include "messages/json_writer.hpp"

#include <gtest/gtest.h>

namespace engine {
namespace {

Price px(const char* s) { return *Price::parse(s); }
Quantity qty(const char* s) { return *Quantity::parse(s); }
Money money(const char* s) { return *Money::parse(s); }

/// Takes a new limit order the way the order manager does: the next id, its client id.
order_record& take(order_book& book, const std::string& client_id, const char* quantity = "3",
                   OrderSide side = OrderSide::buy) {
  OrderRequest req;
  req.order_id = book.next_order_id();
  req.client_order_id = client_id.empty() ? req.order_id : client_id;
  req.ticker = "AAPL";
  req.side = side;
  req.order_type = OrderType::limit;
  req.price = px("10.05");
  req.quantity = qty(quantity);
  req.timestamp = 1'700'000'000'000'000'000;
  order_record rec;
  rec.exec = book.state_of(req);
  rec.terms = terms_of(req);
  rec.broker = book.route("simulator");
  return book.take(std::move(rec));
}

Fill fill(const std::string& exec_id, const char* quantity, const char* price,
          const char* commission = "0") {
  Fill f;
  f.exec_id = exec_id;
  f.ticker = "AAPL";
  f.side = OrderSide::buy;
  f.quantity = qty(quantity);
  f.price = px(price);
  f.commission = money(commission);
  return f;
}

OrderStats stats(const order_book& book) {
  OrderStats s;
  book.fill_in(s);
  return s;
}

void close(order_book& book, order_record& r) {
  ASSERT_TRUE(book.step(r, OrderEvent::accept).ok);
  ASSERT_TRUE(book.step(r, OrderEvent::cancel_request).ok);
  ASSERT_TRUE(book.step(r, OrderEvent::cancel).ok);
}

TEST(order_book, ids_continue_from_the_first_and_a_client_id_finds_its_order) {
  order_book book{"X", 41, 10};
  auto& a = take(book, "mine-1");
  auto& b = take(book, "");
  EXPECT_EQ(a.exec.order_id, "X-41");
  EXPECT_EQ(b.exec.order_id, "X-42");
  EXPECT_EQ(book.by_client_id("mine-1"), &a);
  EXPECT_EQ(book.find_any("mine-1"), &a);
  EXPECT_EQ(book.find_any("X-42"), &b);
  EXPECT_EQ(book.by_client_id("nobody"), nullptr);
  EXPECT_EQ(book.held(), 2u);
}

TEST(order_book, a_record_routes_the_whole_request) {
  order_book book{"O", 7, 10};
  auto& r = take(book, "client-with-a-long-id-0001");
  auto routed = book.routed_request(r);
  EXPECT_EQ(routed.order_id, "O-7");
  EXPECT_EQ(routed.client_order_id, "client-with-a-long-id-0001");
  EXPECT_EQ(routed.ticker, "AAPL");
  EXPECT_EQ(routed.price, px("10.05"));
  EXPECT_EQ(routed.order_type, OrderType::limit);
  EXPECT_EQ(routed.timestamp, 1'700'000'000'000'000'000);
  EXPECT_EQ(routed.broker, "simulator"); // where it went
}

TEST(order_book, the_terms_an_execution_lacks_survive_the_record) {
  OrderRequest req;
  req.order_id = "O-1";
  req.ticker = "MSFT";
  req.order_type = OrderType::trailing_stop;
  req.side = OrderSide::sell;
  req.quantity = qty("5");
  req.trail_amount = px("0.25");
  req.trail_percent = *Rate::parse("0.01");
  req.time_in_force = TimeInForce::gtd;
  req.expire_time = 1'800'000'000'000'000'000;
  req.order_class = OrderClass::bracket;
  req.take_profit_limit_price = px("12");
  req.stop_loss_stop_price = px("9");
  req.stop_loss_limit_price = px("8.9");
  req.extended_hours = true;
  req.strategy = "s1";
  order_book book{"O", 1, 10};
  order_record rec;
  rec.exec = book.state_of(req);
  rec.terms = terms_of(req);
  rec.broker = book.route("alpaca");
  req.broker = "alpaca";
  EXPECT_EQ(to_json(book.routed_request(rec)), to_json(req));
  // Without them the record keeps no room for them.
  OrderRequest plain;
  plain.order_id = "O-2";
  plain.ticker = "MSFT";
  plain.quantity = qty("5");
  EXPECT_EQ(terms_of(plain).rare, nullptr);
  order_record simple;
  simple.exec = book.state_of(plain);
  simple.terms = terms_of(plain);
  simple.broker = book.route("alpaca");
  EXPECT_EQ(simple.broker, rec.broker); // one copy of the name
  plain.broker = "alpaca";
  EXPECT_EQ(to_json(book.routed_request(simple)), to_json(plain));
}

TEST(order_book, a_state_gives_back_the_execution_it_was_made_of) {
  OrderExecution e;
  e.order_id = "O-9";
  e.client_order_id = "c-9";
  e.ticker = "MSFT";
  e.side = OrderSide::sell;
  e.order_type = OrderType::stop_limit;
  e.quantity = qty("7");
  e.price = px("9.5");
  e.stop_price = px("9.6");
  e.time_in_force = TimeInForce::gtc;
  e.executed_quantity = qty("2");
  e.average_price = px("9.55");
  e.commission = money("0.02");
  e.timestamp = 1'700'000'000'000'000'000;
  e.status = OrderStatus::canceled;
  e.reason = "user asked";
  e.strategy = "s2";
  e.fills.push_back(fill("e1", "2", "9.55", "0.02"));
  order_book book{"O", 1, 10};
  order_record r;
  r.exec = book.state_of(e);
  EXPECT_EQ(to_json(book.execution(r)), to_json(e));
  // A new order has neither reason nor fills: no room is taken for them.
  EXPECT_EQ(take(book, "c").exec.story, nullptr);
}

TEST(order_book, a_freed_slot_is_reused_and_indexes_stay_right) {
  order_book book{"O", 1, 0};
  std::vector<std::string> ids;
  for (int round = 0; round < 3; ++round) {
    ids.clear();
    for (int i = 0; i < 50; ++i) {
      auto& r = take(book, "r" + std::to_string(round) + "-" + std::to_string(i));
      ids.push_back(r.exec.order_id.str());
      close(book, r);
    }
    book.retire();
    book.retire(); // all of them leave: the bound is 0
    EXPECT_EQ(book.held(), 0u);
    for (auto& id : ids) {
      EXPECT_EQ(book.find(id), nullptr);
      EXPECT_TRUE(book.retired(id));
    }
  }
  auto& fresh = take(book, "fresh");
  EXPECT_EQ(book.find(fresh.exec.order_id), &fresh);
  // The slot last found now holds another order: the ids that left still find nothing.
  for (auto& id : ids)
    EXPECT_EQ(book.find(id), nullptr);
  EXPECT_EQ(book.find(fresh.exec.order_id), &fresh);
  EXPECT_EQ(book.by_client_id("fresh"), &fresh);
  EXPECT_EQ(book.by_client_id("r0-1"), nullptr);
  size_t seen = 0;
  book.for_each([&](const std::string& id, order_record& r) {
    EXPECT_EQ(id, r.exec.order_id);
    ++seen;
  });
  EXPECT_EQ(seen, 1u);
}

TEST(order_book, an_order_open_while_many_come_and_go_stays_found) {
  // The book finds its own ids through a window of numbers; one order open while 100,000
  // others come and go slides out of the window into the hash index, and stays found.
  order_book book{"O", 1, 0};
  auto& old = take(book, "old");
  auto old_id = old.exec.order_id.str();
  for (int i = 0; i < 100000; ++i) {
    auto& r = take(book, "c" + std::to_string(i));
    close(book, r);
    if (i % 1000 == 999) {
      book.retire();
      book.retire();
    }
  }
  book.retire();
  book.retire();
  EXPECT_EQ(book.held(), 1u);
  ASSERT_NE(book.find(old_id), nullptr);
  EXPECT_EQ(book.find(old_id)->exec.client_order_id, "old");
  EXPECT_EQ(book.by_client_id("old"), book.find(old_id));
  close(book, *book.find(old_id));
  book.retire();
  book.retire();
  EXPECT_EQ(book.held(), 0u);
  EXPECT_EQ(book.find(old_id), nullptr);
  EXPECT_TRUE(book.retired(old_id));
  auto& next = take(book, "next");
  EXPECT_EQ(book.find(next.exec.order_id), &next);
}

TEST(order_book, ids_it_did_not_give_are_found_beside_its_own) {
  order_book book{"O", 1, 10};
  auto& own = take(book, "a");
  order_record foreign;
  foreign.exec.order_id = "alpaca-61e69015"; // adopted from a broker
  foreign.exec.client_order_id = "theirs";
  auto& adopted = book.take(std::move(foreign));
  order_record far;
  far.exec.order_id = "O-900000"; // recovered from an older journal, far past the window
  auto& recovered = book.take(std::move(far));
  order_record padded;
  padded.exec.order_id = "O-02"; // not a number this book writes
  auto& odd = book.take(std::move(padded));
  EXPECT_EQ(book.find(own.exec.order_id), &own);
  EXPECT_EQ(book.find("alpaca-61e69015"), &adopted);
  EXPECT_EQ(book.find("O-900000"), &recovered);
  EXPECT_EQ(book.find("O-02"), &odd);
  EXPECT_EQ(book.find("O-2"), nullptr);
  auto& second = take(book, "b"); // O-2: its own numbers go on
  EXPECT_EQ(second.exec.order_id, "O-2");
  EXPECT_EQ(book.find("O-2"), &second);
  EXPECT_EQ(book.find("O-02"), &odd);
  EXPECT_EQ(book.held(), 5u);
}

TEST(order_book, an_id_taken_twice_keeps_its_first_record) {
  order_book book{"O", 1, 10};
  auto& first = take(book, "c");
  order_record again;
  again.exec.order_id = first.exec.order_id;
  again.exec.ticker = book.intern("MSFT");
  auto& kept = book.take(std::move(again));
  EXPECT_EQ(&kept, &first);
  EXPECT_EQ(book.name(kept.exec.ticker), "AAPL");
  EXPECT_EQ(stats(book).submitted, 1);
}

TEST(order_book, fills_make_the_exact_average_and_move_the_status) {
  order_book book{"O", 1, 10};
  auto& r = take(book, "c", "3");
  ASSERT_TRUE(book.step(r, OrderEvent::accept).ok);

  auto one = book.apply_fill(r, fill("e1", "1", "10.00", "0.50"));
  EXPECT_TRUE(one.applied);
  EXPECT_TRUE(one.step.ok);
  EXPECT_EQ(r.exec.status, OrderStatus::partially_filled);
  EXPECT_EQ(stats(book).partially_filled, 1);

  auto two = book.apply_fill(r, fill("e2", "2", "10.01", "0.25"));
  EXPECT_TRUE(two.applied);
  EXPECT_FALSE(two.overfill);
  EXPECT_EQ(r.exec.status, OrderStatus::filled);
  EXPECT_EQ(r.exec.executed_quantity, qty("3"));
  // 30.02 / 3 = 10.0066666..., half-even at six places.
  EXPECT_EQ(r.exec.average_price(), px("10.006667"));
  EXPECT_EQ(r.exec.filled_notional(), money("30.02"));
  EXPECT_EQ(r.exec.commission(), money("0.75"));
  EXPECT_EQ(r.exec.fills().size(), 2u);

  auto s = stats(book);
  EXPECT_EQ(s.filled, 1);
  EXPECT_EQ(s.partially_filled, 0);
  EXPECT_EQ(s.open, 0);
  EXPECT_EQ(s.fills, 2);
  EXPECT_EQ(book.net_position("simulator").at("AAPL"), qty("3"));
}

TEST(order_book, a_fill_seen_before_changes_nothing) {
  order_book book{"O", 1, 10};
  auto& r = take(book, "c", "3");
  book.step(r, OrderEvent::accept);
  ASSERT_TRUE(book.apply_fill(r, fill("e1", "1", "10")).applied);
  auto dup = book.apply_fill(r, fill("e1", "1", "10"));
  EXPECT_FALSE(dup.applied);
  EXPECT_EQ(r.exec.executed_quantity, qty("1"));
  EXPECT_EQ(stats(book).fills, 1);
  EXPECT_TRUE(book.seen("e1"));
}

TEST(order_book, an_overfill_is_booked_and_said) {
  order_book book{"O", 1, 10};
  auto& r = take(book, "c", "1");
  book.step(r, OrderEvent::accept);
  book.apply_fill(r, fill("e1", "1", "10"));
  auto over = book.apply_fill(r, fill("e2", "1", "10"));
  EXPECT_TRUE(over.applied);
  EXPECT_TRUE(over.overfill);
  EXPECT_FALSE(over.step.ok); // a filled order takes no fill: booked anyway
  EXPECT_EQ(r.exec.executed_quantity, qty("2"));
}

TEST(order_book, steps_follow_the_state_machine) {
  order_book book{"O", 1, 10};
  auto& r = take(book, "c");
  EXPECT_TRUE(book.step(r, OrderEvent::accept).ok);
  EXPECT_EQ(r.exec.status, OrderStatus::new_);
  EXPECT_TRUE(book.step(r, OrderEvent::cancel_request).ok);
  EXPECT_EQ(r.exec.status, OrderStatus::pending_cancel);
  EXPECT_TRUE(book.step(r, OrderEvent::cancel).ok);
  EXPECT_EQ(r.exec.status, OrderStatus::canceled);
  auto again = book.step(r, OrderEvent::cancel_request);
  EXPECT_FALSE(again.ok);
  EXPECT_FALSE(again.reason.empty());
  EXPECT_EQ(r.exec.status, OrderStatus::canceled);
  EXPECT_EQ(stats(book).canceled, 1);
}

TEST(order_book, a_pending_commission_is_completed_once) {
  order_book book{"O", 1, 10};
  auto& r = take(book, "c", "1");
  book.step(r, OrderEvent::accept);
  book.apply_fill(r, fill("e1", "1", "10"), true);
  EXPECT_TRUE(book.commission_pending("e1"));
  auto s = stats(book);
  ASSERT_EQ(s.reconciliation.size(), 2u);
  EXPECT_EQ(s.reconciliation[0].count, 1); // commissions_pending

  auto done = book.complete_commission(r, "e1", money("1.25"));
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->quantity.is_zero());
  EXPECT_EQ(done->commission, money("1.25"));
  EXPECT_EQ(done->order_id, r.exec.order_id);
  EXPECT_EQ(r.exec.commission(), money("1.25"));
  EXPECT_FALSE(book.complete_commission(r, "e1", money("1.25")).has_value());
  EXPECT_FALSE(book.complete_commission(r, "nope", money("1")).has_value());
  EXPECT_EQ(r.exec.commission(), money("1.25"));
  s = stats(book);
  EXPECT_EQ(s.reconciliation[0].count, 0); // pending
  EXPECT_EQ(s.reconciliation[1].count, 1); // completed
}

// A bounded retirement (with each new order) lets no more leave than it may look at, keeps
// the "not before the next tick" rule, and starts no new period itself.
TEST(order_book, a_bounded_retirement_leaves_the_period_to_the_tick) {
  order_book book{"O", 1, 1};
  for (const char* id : {"a", "b", "c", "d"})
    close(book, take(book, id));
  EXPECT_FALSE(book.retirable()); // all closed in this period: not yet
  EXPECT_EQ(book.retire_some(10, {}), 0u);
  EXPECT_EQ(book.retire_some(10, {}), 0u); // still not: retire_some starts no period
  EXPECT_EQ(book.retire(), 0u);            // the tick starts the next one
  EXPECT_TRUE(book.retirable());
  std::vector<std::string> leaving;
  auto note = [&](const order_record& r) { leaving.push_back(r.exec.order_id.str()); };
  EXPECT_EQ(book.retire_some(1, note), 1u); // oldest first, one only
  EXPECT_EQ(leaving, (std::vector<std::string>{"O-1"}));
  EXPECT_EQ(book.retire_some(5, note), 2u); // O-4 stays: the one recent closed order kept
  EXPECT_EQ(leaving, (std::vector<std::string>{"O-1", "O-2", "O-3"}));
  EXPECT_FALSE(book.retirable());
  EXPECT_EQ(book.held(), 1u);
  EXPECT_TRUE(book.retired("O-2"));
  close(book, take(book, "e")); // O-4 closed a period ago: it may go now, O-5 not
  EXPECT_TRUE(book.retirable());
  EXPECT_EQ(book.retire_some(5, note), 1u);
  EXPECT_EQ(leaving.back(), "O-4");
  EXPECT_FALSE(book.retirable());
  EXPECT_NE(book.find("O-5"), nullptr);
}

TEST(order_book, closed_orders_past_the_bound_leave_after_a_full_period) {
  order_book book{"O", 1, 1};
  auto& a = take(book, "a");
  book.step(a, OrderEvent::accept);
  book.apply_fill(a, fill("ea", "1", "10"));
  ASSERT_TRUE(book.step(a, OrderEvent::cancel_request).ok);
  ASSERT_TRUE(book.step(a, OrderEvent::cancel).ok); // canceled with one fill
  auto& b = take(book, "b");
  close(book, b);
  auto& c = take(book, "c");
  close(book, c);
  auto& open = take(book, "d");
  book.step(open, OrderEvent::accept);

  EXPECT_EQ(book.retire(), 0u); // all closed since the last call: not yet
  std::vector<std::string> leaving;
  EXPECT_EQ(book.retire([&](const order_record& r) { leaving.push_back(r.exec.order_id.str()); }), 2u);
  EXPECT_EQ(leaving, (std::vector<std::string>{"O-1", "O-2"}));
  EXPECT_EQ(book.held(), 2u); // the newest closed one and the open one
  EXPECT_EQ(book.find("O-1"), nullptr);
  EXPECT_TRUE(book.retired("O-1"));
  EXPECT_FALSE(book.retired("O-3"));
  EXPECT_TRUE(book.client_id_retired("a"));
  EXPECT_EQ(book.by_client_id("a"), nullptr);
  EXPECT_NE(book.find("O-3"), nullptr);

  // The run's counts keep what left.
  auto s = stats(book);
  EXPECT_EQ(s.submitted, 4);
  EXPECT_EQ(s.canceled, 3);
  EXPECT_EQ(s.open, 1);
  EXPECT_EQ(s.fills, 1);

  // A fill that crossed the cancel: booked once, its duplicate and its first fill not.
  auto late = fill("ea2", "1", "10");
  late.order_id = "O-1";
  EXPECT_TRUE(book.take_retired_fill(late));
  EXPECT_FALSE(book.take_retired_fill(late));
  auto first = fill("ea", "1", "10");
  first.order_id = "O-1";
  EXPECT_FALSE(book.take_retired_fill(first));
  auto stranger = fill("ex", "1", "10");
  stranger.order_id = "O-99";
  EXPECT_FALSE(book.take_retired_fill(stranger));
  EXPECT_EQ(book.net_position("simulator").at("AAPL"), qty("2"));
  EXPECT_EQ(stats(book).fills, 2);
}

TEST(order_book, an_order_with_a_pending_commission_stays) {
  order_book book{"O", 1, 0};
  auto& a = take(book, "a", "1");
  book.step(a, OrderEvent::accept);
  book.apply_fill(a, fill("ea", "1", "10"), true);
  ASSERT_EQ(a.exec.status, OrderStatus::filled);
  auto& b = take(book, "b");
  close(book, b);
  book.retire();
  EXPECT_EQ(book.retire(), 1u);
  EXPECT_NE(book.find("O-1"), nullptr);
  ASSERT_TRUE(book.complete_commission(*book.find("O-1"), "ea", money("1")).has_value());
  EXPECT_EQ(book.retire(), 1u);
  EXPECT_EQ(book.held(), 0u);
}

TEST(order_book, restore_gives_refused_orders_their_codes) {
  order_book book{"O", 10, 100};
  OrderExecution refused;
  refused.order_id = "O-1";
  refused.ticker = "AAPL";
  refused.quantity = qty("5");
  refused.status = OrderStatus::rejected;
  refused.reason = "qty must be > 0";
  OrderExecution open = refused;
  open.order_id = "O-2";
  open.status = OrderStatus::new_;
  open.reason.clear();
  EXPECT_EQ(book.restore({refused, open}, {}, "simulator",
                         {{"O-1", RejectReason::invalid_order}}),
            1u);
  EXPECT_EQ(book.find("O-1")->reject, RejectReason::invalid_order);
  EXPECT_EQ(book.find("O-1")->exec.reason(), "qty must be > 0");
  EXPECT_EQ(book.find("O-2")->reject, RejectReason::none);
}

TEST(order_book, restore_takes_the_journal_state) {
  order_book book{"O", 10, 100};
  OrderExecution open;
  open.order_id = "O-3";
  open.client_order_id = "c3";
  open.ticker = "AAPL";
  open.quantity = qty("5");
  open.executed_quantity = qty("2");
  open.status = OrderStatus::partially_filled;
  open.fills.push_back(fill("e3", "2", "10"));
  OrderExecution done = open;
  done.order_id = "O-1";
  done.client_order_id = "c1";
  done.status = OrderStatus::filled;
  done.quantity = qty("2");
  done.fills = {fill("e1", "2", "11")};
  EXPECT_EQ(book.restore({open, done}, {"e3"}, "simulator"), 1u);
  EXPECT_TRUE(book.seen("e1"));
  EXPECT_TRUE(book.commission_pending("e3"));
  EXPECT_EQ(book.by_client_id("c1")->exec.order_id, "O-1");
  EXPECT_EQ(book.find("O-3")->exec.filled_notional(), money("20"));
  EXPECT_EQ(book.net_position("simulator").at("AAPL"), qty("4"));
  auto s = stats(book);
  EXPECT_EQ(s.submitted, 2);
  EXPECT_EQ(s.open, 1);
  EXPECT_EQ(s.filled, 1);
  EXPECT_EQ(s.fills, 2);
  EXPECT_EQ(book.next_order_id(), "O-10");
}

TEST(order_book, executions_come_in_numeric_id_order) {
  order_book book{"O", 9, 100};
  take(book, "");  // O-9
  take(book, "");  // O-10
  auto& c = take(book, ""); // O-11
  close(book, c);
  auto open = book.executions(false);
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].order_id, "O-9");
  EXPECT_EQ(open[1].order_id, "O-10");
  EXPECT_EQ(book.executions(true).size(), 3u);
}

} // namespace
} // namespace engine
