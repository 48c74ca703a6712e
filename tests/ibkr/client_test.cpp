// The IBKR client against the fake TWS on 127.0.0.1: orders, fills with commissions, cancels,
// replaces, reconnection, each fault kind, and order ids that never repeat across restarts.
#include "brokers/ibkr/client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <csignal>
#include <unistd.h>

#include "brokers/faults/fault_plan.hpp"
#include "brokers/ibkr/fake/fake_tws.hpp"

using namespace engine;
using namespace engine::ibkr;
using namespace std::chrono_literals;

namespace {

/// Everything a connection said, with waits bounded in time.
struct recorder {
  std::mutex m;
  std::condition_variable cv;
  std::vector<ExecutionReport> reports;
  std::vector<net::venue_error> disconnects;
  std::vector<std::string> notices;
  int connected = 0;

  net::venue_events events() {
    net::venue_events e;
    e.on_report = [this](ExecutionReport r) {
      std::lock_guard<std::mutex> lk(m);
      reports.push_back(std::move(r));
      cv.notify_all();
    };
    e.on_connected = [this] {
      std::lock_guard<std::mutex> lk(m);
      ++connected;
      cv.notify_all();
    };
    e.on_disconnected = [this](net::venue_error err) {
      std::lock_guard<std::mutex> lk(m);
      disconnects.push_back(std::move(err));
      cv.notify_all();
    };
    e.on_notice = [this](std::string s) {
      std::lock_guard<std::mutex> lk(m);
      notices.push_back(std::move(s));
      cv.notify_all();
    };
    return e;
  }

  template <class P>
  bool wait(P pred, std::chrono::milliseconds t = 5s) {
    std::unique_lock<std::mutex> lk(m);
    return cv.wait_for(lk, t, [&] { return pred(*this); });
  }

  size_t count(OrderEvent e, const std::string& id = {}) {
    size_t n = 0;
    for (auto& r : reports)
      if (r.event == e && (id.empty() || r.update.order_id == id) && !is_commission_completion(r))
        ++n;
    return n;
  }
  std::vector<ExecutionReport> of(const std::string& id) {
    std::lock_guard<std::mutex> lk(m);
    std::vector<ExecutionReport> out;
    for (auto& r : reports)
      if (r.update.order_id == id)
        out.push_back(r);
    return out;
  }
};

/// Calls a query and waits for its answer.
template <class T, class F>
std::pair<std::optional<T>, std::string> ask(F call) {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::optional<T> value;
  std::string error;
  call([&](std::optional<T> v, std::string e) {
    std::lock_guard<std::mutex> lk(m);
    value = std::move(v);
    error = std::move(e);
    done = true;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lk(m);
  EXPECT_TRUE(cv.wait_for(lk, 5s, [&] { return done; })) << "query not answered";
  return {value, error};
}

OrderRequest order(const std::string& id, OrderType type, const char* qty, const char* px = "0",
                   OrderSide side = OrderSide::buy, const std::string& ticker = "AAPL") {
  OrderRequest o;
  o.order_id = id;
  o.client_order_id = id;
  o.ticker = ticker;
  o.side = side;
  o.order_type = type;
  o.quantity = *Quantity::parse(qty);
  o.price = *Price::parse(px);
  o.time_in_force = TimeInForce::day;
  return o;
}

fault_plan plan(const std::string& yaml) { return parse_fault_plan_text(yaml, "test plan"); }

class ibkr_client : public ::testing::Test {
protected:
  void start_fake(fake::fake_tws_options o = {}) {
    fake_.reset();
    fake_ = std::make_unique<fake::fake_tws>(std::move(o));
    port_ = fake_->start();
  }

  ibkr_options options() {
    ibkr_options o;
    o.host = "127.0.0.1";
    o.port = port_;
    o.client_id = 7;
    o.connect_timeout_ms = 2000;
    o.answer_timeout_ms = 2000;
    o.commission_wait_ms = 200;
    o.ids = ids_;
    o.on_order_id = [this](const std::string& e, int64_t id) {
      std::lock_guard<std::mutex> lk(ids_mutex_);
      journal_.emplace_back(e, id);
    };
    return o;
  }

  /// A new connection (as the supervisor makes one per attempt), started.
  ibkr_connection& connect(ibkr_options o, recorder& rec, bool expect_up = true) {
    conns_.push_back(std::make_unique<ibkr_connection>(std::move(o)));
    conns_.back()->start(rec.events());
    if (expect_up) {
      EXPECT_TRUE(rec.wait([](recorder& r) { return r.connected > 0 || !r.disconnects.empty(); }))
        << "no connection outcome";
      std::lock_guard<std::mutex> lk(rec.m);
      EXPECT_EQ(rec.connected, 1);
      EXPECT_TRUE(rec.disconnects.empty())
        << (rec.disconnects.empty() ? "" : rec.disconnects[0].message);
    }
    return *conns_.back();
  }

  recorder& make_recorder() {
    recorders_.push_back(std::make_unique<recorder>());
    return *recorders_.back();
  }

  int64_t highest_journaled() {
    std::lock_guard<std::mutex> lk(ids_mutex_);
    int64_t h = 0;
    for (auto& [e, id] : journal_)
      h = std::max(h, id);
    return h;
  }

  void TearDown() override {
    for (auto& c : conns_)
      c->stop();
    conns_.clear();
    fake_.reset();
  }

  std::deque<std::unique_ptr<recorder>> recorders_; // outlive every connection
  std::unique_ptr<fake::fake_tws> fake_;
  uint16_t port_ = 0;
  std::shared_ptr<order_id_book> ids_ = std::make_shared<order_id_book>();
  std::vector<std::unique_ptr<ibkr_connection>> conns_;
  std::mutex ids_mutex_;
  std::vector<std::pair<std::string, int64_t>> journal_;
};

bool has_disconnect(recorder& r, const std::string& text) {
  for (auto& d : r.disconnects)
    if (d.message.find(text) != std::string::npos)
      return true;
  return false;
}

// ---- the connection --------------------------------------------------------------------------

TEST_F(ibkr_client, connects_after_ids_and_accounts) {
  start_fake();
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  EXPECT_EQ(c.server_version(), 176);
  // The farm notices (2104, 2106, 2158) arrive as notices, not as errors.
  EXPECT_TRUE(rec.wait([](recorder& r) { return r.notices.size() >= 3; }));
  std::lock_guard<std::mutex> lk(rec.m);
  EXPECT_NE(rec.notices[0].find("2104"), std::string::npos);
}

TEST_F(ibkr_client, refuses_an_unsupported_server_version) {
  fake::fake_tws_options fo;
  fo.server_version = 150;
  start_fake(fo);
  recorder& rec = make_recorder();
  connect(options(), rec, false);
  ASSERT_TRUE(rec.wait([](recorder& r) { return !r.disconnects.empty(); }));
  EXPECT_TRUE(rec.disconnects[0].fatal);
  EXPECT_NE(rec.disconnects[0].message.find("outside the supported range 157..176"),
            std::string::npos);
  EXPECT_EQ(rec.connected, 0);
}

TEST_F(ibkr_client, older_supported_version_works) {
  fake::fake_tws_options fo;
  fo.server_version = 163;
  start_fake(fo);
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  EXPECT_EQ(c.server_version(), 163);
  c.submit(order("E-1", OrderType::limit, "10", "1"));
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::accept) == 1; }));
  auto open = ask<std::vector<OrderExecution>>([&](auto done) { c.open_orders(done); });
  ASSERT_TRUE(open.first);
  ASSERT_EQ(open.first->size(), 1u);
  EXPECT_EQ((*open.first)[0].order_id, "E-1");
  EXPECT_EQ((*open.first)[0].price, *Price::parse("1"));
}

TEST_F(ibkr_client, wrong_account_is_fatal) {
  start_fake();
  recorder& rec = make_recorder();
  auto o = options();
  o.account = "U999";
  connect(o, rec, false);
  ASSERT_TRUE(rec.wait([](recorder& r) { return !r.disconnects.empty(); }));
  EXPECT_TRUE(rec.disconnects[0].fatal);
  EXPECT_NE(rec.disconnects[0].message.find("U999"), std::string::npos);
}

// ---- orders ----------------------------------------------------------------------------------

TEST_F(ibkr_client, market_order_fills_in_two_parts_each_with_its_commission) {
  start_fake();
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  c.submit(order("E-1", OrderType::market, "10"));
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::fill) == 1; }));
  auto rs = rec.of("E-1");
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].event, OrderEvent::accept);
  EXPECT_EQ(rs[1].event, OrderEvent::partial_fill);
  EXPECT_EQ(rs[2].event, OrderEvent::fill);
  auto execs = fake_->executions();
  ASSERT_EQ(execs.size(), 2u);
  Price ref = fake::fake_tws::reference_price("AAPL");
  for (int i = 0; i < 2; ++i) {
    auto& f = rs[1 + i].fill;
    EXPECT_EQ(f.exec_id, execs[i].exec_id);
    EXPECT_EQ(f.quantity, *Quantity::parse("5"));
    EXPECT_EQ(f.price, ref);
    EXPECT_EQ(f.commission, Money::from_units(1)); // joined by execId
    EXPECT_EQ(f.side, OrderSide::buy);
    EXPECT_EQ(f.broker, "ibkr");
    EXPECT_EQ(f.order_id, "E-1");
    // Each time format the fake sends reads back to the fake's own time (to the second).
    EXPECT_LE(std::llabs(f.timestamp - execs[i].time_ns), 1'000'000'000LL) << f.exec_id;
    EXPECT_TRUE(rs[1 + i].update.reason.empty());
  }
  EXPECT_EQ(rs[1].update.commission, Money::from_units(1)); // the order's total so far
  EXPECT_EQ(rs[2].update.commission, Money::from_units(2));
  EXPECT_EQ(rs[2].update.executed_quantity, *Quantity::parse("10"));
  EXPECT_EQ(rs[2].update.average_price, ref);
  EXPECT_EQ(rs[2].update.status, OrderStatus::filled);
  EXPECT_EQ(c.stats().time_fallbacks.load(), 0);
  EXPECT_EQ(c.stats().commission_joined.load(), 2);
}

TEST_F(ibkr_client, commission_pending_then_completed_exactly_once) {
  start_fake();
  recorder& rec = make_recorder();
  auto o = options();
  o.commission_wait_ms = 0; // report at once, complete later
  auto& c = connect(o, rec);
  c.submit(order("E-1", OrderType::market, "3"));
  ASSERT_TRUE(rec.wait([](recorder& r) {
    size_t done = 0;
    for (auto& x : r.reports)
      done += is_commission_completion(x);
    return done == 2;
  }));
  auto rs = rec.of("E-1");
  int pending = 0, completions = 0;
  std::set<std::string> pending_ids, completed_ids;
  for (auto& r : rs) {
    if (r.update.reason == commission_pending_reason) {
      ++pending;
      EXPECT_TRUE(r.fill.commission.is_zero());
      EXPECT_TRUE(r.fill.quantity.is_positive());
      pending_ids.insert(r.fill.exec_id);
    }
    if (is_commission_completion(r)) {
      ++completions;
      EXPECT_EQ(r.fill.commission, Money::from_units(1));
      completed_ids.insert(r.fill.exec_id);
    }
  }
  EXPECT_EQ(pending, 2);
  EXPECT_EQ(completions, 2);
  EXPECT_EQ(pending_ids, completed_ids);
  // A reqExecutions answer repeats the commission reports: no second completion.
  auto fills = ask<std::vector<Fill>>([&](auto done) { c.fills_since(0, done); });
  ASSERT_TRUE(fills.first);
  EXPECT_EQ(fills.first->size(), 2u);
  for (auto& f : *fills.first)
    EXPECT_EQ(f.commission, Money::from_units(1));
  std::this_thread::sleep_for(50ms); // a wrong second completion would arrive here
  EXPECT_EQ(c.stats().commission_completed.load(), 2);
}

TEST_F(ibkr_client, commission_later_than_the_wait_is_pending_then_completed_with_ibs_value) {
  fake::fake_tws_options fo;
  fo.commission_delay_ms = 300; // every live commissionReport comes after the client's wait
  start_fake(fo);
  recorder& rec = make_recorder();
  auto o = options();
  o.commission_wait_ms = 50;
  auto& c = connect(o, rec);
  c.submit(order("L-1", OrderType::market, "1000")); // two executions of 500: $2.50 each
  ASSERT_TRUE(rec.wait([](recorder& r) {
    size_t done = 0;
    for (auto& x : r.reports)
      done += is_commission_completion(x);
    return done == 2;
  }));
  std::map<std::string, Money> at_ib;
  for (auto& x : fake_->executions())
    at_ib[x.exec_id] = x.commission;
  ASSERT_EQ(at_ib.size(), 2u);
  std::map<std::string, int> pending, completed;
  for (auto& r : rec.of("L-1")) {
    if (is_commission_pending(r)) {
      ++pending[r.fill.exec_id];
      EXPECT_TRUE(r.fill.commission.is_zero()); // unknown, said by the reason
    } else if (is_commission_completion(r)) {
      ++completed[r.fill.exec_id];
      EXPECT_EQ(r.fill.commission, at_ib.at(r.fill.exec_id));
      EXPECT_EQ(r.fill.commission, *Money::parse("2.50"));
    } else if (r.fill.quantity.is_positive()) {
      ADD_FAILURE() << "fill " << r.fill.exec_id << " reported with its commission";
    }
  }
  EXPECT_EQ(pending, (std::map<std::string, int>{{at_ib.begin()->first, 1},
                                                 {std::next(at_ib.begin())->first, 1}}));
  EXPECT_EQ(completed, pending);
  EXPECT_EQ(c.stats().commission_completed.load(), 2);
  EXPECT_EQ(c.stats().commission_joined.load(), 0);
  // The order's total on the last completion is both commissions.
  EXPECT_EQ(rec.of("L-1").back().update.commission, Money::from_units(5));
}

TEST_F(ibkr_client, limit_rests_then_cancel_then_cancel_refused) {
  start_fake();
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  c.submit(order("E-1", OrderType::limit, "10", "1.00")); // far below the reference: rests
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::accept) == 1; }));
  CancelRequest cr;
  cr.order_id = "E-1";
  c.cancel(cr);
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::cancel) == 1; }));
  c.cancel(cr); // already cancelled: 10148
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::cancel_reject) == 1; }));
  auto rs = rec.of("E-1");
  EXPECT_NE(rs.back().update.reason.find("10148"), std::string::npos);
  EXPECT_EQ(rec.count(OrderEvent::cancel), 1u); // 202 after orderStatus Cancelled: one cancel
  CancelRequest unknown;
  unknown.order_id = "never-sent";
  c.cancel(unknown);
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::cancel_reject) == 2; }));
}

// Every code of the table, as TWS sends it, and what the connection then does.
TEST_F(ibkr_client, each_error_code_does_what_it_means) {
  start_fake();
  enum class outcome { retriable, fatal, notice };
  struct notice_case {
    int code;
    outcome expected;
  };
  const notice_case connection_cases[] = {
    {1100, outcome::retriable}, {1101, outcome::retriable}, {1102, outcome::retriable},
    {326, outcome::retriable},  {502, outcome::retriable},  {504, outcome::retriable},
    {1300, outcome::retriable}, {503, outcome::fatal},      {2104, outcome::notice},
    {2106, outcome::notice},    {2158, outcome::notice},    {2103, outcome::notice},
    {2119, outcome::notice},    {2157, outcome::notice},    {2199, outcome::notice},
  };
  int client = 100;
  for (const auto& k : connection_cases) {
    SCOPED_TRACE(k.code);
    recorder& rec = make_recorder();
    auto o = options();
    o.client_id = ++client; // the fake may not have seen the last one go yet
    connect(o, rec);
    std::string text = "table case " + std::to_string(k.code);
    fake_->send_error_to_all(-1, k.code, text);
    ASSERT_TRUE(rec.wait([&](recorder& r) {
      if (!r.disconnects.empty())
        return true;
      for (auto& n : r.notices)
        if (n.find(text) != std::string::npos)
          return true;
      return false;
    }));
    std::lock_guard<std::mutex> lk(rec.m);
    if (k.expected == outcome::notice) {
      EXPECT_TRUE(rec.disconnects.empty());
      continue;
    }
    ASSERT_EQ(rec.disconnects.size(), 1u);
    EXPECT_EQ(rec.disconnects[0].fatal, k.expected == outcome::fatal);
    EXPECT_NE(rec.disconnects[0].message.find(std::to_string(k.code)), std::string::npos)
      << rec.disconnects[0].message;
  }

  // On a working order (accepted, resting): the report each code gives, or none.
  struct order_case {
    int code;
    std::optional<OrderEvent> expected;
    const char* reason; // part of the report's reason, or of the notice
  };
  const order_case order_cases[] = {
    {202, OrderEvent::cancel, "canceled"},
    {10147, OrderEvent::cancel_reject, "10147"},
    {10148, OrderEvent::cancel_reject, "10148"},
    {161, OrderEvent::cancel_reject, "161"},
    {104, OrderEvent::cancel_reject, "replace refused: 104"},
    {105, OrderEvent::cancel_reject, "replace refused: 105"},
    {201, std::nullopt, "201"}, // accepted already: the order stands, the text is kept
    {399, std::nullopt, "399"},
  };
  // The earlier connections share the id book: they must not answer these errors first.
  for (auto& x : conns_)
    x->stop();
  recorder& rec = make_recorder();
  auto o = options();
  o.client_id = ++client;
  auto& c = connect(o, rec);
  int n = 0;
  for (const auto& k : order_cases) {
    SCOPED_TRACE(k.code);
    std::string id = "T-" + std::to_string(++n);
    c.submit(order(id, OrderType::limit, "1", "1.00")); // far below the reference: rests
    ASSERT_TRUE(rec.wait([&](recorder& r) { return r.count(OrderEvent::accept, id) == 1; }));
    auto ib = ids_->by_engine_id(id);
    ASSERT_TRUE(ib);
    std::string text = "table case " + std::to_string(k.code);
    fake_->send_error_to_all(ib->ib_id, k.code, text);
    if (k.expected) {
      ASSERT_TRUE(rec.wait([&](recorder& r) { return r.count(*k.expected, id) == 1; }));
      EXPECT_NE(rec.of(id).back().update.reason.find(k.reason), std::string::npos)
        << rec.of(id).back().update.reason;
    } else {
      ASSERT_TRUE(rec.wait([&](recorder& r) {
        for (auto& x : r.notices)
          if (x.find("order " + id + ": " + k.reason) != std::string::npos)
            return true;
        return false;
      }));
      EXPECT_EQ(rec.of(id).size(), 1u); // the accept only
      EXPECT_EQ(ids_->by_engine_id(id)->last_error, text);
    }
  }
}

TEST_F(ibkr_client, replace_resends_the_same_id_and_then_fills) {
  start_fake();
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  c.submit(order("E-1", OrderType::limit, "4", "1.00"));
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::accept) == 1; }));
  ReplaceRequest rr;
  rr.order_id = "E-1";
  rr.price = *Price::parse("1000"); // now marketable
  c.replace(rr);
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::fill) == 1; }));
  EXPECT_EQ(rec.count(OrderEvent::replace, "E-1"), 1u);
  auto seen = fake_->orders_seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].order_id, seen[1].order_id);
  EXPECT_EQ(seen[1].what, "modify");
  // A replace of a filled order is refused (104) and reported as such.
  c.replace(rr);
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::cancel_reject) == 1; }));
  EXPECT_NE(rec.of("E-1").back().update.reason.find("replace refused"), std::string::npos);
}

TEST_F(ibkr_client, ioc_that_cannot_fill_is_cancelled) {
  start_fake();
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  auto o = order("E-1", OrderType::limit, "5", "1.00");
  o.time_in_force = TimeInForce::ioc;
  c.submit(o);
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::cancel) == 1; }));
}

TEST_F(ibkr_client, reconciliation_queries) {
  start_fake();
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  c.submit(order("E-1", OrderType::market, "10"));
  c.submit(order("E-2", OrderType::market, "4", "0", OrderSide::sell, "MSFT"));
  c.submit(order("E-3", OrderType::limit, "2", "1.00"));
  ASSERT_TRUE(rec.wait([](recorder& r) {
    return r.count(OrderEvent::fill) == 2 && r.count(OrderEvent::accept) == 3;
  }));
  auto open = ask<std::vector<OrderExecution>>([&](auto d) { c.open_orders(d); });
  ASSERT_TRUE(open.first) << open.second;
  ASSERT_EQ(open.first->size(), 1u);
  EXPECT_EQ((*open.first)[0].order_id, "E-3");
  EXPECT_EQ((*open.first)[0].status, OrderStatus::new_);
  EXPECT_TRUE((*open.first)[0].reason.empty()); // ours, not external

  auto fills = ask<std::vector<Fill>>([&](auto d) { c.fills_since(0, d); });
  ASSERT_TRUE(fills.first);
  EXPECT_EQ(fills.first->size(), 4u);
  auto later = ask<std::vector<Fill>>([&](auto d) { c.fills_since(INT64_MAX / 2, d); });
  ASSERT_TRUE(later.first);
  EXPECT_TRUE(later.first->empty());

  auto pos = ask<std::vector<Position>>([&](auto d) { c.positions(d); });
  ASSERT_TRUE(pos.first);
  std::map<std::string, Quantity> got;
  for (auto& p : *pos.first)
    got[p.ticker] = p.quantity;
  EXPECT_EQ(got, fake_->positions());
  EXPECT_EQ(got["MSFT"], *Quantity::parse("-4"));

  auto acct = ask<AccountInfo>([&](auto d) { c.account(d); });
  ASSERT_TRUE(acct.first);
  EXPECT_EQ(acct.first->account_id, "DU1234567");
  Money expected_cash = Money::from_units(100000) -
                        notional(*Quantity::parse("10"), fake::fake_tws::reference_price("AAPL")) +
                        notional(*Quantity::parse("4"), fake::fake_tws::reference_price("MSFT")) -
                        Money::from_units(4); // four executions at $1
  EXPECT_EQ(acct.first->cash, expected_cash);

  auto one = ask<OrderExecution>([&](auto d) { c.order_by_client_id("E-1", d); });
  ASSERT_TRUE(one.first);
  EXPECT_EQ(one.first->status, OrderStatus::filled);
  EXPECT_EQ(one.first->fills.size(), 2u);
  EXPECT_EQ(one.first->executed_quantity, *Quantity::parse("10"));
  EXPECT_EQ(one.first->commission, Money::from_units(2));
  auto three = ask<OrderExecution>([&](auto d) { c.order_by_client_id("E-3", d); });
  ASSERT_TRUE(three.first);
  EXPECT_EQ(three.first->status, OrderStatus::new_);
  auto none = ask<OrderExecution>([&](auto d) { c.order_by_client_id("E-404", d); });
  EXPECT_FALSE(none.first);
  EXPECT_TRUE(none.second.empty());
}

TEST_F(ibkr_client, orders_while_not_connected_are_rejected_broker_unavailable) {
  start_fake();
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  fake_->drop_all();
  ASSERT_TRUE(rec.wait([](recorder& r) { return !r.disconnects.empty(); }));
  c.submit(order("E-1", OrderType::market, "1"));
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::reject) == 1; }));
  EXPECT_NE(rec.of("E-1")[0].update.reason.find("broker_unavailable"), std::string::npos);
  auto q = ask<std::vector<Position>>([&](auto d) { c.positions(d); });
  EXPECT_FALSE(q.first);
  EXPECT_EQ(q.second, "not connected");
  EXPECT_TRUE(fake_->orders_seen().empty());
}

TEST_F(ibkr_client, a_bracket_is_rejected_unsupported_order_class_and_never_sent) {
  start_fake();
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  auto o = order("E-1", OrderType::limit, "1", "100");
  o.order_class = OrderClass::bracket;
  o.take_profit_limit_price = *Price::parse("110");
  o.stop_loss_stop_price = *Price::parse("90");
  c.submit(o);
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::reject) == 1; }));
  auto rs = rec.of("E-1");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].update.status, OrderStatus::rejected);
  EXPECT_EQ(rs[0].update.reason.rfind("unsupported_order_class: ", 0), 0u) << rs[0].update.reason;
  EXPECT_TRUE(fake_->orders_seen().empty()) << "no order without its legs reached TWS";
}

// ---- faults ----------------------------------------------------------------------------------

TEST_F(ibkr_client, reject_fault_gives_ibs_text) {
  fake::fake_tws_options fo;
  fo.plan = plan("seed: 1\nrules:\n  - {kind: reject, after_orders: 1, count: 1}\n");
  start_fake(fo);
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  c.submit(order("E-1", OrderType::market, "1"));
  c.submit(order("E-2", OrderType::market, "1"));
  ASSERT_TRUE(rec.wait([](recorder& r) {
    return r.count(OrderEvent::reject) == 1 && r.count(OrderEvent::fill) == 1;
  }));
  auto rs = rec.of("E-1");
  ASSERT_EQ(rs.size(), 1u); // 201, then openOrder/orderStatus Inactive: one reject
  EXPECT_EQ(rs[0].event, OrderEvent::reject);
  EXPECT_EQ(rs[0].update.reason, "Order rejected - reason:fake-tws reject fault");
  EXPECT_EQ(rs[0].update.status, OrderStatus::rejected);
}

TEST_F(ibkr_client, disconnect_after_ack_and_fill_while_away_is_found_by_reconciliation) {
  fake::fake_tws_options fo;
  fo.plan = plan("rules:\n  - {kind: disconnect, after_orders: 1, duration_ms: 300}\n");
  start_fake(fo);
  recorder& rec = make_recorder();
  connect(options(), rec);
  conns_.back()->submit(order("E-1", OrderType::limit, "10", "1.00")); // would rest, but...
  ASSERT_TRUE(rec.wait([](recorder& r) { return !r.disconnects.empty(); }));
  EXPECT_EQ(rec.count(OrderEvent::accept), 1u);
  EXPECT_EQ(rec.count(OrderEvent::fill), 0u); // filled while the client was away
  ASSERT_EQ(fake_->executions().size(), 1u);

  // The supervisor's next attempts: refused during the episode, then up.
  for (int attempt = 0; attempt < 50; ++attempt) {
    recorder& r = make_recorder();
    connect(options(), r, false);
    ASSERT_TRUE(r.wait([](recorder& x) { return x.connected > 0 || !x.disconnects.empty(); }));
    if (r.connected) {
      // Reconciliation after the reconnect: the fill is there, with its commission.
      auto& c = *conns_.back();
      auto fills = ask<std::vector<Fill>>([&](auto d) { c.fills_since(0, d); });
      ASSERT_TRUE(fills.first);
      ASSERT_EQ(fills.first->size(), 1u);
      EXPECT_EQ((*fills.first)[0].order_id, "E-1");
      EXPECT_EQ((*fills.first)[0].exec_id, fake_->executions()[0].exec_id);
      EXPECT_EQ((*fills.first)[0].commission, Money::from_units(1));
      auto open = ask<std::vector<OrderExecution>>([&](auto d) { c.open_orders(d); });
      ASSERT_TRUE(open.first);
      EXPECT_TRUE(open.first->empty());
      auto st = ask<OrderExecution>([&](auto d) { c.order_by_client_id("E-1", d); });
      ASSERT_TRUE(st.first);
      EXPECT_EQ(st.first->status, OrderStatus::filled);
      return;
    }
    std::this_thread::sleep_for(20ms); // the supervisor's backoff
  }
  FAIL() << "never reconnected";
}

TEST_F(ibkr_client, connectivity_lost_1100_then_restored_1101_and_1102) {
  fake::fake_tws_options fo;
  fo.plan = plan("rules:\n  - {kind: server_error, after_orders: 1, count: 1}\n");
  start_fake(fo);
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  c.submit(order("E-1", OrderType::limit, "1", "1.00"));
  ASSERT_TRUE(rec.wait([](recorder& r) { return !r.disconnects.empty(); }));
  EXPECT_TRUE(has_disconnect(rec, "1100"));
  EXPECT_FALSE(rec.disconnects[0].fatal);
  // The restore codes on a live connection mean: reconnect and reconcile.
  recorder& r2 = make_recorder();
  connect(options(), r2, false);
  ASSERT_TRUE(r2.wait([](recorder& x) { return !x.disconnects.empty(); }, 3s));
  // During the 1100 episode a new session hears 1100 again; once it is over, 1101 arrives.
  EXPECT_TRUE(has_disconnect(r2, "1100") || has_disconnect(r2, "1101"));
  std::this_thread::sleep_for(350ms); // the fake's 1100 episode (300 ms) is over
  recorder& r3 = make_recorder();
  connect(options(), r3);
  fake_->send_error_to_all(-1, 1102,
                           "Connectivity between IB and TWS has been restored- data maintained.");
  ASSERT_TRUE(r3.wait([](recorder& x) { return !x.disconnects.empty(); }));
  EXPECT_TRUE(has_disconnect(r3, "1102"));
  EXPECT_TRUE(has_disconnect(r3, "reconcile"));
}

TEST_F(ibkr_client, refused_connections_for_a_while) {
  fake::fake_tws_options fo;
  fo.plan = plan("rules:\n  - {kind: refuse, at_s: 0, duration_ms: 300}\n");
  start_fake(fo);
  std::this_thread::sleep_for(30ms); // let the fake's clock fire the at_s: 0 rule
  recorder& rec = make_recorder();
  connect(options(), rec, false);
  ASSERT_TRUE(rec.wait([](recorder& r) { return !r.disconnects.empty(); }));
  EXPECT_FALSE(rec.disconnects[0].fatal);
  EXPECT_EQ(rec.connected, 0);
  std::this_thread::sleep_for(350ms); // the refusal's length: a backoff would wait too
  recorder& later = make_recorder();
  connect(options(), later);
}

TEST_F(ibkr_client, garbage_frame_restarts_the_connection) {
  fake::fake_tws_options fo;
  fo.plan = plan("rules:\n  - {kind: garbage, after_orders: 1, count: 1}\n");
  start_fake(fo);
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  c.submit(order("E-1", OrderType::limit, "1", "1.00"));
  ASSERT_TRUE(rec.wait([](recorder& r) { return !r.disconnects.empty(); }));
  EXPECT_TRUE(has_disconnect(rec, "malformed frame"));
  EXPECT_EQ(c.stats().malformed_frames.load(), 1);
  recorder& r2 = make_recorder();
  auto& c2 = connect(options(), r2);
  auto open = ask<std::vector<OrderExecution>>([&](auto d) { c2.open_orders(d); });
  ASSERT_TRUE(open.first);
  ASSERT_EQ(open.first->size(), 1u); // the order exists at IB: reconciliation finds it
  EXPECT_EQ((*open.first)[0].order_id, "E-1");
}

TEST_F(ibkr_client, hung_tws_is_noticed_by_the_heartbeat) {
  fake::fake_tws_options fo;
  fo.plan = plan("rules:\n  - {kind: hang, at_s: 0.3, duration_ms: 3000}\n");
  start_fake(fo);
  recorder& rec = make_recorder();
  auto o = options();
  o.heartbeat_ms = 100;
  o.answer_timeout_ms = 300;
  connect(o, rec);
  ASSERT_TRUE(rec.wait([](recorder& r) { return !r.disconnects.empty(); }, 3s));
  EXPECT_TRUE(has_disconnect(rec, "did not answer"));
  // A new attempt during the hang: the handshake is never answered.
  recorder& r2 = make_recorder();
  auto o2 = options();
  o2.connect_timeout_ms = 200;
  connect(o2, r2, false);
  ASSERT_TRUE(r2.wait([](recorder& r) { return !r.disconnects.empty(); }));
  EXPECT_TRUE(has_disconnect(r2, "timed out"));
}

TEST_F(ibkr_client, delay_fault_slows_answers_but_loses_nothing) {
  fake::fake_tws_options fo;
  fo.plan = plan("rules:\n  - {kind: delay, at_s: 0, duration_ms: 5000, delay_ms: 100}\n");
  start_fake(fo);
  std::this_thread::sleep_for(30ms);
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  auto t0 = std::chrono::steady_clock::now();
  c.submit(order("E-1", OrderType::market, "2"));
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::fill) == 1; }));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 100ms);
  EXPECT_EQ(rec.count(OrderEvent::partial_fill), 1u);
}

TEST_F(ibkr_client, nightly_reset_window_is_expected) {
  // The fake's and the client's clocks sit 200 ms before today's 03:00 UTC.
  auto real = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
  };
  int64_t t0 = real();
  int64_t day = 86'400'000'000'000LL;
  int64_t target = (t0 / day) * day + 180LL * 60'000'000'000LL - 200'000'000LL;
  int64_t offset = target - t0;
  auto clock = [real, offset] { return real() + offset; };
  fake::fake_tws_options fo;
  fo.now = clock;
  fo.plan = plan("rules:\n  - {kind: reset_window, daily_at: \"03:00\", duration_ms: 400}\n");
  start_fake(fo);
  recorder& rec = make_recorder();
  auto o = options();
  o.now = clock;
  o.reset_daily_at_minute = 180;
  o.reset_duration_ms = 400;
  connect(o, rec);
  ASSERT_TRUE(rec.wait([](recorder& r) { return !r.disconnects.empty(); }, 3s));
  EXPECT_TRUE(has_disconnect(rec, "reset window (expected)"));
  EXPECT_FALSE(rec.disconnects[0].fatal);
  EXPECT_TRUE(in_reset_window(o, clock()));
  std::this_thread::sleep_for(450ms);
  EXPECT_FALSE(in_reset_window(o, clock()));
  recorder& after = make_recorder();
  connect(o, after);
}

TEST_F(ibkr_client, client_id_in_use_is_retriable) {
  start_fake();
  recorder& a = make_recorder();
  connect(options(), a);
  recorder& b = make_recorder();
  connect(options(), b, false); // the same client id
  ASSERT_TRUE(b.wait([](recorder& r) { return !r.disconnects.empty(); }));
  EXPECT_TRUE(has_disconnect(b, "326"));
  EXPECT_FALSE(b.disconnects[0].fatal);
  // The fault kind does the same for the next connection (a gateway restart that still holds
  // the old session).
  fake::fake_tws_options fo;
  fo.plan = plan("rules:\n  - {kind: rate_limit, at_s: 0, count: 1}\n");
  start_fake(fo);
  std::this_thread::sleep_for(30ms);
  recorder& c = make_recorder();
  connect(options(), c, false);
  ASSERT_TRUE(c.wait([](recorder& r) { return !r.disconnects.empty(); }));
  EXPECT_TRUE(has_disconnect(c, "already in use"));
  recorder& d = make_recorder();
  connect(options(), d);
}

TEST_F(ibkr_client, duplicate_and_dropped_fill_reports) {
  fake::fake_tws_options fo;
  fo.plan = plan("rules:\n  - {kind: duplicate_fill, after_orders: 1, count: 1}\n"
                 "  - {kind: drop_fill, after_orders: 2, count: 1}\n");
  start_fake(fo);
  recorder& rec = make_recorder();
  auto& c = connect(options(), rec);
  c.submit(order("E-1", OrderType::market, "1"));
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::fill) == 1; }));
  c.submit(order("E-2", OrderType::market, "1"));
  ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::accept) == 2; }));
  std::this_thread::sleep_for(100ms); // a duplicate, if reported, would be here by now
  EXPECT_EQ(rec.count(OrderEvent::fill, "E-1"), 1u); // sent twice, reported once
  EXPECT_EQ(rec.count(OrderEvent::fill, "E-2"), 0u); // never sent live
  auto fills = ask<std::vector<Fill>>([&](auto d) { c.fills_since(0, d); });
  ASSERT_TRUE(fills.first);
  EXPECT_EQ(fills.first->size(), 2u); // reconciliation finds the dropped one
}

TEST_F(ibkr_client, malformed_message_from_tws_is_counted_and_restarts) {
  start_fake();
  auto& rec = make_recorder();
  auto& c = connect(options(), rec);
  // An orderStatus whose order id has a decimal point: an int field never has one.
  std::string body = std::string("3\0" "12.0\0" "Submitted\0" "0\0" "1\0" "0\0" "1\0" "0\0"
                                 "0\0" "1\0" "\0" "0\0", 34);
  uint32_t n = static_cast<uint32_t>(body.size());
  std::string framed{static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
  fake_->send_raw_to_all(framed + body);
  ASSERT_TRUE(rec.wait([](recorder& r) { return !r.disconnects.empty(); }));
  EXPECT_TRUE(has_disconnect(rec, "malformed message"));
  EXPECT_EQ(c.stats().malformed_frames.load(), 1);
  // A huge length header: closed at once, nothing allocated, nothing read past it.
  auto& rec2 = make_recorder();
  auto& c2 = connect(options(), rec2);
  fake_->send_raw_to_all(std::string("\x7f\xff\xff\xff", 4));
  ASSERT_TRUE(rec2.wait([](recorder& r) { return !r.disconnects.empty(); }));
  EXPECT_TRUE(has_disconnect(rec2, "frame length"));
  EXPECT_EQ(c2.stats().malformed_frames.load(), 1);
}

// ---- order ids -------------------------------------------------------------------------------

TEST_F(ibkr_client, order_ids_never_repeat_across_client_and_gateway_restarts) {
  char dir[] = "/tmp/ibkr_ids_XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  std::string log = std::string(dir) + "/orders.log";
  fake::fake_tws_options fo;
  fo.order_log = log;
  start_fake(fo);
  {
    recorder& rec = make_recorder();
    auto& c = connect(options(), rec);
    for (int i = 1; i <= 3; ++i)
      c.submit(order("A-" + std::to_string(i), OrderType::limit, "1", "1.00"));
    ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::accept) == 3; }));
  }
  // The engine restarts: a new process has a new id book, and the journal's highest id + 1.
  ids_ = std::make_shared<order_id_book>();
  {
    auto o = options();
    o.min_order_id = highest_journaled() + 1;
    o.client_id = 8;
    recorder& rec = make_recorder();
    auto& c = connect(o, rec);
    for (int i = 1; i <= 2; ++i)
      c.submit(order("B-" + std::to_string(i), OrderType::limit, "1", "1.00"));
    ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::accept) == 2; }));
  }
  // The gateway restarts and forgets: its nextValidId is 1 again.
  for (auto& c : conns_)
    c->stop();
  start_fake(fo);
  ids_ = std::make_shared<order_id_book>();
  {
    auto o = options();
    o.min_order_id = highest_journaled() + 1;
    recorder& rec = make_recorder();
    auto& c = connect(o, rec);
    for (int i = 1; i <= 2; ++i)
      c.submit(order("C-" + std::to_string(i), OrderType::limit, "1", "1.00"));
    ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::accept) == 2; }));
  }
  std::vector<int64_t> journaled;
  for (auto& [e, id] : journal_)
    journaled.push_back(id);
  EXPECT_EQ(journaled, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7}));
  // The fake's own log of every id it ever saw: all new, none twice.
  std::ifstream in(log);
  std::set<int64_t> ids;
  int64_t id;
  std::string ref, what;
  int lines = 0;
  while (in >> id >> ref >> what) {
    ++lines;
    EXPECT_EQ(what, "new") << id << " " << ref;
    EXPECT_TRUE(ids.insert(id).second) << "id " << id << " used twice";
  }
  EXPECT_EQ(lines, 7);

  // Without the journal's floor the restarted gateway's nextValidId would repeat id 1: the
  // fake refuses it as IB does (103), which is what the floor prevents.
  for (auto& x : conns_)
    x->stop();
  start_fake(fo); // a gateway restarted once more: nextValidId 1 again
  ids_ = std::make_shared<order_id_book>();
  recorder& bad = make_recorder();
  auto o = options();
  o.client_id = 9;
  auto& c = connect(o, bad);
  c.submit(order("D-1", OrderType::limit, "1", "1.00"));
  ASSERT_TRUE(bad.wait([](recorder& r) { return r.count(OrderEvent::reject) == 1; }));
  EXPECT_EQ(bad.of("D-1")[0].update.reason, "Duplicate order id");
  std::remove(log.c_str());
  rmdir(dir);
}

TEST(ibkr_order_id_book, allocation_is_monotonic_and_respects_the_floor) {
  order_id_book b;
  EXPECT_EQ(b.allocate(1), 1);
  EXPECT_EQ(b.allocate(1), 2);
  EXPECT_EQ(b.allocate(100), 100); // nextValidId or the journal jumps ahead
  EXPECT_EQ(b.allocate(5), 101);   // a lower nextValidId never takes us back
  EXPECT_EQ(b.highest_used(), 101);
}

} // namespace

namespace {

// The fake-tws program itself: prints its port, speaks to the client, stops on SIGTERM.
TEST(ibkr_fake_tws_program, prints_its_port_and_serves_a_client) {
  std::string bin = std::string(ENGINE_BINARY_DIR) + "/brokers/fake-tws";
  ASSERT_EQ(access(bin.c_str(), X_OK), 0) << bin;
  std::string cmd = bin + " --port 0 --server-version 170 & echo pid=$!";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_TRUE(p);
  char line[256];
  int pid = 0, port = 0;
  while ((pid == 0 || port == 0) && fgets(line, sizeof line, p)) {
    std::sscanf(line, "pid=%d", &pid);
    std::sscanf(line, "listening on 127.0.0.1:%d", &port);
  }
  ASSERT_GT(pid, 0);
  ASSERT_GT(port, 0);
  {
    recorder rec;
    ibkr_options o;
    o.port = static_cast<uint16_t>(port);
    o.client_id = 3;
    ibkr_connection c(o);
    c.start(rec.events());
    ASSERT_TRUE(rec.wait([](recorder& r) { return r.connected > 0; }));
    EXPECT_EQ(c.server_version(), 170);
    c.submit(order("P-1", OrderType::market, "1"));
    ASSERT_TRUE(rec.wait([](recorder& r) { return r.count(OrderEvent::fill) == 1; }));
    c.stop();
  }
  kill(pid, SIGTERM);
  while (fgets(line, sizeof line, p)) {
  }
  pclose(p);
}

} // namespace
