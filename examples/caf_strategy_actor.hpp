// buy_and_hold_actor: a strategy written as a plain CAF actor that speaks the engine's order messages itself.
#pragma once

#include <memory>
#include <set>
#include <string>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/strategy_host.hpp"
#include "messages/type_ids.hpp"

namespace example {

struct buy_and_hold_state {
  static inline const char* name = "buy_and_hold";
  std::set<std::string> bought; // tickers with an order sent
  int fills = 0;
};

/// Buys `shares` of each ticker at market the first time it sees it, then holds.
/// The protocol every strategy actor answers (actors/strategy_host.hpp):
///   (step_atom, QuoteBatch) -> done_atom  once what it sent for the batch is acknowledged
///   OrderUpdate, Fill                     from the order manager (orders carry strategy = name)
///   (stop_atom), (stats_atom) -> std::string
inline caf::behavior buy_and_hold(caf::stateful_actor<buy_and_hold_state>* self,
                                  engine::strategy_host_options opts, engine::Quantity shares) {
  using namespace engine;
  return {
    [=](step_atom, const QuoteBatch& batch) -> caf::result<done_atom> {
      auto om = opts.directory->get(names::order_manager);
      auto rp = self->make_response_promise<done_atom>();
      auto pending = std::make_shared<int>(0);
      for (auto& q : batch.quotes) {
        if (!om || !self->state.bought.insert(q.ticker).second)
          continue;
        OrderRequest o;
        o.ticker = q.ticker;
        o.side = OrderSide::buy;
        o.quantity = shares;
        o.client_order_id = opts.name + "-" + q.ticker;
        o.strategy = opts.name; // where the order manager sends its updates and fills
        o.timestamp = q.timestamp;
        ++*pending;
        self->request(om, std::chrono::seconds(30), o)
          .then([=](const OrderUpdate&) mutable { if (--*pending == 0) rp.deliver(done_atom::value); },
                [=](caf::error&) mutable { if (--*pending == 0) rp.deliver(done_atom::value); });
      }
      // In lock step the batch is answered only when its orders are acknowledged.
      if (*pending == 0)
        rp.deliver(done_atom::value);
      return rp;
    },
    [=](const OrderUpdate&) {},
    [=](const Fill&) { ++self->state.fills; },
    [=](stop_atom) {},
    [=](stats_atom) -> std::string {
      return "running, " + std::to_string(self->state.fills) + " fills";
    },
  };
}

/// For register_strategy_actor / testing::add_strategy_actor.
inline engine::strategy_actor_maker buy_and_hold_maker(engine::Quantity shares) {
  return [=](caf::actor_system& sys, const engine::strategy_host_options& opts,
             const engine::strategy_config&) { return sys.spawn(buy_and_hold, opts, shares); };
}

} // namespace example
