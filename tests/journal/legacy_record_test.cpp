// Journals written before OrderRequest had order classes, legs and extended_hours still
// decode: the fields are optional and keep their defaults (messages/orders.hpp).
#include <fstream>

#include "actors/journal/journal_format.hpp"
#include "actors/journal/journal_recovery.hpp"
#include "actors/journal/record_decoder.hpp"
#include "journal_test_util.hpp"

namespace engine {
namespace {

// An "accepted" record exactly as the writer made it before the fields existed.
const char* old_fields =
  R"("order_id":"O-1","ticker":"AAPL","side":"buy","order_type":"limit","quantity":"10",)"
  R"("price":"100.5","stop_price":"0","time_in_force":"day","client_order_id":"c-1",)"
  R"("timestamp":5,"trail_amount":"0","trail_percent":"0","expire_time":0,)"
  R"("strategy":"s","broker":"alpaca")";

class LegacyRecord : public testing::journal_dir_test {};

TEST_F(LegacyRecord, AnOldAcceptedRecordDecodesAsASimpleOrder) {
  std::string line;
  append_record_line(line, 1, 5, "accepted", old_fields);
  line.pop_back(); // the newline
  OrderRequest r;
  // The fast path takes the missing fields as defaults too (as in a sparse record), and
  // agrees with the general decoder.
  r.extended_hours = true; // a reused object: the missing fields go back to their defaults
  ASSERT_TRUE(decode_record_fast(line, r));
  EXPECT_FALSE(r.extended_hours);
  OrderRequest fast = r;
  r = OrderRequest{};
  r.extended_hours = true;
  r.take_profit_limit_price = *Price::parse("9");
  auto st = from_json(line, r);
  ASSERT_TRUE(st) << st.error;
  EXPECT_EQ(to_json(fast), to_json(r));
  EXPECT_EQ(r.order_id, "O-1");
  EXPECT_EQ(r.price.to_string(), "100.5");
  EXPECT_EQ(r.broker, "alpaca");
  EXPECT_EQ(r.order_class, OrderClass::simple);
  EXPECT_TRUE(r.take_profit_limit_price.is_zero());
  EXPECT_TRUE(r.stop_loss_stop_price.is_zero());
  EXPECT_FALSE(r.extended_hours);
}

TEST_F(LegacyRecord, ANewRecordKeepsItsLegsOnTheFastPath) {
  OrderRequest o;
  o.order_id = "O-2";
  o.ticker = "AAPL";
  o.order_type = OrderType::limit;
  o.quantity = *Quantity::parse("3");
  o.price = *Price::parse("100");
  o.order_class = OrderClass::bracket;
  o.take_profit_limit_price = *Price::parse("101.25");
  o.stop_loss_stop_price = *Price::parse("99");
  o.stop_loss_limit_price = *Price::parse("98.5");
  std::string fields;
  json_writer w{fields};
  w.fields(o);
  std::string line;
  append_record_line(line, 1, 0, "accepted", fields);
  line.pop_back();
  OrderRequest back;
  ASSERT_TRUE(decode_record_fast(line, back));
  EXPECT_EQ(to_json(back), to_json(o));
}

TEST_F(LegacyRecord, RecoveryReadsAJournalOfOldAndNewRecords) {
  std::string text;
  append_record_line(text, 1, 5, "accepted", old_fields);
  OrderRequest o;
  o.order_id = "O-2";
  o.ticker = "MSFT";
  o.quantity = *Quantity::parse("1");
  o.order_class = OrderClass::oto;
  o.stop_loss_stop_price = *Price::parse("50");
  std::string fields;
  json_writer w{fields};
  w.fields(o);
  append_record_line(text, 2, 6, "accepted", fields);
  std::ofstream{dir_ + "/" + segment_file_name(journal_stream::order_book, 1, 0)} << text;
  auto rec = recover_journal(dir_, false);
  ASSERT_EQ(rec.orders.size(), 2u);
  EXPECT_EQ(rec.orders[0].order_id, "O-1");
  EXPECT_EQ(rec.orders[0].price.to_string(), "100.5");
  EXPECT_EQ(rec.orders[1].order_id, "O-2");
  EXPECT_EQ(rec.orders[1].ticker, "MSFT");
}

} // namespace
} // namespace engine
