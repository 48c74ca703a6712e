// The after-run report as one self-contained HTML file: equity and drawdown, P&L by strategy and ticker, fills over prices.
#pragma once

#include <string>
#include <vector>

#include "nodes/engine_node.hpp"

namespace engine {

/// One point of the run's history, taken while it runs.
struct run_sample {
  timestamp_ns time = 0; // the node's clock
  Money equity;
  Money total_pnl;
  std::vector<std::pair<std::string, Price>> prices; // last price per ticker
};

/// P&L of one (strategy, ticker) by cash flows: sells - buys + position x mark - commission.
struct pnl_row {
  std::string strategy;
  std::string ticker;
  int64_t fills = 0;
  Quantity position;
  Money pnl;
  Money commission;
};

/// Samples a running node (from the main thread, between its status lines)
/// and, at the end, writes the report.
class run_recorder {
public:
  /// Takes one sample: the books and the last price of every configured ticker.
  void sample(engine_node& node);
  /// Every order with its fills, from the order manager (after drain()).
  void collect_orders(engine_node& node);
  const std::vector<run_sample>& samples() const { return samples_; }
  const std::vector<OrderExecution>& orders() const { return orders_; }

private:
  std::vector<run_sample> samples_;
  std::vector<OrderExecution> orders_;
};

/// P&L per (strategy, ticker), marked at `marks` (ticker -> price; the last fill's price otherwise).
std::vector<pnl_row> pnl_by_strategy_and_ticker(const std::vector<OrderExecution>& orders,
                                                const std::vector<std::pair<std::string, Price>>& marks);

/// The HTML page; `charts_js` is the lightweight-charts standalone build, inlined
/// (empty: the page has the tables only).
std::string html_report(const node_report& r, const run_recorder& rec, const app_config& cfg,
                        const std::string& charts_js);

/// The pinned lightweight-charts standalone build (deploy/web/node_modules, or installed); "" if absent.
std::string load_charts_js();

} // namespace engine
