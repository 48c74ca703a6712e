// The run report: the JSON contract and the human summary.
#include <sstream>

#include "messages/json_writer.hpp"
#include "nodes/engine_node.hpp"

namespace engine {

std::string report_json(const node_report& r) {
  std::string out;
  json_writer w{out};
  auto kv = [&w](std::string_view key, const auto& value) {
    w.key(key);
    w.value(value);
  };
  w.begin_object();
  w.key("positions");
  w.begin_object();
  for (auto& p : r.positions) {
    w.key(p.ticker);
    w.begin_object();
    kv("quantity", p.quantity);
    kv("average_price", p.average_price);
    kv("realized_pnl", p.realized_pnl);
    kv("unrealized_pnl", p.unrealized_pnl);
    kv("market_value", p.market_value);
    w.end_object();
  }
  w.end_object();
  kv("cash", r.account.cash);
  kv("equity", r.account.equity);
  kv("initial_cash", r.account.initial_cash);
  w.key("metrics");
  w.begin_object();
  kv("daily_trades", r.metrics.daily_trades);
  kv("daily_volume", r.metrics.daily_volume);
  kv("daily_commission", r.metrics.daily_commission);
  kv("total_pnl", r.metrics.total_pnl);
  kv("realized_pnl", r.metrics.realized_pnl);
  kv("unrealized_pnl", r.metrics.unrealized_pnl);
  kv("position_count", r.metrics.position_count);
  w.end_object();
  w.key("orders");
  w.begin_object();
  kv("submitted", r.orders.submitted);
  kv("filled", r.orders.filled);
  kv("partially_filled", r.orders.partially_filled);
  kv("canceled", r.orders.canceled);
  kv("rejected", r.orders.rejected);
  kv("expired", r.orders.expired);
  kv("open", r.orders.open);
  kv("fills", r.orders.fills);
  kv("unknown", r.orders.unknown);
  w.key("rejects_by_reason");
  w.begin_object();
  for (auto& rc : r.orders.rejects_by_reason) {
    kv(rc.reason, rc.count);
  }
  w.end_object();
  w.key("reconciliation");
  w.begin_object();
  for (auto& rc : r.orders.reconciliation)
    kv(rc.reason, rc.count);
  w.end_object();
  w.end_object();
  w.key("strategies"); // name -> "running" | "stopped: <why>"
  w.begin_object();
  for (auto& [name, status] : r.strategies)
    kv(name, status);
  w.end_object();
  w.key("brokers");
  w.begin_object();
  for (auto& b : r.brokers) {
    w.key(b.broker);
    w.begin_object();
    kv("state", std::string{enum_name(b.state)});
    kv("restarts", b.restarts);
    kv("reason", b.reason);
    w.end_object();
  }
  w.end_object();
  if (r.market_data.source == "polygon") { // the live feed's state and counters
    const auto& md = r.market_data;
    w.key("market_data");
    w.begin_object();
    kv("source", md.source);
    kv("state", md.state);
    kv("reason", md.reason);
    kv("attempt", md.attempt);
    kv("next_delay_ms", md.next_delay_ms);
    kv("quotes", md.quotes);
    kv("batches", md.batches);
    kv("received", md.received);
    kv("trades", md.trades);
    kv("bars", md.bars);
    kv("reconnects", md.reconnects);
    kv("gaps", md.gaps);
    kv("conflated", md.conflated);
    kv("garbage", md.garbage);
    kv("rest_errors", md.rest_errors);
    w.end_object();
  }
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
  for (auto& rc : r.orders.reconciliation)
    if (rc.reason == "commissions_pending" && rc.count > 0)
      os << "  " << rc.count << " fills still wait for their commission (booked without it)\n";
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
  for (auto& [name, status] : r.strategies)
    if (status != "running")
      os << "strategy " << name << " " << status << "\n";
  return os.str();
}

} // namespace engine
