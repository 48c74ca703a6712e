// The trade logger's protocol: a journal request is answered with its seq once durable, in order; the flush barrier; a failed disk.
#include "actors/trade_logger.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <map>

#include "actors/journal/file_ops.hpp"
#include "actors/journal/journal_recovery.hpp"
#include "messages/codec.hpp"
#include "messages/type_ids.hpp"
#include "tests/messages/random_message.hpp"

using namespace engine;

namespace {

constexpr auto timeout = std::chrono::seconds(20);

// fdatasync fails from the n-th call on (the disk went bad); everything else is POSIX.
class failing_sync_ops : public posix_file_ops {
public:
  explicit failing_sync_ops(int from) : from_(from) {}
  int fdatasync(int fd) override {
    if (++calls_ >= from_)
      return -EIO;
    return posix_file_ops::fdatasync(fd);
  }

private:
  int from_;
  std::atomic<int> calls_{0};
};

class TradeLogger : public ::testing::Test {
protected:
  void SetUp() override {
    auto info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::string{ENGINE_BINARY_DIR} + "/trade-logger-test-tmp/" + info->name();
    std::filesystem::remove_all(dir_);
    cfg_.add_message_types<caf::id_block::engine>();
    sys_ = std::make_unique<caf::actor_system>(cfg_);
  }
  void TearDown() override {
    sys_.reset();
    if (!HasFailure())
      std::filesystem::remove_all(dir_);
  }

  journal_config journal(fsync_policy p) const {
    journal_config j;
    j.dir = dir_;
    j.fsync = p;
    j.batch_max_records = 16;
    j.batch_max_us = 200;
    return j;
  }

  std::string dir_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
};

} // namespace

// Many requests in flight at once (several group commits): every one is
// answered with its own seq, and replay finds exactly what was sent.
TEST_F(TradeLogger, EveryRecordIsAnsweredWithItsSeqAndReplaysExactly) {
  for (auto policy : {fsync_policy::batch, fsync_policy::never, fsync_policy::always}) {
    std::filesystem::remove_all(dir_);
    const int n = 300;
    std::map<uint64_t, std::string> sent; // seq -> JSON of the message
    std::map<int, std::string> json_of;
    {
      auto tl = spawn_trade_logger(*sys_, journal(policy), 1);
      caf::scoped_actor self{*sys_};
      engine::testing::randomizer rnd{5};
      std::vector<caf::message_id> ids;
      for (int i = 0; i < n; ++i) {
        if (i % 3 == 2) {
          Fill f;
          rnd.fill(f);
          f.timestamp = 0; // no session-day rotation in this test
          json_of[i] = to_json(f);
          self->send(tl, journal_atom::value, std::string{"fill"}, f);
        } else {
          OrderUpdate u;
          rnd.fill(u);
          u.timestamp = 0;
          json_of[i] = to_json(u);
          self->send(tl, journal_atom::value, std::string{"acknowledged"}, u);
        }
      }
      // Answers arrive as plain responses to the sends above, in seq order.
      for (int i = 0; i < n; ++i) {
        bool got = false;
        self->receive([&](uint64_t seq) {
          got = true;
          EXPECT_EQ(seq, static_cast<uint64_t>(i + 1));
          sent[seq] = json_of[i];
        },
                      [&](caf::error& e) { ADD_FAILURE() << sys_->render(e); },
                      caf::after(timeout) >> [&] { ADD_FAILURE() << "no answer " << i; });
        if (!got)
          break;
      }
      // The flush barrier with nothing pending answers the durable seq at once.
      self->request(tl, timeout, journal_atom::value)
        .receive([&](uint64_t durable) { EXPECT_EQ(durable, static_cast<uint64_t>(n)); },
                 [&](caf::error& e) { ADD_FAILURE() << sys_->render(e); });
      self->send_exit(tl, caf::exit_reason::user_shutdown);
      self->wait_for(tl);
    }
    ASSERT_EQ(sent.size(), static_cast<size_t>(n)) << enum_name(policy);
    size_t seen = 0;
    auto sum = replay(dir_, false, [&](const journal_record& r) {
      ++seen;
      auto i = sent.find(r.seq);
      ASSERT_NE(i, sent.end());
      if (r.stream == journal_stream::trade_log) {
        Fill f;
        ASSERT_TRUE(from_json(r.line, f));
        EXPECT_EQ(to_json(f), i->second);
      } else {
        OrderUpdate u;
        ASSERT_TRUE(from_json(r.line, u, missing_fields::take_default));
        EXPECT_EQ(to_json(u), i->second);
      }
    });
    EXPECT_EQ(seen, static_cast<size_t>(n));
    EXPECT_TRUE(sum.clean());
  }
}

// The barrier sent behind records answers only after all of them are durable.
TEST_F(TradeLogger, FlushBarrierWaitsForEverythingBeforeIt) {
  auto tl = spawn_trade_logger(*sys_, journal(fsync_policy::batch), 41);
  caf::scoped_actor self{*sys_};
  OrderRequest o;
  o.order_id = "O-1";
  for (int i = 0; i < 50; ++i)
    self->send(tl, journal_atom::value, std::string{"accepted"}, o);
  uint64_t durable = 0;
  self->request(tl, timeout, journal_atom::value)
    .receive([&](uint64_t d) { durable = d; },
             [&](caf::error& e) { ADD_FAILURE() << sys_->render(e); });
  EXPECT_EQ(durable, 90u);
  int answers = 0;
  for (int i = 0; i < 50; ++i)
    self->receive([&](uint64_t) { ++answers; }, caf::after(timeout) >> [] {});
  EXPECT_EQ(answers, 50);
  self->send_exit(tl, caf::exit_reason::user_shutdown);
}

// A failed fdatasync: the records of that commit get an error, and so does
// every later one (sticky), without anything reported durable.
TEST_F(TradeLogger, AFailedDiskAnswersErrorsNotSeqs) {
  auto ops = std::make_shared<failing_sync_ops>(2);
  auto tl = spawn_trade_logger(*sys_, journal(fsync_policy::always), 1, ops);
  caf::scoped_actor self{*sys_};
  Fill f;
  f.exec_id = "E-1";
  auto ask = [&](std::string& error) {
    uint64_t seq = 0;
    self->request(tl, timeout, journal_atom::value, std::string{"fill"}, f)
      .receive([&](uint64_t s) { seq = s; }, [&](caf::error& e) { error = sys_->render(e); });
    return seq;
  };
  std::string error;
  EXPECT_EQ(ask(error), 1u);
  EXPECT_EQ(error, "");
  EXPECT_EQ(ask(error), 0u);
  EXPECT_NE(error.find("Input/output error"), std::string::npos) << error;
  error.clear();
  EXPECT_EQ(ask(error), 0u);
  EXPECT_NE(error.find("journal failed"), std::string::npos) << error;
  self->send_exit(tl, caf::exit_reason::user_shutdown);
}

// One-way records: no promise per record; each group commit tells the sender once, with the
// highest of its numbers it made durable, and the numbers told only grow.
TEST_F(TradeLogger, OneWayRecordsAreSettledOncePerCommitWithTheHighestNumber) {
  auto tl = spawn_trade_logger(*sys_, journal(fsync_policy::batch), 1);
  caf::scoped_actor self{*sys_};
  Fill f;
  f.exec_id = "E-1";
  constexpr uint64_t records = 200;
  for (uint64_t n = 1; n <= records; ++n)
    self->send(tl, journal_atom::value, std::string{"nobody"}, n, std::string{"fill"}, f);
  uint64_t highest = 0;
  int answers = 0;
  bool in_order = true, more = true;
  while (more && highest < records)
    self->receive(
      [&](durable_atom, uint64_t n, bool ok, const std::string& err) {
        EXPECT_TRUE(ok) << err;
        in_order = in_order && n > highest;
        highest = n;
        ++answers;
      },
      caf::after(timeout) >> [&] { more = false; });
  EXPECT_EQ(highest, records);
  EXPECT_TRUE(in_order);
  EXPECT_LT(answers, static_cast<int>(records)) << "batches of up to 16: fewer answers than records";
  self->monitor(tl);
  self->send_exit(tl, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {}); // the writer let go of the journal
  uint64_t seen = 0;
  replay(dir_, false, [&](const journal_record&) { ++seen; });
  EXPECT_EQ(seen, records);
}

// A failed disk: the one-way sender is told not durable, for that commit and every later record.
TEST_F(TradeLogger, OneWayRecordsOnAFailedDiskAreToldNotDurable) {
  auto ops = std::make_shared<failing_sync_ops>(2);
  auto tl = spawn_trade_logger(*sys_, journal(fsync_policy::always), 1, ops);
  caf::scoped_actor self{*sys_};
  Fill f;
  auto ask = [&](uint64_t n, std::string& error) {
    self->send(tl, journal_atom::value, std::string{"nobody"}, n, std::string{"fill"}, f);
    bool durable = false;
    self->receive(
      [&](durable_atom, uint64_t got, bool ok, const std::string& err) {
        EXPECT_EQ(got, n);
        durable = ok;
        error = err;
      },
      caf::after(timeout) >> [&] { error = "no answer"; });
    return durable;
  };
  std::string error;
  EXPECT_TRUE(ask(1, error)) << error;
  EXPECT_FALSE(ask(2, error));
  EXPECT_NE(error.find("Input/output error"), std::string::npos) << error;
  EXPECT_FALSE(ask(3, error));
  EXPECT_NE(error.find("journal failed"), std::string::npos) << error;
  self->send_exit(tl, caf::exit_reason::user_shutdown);
}

// Without an explicit exit the logger must still go away when its last handle
// does (the writer must not keep the actor alive), or ~actor_system would hang.
TEST_F(TradeLogger, DroppingTheLastHandleEndsTheActor) {
  {
    auto tl = spawn_trade_logger(*sys_, journal(fsync_policy::never), 1);
    caf::scoped_actor self{*sys_};
    Fill f;
    self->request(tl, timeout, journal_atom::value, std::string{"fill"}, f)
      .receive([&](uint64_t s) { EXPECT_EQ(s, 1u); },
               [&](caf::error& e) { ADD_FAILURE() << sys_->render(e); });
  }
  sys_->await_all_actors_done();
  uint64_t seen = 0;
  replay(dir_, false, [&](const journal_record&) { ++seen; });
  EXPECT_EQ(seen, 1u);
}

namespace {

// POSIX, counting the page-cache drops the writer asks for.
class counting_drop_ops : public posix_file_ops {
public:
  std::atomic<int> drops{0};
  int drop_cached(int fd, uint64_t offset, uint64_t len) override {
    ++drops;
    return posix_file_ops::drop_cached(fd, offset, len);
  }
};

} // namespace

// Every journal key of the config reaches the writer (page_cache_bytes once did not: the
// logger built the writer's options by position, and the window was silently 0).
TEST_F(TradeLogger, TheConfigsPageCacheWindowReachesTheWriter) {
  for (int64_t window : {int64_t{0}, int64_t{16384}}) {
    std::filesystem::remove_all(dir_);
    auto ops = std::make_shared<counting_drop_ops>();
    auto cfg = journal(fsync_policy::batch);
    cfg.page_cache_bytes = window;
    auto tl = spawn_trade_logger(*sys_, cfg, 1, ops);
    caf::scoped_actor self{*sys_};
    Fill f;
    f.exec_id = "E-1";
    for (int i = 0; i < 2000; ++i)
      self->send(tl, journal_atom::value, std::string{"fill"}, f);
    uint64_t durable = 0;
    self->request(tl, timeout, journal_atom::value)
      .receive([&](uint64_t d) { durable = d; },
               [&](caf::error& e) { ADD_FAILURE() << sys_->render(e); });
    EXPECT_EQ(durable, 2000u);
    for (int i = 0; i < 2000; ++i)
      self->receive([](uint64_t) {}, caf::after(timeout) >> [] { ADD_FAILURE(); });
    if (window == 0)
      EXPECT_EQ(ops->drops.load(), 0) << "0 leaves the cache to the kernel";
    else
      EXPECT_GT(ops->drops.load(), 0) << "a 16 KiB window is trimmed well before 2000 fills";
    self->send_exit(tl, caf::exit_reason::user_shutdown);
  }
}
