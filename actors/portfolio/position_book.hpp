// The position keeper's books: average-cost positions, realized and unrealized P&L, cash and
// equity, exact to the micro-dollar (see docs/RISK_AND_PNL.md for every convention).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "messages/decimal.hpp"
#include "messages/orders.hpp"
#include "messages/portfolio.hpp"
#include "messages/exec_id_set.hpp"

namespace engine {

/// Books of one account. Pure logic, no clock: the owner passes session days and marks.
///
/// Conventions (all exact, no doubles):
/// - A position keeps an exact signed cost basis (Money): the sum of the signed notionals of
///   its open part (positive for a long, negative for a short). average_price is derived as
///   |cost_basis| / |quantity|, rounded half-even to 1e-6, and is for display only.
/// - A reduction realizes proceeds minus the proportional cost basis removed
///   (cost_basis × reduced / |quantity|, half-even to 1e-6; the whole basis on a close).
///   A flip realizes the closing part, then opens the rest at the fill price.
/// - Realized P&L excludes commissions; cash pays notionals and commissions.
/// - realized + unrealized − Σ commission == equity − initial_cash, exactly.
class position_book {
public:
  /// Whether the book remembers every exec id to refuse a fill delivered twice, for the life
  /// of the book (a simulator's numbered ids as one run, a broker's about 50 bytes a fill:
  /// messages/exec_id_set.hpp). A venue's own account, fed only by its own fill
  /// engine, whose exec ids never repeat, has nothing to refuse and keeps none; it cannot
  /// take commission completions (apply_commission refuses them all).
  enum class exec_ids : uint8_t { refuse_repeats, never_repeat };

  explicit position_book(Money initial_cash, exec_ids check = exec_ids::refuse_repeats);

  /// Books a fill. Returns false (and changes nothing) for a repeated exec_id or an invalid
  /// fill (quantity <= 0, price <= 0, empty ticker). A fill with an empty exec_id cannot be
  /// deduplicated and is booked every time. Throws decimal_overflow, changing nothing, if a
  /// book value leaves the int64 range (about $9.2e12).
  bool apply_fill(const Fill& f);

  /// Books the commission of a fill booked before with its commission pending: `c` is its
  /// completion (messages/commission_completion.hpp: same exec_id, quantity 0). Cash and the
  /// commission totals move by c.commission; positions and realized P&L do not. Returns false
  /// (changing nothing) for an exec_id not booked, already completed, or a negative commission.
  bool apply_commission(const Fill& c);

  /// Sets the mark price for unrealized P&L (the owner passes the quote mid rounded to 1e-6,
  /// or the last trade). Until a ticker has a mark it is marked at its last fill price.
  void mark(const std::string& ticker, Price px);

  /// Resets the daily counters when the day changes. The first call only adopts the day, so
  /// fills booked before any day was known count for that first day.
  void start_day(int64_t session_day);

  /// The ticker's position, also when flat (quantity 0, its realized P&L kept); nullopt for a
  /// ticker never traded.
  std::optional<Position> position(const std::string& ticker) const;
  /// Open (non-zero) positions, sorted by ticker.
  std::vector<Position> positions() const;
  /// cash, equity, buying_power (= max(cash, 0): what a buy may spend) and initial_cash.
  AccountInfo account() const;
  PerformanceMetrics metrics() const;

  Quantity quantity(const std::string& ticker) const;
  Money cash() const { return cash_; }
  Money equity() const;
  Money initial_cash() const { return initial_cash_; }
  /// Σ realized P&L over all tickers, flat ones included.
  Money realized_pnl() const { return realized_; }
  /// Σ commissions ever paid (not only today's).
  Money total_commission() const { return total_commission_; }
  /// The exact signed cost basis of the ticker's open position (0 when flat or unknown).
  Money cost_basis(const std::string& ticker) const;
  /// The mark, else the last fill price, else nullopt.
  std::optional<Price> mark_price(const std::string& ticker) const;
  /// Σ |quantity × mark| over short positions: what the margin rule must cover.
  Money short_market_value() const;
  std::optional<int64_t> session_day() const { return session_day_; }

private:
  struct book_entry {
    Quantity quantity;
    Money cost_basis; // signed, exact
    Money realized;
    Price last_fill;
    timestamp_ns timestamp = 0;
  };

  Position make_position(const std::string& ticker, const book_entry& e) const;
  Price mark_for(const std::string& ticker, const book_entry& e) const;
  Money market_value(const std::string& ticker, const book_entry& e) const;

  Money initial_cash_;
  Money cash_;
  Money realized_;
  Money total_commission_;
  std::map<std::string, book_entry> books_; // ordered: positions() is sorted for free
  std::map<std::string, Price> marks_;
  exec_ids check_;
  exec_id_set seen_exec_ids_;      // refuse_repeats only
  exec_id_set completed_exec_ids_; // commissions booked by apply_commission
  std::optional<int64_t> session_day_;
  int64_t daily_trades_ = 0;
  Money daily_volume_;
  Money daily_commission_;
  timestamp_ns last_timestamp_ = 0;
};

} // namespace engine
