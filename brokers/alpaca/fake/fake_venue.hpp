// The fake Alpaca account's state and rules (orders, fills, positions), written from Alpaca's
// Trading API v2 documentation: REST answers as (status, JSON) and trade_updates as JSON
// events, no sockets. Deterministic for one seed and one sequence of calls.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <simdjson.h>

#include "messages/decimal.hpp"

namespace engine::fake_alpaca {

/// One HTTP answer.
struct reply {
  int status = 200;
  std::string body; // JSON, empty for 204
};

/// One order as the fake keeps it (Alpaca's fields).
struct order {
  std::string id;
  std::string client_order_id;
  std::string symbol;
  std::string side;          // buy | sell
  std::string type;          // market | limit | stop | stop_limit | trailing_stop
  std::string time_in_force; // day | gtc | opg | cls | ioc | fok
  std::string status;        // accepted, new, partially_filled, filled, canceled, replaced...
  std::string replaced_by;
  std::string replaces;
  Quantity qty;
  Quantity filled_qty;
  Money filled_notional;     // for filled_avg_price
  Price limit_price;
  Price stop_price;
  Price trail_price;
  std::string trail_percent; // as sent ("1" = 1%)
  Price hwm;                 // trailing stops: best price seen since submission
  bool triggered = false;    // stop / stop_limit / trailing_stop reached their trigger
  int64_t created_ns = 0;
  int64_t updated_ns = 0;
  int64_t filled_ns = 0;
  int64_t canceled_ns = 0;
  int64_t seq = 0;           // creation order
  std::string order_class;   // "" (simple), bracket, oco, oto
  std::vector<std::string> legs; // Alpaca ids of this order's legs (take-profit first)
  std::string parent;        // a leg: its parent's Alpaca id
  bool extended_hours = false;
};

struct fill_record {
  std::string activity_id; // "<yyyymmddhhmmssmmm>::<execution_id>"
  std::string execution_id;
  std::string order_id;
  std::string client_order_id;
  std::string symbol;
  std::string side;
  Quantity qty;
  Price price;
  Quantity leaves_qty;
  Quantity cum_qty;
  std::string order_status;
  int64_t time_ns = 0;
};

struct holding {
  Quantity qty;   // negative when short
  Money cost;     // signed cost basis of the open quantity
};

class fake_venue {
public:
  /// `emit(json)` sends one trade_updates message to the stream (if connected).
  fake_venue(uint64_t seed, std::function<void(std::string)> emit);

  /// Quantity above which an order fills in pieces of `partial_lot` per tick.
  void set_partial_lot(Quantity lot) { partial_lot_ = lot; }

  // REST, one call per endpoint; `query` is the decoded query string.
  reply account(int64_t now) const;
  reply clock(int64_t now) const;
  reply create_order(const std::string& body, int64_t now);
  reply list_orders(const std::map<std::string, std::string>& query, int64_t now) const;
  reply get_order(const std::string& id, bool nested) const;
  reply get_by_client_id(const std::string& client_order_id) const;
  reply replace_order(const std::string& id, const std::string& body, int64_t now);
  reply cancel_order(const std::string& id, int64_t now);
  reply cancel_all(int64_t now);
  reply positions() const;
  reply position(const std::string& symbol) const;
  reply fill_activities(const std::map<std::string, std::string>& query) const;
  /// The test control view: every client_order_id accepted with its count, every fill.
  reply state() const;
  /// Test control: sets a symbol's price (the walk goes on from there).
  void set_price(const std::string& symbol, Price px) { prices_[symbol] = px; }

  /// Moves prices one step and fills what crossed: called on every tick.
  void step(int64_t now);
  /// Current price of a symbol (starts from a seeded level).
  Price price_of(const std::string& symbol);
  /// Holds a symbol at a fixed price (no walk): tests that need a known market.
  void pin_price(const std::string& symbol, Price px);

  /// How many orders are open (for the tick to know there is work).
  size_t open_count() const;
  /// Fill events to drop / duplicate (from the fault plan), consumed one per fill.
  std::function<int()> fill_fault; // returns 0 normal, 1 drop, 2 duplicate

private:
  std::string order_json(const order& o, bool nested) const;
  /// Reads order_class, take_profit and stop_loss of a POST body and checks them as Alpaca
  /// does; "" when fine, else Alpaca's message for a 422. Fills `legs` with the leg orders.
  std::string read_legs(simdjson::dom::object obj, order& o, std::vector<order>& legs);
  void activate_legs(order& parent, int64_t now);
  void cancel_siblings(const order& leg, int64_t now);
  void after_execution(order& o, bool done, int64_t now);
  void event(const std::string& name, const order& o, int64_t now, const std::string& extra);
  void execute(order& o, Quantity q, Price px, int64_t now);
  bool is_open(const order& o) const;
  static reply error(int status, int64_t code, const std::string& message);

  std::mt19937_64 rng_;
  std::function<void(std::string)> emit_;
  Quantity partial_lot_ = Quantity::from_units(100);
  std::map<std::string, order> orders_;           // by Alpaca id
  std::map<std::string, std::string> by_client_;  // client_order_id -> Alpaca id
  std::map<std::string, int64_t> accepted_count_; // client_order_id -> accepted POSTs
  int64_t duplicate_posts_ = 0;                   // 422s for a duplicate client_order_id
  std::vector<fill_record> fills_;
  std::map<std::string, holding> positions_;
  std::map<std::string, Price> prices_;
  std::set<std::string> pinned_; // symbols whose price does not walk
  Money cash_ = Money::from_units(100000);
  int64_t next_id_ = 0;
  int64_t next_exec_ = 0;
};

} // namespace engine::fake_alpaca
