// Random orders through the client against fake-tws under each fault kind, with a small
// supervisor loop (reconnect, then reconcile executions): at the end the fills seen equal the
// fake's executions, each with its commission, positions agree, no order id was used twice,
// and every order either reached the fake or was refused before it left.
#include "brokers/ibkr/client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "brokers/faults/fault_plan.hpp"
#include "brokers/ibkr/fake/fake_tws.hpp"

using namespace engine;
using namespace engine::ibkr;
using namespace std::chrono_literals;

namespace {

struct soak_case {
  const char* name;
  const char* plan;
};

struct books {
  std::mutex m;
  std::condition_variable cv;
  std::map<std::string, Fill> fills;          // exec id -> fill (quantity from the first report)
  std::map<std::string, Money> commissions;    // exec id -> commission, however it came
  std::set<std::string> refused;               // broker_unavailable before sending
  std::set<std::string> final_ids;
  bool connected = false, down = false;

  void fill(const Fill& f) {
    if (f.quantity.is_positive())
      fills.emplace(f.exec_id, f);
    auto& c = commissions[f.exec_id];
    c = std::max(c, f.commission);
  }
};

template <class T, class F>
std::optional<T> ask(F call) {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::optional<T> value;
  call([&](std::optional<T> v, std::string) {
    std::lock_guard<std::mutex> lk(m);
    value = std::move(v);
    done = true;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lk(m);
  cv.wait_for(lk, 5s, [&] { return done; });
  return value;
}

class ibkr_soak : public ::testing::TestWithParam<soak_case> {};

TEST_P(ibkr_soak, books_equal_the_fake_after_faults) {
  fake::fake_tws_options fo;
  fo.plan = parse_fault_plan_text(GetParam().plan, GetParam().name);
  fake::fake_tws tws(fo);
  uint16_t port = tws.start();
  books b;
  auto ids = std::make_shared<order_id_book>();
  std::mt19937_64 rng(7);
  const std::vector<std::string> tickers = {"AAPL", "MSFT", "SPY"};
  const int total_orders = 30;
  int sent = 0;
  auto deadline = std::chrono::steady_clock::now() + 8s;
  std::vector<std::string> resting;

  auto new_connection = [&]() {
    ibkr_options o;
    o.port = port;
    o.client_id = 5;
    o.connect_timeout_ms = 300;
    o.answer_timeout_ms = 300;
    o.heartbeat_ms = 50;
    o.commission_wait_ms = 20;
    o.ids = ids;
    auto c = std::make_unique<ibkr_connection>(o);
    net::venue_events ev;
    ev.on_report = [&b](ExecutionReport r) {
      std::lock_guard<std::mutex> lk(b.m);
      if (r.event == OrderEvent::fill || r.event == OrderEvent::partial_fill)
        b.fill(r.fill);
      if (r.event == OrderEvent::reject &&
          r.update.reason.find("broker_unavailable") != std::string::npos)
        b.refused.insert(r.update.order_id);
      b.cv.notify_all();
    };
    ev.on_connected = [&b] {
      std::lock_guard<std::mutex> lk(b.m);
      b.connected = true;
      b.cv.notify_all();
    };
    ev.on_disconnected = [&b](net::venue_error) {
      std::lock_guard<std::mutex> lk(b.m);
      b.down = true;
      b.cv.notify_all();
    };
    {
      std::lock_guard<std::mutex> lk(b.m);
      b.connected = b.down = false;
    }
    c->start(ev);
    std::unique_lock<std::mutex> lk(b.m);
    b.cv.wait_for(lk, 2s, [&] { return b.connected || b.down; });
    return c;
  };

  auto reconcile = [&](ibkr_connection& c) {
    auto fills = ask<std::vector<Fill>>([&](auto d) { c.fills_since(0, d); });
    if (!fills)
      return false;
    std::lock_guard<std::mutex> lk(b.m);
    for (auto& f : *fills)
      b.fill(f);
    return true;
  };

  while (std::chrono::steady_clock::now() < deadline) {
    auto c = new_connection();
    bool up;
    {
      std::lock_guard<std::mutex> lk(b.m);
      up = b.connected && !b.down;
    }
    if (!up) {
      c->stop();
      std::this_thread::sleep_for(20ms); // backoff
      continue;
    }
    if (!reconcile(*c)) {
      c->stop();
      continue;
    }
    if (sent >= total_orders) {
      std::this_thread::sleep_for(100ms); // let late commissions arrive
      reconcile(*c);
      c->stop();
      break;
    }
    while (sent < total_orders) {
      {
        std::lock_guard<std::mutex> lk(b.m);
        if (b.down)
          break;
      }
      OrderRequest r;
      r.order_id = std::string(GetParam().name) + "-" + std::to_string(++sent);
      r.client_order_id = r.order_id;
      r.ticker = tickers[rng() % tickers.size()];
      r.side = rng() % 2 ? OrderSide::buy : OrderSide::sell;
      r.quantity = Quantity::from_units(static_cast<int64_t>(1 + rng() % 5));
      if (rng() % 3 == 0) {
        r.order_type = OrderType::limit;
        r.price = r.side == OrderSide::buy ? *Price::parse("1.00") : *Price::parse("10000");
        resting.push_back(r.order_id);
      }
      c->submit(r);
      if (resting.size() > 2 && rng() % 2 == 0) {
        CancelRequest cr;
        cr.order_id = resting.front();
        resting.erase(resting.begin());
        c->cancel(cr);
      }
      std::this_thread::sleep_for(5ms);
    }
    std::unique_lock<std::mutex> lk(b.m);
    b.cv.wait_for(lk, 150ms, [&] { return b.down; });
    bool down = b.down;
    lk.unlock();
    if (!down)
      reconcile(*c);
    c->stop();
  }
  ASSERT_GE(sent, total_orders) << "did not get all orders out before the deadline";

  auto execs = tws.executions();
  std::set<std::string> fake_ids, our_ids;
  std::map<std::string, Quantity> fake_pos, our_pos;
  for (auto& x : execs) {
    fake_ids.insert(x.exec_id);
    EXPECT_EQ(b.commissions[x.exec_id], x.commission) << x.exec_id;
    auto it = b.fills.find(x.exec_id);
    if (it != b.fills.end()) {
      EXPECT_EQ(it->second.quantity, x.shares) << x.exec_id;
      EXPECT_EQ(it->second.price, x.price) << x.exec_id;
      EXPECT_EQ(it->second.order_id, x.order_ref) << x.exec_id;
    }
  }
  for (auto& [id, f] : b.fills) {
    our_ids.insert(id);
    our_pos[f.ticker] += f.side == OrderSide::buy ? f.quantity : -f.quantity;
  }
  EXPECT_EQ(our_ids, fake_ids); // no fill lost, none invented, none twice
  for (auto& [t, q] : tws.positions())
    if (!q.is_zero())
      fake_pos[t] = q;
  for (auto i = our_pos.begin(); i != our_pos.end();)
    i = i->second.is_zero() ? our_pos.erase(i) : std::next(i);
  EXPECT_EQ(our_pos, fake_pos);

  // Order ids: never one twice; every order reached the fake or was refused before it left.
  std::set<int64_t> seen_ids;
  std::set<std::string> refs;
  for (auto& s : tws.orders_seen()) {
    EXPECT_NE(s.what, "duplicate") << s.order_id;
    if (s.what != "modify") {
      EXPECT_TRUE(seen_ids.insert(s.order_id).second) << "id " << s.order_id << " twice";
    }
    refs.insert(s.order_ref);
  }
  // An order sent into a hung or dropped line never arrived: only the venue can say so, by
  // client order id (never by resubmitting it).
  std::unique_ptr<ibkr_connection> last;
  for (int attempt = 0; attempt < 50 && !last; ++attempt) {
    auto c = new_connection();
    std::lock_guard<std::mutex> lk(b.m);
    if (b.connected && !b.down)
      last = std::move(c);
    else
      std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(last);
  int never_arrived = 0;
  for (int i = 1; i <= total_orders; ++i) {
    std::string id = std::string(GetParam().name) + "-" + std::to_string(i);
    EXPECT_FALSE(refs.count(id) && b.refused.count(id)) << id;
    if (refs.count(id) || b.refused.count(id))
      continue;
    std::mutex m;
    std::condition_variable cv;
    bool done = false, known = true;
    std::string err = "no answer";
    last->order_by_client_id(id, [&](std::optional<OrderExecution> x, std::string e) {
      std::lock_guard<std::mutex> lk(m);
      known = x.has_value();
      err = e;
      done = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lk(m);
    EXPECT_TRUE(cv.wait_for(lk, 5s, [&] { return done; }));
    EXPECT_FALSE(known) << id;
    EXPECT_EQ(err, "") << id;
    ++never_arrived;
  }
  last->stop();
  if (std::string(GetParam().name) != "hang" && std::string(GetParam().name) != "delay") {
    EXPECT_EQ(never_arrived, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(
  faults, ibkr_soak,
  ::testing::Values(
    soak_case{"none", "rules: []\n"},
    soak_case{"disconnect",
              "rules:\n  - {kind: disconnect, after_orders: 7, duration_ms: 150, repeat: 3}\n"},
    soak_case{"refuse", "rules:\n  - {kind: refuse, at_s: 0.05, duration_ms: 200}\n"},
    soak_case{"hang", "rules:\n  - {kind: hang, at_s: 0.1, duration_ms: 400}\n"},
    soak_case{"delay",
              "rules:\n  - {kind: delay, at_s: 0, duration_ms: 2000, delay_ms: 20}\n"},
    soak_case{"garbage", "rules:\n  - {kind: garbage, after_orders: 6, count: 1, repeat: 2}\n"},
    soak_case{"reject", "seed: 3\nrules:\n  - {kind: reject, probability: 0.2}\n"},
    soak_case{"drop_fill", "seed: 4\nrules:\n  - {kind: drop_fill, probability: 0.3}\n"},
    soak_case{"duplicate_fill",
              "seed: 5\nrules:\n  - {kind: duplicate_fill, probability: 0.3}\n"},
    soak_case{"connectivity", "rules:\n  - {kind: server_error, after_orders: 8, count: 1}\n"},
    soak_case{"client_id_in_use",
              "rules:\n  - {kind: disconnect, after_orders: 5, duration_ms: 50}\n"
              "  - {kind: rate_limit, after_orders: 5, count: 2}\n"}),
  [](const ::testing::TestParamInfo<soak_case>& i) { return std::string(i.param.name); });

} // namespace
