// The engine's one CAF type-ID block: every message type and atom, registered
// with cfg.add_message_types<caf::id_block::engine>().
#pragma once

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include <string>
#include <vector>

#include "messages/all_messages.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(engine, caf::first_custom_type_id)

#define ENGINE_ADD_MESSAGE_TYPE_ID(T) CAF_ADD_TYPE_ID(engine, (engine::T))
ENGINE_MESSAGE_TYPES(ENGINE_ADD_MESSAGE_TYPE_ID)
#undef ENGINE_ADD_MESSAGE_TYPE_ID

  CAF_ADD_TYPE_ID(engine, (engine::TradingState))
  CAF_ADD_TYPE_ID(engine, (std::vector<engine::Position>))
  CAF_ADD_TYPE_ID(engine, (std::vector<engine::OrderExecution>))
  CAF_ADD_TYPE_ID(engine, (std::vector<engine::Fill>))
  CAF_ADD_TYPE_ID(engine, (std::vector<engine::BrokerStatus>))

  // Verbs of the actor protocols (see docs/ARCHITECTURE.md, "Protocols").
  CAF_ADD_ATOM(engine, engine, subscribe_atom, "subscribe")
  CAF_ADD_ATOM(engine, engine, check_atom, "check")
  CAF_ADD_ATOM(engine, engine, get_atom, "get")
  CAF_ADD_ATOM(engine, engine, orders_atom, "orders")
  CAF_ADD_ATOM(engine, engine, stats_atom, "stats")
  CAF_ADD_ATOM(engine, engine, positions_atom, "positions")
  CAF_ADD_ATOM(engine, engine, account_atom, "account")
  CAF_ADD_ATOM(engine, engine, metrics_atom, "metrics")
  CAF_ADD_ATOM(engine, engine, market_atom, "market")
  CAF_ADD_ATOM(engine, engine, journal_atom, "journal")
  CAF_ADD_ATOM(engine, engine, step_atom, "step")
  CAF_ADD_ATOM(engine, engine, start_atom, "start")
  CAF_ADD_ATOM(engine, engine, stop_atom, "stop")
  CAF_ADD_ATOM(engine, engine, done_atom, "done")
  CAF_ADD_ATOM(engine, engine, tick_atom, "tick")
  CAF_ADD_ATOM(engine, engine, durable_atom, "durable")
  CAF_ADD_ATOM(engine, engine, sync_atom, "sync")
  CAF_ADD_ATOM(engine, engine, remote_atom, "remote")
  // The broker contract and its supervision (brokers/broker_protocol.hpp).
  CAF_ADD_ATOM(engine, engine, fills_atom, "fills")
  CAF_ADD_ATOM(engine, engine, sink_atom, "sink")
  CAF_ADD_ATOM(engine, engine, ping_atom, "ping")
  CAF_ADD_ATOM(engine, engine, restart_atom, "restart")
  CAF_ADD_ATOM(engine, engine, reconcile_atom, "reconcile")
  CAF_ADD_ATOM(engine, engine, status_atom, "status")
  CAF_ADD_ATOM(engine, engine, reduce_atom, "reduce")
  // Operator audit records (journaled, local to the node that has the journal).
  CAF_ADD_TYPE_ID(engine, (engine::OperatorAction))
  // The risk manager's verdict, (check_atom, tag, RejectReason, detail).
  CAF_ADD_TYPE_ID(engine, (engine::RejectReason))

CAF_END_TYPE_ID_BLOCK(engine)
