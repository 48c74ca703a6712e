// Journal recovery: replays both streams merged by seq, verifying every line, cutting torn tails.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/journal/journal_format.hpp"

namespace engine {

/// One verified record. The views point into the file being read and are valid
/// only during the callback: decode with `from_json(r.line, msg)` (it ignores the
/// seq, ts, event and crc keys) or copy what you keep.
struct journal_record {
  uint64_t seq = 0;
  timestamp_ns ts = 0;
  std::string_view event;
  journal_stream stream = journal_stream::order_book;
  std::string_view line; // the whole line, crc included, without its newline
  std::string_view file; // path of the segment, for messages
  uint64_t line_no = 0;  // 1-based
};

/// What a replay found. `problems` holds one line per torn tail cut off and per
/// line quarantined: log every one of them loudly.
struct replay_summary {
  uint64_t records = 0;     // delivered to the callback
  uint64_t first_seq = 0;   // 0 for an empty journal
  uint64_t last_seq = 0;    // the writer continues at last_seq + 1
  uint64_t torn = 0;        // torn tails cut off (saved as <file>.torn-<seq>)
  uint64_t quarantined = 0; // damaged lines moved to <file>.quarantine (recover only)
  uint64_t gaps = 0;        // seqs missing between delivered records (never acknowledged)
  std::vector<std::string> files;    // segments read, in the order they were opened
  std::vector<std::string> problems; // "file:line: what: what was done"

  uint64_t next_seq() const { return last_seq + 1; }
  bool clean() const { return torn == 0 && quarantined == 0; }
};

using replay_callback = std::function<void(const journal_record&)>;

/// Reads every segment of dir (a missing dir is an empty journal), holding the
/// directory's lock (journal_error if a writer is open on it), and calls
/// on_record once per record in strictly increasing seq order across both
/// streams. A torn tail (a last line without newline, or a last line of a
/// stream's newest segment that fails verification) is saved aside and cut off.
/// Any other bad line (crc mismatch, bad header, seq not increasing) throws
/// journal_error("file:line: what is wrong") unless recover is true, in which
/// case it is moved to <file>.quarantine and the replay goes on. Records before
/// the error have already been delivered when it throws.
replay_summary replay(const std::string& dir, bool recover, const replay_callback& on_record);

} // namespace engine
