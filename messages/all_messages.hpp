// Every message family, plus the one list of message types that the codecs
// instantiate and CAF registers.
#pragma once

#include "messages/control.hpp"
#include "messages/market.hpp"
#include "messages/orders.hpp"
#include "messages/portfolio.hpp"

/// X-macro over every message type, in type-ID order. Add a type here once:
/// CAF's type-ID block, the msgpack codec and the JSON codec all follow.
#define ENGINE_MESSAGE_TYPES(X)                                                \
  X(OrderRequest)                                                              \
  X(CancelRequest)                                                             \
  X(ReplaceRequest)                                                            \
  X(Fill)                                                                      \
  X(OrderUpdate)                                                               \
  X(OrderExecution)                                                            \
  X(ExecutionReport)                                                           \
  X(ReasonCount)                                                               \
  X(OrderStats)                                                                \
  X(Quote)                                                                     \
  X(QuoteBatch)                                                                \
  X(Trade)                                                                     \
  X(Bar)                                                                       \
  X(MarketData)                                                                \
  X(Position)                                                                  \
  X(AccountInfo)                                                               \
  X(PerformanceMetrics)                                                        \
  X(Heartbeat)                                                                 \
  X(BrokerStatus)                                                              \
  X(RiskLimits)                                                                \
  X(PeerStatus)                                                                \
  X(Shutdown)
