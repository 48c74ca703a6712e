// The engine's enumerations and their one table of wire names each.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace engine {

enum class OrderSide : uint8_t { buy, sell };
enum class OrderType : uint8_t { market, limit, stop, stop_limit, trailing_stop };
enum class TimeInForce : uint8_t { day, gtc, ioc, fok, opg, cls, gtd };
/// Multi-leg orders (docs/BROKERS_ALPACA.md, docs/BROKERS_ALPACA.md): bracket = entry + take-profit +
/// stop-loss; oco = take-profit and stop-loss exits, one cancels the other; oto = entry + one.
enum class OrderClass : uint8_t { simple, bracket, oco, oto };
/// The legs a multi-leg order makes at the venue, each an order of its own.
enum class OrderLeg : uint8_t { take_profit, stop_loss };
enum class OrderStatus : uint8_t {
  pending_new,
  new_, // "new"
  partially_filled,
  filled,
  pending_cancel,
  canceled,
  rejected,
  expired,
  replaced,
  unknown, // a submit, cancel or replace went unanswered: only reconciliation resolves it
};
enum class TradingState : uint8_t { active, reducing, halted };
/// A broker connection's life (docs/BROKERS.md): connecting -> reconciling -> connected;
/// on a failure reconnecting (with backoff) -> connecting ...; past the restart intensity down.
enum class BrokerState : uint8_t { connecting, connected, disconnected, down, reconnecting,
                                   reconciling };

/// Wire names of an enum, indexed by its underlying value; the one list used
/// by to_string, from_string, JSON and range checks on decoded msgpack.
template <class E>
struct enum_names;

template <>
struct enum_names<OrderSide> {
  static constexpr std::array<std::string_view, 2> values{"buy", "sell"};
};
template <>
struct enum_names<OrderType> {
  static constexpr std::array<std::string_view, 5> values{"market", "limit", "stop",
                                                          "stop_limit", "trailing_stop"};
};
template <>
struct enum_names<TimeInForce> {
  static constexpr std::array<std::string_view, 7> values{"day", "gtc", "ioc", "fok",
                                                          "opg", "cls", "gtd"};
};
template <>
struct enum_names<OrderClass> {
  static constexpr std::array<std::string_view, 4> values{"simple", "bracket", "oco", "oto"};
};
template <>
struct enum_names<OrderLeg> {
  static constexpr std::array<std::string_view, 2> values{"take_profit", "stop_loss"};
};
template <>
struct enum_names<OrderStatus> {
  static constexpr std::array<std::string_view, 10> values{
    "pending_new", "new",      "partially_filled", "filled",  "pending_cancel",
    "canceled",    "rejected", "expired",          "replaced", "unknown"};
};
template <>
struct enum_names<TradingState> {
  static constexpr std::array<std::string_view, 3> values{"active", "reducing", "halted"};
};
template <>
struct enum_names<BrokerState> {
  static constexpr std::array<std::string_view, 6> values{
    "connecting", "connected", "disconnected", "down", "reconnecting", "reconciling"};
};

template <class E>
constexpr size_t enum_count = enum_names<E>::values.size();

template <class E, class = decltype(enum_names<E>::values)>
std::string_view enum_name(E x) {
  auto i = static_cast<size_t>(x);
  return i < enum_count<E> ? enum_names<E>::values[i] : std::string_view{"<invalid>"};
}

template <class E, class = decltype(enum_names<E>::values)>
std::string to_string(E x) {
  return std::string{enum_name(x)};
}

/// Looks up an enum by its wire name; nullopt for an unknown name.
template <class E>
std::optional<E> enum_from_string(std::string_view text) {
  for (size_t i = 0; i < enum_count<E>; ++i)
    if (enum_names<E>::values[i] == text)
      return static_cast<E>(i);
  return std::nullopt;
}

/// Checks a raw underlying value decoded from the wire.
template <class E>
std::optional<E> enum_from_raw(uint64_t raw) {
  if (raw < enum_count<E>)
    return static_cast<E>(raw);
  return std::nullopt;
}

/// What can happen to an order.
enum class OrderEvent : uint8_t {
  submit,         // accepted by the engine, sent towards a broker
  accept,         // the broker acknowledged it
  reject,         // risk or broker refused it
  partial_fill,   // an execution that leaves quantity open
  fill,           // the execution that completes the quantity
  cancel_request, // someone asked to cancel
  cancel_reject,  // the broker refused the cancel (too late, unknown)
  cancel,         // the broker canceled it
  expire,         // its time in force ran out
  replace,        // the broker replaced it with a new order
  lose,           // the venue's answer was lost (disconnect, timeout): outcome unknown
};

template <>
struct enum_names<OrderEvent> {
  static constexpr std::array<std::string_view, 11> values{
    "submit", "accept",        "reject", "partial_fill", "fill",
    "cancel_request", "cancel_reject", "cancel", "expire", "replace", "lose"};
};

/// +1 for a buy, -1 for a sell: the sign a fill moves a position by.
constexpr int side_sign(OrderSide s) { return s == OrderSide::buy ? 1 : -1; }

constexpr OrderSide opposite(OrderSide s) {
  return s == OrderSide::buy ? OrderSide::sell : OrderSide::buy;
}

} // namespace engine
