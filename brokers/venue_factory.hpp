// Builds a network venue's protocol client from its config by `type`; the one place that
// knows which broker clients this build has.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "brokers/net/venue_connection.hpp"
#include "config/app_config.hpp"

namespace engine {

/// What a broker's connections need from the node besides its config.
struct venue_context {
  std::string state_dir; // where a broker keeps what must outlive the process (IB order ids)
};

/// Makes one new connection per attempt; what must survive attempts (IB's order id book, the
/// persisted id floor) lives in the maker.
using venue_maker = std::function<std::unique_ptr<net::venue_connection>()>;

/// True when this build has a client for broker type `type` (the simulator always).
bool venue_type_built_in(const std::string& type);

/// Why `b` cannot be used (a plain URL to a remote host...), or "" when it can.
std::string venue_config_problem(const broker_config& b);

/// The maker for a network broker; throws std::runtime_error for a type without a client.
venue_maker make_venue_maker(const broker_config& b, const venue_context& ctx);

} // namespace engine
