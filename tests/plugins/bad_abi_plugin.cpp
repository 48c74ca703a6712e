// libbad_abi.so: a plug-in that says it was built for another strategy ABI version.
#include "actors/strategy_plugin.hpp"

namespace {

const char* const no_classes[] = {"mean_reversion", nullptr};

} // namespace

extern "C" ENGINE_PLUGIN_EXPORT const engine_strategy_plugin_info* engine_strategy_plugin() {
  static const engine_strategy_plugin_info info{
    ENGINE_STRATEGY_ABI_VERSION + 998, "9.9.9", no_classes,
    [](const char*, const engine_strategy_params*, engine_strategy_error*) -> engine::strategy* {
      return nullptr;
    },
    [](engine::strategy*) {}};
  return &info;
}
