// Replay and recovery: crc checks, torn tails, damaged lines, quarantine, ordering across files.
#include "actors/journal/journal_reader.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/journal/journal_test_util.hpp"

using namespace engine;
using namespace engine::testing;

namespace {

class JournalReplay : public journal_dir_test {
protected:
  /// Writes n random records with the batch policy and returns them.
  std::vector<expected_record> write_journal(size_t n, uint64_t first_seq = 1,
                                             uint64_t seed = 1) {
    completion_log log;
    journal_writer w{options(fsync_policy::batch), first_seq};
    auto want = append_random(w, n, seed, log);
    EXPECT_TRUE(log.wait_for(n));
    return want;
  }

  /// Only order book records (every third record goes to the trade log otherwise).
  std::vector<expected_record> write_order_book(size_t n) {
    completion_log log;
    journal_writer w{options(fsync_policy::batch), 1};
    std::vector<expected_record> want;
    randomizer rnd{77};
    for (size_t i = 0; i < n; ++i) {
      OrderRequest o;
      rnd.fill(o);
      auto seq = w.append(journal_stream::order_book, "received", o, 5, log.callback());
      want.push_back({seq, journal_stream::order_book, "received", 5, to_json(o)});
    }
    EXPECT_TRUE(log.wait_for(n));
    return want;
  }

  static std::vector<expected_record> without(std::vector<expected_record> v, uint64_t seq) {
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const expected_record& r) { return r.seq == seq; }),
            v.end());
    return v;
  }

  std::string ob1() const { return path("order_book.000001.jsonl"); }
};

/// Byte offset where line `line_no` (1-based) starts.
size_t line_start(const std::string& text, size_t line_no) {
  size_t pos = 0;
  for (size_t i = 1; i < line_no; ++i)
    pos = text.find('\n', pos) + 1;
  return pos;
}

/// Flips one bit inside the ticker's value of a line, where JSON stays valid-looking.
std::string flip_in_line(std::string text, size_t line_no) {
  auto start = line_start(text, line_no);
  auto at = text.find("\"ticker\":\"", start) + 10;
  text[at] = static_cast<char>(text[at] ^ 0x20);
  return text;
}

} // namespace

TEST_F(JournalReplay, MissingOrEmptyDirectoryIsAnEmptyJournal) {
  std::vector<replayed> got;
  auto sum = replay_all(dir_ + "/nothing-here", false, got);
  EXPECT_EQ(sum.records, 0u);
  EXPECT_EQ(sum.last_seq, 0u);
  EXPECT_EQ(sum.next_seq(), 1u);
  sum = replay_all(dir_, false, got);
  EXPECT_EQ(sum.records, 0u);
  EXPECT_TRUE(got.empty());
}

TEST_F(JournalReplay, RecordsCarryTheirPositionAndOtherFilesAreIgnored) {
  auto want = write_journal(9);
  write_file(path("notes.txt"), "not a journal\n");
  write_file(path("order_book.000001.jsonl.torn-99"), "{\"seq\":99,");
  write_file(path("order_book.000001.jsonl.quarantine"), "junk\n");
  std::vector<replayed> got;
  auto sum = replay_all(dir_, false, got);
  expect_same(got, want);
  EXPECT_EQ(sum.files, (std::vector<std::string>{ob1(), path("trade_log.000001.jsonl")}));
  EXPECT_EQ(got[0].file, ob1());
  EXPECT_EQ(got[0].line_no, 1u);
  EXPECT_EQ(got[2].file, path("trade_log.000001.jsonl"));
  EXPECT_EQ(got[2].line_no, 1u);
  EXPECT_EQ(got[3].line_no, 3u); // seq 4 is the order book's third line
}

TEST_F(JournalReplay, CrcCatchesAFlippedByteInTheMiddle) {
  write_order_book(20);
  auto before = read_file(ob1());
  write_file(ob1(), flip_in_line(before, 5));
  std::vector<replayed> got;
  try {
    replay_all(dir_, false, got);
    FAIL() << "no error";
  } catch (const journal_error& e) {
    EXPECT_EQ(std::string{e.what()}.rfind(ob1() + ":5: crc mismatch (stored ", 0), 0u) << e.what();
  }
  EXPECT_EQ(got.size(), 4u);                          // the good records before it
  EXPECT_EQ(read_file(ob1()), flip_in_line(before, 5)); // nothing changed on disk
}

TEST_F(JournalReplay, GarbageInTheMiddleIsAnErrorWithItsLine) {
  write_order_book(6);
  auto text = read_file(ob1());
  auto start = line_start(text, 3);
  auto end = text.find('\n', start);
  text.replace(start, end - start, std::string(40, '\0')); // a zero-filled block
  write_file(ob1(), text);
  std::vector<replayed> got;
  EXPECT_THROW(
    {
      try {
        replay_all(dir_, false, got);
      } catch (const journal_error& e) {
        EXPECT_EQ(std::string{e.what()}, ob1() + ":3: no crc at the end of the line");
        throw;
      }
    },
    journal_error);
}

TEST_F(JournalReplay, TornLastLineIsCutSavedAsideAndTheRestReplays) {
  auto want = write_order_book(20);
  auto text = read_file(ob1());
  auto last = line_start(text, 20);
  auto cut = text.substr(0, last + 37); // a crash in the middle of the last line
  write_file(ob1(), cut);
  std::vector<replayed> got;
  auto sum = replay_all(dir_, false, got);
  EXPECT_EQ(sum.torn, 1u);
  EXPECT_EQ(sum.quarantined, 0u);
  ASSERT_EQ(sum.problems.size(), 1u);
  EXPECT_NE(sum.problems[0].find(ob1() + ":20: torn last line (37 bytes, no newline"),
            std::string::npos)
    << sum.problems[0];
  EXPECT_EQ(sum.last_seq, 19u);
  want.pop_back();
  expect_same(got, want);
  EXPECT_EQ(read_file(ob1()), text.substr(0, last)); // cut back to the last good line
  EXPECT_EQ(read_file(ob1() + ".torn-20"), cut.substr(last));
  // A second replay finds a clean journal, and a new session carries on.
  got.clear();
  auto again = replay_all(dir_, false, got);
  EXPECT_TRUE(again.clean());
  EXPECT_EQ(again.records, 19u);
  auto more = write_journal(5, again.next_seq(), 3);
  got.clear();
  auto third = replay_all(dir_, false, got);
  EXPECT_TRUE(third.clean());
  want.insert(want.end(), more.begin(), more.end());
  expect_same(got, want);
  EXPECT_EQ(third.gaps, 0u);
}

TEST_F(JournalReplay, BadCrcOnTheNewestFilesLastLineIsTorn) {
  auto want = write_order_book(10);
  auto text = read_file(ob1());
  write_file(ob1(), flip_in_line(text, 10));
  std::vector<replayed> got;
  auto sum = replay_all(dir_, false, got);
  EXPECT_EQ(sum.torn, 1u);
  want.pop_back();
  expect_same(got, want);
  EXPECT_EQ(read_file(ob1()), text.substr(0, line_start(text, 10)));
  EXPECT_EQ(read_file(ob1() + ".torn-10"), flip_in_line(text, 10).substr(line_start(text, 10)));
}

TEST_F(JournalReplay, TheSameSeqTornTwiceKeepsBothPieces) {
  write_order_book(3);
  auto text = read_file(ob1());
  write_file(ob1(), text.substr(0, text.size() - 5));
  std::vector<replayed> got;
  replay_all(dir_, false, got);
  write_file(ob1(), text.substr(0, text.size() - 9));
  auto sum = replay_all(dir_, false, got);
  EXPECT_EQ(sum.torn, 1u);
  EXPECT_TRUE(std::filesystem::exists(ob1() + ".torn-3"));
  EXPECT_TRUE(std::filesystem::exists(ob1() + ".torn-3.1"));
}

TEST_F(JournalReplay, TornTailsOfBothStreamsAreCut) {
  auto want = write_journal(30);
  for (auto name : {"order_book.000001.jsonl", "trade_log.000001.jsonl"}) {
    auto text = read_file(path(name));
    write_file(path(name), text.substr(0, text.size() - 3));
  }
  std::vector<replayed> got;
  auto sum = replay_all(dir_, false, got);
  EXPECT_EQ(sum.torn, 2u);
  // seq 29 (order book) and seq 30 (trade log) were the last of each stream.
  expect_same(got, without(without(want, 29), 30));
}

TEST_F(JournalReplay, AnUnterminatedTailOfAnOlderSegmentIsTornToo) {
  auto first = write_order_book(5);
  auto text = read_file(ob1());
  write_file(ob1(), text.substr(0, text.size() - 1)); // only the newline is missing
  // A later session (started without replay) wrote the next segment.
  completion_log log;
  std::vector<expected_record> second;
  {
    journal_writer w{options(fsync_policy::batch), 6};
    OrderRequest o;
    for (int i = 0; i < 3; ++i) {
      auto seq = w.append(journal_stream::order_book, "received", o, 5, log.callback());
      second.push_back({seq, journal_stream::order_book, "received", 5, to_json(o)});
    }
    ASSERT_TRUE(log.wait_for(3));
  }
  std::vector<replayed> got;
  auto sum = replay_all(dir_, false, got);
  EXPECT_EQ(sum.torn, 1u);
  first.pop_back();
  first.insert(first.end(), second.begin(), second.end());
  expect_same(got, first);
  EXPECT_EQ(sum.gaps, 1u); // seq 5 was never acknowledged
}

TEST_F(JournalReplay, BadCrcAtTheEndOfAnOlderSegmentIsDamageNotTorn) {
  write_order_book(5);
  write_file(ob1(), flip_in_line(read_file(ob1()), 5));
  std::filesystem::copy_file(ob1(), path("order_book.000002.jsonl"));
  write_file(path("order_book.000002.jsonl"), ""); // the newer, empty segment
  std::vector<replayed> got;
  EXPECT_THROW(replay_all(dir_, false, got), journal_error);
}

TEST_F(JournalReplay, RecoverQuarantinesADamagedMiddleLineAndGoesOn) {
  auto want = write_order_book(20);
  auto good = read_file(ob1());
  auto damaged = flip_in_line(good, 7);
  write_file(ob1(), damaged);
  std::vector<replayed> got;
  auto sum = replay_all(dir_, true, got);
  EXPECT_EQ(sum.quarantined, 1u);
  EXPECT_EQ(sum.torn, 0u);
  EXPECT_FALSE(sum.clean());
  ASSERT_EQ(sum.problems.size(), 1u);
  EXPECT_EQ(sum.problems[0].rfind(ob1() + ":7: crc mismatch", 0), 0u) << sum.problems[0];
  EXPECT_NE(sum.problems[0].find("QUARANTINED to " + ob1() + ".quarantine"), std::string::npos);
  EXPECT_EQ(sum.gaps, 1u);
  expect_same(got, without(want, 7));
  auto bad_line = damaged.substr(line_start(damaged, 7), line_start(damaged, 8) - line_start(damaged, 7));
  EXPECT_EQ(read_file(ob1() + ".quarantine"), bad_line);
  // The line was moved out: the journal replays cleanly without recover now.
  EXPECT_EQ(read_file(ob1()), good.substr(0, line_start(good, 7)) + good.substr(line_start(good, 8)));
  got.clear();
  auto again = replay_all(dir_, false, got);
  EXPECT_TRUE(again.clean());
  expect_same(got, without(want, 7));
}

TEST_F(JournalReplay, RecoverHandlesDamageAndATornTailInOneFile) {
  auto want = write_order_book(10);
  auto text = flip_in_line(read_file(ob1()), 2);
  text = text.substr(0, text.size() - 4);
  write_file(ob1(), text);
  std::vector<replayed> got;
  auto sum = replay_all(dir_, true, got);
  EXPECT_EQ(sum.quarantined, 1u);
  EXPECT_EQ(sum.torn, 1u);
  expect_same(got, without(without(want, 2), 10));
  EXPECT_EQ(split_lines(read_file(ob1())).size(), 8u);
  got.clear();
  EXPECT_TRUE(replay_all(dir_, false, got).clean());
  EXPECT_EQ(got.size(), 8u);
}

TEST_F(JournalReplay, SeqsOutOfOrderAreDamage) {
  auto want = write_journal(6); // trade log holds seq 3 and 6
  // Copy order book line 1 (seq 1) to the end of the trade log: a seq replayed twice.
  auto ob = read_file(ob1());
  auto tl_path = path("trade_log.000001.jsonl");
  auto tl = read_file(tl_path);
  auto line1 = ob.substr(0, ob.find('\n') + 1);
  auto tl_lines = split_lines(tl);
  write_file(tl_path, tl_lines[0] + "\n" + line1 + tl_lines[1] + "\n");
  std::vector<replayed> got;
  try {
    replay_all(dir_, false, got);
    FAIL() << "no error";
  } catch (const journal_error& e) {
    EXPECT_EQ(std::string{e.what()}, tl_path + ":2: seq 1 is not after seq 3 read before it");
  }
  got.clear();
  auto sum = replay_all(dir_, true, got);
  EXPECT_EQ(sum.quarantined, 1u);
  expect_same(got, want);
  EXPECT_EQ(read_file(tl_path), tl);
}

TEST_F(JournalReplay, ASegmentThatIsNotARegularFileIsAnError) {
  std::filesystem::create_symlink("/dev/null", ob1());
  std::vector<replayed> got;
  try {
    replay_all(dir_, false, got);
    FAIL() << "no error";
  } catch (const journal_error& e) {
    EXPECT_EQ(std::string{e.what()}, ob1() + ": not a regular file");
  }
}

TEST_F(JournalReplay, TwoSegmentsWithOneIndexAreAnError) {
  write_order_book(2);
  std::filesystem::copy_file(ob1(), path("order_book.000001.20240101.jsonl"));
  std::vector<replayed> got;
  EXPECT_THROW(replay_all(dir_, false, got), journal_error);
}

TEST_F(JournalReplay, ACallbackExceptionStopsTheReplay) {
  write_order_book(5);
  int seen = 0;
  EXPECT_THROW(replay(dir_, false,
                      [&](const journal_record& r) {
                        ++seen;
                        if (r.seq == 3)
                          throw std::runtime_error("decode failed");
                      }),
               std::runtime_error);
  EXPECT_EQ(seen, 3);
}
