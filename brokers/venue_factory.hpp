// Builds a network venue's protocol client from its config by `type`; the one place that
// knows which broker clients this build has.
#pragma once

#include <memory>
#include <string>

#include "brokers/net/venue_connection.hpp"
#include "config/app_config.hpp"

namespace engine {

/// What a connection needs from the node besides its config.
struct venue_context {
  uint64_t min_order_id = 1; // IBKR: one more than the highest order id in the journal
};

/// True when this build has a client for broker type `type` (the simulator always).
bool venue_type_built_in(const std::string& type);

/// A new connection for `b` (one per attempt); nullptr when the type has no client here.
std::unique_ptr<net::venue_connection> make_venue_connection(const broker_config& b,
                                                             const venue_context& ctx);

} // namespace engine
