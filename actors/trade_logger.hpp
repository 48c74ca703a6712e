// The trade logger actor: the journal's owner; replies to a record only once it is durable.
#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "config/app_config.hpp"

namespace engine {

class actor_directory;
class file_ops;

/// Protocol:
///   (journal_atom, event, OrderRequest | OrderUpdate | Fill | CancelRequest | ReplaceRequest
///                 | OperatorAction)   (operator_* events: audit only, skipped by recovery)
///       -> uint64_t seq, once the record is durable under the fsync policy;
///          an error once the journal has failed (sticky: disk full, I/O error).
///   (journal_atom, reply_to, n, event, <the same records>)   the same, one-way: `n` is the
///       sender's own number for the record (increasing). Once per group commit, the actor
///       registered as `reply_to` (else the sender) gets (durable_atom, n, ok, error) with the
///       highest `n` of its records the commit settled: durable when `ok`, failed otherwise.
///   (journal_atom)  -> uint64_t durable seq, once everything appended before is durable
/// Fills go to trade_log.jsonl, everything else to order_book.jsonl. The
/// message is moved to the writer's own thread, which encodes, checksums and
/// writes it; one message per group commit comes back to settle its seq range.
/// Files rotate when a record's session day (by `session`'s calendar) changes.
/// `ops` replaces the POSIX file operations (fault injection in tests).
caf::actor spawn_trade_logger(caf::actor_system& sys, journal_config cfg, uint64_t next_seq,
                              std::shared_ptr<file_ops> ops = nullptr,
                              session_config session = {},
                              std::shared_ptr<actor_directory> directory = nullptr);

} // namespace engine
