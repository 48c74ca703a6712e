// Segment naming and the record line's writer and verifier.
#include "actors/journal/journal_format.hpp"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "actors/journal/crc32c.hpp"
#include "messages/json_writer.hpp"

namespace engine {

namespace {

constexpr std::string_view jsonl_ext = ".jsonl";
constexpr std::string_view crc_key = ",\"crc\":\"";

bool parse_digits(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19)
    return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

bool expect(std::string_view s, size_t& pos, std::string_view lit) {
  if (s.substr(pos, lit.size()) != lit)
    return false;
  pos += lit.size();
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1; // upper case is not written, so not accepted either
}

} // namespace

std::string_view journal_stream_name(journal_stream s) {
  return s == journal_stream::order_book ? "order_book" : "trade_log";
}

std::string segment_file_name(journal_stream s, uint64_t index, int64_t day) {
  char buf[64];
  if (day > 0)
    std::snprintf(buf, sizeof(buf), ".%06llu.%08lld", static_cast<unsigned long long>(index),
                  static_cast<long long>(day));
  else
    std::snprintf(buf, sizeof(buf), ".%06llu", static_cast<unsigned long long>(index));
  std::string name{journal_stream_name(s)};
  name += buf;
  name += jsonl_ext;
  return name;
}

bool parse_segment_file_name(std::string_view name, journal_segment& out) {
  if (name.size() <= jsonl_ext.size() || name.substr(name.size() - jsonl_ext.size()) != jsonl_ext)
    return false;
  name.remove_suffix(jsonl_ext.size());
  auto dot = name.find('.');
  if (dot == std::string_view::npos)
    return false;
  auto stem = name.substr(0, dot);
  journal_stream s;
  if (stem == "order_book")
    s = journal_stream::order_book;
  else if (stem == "trade_log")
    s = journal_stream::trade_log;
  else
    return false;
  auto rest = name.substr(dot + 1);
  auto dot2 = rest.find('.');
  uint64_t index = 0;
  uint64_t day = 0;
  if (dot2 == std::string_view::npos) {
    if (rest.size() < 6 || !parse_digits(rest, index))
      return false;
  } else {
    auto idx = rest.substr(0, dot2);
    auto d = rest.substr(dot2 + 1);
    if (idx.size() < 6 || !parse_digits(idx, index) || d.size() != 8 || !parse_digits(d, day))
      return false;
  }
  out.stream = s;
  out.index = index;
  out.day = static_cast<int64_t>(day);
  return true;
}

std::vector<journal_segment> list_segments(const std::string& dir, journal_stream s) {
  namespace fs = std::filesystem;
  std::vector<journal_segment> result;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return result;
  for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
    journal_segment seg;
    auto name = it->path().filename().string();
    if (parse_segment_file_name(name, seg) && seg.stream == s) {
      seg.path = it->path().string();
      result.push_back(std::move(seg));
    }
  }
  if (ec)
    throw journal_error(dir + ": cannot list the journal directory: " + ec.message());
  std::sort(result.begin(), result.end(),
            [](const journal_segment& a, const journal_segment& b) { return a.index < b.index; });
  for (size_t i = 1; i < result.size(); ++i)
    if (result[i].index == result[i - 1].index)
      throw journal_error(result[i].path + ": same segment index as " + result[i - 1].path);
  return result;
}

journal_dir_lock::journal_dir_lock(const std::string& dir) {
  auto path = (std::filesystem::path{dir} / "journal.lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw journal_error(path + ": cannot open the lock file: "
                        + std::system_category().message(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    auto err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw journal_error(dir + ": the journal is in use (a writer or a replay holds "
                          + path + ")");
    throw journal_error(path + ": cannot lock: " + std::system_category().message(err));
  }
}

journal_dir_lock::~journal_dir_lock() {
  if (fd_ >= 0)
    ::close(fd_); // releases the lock
}

bool valid_event_name(std::string_view event) {
  if (event.empty())
    return false;
  return std::all_of(event.begin(), event.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
           || c == '-' || c == '.';
  });
}

size_t begin_record_line(std::string& out, uint64_t seq, timestamp_ns ts,
                         std::string_view event) {
  auto start = out.size();
  // The header is fixed, so it is written directly rather than through json_writer.
  char digits[24];
  out += "{\"seq\":";
  auto r = std::to_chars(digits, digits + sizeof(digits), seq);
  out.append(digits, r.ptr);
  out += ",\"ts\":";
  r = std::to_chars(digits, digits + sizeof(digits), ts);
  out.append(digits, r.ptr);
  out += ",\"event\":\"";
  out += event; // [A-Za-z0-9_.-]: nothing to escape
  out += '"';
  return start;
}

void end_record_line(std::string& out, size_t line_start) {
  static constexpr char hex[] = "0123456789abcdef";
  uint32_t crc = crc32c_extend(0, out.data() + line_start, out.size() - line_start);
  char tail[record_crc_suffix_size + 1] = {',', '"', 'c', 'r', 'c', '"', ':', '"'};
  for (int i = 7; i >= 0; --i) {
    tail[8 + i] = hex[crc & 0xF];
    crc >>= 4;
  }
  tail[16] = '"';
  tail[17] = '}';
  tail[18] = '\n';
  out.append(tail, sizeof(tail));
}

void append_record_line(std::string& out, uint64_t seq, timestamp_ns ts,
                        std::string_view event, std::string_view fields_json) {
  auto start = begin_record_line(out, seq, ts, event);
  if (!fields_json.empty()) {
    out += ',';
    out += fields_json;
  }
  end_record_line(out, start);
}

bool parse_record_line(std::string_view line, parsed_record_line& out, std::string& why) {
  static constexpr std::string_view head = "{\"seq\":";
  if (line.size() < head.size() + record_crc_suffix_size) {
    why = "line too short to be a record (" + std::to_string(line.size()) + " bytes)";
    return false;
  }
  auto tail = line.substr(line.size() - record_crc_suffix_size);
  if (tail.substr(0, crc_key.size()) != crc_key || tail.substr(16) != "\"}") {
    why = "no crc at the end of the line";
    return false;
  }
  uint32_t stored = 0;
  for (size_t i = 0; i < 8; ++i) {
    int v = hex_value(tail[crc_key.size() + i]);
    if (v < 0) {
      why = "crc is not 8 lowercase hex digits";
      return false;
    }
    stored = (stored << 4) | static_cast<uint32_t>(v);
  }
  auto covered = line.substr(0, line.size() - record_crc_suffix_size);
  uint32_t computed = crc32c(covered);
  if (stored != computed) {
    char buf[80];
    std::snprintf(buf, sizeof(buf), "crc mismatch (stored %08x, computed %08x)", stored, computed);
    why = buf;
    return false;
  }
  // The crc held, so what follows only fails for a line some other writer made.
  size_t pos = 0;
  uint64_t seq = 0;
  if (!expect(covered, pos, head) || !scan_uint(covered, pos, seq) || seq == 0) {
    why = "bad record header: no \"seq\" (a positive integer) first";
    return false;
  }
  bool negative = false;
  uint64_t ts_abs = 0;
  if (!expect(covered, pos, ",\"ts\":")) {
    why = "bad record header: no \"ts\" after \"seq\"";
    return false;
  }
  if (pos < covered.size() && covered[pos] == '-') {
    negative = true;
    ++pos;
  }
  if (!scan_uint(covered, pos, ts_abs)
      || ts_abs > static_cast<uint64_t>(INT64_MAX) + (negative ? 1 : 0)) {
    why = "bad record header: \"ts\" is not a 64-bit integer";
    return false;
  }
  if (!expect(covered, pos, ",\"event\":\"")) {
    why = "bad record header: no \"event\" after \"ts\"";
    return false;
  }
  auto end = covered.find('"', pos);
  if (end == std::string_view::npos || !valid_event_name(covered.substr(pos, end - pos))) {
    why = "bad record header: \"event\" is not a plain name";
    return false;
  }
  if (end + 1 < covered.size() && covered[end + 1] != ',') {
    why = "bad record header: junk after \"event\"";
    return false;
  }
  out.seq = seq;
  out.ts = negative ? static_cast<timestamp_ns>(0 - ts_abs) : static_cast<timestamp_ns>(ts_abs);
  out.event = covered.substr(pos, end - pos);
  return true;
}

uint64_t peek_record_seq(std::string_view line) {
  size_t pos = 0;
  uint64_t seq = 0;
  if (!expect(line, pos, "{\"seq\":") || !scan_uint(line, pos, seq))
    return 0;
  if (pos >= line.size() || line[pos] != ',')
    return 0; // the number itself may have been cut
  return seq;
}

} // namespace engine
