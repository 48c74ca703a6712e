// The legs of Alpaca's bracket, oco and oto orders under engine ids. Alpaca makes each leg an
// order of its own with a client_order_id of its choosing; the client renames it to
// "<parent engine id>.tp|.sl" (messages/order_legs.hpp) wherever it appears, so the engine
// keeps the leg's events and fills under the parent's strategy. docs/BROKERS_ALPACA.md.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "brokers/alpaca/wire.hpp"

namespace engine::alpaca {

class leg_book {
public:
  /// Learns the legs of a parent order (its `legs`, nested=true) and renames them; renames
  /// `o` itself when it is a known leg. Every order object the client reads goes through it.
  void normalize(order_object& o);
  void normalize(std::vector<order_object>& list);
  /// A multi-leg order that is neither a known parent nor a known leg: a leg seen before its
  /// parent (after a reconnect). The client looks its parent up before handling it.
  bool unknown(const order_object& o) const;
  /// Marks an Alpaca id as looked up, so an order no lookup explains is asked about once.
  void looked_up(const std::string& alpaca_id) { parents_.insert(alpaca_id); }
  /// The Alpaca id of a leg by its engine id; "" when not known.
  std::string alpaca_id(const std::string& leg_engine_id) const;

private:
  std::map<std::string, std::string> legs_;    // Alpaca leg id -> engine leg id
  std::map<std::string, std::string> by_engine_; // engine leg id -> Alpaca leg id
  std::set<std::string> parents_;              // Alpaca ids of parents (and looked-up ids)
};

} // namespace engine::alpaca
