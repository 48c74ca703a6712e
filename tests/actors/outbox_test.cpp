// The outbox (smart batching): one batch per receiver that takes batches, one by one to the rest.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/outbox.hpp"

namespace engine {
namespace {

using put_atom = caf::atom_constant<caf::atom("put")>;

/// What a receiver saw: each int, and how many batches and lone messages carried them.
struct seen {
  std::mutex mtx;
  std::vector<int> values;
  int batches = 0;
  int alone = 0;
  std::promise<void> all;
  size_t expect = 0;
  void add(int v) {
    std::lock_guard<std::mutex> lk{mtx};
    values.push_back(v);
    if (values.size() == expect)
      all.set_value();
  }
};

/// Takes batches and counts them (the envelope itself, to see how the ints travelled).
caf::behavior counting_taker(caf::event_based_actor* self, std::shared_ptr<seen> s) {
  accept_batches(self);
  return {
    [=](MessageBatch& b) {
      ++s->batches;
      for (auto& m : b.messages)
        s->add(m.get_as<int>(0));
    },
    [=](int v) {
      ++s->alone;
      s->add(v);
    },
  };
}

/// Takes batches through batching_behavior: each message handled as if it came alone.
caf::behavior dispatching_taker(caf::event_based_actor* self, std::shared_ptr<seen> s) {
  return batching_behavior(self, nullptr, [=](int v) { s->add(v); });
}

/// Does not take batches: a remote proxy, a test's actor.
caf::behavior plain_receiver(caf::event_based_actor*, std::shared_ptr<seen> s) {
  return {[=](int v) {
    ++s->alone;
    s->add(v);
  }};
}

struct sender_state {
  outbox out;
};

/// Puts `n` ints for `to` while handling one message: they leave in one flush.
caf::behavior sender(caf::stateful_actor<sender_state>* self) {
  return batching_behavior(self, &self->state.out,
                           [=](put_atom, const caf::actor& to, int first, int n) {
                             for (int i = 0; i < n; ++i)
                               self->state.out.send(self, outbox::core, to, first + i);
                           });
}

/// An actor registers when its behavior is made, as it first runs: wait for that.
bool wait_until_taking(const caf::actor& a) {
  for (int i = 0; i < 2000 && !accepts_batches(a); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return accepts_batches(a);
}

struct outbox_fixture : ::testing::Test {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
};

std::vector<int> iota(int first, int n) {
  std::vector<int> xs;
  for (int i = 0; i < n; ++i)
    xs.push_back(first + i);
  return xs;
}

/// Has a sender put each turn's ints {first, n} for `to` (one turn per message it handles)
/// and waits until `to` saw them all. False when they did not arrive in time.
bool deliver(caf::actor_system& sys, const caf::actor& to, seen& s,
             std::vector<std::pair<int, int>> turns) {
  for (auto& [first, n] : turns)
    s.expect += static_cast<size_t>(n);
  auto from = sys.spawn(sender);
  for (auto& [first, n] : turns)
    caf::anon_send(from, put_atom::value, to, first, n);
  bool ok = s.all.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  caf::anon_send_exit(from, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(to, caf::exit_reason::user_shutdown);
  return ok;
}

TEST_F(outbox_fixture, what_one_turn_sends_a_taker_arrives_as_one_batch_in_order) {
  auto s = std::make_shared<seen>();
  auto taker = sys.spawn(counting_taker, s);
  ASSERT_TRUE(wait_until_taking(taker));
  ASSERT_TRUE(deliver(sys, taker, *s, {{1, 50}}));
  EXPECT_EQ(s->values, iota(1, 50));
  EXPECT_EQ(s->batches, 1);
  EXPECT_EQ(s->alone, 0);
}

TEST_F(outbox_fixture, a_lone_message_is_sent_as_itself) {
  auto s = std::make_shared<seen>();
  auto taker = sys.spawn(counting_taker, s);
  ASSERT_TRUE(wait_until_taking(taker));
  ASSERT_TRUE(deliver(sys, taker, *s, {{7, 1}}));
  EXPECT_EQ(s->values, std::vector<int>{7});
  EXPECT_EQ(s->batches, 0) << "under light load a batch is one message, without an envelope";
  EXPECT_EQ(s->alone, 1);
}

TEST_F(outbox_fixture, a_receiver_that_does_not_take_batches_gets_them_one_by_one) {
  auto s = std::make_shared<seen>();
  auto plain = sys.spawn(plain_receiver, s);
  ASSERT_TRUE(deliver(sys, plain, *s, {{100, 20}}));
  EXPECT_EQ(s->values, iota(100, 20));
  EXPECT_EQ(s->alone, 20);
}

TEST_F(outbox_fixture, batching_behavior_handles_each_message_of_a_batch_in_order) {
  auto s = std::make_shared<seen>();
  auto taker = sys.spawn(dispatching_taker, s);
  ASSERT_TRUE(wait_until_taking(taker));
  // Two turns: 10 then 20, each its own batch, in the order sent.
  ASSERT_TRUE(deliver(sys, taker, *s, {{0, 10}, {10, 20}}));
  EXPECT_EQ(s->values, iota(0, 30));
}

TEST_F(outbox_fixture, an_actor_takes_batches_only_while_it_lives) {
  auto s = std::make_shared<seen>();
  auto taker = sys.spawn(counting_taker, s);
  EXPECT_TRUE(wait_until_taking(taker));
  auto plain = sys.spawn(plain_receiver, s);
  EXPECT_FALSE(accepts_batches(plain));
  caf::scoped_actor waiter{sys};
  waiter->monitor(taker);
  caf::anon_send_exit(taker, caf::exit_reason::user_shutdown);
  waiter->receive([](const caf::down_msg&) {});
  // The list forgets it as its actor is cleaned up (maybe just after the down message),
  // before its address can be reused by another actor.
  for (int i = 0; i < 1000 && accepts_batches(taker); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_FALSE(accepts_batches(taker));
  caf::anon_send_exit(plain, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace engine
