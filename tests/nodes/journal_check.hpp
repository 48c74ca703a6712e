// Test helpers over a journal directory and a run report: recompute the books from fills alone.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "messages/codec.hpp"

namespace engine::testing {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Replaces the first occurrence of `what` in `text`; fails the test if absent.
inline void replace_once(std::string& text, const std::string& what, const std::string& with) {
  auto at = text.find(what);
  ASSERT_NE(at, std::string::npos) << "config has no \"" << what << "\"";
  text.replace(at, what.size(), with);
}

/// The books as the trade log's fills add them up, computed independently of the engine.
struct books_from_fills {
  std::map<std::string, Quantity> quantity;
  Money cash;
  Money commission;
  int64_t fills = 0;
  std::multiset<std::string> exec_ids; // a duplicate shows up as a count above one
  int64_t completions = 0;             // "commission" records (late commissions)
};

/// The "event" of a journal line (the writer puts it before the record's own fields).
inline std::string record_event(const std::string& line) {
  static const std::string key = "\"event\":\"";
  auto at = line.find(key);
  if (at == std::string::npos)
    return {};
  at += key.size();
  return line.substr(at, line.find('"', at) - at);
}

inline books_from_fills recompute(const std::filesystem::path& journal, Money initial_cash) {
  books_from_fills b;
  b.cash = initial_cash;
  for (auto& e : std::filesystem::directory_iterator(journal)) {
    auto name = e.path().filename().string();
    // Segments only: torn-* and quarantine files are forensics, not records.
    if (name.rfind("trade_log.", 0) != 0 || e.path().extension() != ".jsonl")
      continue;
    std::ifstream in{e.path()};
    std::string line;
    while (std::getline(in, line)) {
      Fill f;
      auto st = from_json(line, f);
      if (!st) {
        ADD_FAILURE() << name << ": " << st.error << ": " << line;
        continue;
      }
      if (record_event(line) == "commission") {
        // The completion of a fill journaled with its commission pending: cash only.
        b.cash -= f.commission;
        b.commission += f.commission;
        ++b.completions;
        continue;
      }
      b.exec_ids.insert(f.exec_id);
      if (b.exec_ids.count(f.exec_id) > 1)
        continue; // counted once, and the test reports the duplicate
      auto n = notional(f.quantity, f.price);
      if (f.side == OrderSide::buy) {
        b.quantity[f.ticker] += f.quantity;
        b.cash -= n;
      } else {
        b.quantity[f.ticker] -= f.quantity;
        b.cash += n;
      }
      b.cash -= f.commission;
      b.commission += f.commission;
      ++b.fills;
    }
  }
  return b;
}

inline Money report_money(simdjson::dom::element e) {
  return *Money::parse(std::string{std::string_view(e)});
}

/// Checks a run report against the books recomputed from the journal's fills.
inline void expect_report_matches(const std::filesystem::path& report_file,
                                  const books_from_fills& b, Money initial_cash) {
  simdjson::dom::parser parser;
  auto doc = parser.load(report_file.string());
  ASSERT_FALSE(doc.error()) << simdjson::error_message(doc.error());
  auto root = doc.value();
  EXPECT_EQ(report_money(root["cash"]), b.cash);
  EXPECT_EQ(report_money(root["initial_cash"]), initial_cash);
  EXPECT_EQ(int64_t(root["orders"]["fills"]), b.fills);
  Money market_value;
  int64_t open_positions = 0;
  for (auto [ticker, pos] : simdjson::dom::object(root["positions"])) {
    auto it = b.quantity.find(std::string{ticker});
    ASSERT_NE(it, b.quantity.end()) << ticker << " has no fills";
    EXPECT_EQ(*Quantity::parse(std::string{std::string_view(pos["quantity"])}), it->second)
      << ticker;
    market_value += report_money(pos["market_value"]);
    // Tickers that ended flat are listed too (with their realized P&L).
    if (!Quantity::parse(std::string{std::string_view(pos["quantity"])})->is_zero())
      ++open_positions;
  }
  for (auto& [t, q] : b.quantity) {
    if (!q.is_zero()) {
      EXPECT_TRUE(root["positions"][t].error() == simdjson::SUCCESS) << t << " is missing";
    }
  }
  EXPECT_EQ(int64_t(root["metrics"]["position_count"]), open_positions);
  auto equity = report_money(root["equity"]);
  EXPECT_EQ(equity, b.cash + market_value);
  EXPECT_EQ(report_money(root["metrics"]["total_pnl"]), equity - initial_cash);
}

} // namespace engine::testing
