// The IBKR TWS API client: connect, handshake, startApi, wait for ids and accounts, then map
// orderStatus / execDetails / commissionReport / error onto the engine's ExecutionReports.
//
//   connecting --tcp+handshake--> starting --nextValidId+managedAccounts--> connected
//        \________________ any failure, timeout, garbage, 1100/1101/1102/326 _________> closed
#include "brokers/ibkr/client.hpp"

#include <chrono>
#include <deque>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "brokers/ibkr/error_codes.hpp"
#include "brokers/ibkr/ib_time.hpp"

namespace engine::ibkr {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// ---- order_id_book ---------------------------------------------------------------------------

int64_t order_id_book::allocate(int64_t floor) {
  std::lock_guard<std::mutex> lk(mutex_);
  int64_t id = std::max(floor, last_used_ + 1);
  last_used_ = id;
  return id;
}

int64_t order_id_book::highest_used() const {
  std::lock_guard<std::mutex> lk(mutex_);
  return last_used_;
}

void order_id_book::put(const ib_order& o) {
  std::lock_guard<std::mutex> lk(mutex_);
  by_ib_[o.ib_id] = o;
  if (!o.engine_id.empty())
    by_engine_[o.engine_id] = o.ib_id;
  last_used_ = std::max(last_used_, o.ib_id);
}

std::optional<ib_order> order_id_book::by_engine_id(const std::string& id) const {
  std::lock_guard<std::mutex> lk(mutex_);
  auto i = by_engine_.find(id);
  if (i == by_engine_.end())
    return std::nullopt;
  return by_ib_.at(i->second);
}

std::optional<ib_order> order_id_book::by_ib_id(int64_t id) const {
  std::lock_guard<std::mutex> lk(mutex_);
  auto i = by_ib_.find(id);
  if (i == by_ib_.end())
    return std::nullopt;
  return i->second;
}

bool order_id_book::update(int64_t ib_id, const std::function<void(ib_order&)>& f) {
  std::lock_guard<std::mutex> lk(mutex_);
  auto i = by_ib_.find(ib_id);
  if (i == by_ib_.end())
    return false;
  f(i->second);
  return true;
}

bool in_reset_window(const ibkr_options& o, timestamp_ns now) {
  if (!o.reset_daily_at_minute)
    return false;
  constexpr int64_t day = 86'400'000'000'000LL;
  int64_t start = (now / day) * day + int64_t{*o.reset_daily_at_minute} * 60'000'000'000LL;
  int64_t len = o.reset_duration_ms * 1'000'000;
  // The window may have started yesterday and run past midnight.
  return (now >= start && now < start + len) || (now >= start - day && now < start - day + len);
}

// ---- impl ------------------------------------------------------------------------------------

namespace {

timestamp_ns system_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

OrderStatus status_from_ib(const std::string& s, bool has_fills) {
  if (s == "Filled")
    return OrderStatus::filled;
  if (s == "Cancelled" || s == "ApiCancelled")
    return OrderStatus::canceled;
  if (s == "Inactive")
    return OrderStatus::rejected;
  if (s == "PendingCancel")
    return OrderStatus::pending_cancel;
  if (s == "Submitted" || s == "PreSubmitted")
    return has_fills ? OrderStatus::partially_filled : OrderStatus::new_;
  return OrderStatus::pending_new;
}

bool is_open_status(const std::string& s) {
  return s != "Filled" && s != "Cancelled" && s != "ApiCancelled" && s != "Inactive";
}

} // namespace

struct ibkr_connection::impl : std::enable_shared_from_this<ibkr_connection::impl> {
  enum class phase { idle, connecting, starting, connected, closed };

  struct held_fill {
    ExecutionReport report;
    std::unique_ptr<asio::steady_timer> timer;
  };
  struct open_query {
    uint64_t serial = 0;
    net::answer<std::vector<OrderExecution>> done;
    std::vector<open_order_msg> orders;
    std::map<int64_t, order_status_msg> statuses;
    std::shared_ptr<asio::steady_timer> timer;
  };
  struct exec_query {
    timestamp_ns since = 0;
    net::answer<std::vector<Fill>> done;
    std::vector<Fill> fills;
    std::shared_ptr<asio::steady_timer> timer;
    bool ended = false;
  };
  struct position_query {
    uint64_t serial = 0;
    net::answer<std::vector<Position>> done;
    std::vector<Position> rows;
    std::shared_ptr<asio::steady_timer> timer;
  };
  struct account_query {
    net::answer<AccountInfo> done;
    AccountInfo info;
    std::shared_ptr<asio::steady_timer> timer;
  };

  ibkr_options& o;
  ibkr_stats& stats;
  std::atomic<int>& server_version_out;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::socket sock{io};
  tcp::resolver resolver{io};
  asio::steady_timer phase_timer{io};
  asio::steady_timer beat{io};
  std::thread thread;
  net::venue_events ev;
  phase ph = phase::idle;
  int sv = 0;
  bool handshake_done = false;
  frame_reader reader;
  std::array<char, 65536> rbuf{};
  std::deque<std::string> wq;
  bool writing = false;
  bool got_id = false, got_accounts = false;
  int64_t next_valid_id = 0;
  std::string account;
  std::chrono::steady_clock::time_point last_rx, ping_sent;
  bool ping_out = false;

  std::unordered_map<std::string, Money> commission_by_exec;
  std::unordered_set<std::string> seen_execs;
  std::unordered_map<std::string, held_fill> held;  // waiting for their commission
  std::unordered_map<std::string, ExecutionReport> awaiting; // sent with commission pending
  std::deque<open_query> open_q;
  std::deque<position_query> pos_q;
  std::map<int64_t, exec_query> exec_q;
  std::map<int64_t, account_query> acct_q;
  int next_req_id = 1;
  uint64_t next_serial = 1;

  impl(ibkr_options& opts, ibkr_stats& st, std::atomic<int>& svo)
    : o(opts), stats(st), server_version_out(svo) {}

  timestamp_ns now() const { return o.now ? o.now() : system_now(); }

  template <class F>
  void post(F f) {
    asio::post(io, [self = shared_from_this(), f = std::move(f)]() mutable { f(*self); });
  }

  // -- connection -------------------------------------------------------------------------------

  void begin() {
    ph = phase::connecting;
    arm_phase_timer(o.connect_timeout_ms, "connect/handshake timed out");
    auto self = shared_from_this();
    resolver.async_resolve(o.host, std::to_string(o.port),
                           [self](const error_code& ec, tcp::resolver::results_type r) {
                             self->on_resolve(ec, r);
                           });
  }

  void arm_phase_timer(int ms, std::string what) {
    phase_timer.expires_after(std::chrono::milliseconds(ms));
    auto self = shared_from_this();
    auto p = ph;
    phase_timer.async_wait([self, what, p](const error_code& ec) {
      if (!ec && self->ph == p)
        self->fail(what + " after " + std::to_string(p == phase::connecting
                                                         ? self->o.connect_timeout_ms
                                                         : self->o.answer_timeout_ms) +
                   " ms");
    });
  }

  void on_resolve(const error_code& ec, const tcp::resolver::results_type& r) {
    if (ph == phase::closed)
      return;
    if (ec)
      return fail("resolve " + o.host + ": " + ec.message());
    auto self = shared_from_this();
    asio::async_connect(sock, r, [self](const error_code& e, const tcp::endpoint&) {
      self->on_connect(e);
    });
  }

  void on_connect(const error_code& ec) {
    if (ph == phase::closed)
      return;
    if (ec)
      return fail("connect " + o.host + ":" + std::to_string(o.port) + ": " + ec.message());
    sock.set_option(tcp::no_delay(true));
    write(encode_handshake(o.min_version, o.max_version));
    read();
  }

  void read() {
    auto self = shared_from_this();
    sock.async_read_some(asio::buffer(rbuf), [self](const error_code& ec, size_t n) {
      self->on_read(ec, n);
    });
  }

  void on_read(const error_code& ec, size_t n) {
    if (ph == phase::closed)
      return;
    if (ec)
      return fail(ec == asio::error::eof ? std::string{"TWS closed the connection"}
                                         : "read: " + ec.message());
    last_rx = std::chrono::steady_clock::now();
    reader.feed(rbuf.data(), n);
    while (ph != phase::closed) {
      auto payload = reader.next();
      if (!payload)
        break;
      ++stats.frames_in;
      on_frame(*payload);
    }
    if (ph == phase::closed)
      return;
    if (reader.broken()) {
      ++stats.malformed_frames;
      spdlog::warn("ibkr: dropping connection on a bad frame: {}", reader.error());
      return fail("malformed frame: " + reader.error());
    }
    read();
  }

  void write(std::string bytes) {
    if (ph == phase::closed)
      return;
    ++stats.frames_out;
    wq.push_back(std::move(bytes));
    if (!writing)
      write_next();
  }

  void write_next() {
    if (wq.empty() || ph == phase::closed) {
      writing = false;
      return;
    }
    writing = true;
    auto self = shared_from_this();
    asio::async_write(sock, asio::buffer(wq.front()), [self](const error_code& ec, size_t) {
      if (self->ph == phase::closed)
        return;
      if (ec)
        return self->fail("write: " + ec.message());
      self->wq.pop_front();
      self->write_next();
    });
  }

  void on_frame(const std::string& payload) {
    if (!handshake_done) {
      std::string err;
      auto r = decode_handshake_reply(payload, err);
      if (!r) {
        ++stats.malformed_frames;
        return fail(err);
      }
      std::string bad = check_server_version(r->server_version);
      if (bad.empty() &&
          (r->server_version < o.min_version || r->server_version > o.max_version))
        bad = "TWS server version " + std::to_string(r->server_version) +
              " outside the configured range";
      if (!bad.empty())
        return fail(bad, true);
      sv = r->server_version;
      server_version_out = sv;
      handshake_done = true;
      spdlog::info("ibkr: connected to {}:{} server version {} at \"{}\"", o.host, o.port, sv,
                   r->connection_time);
      ph = phase::starting;
      arm_phase_timer(o.answer_timeout_ms, "no nextValidId/managedAccounts");
      write(encode_start_api(o.client_id));
      return;
    }
    auto fields = split_fields(payload);
    if (!fields) {
      ++stats.malformed_frames;
      spdlog::warn("ibkr: frame without its final NUL ({} bytes)", payload.size());
      return fail("malformed frame: fields not NUL-terminated");
    }
    std::string err;
    auto m = decode(*fields, sv, err);
    if (!m) {
      ++stats.malformed_frames;
      spdlog::warn("ibkr: malformed message: {}", err);
      return fail("malformed message: " + err);
    }
    std::visit([this](auto& x) { handle(x); }, *m);
  }

  void maybe_ready() {
    if (ph != phase::starting || !got_id || !got_accounts)
      return;
    ph = phase::connected;
    phase_timer.cancel();
    last_rx = std::chrono::steady_clock::now();
    arm_beat();
    spdlog::info("ibkr: ready, account {}, next order id {}", account,
                 std::max({next_valid_id, o.min_order_id, o.ids->highest_used() + 1}));
    if (ev.on_connected)
      ev.on_connected();
  }

  void arm_beat() {
    int tick = std::max(10, std::min(o.heartbeat_ms, o.answer_timeout_ms) / 4);
    beat.expires_after(std::chrono::milliseconds(tick));
    auto self = shared_from_this();
    beat.async_wait([self](const error_code& ec) {
      if (ec || self->ph != phase::connected)
        return;
      auto t = std::chrono::steady_clock::now();
      using ms = std::chrono::milliseconds;
      if (self->ping_out &&
          t - self->ping_sent >= ms(self->o.answer_timeout_ms) && self->last_rx < self->ping_sent)
        return self->fail("TWS did not answer for " + std::to_string(self->o.answer_timeout_ms) +
                          " ms (hung)");
      if (!self->ping_out && t - self->last_rx >= ms(self->o.heartbeat_ms)) {
        self->ping_out = true;
        self->ping_sent = t;
        self->write(encode_req_current_time());
      }
      if (self->ping_out && self->last_rx >= self->ping_sent)
        self->ping_out = false;
      self->arm_beat();
    });
  }

  /// The end of this connection: everything pending is answered, held fills are delivered
  /// (commission pending), then on_disconnected. Nothing is reported after it.
  void fail(std::string why, bool fatal = false) {
    if (ph == phase::closed)
      return;
    bool was_connected = ph == phase::connected;
    for (auto& [id, h] : held) {
      h.report.update.reason = std::string{commission_pending_reason};
      awaiting.emplace(id, h.report);
      emit(h.report);
    }
    held.clear();
    ph = phase::closed;
    error_code ignore;
    phase_timer.cancel();
    beat.cancel();
    resolver.cancel();
    sock.shutdown(tcp::socket::shutdown_both, ignore);
    sock.close(ignore);
    for (auto& q : open_q)
      if (q.done)
        q.done(std::nullopt, "disconnected: " + why);
    for (auto& q : pos_q)
      if (q.done)
        q.done(std::nullopt, "disconnected: " + why);
    for (auto& [id, q] : exec_q)
      if (q.done)
        q.done(std::nullopt, "disconnected: " + why);
    for (auto& [id, q] : acct_q)
      if (q.done)
        q.done(std::nullopt, "disconnected: " + why);
    open_q.clear();
    pos_q.clear();
    exec_q.clear();
    acct_q.clear();
    if (why == "stopped") {
      spdlog::debug("ibkr: stopped");
    } else if (in_reset_window(o, now())) {
      why = "IB daily reset window (expected): " + why;
      spdlog::info("ibkr: {}", why);
    } else if (was_connected || fatal) {
      spdlog::warn("ibkr: connection lost: {}", why);
    } else {
      spdlog::info("ibkr: connection attempt failed: {}", why);
    }
    if (ev.on_disconnected)
      ev.on_disconnected(net::venue_error{why, fatal});
  }

  void emit(const ExecutionReport& r) {
    if (ev.on_report)
      ev.on_report(r);
  }
  void notice(std::string s) {
    if (ev.on_notice)
      ev.on_notice(std::move(s));
  }

  // -- orders -----------------------------------------------------------------------------------

  ExecutionReport report_for(const ib_order& e, OrderEvent event, std::string reason = {}) {
    ExecutionReport r;
    r.event = event;
    auto& u = r.update;
    u.order_id = e.engine_id;
    u.client_order_id = e.request.client_order_id.empty() ? e.engine_id
                                                          : e.request.client_order_id;
    u.ticker = e.request.ticker;
    u.side = e.request.side;
    u.status = e.status;
    u.executed_quantity = e.executed;
    u.commission = e.commission;
    u.leaves_quantity = e.final ? Quantity{} : e.request.quantity - e.executed;
    if (e.executed.is_positive())
      if (auto avg = try_div<Price>(e.notional, e.executed))
        u.average_price = *avg;
    u.reason = std::move(reason);
    u.timestamp = now();
    u.strategy = e.request.strategy;
    return r;
  }

  order_spec spec_for(const ib_order& e) const {
    order_spec s;
    s.order_id = e.ib_id;
    s.symbol = e.request.ticker;
    s.side = e.request.side;
    s.quantity = e.request.quantity;
    s.type = e.request.order_type;
    s.limit_price = e.request.price;
    s.stop_price = e.request.stop_price;
    s.trail_amount = e.request.trail_amount;
    s.trail_percent = e.request.trail_percent;
    s.tif = e.request.time_in_force;
    s.account = account;
    s.order_ref = e.engine_id;
    s.order_class = e.request.order_class;
    return s;
  }

  void do_submit(const OrderRequest& req) {
    ib_order e;
    e.engine_id = req.order_id;
    e.request = req;
    if (ph != phase::connected) {
      e.status = OrderStatus::rejected;
      e.final = true;
      return emit(report_for(e, OrderEvent::reject, "broker_unavailable: not connected to TWS"));
    }
    if (auto known = o.ids->by_engine_id(req.order_id)) {
      // The same engine order twice: never a second IB order (that is how duplicates happen).
      spdlog::warn("ibkr: order {} already has IB id {}; not sent again", req.order_id,
                   known->ib_id);
      return;
    }
    std::string err;
    order_spec probe = spec_for(e);
    encode_place_order(probe, sv, err);
    if (!err.empty()) {
      e.status = OrderStatus::rejected;
      e.final = true;
      // An unsupported class keeps its reason's name first, as the simulator's does.
      bool named = err.rfind("unsupported_order_class:", 0) == 0;
      return emit(report_for(e, OrderEvent::reject, named ? err : "ibkr: " + err));
    }
    e.ib_id = o.ids->allocate(std::max(next_valid_id, o.min_order_id));
    o.ids->put(e);
    if (o.on_order_id)
      o.on_order_id(e.engine_id, e.ib_id);
    write(encode_place_order(spec_for(e), sv, err));
  }

  void do_cancel(const CancelRequest& c) {
    auto e = o.ids->by_engine_id(c.order_id);
    if (!e) {
      ib_order x;
      x.engine_id = c.order_id;
      return emit(report_for(x, OrderEvent::cancel_reject, "no IB order id for this order"));
    }
    if (ph != phase::connected)
      return emit(report_for(*e, OrderEvent::cancel_reject,
                             "broker_unavailable: not connected to TWS"));
    o.ids->update(e->ib_id, [](ib_order& x) { x.cancel_requested = true; });
    write(encode_cancel_order(e->ib_id, sv));
  }

  void do_replace(const ReplaceRequest& r) {
    auto e = o.ids->by_engine_id(r.order_id);
    if (!e || ph != phase::connected) {
      ib_order x = e ? *e : ib_order{};
      x.engine_id = r.order_id;
      return emit(report_for(x, OrderEvent::cancel_reject,
                             e ? "replace refused: broker_unavailable"
                               : "replace refused: no IB order id for this order"));
    }
    ib_order next = *e;
    if (r.quantity.is_positive())
      next.request.quantity = r.quantity;
    if (r.price.is_positive())
      next.request.price = r.price;
    if (r.stop_price.is_positive())
      next.request.stop_price = r.stop_price;
    std::string err;
    auto bytes = encode_place_order(spec_for(next), sv, err);
    if (bytes.empty())
      return emit(report_for(*e, OrderEvent::cancel_reject, "replace refused: " + err));
    o.ids->update(e->ib_id, [&](ib_order& x) {
      x.replace_pending = true;
      x.replace = r;
    });
    write(std::move(bytes)); // the same id again: IB modifies the order
  }

  /// The book entry of an IB order id; learned from orderRef when this connection has not
  /// seen it (an order placed before a reconnect, or by another session: external).
  std::optional<ib_order> entry(int64_t ib_id, const std::string& order_ref = {}) {
    if (auto e = o.ids->by_ib_id(ib_id))
      return e;
    if (!order_ref.empty())
      if (auto e = o.ids->by_engine_id(order_ref))
        return e;
    return std::nullopt;
  }

  void handle(unhandled_msg& m) {
    ++stats.unhandled_messages;
    (void)m;
  }
  void handle(next_valid_id_msg& m) {
    next_valid_id = m.order_id;
    got_id = true;
    maybe_ready();
  }
  void handle(managed_accounts_msg& m) {
    if (m.accounts.empty())
      return fail("TWS reported no managed accounts", true);
    if (o.account.empty()) {
      account = m.accounts.front();
    } else {
      bool found = false;
      for (auto& a : m.accounts)
        found = found || a == o.account;
      if (!found)
        return fail("account " + o.account + " is not managed by this TWS login", true);
      account = o.account;
    }
    got_accounts = true;
    maybe_ready();
  }
  void handle(current_time_msg&) { ping_out = false; }

  void handle(order_status_msg& m) {
    if (!open_q.empty())
      open_q.front().statuses[m.order_id] = m; // the answer in progress (FIFO)
    auto e = entry(m.order_id);
    if (!e || e->final)
      return;
    std::optional<ExecutionReport> out;
    o.ids->update(e->ib_id, [&](ib_order& x) {
      const auto& s = m.status;
      if (s == "PreSubmitted" || s == "Submitted") {
        if (!x.accepted) {
          x.accepted = true;
          x.status = x.executed.is_positive() ? OrderStatus::partially_filled : OrderStatus::new_;
          out = report_for(x, OrderEvent::accept);
        } else if (x.replace_pending) {
          x.replace_pending = false;
          if (x.replace) {
            if (x.replace->quantity.is_positive())
              x.request.quantity = x.replace->quantity;
            if (x.replace->price.is_positive())
              x.request.price = x.replace->price;
            if (x.replace->stop_price.is_positive())
              x.request.stop_price = x.replace->stop_price;
          }
          out = report_for(x, OrderEvent::replace);
        }
      } else if (s == "Cancelled" || s == "ApiCancelled") {
        x.final = true;
        if (!x.accepted && !x.last_error.empty() && !x.cancel_requested) {
          x.status = OrderStatus::rejected;
          out = report_for(x, OrderEvent::reject, x.last_error);
        } else {
          x.status = OrderStatus::canceled;
          out = report_for(x, OrderEvent::cancel, x.cancel_requested ? "canceled" : x.last_error);
        }
      } else if (s == "Inactive") {
        x.final = true;
        x.status = OrderStatus::rejected;
        out = report_for(x, OrderEvent::reject, x.last_error.empty() ? "Inactive" : x.last_error);
      }
    });
    if (out)
      emit(*out);
  }

  void handle(open_order_msg& m) {
    if (!open_q.empty())
      open_q.front().orders.push_back(m); // one openOrderEnd answers one request, in order
    if (!o.ids->by_ib_id(m.order_id) && !m.order_ref.empty() &&
        !o.ids->by_engine_id(m.order_ref)) {
      // An order of ours from an earlier process (orderRef = engine id): learn its IB id.
      ib_order e;
      e.engine_id = m.order_ref;
      e.ib_id = m.order_id;
      e.request.order_id = m.order_ref;
      e.request.client_order_id = m.order_ref;
      e.request.ticker = m.symbol;
      e.request.side = m.side;
      e.request.quantity = m.quantity;
      e.request.order_type = parse_order_type(m.order_type).value_or(OrderType::limit);
      e.request.price = m.limit_price.value_or(Price{});
      e.request.stop_price = m.aux_price.value_or(Price{});
      e.request.time_in_force = parse_tif(m.tif).value_or(TimeInForce::day);
      e.accepted = m.status == "Submitted" || m.status == "PreSubmitted";
      e.status = status_from_ib(m.status, false);
      e.final = !is_open_status(m.status);
      o.ids->put(e);
    }
  }

  void handle(open_order_end_msg&) {
    if (!open_q.empty()) {
      auto q = std::move(open_q.front());
      open_q.pop_front();
      if (!q.done)
        return; // answered by its timeout already
      if (q.timer)
        q.timer->cancel();
      std::vector<OrderExecution> out;
      for (auto& m : q.orders) {
        auto st = q.statuses.count(m.order_id) ? q.statuses[m.order_id].status : m.status;
        if (!is_open_status(st))
          continue;
        OrderExecution x;
        x.order_id = m.order_ref.empty() ? "IB-" + std::to_string(m.perm_id ? m.perm_id
                                                                          : m.order_id)
                                         : m.order_ref;
        x.client_order_id = m.order_ref;
        x.ticker = m.symbol;
        x.side = m.side;
        x.order_type = parse_order_type(m.order_type).value_or(OrderType::limit);
        x.quantity = m.quantity;
        if (x.order_type == OrderType::limit || x.order_type == OrderType::stop_limit)
          x.price = m.limit_price.value_or(Price{});
        if (x.order_type == OrderType::stop || x.order_type == OrderType::stop_limit)
          x.stop_price = m.aux_price.value_or(Price{});
        x.time_in_force = parse_tif(m.tif).value_or(TimeInForce::day);
        if (q.statuses.count(m.order_id)) {
          auto& s = q.statuses[m.order_id];
          x.executed_quantity = s.filled;
          x.average_price = s.avg_fill_price;
        }
        x.status = status_from_ib(st, x.executed_quantity.is_positive());
        x.timestamp = now();
        if (m.order_ref.empty() || !o.ids->by_engine_id(m.order_ref))
          x.reason = "external";
        out.push_back(std::move(x));
      }
      q.done(std::move(out), {});
    }
  }

  Fill fill_from(const exec_details_msg& m) {
    Fill f;
    f.exec_id = m.exec_id;
    auto e = entry(m.order_id, m.order_ref);
    f.order_id = e ? e->engine_id : (m.order_ref.empty() ? "IB-" + std::to_string(m.perm_id)
                                                         : m.order_ref);
    f.client_order_id = m.order_ref.empty() ? f.order_id : m.order_ref;
    f.ticker = m.symbol;
    f.side = m.side;
    f.quantity = m.shares;
    f.price = m.price;
    auto t = exec_time_or(m.time, o.local_time_zone, now());
    if (t.fallback) {
      ++stats.time_fallbacks;
      spdlog::warn("ibkr: execution {} time \"{}\" unreadable; using the receive time",
                   m.exec_id, m.time);
    }
    f.timestamp = t.utc_ns;
    f.broker = o.broker_name;
    if (auto c = commission_by_exec.find(m.exec_id); c != commission_by_exec.end())
      f.commission = c->second;
    return f;
  }

  void handle(exec_details_msg& m) {
    if (m.req_id != -1) {
      auto q = exec_q.find(m.req_id);
      if (q != exec_q.end())
        q->second.fills.push_back(fill_from(m));
      return;
    }
    if (!seen_execs.insert(m.exec_id).second)
      return; // TWS sends an execution again after some reconnects: once is enough
    Fill f = fill_from(m);
    auto e = entry(m.order_id, m.order_ref);
    ExecutionReport r;
    if (e) {
      std::optional<ExecutionReport> out;
      o.ids->update(e->ib_id, [&](ib_order& x) {
        x.executed += f.quantity;
        x.notional += mul<Money>(f.quantity, f.price);
        bool done = x.executed >= x.request.quantity;
        x.status = done ? OrderStatus::filled : OrderStatus::partially_filled;
        if (done)
          x.final = true;
        x.accepted = true;
        out = report_for(x, done ? OrderEvent::fill : OrderEvent::partial_fill);
      });
      r = *out;
    } else {
      // Not our order (another client id or a manual order): reported for the books.
      r.event = OrderEvent::fill;
      r.update.order_id = f.order_id;
      r.update.client_order_id = f.client_order_id;
      r.update.ticker = f.ticker;
      r.update.side = f.side;
      r.update.status = OrderStatus::filled;
      r.update.executed_quantity = m.cum_qty;
      r.update.average_price = m.avg_price;
      // An orderRef is an engine id from an earlier process; none means not ours at all.
      if (m.order_ref.empty())
        r.update.reason = "external";
      r.update.timestamp = now();
    }
    r.fill = f;
    if (commission_by_exec.count(m.exec_id)) {
      ++stats.commission_joined;
      r.update.commission = add_commission(m.order_id, f.commission);
      return emit(r);
    }
    if (o.commission_wait_ms <= 0) {
      r.update.reason = std::string{commission_pending_reason};
      awaiting.emplace(m.exec_id, r);
      return emit(r);
    }
    auto timer = std::make_unique<asio::steady_timer>(io);
    timer->expires_after(std::chrono::milliseconds(o.commission_wait_ms));
    auto self = shared_from_this();
    std::string id = m.exec_id;
    timer->async_wait([self, id](const error_code& ec) {
      if (ec || self->ph == phase::closed)
        return;
      auto h = self->held.find(id);
      if (h == self->held.end())
        return;
      auto rep = h->second.report;
      rep.update.reason = std::string{commission_pending_reason};
      self->held.erase(h);
      self->awaiting.emplace(id, rep);
      self->emit(rep);
    });
    held.emplace(m.exec_id, held_fill{r, std::move(timer)});
  }

  void handle(exec_details_end_msg& m) {
    auto q = exec_q.find(m.req_id);
    if (q == exec_q.end())
      return;
    q->second.ended = true;
    finish_exec_query(m.req_id, false);
  }

  /// Answers a reqExecutions once every fill has its commission, or when the wait is over.
  void finish_exec_query(int64_t req_id, bool waited) {
    auto q = exec_q.find(req_id);
    if (q == exec_q.end() || !q->second.ended)
      return;
    bool missing = false;
    for (auto& f : q->second.fills) {
      auto c = commission_by_exec.find(f.exec_id);
      if (c != commission_by_exec.end())
        f.commission = c->second;
      else
        missing = true;
    }
    if (missing && !waited && o.commission_wait_ms > 0) {
      auto self = shared_from_this();
      q->second.timer->expires_after(std::chrono::milliseconds(o.commission_wait_ms));
      q->second.timer->async_wait([self, req_id](const error_code& ec) {
        if (!ec)
          self->finish_exec_query(req_id, true);
      });
      return;
    }
    auto done = std::move(q->second.done);
    std::vector<Fill> out;
    for (auto& f : q->second.fills) {
      if (f.timestamp < q->second.since)
        continue;
      if (!commission_by_exec.count(f.exec_id)) {
        // An answer holds only fills whose commission is known: a 0 in it would read as a
        // known zero. This one is reported as commission pending (unless the live path has
        // it already) and completed later by a commission_completion report.
        if (!held.count(f.exec_id) && !awaiting.count(f.exec_id)) {
          ExecutionReport r;
          r.event = OrderEvent::fill;
          r.fill = f;
          r.update.order_id = f.order_id;
          r.update.client_order_id = f.client_order_id;
          r.update.ticker = f.ticker;
          r.update.side = f.side;
          r.update.reason = std::string{commission_pending_reason};
          r.update.timestamp = now();
          awaiting.emplace(f.exec_id, r);
          emit(r); // before the answer, so the engine has it when it reconciles
        }
        continue;
      }
      out.push_back(f);
    }
    q->second.timer->cancel();
    exec_q.erase(q);
    if (done)
      done(std::move(out), {});
  }

  /// Adds a fill's commission to its order's total (the update's commission); an order we do
  /// not track gets the fill's own.
  Money add_commission(int64_t ib_id, Money c) {
    Money total = c;
    o.ids->update(ib_id, [&](ib_order& x) {
      x.commission += c;
      total = x.commission;
    });
    return total;
  }
  Money add_commission(const std::string& engine_id, Money c) {
    if (auto e = o.ids->by_engine_id(engine_id))
      return add_commission(e->ib_id, c);
    return c;
  }

  void handle(commission_report_msg& m) {
    Money c = m.commission.value_or(Money{});
    bool first = commission_by_exec.emplace(m.exec_id, c).second;
    if (!first)
      return; // IB repeats commission reports with every reqExecutions answer: join once
    if (auto h = held.find(m.exec_id); h != held.end()) {
      auto r = h->second.report;
      h->second.timer->cancel();
      held.erase(h);
      r.fill.commission = c;
      r.update.commission = add_commission(r.fill.order_id, c);
      ++stats.commission_joined;
      emit(r);
    } else if (auto a = awaiting.find(m.exec_id); a != awaiting.end()) {
      auto r = a->second;
      awaiting.erase(a);
      r.fill.quantity = Quantity{};
      r.fill.commission = c;
      r.update.commission = add_commission(r.fill.order_id, c);
      r.update.reason = std::string{commission_completion_reason};
      r.update.timestamp = now();
      ++stats.commission_completed;
      emit(r);
    }
    // Queries in flight pick it up when they end.
    for (auto& [id, q] : exec_q)
      if (q.ended) {
        bool all = true;
        for (auto& f : q.fills)
          all = all && commission_by_exec.count(f.exec_id);
        if (all) {
          int64_t rid = id;
          post([rid](impl& s) { s.finish_exec_query(rid, true); });
        }
      }
  }

  void handle(position_msg& m) {
    if (pos_q.empty())
      return;
    if (!account.empty() && m.account != account)
      return;
    Position p;
    p.ticker = m.symbol;
    p.quantity = m.position;
    p.average_price = m.avg_cost;
    p.timestamp = now();
    pos_q.front().rows.push_back(p);
  }
  void handle(position_end_msg&) {
    if (pos_q.empty())
      return;
    auto q = std::move(pos_q.front());
    pos_q.pop_front();
    write(encode_cancel_positions());
    if (q.timer)
      q.timer->cancel();
    if (q.done)
      q.done(std::move(q.rows), {});
  }
  void handle(account_summary_msg& m) {
    auto q = acct_q.find(m.req_id);
    if (q == acct_q.end() || (!account.empty() && m.account != account))
      return;
    auto money = parse_decimal<Money>(m.value);
    if (!money)
      return;
    auto& a = q->second.info;
    a.account_id = m.account;
    if (m.tag == "TotalCashValue")
      a.cash = *money;
    else if (m.tag == "NetLiquidation")
      a.equity = *money;
    else if (m.tag == "BuyingPower")
      a.buying_power = *money;
  }
  void handle(account_summary_end_msg& m) {
    auto q = acct_q.find(m.req_id);
    if (q == acct_q.end())
      return;
    auto done = std::move(q->second.done);
    auto info = q->second.info;
    info.timestamp = now();
    if (info.account_id.empty())
      info.account_id = account;
    q->second.timer->cancel();
    acct_q.erase(q);
    write(encode_cancel_account_summary(static_cast<int>(m.req_id)));
    if (done)
      done(info, {});
  }

  void handle(error_msg& m) {
    auto info = classify_error(m.code, m.id >= 0);
    std::string text = std::to_string(m.code) + " " + m.text;
    std::optional<ib_order> e = m.id >= 0 ? entry(m.id) : std::nullopt;
    if (!e) {
      switch (info.action) {
        case error_action::connectivity_lost:
          return fail("IB connectivity lost (1100): " + m.text);
        case error_action::restored_data_lost:
          return fail("IB connectivity restored, data lost (1101): reconnect, resubscribe and "
                      "reconcile");
        case error_action::restored_data_kept:
          return fail("IB connectivity restored, data kept (1102): reconnect and reconcile "
                      "executions");
        case error_action::client_id_in_use:
          return fail("client id " + std::to_string(o.client_id) + " already in use (326)");
        case error_action::connection_failed:
          return fail("TWS: " + text);
        case error_action::fatal:
          return fail("TWS: " + text, true);
        default:
          spdlog::info("ibkr: notice {}", text);
          return notice(text);
      }
    }
    std::optional<ExecutionReport> out;
    o.ids->update(e->ib_id, [&](ib_order& x) {
      switch (info.action) {
        case error_action::order_rejected:
          x.last_error = m.text;
          if (!x.final && !x.accepted) {
            x.final = true;
            x.status = OrderStatus::rejected;
            out = report_for(x, OrderEvent::reject, m.text);
          }
          break;
        case error_action::order_canceled:
          if (!x.final) {
            x.final = true;
            x.status = OrderStatus::canceled;
            out = report_for(x, OrderEvent::cancel, "canceled");
          }
          break;
        case error_action::cancel_refused:
          x.cancel_requested = false;
          out = report_for(x, OrderEvent::cancel_reject, text);
          break;
        case error_action::modify_refused:
          x.replace_pending = false;
          out = report_for(x, OrderEvent::cancel_reject, "replace refused: " + text);
          break;
        default:
          x.last_error = m.text;
          break;
      }
    });
    if (out)
      emit(*out);
    else
      notice("order " + e->engine_id + ": " + text);
  }

  // -- queries ----------------------------------------------------------------------------------

  std::shared_ptr<asio::steady_timer> query_timer(std::function<void(impl&)> on_timeout) {
    auto t = std::make_shared<asio::steady_timer>(io);
    t->expires_after(std::chrono::milliseconds(o.answer_timeout_ms));
    auto self = shared_from_this();
    t->async_wait([self, on_timeout](const error_code& ec) {
      if (!ec && self->ph != phase::closed)
        on_timeout(*self);
    });
    return t;
  }

  std::string timeout_text() const {
    return "no answer within " + std::to_string(o.answer_timeout_ms) + " ms";
  }

  void q_open(net::answer<std::vector<OrderExecution>> done) {
    if (ph != phase::connected)
      return done(std::nullopt, "not connected");
    open_query q;
    q.serial = next_serial++;
    q.done = std::move(done);
    uint64_t serial = q.serial;
    q.timer = query_timer([serial](impl& s) {
      for (auto& x : s.open_q)
        if (x.serial == serial && x.done) {
          auto d = std::move(x.done);
          x.done = nullptr; // the slot stays until its openOrderEnd
          d(std::nullopt, s.timeout_text());
        }
    });
    open_q.push_back(std::move(q));
    write(encode_req_all_open_orders());
  }

  void q_fills(timestamp_ns since, net::answer<std::vector<Fill>> done) {
    if (ph != phase::connected)
      return done(std::nullopt, "not connected");
    int id = next_req_id++;
    exec_query q;
    q.since = since;
    q.done = std::move(done);
    q.timer = query_timer([id](impl& s) {
      auto i = s.exec_q.find(id);
      if (i != s.exec_q.end() && !i->second.ended) {
        auto d = std::move(i->second.done);
        s.exec_q.erase(i);
        if (d)
          d(std::nullopt, s.timeout_text());
      }
    });
    exec_q.emplace(id, std::move(q));
    exec_filter f;
    f.account = account;
    if (since > 0)
      f.time = format_utc_dash(since);
    write(encode_req_executions(id, f));
  }

  void q_positions(net::answer<std::vector<Position>> done) {
    if (ph != phase::connected)
      return done(std::nullopt, "not connected");
    position_query q;
    q.serial = next_serial++;
    q.done = std::move(done);
    uint64_t serial = q.serial;
    q.timer = query_timer([serial](impl& s) {
      for (auto& x : s.pos_q)
        if (x.serial == serial && x.done) {
          auto d = std::move(x.done);
          x.done = nullptr;
          d(std::nullopt, s.timeout_text());
        }
    });
    pos_q.push_back(std::move(q));
    write(encode_req_positions());
  }

  void q_account(net::answer<AccountInfo> done) {
    if (ph != phase::connected)
      return done(std::nullopt, "not connected");
    int id = next_req_id++;
    account_query q;
    q.done = std::move(done);
    q.timer = query_timer([id](impl& s) {
      auto i = s.acct_q.find(id);
      if (i != s.acct_q.end()) {
        auto d = std::move(i->second.done);
        s.acct_q.erase(i);
        if (d)
          d(std::nullopt, s.timeout_text());
      }
    });
    acct_q.emplace(id, std::move(q));
    write(encode_req_account_summary(id, "All", "NetLiquidation,TotalCashValue,BuyingPower"));
  }

  void q_order(const std::string& cid, net::answer<OrderExecution> done) {
    auto self = shared_from_this();
    q_open([self, cid, done](std::optional<std::vector<OrderExecution>> open, std::string err) {
      if (!open)
        return done(std::nullopt, err);
      std::optional<OrderExecution> found;
      for (auto& x : *open)
        if (x.client_order_id == cid || x.order_id == cid)
          found = x;
      self->q_fills(0, [self, cid, done, found](std::optional<std::vector<Fill>> fills,
                                                std::string err2) mutable {
        if (!fills)
          return done(std::nullopt, err2);
        std::vector<Fill> mine;
        for (auto& f : *fills)
          if (f.client_order_id == cid || f.order_id == cid)
            mine.push_back(f);
        auto known = self->o.ids->by_engine_id(cid);
        if (!found && mine.empty() && !(known && known->final))
          return done(std::nullopt, {}); // IB does not know it
        OrderExecution x;
        if (found) {
          x = *found;
        } else {
          x.order_id = cid;
          x.client_order_id = cid;
          if (known) {
            auto r = known->request;
            x.ticker = r.ticker;
            x.side = r.side;
            x.order_type = r.order_type;
            x.quantity = r.quantity;
            x.price = r.price;
            x.stop_price = r.stop_price;
            x.time_in_force = r.time_in_force;
            x.status = known->status;
            x.reason = known->last_error;
          }
        }
        Quantity q;
        Money notional, comm;
        for (auto& f : mine) {
          q += f.quantity;
          notional += mul<Money>(f.quantity, f.price);
          comm += f.commission;
          if (x.ticker.empty()) {
            x.ticker = f.ticker;
            x.side = f.side;
          }
        }
        x.fills = mine;
        if (!mine.empty()) {
          x.executed_quantity = q;
          if (auto avg = try_div<Price>(notional, q))
            x.average_price = *avg;
          x.commission = comm;
          if (!found && (x.quantity.is_zero() || q >= x.quantity))
            x.status = OrderStatus::filled;
          if (x.quantity.is_zero())
            x.quantity = q;
        }
        x.timestamp = self->now();
        done(x, {});
      });
    });
  }
};

// ---- ibkr_connection -------------------------------------------------------------------------

ibkr_connection::ibkr_connection(ibkr_options opts) : opts_(std::move(opts)) {
  if (!opts_.ids)
    opts_.ids = std::make_shared<order_id_book>();
  impl_ = std::make_shared<impl>(opts_, stats_, server_version_);
}

ibkr_connection::~ibkr_connection() { stop(); }

void ibkr_connection::start(net::venue_events events) {
  if (impl_->thread.joinable())
    return;
  impl_->ev = std::move(events);
  impl_->post([](impl& s) { s.begin(); });
  auto i = impl_;
  impl_->thread = std::thread([i] { i->io.run(); });
}

void ibkr_connection::stop() {
  auto i = impl_;
  if (!i->thread.joinable())
    return;
  asio::post(i->io, [i] {
    i->ev = {}; // stop() means no more callbacks, not even on_disconnected
    i->fail("stopped");
    i->work.reset();
    i->io.stop();
  });
  i->thread.join();
  // Completes the aborted handlers (each holds the impl), so nothing outlives the connection.
  i->io.restart();
  i->io.poll();
}

void ibkr_connection::submit(const OrderRequest& order) {
  impl_->post([order](impl& s) { s.do_submit(order); });
}
void ibkr_connection::cancel(const CancelRequest& c) {
  impl_->post([c](impl& s) { s.do_cancel(c); });
}
void ibkr_connection::replace(const ReplaceRequest& r) {
  impl_->post([r](impl& s) { s.do_replace(r); });
}
void ibkr_connection::order_by_client_id(const std::string& cid,
                                         net::answer<OrderExecution> done) {
  impl_->post([cid, done](impl& s) { s.q_order(cid, done); });
}
void ibkr_connection::open_orders(net::answer<std::vector<OrderExecution>> done) {
  impl_->post([done](impl& s) { s.q_open(done); });
}
void ibkr_connection::fills_since(timestamp_ns since, net::answer<std::vector<Fill>> done) {
  impl_->post([since, done](impl& s) { s.q_fills(since, done); });
}
void ibkr_connection::positions(net::answer<std::vector<Position>> done) {
  impl_->post([done](impl& s) { s.q_positions(done); });
}
void ibkr_connection::account(net::answer<AccountInfo> done) {
  impl_->post([done](impl& s) { s.q_account(done); });
}
void ibkr_connection::send_raw_for_test(std::string bytes) {
  impl_->post([bytes](impl& s) { s.write(bytes); });
}

} // namespace engine::ibkr
