// The run report: the JSON contract and the human summary.
#include <sstream>

#include "messages/json_writer.hpp"
#include "nodes/engine_node.hpp"

namespace engine {

std::string report_json(const node_report& r) {
  std::string out;
  json_writer w{out};
  w.begin_object();
  w.key("positions");
  w.begin_object();
  for (auto& p : r.positions) {
    w.key(p.ticker);
    w.begin_object();
    w.key("quantity");
    w.value(p.quantity);
    w.key("average_price");
    w.value(p.average_price);
    w.key("realized_pnl");
    w.value(p.realized_pnl);
    w.key("unrealized_pnl");
    w.value(p.unrealized_pnl);
    w.key("market_value");
    w.value(p.market_value);
    w.end_object();
  }
  w.end_object();
  w.key("cash");
  w.value(r.account.cash);
  w.key("equity");
  w.value(r.account.equity);
  w.key("initial_cash");
  w.value(r.account.initial_cash);
  w.key("metrics");
  w.begin_object();
  w.key("daily_trades");
  w.value(r.metrics.daily_trades);
  w.key("daily_volume");
  w.value(r.metrics.daily_volume);
  w.key("daily_commission");
  w.value(r.metrics.daily_commission);
  w.key("total_pnl");
  w.value(r.metrics.total_pnl);
  w.key("realized_pnl");
  w.value(r.metrics.realized_pnl);
  w.key("unrealized_pnl");
  w.value(r.metrics.unrealized_pnl);
  w.key("position_count");
  w.value(r.metrics.position_count);
  w.end_object();
  w.key("orders");
  w.begin_object();
  w.key("submitted");
  w.value(r.orders.submitted);
  w.key("filled");
  w.value(r.orders.filled);
  w.key("partially_filled");
  w.value(r.orders.partially_filled);
  w.key("canceled");
  w.value(r.orders.canceled);
  w.key("rejected");
  w.value(r.orders.rejected);
  w.key("expired");
  w.value(r.orders.expired);
  w.key("open");
  w.value(r.orders.open);
  w.key("fills");
  w.value(r.orders.fills);
  w.key("rejects_by_reason");
  w.begin_object();
  for (auto& rc : r.orders.rejects_by_reason) {
    w.key(rc.reason);
    w.value(rc.count);
  }
  w.end_object();
  w.end_object();
  w.end_object();
  out += '\n';
  return out;
}

std::string report_summary(const node_report& r) {
  auto cents = [](Money m) { return m.round_to(one_cent, rounding::half_even).to_string(); };
  std::ostringstream os;
  os << "=== run summary ===\n";
  os << "orders: " << r.orders.submitted << " submitted, " << r.orders.filled << " filled, "
     << r.orders.partially_filled << " partially filled, " << r.orders.canceled << " canceled, "
     << r.orders.expired << " expired, " << r.orders.rejected << " rejected, " << r.orders.fills
     << " fills\n";
  for (auto& rc : r.orders.rejects_by_reason)
    os << "  rejected for " << rc.reason << ": " << rc.count << "\n";
  os << "positions (" << r.positions.size() << "):\n";
  for (auto& p : r.positions)
    os << "  " << p.ticker << " " << p.quantity.to_string() << " @ " << p.average_price.to_string()
       << "  value " << cents(p.market_value) << "  unrealized " << cents(p.unrealized_pnl)
       << "  realized " << cents(p.realized_pnl) << "\n";
  os << "cash " << cents(r.account.cash) << "  equity " << cents(r.account.equity)
     << "  initial " << cents(r.account.initial_cash) << "\n";
  os << "today: " << r.metrics.daily_trades << " trades, volume " << cents(r.metrics.daily_volume)
     << ", commission " << cents(r.metrics.daily_commission) << "\n";
  os << "total P&L " << cents(r.metrics.total_pnl) << " (realized " << cents(r.metrics.realized_pnl)
     << ", unrealized " << cents(r.metrics.unrealized_pnl) << ", before commissions)\n";
  return os.str();
}

} // namespace engine
