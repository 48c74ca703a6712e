// The journal's on-disk format in one place: streams, segment file names and the record line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "messages/orders.hpp"

namespace engine {

/// The two files of the journal: order events and fills.
enum class journal_stream : uint8_t { order_book, trade_log };

/// "order_book" or "trade_log": the stem of the stream's file names.
std::string_view journal_stream_name(journal_stream s);

/// A journal that cannot be opened or read as it stands (bad options, damage
/// in the middle of a file). Messages read `file:line: what is wrong`.
class journal_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One file of a stream: `<stream>.<index, 6+ digits>[.<YYYYMMDD>].jsonl`.
/// The index orders the files of a stream; the day is only a label.
struct journal_segment {
  journal_stream stream = journal_stream::order_book;
  uint64_t index = 0;
  int64_t day = 0; // 0 when the segment carries no day label
  std::string path;
};

std::string segment_file_name(journal_stream s, uint64_t index, int64_t day);

/// Recognises a segment file name (no directory); false for anything else
/// (torn-*, quarantine and temporary files are not segments).
bool parse_segment_file_name(std::string_view name, journal_segment& out);

/// Exclusive use of a journal directory for a writer's life or a replay's run,
/// through flock(2) on `<dir>/journal.lock`: a second writer would interleave
/// seqs, and a replay of a live journal would cut the tail being written.
class journal_dir_lock {
public:
  /// Throws journal_error if the directory is already locked (by anyone,
  /// this process included) or the lock file cannot be created.
  explicit journal_dir_lock(const std::string& dir);
  ~journal_dir_lock();
  journal_dir_lock(const journal_dir_lock&) = delete;
  journal_dir_lock& operator=(const journal_dir_lock&) = delete;

private:
  int fd_ = -1;
};

/// The segments of one stream in dir, in index order (none if dir is missing).
/// Throws journal_error when two files claim the same index.
std::vector<journal_segment> list_segments(const std::string& dir, journal_stream s);

/// `,"crc":"xxxxxxxx"}`: the fixed tail after the bytes the checksum covers.
constexpr size_t record_crc_suffix_size = 18;

/// Event names are written and read unescaped, so they are limited to [A-Za-z0-9_.-].
bool valid_event_name(std::string_view event);

/// Appends one record line, newline included:
/// `{"seq":N,"ts":T,"event":"E",<fields_json>,"crc":"hhhhhhhh"}` where the crc
/// (CRC32C, 8 lowercase hex digits) covers every byte before `,"crc"`.
/// fields_json is the inside of an object (`"a":1,"b":"x"`) and may be empty.
void append_record_line(std::string& out, uint64_t seq, timestamp_ns ts,
                        std::string_view event, std::string_view fields_json);

/// The same line in two steps, for a caller that writes the fields itself:
/// begin_record_line appends `{"seq":N,"ts":T,"event":"E"` and returns where
/// the line starts; the caller appends `,` and the fields (or nothing); then
/// end_record_line appends the crc of everything from that start and `"}\n`.
size_t begin_record_line(std::string& out, uint64_t seq, timestamp_ns ts, std::string_view event);
void end_record_line(std::string& out, size_t line_start);

/// The header of a verified line.
struct parsed_record_line {
  uint64_t seq = 0;
  timestamp_ns ts = 0;
  std::string_view event;
};

/// Checks one line (without its newline): crc first, then the header. On
/// failure returns false and says what is wrong in why.
bool parse_record_line(std::string_view line, parsed_record_line& out, std::string& why);

namespace detail {

// Eight ASCII digits in a little-endian word: their value (SWAR: three
// multiply-and-mask steps instead of eight multiply-adds).
inline bool eight_digits(uint64_t w) {
  return (w & 0xF0F0F0F0F0F0F0F0ull) == 0x3030303030303030ull
         && ((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) == 0x3030303030303030ull;
}

inline uint64_t eight_digits_value(uint64_t w) {
  w -= 0x3030303030303030ull;
  w = (w * 10 + (w >> 8)) & 0x00FF00FF00FF00FFull;
  w = (w * 100 + (w >> 16)) & 0x0000FFFF0000FFFFull;
  return (w * 10000 + (w >> 32)) & 0xFFFFFFFFull;
}

} // namespace detail

/// Parses the unsigned JSON integer at s[pos..] and advances pos past it:
/// false for no digits, a leading zero or more than 64 bits. Inline: every
/// record has at least three of these numbers (seq, ts, a timestamp).
inline bool scan_uint(std::string_view s, size_t& pos, uint64_t& out) {
  const char* p = s.data();
  const size_t n = s.size();
  const size_t start = pos;
  size_t i = pos;
  uint64_t v = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  // Up to 16 digits eight at a time (a timestamp has 19): they never overflow.
  for (int k = 0; k < 2 && i + 8 <= n; ++k) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (!detail::eight_digits(w))
      break;
    v = v * 100000000 + detail::eight_digits_value(w);
    i += 8;
  }
#endif
  for (; i < n && p[i] >= '0' && p[i] <= '9'; ++i) {
    auto d = static_cast<uint64_t>(p[i] - '0');
    if (i - start < 19) {
      v = v * 10 + d; // 19 digits never overflow 64 bits
    } else if (i - start > 19 || __builtin_mul_overflow(v, uint64_t{10}, &v)
               || __builtin_add_overflow(v, d, &v)) {
      return false;
    }
  }
  const size_t len = i - start;
  if (len == 0 || (len > 1 && p[start] == '0'))
    return false;
  pos = i;
  out = v;
  return true;
}

/// Reads just the seq at the start of a possibly damaged line (0 if unreadable).
uint64_t peek_record_seq(std::string_view line);

} // namespace engine
