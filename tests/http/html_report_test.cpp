// The HTML run report: P&L by strategy and ticker exact by cash flows, one self-contained file.
#include <gtest/gtest.h>

#include "nodes/html_report.hpp"

namespace engine {
namespace {

Fill fill(const char* ticker, OrderSide side, const char* qty, const char* px, const char* fee,
          timestamp_ns t) {
  Fill f;
  f.exec_id = std::string{ticker} + std::to_string(t);
  f.ticker = ticker;
  f.side = side;
  f.quantity = *Quantity::parse(qty);
  f.price = *Price::parse(px);
  f.commission = *Money::parse(fee);
  f.timestamp = t;
  return f;
}

OrderExecution order(const char* strategy, std::vector<Fill> fills) {
  OrderExecution o;
  o.strategy = strategy;
  o.fills = std::move(fills);
  return o;
}

TEST(html_report_test, pnl_by_strategy_and_ticker_by_cash_flows) {
  std::vector<OrderExecution> orders{
    order("a", {fill("AAPL", OrderSide::buy, "10", "100.10", "1.00", 1)}),
    order("a", {fill("AAPL", OrderSide::sell, "4", "101.00", "1.00", 2)}),
    order("b", {fill("MSFT", OrderSide::sell, "2", "400.00", "1.00", 3)}),
  };
  auto rows = pnl_by_strategy_and_ticker(orders, {{"AAPL", *Price::parse("102")}});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].strategy, "a");
  EXPECT_EQ(rows[0].position.to_string(), "6");
  // -1001 + 404 + 6 x 102 - 2 = 13
  EXPECT_EQ(rows[0].pnl.to_string(), "13");
  EXPECT_EQ(rows[0].fills, 2);
  // A short marked at its own last fill: 800 - 800 - 1.
  EXPECT_EQ(rows[1].position.to_string(), "-2");
  EXPECT_EQ(rows[1].pnl.to_string(), "-1");
}

TEST(html_report_test, one_file_with_the_library_and_the_data_inlined) {
  node_report r;
  r.account.equity = *Money::parse("100012.5");
  r.orders.rejects_by_reason.push_back({"max_order_size", 3});
  Position flat;
  flat.ticker = "TSLA";
  flat.realized_pnl = *Money::parse("-4.25");
  r.positions.push_back(flat);
  run_recorder rec;
  app_config cfg;
  cfg.execution.broker.api_key = secret{"AKIA-do-not-print"};
  auto html = html_report(r, rec, cfg, "window.LightweightCharts = {}; // </script> inside");
  EXPECT_EQ(html.rfind("<!doctype html>", 0), 0u);
  EXPECT_NE(html.find("window.LightweightCharts = {}; // <\\/script> inside"), std::string::npos)
    << "the library is inlined and cannot close its script element";
  EXPECT_EQ(html.find("src=\"http"), std::string::npos) << "nothing is loaded from the network";
  EXPECT_NE(html.find("max_order_size"), std::string::npos);
  EXPECT_NE(html.find("<td>TSLA</td><td>0</td>"), std::string::npos) << "a flat ticker is listed";
  EXPECT_NE(html.find("-4.25"), std::string::npos);
  EXPECT_NE(html.find("\"equity\":[]"), std::string::npos);
  EXPECT_EQ(html.find("AKIA-do-not-print"), std::string::npos);
  auto tables_only = html_report(r, rec, cfg, "");
  EXPECT_NE(tables_only.find("tables only"), std::string::npos);
}

} // namespace
} // namespace engine
