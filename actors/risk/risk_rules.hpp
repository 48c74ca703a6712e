// Pre-trade risk checks on new orders, each rejection carrying a named reason (docs/RISK_AND_PNL.md).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/portfolio/position_book.hpp"
#include "messages/compact_id.hpp"
#include "messages/control.hpp"
#include "messages/decimal.hpp"
#include "messages/orders.hpp"
#include "messages/slot_store.hpp"
#include "messages/string_index.hpp"
#include "messages/string_pool.hpp"

namespace engine {

/// A new order refused by a rule is a `refusal` (messages/reject_reason.hpp): its code is one of
/// the risk reasons (trading_halted .. rate_limit), its detail names the numbers that failed.

/// The risk manager's rules, without the actor: limits, last prices, daily fill count and the
/// order-rate window. Time is passed in (no clock reads), so tests and replays are exact.
class risk_rules {
public:
  /// Orders within this trailing window count against max_orders_per_second.
  static constexpr timestamp_ns rate_window_ns = 1'000'000'000;
  /// Reg-T-like maintenance for shorts: equity must cover this fraction of short notional.
  static constexpr int64_t short_margin_percent = 50;

  explicit risk_rules(RiskLimits limits);
  risk_rules(const risk_rules&) = delete; // its index points into its own records
  risk_rules& operator=(const risk_rules&) = delete;

  void set_limits(const RiskLimits& limits) { limits_ = limits; }
  const RiskLimits& limits() const { return limits_; }
  /// The kill switch: ACTIVE, REDUCING (only reducing orders) or HALTED (no new orders).
  void set_trading_state(TradingState s) { limits_.trading_state = s; }
  TradingState trading_state() const { return limits_.trading_state; }
  /// One ticker held at reducing-only (a position reconciliation could not explain) until
  /// an operator clears it.
  void set_ticker_reducing(const std::string& ticker, bool on) {
    if (on)
      reducing_tickers_.insert(ticker);
    else
      reducing_tickers_.erase(ticker);
  }
  bool ticker_reducing(const std::string& ticker) const { return reducing_tickers_.count(ticker) > 0; }

  void on_last_price(const std::string& ticker, Price px);
  std::optional<Price> last_price(const std::string& ticker) const;

  /// Counts a fill towards today's trades; a new session_day resets the count first. Each
  /// execution is told once: the caller's position book drops repeated exec ids (apply_fill),
  /// so the rules keep no second set of them.
  void on_fill(const Fill& f, int64_t session_day);
  /// Resets the daily counters when the day changes (the first call only adopts the day).
  void start_day(int64_t session_day);
  int64_t daily_trades() const { return daily_trades_; }

  /// Checks a new order against the book at time `now`; nullopt means accepted, and an
  /// accepted order is recorded for the rate throttle. The checks run in the order of the
  /// reasons in docs/RISK_AND_PNL.md and the first failure is returned. Never throws on
  /// arithmetic: an overflowing notional is an invalid_order ("notional overflow").
  std::optional<refusal> check(const OrderRequest& o, const position_book& book,
                               timestamp_ns now);

  /// Follows an accepted order until it is done: its unfilled quantity counts
  /// against the position limit and its notional against buying power, so
  /// many orders in flight at once cannot together break a limit.
  void on_order_update(const OrderUpdate& u);
  /// Unfilled quantity of accepted orders in a ticker, on the given side.
  Quantity open_quantity(const std::string& ticker, OrderSide side) const;

private:
  std::optional<refusal> evaluate(const OrderRequest& o, const position_book& book,
                                  timestamp_ns now);
  std::optional<refusal> check_margin(const OrderRequest& o, const position_book& book,
                                      Quantity current, Quantity resulting, Price ref,
                                      Money order_notional) const;
  std::optional<Price> reference_price(const OrderRequest& o, const position_book& book) const;
  void prune_window(timestamp_ns now);
  void track_open(const OrderRequest& o, Price ref);

  // An accepted order still open: 40 bytes in a slot_store, found through an
  // open-addressing index (no hash map node, no copy of the ticker).
  struct open_order {
    compact_id order_id; // empty: a free entry
    uint32_t ticker = 0;  // in tickers_ and exposure_
    OrderSide side = OrderSide::buy;
    Quantity leaves;
    Price ref;
  };
  struct order_id_of {
    const slot_store<open_order>* orders;
    std::string_view operator()(uint32_t i) const { return (*orders)[i].order_id; }
  };
  // Unfilled quantity of the open orders of one ticker, per side.
  struct exposure {
    Quantity buys;
    Quantity sells;
  };
  slot_store<open_order> open_orders_; // no spare capacity as a vector has after it grows
  std::vector<uint32_t> free_open_;
  string_index<order_id_of> open_by_id_{order_id_of{&open_orders_}};
  string_pool tickers_;
  std::vector<exposure> exposure_; // by ticker id
  Money open_buy_notional_;

  RiskLimits limits_;
  std::unordered_set<std::string> reducing_tickers_;
  std::unordered_map<std::string, Price> last_prices_;
  std::optional<int64_t> session_day_;
  int64_t daily_trades_ = 0;
  std::deque<timestamp_ns> accepted_; // times of accepted orders inside the rate window
};

} // namespace engine
