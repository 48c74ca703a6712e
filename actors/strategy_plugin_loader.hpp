// Loads strategy plug-ins (shared libraries with the entry point of actors/strategy_plugin.hpp) for `type: plugin`.
#pragma once

#include <memory>

#include "actors/strategy.hpp"

namespace engine {

/// Opens cfg.library (once per path; it stays loaded while a strategy it
/// made lives), checks its ABI version and makes cfg.plugin_class from
/// cfg.params. Throws config_error ("FILE:LINE: strategies[i].KEY: what") for
/// a library that cannot be loaded, is no plug-in, has another ABI version,
/// does not make the class, rejects its params or whose constructor throws.
std::unique_ptr<strategy> make_plugin_strategy(const strategy_config& cfg);

} // namespace engine
