// Rebuilds the engine's state from the journal at start-up: orders, fills, the next seq and order id.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/journal/journal_reader.hpp"
#include "messages/all_messages.hpp"

namespace engine {

/// What the journal says the engine had when it stopped.
struct recovered_state {
  replay_summary summary;
  uint64_t next_seq = 1;       // the writer continues here
  uint64_t next_order_id = 1;  // the order manager continues here (ids are <prefix>-<n>)
  std::vector<Fill> fills;     // every fill, in journal order, once per exec_id, with the
                               // commission of its completion record when one followed
  std::vector<std::string> commissions_pending; // exec ids of fills whose commission is unknown
  std::vector<OrderExecution> orders; // every order with its latest state and fills, by id
  /// Order id -> the code of its refusal, for the refused ones (OrderExecution keeps the text).
  std::unordered_map<std::string, RejectReason> reject_codes;
  uint64_t open_orders = 0;    // orders still open when the journal ends

  /// A tag that differs between starts over the same journal: the next seq.
  /// Execution ids, client order ids and protective order ids carry it so
  /// that nothing generated after a restart can collide with the journal.
  std::string incarnation() const { return std::to_string(next_seq); }
};

/// Replays the journal in dir (see journal_reader.hpp for torn and damaged
/// lines; `recover` quarantines damaged ones instead of stopping) and folds
/// its records into a recovered_state. Order ids of the form <prefix>-<n>
/// move next_order_id past n. Throws journal_error for damage without recover.
recovered_state recover_journal(const std::string& dir, bool recover,
                                const std::string& order_id_prefix = "O");

} // namespace engine
