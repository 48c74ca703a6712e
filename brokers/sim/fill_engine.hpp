// The simulator broker's fill engine: a deterministic state machine fed quotes, orders and time.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/intrusive/set.hpp>

#include "brokers/sim/sim_event.hpp"
#include "config/app_config.hpp"
#include "messages/compact_id.hpp"
#include "messages/market.hpp"
#include "messages/orders.hpp"
#include "messages/slot_store.hpp"
#include "messages/string_index.hpp"
#include "messages/string_pool.hpp"

namespace engine::sim {

/// Fills orders against the quote stream (rules in docs/SIMULATION.md). Never reads
/// a clock or sleeps: every call carries "now", and the owner calls
/// advance_to(*next_deadline()) when that time comes. Same inputs, same events.
/// Times never go backwards: an earlier "now" is taken as the latest time seen.
class fill_engine {
public:
  explicit fill_engine(simulator_config cfg, std::string broker_name = "simulator");

  /// Optional: once set, orders for other tickers are rejected and their quotes ignored.
  void set_universe(std::vector<std::string> tickers);
  /// Execution ids are <prefix><n>; a restarted venue needs a new prefix
  /// (e.g. with the node's incarnation) so ids never repeat across runs.
  void set_exec_id_prefix(std::string prefix) { exec_prefix_ = std::move(prefix); }

  void submit(const OrderRequest& o, timestamp_ns now, std::vector<sim_event>& out);
  void cancel(const CancelRequest& c, timestamp_ns now, std::vector<sim_event>& out);
  void replace(const ReplaceRequest& r, timestamp_ns now, std::vector<sim_event>& out);
  /// q.timestamp is "now"; timers due by then run first, against the previous quote.
  void on_quote(const Quote& q, std::vector<sim_event>& out);
  /// Adds traded volume for participation_rate (no fills happen here).
  void on_trade(const Trade& t, std::vector<sim_event>& out);
  /// Runs every timer due at or before now (orders going live, cancels, gtd expiry).
  void advance_to(timestamp_ns now, std::vector<sim_event>& out);
  /// When advance_to next has work; nullopt when no timer is pending.
  std::optional<timestamp_ns> next_deadline() const;
  /// Opens the session: opg orders execute.
  void session_open(timestamp_ns now, std::vector<sim_event>& out);
  /// Closes the session: cls orders execute, then day orders expire.
  void session_close(timestamp_ns now, std::vector<sim_event>& out);
  /// Sets the session flag only (reject_outside_session, opg acceptance); default open.
  void set_session_open(bool open);
  bool session_is_open() const { return session_open_; }

  std::optional<OrderExecution> order(const std::string& order_id) const;
  /// Accepted orders not yet finished, in acceptance order.
  std::vector<OrderExecution> open_orders() const;
  /// How many accepted orders are not finished (pending, resting or working).
  size_t resting_orders() const { return open_count_; }

  /// Forgets finished orders with no cancel in flight (order() no longer knows
  /// them, and their ids may be reused); returns how many. For long runs.
  size_t prune_finished();
  /// Quotes dropped as invalid (non-positive or crossed prices).
  uint64_t ignored_quotes() const { return ignored_quotes_; }
  const simulator_config& config() const { return cfg_; }

private:
  // Where an accepted order currently sits.
  enum class place : uint8_t {
    none,       // finished
    pending,    // waiting for its live timer
    buy_limit,  // working limit orders, by price
    sell_limit,
    buy_stop,   // untriggered stops, by trigger
    sell_stop,
    trailing,   // untriggered trailing stops
    market,     // working market orders with quantity left
    auction,    // live opg/cls orders waiting for the session event
  };
  enum class timer_kind : uint8_t { live, cancel, expire };

  struct timer_ref {
    timestamp_ns at = 0;
    uint64_t tseq = 0; // 0 = no timer
  };

  struct timer {
    timestamp_ns at;
    uint64_t tseq; // creation order: ties at one time run first-created first
    uint32_t slot;
    timer_kind kind;
    bool operator<(const timer& o) const { return at != o.at ? at < o.at : tseq < o.tseq; }
  };

  // A working limit order or an untriggered stop sits in its ticker's book through a hook
  // in its own record (24 bytes, no node allocated per order).
  using book_hook = boost::intrusive::set_member_hook<boost::intrusive::optimize_size<true>>;

  static constexpr uint32_t no_index = UINT32_MAX;

  // What few orders need, kept apart so that a resting order stays small: its
  // fills, why it finished, a cancel's reason, its timers, trailing and gtd terms.
  struct order_extra {
    std::vector<Fill> fills;
    std::string reason;
    std::string cancel_reason;
    timer_ref live_timer;
    timer_ref cancel_timer;
    timer_ref expire_timer;
    Price trail_amount;
    Rate trail_percent;
    timestamp_ns expire_time = 0;
    Price water; // trailing: best bid (sell) / ask (buy) since live
    __int128 notional = 0; // sum of qty.raw x price.raw over fills, for the average
    Money commission;      // of the fills
  };

  // One accepted (or remembered rejected) order: 176 bytes, no allocation for ids up to
  // 15 characters. Ticker and strategy are interned; what only filled, stop, trailing or
  // gtd orders need is in its order_extra.
  struct order_rec {
    compact_id order_id; // empty: a free slot
    compact_id client_order_id;
    Quantity quantity;
    Quantity executed;
    Price price;
    Price stop_price;
    timestamp_ns timestamp = 0;
    uint64_t seq = 0;      // acceptance order
    uint64_t arrival = 0;  // time priority once working (renewed at trigger, some replaces)
    __int128 vol_mark = 0; // ticker volume at acceptance or the last fill
    book_hook in_book;     // linked while `where` is one of the four sorted books
    uint32_t slot = 0;     // its own index in orders_
    uint32_t ticker = 0;   // in names_
    uint32_t strategy = 0; // in names_
    uint32_t book = 0;
    uint32_t extra = no_index;     // in extras_
    uint32_t prev_open = no_index; // the open orders, in acceptance order
    uint32_t next_open = no_index;
    OrderSide side = OrderSide::buy;
    OrderType order_type = OrderType::market;
    TimeInForce time_in_force = TimeInForce::day;
    OrderStatus status = OrderStatus::pending_new;
    place where = place::none;
    OrderType working = OrderType::market; // market or limit once working
    bool live = false;
    bool triggered = false;
    bool done = false;
    bool cancel_pending = false;
    Quantity leaves() const { return quantity - executed; }
  };
  static_assert(sizeof(order_rec) <= 176, "a resting order's record grew");

  // The order of a sorted book, best first: the price (the limit, or the stop's trigger),
  // then arrival for limits and acceptance for stops. A record's fields stay unchanged while
  // it is linked (the callers take it out first).
  struct buy_limits_first {
    bool operator()(const order_rec& a, const order_rec& b) const {
      return a.price != b.price ? a.price > b.price : a.arrival < b.arrival;
    }
  };
  struct sell_limits_first {
    bool operator()(const order_rec& a, const order_rec& b) const {
      return a.price != b.price ? a.price < b.price : a.arrival < b.arrival;
    }
  };
  struct buy_stops_first { // triggers from the front when ask >= stop
    bool operator()(const order_rec& a, const order_rec& b) const {
      return a.stop_price != b.stop_price ? a.stop_price < b.stop_price : a.seq < b.seq;
    }
  };
  struct sell_stops_first { // triggers from the front when bid <= stop
    bool operator()(const order_rec& a, const order_rec& b) const {
      return a.stop_price != b.stop_price ? a.stop_price > b.stop_price : a.seq < b.seq;
    }
  };
  template <class Order>
  using sorted_book = boost::intrusive::multiset<
    order_rec, boost::intrusive::member_hook<order_rec, book_hook, &order_rec::in_book>,
    boost::intrusive::compare<Order>, boost::intrusive::constant_time_size<false>>;

  struct ticker_book {
    std::string ticker;
    bool listed = true;
    bool has_quote = false;
    Price bid;
    Price ask;
    Quantity bid_left; // displayed size not yet taken by our orders in this quote
    Quantity ask_left;
    __int128 volume = 0; // cumulative traded volume (Quantity raw)
    sorted_book<buy_limits_first> buy_limits;
    sorted_book<sell_limits_first> sell_limits;
    sorted_book<buy_stops_first> buy_stops;
    sorted_book<sell_stops_first> sell_stops;
    std::vector<uint32_t> trailing;
    std::vector<uint32_t> market_buys;
    std::vector<uint32_t> market_sells;
    size_t working = 0; // orders in any of the containers above
  };

  timestamp_ns clamp(timestamp_ns now) const { return now < now_ ? now_ : now; }
  ticker_book* find_book(const std::string& ticker);
  uint32_t book_index(const std::string& ticker);
  const char* validate(const OrderRequest& o, const ticker_book* b, timestamp_ns at) const;

  timer_ref add_timer(timestamp_ns at, timer_kind kind, uint32_t slot);
  void drop_timer(timer_ref& t);
  void fire(const timer& t, std::vector<sim_event>& out);
  void cancel_now(uint32_t slot, timestamp_ns at, std::vector<sim_event>& out);
  uint32_t store(order_rec&& rec);

  void go_live(uint32_t slot, timestamp_ns at, std::vector<sim_event>& out);
  void start_working(uint32_t slot, timestamp_ns at, std::vector<sim_event>& out);
  void trigger(order_rec& o);
  bool stop_hit(const order_rec& o, const ticker_book& b) const;
  bool trail_hit(order_rec& o, const ticker_book& b);
  Quantity available(const order_rec& o, const ticker_book& b) const;
  bool crosses(const order_rec& o, const ticker_book& b) const;
  bool try_fill(uint32_t slot, timestamp_ns at, std::vector<sim_event>& out);
  void apply_fill(uint32_t slot, Quantity q, Price px, timestamp_ns at,
                  std::vector<sim_event>& out);
  void auction_execute(uint32_t slot, timestamp_ns at, std::vector<sim_event>& out);
  void match_quote(ticker_book& b, timestamp_ns at, std::vector<sim_event>& out);

  void insert_into_book(uint32_t slot);
  void remove_from_book(uint32_t slot);
  void finish(uint32_t slot, OrderStatus status, std::string reason);
  void refresh_status(order_rec& o);
  void emit(sim_event::kind what, const order_rec& o, timestamp_ns at,
            std::vector<sim_event>& out);
  void refuse(std::string_view order_id, const order_rec* o, std::string reason,
              timestamp_ns at, std::vector<sim_event>& out);

  order_extra& extra(order_rec& o);
  const std::string& reason_of(const order_rec& o) const;
  Price average_price(const order_rec& o) const;
  Money commission_of(const order_rec& o) const;
  OrderExecution execution(const order_rec& o) const;
  void link_open(uint32_t slot);
  void unlink_open(uint32_t slot);
  std::vector<uint32_t> open_slots_with(TimeInForce tif) const;

  simulator_config cfg_;
  std::string broker_;
  bool session_open_ = true;
  bool universe_set_ = false;
  timestamp_ns now_ = INT64_MIN;
  uint64_t next_seq_ = 0;
  uint64_t next_arrival_ = 0;
  uint64_t next_tseq_ = 0;
  uint64_t next_exec_ = 0;
  std::string exec_prefix_ = "SIM-";
  uint64_t ignored_quotes_ = 0;

  std::unordered_map<std::string, uint32_t> ticker_index_;
  string_pool names_;             // tickers and strategies of the orders
  slot_store<order_rec> orders_; // growing moves no order, and touches no old page
  // After orders_: the books go first, while the records they link are still there.
  std::deque<ticker_book> books_; // a deque: references stay valid as tickers are added
  std::vector<uint32_t> free_slots_;
  std::deque<order_extra> extras_; // a deque: references stay valid as extras are added
  std::vector<uint32_t> free_extras_;
  struct order_id_of {
    const slot_store<order_rec>* orders;
    std::string_view operator()(uint32_t i) const { return (*orders)[i].order_id; }
  };
  string_index<order_id_of> by_id_{order_id_of{&orders_}};
  uint32_t open_head_ = no_index; // oldest open order
  uint32_t open_tail_ = no_index;
  size_t open_count_ = 0;
  std::set<timer> timers_;
  // scratch space reused by every quote (no allocation per quote)
  std::vector<std::pair<uint64_t, uint32_t>> scratch_;
};

} // namespace engine::sim
