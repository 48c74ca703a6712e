// Order book records leave out fields at their default; replay's two decoders take them back.
#include <random>

#include "actors/journal/journal_format.hpp"
#include "actors/journal/journal_recovery.hpp"
#include "actors/journal/record_decoder.hpp"
#include "journal_test_util.hpp"

namespace engine {
namespace {

/// Sets each scalar field at random to its default or to a plain value (no escapes, so the
/// fast decoder keeps the line): records with every mix of fields left out.
class half_defaults {
public:
  using result_type = void;
  explicit half_defaults(uint64_t seed) : rng_(seed) {}

  template <class... Ts>
  void operator()(Ts&&... xs) {
    (consume(xs), ...);
  }

private:
  template <class T>
  void consume(T& x) {
    using type = std::decay_t<T>;
    if constexpr (detail::omittable_v<type>) {
      bool keep_default = rng_() % 2 == 0;
      if constexpr (detail::is_decimal<type>::value)
        x = keep_default ? type{} : type::from_raw(static_cast<int64_t>(rng_() % 100000) - 50000);
      else if constexpr (detail::is_named_enum<type>::value)
        x = keep_default ? type{} : static_cast<type>(rng_() % enum_count<type>);
      else if constexpr (std::is_same_v<type, bool>)
        x = !keep_default;
      else if constexpr (std::is_integral_v<type>)
        x = keep_default ? type{} : static_cast<type>(rng_() % 1000000 + 1);
      else
        x = keep_default ? std::string{} : "v" + std::to_string(rng_() % 1000);
    }
  }

  std::mt19937_64 rng_;
};

/// The record line (without its newline) the writer makes of msg on the order book.
template <class T>
std::string sparse_line(const T& msg, const char* event, uint64_t seq = 7, timestamp_ns ts = 9) {
  std::string fields;
  json_writer w{fields};
  w.fields_without_defaults(msg);
  std::string line;
  append_record_line(line, seq, ts, event, fields);
  line.pop_back(); // the newline
  return line;
}

TEST(SparseRecord, AMarketOrderLeavesItsZerosOut) {
  OrderRequest o;
  o.order_id = "O-1";
  o.ticker = "AAPL";
  o.side = OrderSide::sell;
  o.quantity = *Quantity::parse("3");
  o.client_order_id = "c-1";
  o.timestamp = 5;
  auto line = sparse_line(o, "accepted");
  for (const char* gone : {"\"price\"", "\"stop_price\"", "\"trail_amount\"", "\"expire_time\"",
                           "\"extended_hours\"", "\"broker\"", "\"stop_loss_limit_price\""})
    EXPECT_EQ(line.find(gone), std::string::npos) << gone << " in " << line;
  EXPECT_NE(line.find(R"("side":"sell","quantity":"3")"), std::string::npos) << line;

  OrderRequest fast;
  fast.price = *Price::parse("9"); // a reused object: what is missing goes back to default
  fast.broker = "stale";
  ASSERT_TRUE(decode_record_fast(line, fast)) << line;
  EXPECT_EQ(to_json(fast), to_json(o));

  OrderRequest general;
  general.extended_hours = true;
  auto st = from_json(line, general, missing_fields::take_default);
  ASSERT_TRUE(st) << st.error;
  EXPECT_EQ(to_json(general), to_json(o));

  // Strict decoding (the API's) still names the first field that is not there.
  OrderRequest strict;
  auto refused = from_json(line, strict);
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.error, "order_type: missing field"); // market, left out
}

TEST(SparseRecord, TheExampleOfDocsJournalIsWhatTheWriterWrites) {
  OrderRequest o;
  o.order_id = "O-17";
  o.ticker = "AAPL";
  o.order_type = OrderType::limit;
  o.quantity = *Quantity::parse("100");
  o.price = *Price::parse("189.3");
  o.client_order_id = "reb-3";
  o.timestamp = 1705329000100000000;
  o.strategy = "rebalancer";
  EXPECT_EQ(sparse_line(o, "accepted", 41, 1705329000100000000),
            R"({"seq":41,"ts":1705329000100000000,"event":"accepted","order_id":"O-17",)"
            R"("ticker":"AAPL","order_type":"limit","quantity":"100","price":"189.3",)"
            R"("client_order_id":"reb-3","timestamp":1705329000100000000,)"
            R"("strategy":"rebalancer","crc":"fbf5ba5e"})");
}

TEST(SparseRecord, NestedObjectsAndListsAreWrittenWhole) {
  OrderExecution e;
  e.order_id = "O-2";
  Fill f;
  f.exec_id = "E-1";
  f.quantity = *Quantity::parse("1"); // price and commission stay zero: written inside fills
  e.fills.push_back(f);
  auto line = sparse_line(e, "recovered");
  EXPECT_NE(line.find(R"("price":"0")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("commission":"0")"), std::string::npos) << line;
  OrderExecution back;
  auto st = from_json(line, back, missing_fields::take_default);
  ASSERT_TRUE(st) << st.error;
  EXPECT_EQ(to_json(back), to_json(e));
  // A list missing from a record is not a default the writer leaves out: an error.
  std::string no_fills = R"({"order_id":"O-3"})";
  EXPECT_FALSE(from_json(no_fills, back, missing_fields::take_default));
}

TEST(SparseRecord, BothDecodersAgreeOnEveryMixOfMissingFields) {
  half_defaults pick{42};
  for (int i = 0; i < 2000; ++i) {
    OrderRequest o;
    inspect(pick, o);
    OrderUpdate u;
    inspect(pick, u);
    auto lo = sparse_line(o, "accepted");
    auto lu = sparse_line(u, "canceled");

    OrderRequest fo, go;
    ASSERT_TRUE(decode_record_fast(lo, fo)) << lo;
    ASSERT_TRUE(from_json(lo, go, missing_fields::take_default)) << lo;
    ASSERT_EQ(to_json(fo), to_json(o)) << lo;
    ASSERT_EQ(to_json(go), to_json(o)) << lo;

    OrderUpdate fu, gu;
    ASSERT_TRUE(decode_record_fast(lu, fu)) << lu;
    ASSERT_TRUE(from_json(lu, gu, missing_fields::take_default)) << lu;
    ASSERT_EQ(to_json(fu), to_json(u)) << lu;
    ASSERT_EQ(to_json(gu), to_json(u)) << lu;
  }
}

class SparseJournal : public testing::journal_dir_test {};

TEST_F(SparseJournal, TheOrderBookIsSparseTheTradeLogComplete) {
  {
    journal_writer w{options(fsync_policy::never), 1};
    OrderUpdate u;
    u.order_id = "O-1";
    u.status = OrderStatus::canceled;
    w.append(journal_stream::order_book, "canceled", u, 1, nullptr);
    Fill f;
    f.exec_id = "E-1";
    f.order_id = "O-1";
    f.quantity = *Quantity::parse("2");
    f.price = *Price::parse("10");
    w.append(journal_stream::trade_log, "fill", f, 2, nullptr);
  }
  std::vector<testing::replayed> got;
  testing::replay_all(dir_, false, got);
  ASSERT_EQ(got.size(), 2u);
  const auto& book = got[0].stream == journal_stream::order_book ? got[0] : got[1];
  const auto& trades = got[0].stream == journal_stream::order_book ? got[1] : got[0];
  EXPECT_EQ(book.line.find("\"executed_quantity\""), std::string::npos) << book.line;
  EXPECT_NE(book.line.find(R"("status":"canceled")"), std::string::npos) << book.line;
  // Money records keep every field, zeros too, for whoever audits them.
  EXPECT_NE(trades.line.find(R"("commission":"0")"), std::string::npos) << trades.line;
  EXPECT_NE(trades.line.find(R"("client_order_id":"")"), std::string::npos) << trades.line;
}

TEST_F(SparseJournal, RecoveryReadsSparseRecords) {
  {
    journal_writer w{options(fsync_policy::never), 1};
    OrderRequest o;
    o.order_id = "O-1";
    o.ticker = "MSFT";
    o.quantity = *Quantity::parse("4");
    o.client_order_id = "c-1";
    w.append(journal_stream::order_book, "accepted", o, 1, nullptr);
  }
  auto rec = recover_journal(dir_, false);
  ASSERT_EQ(rec.orders.size(), 1u);
  EXPECT_EQ(rec.orders[0].order_id, "O-1");
  EXPECT_EQ(rec.orders[0].ticker, "MSFT");
  EXPECT_EQ(rec.orders[0].quantity.to_string(), "4");
  EXPECT_TRUE(rec.orders[0].price.is_zero());
}

} // namespace
} // namespace engine
