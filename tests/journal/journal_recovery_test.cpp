// Recovery's fast record decoder against the general JSON decoder, and recover_journal's fold (order by id, duplicate fills, ids).
#include "actors/journal/journal_recovery.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <type_traits>

#include "actors/journal/journal_format.hpp"
#include "actors/journal/record_decoder.hpp"
#include "messages/commission_completion.hpp"
#include "messages/json_writer.hpp"
#include "tests/journal/journal_test_util.hpp"

using namespace engine;
using namespace engine::testing;

namespace {

class JournalRecovery : public journal_dir_test {};

// Replaces every string of a message with a plain one (as engine ids and
// tickers are), keeping the random numbers, decimals and enums.
struct plain_strings {
  using result_type = void;
  int n = 0;
  template <class... Ts>
  void operator()(Ts&&... xs) {
    (take(xs), ...);
  }
  template <class T>
  void take(T& x) {
    if constexpr (std::is_same_v<std::decay_t<T>, std::string>)
      x = n % 3 == 0 ? std::string{} : "id-" + std::to_string(n * 7919);
    ++n;
  }
};

// Writes n random messages of type T, then decodes every line both ways.
template <class T>
void fast_decoder_agrees(const std::string& dir, const char* event, journal_stream s,
                         uint64_t seed, size_t& fast_count, size_t& lines) {
  std::filesystem::remove_all(dir);
  randomizer rnd{seed};
  std::vector<std::string> want;
  {
    journal_options o;
    o.dir = dir;
    o.fsync = fsync_policy::never;
    journal_writer w{o, 1};
    for (int i = 0; i < 300; ++i) {
      T x;
      rnd.fill(x);
      if (i % 2 == 0) {
        plain_strings p;
        inspect(p, x);
      }
      want.push_back(to_json(x));
      w.append(s, event, std::move(x), i - 5, nullptr);
    }
  }
  size_t i = 0;
  replay(dir, false, [&](const journal_record& r) {
    T general;
    ASSERT_TRUE(from_json(r.line, general, missing_fields::take_default)) << r.line;
    T fast;
    if (decode_record_fast(r.line, fast)) {
      ++fast_count;
      EXPECT_EQ(to_json(fast), to_json(general)) << r.line;
    }
    EXPECT_EQ(to_json(general), want[i]) << r.line;
    ++i;
    ++lines;
  });
  EXPECT_EQ(i, want.size());
}

} // namespace

// Random strings include quotes, escapes, control and non-ASCII bytes: the fast
// path must give way on those lines and agree exactly on all the others.
TEST_F(JournalRecovery, FastDecoderAgreesWithTheJsonDecoderOnRandomMessages) {
  size_t fast = 0;
  size_t lines = 0;
  fast_decoder_agrees<OrderRequest>(dir_ + "/a", "accepted", journal_stream::order_book, 1, fast,
                                    lines);
  fast_decoder_agrees<OrderUpdate>(dir_ + "/b", "canceled", journal_stream::order_book, 2, fast,
                                   lines);
  fast_decoder_agrees<Fill>(dir_ + "/c", "fill", journal_stream::trade_log, 3, fast, lines);
  fast_decoder_agrees<CancelRequest>(dir_ + "/d", "cancel_requested", journal_stream::order_book,
                                     4, fast, lines);
  fast_decoder_agrees<ReplaceRequest>(dir_ + "/e", "replace_requested",
                                      journal_stream::order_book, 5, fast, lines);
  EXPECT_EQ(lines, 5u * 300u);
  // Every line with plain strings (half of them) takes the fast path.
  EXPECT_GE(fast, lines / 2);
}

TEST_F(JournalRecovery, FastDecoderGivesWayOnLinesItDoesNotKnow) {
  Fill f;
  // Keys in another order, an extra key, an escaped string, a number with a
  // fraction: valid JSON the general decoder reads, not the writer's shape.
  const char* lines[] = {
    R"({"seq":1,"ts":0,"event":"fill","order_id":"O","exec_id":"E","client_order_id":"","ticker":"","side":"buy","quantity":"0","price":"0","commission":"0","timestamp":0,"broker":"","crc":"00000000"})",
    R"({"seq":1,"ts":0,"event":"fill","exec_id":"E","order_id":"O","client_order_id":"","ticker":"","side":"buy","quantity":"0","price":"0","commission":"0","timestamp":0,"broker":"","x":1,"crc":"00000000"})",
    R"({"seq":1,"ts":0,"event":"fill","exec_id":"E\u0041","order_id":"O","client_order_id":"","ticker":"","side":"buy","quantity":"0","price":"0","commission":"0","timestamp":0,"broker":"","crc":"00000000"})",
    R"({"seq":1,"ts":0,"event":"fill","exec_id":"E","order_id":"O","client_order_id":"","ticker":"","side":"buy","quantity":"0","price":"0","commission":"0","timestamp":1.5,"broker":"","crc":"00000000"})",
    R"({"seq":1,"ts":0,"event":"fill","exec_id":"E","order_id":"O","client_order_id":"","ticker":"","side":"buy","quantity":"0","price":"0","commission":"0","timestamp":01,"broker":"","crc":"00000000"})",
  };
  for (const char* l : lines)
    EXPECT_FALSE(decode_record_fast(l, f)) << l;
  const char* good =
    R"({"seq":1,"ts":0,"event":"fill","exec_id":"E","order_id":"O","client_order_id":"c","ticker":"T","side":"sell","quantity":"2","price":"1.5","commission":"0.01","timestamp":-7,"broker":"b","crc":"00000000"})";
  ASSERT_TRUE(decode_record_fast(good, f));
  EXPECT_EQ(f.exec_id, "E");
  EXPECT_EQ(f.side, OrderSide::sell);
  EXPECT_EQ(f.price.to_string(), "1.5");
  EXPECT_EQ(f.timestamp, -7);
  EXPECT_EQ(f.broker, "b");
}

// The fold: orders come out sorted by id (long ids sharing 16-byte prefixes
// included), a repeated execution counts once, a fill journaled before its
// order's acceptance keeps its quantity, and the next order id follows the largest.
TEST_F(JournalRecovery, RecoverFoldsOrdersFillsAndIds) {
  std::vector<std::string> ids = {"O-10", "O-9", "O-100", "O-2",
                                  "O-1234567890123456-b", "O-1234567890123456-a",
                                  "O-1234567890123456", "O-12345678901234", "X-7"};
  {
    journal_options o;
    o.dir = dir_;
    o.fsync = fsync_policy::never;
    journal_writer w{o, 1};
    int n = 0;
    for (const auto& id : ids) {
      OrderRequest req;
      req.order_id = id;
      req.ticker = "AAPL";
      req.order_type = OrderType::limit;
      req.quantity = *Quantity::parse("10");
      req.price = *Price::parse("100");
      req.client_order_id = "c-" + id;
      Fill f;
      f.exec_id = "E-" + id;
      f.order_id = id;
      f.ticker = "AAPL";
      f.quantity = *Quantity::parse("4");
      f.price = *Price::parse("100");
      f.commission = *Money::parse("1");
      if (n++ % 2 == 0) {
        w.append(journal_stream::trade_log, "fill", f, n, nullptr); // before its acceptance
        w.append(journal_stream::order_book, "accepted", req, n, nullptr);
      } else {
        w.append(journal_stream::order_book, "accepted", req, n, nullptr);
        w.append(journal_stream::trade_log, "fill", f, n, nullptr);
      }
      w.append(journal_stream::trade_log, "fill", f, n, nullptr); // the same execution again
    }
    OrderUpdate u;
    u.order_id = "O-2";
    u.status = OrderStatus::canceled;
    u.reason = "user";
    w.append(journal_stream::order_book, "canceled", u, 99, nullptr);
  }
  auto rec = recover_journal(dir_, false);
  EXPECT_EQ(rec.summary.records, ids.size() * 3 + 1);
  EXPECT_EQ(rec.next_seq, ids.size() * 3 + 2);
  auto sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(rec.orders.size(), ids.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto& o = rec.orders[i];
    EXPECT_EQ(o.order_id, sorted[i]);
    EXPECT_EQ(o.client_order_id, "c-" + sorted[i]);
    ASSERT_EQ(o.fills.size(), 1u) << o.order_id;
    EXPECT_EQ(o.executed_quantity.to_string(), "4");
    bool fill_first = (std::find(ids.begin(), ids.end(), o.order_id) - ids.begin()) % 2 == 0;
    if (!fill_first) {
      // (An acceptance journaled after a fill resets the price, commission and
      // status the fill set: the fold has always done that, and the engine
      // journals acceptance first.)
      EXPECT_EQ(o.average_price.to_string(), "100");
      EXPECT_EQ(o.commission.to_string(), "1");
    }
    if (o.order_id == "O-2") {
      EXPECT_EQ(o.status, OrderStatus::canceled);
    } else if (!fill_first) {
      EXPECT_EQ(o.status, OrderStatus::partially_filled) << o.order_id;
    }
  }
  EXPECT_EQ(rec.fills.size(), ids.size());
  EXPECT_EQ(rec.open_orders, ids.size() - 1); // all but the canceled one
  // The largest O-<n>: "O-1234567890123456" (the ids with a suffix are not numbers).
  EXPECT_EQ(rec.next_order_id, 1234567890123457u);
}

// A refused order's code comes back with it: the execution keeps only the text, and a
// venue's own words need not start with the code's name.
TEST_F(JournalRecovery, RecoverKeepsTheCodesOfRefusals) {
  {
    journal_options o;
    o.dir = dir_;
    o.fsync = fsync_policy::never;
    journal_writer w{o, 1};
    auto refuse = [&](const char* id, RejectReason code, const char* reason) {
      OrderRequest req;
      req.order_id = id;
      req.ticker = "AAPL";
      req.quantity = *Quantity::parse("10");
      w.append(journal_stream::order_book, "accepted", req, 1, nullptr);
      OrderUpdate u;
      u.order_id = id;
      u.ticker = "AAPL";
      u.status = OrderStatus::rejected;
      u.reason = reason;
      u.reject = code;
      w.append(journal_stream::order_book, "rejected", u, 2, nullptr);
    };
    refuse("O-1", RejectReason::max_position_size, "max_position_size: 1200 > 1000");
    refuse("O-2", RejectReason::invalid_order, "qty must be > 0"); // a venue's words
    OrderRequest open;
    open.order_id = "O-3";
    open.ticker = "AAPL";
    open.quantity = *Quantity::parse("1");
    w.append(journal_stream::order_book, "accepted", open, 3, nullptr);
  }
  auto rec = recover_journal(dir_, false);
  ASSERT_EQ(rec.orders.size(), 3u);
  EXPECT_EQ(rec.orders[1].reason, "qty must be > 0");
  EXPECT_EQ(rec.reject_codes.size(), 2u);
  EXPECT_EQ(rec.reject_codes.at("O-1"), RejectReason::max_position_size);
  EXPECT_EQ(rec.reject_codes.at("O-2"), RejectReason::invalid_order);
  EXPECT_EQ(rec.reject_codes.count("O-3"), 0u);
}

namespace {

// A journal of every kind of record the fold reads or skips: acceptances,
// acknowledgements, fills (pending, completed, duplicated), cancels, replace
// requests and replaces, operator records and an orphan update.
void write_mixed_journal(const std::string& dir, int orders) {
  journal_options o;
  o.dir = dir;
  o.fsync = fsync_policy::never;
  journal_writer w{o, 1};
  for (int n = 1; n <= orders; ++n) {
    OrderRequest req;
    req.order_id = "O-" + std::to_string(n);
    req.client_order_id = "c-" + std::to_string(n);
    req.ticker = n % 3 == 0 ? "MSFT" : "AAPL";
    req.side = n % 2 == 0 ? OrderSide::buy : OrderSide::sell;
    req.order_type = OrderType::limit;
    req.quantity = *Quantity::parse("10");
    req.price = *Price::parse("100.25");
    req.timestamp = n;
    req.strategy = "strategy-" + std::to_string(n % 4);
    w.append(journal_stream::order_book, "accepted", req, n, nullptr);
    OrderUpdate u;
    u.order_id = req.order_id;
    u.client_order_id = req.client_order_id;
    u.ticker = req.ticker;
    u.side = req.side;
    u.status = OrderStatus::new_;
    u.leaves_quantity = req.quantity;
    u.strategy = req.strategy;
    w.append(journal_stream::order_book, "acknowledged", u, n, nullptr);
    Fill f;
    f.exec_id = "SIM-" + std::to_string(n);
    f.order_id = req.order_id;
    f.client_order_id = req.client_order_id;
    f.ticker = req.ticker;
    f.side = req.side;
    f.quantity = *Quantity::parse(n % 5 == 0 ? "10" : "4");
    f.price = *Price::parse("100.2");
    f.commission = *Money::parse("0.35");
    f.broker = "simulator";
    bool pending = n % 7 == 0;
    w.append(journal_stream::trade_log, pending ? "fill_commission_pending" : "fill", f, n,
             nullptr);
    if (n % 11 == 0) // the same execution again: counted once
      w.append(journal_stream::trade_log, "fill", f, n, nullptr);
    if (pending && n % 14 == 0) {
      Fill c = f;
      c.quantity = Quantity{};
      c.commission = *Money::parse("1.05");
      w.append(journal_stream::trade_log, std::string{commission_completed_event}, c, n,
               nullptr);
    }
    if (n % 6 == 0) {
      u.status = OrderStatus::canceled;
      u.reason = "user asked";
      u.leaves_quantity = Quantity{};
      w.append(journal_stream::order_book, "canceled", u, n, nullptr);
    } else if (n % 6 == 1) {
      ReplaceRequest rr;
      rr.order_id = req.order_id;
      rr.quantity = *Quantity::parse("24");
      w.append(journal_stream::order_book, "replace_requested", rr, n, nullptr);
      u.status = OrderStatus::replaced;
      u.executed_quantity = f.quantity;
      u.leaves_quantity = *Quantity::parse("20");
      w.append(journal_stream::order_book, "replaced", u, n, nullptr);
    }
    if (n % 97 == 0)
      w.append(journal_stream::order_book, "operator_kill_switch", u, n, nullptr);
  }
  OrderUpdate orphan; // an update for an order whose acceptance is not in the journal
  orphan.order_id = "X-1";
  orphan.client_order_id = "cx";
  orphan.ticker = "IBM";
  orphan.strategy = "other";
  orphan.status = OrderStatus::new_;
  w.append(journal_stream::order_book, "acknowledged", orphan, 0, nullptr);
}

void expect_same_state(const recovered_state& a, const recovered_state& b) {
  EXPECT_EQ(a.summary.records, b.summary.records);
  EXPECT_EQ(a.next_seq, b.next_seq);
  EXPECT_EQ(a.next_order_id, b.next_order_id);
  EXPECT_EQ(a.open_orders, b.open_orders);
  EXPECT_EQ(a.commissions_pending, b.commissions_pending);
  ASSERT_EQ(a.orders.size(), b.orders.size());
  for (size_t i = 0; i < a.orders.size(); ++i)
    EXPECT_EQ(to_json(a.orders[i]), to_json(b.orders[i])) << i;
  ASSERT_EQ(a.fills.size(), b.fills.size());
  for (size_t i = 0; i < a.fills.size(); ++i)
    EXPECT_EQ(to_json(a.fills[i]), to_json(b.fills[i])) << i;
}

} // namespace

// The fold reads the writer's lines through string views into the line (the
// fast path) and every other line through the general decoder: both must give
// the same recovered state. The second journal holds the same records with a
// space after every field separator, valid JSON that only the general decoder reads.
TEST_F(JournalRecovery, FoldThroughViewsEqualsFoldThroughTheGeneralDecoder) {
  const std::string fast_dir = dir_ + "/fast";
  const std::string general_dir = dir_ + "/general";
  write_mixed_journal(fast_dir, 40);
  std::filesystem::create_directories(general_dir);
  for (const auto& e : std::filesystem::directory_iterator{fast_dir}) {
    std::ifstream in{e.path()};
    std::string text;
    for (std::string line; std::getline(in, line);) {
      parsed_record_line h;
      std::string why;
      ASSERT_TRUE(parse_record_line(line, h, why)) << why;
      auto header_end = line.find('"', line.find(",\"event\":\"") + 10) + 1;
      auto fields = line.substr(header_end + 1,
                                line.size() - record_crc_suffix_size - header_end - 1);
      std::string spaced;
      for (size_t i = 0; i < fields.size(); ++i) {
        spaced += fields[i];
        if (fields[i] == ',' && i + 1 < fields.size() && fields[i + 1] == '"')
          spaced += ' ';
      }
      append_record_line(text, h.seq, h.ts, h.event, spaced);
    }
    std::ofstream{general_dir + "/" + e.path().filename().string()} << text;
  }
  // The second journal really takes the general decoder.
  replay(general_dir, false, [](const journal_record& r) {
    Fill f;
    OrderRequest req;
    OrderUpdate u;
    EXPECT_FALSE(decode_record_fast(r.line, f) || decode_record_fast(r.line, req)
                 || decode_record_fast(r.line, u))
      << r.line;
  });
  auto fast = recover_journal(fast_dir, false);
  auto general = recover_journal(general_dir, false);
  ASSERT_EQ(fast.orders.size(), 41u);
  expect_same_state(fast, general);
  EXPECT_FALSE(fast.commissions_pending.empty());
  EXPECT_EQ(fast.next_order_id, 41u);
  // What the fold made of an order of each kind, read back through the views.
  const auto& canceled = fast.orders[std::find_if(fast.orders.begin(), fast.orders.end(),
                                                  [](const OrderExecution& o) {
                                                    return o.order_id == "O-6";
                                                  })
                                     - fast.orders.begin()];
  EXPECT_EQ(canceled.status, OrderStatus::canceled);
  EXPECT_EQ(canceled.reason, "user asked");
  EXPECT_EQ(canceled.strategy, "strategy-2");
  EXPECT_EQ(canceled.ticker, "MSFT");
  EXPECT_EQ(canceled.fills.size(), 1u);
  EXPECT_EQ(canceled.fills[0].broker, "simulator");
  EXPECT_EQ(fast.orders.back().order_id, "X-1");
  EXPECT_EQ(fast.orders.back().ticker, "IBM");
  EXPECT_EQ(fast.orders.back().strategy, "other");
}

// The string scanner takes eight bytes at a time: an escape, a control
// character or a non-ASCII byte at any position of strings of every length
// sends the line to the general decoder, and plain strings of every length
// come back whole.
TEST_F(JournalRecovery, FastDecoderFindsSpecialBytesAtEveryPositionOfAString) {
  auto line_for = [](const std::string& exec_id) {
    Fill f;
    f.exec_id = exec_id;
    f.order_id = "O-1";
    std::string fields;
    json_writer w{fields};
    w.fields(f);
    std::string line;
    append_record_line(line, 1, 0, "fill", fields);
    line.pop_back(); // the newline
    return line;
  };
  for (size_t len = 0; len <= 20; ++len) {
    std::string plain(len, 'x');
    for (size_t i = 0; i < len; ++i)
      plain[i] = static_cast<char>('a' + i);
    Fill f;
    record_string_views views;
    auto line = line_for(plain);
    ASSERT_TRUE(decode_record_fast(line, f, &views)) << line;
    EXPECT_EQ(views.of(f.exec_id), plain);
    EXPECT_EQ(views.of(f.order_id), "O-1");
    for (size_t at = 0; at < len; ++at) {
      for (const char* special : {"\"", "\\", "\x01", "\xc3\xa9"}) {
        std::string s = plain;
        s.replace(at, 1, special);
        Fill g;
        auto l = line_for(s);
        EXPECT_FALSE(decode_record_fast(l, g)) << l;
        Fill general;
        ASSERT_TRUE(from_json(l, general)) << l;
        EXPECT_EQ(general.exec_id, s);
      }
    }
  }
}
