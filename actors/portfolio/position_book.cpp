// Average-cost books: every cash, basis and P&L change is exact integer math on micro-dollars.
#include "actors/portfolio/position_book.hpp"

#include <algorithm>

namespace engine {

namespace {

/// basis × part / whole, half-even to the micro-dollar; part <= whole, so it cannot overflow.
Money proportional_basis(Money basis, Quantity part, Quantity whole) {
  if (part == whole)
    return basis; // a full close removes the basis exactly, leaving nothing behind
  auto r = detail::div_round(static_cast<__int128>(basis.raw()) * part.raw(), whole.raw(),
                             rounding::half_even);
  return Money::from_raw(*r);
}

Money signed_money(int sign, Money m) { return sign > 0 ? m : -m; }

} // namespace

position_book::position_book(Money initial_cash, exec_ids check)
  : initial_cash_(initial_cash), cash_(initial_cash), check_(check) {}

bool position_book::apply_fill(const Fill& f) {
  if (f.ticker.empty() || !f.quantity.is_positive() || !f.price.is_positive())
    return false;
  const bool remember = check_ == exec_ids::refuse_repeats && !f.exec_id.empty();
  if (remember && seen_exec_ids_.count(f.exec_id) != 0)
    return false;

  // Compute the whole change into locals first, so an overflow leaves the books untouched.
  const int sign = side_sign(f.side);
  const Money n = notional(f.quantity, f.price);
  const Money signed_n = signed_money(sign, n);
  const Quantity dq = sign > 0 ? f.quantity : -f.quantity;

  auto it = books_.find(f.ticker);
  book_entry e = it != books_.end() ? it->second : book_entry{};
  const Quantity q0 = e.quantity;
  Money realized_delta;
  if (q0.is_zero() || q0.is_positive() == (sign > 0)) {
    // Opening or adding: the basis grows by the signed notional.
    e.cost_basis += signed_n;
  } else if (f.quantity <= q0.abs()) {
    // Reducing: realize proceeds minus the proportional basis removed.
    const Money removed = proportional_basis(e.cost_basis, f.quantity, q0.abs());
    realized_delta = -signed_n - removed;
    e.cost_basis -= removed;
  } else {
    // Flipping: close all at the fill price, then open the rest. The two notionals are split
    // so that they add up to the fill's notional exactly (cash moves by that amount).
    const Money closing = notional(q0.abs(), f.price);
    const Money opening = n - closing;
    realized_delta = -signed_money(sign, closing) - e.cost_basis;
    e.cost_basis = signed_money(sign, opening);
  }
  e.quantity = q0 + dq;
  e.realized += realized_delta;
  e.last_fill = f.price;
  e.timestamp = f.timestamp;

  const Money new_cash = cash_ - signed_n - f.commission;
  const Money new_realized = realized_ + realized_delta;
  const Money new_total_commission = total_commission_ + f.commission;
  const Money new_daily_volume = daily_volume_ + n;
  const Money new_daily_commission = daily_commission_ + f.commission;

  // Commit: nothing below throws except allocation.
  if (remember)
    seen_exec_ids_.insert(f.exec_id);
  if (it != books_.end())
    it->second = e;
  else
    books_.emplace(f.ticker, e);
  cash_ = new_cash;
  realized_ = new_realized;
  total_commission_ = new_total_commission;
  daily_volume_ = new_daily_volume;
  daily_commission_ = new_daily_commission;
  ++daily_trades_;
  last_timestamp_ = std::max(last_timestamp_, f.timestamp);
  return true;
}

bool position_book::apply_commission(const Fill& c) {
  if (c.exec_id.empty() || c.commission.is_negative() || !seen_exec_ids_.count(c.exec_id) ||
      completed_exec_ids_.count(c.exec_id))
    return false;
  const Money new_cash = cash_ - c.commission;
  const Money new_total_commission = total_commission_ + c.commission;
  const Money new_daily_commission = daily_commission_ + c.commission;
  completed_exec_ids_.insert(c.exec_id);
  cash_ = new_cash;
  total_commission_ = new_total_commission;
  daily_commission_ = new_daily_commission;
  return true;
}

void position_book::mark(const std::string& ticker, Price px) {
  marks_[ticker] = px;
}

void position_book::start_day(int64_t session_day) {
  if (session_day_ && *session_day_ != session_day) {
    daily_trades_ = 0;
    daily_volume_ = Money{};
    daily_commission_ = Money{};
  }
  session_day_ = session_day;
}

Price position_book::mark_for(const std::string& ticker, const book_entry& e) const {
  auto it = marks_.find(ticker);
  return it != marks_.end() ? it->second : e.last_fill;
}

Money position_book::market_value(const std::string& ticker, const book_entry& e) const {
  if (e.quantity.is_zero())
    return Money{};
  return notional(e.quantity, mark_for(ticker, e));
}

Position position_book::make_position(const std::string& ticker, const book_entry& e) const {
  Position p;
  p.ticker = ticker;
  p.quantity = e.quantity;
  if (!e.quantity.is_zero())
    p.average_price = div<Price>(e.cost_basis.abs(), e.quantity.abs(), rounding::half_even);
  p.market_value = market_value(ticker, e);
  p.unrealized_pnl = p.market_value - e.cost_basis;
  p.realized_pnl = e.realized;
  p.timestamp = e.timestamp;
  return p;
}

std::optional<Position> position_book::position(const std::string& ticker) const {
  auto it = books_.find(ticker);
  if (it == books_.end())
    return std::nullopt;
  return make_position(ticker, it->second);
}

std::vector<Position> position_book::positions() const {
  std::vector<Position> out;
  for (const auto& [ticker, e] : books_)
    if (!e.quantity.is_zero())
      out.push_back(make_position(ticker, e));
  return out;
}

Quantity position_book::quantity(const std::string& ticker) const {
  auto it = books_.find(ticker);
  return it != books_.end() ? it->second.quantity : Quantity{};
}

Money position_book::cost_basis(const std::string& ticker) const {
  auto it = books_.find(ticker);
  return it != books_.end() ? it->second.cost_basis : Money{};
}

std::optional<Price> position_book::mark_price(const std::string& ticker) const {
  if (auto m = marks_.find(ticker); m != marks_.end())
    return m->second;
  if (auto it = books_.find(ticker); it != books_.end())
    return it->second.last_fill;
  return std::nullopt;
}

Money position_book::equity() const {
  Money eq = cash_;
  for (const auto& [ticker, e] : books_)
    eq += market_value(ticker, e);
  return eq;
}

Money position_book::short_market_value() const {
  Money total;
  for (const auto& [ticker, e] : books_)
    if (e.quantity.is_negative())
      total += market_value(ticker, e).abs();
  return total;
}

AccountInfo position_book::account() const {
  AccountInfo a;
  a.cash = cash_;
  a.equity = equity();
  a.buying_power = cash_.is_negative() ? Money{} : cash_;
  a.initial_cash = initial_cash_;
  a.timestamp = last_timestamp_;
  return a;
}

PerformanceMetrics position_book::metrics() const {
  PerformanceMetrics m;
  m.daily_trades = daily_trades_;
  m.daily_volume = daily_volume_;
  m.daily_commission = daily_commission_;
  m.realized_pnl = realized_;
  Money eq = cash_;
  for (const auto& [ticker, e] : books_) {
    if (e.quantity.is_zero())
      continue;
    const Money mv = market_value(ticker, e);
    eq += mv;
    m.unrealized_pnl += mv - e.cost_basis;
    ++m.position_count;
  }
  m.total_pnl = eq - initial_cash_;
  m.timestamp = last_timestamp_;
  return m;
}

} // namespace engine
