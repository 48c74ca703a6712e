// The risk manager actor: pre-trade checks with named reasons, the kill switch, protective orders.
#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <vector>

#include "config/app_config.hpp"
#include "messages/orders.hpp"

namespace engine {

class actor_directory;

/// Protocol:
///   (check_atom, OrderRequest) -> (RejectReason, std::string detail)   none to pass
///   (check_atom, reply_to, tag, OrderRequest)   the same one-way: (check_atom, tag, code, detail)
///                              goes to the actor registered as reply_to (else the sender)
///   (step_atom, QuoteBatch)    -> done_atom     last prices and marks; daily reset at session change
///   Fill                       shadow positions, daily trade count, protective orders
///   RiskLimits                 replaces the limits at run time
///   TradingState               the kill switch: active / reducing / halted
///   (get_atom)                 -> RiskLimits
/// It keeps its own shadow position book from the fills it is sent, so it never
/// asks another actor during a check.
struct risk_manager_options {
  std::shared_ptr<actor_directory> directory;
  RiskLimits limits;
  Money initial_cash;
  session_config session;
  std::vector<Fill> initial_fills; // recovered from the journal, applied first
  std::string incarnation;         // tags protective order ids so restarts never reuse one
};

caf::actor spawn_risk_manager(caf::actor_system& sys, risk_manager_options opts);

} // namespace engine
