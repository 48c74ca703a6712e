// Rebuilds the engine's state from the journal at start-up: orders, fills, the next seq and order id.
#include "actors/journal/journal_recovery.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <unordered_set>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/journal/record_decoder.hpp"
#include "messages/string_index.hpp"
#include "messages/commission_completion.hpp"
#include "messages/codec.hpp"
#include "messages/order_state_machine.hpp"

namespace engine {

namespace {

// The fast decoder reads the lines the writer makes; anything else goes
// through the general JSON decoder, which also says what is wrong.
// The fast path leaves string fields in the line (read them through views):
// most of them are looked up or dropped, and the rest are copied once, into
// the recovered state.
template <class T>
void decode(const journal_record& r, T& x, record_string_views& views) {
  // The reader's event view ends at the name's closing quote: the fields follow.
  auto fields_at = static_cast<size_t>(r.event.data() + r.event.size() - r.line.data()) + 1;
  if (decode_record_fields_fast(r.line, fields_at, x, &views))
    return;
  views.clear();
  x = T{};
  // Order book records leave out fields at their default (journal_writer::encode).
  auto st = from_json(r.line, x, missing_fields::take_default);
  if (!st)
    throw journal_error(std::string{r.file} + ":" + std::to_string(r.line_no) + ": event "
                        + std::string{r.event} + ": " + st.error);
}

// The orders by id, built in place in the vector recovered_state returns (no
// node and no second copy of an order: fresh memory is a quarter of replay's
// time), with the running notional of each order's fills beside them, and
// the last one looked up: an order's records tend to follow each other
// (accepted, acknowledged, fill), so most records skip the lookup.
class order_table {
public:
  explicit order_table(std::vector<OrderExecution>& orders)
    : orders_(orders), index_{key_of{&ids_}} {}

  void reserve(size_t n) {
    index_.reserve(n);
    orders_.reserve(n);
    ids_.reserve(n);
    notional_.reserve(n);
  }

  /// The index of the order of that id, added (empty) when new.
  uint32_t at(std::string_view id) {
    if (last_ < ids_.size() && ids_[last_] == id)
      return last_;
    auto candidate = static_cast<uint32_t>(ids_.size());
    auto i = index_.find_or_insert(id, candidate);
    if (i == candidate) {
      ids_.emplace_back(id);
      orders_.emplace_back();
      notional_.emplace_back();
    }
    last_ = i;
    return i;
  }

  OrderExecution& order(uint32_t i) { return orders_[i]; }
  Money& notional(uint32_t i) { return notional_[i]; }
  const std::vector<std::string>& ids() const { return ids_; }

  // Sorts the orders by id in place (the order recovered_state promises). The
  // sort key holds the id's first 16 bytes as two big-endian words, sorted by
  // a radix sort over the bytes that differ between ids (engine ids share a
  // prefix); ids equal in those 16 bytes are then ordered by the whole id.
  void sort_by_id() {
    const auto n = ids_.size();
    std::vector<entry> v;
    v.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      const auto& id = ids_[i];
      unsigned char head[16] = {};
      std::memcpy(head, id.data(), std::min(id.size(), sizeof(head)));
      uint64_t hi = 0;
      uint64_t lo = 0;
      for (int k = 0; k < 8; ++k) {
        hi = hi << 8 | head[k];
        lo = lo << 8 | head[8 + k];
      }
      v.push_back({hi, lo, i});
    }
    radix_sort(v);
    // Same first 16 bytes (zero padded): past them, or a prefix sorts first.
    auto whole_id = [this](const entry& a, const entry& b) {
      const auto& x = ids_[a.index];
      const auto& y = ids_[b.index];
      if (x.size() >= 16 && y.size() >= 16)
        return x < y;
      return x.size() < y.size();
    };
    for (size_t i = 0; i < v.size();) {
      size_t j = i + 1;
      while (j < v.size() && v[j].hi == v[i].hi && v[j].lo == v[i].lo)
        ++j;
      if (j - i > 1)
        std::sort(v.begin() + static_cast<std::ptrdiff_t>(i),
                  v.begin() + static_cast<std::ptrdiff_t>(j), whole_id);
      i = j;
    }
    // Position k takes the order at v[k].index: follow each cycle of the
    // permutation with one order held aside. The moves are listed first and
    // then made with the orders a few moves ahead prefetched: each move reads
    // and writes orders at random places in tens of megabytes, and waiting
    // for those cache misses one at a time was most of the sort's time.
    struct move_step {
      uint32_t to, from; // from == held: the order held aside
    };
    constexpr uint32_t held_aside = UINT32_MAX;
    std::vector<move_step> steps;
    steps.reserve(n + n / 2);
    {
      std::vector<bool> placed(n, false);
      for (size_t k = 0; k < n; ++k) {
        if (placed[k] || v[k].index == k) {
          placed[k] = true;
          continue;
        }
        steps.push_back({static_cast<uint32_t>(k), static_cast<uint32_t>(k)}); // hold k
        size_t j = k;
        for (;;) {
          placed[j] = true;
          size_t from = v[j].index;
          if (from == k) {
            steps.push_back({static_cast<uint32_t>(j), held_aside});
            break;
          }
          steps.push_back({static_cast<uint32_t>(j), static_cast<uint32_t>(from)});
          j = from;
        }
      }
    }
    auto prefetch = [this](uint32_t i) {
      if (i == held_aside)
        return;
      const char* p = reinterpret_cast<const char*>(&orders_[i]);
      for (size_t off = 0; off < sizeof(OrderExecution); off += 64)
        __builtin_prefetch(p + off, 1);
    };
    constexpr size_t ahead = 8;
    OrderExecution held;
    for (size_t s = 0; s < steps.size(); ++s) {
      if (s + ahead < steps.size()) {
        prefetch(steps[s + ahead].to);
        prefetch(steps[s + ahead].from);
      }
      const auto& m = steps[s];
      if (m.from == m.to)
        held = std::move(orders_[m.to]);
      else if (m.from == held_aside)
        orders_[m.to] = std::move(held);
      else
        orders_[m.to] = std::move(orders_[m.from]);
    }
    last_ = no_order; // the indices no longer name the same orders
  }

private:
  static constexpr uint32_t no_order = UINT32_MAX;

  struct entry {
    uint64_t hi, lo;
    uint32_t index;
  };

  // Byte k of the 16-byte key, k = 0 the most significant.
  static unsigned key_byte(const entry& e, int k) {
    return k < 8 ? static_cast<unsigned>(e.hi >> (56 - 8 * k)) & 0xFF
                 : static_cast<unsigned>(e.lo >> (56 - 8 * (k - 8))) & 0xFF;
  }

  // Least significant byte first, one stable counting pass per byte that is
  // not the same in every key.
  static void radix_sort(std::vector<entry>& v) {
    if (v.size() < 2)
      return;
    uint64_t diff_hi = 0;
    uint64_t diff_lo = 0;
    for (const auto& e : v) {
      diff_hi |= e.hi ^ v[0].hi;
      diff_lo |= e.lo ^ v[0].lo;
    }
    entry probe{diff_hi, diff_lo, 0};
    std::vector<entry> tmp(v.size());
    for (int k = 15; k >= 0; --k) {
      if (key_byte(probe, k) == 0)
        continue;
      size_t count[257] = {};
      for (const auto& e : v)
        ++count[key_byte(e, k) + 1];
      for (int b = 0; b < 256; ++b)
        count[b + 1] += count[b];
      for (const auto& e : v)
        tmp[count[key_byte(e, k)]++] = e;
      v.swap(tmp);
    }
  }

  struct key_of {
    const std::vector<std::string>* ids;
    std::string_view operator()(uint32_t i) const { return (*ids)[i]; }
  };
  std::vector<OrderExecution>& orders_;
  std::vector<std::string> ids_; // the keys; never changed, unlike an order's order_id
  std::vector<Money> notional_;
  string_index<key_of> index_;
  uint32_t last_ = no_order;
};

// A guess of the records in dir from the segments' sizes (lines are ~200-300
// bytes), to size the tables once; capped so a huge journal does not reserve
// memory it may never need.
size_t estimated_records(const std::string& dir) {
  uint64_t bytes = 0;
  for (auto s : {journal_stream::order_book, journal_stream::trade_log})
    for (const auto& seg : list_segments(dir, s)) {
      std::error_code ec;
      auto n = std::filesystem::file_size(seg.path, ec);
      if (!ec)
        bytes += n;
    }
  return static_cast<size_t>(std::min<uint64_t>(bytes / 250, uint64_t{1} << 22));
}

// Assigns the decoded fill to x with its strings copied out of the line (in
// place: x is the recovered fill, no temporary).
void materialize(Fill& x, const Fill& f, const record_string_views& sv) {
  x.exec_id = sv.of(f.exec_id);
  x.order_id = sv.of(f.order_id);
  x.client_order_id = sv.of(f.client_order_id);
  x.ticker = sv.of(f.ticker);
  x.side = f.side;
  x.quantity = f.quantity;
  x.price = f.price;
  x.commission = f.commission;
  x.timestamp = f.timestamp;
  x.broker = sv.of(f.broker);
}

// o = execution_from(req) for a request whose strings are in views, in place,
// keeping the fills and executed quantity of records that came before it.
// Every other member is what execution_from gives (the test
// FoldThroughViewsEqualsFoldThroughTheGeneralDecoder compares field by field).
void accept_into(OrderExecution& o, const OrderRequest& req, const record_string_views& sv) {
  // A new member of OrderExecution must be reset here too (its size on LP64 libstdc++).
  static_assert(sizeof(void*) != 8 || sizeof(OrderExecution) == 264,
                "OrderExecution changed: make accept_into reset the new member");
  o.order_id = sv.of(req.order_id);
  o.client_order_id = sv.of(req.client_order_id);
  o.ticker = sv.of(req.ticker);
  o.side = req.side;
  o.order_type = req.order_type;
  o.quantity = req.quantity;
  o.price = req.price;
  o.stop_price = req.stop_price;
  o.time_in_force = req.time_in_force;
  o.average_price = Price{};
  o.commission = Money{};
  o.timestamp = req.timestamp;
  o.status = OrderStatus::pending_new;
  o.reason.clear();
  o.strategy = sv.of(req.strategy);
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
  // Hash maps, not ordered ones: the output is sorted by id once at the end.
  order_table orders{out.orders};
  // Execution ids seen, as indices into out.fills (which holds each once).
  struct fill_key {
    const std::vector<Fill>* fills;
    std::string_view operator()(uint32_t i) const { return (*fills)[i].exec_id; }
  };
  string_index<fill_key> exec_ids{fill_key{&out.fills}};
  if (!std::filesystem::exists(dir))
    return out;
  auto estimate = estimated_records(dir);
  orders.reserve(estimate / 3);
  exec_ids.reserve(estimate / 3);
  out.fills.reserve(estimate / 3);
  // Decoded into the same objects every time; their strings stay in the line.
  Fill f;
  OrderRequest req;
  OrderUpdate u;
  record_string_views sv;
  std::unordered_set<std::string> pending; // exec ids journaled with their commission pending
  out.summary = replay(dir, recover, [&](const journal_record& r) {
    if (r.stream == journal_stream::trade_log) {
      decode(r, f, sv);
      const auto exec_id = sv.of(f.exec_id);
      if (r.event == commission_completed_event) {
        // Completes the pending fill of that exec id, once; anything else is ignored.
        auto i = exec_ids.find(exec_id);
        if (!i || pending.erase(std::string{exec_id}) == 0)
          return;
        auto& fill = out.fills[*i];
        fill.commission = f.commission;
        auto& o = orders.order(orders.at(fill.order_id));
        o.commission += f.commission;
        for (auto& x : o.fills)
          if (x.exec_id == exec_id)
            x.commission = f.commission;
        return;
      }
      auto next = static_cast<uint32_t>(out.fills.size());
      if (exec_ids.find_or_insert(exec_id, next) != next)
        return; // the same execution twice: count it once
      auto& fill = out.fills.emplace_back();
      materialize(fill, f, sv);
      auto slot = orders.at(fill.order_id);
      auto& o = orders.order(slot);
      o.executed_quantity += fill.quantity;
      auto& sum = orders.notional(slot);
      sum += notional(fill.quantity, fill.price);
      o.average_price = div<Price>(sum, o.executed_quantity, rounding::half_even);
      o.commission += fill.commission;
      o.fills.push_back(fill);
      if (is_commission_pending_event(r.event))
        pending.emplace(exec_id);
      if (o.executed_quantity >= o.quantity && o.quantity.is_positive())
        o.status = OrderStatus::filled;
      else if (is_open(o.status))
        o.status = OrderStatus::partially_filled;
      return;
    }
    if (r.event == "accepted") {
      decode(r, req, sv);
      accept_into(orders.order(orders.at(sv.of(req.order_id))), req, sv);
      return;
    }
    if (r.event == "replace_requested")
      return; // the venue's answer ("replaced") carries the outcome
    if (r.event.substr(0, 9) == "operator_")
      return; // an operator's audit record (kill switch, limits): no order state
    // Every other order event carries the order's state after it.
    decode(r, u, sv);
    auto& o = orders.order(orders.at(sv.of(u.order_id)));
    if (o.order_id.empty()) {
      o.order_id = sv.of(u.order_id);
      o.client_order_id = sv.of(u.client_order_id);
      o.ticker = sv.of(u.ticker);
      o.side = u.side;
      o.strategy = sv.of(u.strategy);
    }
    if (r.event == "replaced")
      o.quantity = u.executed_quantity + u.leaves_quantity;
    // A fill journaled after this update may already have completed the order.
    if (!(o.status == OrderStatus::filled && is_open(u.status)))
      o.status = u.status;
    if (auto reason = sv.of(u.reason); !reason.empty())
      o.reason = reason;
    if (u.reject != RejectReason::none)
      out.reject_codes[o.order_id] = u.reject;
  });
  out.next_seq = out.summary.next_seq();
  uint64_t max_id = 0;
  for (const auto& id : orders.ids())
    max_id = std::max(max_id, order_number(id, order_id_prefix));
  for (const auto& o : out.orders)
    if (is_open(o.status))
      ++out.open_orders;
  // By id, as before (the order of a std::map keyed by the id string).
  orders.sort_by_id();
  out.next_order_id = max_id + 1;
  // In journal order, as a test comparing two recoveries expects.
  for (auto& x : out.fills)
    if (pending.count(x.exec_id))
      out.commissions_pending.push_back(x.exec_id);
  return out;
}

} // namespace engine
