// The simulator's fill engine: order lifecycle, per-ticker books and the timer queue.
#include "brokers/sim/fill_engine.hpp"

#include <algorithm>

#include "brokers/sim/pricing.hpp"

namespace engine::sim {

namespace {

using i128 = __int128;

constexpr int64_t ns_per_ms = 1'000'000;

bool is_auction(TimeInForce t) { return t == TimeInForce::opg || t == TimeInForce::cls; }

std::string already(OrderStatus s) {
  return std::string{reasons::already_prefix} + std::string{enum_name(s)};
}

} // namespace

fill_engine::fill_engine(simulator_config cfg, std::string broker_name)
  : cfg_(std::move(cfg)), broker_(std::move(broker_name)) {}

// --- tickers -----------------------------------------------------------------

void fill_engine::set_universe(std::vector<std::string> tickers) {
  universe_set_ = true;
  for (auto& b : books_)
    b.listed = false;
  for (const auto& t : tickers)
    books_[book_index(t)].listed = true;
}

fill_engine::ticker_book* fill_engine::find_book(const std::string& ticker) {
  auto it = ticker_index_.find(ticker);
  return it == ticker_index_.end() ? nullptr : &books_[it->second];
}

uint32_t fill_engine::book_index(const std::string& ticker) {
  auto it = ticker_index_.find(ticker);
  if (it != ticker_index_.end())
    return it->second;
  auto idx = static_cast<uint32_t>(books_.size());
  books_.emplace_back();
  books_.back().ticker = ticker;
  ticker_index_.emplace(ticker, idx);
  return idx;
}

// --- timers ------------------------------------------------------------------

fill_engine::timer_ref fill_engine::add_timer(timestamp_ns at, timer_kind kind, uint32_t slot) {
  timer t{at, ++next_tseq_, slot, kind};
  timers_.insert(t);
  return {at, t.tseq};
}

void fill_engine::drop_timer(timer_ref& t) {
  if (t.tseq != 0)
    timers_.erase(timer{t.at, t.tseq, 0, timer_kind::live});
  t = {};
}

std::optional<timestamp_ns> fill_engine::next_deadline() const {
  if (timers_.empty())
    return std::nullopt;
  return timers_.begin()->at;
}

void fill_engine::advance_to(timestamp_ns now, std::vector<sim_event>& out) {
  while (!timers_.empty() && timers_.begin()->at <= now) {
    timer t = *timers_.begin();
    timers_.erase(timers_.begin());
    // Each timer runs at its own time, however late the owner calls.
    if (t.at > now_)
      now_ = t.at;
    fire(t, out);
  }
  if (now > now_)
    now_ = now;
}

void fill_engine::fire(const timer& t, std::vector<sim_event>& out) {
  auto& o = orders_[t.slot];
  switch (t.kind) {
    case timer_kind::live:
      extras_[o.extra].live_timer = {};
      go_live(t.slot, t.at, out);
      break;
    case timer_kind::cancel:
      extras_[o.extra].cancel_timer = {};
      cancel_now(t.slot, t.at, out);
      break;
    case timer_kind::expire:
      extras_[o.extra].expire_timer = {};
      if (!o.done) {
        finish(t.slot, OrderStatus::expired, reasons::gtd_expired);
        emit(sim_event::kind::expired, o, t.at, out);
      }
      break;
  }
}

// --- orders in, events out -----------------------------------------------------

uint32_t fill_engine::store(order_rec&& rec) {
  if (!free_slots_.empty()) {
    uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    rec.slot = slot;
    orders_[slot] = std::move(rec);
    return slot;
  }
  const auto slot = static_cast<uint32_t>(orders_.size());
  rec.slot = slot;
  orders_.push_back(std::move(rec));
  return slot;
}

const char* fill_engine::validate(const OrderRequest& o, const ticker_book* b,
                                  timestamp_ns at) const {
  if (universe_set_ && (b == nullptr || !b->listed))
    return reasons::unknown_ticker;
  if (!o.quantity.is_positive())
    return reasons::quantity_not_positive;
  if (o.order_class != OrderClass::simple)
    return reasons::unsupported_order_class;
  const bool has_trail = !o.trail_amount.is_zero() || !o.trail_percent.is_zero();
  const bool wants_limit =
    o.order_type == OrderType::limit || o.order_type == OrderType::stop_limit;
  const bool wants_stop = o.order_type == OrderType::stop || o.order_type == OrderType::stop_limit;
  const bool trailing = o.order_type == OrderType::trailing_stop;
  if (wants_limit && !o.price.is_positive())
    return reasons::limit_price_required;
  if (!wants_limit && !o.price.is_zero())
    return reasons::price_not_allowed;
  if (wants_stop && !o.stop_price.is_positive())
    return reasons::stop_price_required;
  if (!wants_stop && !o.stop_price.is_zero())
    return reasons::stop_price_not_allowed;
  if (trailing) {
    const bool by_amount = o.trail_amount.is_positive() && o.trail_percent.is_zero();
    const bool by_percent = o.trail_amount.is_zero() && o.trail_percent.is_positive()
                            && o.trail_percent < Rate::from_units(1);
    if (!by_amount && !by_percent)
      return reasons::trail_required;
  } else if (has_trail) {
    return reasons::trail_not_allowed;
  }
  const auto tif = o.time_in_force;
  const bool plain = o.order_type == OrderType::market || o.order_type == OrderType::limit;
  if ((tif == TimeInForce::ioc || tif == TimeInForce::fok || is_auction(tif)) && !plain)
    return reasons::tif_not_supported;
  if (tif == TimeInForce::gtd) {
    if (o.expire_time == 0)
      return reasons::gtd_without_expire_time;
    if (o.expire_time <= at)
      return reasons::gtd_expire_time_passed;
  }
  if (tif == TimeInForce::opg) {
    if (session_open_)
      return reasons::opg_while_open;
  } else if (cfg_.reject_outside_session && !session_open_) {
    return reasons::market_closed;
  }
  const bool needs_quote = o.order_type == OrderType::market || o.order_type == OrderType::stop
                           || o.order_type == OrderType::trailing_stop;
  if (needs_quote && !is_auction(tif) && (b == nullptr || !b->has_quote))
    return reasons::no_quote;
  return nullptr;
}

void fill_engine::submit(const OrderRequest& r, timestamp_ns now, std::vector<sim_event>& out) {
  advance_to(now, out);
  const timestamp_ns at = now_;
  const char* why = nullptr;
  bool keep = true; // a rejected order is remembered unless its id is unusable
  if (r.order_id.empty()) {
    why = reasons::missing_order_id;
    keep = false;
  } else if (by_id_.find(r.order_id)) {
    why = reasons::duplicate_order_id;
    keep = false;
  } else {
    why = validate(r, find_book(r.ticker), at);
  }

  order_rec rec;
  rec.order_id = r.order_id;
  rec.client_order_id = r.client_order_id;
  rec.ticker = names_.intern(r.ticker);
  rec.side = r.side;
  rec.order_type = r.order_type;
  rec.quantity = r.quantity;
  rec.price = r.price;
  rec.stop_price = r.stop_price;
  rec.time_in_force = r.time_in_force;
  rec.timestamp = at;
  rec.strategy = names_.intern(r.strategy);
  if (why != nullptr) {
    rec.done = true;
    rec.status = OrderStatus::rejected;
    if (!keep) {
      emit(sim_event::kind::rejected, rec, at, out);
      out.back().update.reason = why;
      return;
    }
    const uint32_t slot = store(std::move(rec));
    auto& o = orders_[slot];
    by_id_.find_or_insert(o.order_id, slot);
    extra(o).reason = why;
    emit(sim_event::kind::rejected, o, at, out);
    return;
  }

  rec.status = OrderStatus::new_;
  rec.book = book_index(r.ticker);
  rec.seq = ++next_seq_;
  // Stops become market orders, stop-limits limit orders, when triggered.
  rec.working = r.order_type == OrderType::limit || r.order_type == OrderType::stop_limit
                  ? OrderType::limit
                  : OrderType::market;
  rec.vol_mark = books_[rec.book].volume;
  const uint32_t slot = store(std::move(rec));
  auto& o = orders_[slot];
  by_id_.find_or_insert(o.order_id, slot);
  link_open(slot);
  if (!r.trail_amount.is_zero() || !r.trail_percent.is_zero() || r.expire_time != 0) {
    auto& e = extra(o);
    e.trail_amount = r.trail_amount;
    e.trail_percent = r.trail_percent;
    e.expire_time = r.expire_time;
  }
  emit(sim_event::kind::accepted, o, at, out);
  if (o.time_in_force == TimeInForce::gtd) {
    auto& e = extra(o);
    e.expire_timer = add_timer(e.expire_time, timer_kind::expire, slot);
  }
  if (cfg_.execution_delay_ms <= 0) {
    go_live(slot, at, out);
  } else {
    o.where = place::pending;
    extra(o).live_timer =
      add_timer(at + cfg_.execution_delay_ms * ns_per_ms, timer_kind::live, slot);
  }
}

void fill_engine::cancel(const CancelRequest& c, timestamp_ns now, std::vector<sim_event>& out) {
  advance_to(now, out);
  const timestamp_ns at = now_;
  auto it = by_id_.find(c.order_id);
  if (!it) {
    refuse(c.order_id, nullptr, reasons::unknown_order, at, out);
    return;
  }
  const uint32_t slot = *it;
  auto& o = orders_[slot];
  if (o.done) {
    refuse(c.order_id, &o, already(o.status), at, out);
    return;
  }
  if (o.cancel_pending)
    return; // the cancel already in flight will answer
  o.cancel_pending = true;
  extra(o).cancel_reason = c.reason.empty() ? std::string{reasons::canceled} : c.reason;
  refresh_status(o);
  if (cfg_.cancel_delay_ms <= 0)
    cancel_now(slot, at, out);
  else
    extra(o).cancel_timer =
      add_timer(at + cfg_.cancel_delay_ms * ns_per_ms, timer_kind::cancel, slot);
}

void fill_engine::cancel_now(uint32_t slot, timestamp_ns at, std::vector<sim_event>& out) {
  auto& o = orders_[slot];
  o.cancel_pending = false;
  if (o.done) {
    // The race was lost: the order finished while the cancel travelled.
    refuse(o.order_id, &o, already(o.status), at, out);
    return;
  }
  finish(slot, OrderStatus::canceled, std::move(extras_[o.extra].cancel_reason));
  emit(sim_event::kind::canceled, o, at, out);
}

void fill_engine::replace(const ReplaceRequest& r, timestamp_ns now,
                          std::vector<sim_event>& out) {
  advance_to(now, out);
  const timestamp_ns at = now_;
  auto it = by_id_.find(r.order_id);
  if (!it) {
    refuse(r.order_id, nullptr, reasons::unknown_order, at, out);
    return;
  }
  const uint32_t slot = *it;
  auto& o = orders_[slot];
  const OrderType type = o.order_type;
  const bool has_limit = type == OrderType::limit || type == OrderType::stop_limit;
  const bool has_stop = type == OrderType::stop || type == OrderType::stop_limit;
  const char* why = nullptr;
  if (o.done)
    return refuse(r.order_id, &o, already(o.status), at, out);
  if (o.cancel_pending)
    why = reasons::cancel_pending;
  else if (r.quantity.is_negative())
    why = reasons::replace_quantity_not_positive;
  else if (r.price.is_negative() || r.stop_price.is_negative())
    why = reasons::replace_negative_price;
  else if (r.quantity.is_zero() && r.price.is_zero() && r.stop_price.is_zero())
    why = reasons::replace_nothing;
  else if (!r.quantity.is_zero() && r.quantity <= o.executed)
    why = reasons::replace_quantity_not_above_executed;
  else if (!r.price.is_zero() && !has_limit)
    why = reasons::replace_price_not_allowed;
  else if (!r.stop_price.is_zero() && !has_stop)
    why = reasons::replace_stop_price_not_allowed;
  else if (!r.stop_price.is_zero() && o.triggered)
    why = reasons::replace_stop_triggered;
  if (why != nullptr)
    return refuse(r.order_id, &o, why, at, out);

  // A new price, a new stop or more quantity loses time priority; less keeps it.
  const bool reprioritize = (!r.price.is_zero() && r.price != o.price)
                            || (!r.stop_price.is_zero() && r.stop_price != o.stop_price)
                            || (!r.quantity.is_zero() && r.quantity > o.quantity);
  const place where = o.where;
  const bool in_book = where != place::none && where != place::pending && where != place::auction;
  if (in_book)
    remove_from_book(slot);
  if (!r.quantity.is_zero())
    o.quantity = r.quantity;
  if (!r.price.is_zero())
    o.price = r.price;
  if (!r.stop_price.is_zero())
    o.stop_price = r.stop_price;
  if (in_book) {
    if (reprioritize && (where == place::market || where == place::buy_limit
                         || where == place::sell_limit))
      o.arrival = ++next_arrival_;
    o.where = where;
    insert_into_book(slot);
  }
  refresh_status(o);
  emit(sim_event::kind::replaced, o, at, out);
  auto& rep = out.back().replacement;
  rep.order_id = o.order_id;
  rep.quantity = o.quantity;
  rep.price = o.price;
  rep.stop_price = o.stop_price;
  rep.timestamp = at;

  // The new values may be marketable (or triggered) against the latest quote at once.
  if (!in_book)
    return;
  const auto& b = books_[o.book];
  if ((where == place::buy_stop || where == place::sell_stop) && stop_hit(o, b)) {
    remove_from_book(slot);
    trigger(o);
    start_working(slot, at, out);
  } else if (where == place::market || where == place::buy_limit || where == place::sell_limit) {
    try_fill(slot, at, out);
  }
}

// --- market data ------------------------------------------------------------------

void fill_engine::on_quote(const Quote& q, std::vector<sim_event>& out) {
  advance_to(q.timestamp, out);
  if (!q.bid.is_positive() || !q.ask.is_positive() || q.bid > q.ask) {
    ++ignored_quotes_;
    return;
  }
  ticker_book* b = find_book(q.ticker);
  if (b == nullptr) {
    if (universe_set_)
      return;
    b = &books_[book_index(q.ticker)];
  } else if (!b->listed) {
    return;
  }
  b->has_quote = true;
  b->bid = q.bid;
  b->ask = q.ask;
  // Each quote brings fresh displayed size; our fills in this quote use it up.
  b->bid_left = q.bid_size.is_negative() ? Quantity{} : q.bid_size;
  b->ask_left = q.ask_size.is_negative() ? Quantity{} : q.ask_size;
  if (b->working != 0)
    match_quote(*b, now_, out);
}

void fill_engine::on_trade(const Trade& t, std::vector<sim_event>& out) {
  advance_to(t.timestamp, out);
  if (!t.size.is_positive())
    return;
  ticker_book* b = find_book(t.ticker);
  if (b == nullptr) {
    if (universe_set_)
      return;
    b = &books_[book_index(t.ticker)];
  } else if (!b->listed) {
    return;
  }
  b->volume += t.size.raw();
}

void fill_engine::match_quote(ticker_book& b, timestamp_ns at, std::vector<sim_event>& out) {
  // 1. Triggers: stops and trailing stops hit by this quote start working, in
  //    acceptance order, behind every order already working (time priority).
  auto& trig = scratch_;
  trig.clear();
  for (uint32_t s : b.trailing)
    if (trail_hit(orders_[s], b))
      trig.emplace_back(orders_[s].seq, s);
  for (const auto& o : b.buy_stops) {
    if (o.stop_price > b.ask)
      break;
    trig.emplace_back(o.seq, o.slot);
  }
  for (const auto& o : b.sell_stops) {
    if (o.stop_price < b.bid)
      break;
    trig.emplace_back(o.seq, o.slot);
  }
  if (!trig.empty()) {
    std::sort(trig.begin(), trig.end());
    for (const auto& [seq, s] : trig) {
      auto& o = orders_[s];
      remove_from_book(s);
      trigger(o);
      o.arrival = ++next_arrival_;
      o.where = o.working == OrderType::market ? place::market
                : o.side == OrderSide::buy   ? place::buy_limit
                                               : place::sell_limit;
      insert_into_book(s);
    }
  }

  // 2. Every order this quote crosses fills in time priority; only crossing
  //    limit orders are visited (the books are sorted best first).
  auto& cand = scratch_;
  cand.clear();
  for (uint32_t s : b.market_buys)
    cand.emplace_back(orders_[s].arrival, s);
  for (const auto& o : b.buy_limits) {
    if (o.price < b.ask)
      break;
    cand.emplace_back(o.arrival, o.slot);
  }
  for (uint32_t s : b.market_sells)
    cand.emplace_back(orders_[s].arrival, s);
  for (const auto& o : b.sell_limits) {
    if (o.price > b.bid)
      break;
    cand.emplace_back(o.arrival, o.slot);
  }
  if (cand.empty())
    return;
  std::sort(cand.begin(), cand.end());
  for (const auto& c : cand)
    if (!orders_[c.second].done)
      try_fill(c.second, at, out);
}

// --- order life --------------------------------------------------------------------

void fill_engine::go_live(uint32_t slot, timestamp_ns at, std::vector<sim_event>& out) {
  auto& o = orders_[slot];
  const auto& b = books_[o.book];
  o.live = true;
  o.where = place::none;
  if (is_auction(o.time_in_force)) {
    o.where = place::auction; // waits for session_open / session_close
    return;
  }
  const bool buy = o.side == OrderSide::buy;
  switch (o.order_type) {
    case OrderType::stop:
    case OrderType::stop_limit:
      if (!stop_hit(o, b)) {
        o.where = buy ? place::buy_stop : place::sell_stop;
        insert_into_book(slot);
        return;
      }
      trigger(o);
      break;
    case OrderType::trailing_stop:
      extra(o).water = buy ? b.ask : b.bid; // the water mark starts when the order is live
      if (!trail_hit(o, b)) {
        o.where = place::trailing;
        insert_into_book(slot);
        return;
      }
      trigger(o);
      break;
    default:
      break;
  }
  start_working(slot, at, out);
}

void fill_engine::start_working(uint32_t slot, timestamp_ns at, std::vector<sim_event>& out) {
  auto& o = orders_[slot];
  const auto& b = books_[o.book];
  const auto tif = o.time_in_force;
  o.arrival = ++next_arrival_;
  if (tif == TimeInForce::fok && (!crosses(o, b) || available(o, b) < o.leaves())) {
    finish(slot, OrderStatus::canceled, reasons::fok_not_filled);
    emit(sim_event::kind::canceled, o, at, out);
    return;
  }
  try_fill(slot, at, out);
  if (o.done)
    return;
  if (tif == TimeInForce::ioc || tif == TimeInForce::fok) {
    finish(slot, OrderStatus::canceled,
           tif == TimeInForce::ioc ? reasons::ioc_remainder : reasons::fok_not_filled);
    emit(sim_event::kind::canceled, o, at, out);
    return;
  }
  o.where = o.working == OrderType::market ? place::market
            : o.side == OrderSide::buy   ? place::buy_limit
                                           : place::sell_limit;
  insert_into_book(slot);
}

void fill_engine::trigger(order_rec& o) { o.triggered = true; }

bool fill_engine::stop_hit(const order_rec& o, const ticker_book& b) const {
  if (!b.has_quote)
    return false;
  return o.side == OrderSide::buy ? b.ask >= o.stop_price : b.bid <= o.stop_price;
}

bool fill_engine::trail_hit(order_rec& o, const ticker_book& b) {
  if (!b.has_quote)
    return false;
  const i128 one = Rate::scale;
  auto& e = extra(o);
  if (o.side == OrderSide::sell) {
    if (b.bid > e.water)
      e.water = b.bid;
    if (e.trail_amount.is_positive())
      return static_cast<i128>(b.bid.raw()) + e.trail_amount.raw() <= e.water.raw();
    return static_cast<i128>(b.bid.raw()) * one
           <= static_cast<i128>(e.water.raw()) * (one - e.trail_percent.raw());
  }
  if (b.ask < e.water)
    e.water = b.ask;
  if (e.trail_amount.is_positive())
    return static_cast<i128>(b.ask.raw())
           >= static_cast<i128>(e.water.raw()) + e.trail_amount.raw();
  return static_cast<i128>(b.ask.raw()) * one
         >= static_cast<i128>(e.water.raw()) * (one + e.trail_percent.raw());
}

bool fill_engine::crosses(const order_rec& o, const ticker_book& b) const {
  if (!b.has_quote)
    return false;
  if (o.working == OrderType::market)
    return true;
  return o.side == OrderSide::buy ? b.ask <= o.price : b.bid >= o.price;
}

Quantity fill_engine::available(const order_rec& o, const ticker_book& b) const {
  if (cfg_.participation_rate.is_positive()) {
    // participation_rate x the volume traded since acceptance or the last fill;
    // whole shares for an order in whole shares.
    i128 a = (b.volume - o.vol_mark) * cfg_.participation_rate.raw() / Rate::scale;
    if (o.quantity.raw() % Quantity::scale == 0)
      a -= a % Quantity::scale;
    if (a < 0)
      a = 0;
    return Quantity::from_raw(a > INT64_MAX ? INT64_MAX : static_cast<int64_t>(a));
  }
  return o.side == OrderSide::buy ? b.ask_left : b.bid_left;
}

bool fill_engine::try_fill(uint32_t slot, timestamp_ns at, std::vector<sim_event>& out) {
  auto& o = orders_[slot];
  auto& b = books_[o.book];
  if (!crosses(o, b))
    return false;
  const Quantity q = std::min(o.leaves(), available(o, b));
  if (!q.is_positive())
    return false;
  auto px = market_fill_price(cfg_, o.side, b.bid, b.ask, o.quantity);
  if (!px)
    return false;
  Price p = *px;
  const bool buy = o.side == OrderSide::buy;
  if (o.working == OrderType::limit)
    p = buy ? std::min(p, o.price) : std::max(p, o.price);
  if (cfg_.participation_rate.is_positive())
    o.vol_mark = b.volume;
  else
    (buy ? b.ask_left : b.bid_left) -= q;
  apply_fill(slot, q, p, at, out);
  return true;
}

void fill_engine::apply_fill(uint32_t slot, Quantity q, Price px, timestamp_ns at,
                             std::vector<sim_event>& out) {
  auto& o = orders_[slot];
  Fill f;
  f.exec_id = exec_prefix_ + std::to_string(++next_exec_);
  f.order_id = o.order_id;
  f.client_order_id = o.client_order_id;
  f.ticker = names_.name(o.ticker);
  f.side = o.side;
  f.quantity = q;
  f.price = px;
  f.commission = commission_for(cfg_, q, px);
  f.timestamp = at;
  f.broker = broker_;
  o.executed += q;
  auto& e = extra(o);
  e.notional += static_cast<i128>(q.raw()) * px.raw();
  e.commission += f.commission;
  e.fills.push_back(f);
  if (o.leaves().is_zero())
    finish(slot, OrderStatus::filled, {});
  else
    refresh_status(o);
  emit(sim_event::kind::fill, o, at, out);
  out.back().fill = std::move(f);
}

void fill_engine::auction_execute(uint32_t slot, timestamp_ns at, std::vector<sim_event>& out) {
  auto& o = orders_[slot];
  const auto& b = books_[o.book];
  const char* why = nullptr;
  std::optional<Price> px;
  if (!o.live)
    why = reasons::auction_not_live;
  else if (!b.has_quote || !(px = market_fill_price(cfg_, o.side, b.bid, b.ask, o.quantity)))
    why = reasons::auction_no_quote;
  else if (o.order_type == OrderType::limit
           && (o.side == OrderSide::buy ? b.ask > o.price : b.bid < o.price))
    why = reasons::auction_limit_not_marketable;
  if (why != nullptr) {
    finish(slot, OrderStatus::canceled, why);
    emit(sim_event::kind::canceled, o, at, out);
    return;
  }
  Price p = *px;
  if (o.order_type == OrderType::limit)
    p = o.side == OrderSide::buy ? std::min(p, o.price) : std::max(p, o.price);
  // The auction itself is not modelled: the whole quantity crosses at one price.
  apply_fill(slot, o.leaves(), p, at, out);
}

void fill_engine::session_open(timestamp_ns now, std::vector<sim_event>& out) {
  advance_to(now, out);
  session_open_ = true;
  for (uint32_t slot : open_slots_with(TimeInForce::opg))
    auction_execute(slot, now_, out);
}

void fill_engine::session_close(timestamp_ns now, std::vector<sim_event>& out) {
  advance_to(now, out);
  session_open_ = false;
  for (uint32_t slot : open_slots_with(TimeInForce::cls))
    auction_execute(slot, now_, out);
  for (uint32_t slot : open_slots_with(TimeInForce::day)) {
    finish(slot, OrderStatus::expired, reasons::day_expired);
    emit(sim_event::kind::expired, orders_[slot], now_, out);
  }
}

void fill_engine::set_session_open(bool open) { session_open_ = open; }

// --- bookkeeping ---------------------------------------------------------------------

fill_engine::order_extra& fill_engine::extra(order_rec& o) {
  if (o.extra == no_index) {
    if (!free_extras_.empty()) {
      o.extra = free_extras_.back();
      free_extras_.pop_back();
    } else {
      o.extra = static_cast<uint32_t>(extras_.size());
      extras_.emplace_back();
    }
  }
  return extras_[o.extra];
}

const std::string& fill_engine::reason_of(const order_rec& o) const {
  static const std::string none;
  return o.extra == no_index ? none : extras_[o.extra].reason;
}

Price fill_engine::average_price(const order_rec& o) const {
  if (!o.executed.is_positive())
    return Price{}; // nothing executed: no extra needed
  const auto& e = extras_[o.extra];
  return Price::from_raw(*detail::div_round(e.notional, o.executed.raw(), rounding::half_even));
}

Money fill_engine::commission_of(const order_rec& o) const {
  return o.extra == no_index ? Money{} : extras_[o.extra].commission;
}

void fill_engine::insert_into_book(uint32_t slot) {
  auto& o = orders_[slot];
  auto& b = books_[o.book];
  switch (o.where) {
    case place::buy_limit: b.buy_limits.insert(o); break;
    case place::sell_limit: b.sell_limits.insert(o); break;
    case place::buy_stop: b.buy_stops.insert(o); break;
    case place::sell_stop: b.sell_stops.insert(o); break;
    case place::trailing: b.trailing.push_back(slot); break;
    case place::market:
      (o.side == OrderSide::buy ? b.market_buys : b.market_sells).push_back(slot);
      break;
    default:
      return;
  }
  ++b.working;
}

void fill_engine::remove_from_book(uint32_t slot) {
  auto& o = orders_[slot];
  auto& b = books_[o.book];
  auto drop = [slot](std::vector<uint32_t>& v) {
    v.erase(std::find(v.begin(), v.end(), slot));
  };
  switch (o.where) {
    case place::buy_limit: b.buy_limits.erase(b.buy_limits.iterator_to(o)); break;
    case place::sell_limit: b.sell_limits.erase(b.sell_limits.iterator_to(o)); break;
    case place::buy_stop: b.buy_stops.erase(b.buy_stops.iterator_to(o)); break;
    case place::sell_stop: b.sell_stops.erase(b.sell_stops.iterator_to(o)); break;
    case place::trailing: drop(b.trailing); break;
    case place::market:
      drop(o.side == OrderSide::buy ? b.market_buys : b.market_sells);
      break;
    default:
      return;
  }
  --b.working;
  o.where = place::none;
}

void fill_engine::link_open(uint32_t slot) {
  auto& o = orders_[slot];
  o.prev_open = open_tail_;
  o.next_open = no_index;
  if (open_tail_ == no_index)
    open_head_ = slot;
  else
    orders_[open_tail_].next_open = slot;
  open_tail_ = slot;
  ++open_count_;
}

void fill_engine::unlink_open(uint32_t slot) {
  auto& o = orders_[slot];
  (o.prev_open == no_index ? open_head_ : orders_[o.prev_open].next_open) = o.next_open;
  (o.next_open == no_index ? open_tail_ : orders_[o.next_open].prev_open) = o.prev_open;
  o.prev_open = o.next_open = no_index;
  --open_count_;
}

std::vector<uint32_t> fill_engine::open_slots_with(TimeInForce tif) const {
  std::vector<uint32_t> due;
  for (auto s = open_head_; s != no_index; s = orders_[s].next_open)
    if (orders_[s].time_in_force == tif)
      due.push_back(s);
  return due;
}

void fill_engine::finish(uint32_t slot, OrderStatus status, std::string reason) {
  auto& o = orders_[slot];
  if (o.where == place::pending)
    drop_timer(extras_[o.extra].live_timer);
  else
    remove_from_book(slot);
  o.where = place::none;
  if (o.extra != no_index)
    drop_timer(extras_[o.extra].expire_timer); // a pending cancel timer stays: it answers with a refusal
  if (!o.done)
    unlink_open(slot);
  o.done = true;
  o.status = status;
  if (o.extra != no_index || !reason.empty())
    extra(o).reason = std::move(reason);
}

void fill_engine::refresh_status(order_rec& o) {
  if (o.done)
    return;
  o.status = o.cancel_pending                         ? OrderStatus::pending_cancel
               : o.executed.is_positive() ? OrderStatus::partially_filled
                                                     : OrderStatus::new_;
}

void fill_engine::emit(sim_event::kind what, const order_rec& o, timestamp_ns at,
                       std::vector<sim_event>& out) {
  out.emplace_back();
  auto& ev = out.back();
  ev.what = what;
  auto& u = ev.update;
  u.order_id = o.order_id;
  u.client_order_id = o.client_order_id;
  u.ticker = names_.name(o.ticker);
  u.side = o.side;
  u.status = o.status;
  u.executed_quantity = o.executed;
  u.leaves_quantity = o.done ? Quantity{} : o.leaves();
  u.average_price = average_price(o);
  u.commission = commission_of(o);
  u.reason = reason_of(o);
  u.timestamp = at;
  u.strategy = names_.name(o.strategy);
}

void fill_engine::refuse(std::string_view order_id, const order_rec* o, std::string reason,
                         timestamp_ns at, std::vector<sim_event>& out) {
  if (o != nullptr) {
    emit(sim_event::kind::cancel_rejected, *o, at, out);
  } else {
    out.emplace_back();
    out.back().what = sim_event::kind::cancel_rejected;
    out.back().update.order_id = order_id;
    out.back().update.status = OrderStatus::rejected;
    out.back().update.timestamp = at;
  }
  out.back().update.reason = std::move(reason);
}

// --- queries ---------------------------------------------------------------------------

OrderExecution fill_engine::execution(const order_rec& o) const {
  OrderExecution x;
  x.order_id = o.order_id;
  x.client_order_id = o.client_order_id;
  x.ticker = names_.name(o.ticker);
  x.side = o.side;
  x.order_type = o.order_type;
  x.quantity = o.quantity;
  x.price = o.price;
  x.stop_price = o.stop_price;
  x.time_in_force = o.time_in_force;
  x.executed_quantity = o.executed;
  x.average_price = average_price(o);
  x.commission = commission_of(o);
  x.timestamp = o.timestamp;
  x.status = o.status;
  x.reason = reason_of(o);
  x.strategy = names_.name(o.strategy);
  if (o.extra != no_index)
    x.fills = extras_[o.extra].fills;
  return x;
}

std::optional<OrderExecution> fill_engine::order(const std::string& order_id) const {
  auto it = by_id_.find(order_id);
  if (!it)
    return std::nullopt;
  return execution(orders_[*it]);
}

std::vector<OrderExecution> fill_engine::open_orders() const {
  std::vector<OrderExecution> r;
  r.reserve(open_count_);
  for (auto s = open_head_; s != no_index; s = orders_[s].next_open)
    r.push_back(execution(orders_[s]));
  return r;
}

size_t fill_engine::prune_finished() {
  size_t n = 0;
  for (uint32_t slot = 0; slot < orders_.size(); ++slot) {
    auto& o = orders_[slot];
    if (o.order_id.empty() || !o.done
        || (o.extra != no_index && extras_[o.extra].cancel_timer.tseq != 0))
      continue;
    by_id_.erase(o.order_id);
    if (o.extra != no_index) {
      extras_[o.extra] = order_extra{};
      free_extras_.push_back(o.extra);
    }
    o = order_rec{};
    free_slots_.push_back(slot);
    ++n;
  }
  return n;
}

} // namespace engine::sim
