// The broker types of this build and how each network client is made.
#include "brokers/venue_factory.hpp"

namespace engine {

bool venue_type_built_in(const std::string& type) { return type == "simulator"; }

std::unique_ptr<net::venue_connection> make_venue_connection(const broker_config&,
                                                             const venue_context&) {
  return nullptr;
}

} // namespace engine
