// A fake TWS / IB Gateway speaking the real TWS API socket protocol at one server version, with
// a deterministic fill model and the fault plan's faults. Written from the TWS API message
// layouts, not from brokers/ibkr/wire.cpp, so a shared misunderstanding does not pass unseen.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "brokers/faults/fault_plan.hpp"
#include "messages/decimal.hpp"
#include "messages/enums.hpp"

namespace engine::ibkr::fake {

struct fake_tws_options {
  uint16_t port = 0;          // 0: any free port (read it back from start())
  int server_version = 176;   // answered whatever the client asks (a client must refuse it)
  fault_plan plan;
  uint64_t seed = 1;
  std::string account = "DU1234567";
  int64_t first_order_id = 1; // nextValidId of a fresh gateway (a restarted one forgets)
  std::string order_log;      // appended: "id orderRef what" per placeOrder (empty: none)
  std::string time_zone = "America/New_York"; // the "TWS setting": local times
  int fill_gap_ms = 2;        // between the two partial fills of an order
  /// Live commissionReports this late after their execDetails (0: right after). Longer than
  /// the client's commission_wait_ms, it exercises the pending-then-completed path; one due
  /// after its connection closed is not sent (reqExecutions answers still carry it).
  int commission_delay_ms = 0;
  Money initial_cash = Money::from_units(100000);
  std::function<int64_t()> now; // UTC ns; the system clock when empty
};

struct fake_execution {
  std::string exec_id;
  int64_t order_id = 0;
  int client_id = 0;
  std::string order_ref;
  std::string symbol;
  OrderSide side = OrderSide::buy;
  Quantity shares;
  Price price;
  Money commission;
  int64_t time_ns = 0;
  Quantity cum_qty;
  Price avg_price;
  bool delivered = false; // sent live to a connected client
};

struct fake_order_seen {
  int64_t order_id = 0;
  std::string order_ref;
  std::string what; // new, modify, duplicate, rejected
};

class fake_tws {
public:
  explicit fake_tws(fake_tws_options opts);
  ~fake_tws();
  /// Binds 127.0.0.1 and starts the server thread; returns the port.
  uint16_t start();
  void stop();

  // Introspection for tests (each waits for the server thread).
  std::vector<fake_order_seen> orders_seen();
  std::vector<fake_execution> executions();
  std::map<std::string, Quantity> positions();
  int64_t connections_accepted();
  int64_t fired(fault_kind k);
  /// Sends an error message to every connected client (tests: notices, 1100...).
  void send_error_to_all(int64_t id, int code, const std::string& text);
  /// Sends raw bytes to every connected client (tests: malformed frames).
  void send_raw_to_all(const std::string& bytes);
  /// Drops every client connection now.
  void drop_all();
  /// The reference price the fill model uses for a symbol.
  static Price reference_price(const std::string& symbol);

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace engine::ibkr::fake
