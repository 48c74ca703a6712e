// Stop-loss / take-profit bookkeeping: which protective orders a position needs, and which to
// cancel when it changes (docs/RISK_AND_PNL.md, "Protective orders").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "messages/decimal.hpp"
#include "messages/orders.hpp"

namespace engine {

/// What the owner should do after a position change: cancel these protective orders (by the
/// client_order_id this class gave them), then place these new ones.
struct protective_plan {
  std::vector<OrderRequest> place;
  std::vector<std::string> cancel;
};

/// For each ticker, keeps one stop-loss ("SL-…") and one take-profit ("TP-…") order matching
/// the current position. A long gets a stop sell at avg × (1 − stop_loss_pct) and a limit sell
/// at avg × (1 + take_profit_pct); a short gets a buy stop at avg × (1 + stop_loss_pct) and a
/// buy limit at avg × (1 − take_profit_pct). Prices are on the tick (0.01 at or above $1,
/// 0.0001 below), rounded towards the average price: the stop never risks more than its
/// percentage and the take-profit never waits for more than its. A percentage of 0 disables
/// that order. Pure logic: the owner submits, cancels and reports completions.
class protective_orders {
public:
  static constexpr const char* stop_loss_prefix = "SL-";
  static constexpr const char* take_profit_prefix = "TP-";

  /// id_tag makes client_order_ids unique across restarts (e.g. the node's incarnation); the
  /// ids are "SL-<ticker>-<seq>" or, with a tag, "SL-<ticker>-<tag>-<seq>". strategy is the
  /// name put on the orders so their updates come back to the owner.
  protective_orders(Rate stop_loss_pct, Rate take_profit_pct, std::string id_tag = "",
                    std::string strategy = "risk_manager");

  /// New percentages apply from the next position change.
  void set_pcts(Rate stop_loss_pct, Rate take_profit_pct);

  /// The ticker's position is now qty at avg_price. Unchanged (same qty and average): nothing
  /// to do. Changed: cancel the live protective orders and place new ones for the new size.
  /// Flat: cancel them all.
  protective_plan on_position_change(const std::string& ticker, Quantity qty, Price avg_price);

  /// A protective order reached a final state (filled, canceled, rejected, expired): forget it.
  /// Ids that are not ours are ignored.
  void on_order_done(const std::string& client_order_id);

  /// The live protective order ids of a ticker, stop-loss first.
  std::vector<std::string> live_orders(const std::string& ticker) const;
  /// The ticker a live protective order protects, if the id is ours and live.
  std::optional<std::string> ticker_of(const std::string& client_order_id) const;

  /// True for an id carrying the SL-/TP- prefix (so fills of protective orders are known).
  static bool is_protective(const std::string& client_order_id);
  static bool is_stop_loss(const std::string& client_order_id);
  static bool is_take_profit(const std::string& client_order_id);

  /// The price rounded to its tick (0.01 at or above $1, else 0.0001) in the given direction.
  static Price round_to_tick(Price px, rounding mode);
  /// avg × (1 ± pct) on the tick, rounded per mode, with one exact rounding; nullopt when the
  /// result is not a positive price.
  static std::optional<Price> protective_price(Price avg, Rate pct, bool above, rounding mode);

private:
  struct protection {
    Quantity quantity;
    Price average_price;
    std::vector<std::string> order_ids;
  };

  std::string next_id(const char* prefix, const std::string& ticker);

  Rate stop_loss_pct_;
  Rate take_profit_pct_;
  std::string id_tag_;
  std::string strategy_;
  uint64_t seq_ = 0;
  std::map<std::string, protection> by_ticker_;
  std::map<std::string, std::string> ticker_by_id_;
};

} // namespace engine
