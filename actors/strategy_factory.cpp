// Builds the shipped strategies by their config type name.
#include "actors/strategy.hpp"

#include <stdexcept>

#include "actors/strategy_ma_crossover.hpp"
#include "actors/strategy_random_orders.hpp"
#include "actors/strategy_rebalancer.hpp"

namespace engine {

std::unique_ptr<strategy> make_strategy(const strategy_config& cfg) {
  if (cfg.type == "random_orders")
    return std::make_unique<random_orders>(cfg);
  if (cfg.type == "ma_crossover")
    return std::make_unique<ma_crossover>(cfg);
  if (cfg.type == "rebalancer")
    return std::make_unique<rebalancer>(cfg);
  throw std::invalid_argument("unknown strategy type: " + cfg.type);
}

} // namespace engine
