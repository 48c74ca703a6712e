// Rebuilds the engine's state from the journal at start-up: orders, fills, the next seq and order id.
#include "actors/journal/journal_recovery.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_set>

#include "messages/codec.hpp"
#include "messages/order_state_machine.hpp"

namespace engine {

namespace {

template <class T>
T decode(const journal_record& r) {
  T x;
  auto st = from_json(r.line, x);
  if (!st)
    throw journal_error(std::string{r.file} + ":" + std::to_string(r.line_no) + ": event "
                        + std::string{r.event} + ": " + st.error);
  return x;
}

uint64_t order_number(const std::string& id, const std::string& prefix) {
  if (id.size() <= prefix.size() + 1 || id.compare(0, prefix.size(), prefix) != 0
      || id[prefix.size()] != '-')
    return 0;
  uint64_t n = 0;
  for (size_t i = prefix.size() + 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9')
      return 0;
    n = n * 10 + static_cast<uint64_t>(id[i] - '0');
  }
  return n;
}

} // namespace

recovered_state recover_journal(const std::string& dir, bool recover,
                                const std::string& order_id_prefix) {
  recovered_state out;
  std::map<std::string, OrderExecution> orders;
  std::unordered_set<std::string> exec_ids;
  std::map<std::string, Money> notional_by_order;
  if (!std::filesystem::exists(dir))
    return out;
  out.summary = replay(dir, recover, [&](const journal_record& r) {
    if (r.stream == journal_stream::trade_log) {
      auto f = decode<Fill>(r);
      if (!exec_ids.insert(f.exec_id).second)
        return; // the same execution twice: count it once
      auto& o = orders[f.order_id];
      o.executed_quantity += f.quantity;
      auto& n = notional_by_order[f.order_id];
      n += notional(f.quantity, f.price);
      o.average_price = div<Price>(n, o.executed_quantity, rounding::half_even);
      o.commission += f.commission;
      o.fills.push_back(f);
      if (o.executed_quantity >= o.quantity && o.quantity.is_positive())
        o.status = OrderStatus::filled;
      else if (is_open(o.status))
        o.status = OrderStatus::partially_filled;
      out.fills.push_back(std::move(f));
      return;
    }
    if (r.event == "accepted") {
      auto req = decode<OrderRequest>(r);
      auto& o = orders[req.order_id];
      auto fills = std::move(o.fills);
      auto executed = o.executed_quantity;
      o = execution_from(req);
      o.fills = std::move(fills);
      o.executed_quantity = executed;
      return;
    }
    if (r.event == "replace_requested")
      return; // the venue's answer ("replaced") carries the outcome
    if (r.event.substr(0, 9) == "operator_")
      return; // an operator's audit record (kill switch, limits): no order state
    // Every other order event carries the order's state after it.
    auto u = decode<OrderUpdate>(r);
    auto& o = orders[u.order_id];
    if (o.order_id.empty()) {
      o.order_id = u.order_id;
      o.client_order_id = u.client_order_id;
      o.ticker = u.ticker;
      o.side = u.side;
      o.strategy = u.strategy;
    }
    if (r.event == "replaced")
      o.quantity = u.executed_quantity + u.leaves_quantity;
    // A fill journaled after this update may already have completed the order.
    if (!(o.status == OrderStatus::filled && is_open(u.status)))
      o.status = u.status;
    if (!u.reason.empty())
      o.reason = u.reason;
  });
  out.next_seq = out.summary.next_seq();
  uint64_t max_id = 0;
  for (auto& [id, o] : orders) {
    max_id = std::max(max_id, order_number(id, order_id_prefix));
    if (is_open(o.status))
      ++out.open_orders;
    out.orders.push_back(std::move(o));
  }
  out.next_order_id = max_id + 1;
  return out;
}

} // namespace engine
