// The fake TWS: accepts TWS API clients, keeps orders, executions, positions and cash, and
// applies the fault plan at the socket. One Asio thread owns everything.
#include "brokers/ibkr/fake/fake_tws.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "brokers/faults/fault_injector.hpp"
#include "brokers/ibkr/ib_time.hpp"

namespace engine::ibkr::fake {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr const char* dbl_max = "1.7976931348623157E308";
constexpr const char* int_max = "2147483647";

int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// One outgoing message: fields each followed by NUL, then a 4-byte big-endian length.
class msg {
public:
  msg& operator<<(const std::string& s) {
    body_ += s;
    body_ += '\0';
    return *this;
  }
  msg& operator<<(const char* s) { return *this << std::string{s}; }
  msg& operator<<(int64_t v) { return *this << std::to_string(v); }
  msg& operator<<(int v) { return *this << std::to_string(v); }
  msg& operator<<(long long v) { return *this << std::to_string(v); }
  std::string bytes() const {
    uint32_t n = static_cast<uint32_t>(body_.size());
    std::string out{static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                    static_cast<char>(n >> 8), static_cast<char>(n)};
    return out + body_;
  }

private:
  std::string body_;
};

uint64_t fnv(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

int64_t to_int(const std::string& s, int64_t dflt = 0) {
  if (s.empty())
    return dflt;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  return (end && *end == '\0') ? v : dflt;
}

} // namespace

Price fake_tws::reference_price(const std::string& symbol) {
  return Price::from_raw(100'000'000 + static_cast<int64_t>(fnv(symbol) % 9000) * 10'000);
}

struct fake_tws::impl : std::enable_shared_from_this<fake_tws::impl> {
  struct order {
    int64_t id = 0;
    int client_id = 0;
    int64_t perm_id = 0;
    std::string symbol, action, type, tif, account, order_ref;
    OrderSide side = OrderSide::buy;
    Quantity qty, filled;
    Money notional;
    std::string lmt, aux; // as received
    std::string status = "PreSubmitted";
    bool transmit = true;
    bool final() const {
      return status == "Filled" || status == "Cancelled" || status == "Inactive";
    }
  };
  struct session {
    uint64_t serial = 0;
    tcp::socket sock;
    std::string in;
    bool handshake = false, versioned = false, api = false;
    int client_id = -1;
    std::array<char, 65536> buf{};
    bool open = true;
    std::deque<std::pair<int64_t, std::string>> delayed; // (due ns, bytes), in send order
    asio::steady_timer delay_timer;
    explicit session(asio::io_context& io) : sock(io), delay_timer(io) {}
  };
  struct position {
    Quantity qty;
    Money cost; // signed qty * avg price
  };

  fake_tws_options o;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::acceptor acceptor{io};
  asio::steady_timer ticker{io};
  std::thread thread;
  fault_injector faults;
  std::vector<std::shared_ptr<session>> sessions;
  uint64_t next_serial = 1;
  std::map<int64_t, order> orders;
  std::set<int64_t> logged_ids; // every id ever seen, this run and (from the log) earlier runs
  int64_t next_id;
  int64_t highest_seen = 0;
  std::vector<fake_order_seen> seen;
  std::vector<fake_execution> execs;
  std::map<std::string, position> positions;
  Money cash;
  int64_t accepted = 0;
  int64_t exec_seq = 0;
  uint32_t run_id;
  int64_t link_down_until = 0; // 1100 episode: ends with 1101/1102
  int64_t flaps = 0;
  std::ofstream log;

  explicit impl(fake_tws_options opts)
    : o(std::move(opts)), faults(o.plan, o.now ? o.now() : system_now()),
      next_id(o.first_order_id), cash(o.initial_cash) {
    run_id = static_cast<uint32_t>((now() / 1'000'000) ^ (o.seed * 2654435761u));
    if (!o.order_log.empty()) {
      std::ifstream prev(o.order_log);
      int64_t id;
      std::string rest;
      while (prev >> id && std::getline(prev, rest))
        logged_ids.insert(id);
      log.open(o.order_log, std::ios::app);
    }
  }

  int64_t now() const { return o.now ? o.now() : system_now(); }

  // -- plumbing ---------------------------------------------------------------------------------

  void send(const std::shared_ptr<session>& s, const std::string& bytes) {
    if (!s->open)
      return;
    auto t = now();
    auto d = faults.active(fault_kind::delay, t);
    if ((d && d->delay_ms > 0) || !s->delayed.empty()) {
      // One queue per session keeps the order of messages while they wait.
      bool idle = s->delayed.empty();
      s->delayed.emplace_back(t + (d ? d->delay_ms : 0) * 1'000'000, bytes);
      if (idle)
        arm_delay(s);
      return;
    }
    write_now(s, bytes);
  }

  void write_now(const std::shared_ptr<session>& s, const std::string& bytes) {
    // Writes are small; a synchronous write keeps the order of messages trivially.
    error_code ec;
    asio::write(s->sock, asio::buffer(bytes), ec);
    if (ec)
      close(s);
  }

  void arm_delay(const std::shared_ptr<session>& s) {
    if (s->delayed.empty() || !s->open)
      return;
    int64_t wait = std::max<int64_t>(0, s->delayed.front().first - now());
    s->delay_timer.expires_after(std::chrono::nanoseconds(wait));
    auto self = shared_from_this();
    s->delay_timer.async_wait([self, s](const error_code& ec) {
      if (ec || !s->open)
        return;
      while (!s->delayed.empty() && s->delayed.front().first <= self->now() && s->open) {
        auto bytes = std::move(s->delayed.front().second);
        s->delayed.pop_front();
        self->write_now(s, bytes);
      }
      self->arm_delay(s);
    });
  }
  void send(const std::shared_ptr<session>& s, const msg& m) { send(s, m.bytes()); }

  void close(const std::shared_ptr<session>& s) {
    if (!s->open)
      return;
    s->open = false;
    s->delay_timer.cancel();
    error_code ec;
    s->sock.shutdown(tcp::socket::shutdown_both, ec);
    s->sock.close(ec);
    sessions.erase(std::remove(sessions.begin(), sessions.end(), s), sessions.end());
  }

  void close_all() {
    auto copy = sessions;
    for (auto& s : copy)
      close(s);
  }

  std::shared_ptr<session> session_of(int client_id) {
    for (auto& s : sessions)
      if (s->api && s->client_id == client_id)
        return s;
    return nullptr;
  }

  uint16_t start() {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), o.port);
    acceptor.open(ep.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen();
    accept();
    tick();
    auto self = shared_from_this();
    thread = std::thread([self] { self->io.run(); });
    return acceptor.local_endpoint().port();
  }

  void accept() {
    auto s = std::make_shared<session>(io);
    auto self = shared_from_this();
    acceptor.async_accept(s->sock, [self, s](const error_code& ec) {
      if (ec)
        return;
      self->on_accept(s);
      self->accept();
    });
  }

  bool refusing() {
    auto t = now();
    return faults.active(fault_kind::refuse, t) || faults.active(fault_kind::reset_window, t) ||
           faults.active(fault_kind::disconnect, t);
  }

  void on_accept(const std::shared_ptr<session>& s) {
    ++accepted;
    s->serial = next_serial++;
    if (refusing()) {
      error_code ec;
      s->sock.close(ec);
      return;
    }
    s->sock.set_option(tcp::no_delay(true));
    sessions.push_back(s);
    read(s);
  }

  void read(const std::shared_ptr<session>& s) {
    auto self = shared_from_this();
    s->sock.async_read_some(asio::buffer(s->buf), [self, s](const error_code& ec, size_t n) {
      if (ec || !s->open)
        return self->close(s);
      s->in.append(s->buf.data(), n);
      self->drain(s);
      if (s->open)
        self->read(s);
    });
  }

  void drain(const std::shared_ptr<session>& s) {
    if (faults.active(fault_kind::hang, now()))
      return; // hung: read, never answer (the bytes wait in the buffer)
    if (!s->handshake) {
      if (s->in.size() < 4)
        return;
      if (s->in.compare(0, 4, std::string("API\0", 4)) != 0)
        return close(s);
      s->in.erase(0, 4);
      s->handshake = true;
      // The version range frame follows: handled as the first frame below.
    }
    while (s->open && s->in.size() >= 4) {
      auto b = reinterpret_cast<const unsigned char*>(s->in.data());
      uint32_t len = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
      if (len == 0 || len > (1u << 20)) {
        spdlog::warn("fake-tws: bad frame length {} from a client; closing", len);
        return close(s);
      }
      if (s->in.size() < 4 + len)
        return;
      std::string body = s->in.substr(4, len);
      s->in.erase(0, 4 + len);
      if (!s->versioned) {
        if (body.empty() || body[0] != 'v')
          return close(s);
        s->versioned = true;
        on_version(s, body);
        continue;
      }
      std::vector<std::string> f;
      size_t start = 0;
      for (size_t i = 0; i < body.size(); ++i)
        if (body[i] == '\0') {
          f.push_back(body.substr(start, i - start));
          start = i + 1;
        }
      if (start != body.size() || f.empty()) {
        spdlog::warn("fake-tws: message without final NUL; closing");
        return close(s);
      }
      on_message(s, f);
    }
  }

  void on_version(const std::shared_ptr<session>& s, const std::string& range) {
    spdlog::debug("fake-tws: client offers {}", range);
    std::string t = format_local(now(), o.time_zone, false) + " EST";
    send(s, msg{} << o.server_version << t);
  }

  // -- messages ---------------------------------------------------------------------------------

  void on_message(const std::shared_ptr<session>& s, const std::vector<std::string>& f) {
    int id = static_cast<int>(to_int(f[0], -1));
    auto at = [&](size_t i) -> const std::string& {
      static const std::string none;
      return i < f.size() ? f[i] : none;
    };
    if (!s->api && id != 71)
      return; // nothing before startApi
    switch (id) {
      case 71: return on_start_api(s, static_cast<int>(to_int(at(2))));
      case 3: return on_place(s, f);
      case 4: return on_cancel(s, to_int(at(2)));
      case 5: return send_open_orders(s, s->client_id);
      case 15: return send_open_orders(s, s->client_id);
      case 16: return send_open_orders(s, -1);
      case 7: return on_req_executions(s, f);
      case 8: return send(s, msg{} << 9 << 1 << std::max(next_id, highest_seen + 1));
      case 49: return send(s, msg{} << 49 << 1 << now() / 1'000'000'000);
      case 61: return send_positions(s);
      case 62: return send_account_summary(s, to_int(at(2)));
      case 63:
      case 64: return;
      default: return; // requests we do not model are ignored, as a TWS without data would
    }
  }

  void error_to(const std::shared_ptr<session>& s, int64_t id, int code, const std::string& text) {
    msg m;
    m << 4 << 2 << id << code << text;
    if (o.server_version >= 166)
      m << "";
    send(s, m);
  }

  void on_start_api(const std::shared_ptr<session>& s, int client_id) {
    if (session_of(client_id) || faults.take(fault_kind::rate_limit)) {
      error_to(s, -1, 326,
               "Unable to connect as the client id is already in use. Retry with a unique "
               "client id.");
      return close(s);
    }
    s->client_id = client_id;
    s->api = true;
    send(s, msg{} << 15 << 1 << o.account);
    send(s, msg{} << 9 << 1 << std::max(next_id, highest_seen + 1));
    error_to(s, -1, 2104, "Market data farm connection is OK:usfarm");
    error_to(s, -1, 2106, "HMDS data farm connection is OK:ushmds");
    error_to(s, -1, 2158, "Sec-def data farm connection is OK:secdefnj");
    if (link_down_until > now())
      error_to(s, -1, 1100, "Connectivity between IB and Trader Workstation has been lost.");
  }

  void log_seen(int64_t id, const std::string& ref, const std::string& what) {
    seen.push_back({id, ref, what});
    logged_ids.insert(id);
    if (log.is_open()) {
      log << id << ' ' << (ref.empty() ? "-" : ref) << ' ' << what << '\n';
      log.flush();
    }
  }

  void on_place(const std::shared_ptr<session>& s, const std::vector<std::string>& f) {
    // From 145 no version field: orderId, then the contract's 14 fields, then the order.
    if (f.size() < 28) {
      error_to(s, -1, 320, "Error reading request: placeOrder too short");
      return;
    }
    int64_t id = to_int(f[1]);
    auto known = orders.find(id);
    if (known != orders.end() && known->second.client_id == s->client_id) {
      return on_modify(s, known->second, f);
    }
    if (logged_ids.count(id)) {
      log_seen(id, f[26], "duplicate");
      return error_to(s, id, 103, "Duplicate order id");
    }
    order od;
    od.id = id;
    od.client_id = s->client_id;
    od.perm_id = 1'000'000'000LL + static_cast<int64_t>(run_id % 100000) * 1000 + id;
    od.symbol = f[3];
    od.action = f[16];
    od.side = f[16] == "SELL" ? OrderSide::sell : OrderSide::buy;
    od.qty = Quantity::parse(f[17]).value_or(Quantity{});
    od.type = f[18];
    od.lmt = f[19];
    od.aux = f[20];
    od.tif = f[21];
    od.account = f[23].empty() ? o.account : f[23];
    od.order_ref = f[26];
    od.transmit = f[27] == "1"; // empty means 0: not transmitted
    highest_seen = std::max(highest_seen, id);
    auto t = now();
    faults.order(t);
    auto episodes = faults.take_episodes();
    if (faults.take(fault_kind::reject)) {
      log_seen(id, od.order_ref, "rejected");
      od.status = "Inactive";
      orders[id] = od;
      error_to(s, id, 201, "Order rejected - reason:fake-tws reject fault");
      send(s, open_order(od));
      send(s, order_status(od));
      return;
    }
    std::string invalid;
    static const std::set<std::string> types{"MKT", "LMT", "STP", "STP LMT", "TRAIL"};
    if (!types.count(od.type))
      invalid = "Unsupported order type " + od.type;
    else if (!od.qty.is_positive())
      invalid = "The order size must be positive";
    else if ((od.type == "LMT" || od.type == "STP LMT") && !Price::parse(od.lmt))
      invalid = "The limit price must be set";
    else if (od.side == OrderSide::buy && od.action != "BUY")
      invalid = "Invalid action " + od.action;
    if (!invalid.empty()) {
      log_seen(id, od.order_ref, "rejected");
      od.status = "Inactive";
      orders[id] = od;
      error_to(s, id, 321, "Error validating request:-'bO' : cause - " + invalid);
      send(s, order_status(od));
      return;
    }
    log_seen(id, od.order_ref, "new");
    od.status = od.transmit ? "Submitted" : "PreSubmitted";
    orders[id] = od;
    bool garbage = faults.take(fault_kind::garbage);
    if (garbage) {
      // Instead of the acknowledgement: a length header no TWS would send, then junk.
      send(s, std::string("\xff\xff\xff\xf0garbage\x01\x02", 13));
    } else {
      send(s, open_order(od));
      send(s, order_status(od));
    }
    bool away = false;
    for (auto& e : episodes)
      if (e.kind == fault_kind::disconnect)
        away = true;
    if (away) {
      // Acknowledged, then the line drops, and the order fills while the client is away.
      spdlog::info("fake-tws: disconnect fault after acknowledging order {}", id);
      close_all();
      fill(orders[id], od.qty, true);
      return;
    }
    if (od.transmit)
      evaluate(orders[id]);
  }

  void on_modify(const std::shared_ptr<session>& s, order& od, const std::vector<std::string>& f) {
    log_seen(od.id, f[26], "modify");
    if (od.final()) {
      return error_to(s, od.id, 104, "Can't modify a filled order");
    }
    auto qty = Quantity::parse(f[17]);
    if (qty && qty->is_positive())
      od.qty = *qty;
    od.lmt = f[19];
    od.aux = f[20];
    od.status = "Submitted";
    send(s, open_order(od));
    send(s, order_status(od));
    evaluate(od);
  }

  /// The fill model: market orders and marketable limits fill at the reference price, in two
  /// executions when the order is for more than one share; stops and trails rest; IOC/FOK
  /// that cannot fill are cancelled.
  void evaluate(order& od) {
    if (od.final() || !od.transmit)
      return;
    Price ref = reference_price(od.symbol);
    bool marketable = od.type == "MKT";
    if (od.type == "LMT") {
      auto l = Price::parse(od.lmt);
      marketable = l && (od.side == OrderSide::buy ? *l >= ref : *l <= ref);
    }
    if (!marketable) {
      if (od.tif == "IOC" || od.tif == "FOK") {
        od.status = "Cancelled";
        if (auto s = session_of(od.client_id))
          send(s, order_status(od));
      }
      return;
    }
    Quantity left = od.qty - od.filled;
    Quantity one = Quantity::from_units(1);
    if (left > one && od.tif != "FOK") {
      // The first half (whole shares) now, the rest a moment later.
      Quantity half = Quantity::from_raw((left.raw() / 2 / Quantity::scale) * Quantity::scale);
      if (!half.is_positive())
        half = left;
      fill(od, half, false);
      int64_t id = od.id;
      auto self = shared_from_this();
      auto t = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(o.fill_gap_ms));
      t->async_wait([self, t, id](const error_code&) {
        auto i = self->orders.find(id);
        if (i != self->orders.end() && !i->second.final())
          self->fill(i->second, i->second.qty - i->second.filled, false);
      });
    } else {
      fill(od, left, false);
    }
  }

  void fill(order& od, Quantity q, bool force_away) {
    if (!q.is_positive() || od.final())
      return;
    auto t = now();
    faults.fill(t);
    Price px = reference_price(od.symbol);
    od.filled += q;
    od.notional += notional(q, px);
    od.status = od.filled >= od.qty ? "Filled" : "Submitted";
    fake_execution x;
    char id[64];
    std::snprintf(id, sizeof id, "0000e0d5.%08x.%02llx.01", run_id,
                  static_cast<unsigned long long>(++exec_seq));
    x.exec_id = id;
    x.order_id = od.id;
    x.client_id = od.client_id;
    x.order_ref = od.order_ref;
    x.symbol = od.symbol;
    x.side = od.side;
    x.shares = q;
    x.price = px;
    // max(1.00, 0.005 per share), to the cent.
    Money c = mul<Money>(q, Price::from_raw(5000));
    c = c.round_to(one_cent, rounding::half_up);
    x.commission = std::max(c, Money::from_units(1));
    x.time_ns = t;
    x.cum_qty = od.filled;
    x.avg_price = *try_div<Price>(od.notional, od.filled);
    auto& p = positions[od.symbol];
    int sign = side_sign(od.side);
    p.qty += sign == 1 ? q : -q;
    p.cost += sign == 1 ? notional(q, px) : -notional(q, px);
    cash -= sign == 1 ? notional(q, px) : -notional(q, px);
    cash -= x.commission;
    auto s = force_away ? nullptr : session_of(od.client_id);
    bool drop = faults.take(fault_kind::drop_fill);
    bool twice = faults.take(fault_kind::duplicate_fill);
    if (s) {
      if (!drop) {
        send(s, exec_details(x, -1));
        if (twice)
          send(s, exec_details(x, -1));
        x.delivered = true;
      }
      send(s, order_status(od));
      if (!drop)
        send_commission(s, commission_report(x).bytes(), twice ? 2 : 1);
    }
    execs.push_back(x);
  }

  /// A live commissionReport, `times` times: now, or commission_delay_ms later on the same
  /// session if it is still open then.
  void send_commission(const std::shared_ptr<session>& s, const std::string& bytes, int times) {
    if (o.commission_delay_ms <= 0) {
      for (int i = 0; i < times; ++i)
        send(s, bytes);
      return;
    }
    auto self = shared_from_this();
    auto t = std::make_shared<asio::steady_timer>(io,
                                                  std::chrono::milliseconds(o.commission_delay_ms));
    t->async_wait([self, t, s, bytes, times](const error_code& ec) {
      if (ec)
        return;
      for (int i = 0; i < times; ++i)
        self->send(s, bytes);
    });
  }

  void on_cancel(const std::shared_ptr<session>& s, int64_t id) {
    auto i = orders.find(id);
    if (i == orders.end() || i->second.client_id != s->client_id)
      return error_to(s, id, 10147,
                      "OrderId " + std::to_string(id) + " that needs to be cancelled is not found.");
    auto& od = i->second;
    if (od.final())
      return error_to(s, id, 10148,
                      "OrderId " + std::to_string(id) +
                        " that needs to be cancelled cannot be cancelled, state: " + od.status +
                        ".");
    od.status = "Cancelled";
    send(s, order_status(od));
    error_to(s, id, 202, "Order Canceled - reason:");
  }

  void send_open_orders(const std::shared_ptr<session>& s, int client_id) {
    for (auto& [id, od] : orders) {
      if (od.final() || (client_id >= 0 && od.client_id != client_id))
        continue;
      send(s, open_order(od));
      send(s, order_status(od));
    }
    send(s, msg{} << 53 << 1);
  }

  void on_req_executions(const std::shared_ptr<session>& s, const std::vector<std::string>& f) {
    auto at = [&](size_t i) { return i < f.size() ? f[i] : std::string{}; };
    int64_t req = to_int(at(2));
    int client = static_cast<int>(to_int(at(3)));
    std::string acct = at(4), time = at(5), symbol = at(6), side = at(9);
    int64_t since = 0;
    if (!time.empty()) {
      // "yyyymmdd-hh:mm:ss" is UTC; "yyyymmdd hh:mm:ss" the TWS's local time.
      auto t = parse_ib_time(time, o.time_zone);
      if (!t)
        return error_to(s, req, 321, "Error validating request: bad execution filter time");
      since = *t;
    }
    for (auto& x : execs) {
      if (client != 0 && x.client_id != client)
        continue;
      if (!symbol.empty() && x.symbol != symbol)
        continue;
      if (!side.empty() && side != (x.side == OrderSide::buy ? "BUY" : "SELL"))
        continue;
      if (!acct.empty() && acct != o.account)
        continue;
      if (x.time_ns < since - (x.time_ns % 1'000'000'000)) // the filter has whole seconds
        continue;
      send(s, exec_details(x, req));
      send(s, commission_report(x));
    }
    send(s, msg{} << 55 << 1 << req);
  }

  void send_positions(const std::shared_ptr<session>& s) {
    for (auto& [sym, p] : positions) {
      if (p.qty.is_zero())
        continue;
      Price avg = *try_div<Price>(p.cost, p.qty);
      msg m;
      m << 61 << 3 << o.account << static_cast<int64_t>(fnv(sym) % 100000000) << sym << "STK"
        << "" << "0.0" << "" << "" << "" << "USD" << sym << sym << p.qty.to_string()
        << avg.to_string();
      send(s, m);
    }
    send(s, msg{} << 62 << 1);
  }

  void send_account_summary(const std::shared_ptr<session>& s, int64_t req) {
    Money equity = cash;
    for (auto& [sym, p] : positions)
      equity += notional(p.qty, reference_price(sym));
    auto line = [&](const char* tag, const Money& v) {
      send(s, msg{} << 63 << 1 << req << o.account << tag << v.to_string() << "USD");
    };
    line("NetLiquidation", equity);
    line("TotalCashValue", cash);
    line("BuyingPower", Money::from_raw(cash.raw() * 4));
    send(s, msg{} << 64 << 1 << req);
  }

  // -- encoders (server version dependent) ------------------------------------------------------

  msg open_order(const order& od) const {
    int sv = o.server_version;
    msg m;
    m << 5 << od.id << static_cast<int64_t>(fnv(od.symbol) % 100000000) << od.symbol << "STK"
      << "" << "0" << "" << "" << "SMART" << "USD" << od.symbol << od.symbol;
    m << od.action << od.qty.to_string() << od.type << (od.lmt.empty() ? "0" : od.lmt)
      << (od.aux.empty() ? "0" : od.aux) << od.tif << "" << od.account << "" << 0 << od.order_ref
      << od.client_id << od.perm_id;
    // outsideRth, hidden, discretionaryAmt, goodAfterTime, sharesAllocation, FA group/method/pct
    m << 0 << 0 << "0" << "" << "" << "" << "" << "";
    if (sv < 177)
      m << ""; // faProfile
    // modelCode, goodTillDate, rule80A, percentOffset, settlingFirm, shortSaleSlot,
    // designatedLocation, exemptCode, auctionStrategy, startingPrice, stockRefPrice, delta,
    // stockRangeLower, stockRangeUpper, displaySize, blockOrder, sweepToFill, allOrNone, minQty,
    // ocaType, eTradeOnly, firmQuoteOnly, nbboPriceCap, parentId, triggerMethod, volatility,
    // volatilityType
    m << "" << "" << "" << "" << "" << 0 << "" << -1 << 0 << dbl_max << dbl_max << dbl_max
      << dbl_max << dbl_max << int_max << 0 << 0 << 0 << int_max << 3 << 0 << 0 << dbl_max << 0
      << 0 << dbl_max << 0;
    // A real TWS says "None" here, and then sends the delta-neutral block.
    m << "None" << dbl_max << 0 << "" << "" << "" << "" << 0 << 0 << "";
    // continuousUpdate, referencePriceType, trailStopPrice, trailingPercent, basisPoints,
    // basisPointsType, comboLegsDescrip, comboLegs, orderComboLegs, smartComboRoutingParams
    m << 0 << 0 << dbl_max << dbl_max << dbl_max << int_max << "" << 0 << 0 << 0;
    // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement, hedgeType
    m << int_max << int_max << dbl_max << "";
    // optOutSmartRouting, clearingAccount, clearingIntent, notHeld, deltaNeutralContract,
    // algoStrategy, solicited, whatIf, status
    m << 0 << "" << "IB" << 0 << 0 << "" << 0 << 0 << od.status;
    // Margins before/change/after, commission, min/max commission (all unset here), currency,
    // warning text, randomizeSize, randomizePrice, conditions
    for (int i = 0; i < 12; ++i)
      m << dbl_max;
    m << "" << "" << 0 << 0 << 0;
    // adjustedOrderType, triggerPrice, trailStopPrice, lmtPriceOffset, adjustedStopPrice,
    // adjustedStopLimitPrice, adjustedTrailingAmount, adjustableTrailingUnit, softDollarTier x3,
    // cashQty, dontUseAutoPriceForHedge, isOmsContainer, discretionaryUpToLimitPrice,
    // usePriceMgmtAlgo
    m << "None" << dbl_max << dbl_max << dbl_max << dbl_max << dbl_max << dbl_max << 0 << "" << ""
      << "" << dbl_max << 0 << 0 << 0 << 0;
    if (sv >= 159)
      m << int_max; // duration
    if (sv >= 160)
      m << int_max; // postToAts
    if (sv >= 162)
      m << 0; // autoCancelParent
    if (sv >= 170)
      m << int_max << int_max << dbl_max << dbl_max << dbl_max;
    return m;
  }

  msg order_status(const order& od) const {
    Price avg = od.filled.is_positive() ? *try_div<Price>(od.notional, od.filled) : Price{};
    msg m;
    m << 3 << od.id << od.status << od.filled.to_string() << (od.qty - od.filled).to_string()
      << avg.to_string() << od.perm_id << 0
      << (od.filled.is_positive() ? reference_price(od.symbol).to_string() : std::string{"0"})
      << od.client_id << "" << "0";
    return m;
  }

  std::string exec_time(const fake_execution& x) const {
    // Every form IB uses, in turn: zone name, UTC dash form, local without a zone.
    switch (std::hash<std::string>{}(x.exec_id) % 3) {
      case 0: return format_local(x.time_ns, o.time_zone, true);
      case 1: return format_utc_dash(x.time_ns);
      default: {
        std::string t = format_local(x.time_ns, o.time_zone, false);
        return t.substr(0, 8) + "  " + t.substr(9); // TWS's two spaces
      }
    }
  }

  msg exec_details(const fake_execution& x, int64_t req) const {
    msg m;
    m << 11 << req << x.order_id << static_cast<int64_t>(fnv(x.symbol) % 100000000) << x.symbol
      << "STK" << "" << "0" << "" << "" << "SMART" << "USD" << x.symbol << x.symbol << x.exec_id
      << exec_time(x) << o.account << "ISLAND" << (x.side == OrderSide::buy ? "BOT" : "SLD")
      << x.shares.to_string() << x.price.to_string()
      << (1'000'000'000LL + static_cast<int64_t>(run_id % 100000) * 1000 + x.order_id)
      << x.client_id << 0 << x.cum_qty.to_string() << x.avg_price.to_string() << x.order_ref
      << "" << dbl_max << "" << 2;
    return m;
  }

  msg commission_report(const fake_execution& x) const {
    msg m;
    // realizedPNL is the double maximum on an opening fill, as a real TWS sends it.
    m << 59 << 1 << x.exec_id << x.commission.to_string() << "USD" << dbl_max << dbl_max << "";
    return m;
  }

  // -- faults over time -------------------------------------------------------------------------

  void tick() {
    auto t = now();
    faults.tick(t);
    for (auto& e : faults.take_episodes()) {
      if (e.kind == fault_kind::disconnect || e.kind == fault_kind::reset_window) {
        spdlog::info("fake-tws: {} fault: dropping {} client(s)", to_string(e.kind),
                     sessions.size());
        close_all();
      }
    }
    if (link_down_until == 0 && faults.take(fault_kind::server_error)) {
      // IB connectivity lost (1100), restored 300 ms later with data lost (1101, odd flaps)
      // or kept (1102, even flaps).
      link_down_until = t + 300'000'000;
      for (auto& s : std::vector<std::shared_ptr<session>>(sessions))
        if (s->api)
          error_to(s, -1, 1100, "Connectivity between IB and Trader Workstation has been lost.");
    } else if (link_down_until != 0 && t >= link_down_until) {
      link_down_until = 0;
      ++flaps;
      for (auto& s : std::vector<std::shared_ptr<session>>(sessions))
        if (s->api) {
          if (flaps % 2 == 1)
            error_to(s, -1, 1101,
                     "Connectivity between IB and TWS has been restored- data lost.*");
          else
            error_to(s, -1, 1102,
                     "Connectivity between IB and TWS has been restored- data maintained.");
        }
    }
    ticker.expires_after(std::chrono::milliseconds(10));
    auto self = shared_from_this();
    ticker.async_wait([self](const error_code& ec) {
      if (!ec)
        self->tick();
    });
  }

  template <class F>
  auto call(F f) -> decltype(f()) {
    if (!thread.joinable())
      return f();
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(io, [&task] { task(); });
    return fut.get();
  }
};

fake_tws::fake_tws(fake_tws_options opts) : impl_(std::make_shared<impl>(std::move(opts))) {}
fake_tws::~fake_tws() { stop(); }

uint16_t fake_tws::start() { return impl_->start(); }

void fake_tws::stop() {
  auto i = impl_;
  if (!i->thread.joinable())
    return;
  asio::post(i->io, [i] {
    error_code ec;
    i->acceptor.close(ec);
    i->ticker.cancel();
    i->close_all();
    i->work.reset();
    i->io.stop();
  });
  i->thread.join();
  i->io.restart();
  i->io.poll();
}

std::vector<fake_order_seen> fake_tws::orders_seen() {
  return impl_->call([i = impl_.get()] { return i->seen; });
}
std::vector<fake_execution> fake_tws::executions() {
  return impl_->call([i = impl_.get()] { return i->execs; });
}
std::map<std::string, Quantity> fake_tws::positions() {
  return impl_->call([i = impl_.get()] {
    std::map<std::string, Quantity> out;
    for (auto& [s, p] : i->positions)
      out[s] = p.qty;
    return out;
  });
}
int64_t fake_tws::connections_accepted() {
  return impl_->call([i = impl_.get()] { return i->accepted; });
}
int64_t fake_tws::fired(fault_kind k) {
  return impl_->call([i = impl_.get(), k] { return i->faults.fired(k); });
}
void fake_tws::send_error_to_all(int64_t id, int code, const std::string& text) {
  impl_->call([i = impl_.get(), id, code, text] {
    for (auto& s : std::vector<std::shared_ptr<impl::session>>(i->sessions))
      if (s->api)
        i->error_to(s, id, code, text);
    return 0;
  });
}
void fake_tws::send_raw_to_all(const std::string& bytes) {
  impl_->call([i = impl_.get(), bytes] {
    for (auto& s : std::vector<std::shared_ptr<impl::session>>(i->sessions))
      if (s->api)
        i->send(s, bytes);
    return 0;
  });
}
void fake_tws::drop_all() {
  impl_->call([i = impl_.get()] {
    i->close_all();
    return 0;
  });
}

} // namespace engine::ibkr::fake
