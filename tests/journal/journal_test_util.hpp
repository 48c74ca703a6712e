// Shared pieces of the journal tests: a scratch directory, a completion recorder, file helpers.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "actors/journal/journal_reader.hpp"
#include "actors/journal/journal_writer.hpp"
#include "messages/codec.hpp"
#include "tests/messages/random_message.hpp"

namespace engine::testing {

/// A fresh directory per test under the build tree, removed afterwards.
class journal_dir_test : public ::testing::Test {
protected:
  void SetUp() override {
    auto info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string{info->test_suite_name()} + "." + info->name();
    for (auto& c : name)
      if (c == '/')
        c = '_';
    dir_ = std::string{ENGINE_BINARY_DIR} + "/journal-test-tmp/" + name;
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure())
      std::filesystem::remove_all(dir_);
  }

  journal_options options(fsync_policy p) const {
    journal_options o;
    o.dir = dir_;
    o.fsync = p;
    o.batch_max_records = 64;
    o.batch_max_us = 200;
    o.rotate = "daily";
    return o;
  }

  std::string path(const std::string& file) const { return dir_ + "/" + file; }

  std::string dir_;
};

/// Records every completion; tests wait on it, never sleep.
class completion_log {
public:
  journal_writer::completion callback() {
    return [this](uint64_t seq, bool ok, const std::string& error) {
      std::lock_guard<std::mutex> lk{mtx_};
      entries_.push_back({seq, ok, error, probe ? probe() : 0});
      cv_.notify_all();
    };
  }

  /// True once n completions arrived; false after a generous timeout.
  bool wait_for(size_t n) {
    std::unique_lock<std::mutex> lk{mtx_};
    return cv_.wait_for(lk, std::chrono::seconds(20), [&] { return entries_.size() >= n; });
  }

  struct entry {
    uint64_t seq;
    bool ok;
    std::string error;
    uint64_t probe_value; // what probe returned when the completion fired
  };

  /// Optional: sampled on the writer thread at each completion.
  std::function<uint64_t()> probe;

  std::vector<entry> entries() {
    std::lock_guard<std::mutex> lk{mtx_};
    return entries_;
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<entry> entries_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << bytes;
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

/// A copy of a replayed record that outlives the callback.
struct replayed {
  uint64_t seq;
  timestamp_ns ts;
  std::string event;
  journal_stream stream;
  std::string line;
  std::string file;
  uint64_t line_no;
};

inline replay_summary replay_all(const std::string& dir, bool recover,
                                 std::vector<replayed>& out) {
  return replay(dir, recover, [&](const journal_record& r) {
    out.push_back({r.seq, r.ts, std::string{r.event}, r.stream, std::string{r.line},
                   std::string{r.file}, r.line_no});
  });
}


/// What a test appended, to compare replay against.
struct expected_record {
  uint64_t seq;
  journal_stream stream;
  std::string event;
  timestamp_ns ts;
  std::string json; // to_json of the message
};

/// Appends n random records: every third is a Fill on the trade log, the rest
/// OrderRequests on the order book. Returns what was appended, in seq order.
inline std::vector<expected_record> append_random(journal_writer& w, size_t n, uint64_t seed,
                                                  completion_log& log) {
  static const char* events[] = {"received", "risk_rejected", "accepted",  "routed",
                                 "acknowledged", "replaced", "cancel_requested", "canceled",
                                 "expired", "rejected"};
  randomizer rnd{seed};
  std::vector<expected_record> out;
  for (size_t i = 0; i < n; ++i) {
    timestamp_ns ts = 1700000000000000000 + static_cast<timestamp_ns>(i) * 1000;
    if (i % 3 == 2) {
      Fill f;
      rnd.fill(f);
      auto seq = w.append(journal_stream::trade_log, "fill", f, ts, log.callback());
      out.push_back({seq, journal_stream::trade_log, "fill", ts, to_json(f)});
    } else {
      OrderRequest o;
      rnd.fill(o);
      const char* ev = events[i % 10];
      auto seq = w.append(journal_stream::order_book, ev, o, ts, log.callback());
      out.push_back({seq, journal_stream::order_book, ev, ts, to_json(o)});
    }
  }
  return out;
}

/// Decodes a replayed line as the message its stream holds and re-encodes it.
inline std::string decoded_json(const replayed& r) {
  if (r.stream == journal_stream::trade_log) {
    Fill f;
    auto st = from_json(r.line, f);
    EXPECT_TRUE(st) << st.error << " in " << r.line;
    return to_json(f);
  }
  OrderRequest o;
  auto st = from_json(r.line, o, missing_fields::take_default); // defaults left out
  EXPECT_TRUE(st) << st.error << " in " << r.line;
  return to_json(o);
}

/// Replayed records must be exactly the expected ones, in order.
inline void expect_same(const std::vector<replayed>& got,
                        const std::vector<expected_record>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, want[i].seq) << i;
    EXPECT_EQ(got[i].stream, want[i].stream) << i;
    EXPECT_EQ(got[i].event, want[i].event) << i;
    EXPECT_EQ(got[i].ts, want[i].ts) << i;
    EXPECT_EQ(decoded_json(got[i]), want[i].json) << i;
  }
}

/// POSIX file operations with scripted failures and an optional gate that
/// holds the first fdatasync until the test releases it.
class scripted_ops : public posix_file_ops {
public:
  int fail_open_errno = 0;
  int fail_write_at = 0; // 1-based call number, 0 = never
  int fail_write_errno = 0;
  int fail_sync_at = 0;
  int fail_sync_errno = 0;
  bool gate_first_sync = false;

  std::atomic<int> writes{0};
  std::atomic<int> syncs{0};
  std::atomic<uint64_t> written{0};     // bytes written so far
  std::atomic<uint64_t> synced_upto{0}; // `written` when the last fdatasync returned

  std::promise<void> sync_entered;
  std::promise<void> sync_release;

  int open_append(const std::string& path) override {
    if (fail_open_errno != 0)
      return -fail_open_errno;
    return posix_file_ops::open_append(path);
  }
  ssize_t write(int fd, const void* data, size_t n) override {
    if (++writes == fail_write_at)
      return -fail_write_errno;
    auto r = posix_file_ops::write(fd, data, n);
    if (r > 0)
      written += static_cast<uint64_t>(r);
    return r;
  }
  int fdatasync(int fd) override {
    auto k = ++syncs;
    if (k == 1 && gate_first_sync) {
      sync_entered.set_value();
      sync_release.get_future().wait();
    }
    if (k == fail_sync_at)
      return -fail_sync_errno;
    auto before = written.load();
    auto rc = posix_file_ops::fdatasync(fd);
    if (rc == 0)
      synced_upto = before;
    return rc;
  }
};

} // namespace engine::testing
