// The strategy gateway's wire protocol: msgpack maps between the engine and a strategy in another process (no sockets, no CAF).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/all_messages.hpp"

/// Every frame is one msgpack map with a type "t". Decimals travel as exact
/// strings ("230.15"), times as integer nanoseconds. Engine -> strategy
/// messages that carry state have "seq" (1, 2, ... per strategy, kept across
/// reconnects); the strategy acknowledges with {"t":"ack","seq":N} once it has
/// processed everything up to N, and a reconnecting strategy subscribes with
/// the last seq it processed, so it gets exactly what follows. docs/STRATEGIES.md
/// has the full table.
namespace engine::gateway_wire {

// engine -> strategy
std::string encode_welcome(const std::string& strategy, uint64_t next_seq, uint64_t resumed_after,
                           const std::map<std::string, Quantity>& positions,
                           const std::vector<std::string>& open_orders);
std::string encode_quotes(uint64_t seq, const std::vector<Quote>& quotes);
std::string encode_update(uint64_t seq, const OrderUpdate& u);
std::string encode_fill(uint64_t seq, const Fill& f);
std::string encode_position(uint64_t seq, const std::string& ticker, Quantity quantity);
std::string encode_account(uint64_t seq, const AccountInfo& a);
std::string encode_stop(uint64_t seq);
std::string encode_heartbeat();
std::string encode_error(const std::string& message);

// strategy -> engine
enum class client_kind { subscribe, order, cancel, replace, ack, heartbeat };

struct client_message {
  client_kind kind = client_kind::heartbeat;
  std::string strategy; // subscribe
  uint64_t seq = 0;     // subscribe: last processed; ack: processed up to
  OrderRequest order;
  CancelRequest cancel;
  ReplaceRequest replace;
};

/// Decodes one frame; nullopt with `error` saying what is wrong (not msgpack,
/// no type, a field of the wrong kind, a decimal that does not parse).
std::optional<client_message> decode_client(std::string_view bytes, std::string& error);

} // namespace engine::gateway_wire
