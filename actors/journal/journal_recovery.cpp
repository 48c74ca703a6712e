// Rebuilds the engine's state from the journal at start-up: orders, fills, the next seq and order id.
#include "actors/journal/journal_recovery.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <unordered_set>
#include <deque>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/journal/record_decoder.hpp"
#include "messages/commission_completion.hpp"
#include "messages/codec.hpp"
#include "messages/order_state_machine.hpp"

namespace engine {

namespace {

// The fast decoder reads the lines the writer makes; anything else goes
// through the general JSON decoder, which also says what is wrong.
template <class T>
void decode(const journal_record& r, T& x) {
  if (decode_record_fast(r.line, x))
    return;
  x = T{};
  auto st = from_json(r.line, x);
  if (!st)
    throw journal_error(std::string{r.file} + ":" + std::to_string(r.line_no) + ": event "
                        + std::string{r.event} + ": " + st.error);
}

// An order being rebuilt, with the running notional of its fills.
struct order_slot {
  std::string id; // the key; never changed, unlike o.order_id
  OrderExecution o;
  Money notional;
};

// A set of indices into a container its owner keeps, looked up by a string
// key of the element (open addressing, linear probing): no allocation per
// entry, one probe array instead of a node per key. Each slot keeps 32 bits
// of the key's hash beside the index, so a probe rarely reads an element.
template <class KeyOf>
class index_table {
public:
  explicit index_table(KeyOf key_of) : key_of_(key_of) {}

  void reserve(size_t n) {
    size_t want = 16;
    while (want < 2 * n)
      want *= 2;
    if (want > slots_.size())
      rehash(want);
  }

  /// The index of the element whose key is key, if stored.
  std::optional<uint32_t> find(std::string_view key) const {
    if (slots_.empty())
      return std::nullopt;
    auto h = std::hash<std::string_view>{}(key);
    auto tag = static_cast<uint32_t>(h >> 32);
    auto mask = slots_.size() - 1;
    for (auto j = h & mask;; j = (j + 1) & mask) {
      auto v = slots_[j];
      if (v == 0)
        return std::nullopt;
      auto i = static_cast<uint32_t>(v) - 1;
      if (static_cast<uint32_t>(v >> 32) == tag && key_of_(i) == key)
        return i;
    }
  }

  /// The index of the element whose key is key, or candidate after storing it
  /// (the caller then adds that element at index candidate).
  uint32_t find_or_insert(std::string_view key, uint32_t candidate) {
    if (2 * (size_ + 1) > slots_.size())
      rehash(slots_.empty() ? 16 : 2 * slots_.size());
    auto h = std::hash<std::string_view>{}(key);
    auto tag = static_cast<uint32_t>(h >> 32);
    auto mask = slots_.size() - 1;
    for (auto j = h & mask;; j = (j + 1) & mask) {
      auto v = slots_[j];
      if (v == 0) {
        slots_[j] = (uint64_t{tag} << 32) | (uint64_t{candidate} + 1);
        ++size_;
        return candidate;
      }
      auto i = static_cast<uint32_t>(v) - 1;
      if (static_cast<uint32_t>(v >> 32) == tag && key_of_(i) == key)
        return i;
    }
  }

private:
  void rehash(size_t n) {
    std::vector<uint64_t> old(n, 0);
    old.swap(slots_);
    auto mask = n - 1;
    for (auto v : old) {
      if (v == 0)
        continue;
      auto j = std::hash<std::string_view>{}(key_of_(static_cast<uint32_t>(v) - 1)) & mask;
      while (slots_[j] != 0)
        j = (j + 1) & mask;
      slots_[j] = v;
    }
  }

  KeyOf key_of_;
  std::vector<uint64_t> slots_; // 0 empty, else tag << 32 | (index + 1)
  size_t size_ = 0;
};

// The orders by id, in a deque (stable addresses, no allocation per order),
// and the last one looked up: an order's records tend to follow each other
// (accepted, acknowledged, fill), so most records skip the lookup.
class order_table {
public:
  order_table() : index_{key_of{&slots_}} {}

  void reserve(size_t n) { index_.reserve(n); }

  order_slot& at(const std::string& id) {
    if (last_ != nullptr && last_->id == id)
      return *last_;
    auto candidate = static_cast<uint32_t>(slots_.size());
    auto i = index_.find_or_insert(id, candidate);
    if (i == candidate) {
      slots_.emplace_back();
      slots_.back().id = id;
    }
    last_ = &slots_[i];
    return *last_;
  }

  // The slots sorted by id (the order recovered_state promises). The sort key
  // holds the id's first 16 bytes as two big-endian words, so most comparisons
  // are two integer compares that never leave the vector.
  std::vector<order_slot*> sorted() {
    struct entry {
      uint64_t hi, lo;
      order_slot* slot;
    };
    std::vector<entry> v;
    v.reserve(slots_.size());
    for (auto& slot : slots_) {
      unsigned char head[16] = {};
      std::memcpy(head, slot.id.data(), std::min(slot.id.size(), sizeof(head)));
      uint64_t hi = 0;
      uint64_t lo = 0;
      for (int k = 0; k < 8; ++k) {
        hi = hi << 8 | head[k];
        lo = lo << 8 | head[8 + k];
      }
      v.push_back({hi, lo, &slot});
    }
    std::sort(v.begin(), v.end(), [](const entry& a, const entry& b) {
      if (a.hi != b.hi)
        return a.hi < b.hi;
      if (a.lo != b.lo)
        return a.lo < b.lo;
      // Same first 16 bytes (zero padded): past them, or a prefix sorts first.
      const auto& x = a.slot->id;
      const auto& y = b.slot->id;
      if (x.size() >= 16 && y.size() >= 16)
        return x < y;
      return x.size() < y.size();
    });
    std::vector<order_slot*> out;
    out.reserve(v.size());
    for (auto& e : v)
      out.push_back(e.slot);
    return out;
  }

private:
  struct key_of {
    const std::deque<order_slot>* slots;
    std::string_view operator()(uint32_t i) const { return (*slots)[i].id; }
  };
  std::deque<order_slot> slots_;
  index_table<key_of> index_;
  order_slot* last_ = nullptr;
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
  order_table orders;
  // Execution ids seen, as indices into out.fills (which holds each once).
  struct fill_key {
    const std::vector<Fill>* fills;
    std::string_view operator()(uint32_t i) const { return (*fills)[i].exec_id; }
  };
  index_table<fill_key> exec_ids{fill_key{&out.fills}};
  if (!std::filesystem::exists(dir))
    return out;
  auto estimate = estimated_records(dir);
  orders.reserve(estimate / 3);
  exec_ids.reserve(estimate / 3);
  out.fills.reserve(estimate / 3);
  // Decoded into the same objects every time, so their strings keep their capacity.
  Fill f;
  OrderRequest req;
  OrderUpdate u;
  std::unordered_set<std::string> pending; // exec ids journaled with their commission pending
  out.summary = replay(dir, recover, [&](const journal_record& r) {
    if (r.stream == journal_stream::trade_log) {
      decode(r, f);
      if (r.event == commission_completed_event) {
        // Completes the pending fill of that exec id, once; anything else is ignored.
        auto i = exec_ids.find(f.exec_id);
        if (!i || pending.erase(f.exec_id) == 0)
          return;
        auto& fill = out.fills[*i];
        fill.commission = f.commission;
        auto& o = orders.at(fill.order_id).o;
        o.commission += f.commission;
        for (auto& x : o.fills)
          if (x.exec_id == f.exec_id)
            x.commission = f.commission;
        return;
      }
      auto next = static_cast<uint32_t>(out.fills.size());
      if (exec_ids.find_or_insert(f.exec_id, next) != next)
        return; // the same execution twice: count it once
      auto& slot = orders.at(f.order_id);
      auto& o = slot.o;
      o.executed_quantity += f.quantity;
      slot.notional += notional(f.quantity, f.price);
      o.average_price = div<Price>(slot.notional, o.executed_quantity, rounding::half_even);
      o.commission += f.commission;
      o.fills.push_back(f);
      if (is_commission_pending_event(r.event))
        pending.insert(f.exec_id);
      if (o.executed_quantity >= o.quantity && o.quantity.is_positive())
        o.status = OrderStatus::filled;
      else if (is_open(o.status))
        o.status = OrderStatus::partially_filled;
      out.fills.push_back(f);
      return;
    }
    if (r.event == "accepted") {
      decode(r, req);
      auto& o = orders.at(req.order_id).o;
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
    decode(r, u);
    auto& o = orders.at(u.order_id).o;
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
  // By id, as before (the order of a std::map keyed by the id string).
  auto by_id = orders.sorted();
  uint64_t max_id = 0;
  out.orders.reserve(by_id.size());
  for (auto* slot : by_id) {
    max_id = std::max(max_id, order_number(slot->id, order_id_prefix));
    if (is_open(slot->o.status))
      ++out.open_orders;
    out.orders.push_back(std::move(slot->o));
  }
  out.next_order_id = max_id + 1;
  // In journal order, as a test comparing two recoveries expects.
  for (auto& x : out.fills)
    if (pending.count(x.exec_id))
      out.commissions_pending.push_back(x.exec_id);
  return out;
}

} // namespace engine
