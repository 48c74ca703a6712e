// The writer: policies, group commit, completion order, rotation and sticky failure.
#include "actors/journal/journal_writer.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "tests/journal/journal_test_util.hpp"

using namespace engine;
using namespace engine::testing;

namespace {

class JournalWriter : public journal_dir_test {};

class JournalWriterPolicy : public journal_dir_test,
                            public ::testing::WithParamInterface<fsync_policy> {};

// The segment files in dir (journal.lock is not one).
std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator{dir})
    if (e.path().filename() != "journal.lock")
      names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void expect_seq_order(const std::vector<completion_log::entry>& entries, uint64_t first) {
  for (size_t i = 0; i < entries.size(); ++i)
    EXPECT_EQ(entries[i].seq, first + i) << "completion " << i;
}

} // namespace

TEST_P(JournalWriterPolicy, ReplayReproducesEveryRecordExactly) {
  const size_t n = 300;
  completion_log log;
  std::vector<expected_record> want;
  {
    journal_writer w{options(GetParam()), 1};
    want = append_random(w, n, 11, log);
    ASSERT_TRUE(log.wait_for(n));
    EXPECT_EQ(w.durable_seq(), n);
    EXPECT_FALSE(w.failed());
    auto st = w.stats();
    EXPECT_EQ(st.records, n);
    EXPECT_GT(st.bytes, n * 50);
    if (GetParam() == fsync_policy::never)
      EXPECT_EQ(st.syncs, 0u);
    else
      EXPECT_GE(st.syncs, 1u);
  }
  auto entries = log.entries();
  expect_seq_order(entries, 1);
  for (const auto& e : entries) {
    EXPECT_TRUE(e.ok) << e.seq;
    EXPECT_EQ(e.error, "");
  }
  std::vector<replayed> got;
  auto sum = replay_all(dir_, false, got);
  EXPECT_TRUE(sum.clean());
  EXPECT_EQ(sum.records, n);
  EXPECT_EQ(sum.first_seq, 1u);
  EXPECT_EQ(sum.last_seq, n);
  EXPECT_EQ(sum.next_seq(), n + 1);
  EXPECT_EQ(sum.gaps, 0u);
  expect_same(got, want);
  EXPECT_EQ(files_in(dir_),
            (std::vector<std::string>{"order_book.000001.jsonl", "trade_log.000001.jsonl"}));
}

INSTANTIATE_TEST_SUITE_P(EachPolicy, JournalWriterPolicy,
                         ::testing::Values(fsync_policy::always, fsync_policy::batch,
                                           fsync_policy::never),
                         [](const auto& info) { return std::string{enum_name(info.param)}; });

TEST_F(JournalWriter, CompletionsComeAfterTheirBytesAreSynced) {
  for (auto policy : {fsync_policy::always, fsync_policy::batch}) {
    std::filesystem::remove_all(dir_);
    auto ops = std::make_shared<scripted_ops>();
    completion_log log;
    log.probe = [ops] { return ops->synced_upto.load(); };
    {
      journal_writer w{options(policy), 1, ops};
      randomizer rnd{3};
      for (int i = 0; i < 200; ++i) {
        OrderRequest o;
        rnd.fill(o);
        w.append(journal_stream::order_book, "received", o, i, log.callback());
      }
      ASSERT_TRUE(log.wait_for(200));
    }
    // The k-th completion may fire only once the file's first k lines are synced.
    auto lines = split_lines(read_file(path("order_book.000001.jsonl")));
    ASSERT_EQ(lines.size(), 200u);
    uint64_t end = 0;
    auto entries = log.entries();
    for (size_t i = 0; i < entries.size(); ++i) {
      end += lines[i].size() + 1;
      EXPECT_TRUE(entries[i].ok);
      EXPECT_GE(entries[i].probe_value, end) << enum_name(policy) << " record " << i + 1;
    }
  }
}

TEST_F(JournalWriter, CompletionsFireInSeqOrderWithManyAppendingThreads) {
  completion_log log;
  const int threads = 4;
  const int per_thread = 250;
  {
    journal_writer w{options(fsync_policy::batch), 1};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&, t] {
        randomizer rnd{static_cast<uint64_t>(t)};
        for (int i = 0; i < per_thread; ++i) {
          Fill f;
          rnd.fill(f);
          w.append(t % 2 ? journal_stream::trade_log : journal_stream::order_book, "fill", f, i,
                   log.callback());
        }
      });
    for (auto& t : ts)
      t.join();
    ASSERT_TRUE(log.wait_for(threads * per_thread));
  }
  expect_seq_order(log.entries(), 1);
  std::vector<replayed> got;
  auto sum = replay_all(dir_, false, got);
  EXPECT_EQ(sum.records, static_cast<uint64_t>(threads * per_thread));
  EXPECT_EQ(sum.gaps, 0u);
}

TEST_F(JournalWriter, BatchGroupCommitIsBoundedByBatchMaxRecords) {
  auto ops = std::make_shared<scripted_ops>();
  ops->gate_first_sync = true;
  auto entered = ops->sync_entered.get_future();
  completion_log log;
  auto opts = options(fsync_policy::batch);
  opts.batch_max_records = 100;
  journal_writer w{opts, 1, ops};
  Fill f;
  w.append(journal_stream::trade_log, "fill", f, 0, log.callback());
  ASSERT_EQ(entered.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  // 1000 records queue up while the first sync is held: they must go in 10
  // commits of 100, one fdatasync each.
  for (int i = 0; i < 1000; ++i)
    w.append(journal_stream::trade_log, "fill", f, i, log.callback());
  ops->sync_release.set_value();
  ASSERT_TRUE(log.wait_for(1001));
  auto st = w.stats();
  EXPECT_EQ(st.records, 1001u);
  EXPECT_EQ(st.syncs, 11u);
  EXPECT_EQ(ops->syncs.load(), 11);
  EXPECT_EQ(ops->writes.load(), 11);
  expect_seq_order(log.entries(), 1);
}

TEST_F(JournalWriter, AlwaysSharesTheNextSyncWithRecordsQueuedDuringOne) {
  auto ops = std::make_shared<scripted_ops>();
  ops->gate_first_sync = true;
  auto entered = ops->sync_entered.get_future();
  completion_log log;
  journal_writer w{options(fsync_policy::always), 1, ops};
  Fill f;
  w.append(journal_stream::trade_log, "fill", f, 0, log.callback());
  ASSERT_EQ(entered.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  for (int i = 0; i < 10; ++i)
    w.append(journal_stream::trade_log, "fill", f, i, log.callback());
  EXPECT_EQ(log.entries().size(), 0u); // nothing is complete before its sync
  ops->sync_release.set_value();
  ASSERT_TRUE(log.wait_for(11));
  EXPECT_EQ(w.stats().syncs, 2u);
  expect_seq_order(log.entries(), 1);
}

TEST_F(JournalWriter, BatchOnARealDiskSyncsFarLessThanOncePerRecord) {
  completion_log log;
  auto opts = options(fsync_policy::batch);
  opts.batch_max_records = 256;
  opts.batch_max_us = 2000;
  journal_writer w{opts, 1};
  const size_t n = 3000;
  append_random(w, n, 5, log);
  ASSERT_TRUE(log.wait_for(n));
  auto st = w.stats();
  EXPECT_EQ(st.records, n);
  EXPECT_LT(st.syncs, st.records);
  EXPECT_LE(st.syncs, n / 10) << "group commit should batch quickly appended records";
}

TEST_F(JournalWriter, InjectedEioOnSyncFailsThatRecordAndAllLaterOnes) {
  auto ops = std::make_shared<scripted_ops>();
  ops->fail_sync_at = 3;
  ops->fail_sync_errno = EIO;
  completion_log log;
  journal_writer w{options(fsync_policy::always), 1, ops};
  Fill f;
  for (size_t i = 1; i <= 3; ++i) {
    w.append(journal_stream::trade_log, "fill", f, 0, log.callback());
    ASSERT_TRUE(log.wait_for(i)); // one record per commit
  }
  EXPECT_TRUE(w.failed());
  EXPECT_NE(w.failure().find("fdatasync"), std::string::npos) << w.failure();
  EXPECT_NE(w.failure().find("Input/output error"), std::string::npos) << w.failure();
  EXPECT_EQ(w.durable_seq(), 2u);
  auto writes_at_failure = ops->writes.load();
  w.append(journal_stream::trade_log, "fill", f, 0, log.callback());
  w.append(journal_stream::order_book, "accepted", f, 0, log.callback());
  ASSERT_TRUE(log.wait_for(5));
  auto entries = log.entries();
  expect_seq_order(entries, 1);
  EXPECT_TRUE(entries[0].ok);
  EXPECT_TRUE(entries[1].ok);
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_FALSE(entries[i].ok) << i;
    EXPECT_EQ(entries[i].error, w.failure());
  }
  EXPECT_EQ(w.durable_seq(), 2u);
  EXPECT_EQ(ops->writes.load(), writes_at_failure); // sticky: nothing more is written
  EXPECT_EQ(w.stats().records, 2u);
}

TEST_F(JournalWriter, InjectedEnospcOnWriteFailsTheBatch) {
  auto ops = std::make_shared<scripted_ops>();
  ops->fail_write_at = 2;
  ops->fail_write_errno = ENOSPC;
  completion_log log;
  journal_writer w{options(fsync_policy::batch), 1, ops};
  OrderRequest o;
  w.append(journal_stream::order_book, "received", o, 1, log.callback());
  ASSERT_TRUE(log.wait_for(1));
  for (int i = 0; i < 20; ++i)
    w.append(journal_stream::order_book, "received", o, 1, log.callback());
  ASSERT_TRUE(log.wait_for(21));
  auto entries = log.entries();
  expect_seq_order(entries, 1);
  EXPECT_TRUE(entries[0].ok);
  for (size_t i = 1; i < entries.size(); ++i) {
    EXPECT_FALSE(entries[i].ok);
    EXPECT_NE(entries[i].error.find("No space left on device"), std::string::npos);
  }
  EXPECT_TRUE(w.failed());
  EXPECT_EQ(w.durable_seq(), 1u);
}

TEST_F(JournalWriter, OpenFailureIsAWriteFailure) {
  auto ops = std::make_shared<scripted_ops>();
  ops->fail_open_errno = EACCES;
  completion_log log;
  journal_writer w{options(fsync_policy::always), 1, ops};
  Fill f;
  w.append(journal_stream::trade_log, "fill", f, 0, log.callback());
  ASSERT_TRUE(log.wait_for(1));
  EXPECT_FALSE(log.entries()[0].ok);
  EXPECT_NE(w.failure().find("open"), std::string::npos) << w.failure();
  EXPECT_EQ(w.durable_seq(), 0u);
}

TEST_F(JournalWriter, RealDevFullFailsAndNothingIsReportedDurable) {
  if (::access("/dev/full", W_OK) != 0)
    GTEST_SKIP() << "/dev/full is not writable here";
  completion_log log;
  journal_writer w{options(fsync_policy::batch), 1};
  // Segments are created on their first record, so the name the writer will
  // open can still be pointed at a device that is always full.
  std::filesystem::create_symlink("/dev/full", path("order_book.000001.jsonl"));
  OrderRequest o;
  for (int i = 0; i < 5; ++i)
    w.append(journal_stream::order_book, "received", o, i, log.callback());
  ASSERT_TRUE(log.wait_for(5));
  Fill f;
  w.append(journal_stream::trade_log, "fill", f, 9, log.callback());
  ASSERT_TRUE(log.wait_for(6));
  auto entries = log.entries();
  expect_seq_order(entries, 1);
  for (const auto& e : entries) {
    EXPECT_FALSE(e.ok) << e.seq;
    EXPECT_NE(e.error.find("No space left on device"), std::string::npos) << e.error;
  }
  EXPECT_TRUE(w.failed());
  EXPECT_EQ(w.durable_seq(), 0u);
  EXPECT_EQ(w.stats().records, 0u);
  EXPECT_FALSE(std::filesystem::exists(path("trade_log.000001.jsonl")));
}

TEST_F(JournalWriter, DestructorDrainsQueueAndSyncsEvenWithNever) {
  auto ops = std::make_shared<scripted_ops>();
  completion_log log;
  {
    journal_writer w{options(fsync_policy::never), 1, ops};
    Fill f;
    for (int i = 0; i < 50; ++i)
      w.append(journal_stream::trade_log, "fill", f, i, log.callback());
  }
  EXPECT_EQ(log.entries().size(), 50u); // all fired before the destructor returned
  EXPECT_EQ(ops->syncs.load(), 1);     // one final sync
  EXPECT_EQ(ops->synced_upto.load(), ops->written.load());
  expect_seq_order(log.entries(), 1);
}

TEST_F(JournalWriter, RejectsBadEventNamesAndMessagesThatShadowJournalKeys) {
  completion_log log;
  journal_writer w{options(fsync_policy::never), 1};
  Fill f;
  EXPECT_THROW(w.append(journal_stream::trade_log, "new fill", f, 0, log.callback()),
               std::invalid_argument);
  EXPECT_THROW(w.append(journal_stream::trade_log, "", f, 0, log.callback()),
               std::invalid_argument);
  ExecutionReport report; // has a field named "event"
  EXPECT_THROW(w.append(journal_stream::order_book, "routed", report, 0, log.callback()),
               std::invalid_argument);
  Heartbeat hb; // has a field named "seq"
  EXPECT_THROW(w.append(journal_stream::order_book, "routed", hb, 0, log.callback()),
               std::invalid_argument);
  // Nothing was queued, so no seq was used up.
  EXPECT_EQ(w.append(journal_stream::trade_log, "fill", f, 0, log.callback()), 1u);
  ASSERT_TRUE(log.wait_for(1));
  EXPECT_EQ(log.entries().size(), 1u);
}

TEST_F(JournalWriter, RejectsBadOptions) {
  struct row {
    const char* what;
    std::function<void(journal_options&)> change;
  };
  const row rows[] = {
    {"empty dir", [](journal_options& o) { o.dir.clear(); }},
    {"zero batch", [](journal_options& o) { o.batch_max_records = 0; }},
    {"negative wait", [](journal_options& o) { o.batch_max_us = -1; }},
    {"unknown rotate", [](journal_options& o) { o.rotate = "hourly"; }},
    {"size without bytes", [](journal_options& o) { o.rotate = "size"; o.rotate_bytes = 0; }},
    {"bad day", [](journal_options& o) { o.session_day = 20241301; }},
    {"negative page cache", [](journal_options& o) { o.page_cache_bytes = -1; }},
  };
  for (const auto& r : rows) {
    auto o = options(fsync_policy::batch);
    r.change(o);
    EXPECT_THROW(journal_writer(o, 1), journal_error) << r.what;
  }
  EXPECT_THROW(journal_writer(options(fsync_policy::batch), 0), journal_error) << "seq 0";
  journal_writer w{options(fsync_policy::batch), 1};
  EXPECT_THROW(w.rotate_day(2024011), std::invalid_argument);
}

TEST_F(JournalWriter, FromConfigCopiesEveryKey) {
  journal_config cfg;
  cfg.dir = "x/y";
  cfg.fsync = fsync_policy::always;
  cfg.batch_max_records = 7;
  cfg.batch_max_us = 9;
  cfg.rotate = "size";
  cfg.rotate_bytes = 1234;
  cfg.page_cache_bytes = 8192;
  auto o = journal_options::from_config(cfg, 20240105);
  EXPECT_EQ(o.dir, "x/y");
  EXPECT_EQ(o.fsync, fsync_policy::always);
  EXPECT_EQ(o.batch_max_records, 7);
  EXPECT_EQ(o.batch_max_us, 9);
  EXPECT_EQ(o.rotate, "size");
  EXPECT_EQ(o.rotate_bytes, 1234);
  EXPECT_EQ(o.page_cache_bytes, 8192);
  EXPECT_EQ(o.session_day, 20240105);
}

TEST_F(JournalWriter, RotatesBySizeAndReplayReadsTheFilesInOrder) {
  auto opts = options(fsync_policy::batch);
  opts.rotate = "size";
  opts.rotate_bytes = 4000;
  completion_log log;
  std::vector<expected_record> want;
  {
    journal_writer w{opts, 1};
    want = append_random(w, 400, 21, log);
    ASSERT_TRUE(log.wait_for(400));
  }
  auto names = files_in(dir_);
  ASSERT_GT(names.size(), 10u);
  for (const auto& name : names) {
    journal_segment seg;
    ASSERT_TRUE(parse_segment_file_name(name, seg)) << name;
    EXPECT_LE(std::filesystem::file_size(path(name)), 4000u) << name;
  }
  std::vector<replayed> got;
  auto sum = replay_all(dir_, false, got);
  EXPECT_TRUE(sum.clean());
  EXPECT_EQ(sum.files.size(), names.size());
  expect_same(got, want);
  // Each segment holds a run of its stream's records, and the segments of a
  // stream are read in index order.
  uint64_t last_index[2] = {0, 0};
  for (const auto& r : got) {
    journal_segment seg;
    ASSERT_TRUE(parse_segment_file_name(std::filesystem::path{r.file}.filename().string(), seg));
    EXPECT_EQ(seg.stream, r.stream);
    EXPECT_GE(seg.index, last_index[static_cast<int>(r.stream)]);
    last_index[static_cast<int>(r.stream)] = seg.index;
  }
}

TEST_F(JournalWriter, RotatesByDayAndReplayReadsTheDaysInOrder) {
  auto opts = options(fsync_policy::always);
  opts.session_day = 20240101;
  completion_log log;
  std::vector<expected_record> want;
  {
    journal_writer w{opts, 1};
    want = append_random(w, 30, 1, log);
    w.rotate_day(20240102);
    auto more = append_random(w, 30, 2, log);
    w.rotate_day(20240102); // same day: no new files
    auto even_more = append_random(w, 6, 3, log);
    want.insert(want.end(), more.begin(), more.end());
    want.insert(want.end(), even_more.begin(), even_more.end());
    ASSERT_TRUE(log.wait_for(66));
    expect_seq_order(log.entries(), 1);
  }
  EXPECT_EQ(files_in(dir_), (std::vector<std::string>{
                              "order_book.000001.20240101.jsonl",
                              "order_book.000002.20240102.jsonl",
                              "trade_log.000001.20240101.jsonl",
                              "trade_log.000002.20240102.jsonl",
                            }));
  EXPECT_EQ(split_lines(read_file(path("order_book.000001.20240101.jsonl"))).size(), 20u);
  std::vector<replayed> got;
  auto sum = replay_all(dir_, false, got);
  EXPECT_TRUE(sum.clean());
  expect_same(got, want);
}

TEST_F(JournalWriter, SizeModeOnlyRelabelsAtADayChange) {
  auto opts = options(fsync_policy::batch);
  opts.rotate = "size";
  opts.rotate_bytes = 1 << 20;
  completion_log log;
  {
    journal_writer w{opts, 1};
    Fill f;
    w.append(journal_stream::trade_log, "fill", f, 0, log.callback());
    w.rotate_day(20240301);
    w.append(journal_stream::trade_log, "fill", f, 0, log.callback());
    w.append(journal_stream::order_book, "received", f, 0, log.callback());
    ASSERT_TRUE(log.wait_for(3));
  }
  EXPECT_EQ(files_in(dir_), (std::vector<std::string>{"order_book.000001.20240301.jsonl",
                                                      "trade_log.000001.jsonl"}));
}

TEST_F(JournalWriter, ASecondSessionContinuesInNewSegments) {
  completion_log log;
  std::vector<expected_record> want;
  {
    journal_writer w{options(fsync_policy::batch), 1};
    want = append_random(w, 30, 8, log);
    ASSERT_TRUE(log.wait_for(30));
  }
  std::vector<replayed> first;
  auto sum = replay_all(dir_, false, first);
  ASSERT_EQ(sum.last_seq, 30u);
  completion_log log2;
  {
    journal_writer w{options(fsync_policy::batch), sum.next_seq()};
    auto more = append_random(w, 30, 9, log2);
    EXPECT_EQ(more.front().seq, 31u);
    want.insert(want.end(), more.begin(), more.end());
    ASSERT_TRUE(log2.wait_for(30));
  }
  EXPECT_EQ(files_in(dir_), (std::vector<std::string>{
                              "order_book.000001.jsonl", "order_book.000002.jsonl",
                              "trade_log.000001.jsonl", "trade_log.000002.jsonl"}));
  std::vector<replayed> got;
  auto sum2 = replay_all(dir_, false, got);
  EXPECT_EQ(sum2.files.size(), 4u);
  expect_same(got, want);
}

TEST_F(JournalWriter, OneWriterOrReplayAtATimePerDirectory) {
  {
    journal_writer w{options(fsync_policy::batch), 1};
    EXPECT_THROW(journal_writer(options(fsync_policy::batch), 1), journal_error);
    std::vector<replayed> got;
    try {
      replay_all(dir_, false, got);
      FAIL() << "replayed a journal that is being written";
    } catch (const journal_error& e) {
      EXPECT_NE(std::string{e.what()}.find("in use"), std::string::npos) << e.what();
    }
  }
  std::vector<replayed> got;
  EXPECT_NO_THROW(replay_all(dir_, false, got));
  EXPECT_NO_THROW(journal_writer(options(fsync_policy::batch), 1));
}

// Encoding moved to the writer thread; the bytes must be what append_record_line
// makes of the message's JSON, the documented format the reader checks.
TEST_F(JournalWriter, WriterThreadEncodesTheDocumentedBytes) {
  randomizer rnd{23};
  std::string want_book;
  std::string want_trades;
  completion_log log;
  const size_t n = 200;
  {
    journal_writer w{options(fsync_policy::never), 7};
    for (size_t i = 0; i < n; ++i) {
      timestamp_ns ts = -5 + static_cast<timestamp_ns>(i) * 1'000'000'007;
      if (i % 4 == 3) {
        Fill f;
        rnd.fill(f);
        std::string fields;
        json_writer jw{fields};
        jw.fields(f);
        auto seq = w.append(journal_stream::trade_log, "fill", f, ts, log.callback());
        append_record_line(want_trades, seq, ts, "fill", fields);
      } else {
        OrderRequest o;
        rnd.fill(o);
        std::string fields;
        json_writer jw{fields};
        jw.fields_without_defaults(o); // the order book leaves defaults out
        // Event names longer than the inline buffer take the other path.
        std::string ev = i % 2 ? "cancel_requested" : "an_event_name_longer_than_thirty_bytes";
        auto copy = o;
        auto seq = w.append(journal_stream::order_book, ev, std::move(copy), ts, log.callback());
        append_record_line(want_book, seq, ts, ev, fields);
      }
    }
    ASSERT_TRUE(log.wait_for(n));
  }
  EXPECT_EQ(read_file(path("order_book.000001.jsonl")), want_book);
  EXPECT_EQ(read_file(path("trade_log.000001.jsonl")), want_trades);
  std::vector<replayed> got;
  auto sum = replay_all(dir_, false, got);
  EXPECT_TRUE(sum.clean());
  EXPECT_EQ(sum.records, n);
  EXPECT_EQ(sum.first_seq, 7u);
}

// One report per commit, covering consecutive seqs, after the records' own
// completions, with the commit's outcome; together they cover every record once.
TEST_F(JournalWriter, OnCommitReportsEachCommitsSeqRangeOnce) {
  struct range {
    uint64_t first, last;
    bool ok;
    size_t completions_before;
  };
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<range> ranges;
  completion_log log;
  auto ops = std::make_shared<scripted_ops>();
  const size_t n = 500;
  {
    auto opts = options(fsync_policy::batch);
    opts.batch_max_records = 32;
    journal_writer w{opts, 100, ops,
                     [&](uint64_t first, uint64_t last, bool ok, const std::string&) {
                       auto done = log.entries().size();
                       std::lock_guard<std::mutex> lk{mtx};
                       ranges.push_back({first, last, ok, done});
                       cv.notify_all();
                     }};
    for (size_t i = 0; i < n; ++i) {
      OrderRequest o;
      o.order_id = "O-" + std::to_string(i);
      // Records without a completion of their own are still reported by on_commit.
      w.append(journal_stream::order_book, "accepted", o, 1,
               i % 5 == 0 ? journal_writer::completion{} : log.callback());
      if (i == 250)
        w.rotate_day(20240116); // a marker inside a commit is not a record
    }
    std::unique_lock<std::mutex> lk{mtx};
    ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(20), [&] {
      return !ranges.empty() && ranges.back().last == 100 + n - 1;
    }));
  }
  uint64_t next = 100;
  for (const auto& r : ranges) {
    EXPECT_EQ(r.first, next);
    EXPECT_GE(r.last, r.first);
    EXPECT_LE(r.last - r.first + 1, 32u) << "batch caps a commit";
    EXPECT_TRUE(r.ok);
    next = r.last + 1;
  }
  EXPECT_EQ(next, 100 + n);
  EXPECT_LT(ranges.size(), n / 2) << "reports are per commit, not per record";
  // Every record's own completion of a commit fired before that commit's report.
  auto entries = log.entries();
  for (const auto& r : ranges) {
    size_t own = 0;
    for (const auto& e : entries)
      own += e.seq <= r.last;
    EXPECT_EQ(own, r.completions_before);
  }
}

TEST_F(JournalWriter, OnCommitCarriesTheFailure) {
  auto ops = std::make_shared<scripted_ops>();
  ops->fail_sync_at = 1;
  ops->fail_sync_errno = EIO;
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::pair<uint64_t, std::string>> failures;
  {
    journal_writer w{options(fsync_policy::always), 1, ops,
                     [&](uint64_t, uint64_t last, bool ok, const std::string& error) {
                       std::lock_guard<std::mutex> lk{mtx};
                       if (!ok)
                         failures.push_back({last, error});
                       cv.notify_all();
                     }};
    Fill f;
    w.append(journal_stream::trade_log, "fill", f, 0, nullptr);
    std::unique_lock<std::mutex> lk{mtx};
    ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(20), [&] { return !failures.empty(); }));
  }
  EXPECT_EQ(failures[0].first, 1u);
  EXPECT_NE(failures[0].second.find("Input/output error"), std::string::npos)
    << failures[0].second;
}

namespace {

// Real POSIX operations that also record the page-cache hints, per file.
class hint_log_ops : public posix_file_ops {
public:
  struct range {
    uint64_t offset, len;
  };
  std::mutex m;
  std::map<int, std::vector<range>> writebacks, drops;

  int start_writeback(int fd, uint64_t offset, uint64_t len) override {
    std::lock_guard<std::mutex> g{m};
    writebacks[fd].push_back({offset, len});
    return posix_file_ops::start_writeback(fd, offset, len);
  }
  int drop_cached(int fd, uint64_t offset, uint64_t len) override {
    std::lock_guard<std::mutex> g{m};
    drops[fd].push_back({offset, len});
    return posix_file_ops::drop_cached(fd, offset, len);
  }
};

// The ranges follow one another from offset 0 and end at most at `limit`.
uint64_t expect_contiguous(const std::vector<hint_log_ops::range>& rs, uint64_t min_len,
                           uint64_t limit, const char* what) {
  uint64_t next = 0;
  for (const auto& r : rs) {
    EXPECT_EQ(r.offset, next) << what;
    EXPECT_GE(r.len, min_len) << what;
    next = r.offset + r.len;
  }
  EXPECT_LE(next, limit) << what;
  return next;
}

} // namespace

TEST_P(JournalWriterPolicy, PageCacheKeepsOnlyTheNewestWindow) {
  const uint64_t window = 16384;
  auto ops = std::make_shared<hint_log_ops>();
  auto opts = options(GetParam());
  opts.page_cache_bytes = window;
  opts.batch_max_records = 8; // many small commits, each a chance to trim
  completion_log log;
  std::vector<expected_record> want;
  {
    journal_writer w{opts, 1, ops};
    want = append_random(w, 2000, 31, log);
    ASSERT_TRUE(log.wait_for(2000));
  }
  // Neither hint changes what the journal holds.
  std::vector<replayed> got;
  EXPECT_TRUE(replay_all(dir_, false, got).clean());
  expect_same(got, want);

  uint64_t largest = 0;
  for (const auto& name : files_in(dir_))
    largest = std::max<uint64_t>(largest, std::filesystem::file_size(path(name)));
  ASSERT_GT(largest, 4 * window) << "the test must write well past the window";
  std::lock_guard<std::mutex> g{ops->m};
  ASSERT_FALSE(ops->drops.empty());
  uint64_t dropped_total = 0;
  for (const auto& [fd, rs] : ops->drops) {
    // Whole pages, never the newest window of the file.
    auto upto = expect_contiguous(rs, 4096, largest - window, "drops");
    EXPECT_EQ(upto % 4096, 0u);
    dropped_total += upto;
  }
  EXPECT_GT(dropped_total, 0u);
  if (GetParam() == fsync_policy::never) {
    // Nothing else cleans the pages: the writer starts their write-back, a
    // quarter window at a time, ahead of dropping them.
    ASSERT_EQ(ops->writebacks.size(), ops->drops.size());
    for (const auto& [fd, rs] : ops->writebacks) {
      auto upto = expect_contiguous(rs, window / 4, largest, "writebacks");
      EXPECT_GE(upto, ops->drops[fd].back().offset + ops->drops[fd].back().len);
    }
  } else {
    EXPECT_TRUE(ops->writebacks.empty()) << "fdatasync already wrote them back";
  }
}

TEST_F(JournalWriter, PageCacheZeroLeavesTheCacheToTheKernel) {
  auto ops = std::make_shared<hint_log_ops>();
  auto opts = options(fsync_policy::never);
  opts.page_cache_bytes = 0;
  opts.batch_max_records = 8;
  completion_log log;
  {
    journal_writer w{opts, 1, ops};
    append_random(w, 2000, 32, log);
    ASSERT_TRUE(log.wait_for(2000));
  }
  std::lock_guard<std::mutex> g{ops->m};
  EXPECT_TRUE(ops->writebacks.empty());
  EXPECT_TRUE(ops->drops.empty());
}
