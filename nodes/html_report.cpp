// The after-run report as one self-contained HTML file: equity and drawdown, P&L by strategy and ticker, fills over prices.
#include "nodes/html_report.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/clock/iso8601.hpp"
#include "actors/journal/journal_recovery.hpp"
#include "config/config_loader.hpp"
#include "config/logging.hpp"
#include "messages/type_ids.hpp"
#include "nodes/http/http_service.hpp"

namespace engine {

namespace {

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

/// Text that goes inside <script>: never closes the element early.
std::string script_safe(std::string s) {
  for (size_t at = s.find("</"); at != std::string::npos; at = s.find("</", at + 3))
    s.replace(at, 2, "<\\/");
  return s;
}

std::string cents(Money m) { return m.round_to(one_cent, rounding::half_even).to_string(); }

int64_t seconds(timestamp_ns t) { return t / 1'000'000'000; }

/// A table row's bar: width by |value| against the largest, green or red by sign.
std::string bar(Money v, Money largest) {
  double w = largest.is_zero() ? 0 : 100.0 * std::abs(static_cast<double>(v.raw()))
                                           / static_cast<double>(largest.raw());
  std::ostringstream o;
  o << "<div class=\"bar " << (v.is_negative() ? "neg" : "pos") << "\" style=\"width:"
    << static_cast<int>(w) << "%\"></div>";
  return o.str();
}

} // namespace

void run_recorder::sample(engine_node& node) {
  auto r = node.report();
  run_sample s;
  s.time = node.now();
  s.equity = r.account.equity;
  s.total_pnl = r.metrics.total_pnl;
  if (auto md = node.directory()->get(names::market_data)) {
    caf::scoped_actor self{node.system()};
    for (auto& t : node.config().market_data.tickers)
      self->request(md, std::chrono::seconds(2), market_atom::value, t.ticker)
        .receive(
          [&](const MarketData& m) {
            if (!m.ticker.empty())
              s.prices.emplace_back(m.ticker, m.last.is_zero() ? mid_price(Quote{m.ticker, m.bid, m.ask, {}, {}, 0}) : m.last);
          },
          [](caf::error&) {});
  }
  if (!samples_.empty() && seconds(samples_.back().time) == seconds(s.time))
    samples_.back() = std::move(s); // one point per second of the node's clock
  else
    samples_.push_back(std::move(s));
}

void run_recorder::collect_orders(engine_node& node) {
  // Every order of the journal (the order manager keeps only the recent closed ones).
  const auto& dir = node.config().journal.dir;
  std::error_code ec;
  if (!dir.empty() && std::filesystem::is_directory(dir, ec)) {
    try {
      orders_ = recover_journal(dir, false).orders;
      return;
    } catch (const std::exception& e) {
      logger("report")->warn("HTML report: cannot read the journal in {} ({}): it shows the "
                             "orders the order manager holds",
                             dir, e.what());
    }
  }
  auto om = node.directory()->get(names::order_manager);
  if (!om)
    return;
  caf::scoped_actor self{node.system()};
  self->request(om, std::chrono::seconds(30), orders_atom::value, true)
    .receive([&](std::vector<OrderExecution>& xs) { orders_ = std::move(xs); },
             [](caf::error&) {});
}

std::vector<pnl_row> pnl_by_strategy_and_ticker(
  const std::vector<OrderExecution>& orders,
  const std::vector<std::pair<std::string, Price>>& marks) {
  std::map<std::pair<std::string, std::string>, pnl_row> rows;
  std::map<std::string, Price> mark;
  for (auto& [t, p] : marks)
    mark[t] = p;
  std::map<std::string, std::pair<timestamp_ns, Price>> last_fill;
  for (auto& o : orders)
    for (auto& f : o.fills) {
      auto& row = rows[{o.strategy, f.ticker}];
      row.strategy = o.strategy;
      row.ticker = f.ticker;
      ++row.fills;
      auto cash = notional(f.quantity, f.price);
      if (f.side == OrderSide::buy) {
        row.position += f.quantity;
        row.pnl -= cash;
      } else {
        row.position -= f.quantity;
        row.pnl += cash;
      }
      row.commission += f.commission;
      auto& lf = last_fill[f.ticker];
      if (f.timestamp >= lf.first)
        lf = {f.timestamp, f.price};
    }
  std::vector<pnl_row> out;
  for (auto& [key, row] : rows) {
    auto m = mark.count(row.ticker) ? mark[row.ticker] : last_fill[row.ticker].second;
    // The open position valued at the mark (negative quantities are shorts).
    auto value = row.position.is_negative() ? -notional(-row.position, m) : notional(row.position, m);
    row.pnl += value - row.commission;
    out.push_back(row);
  }
  return out;
}

std::string load_charts_js() {
  auto path = http::find_vendor_dir() + "/lightweight-charts/dist/lightweight-charts.standalone.production.js";
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string html_report(const node_report& r, const run_recorder& rec, const app_config& cfg,
                        const std::string& charts_js) {
  // The data for the charts: equity, drawdown, P&L, prices and fills, by second.
  // Written by hand: arrays of [second, "exact decimal"] pairs.
  Money peak;
  bool first = true;
  std::string eq = "[", dd = "[", pnl = "[";
  for (auto& s : rec.samples()) {
    if (first || s.equity > peak)
      peak = s.equity;
    auto sep = first ? "" : ",";
    first = false;
    eq += sep + std::string{"["} + std::to_string(seconds(s.time)) + ",\"" + s.equity.to_string() + "\"]";
    dd += sep + std::string{"["} + std::to_string(seconds(s.time)) + ",\"" + (s.equity - peak).to_string() + "\"]";
    pnl += sep + std::string{"["} + std::to_string(seconds(s.time)) + ",\"" + s.total_pnl.to_string() + "\"]";
  }
  eq += "]";
  dd += "]";
  pnl += "]";
  std::string data = "{\"equity\":" + eq + ",\"drawdown\":" + dd + ",\"pnl\":" + pnl;
  std::map<std::string, std::string> prices;
  for (auto& s : rec.samples())
    for (auto& [t, p] : s.prices) {
      auto& text = prices[t];
      text += (text.empty() ? "" : ",") + std::string{"["} + std::to_string(seconds(s.time)) +
              ",\"" + p.to_string() + "\"]";
    }
  data += ",\"prices\":{";
  bool f1 = true;
  for (auto& [t, text] : prices) {
    data += (f1 ? "\"" : ",\"") + t + "\":[" + text + "]";
    f1 = false;
  }
  data += "},\"fills\":{";
  std::map<std::string, std::map<std::string, std::map<int64_t, Price>>> fills; // ticker, side, second
  for (auto& o : rec.orders())
    for (auto& f : o.fills)
      fills[f.ticker][to_string(f.side)][seconds(f.timestamp)] = f.price;
  f1 = true;
  for (auto& [t, sides] : fills) {
    data += (f1 ? "\"" : ",\"") + t + "\":{";
    f1 = false;
    bool f2 = true;
    for (auto& [side, pts] : sides) {
      data += (f2 ? "\"" : ",\"") + side + "\":[";
      f2 = false;
      bool f3 = true;
      for (auto& [sec, p] : pts) {
        data += (f3 ? "[" : ",[") + std::to_string(sec) + ",\"" + p.to_string() + "\"]";
        f3 = false;
      }
      data += "]";
    }
    data += "}";
  }
  data += "}}";

  // Marks for the P&L table: the final positions' prices, else the last sampled price.
  std::vector<std::pair<std::string, Price>> marks;
  if (!rec.samples().empty())
    marks = rec.samples().back().prices;
  for (auto& p : r.positions)
    if (!p.quantity.is_zero()) {
      auto px = div<Price>(p.market_value.abs(), p.quantity.abs(), rounding::half_even);
      marks.emplace_back(p.ticker, px);
    }
  std::reverse(marks.begin(), marks.end()); // positions' marks win (first seen in the map below)
  std::vector<std::pair<std::string, Price>> unique_marks;
  for (auto& m : marks)
    if (std::none_of(unique_marks.begin(), unique_marks.end(),
                     [&](auto& u) { return u.first == m.first; }))
      unique_marks.push_back(m);
  auto rows = pnl_by_strategy_and_ticker(rec.orders(), unique_marks);
  std::map<std::string, Money> by_strategy, by_ticker;
  for (auto& row : rows) {
    by_strategy[row.strategy] += row.pnl;
    by_ticker[row.ticker] += row.pnl;
  }
  Money largest;
  for (auto& [k, v] : by_strategy)
    largest = std::max(largest, v.abs());
  for (auto& [k, v] : by_ticker)
    largest = std::max(largest, v.abs());

  std::ostringstream h;
  h << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<title>execution-node run report</title><style>"
    << "body{font:13px/1.4 system-ui,sans-serif;margin:16px;background:#fff;color:#1b2028}"
    << "h1{font-size:18px}h2{font-size:14px;margin:18px 0 6px;text-transform:uppercase;color:#456}"
    << "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #e3e7ec}"
    << "td:first-child,th:first-child{text-align:left}.chart{height:280px;width:100%}"
    << ".bar{height:10px;min-width:1px}.bar.pos{background:#2e9d5b}.bar.neg{background:#d0453b}"
    << "td.barcell{width:240px;text-align:left}pre{background:#f4f6f8;padding:8px}"
    << ".grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}</style>";
  if (!charts_js.empty())
    h << "<script>" << script_safe(charts_js) << "</script>";
  h << "</head><body><h1>Run report</h1>";
  h << "<p>equity " << cents(r.account.equity) << ", cash " << cents(r.account.cash)
    << ", initial " << cents(r.account.initial_cash) << "; total P&amp;L "
    << cents(r.metrics.total_pnl) << " (realized " << cents(r.metrics.realized_pnl)
    << ", unrealized " << cents(r.metrics.unrealized_pnl) << "), commission "
    << cents(r.metrics.daily_commission) << "; " << r.orders.submitted << " orders, "
    << r.orders.fills << " fills, " << r.orders.rejected << " rejected.</p>";
  if (charts_js.empty())
    h << "<p><b>The charts library was not found (deploy/install-deps.sh installs it): tables only.</b></p>";
  h << "<h2>Equity</h2><div id=\"equity\" class=\"chart\"></div>"
    << "<h2>Drawdown</h2><div id=\"drawdown\" class=\"chart\" style=\"height:160px\"></div>";
  h << "<div class=\"grid\"><div><h2>P&amp;L by strategy</h2><table><tr><th>strategy</th><th>P&amp;L</th><th></th></tr>";
  for (auto& [k, v] : by_strategy)
    h << "<tr><td>" << html_escape(k.empty() ? "(none)" : k) << "</td><td>" << cents(v)
      << "</td><td class=\"barcell\">" << bar(v, largest) << "</td></tr>";
  h << "</table></div><div><h2>P&amp;L by ticker</h2><table><tr><th>ticker</th><th>P&amp;L</th><th></th></tr>";
  for (auto& [k, v] : by_ticker)
    h << "<tr><td>" << html_escape(k) << "</td><td>" << cents(v) << "</td><td class=\"barcell\">"
      << bar(v, largest) << "</td></tr>";
  h << "</table></div></div>";
  h << "<h2>P&amp;L by strategy and ticker</h2><table><tr><th>strategy</th><th>ticker</th>"
    << "<th>fills</th><th>position</th><th>commission</th><th>P&amp;L (after commission)</th></tr>";
  for (auto& row : rows)
    h << "<tr><td>" << html_escape(row.strategy) << "</td><td>" << html_escape(row.ticker)
      << "</td><td>" << row.fills << "</td><td>" << row.position.to_string() << "</td><td>"
      << cents(row.commission) << "</td><td>" << cents(row.pnl) << "</td></tr>";
  h << "</table>";
  h << "<h2>Fills over prices</h2><div id=\"fills\"></div>";
  h << "<div class=\"grid\"><div><h2>Rejects by reason</h2><table><tr><th>reason</th><th>orders</th><th></th></tr>";
  int64_t most = 1;
  for (auto& rc : r.orders.rejects_by_reason)
    most = std::max(most, rc.count);
  for (auto& rc : r.orders.rejects_by_reason)
    h << "<tr><td>" << html_escape(rc.reason) << "</td><td>" << rc.count
      << "</td><td class=\"barcell\"><div class=\"bar neg\" style=\"width:"
      << 100 * rc.count / most << "%\"></div></td></tr>";
  if (r.orders.rejects_by_reason.empty())
    h << "<tr><td>(none)</td><td>0</td><td></td></tr>";
  h << "</table></div><div><h2>Positions at the end</h2><table><tr><th>ticker</th><th>quantity</th>"
    << "<th>average</th><th>value</th><th>realized</th><th>unrealized</th></tr>";
  for (auto& p : r.positions)
    h << "<tr><td>" << html_escape(p.ticker) << "</td><td>" << p.quantity.to_string() << "</td><td>"
      << p.average_price.to_string() << "</td><td>" << cents(p.market_value) << "</td><td>"
      << cents(p.realized_pnl) << "</td><td>" << cents(p.unrealized_pnl) << "</td></tr>";
  h << "</table></div></div>";
  // describe() prints secrets as ***.
  h << "<h2>Configuration</h2><pre>" << html_escape(describe(cfg)) << "</pre>";
  h << "<script type=\"application/json\" id=\"data\">" << script_safe(data) << "</script>\n";
  h << "<script>\n" << R"JS(
(function () {
  const data = JSON.parse(document.getElementById('data').textContent);
  window.reportData = data;
  if (!window.LightweightCharts) return;
  const LC = window.LightweightCharts;
  const pts = (xs) => xs.map(([t, v]) => ({ time: t, value: Number(v) }));
  function chart(el, height) {
    return LC.createChart(el, { width: el.clientWidth || 900, height: height,
      timeScale: { timeVisible: true, secondsVisible: false } });
  }
  const eq = chart(document.getElementById('equity'), 280);
  eq.addSeries(LC.LineSeries, { color: '#1f77b4', lineWidth: 2 }).setData(pts(data.equity));
  eq.timeScale().fitContent();
  const dd = chart(document.getElementById('drawdown'), 160);
  dd.addSeries(LC.AreaSeries, { lineColor: '#d0453b', topColor: 'rgba(208,69,59,0.1)',
                                bottomColor: 'rgba(208,69,59,0.4)', invertFilledArea: true }).setData(pts(data.drawdown));
  dd.timeScale().fitContent();
  const box = document.getElementById('fills');
  Object.keys(data.prices).forEach(function (ticker) {
    const h = document.createElement('h3');
    h.textContent = ticker;
    const el = document.createElement('div');
    el.className = 'chart';
    box.appendChild(h);
    box.appendChild(el);
    const c = chart(el, 260);
    c.addSeries(LC.LineSeries, { color: '#888', lineWidth: 1 }).setData(pts(data.prices[ticker]));
    const f = data.fills[ticker] || {};
    [['buy', '#2e9d5b'], ['sell', '#d0453b']].forEach(function ([side, color]) {
      if (!f[side]) return;
      c.addSeries(LC.LineSeries, { color: color, lineVisible: false, pointMarkersVisible: true,
                                   pointMarkersRadius: 3, lastValueVisible: false,
                                   priceLineVisible: false, title: side }).setData(pts(f[side]));
    });
    c.timeScale().fitContent();
  });
})();
)JS" << "</script></body></html>\n";
  return h.str();
}

} // namespace engine
