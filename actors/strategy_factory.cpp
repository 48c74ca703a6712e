// Builds the shipped strategies by their config type name, plug-ins, and types registered in code.
#include "actors/strategy.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

#include "actors/strategy_ma_crossover.hpp"
#include "actors/strategy_plugin_loader.hpp"
#include "actors/strategy_random_orders.hpp"
#include "actors/strategy_rebalancer.hpp"

namespace engine {

namespace {

struct registry {
  std::mutex mtx;
  std::map<std::string, strategy_maker> makers;
};

registry& registered() {
  static registry r;
  return r;
}

} // namespace

void register_strategy_type(const std::string& type, strategy_maker make) {
  auto& r = registered();
  std::lock_guard<std::mutex> guard{r.mtx};
  r.makers[type] = std::move(make);
}

std::unique_ptr<strategy> make_strategy(const strategy_config& cfg) {
  if (cfg.type == "random_orders")
    return std::make_unique<random_orders>(cfg);
  if (cfg.type == "ma_crossover")
    return std::make_unique<ma_crossover>(cfg);
  if (cfg.type == "rebalancer")
    return std::make_unique<rebalancer>(cfg);
  if (cfg.type == "plugin")
    return make_plugin_strategy(cfg);
  strategy_maker make;
  {
    auto& r = registered();
    std::lock_guard<std::mutex> guard{r.mtx};
    auto i = r.makers.find(cfg.type);
    if (i != r.makers.end())
      make = i->second;
  }
  if (make)
    return make(cfg);
  throw std::invalid_argument("unknown strategy type: " + cfg.type);
}

} // namespace engine
