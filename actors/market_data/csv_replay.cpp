// Quote and bar CSV readers (streaming, line-numbered errors, skip/stop policy) and bars-to-quotes.
#include "actors/market_data/csv_replay.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>

#include "actors/clock/iso8601.hpp"
#include "actors/market_data/ticks.hpp"

namespace engine {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

void split(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      out.push_back(trim(line.substr(start)));
      return;
    }
    out.push_back(trim(line.substr(start, comma - start)));
    start = comma + 1;
  }
}

bool skippable(std::string_view line) {
  std::string_view t = trim(line);
  return t.empty() || t.front() == '#';
}

std::string join(const std::string_view* columns, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (i)
      s += ',';
    s += columns[i];
  }
  return s;
}

} // namespace

std::unique_ptr<std::ifstream> csv_reader_base::open(const std::string& path) {
  auto f = std::make_unique<std::ifstream>(path);
  if (!*f)
    throw csv_error(path + ": cannot open: " + std::strerror(errno));
  return f;
}

csv_reader_base::csv_reader_base(std::unique_ptr<std::ifstream> file, std::istream* in,
                                 std::string name, csv_error_policy policy,
                                 const std::string_view* columns, size_t n)
  : file_(std::move(file)), in_(file_ ? file_.get() : in), name_(std::move(name)),
    policy_(policy), column_names_(columns, columns + n) {
  read_header(columns, n);
}

std::string csv_reader_base::where() const {
  return name_ + ":" + std::to_string(line_no_);
}

void csv_reader_base::report(const std::string& what, bool row) {
  std::string text = where() + ": " + what;
  if (stats_.errors.size() < csv_stats::max_kept_errors)
    stats_.errors.push_back(text);
  if (policy_ == csv_error_policy::stop)
    throw csv_error(text);
  if (row)
    ++stats_.rows_skipped;
  else
    ++stats_.header_issues;
}

void csv_reader_base::problem(const std::string& what) {
  report(what, true);
}

void csv_reader_base::bad_number(size_t i) {
  problem("bad number in column " + std::string(column_names_[i]) + ": \"" +
          std::string(field(i)) + "\"");
}

void csv_reader_base::read_header(const std::string_view* columns, size_t n) {
  bool found = false;
  while (std::getline(*in_, line_)) {
    ++line_no_;
    if (line_no_ == 1 && line_.compare(0, 3, "\xEF\xBB\xBF") == 0)
      line_.erase(0, 3); // UTF-8 byte order mark
    if (!skippable(line_)) {
      found = true;
      break;
    }
  }
  if (!found) // reported at the line where the header should have been
    throw csv_error(name_ + ":" + std::to_string(line_no_ + 1) +
                    ": missing header line (expected " + join(columns, n) + ")");
  split(line_, fields_);
  width_ = fields_.size();
  constexpr size_t unset = static_cast<size_t>(-1);
  column_pos_.assign(n, unset);
  for (size_t pos = 0; pos < fields_.size(); ++pos) {
    size_t k = 0;
    while (k < n && columns[k] != fields_[pos])
      ++k;
    if (k == n) {
      // Under skip the column is ignored; its values are never read.
      report("unknown column \"" + std::string(fields_[pos]) + "\" in header (expected " +
                 join(columns, n) + ")",
             false);
      continue;
    }
    if (column_pos_[k] != unset)
      throw csv_error(where() + ": column \"" + std::string(columns[k]) +
                      "\" appears twice in header");
    column_pos_[k] = pos;
  }
  for (size_t k = 0; k < n; ++k) {
    if (column_pos_[k] == unset)
      throw csv_error(where() + ": missing column \"" + std::string(columns[k]) +
                      "\" in header (expected " + join(columns, n) + ")");
  }
}

bool csv_reader_base::next_row() {
  while (std::getline(*in_, line_)) {
    ++line_no_;
    if (skippable(line_))
      continue;
    split(line_, fields_);
    if (fields_.size() != width_) {
      problem("expected " + std::to_string(width_) + " columns, got " +
              std::to_string(fields_.size()));
      continue;
    }
    return true;
  }
  if (in_->bad())
    throw csv_error(where() + ": read error");
  return false;
}

bool csv_reader_base::timestamp_field(size_t i, timestamp_ns& out) {
  std::string_view text = field(i);
  bool integer = !text.empty();
  for (size_t k = 0; k < text.size() && integer; ++k)
    integer = (text[k] >= '0' && text[k] <= '9') || (k == 0 && text[k] == '-' && text.size() > 1);
  if (integer) {
    auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    if (r.ec == std::errc() && r.ptr == text.data() + text.size())
      return true;
    problem("bad timestamp \"" + std::string(text) + "\": integer nanoseconds out of range");
    return false;
  }
  try {
    out = parse_iso8601(text);
    return true;
  } catch (const std::invalid_argument& e) {
    problem(std::string("bad timestamp: ") + e.what());
    return false;
  }
}

bool csv_reader_base::check_order(timestamp_ns t) {
  if (t < last_ts_) {
    problem("timestamp goes backwards: " + format_iso8601(t) + " is before the previous row's " +
            format_iso8601(last_ts_));
    return false;
  }
  last_ts_ = t;
  return true;
}

// --- quotes ------------------------------------------------------------------

quote_csv_reader::quote_csv_reader(const std::string& path, csv_error_policy policy)
  : csv_reader_base(path, policy, columns) {}

quote_csv_reader::quote_csv_reader(std::istream& in, std::string name, csv_error_policy policy)
  : csv_reader_base(in, std::move(name), policy, columns) {}

bool quote_csv_reader::next(Quote& out) {
  enum { ts, ticker, bid, ask, bid_size, ask_size };
  while (next_row()) {
    timestamp_ns t = 0;
    Price b;
    Price a;
    Quantity bs;
    Quantity as;
    if (!timestamp_field(ts, t))
      continue;
    if (field(ticker).empty()) {
      problem("empty ticker");
      continue;
    }
    if (!decimal_field(bid, b) || !decimal_field(ask, a) || !decimal_field(bid_size, bs) ||
        !decimal_field(ask_size, as))
      continue;
    if (!b.is_positive() || !a.is_positive()) {
      problem("prices must be > 0 (bid " + b.to_string() + ", ask " + a.to_string() + ")");
      continue;
    }
    if (bs.is_negative() || as.is_negative()) {
      problem("sizes must be >= 0 (bid_size " + bs.to_string() + ", ask_size " + as.to_string() +
              ")");
      continue;
    }
    if (b >= a) {
      problem("bid " + b.to_string() + " >= ask " + a.to_string() + " (crossed or locked quote)");
      continue;
    }
    if (!check_order(t))
      continue;
    out.ticker.assign(field(ticker).data(), field(ticker).size());
    out.bid = b;
    out.ask = a;
    out.bid_size = bs;
    out.ask_size = as;
    out.timestamp = t;
    accepted();
    return true;
  }
  return false;
}

// --- bars --------------------------------------------------------------------

bar_csv_reader::bar_csv_reader(const std::string& path, csv_error_policy policy)
  : csv_reader_base(path, policy, columns) {}

bar_csv_reader::bar_csv_reader(std::istream& in, std::string name, csv_error_policy policy)
  : csv_reader_base(in, std::move(name), policy, columns) {}

bool bar_csv_reader::next(Bar& out) {
  enum { ts, ticker, open, high, low, close, volume };
  while (next_row()) {
    timestamp_ns t = 0;
    Price o;
    Price h;
    Price l;
    Price c;
    Quantity v;
    if (!timestamp_field(ts, t))
      continue;
    if (field(ticker).empty()) {
      problem("empty ticker");
      continue;
    }
    if (!decimal_field(open, o) || !decimal_field(high, h) || !decimal_field(low, l) ||
        !decimal_field(close, c) || !decimal_field(volume, v))
      continue;
    if (!o.is_positive() || !h.is_positive() || !l.is_positive() || !c.is_positive()) {
      problem("prices must be > 0");
      continue;
    }
    if (v.is_negative()) {
      problem("volume must be >= 0, got " + v.to_string());
      continue;
    }
    if (h < l) {
      problem("high " + h.to_string() + " < low " + l.to_string());
      continue;
    }
    if (o < l || o > h || c < l || c > h) {
      problem("open " + o.to_string() + " or close " + c.to_string() + " outside [low " +
              l.to_string() + ", high " + h.to_string() + "]");
      continue;
    }
    if (!check_order(t))
      continue;
    out.ticker.assign(field(ticker).data(), field(ticker).size());
    out.open = o;
    out.high = h;
    out.low = l;
    out.close = c;
    out.volume = v;
    out.timestamp = t;
    accepted();
    return true;
  }
  return false;
}

// --- bars to quotes ----------------------------------------------------------

void bar_to_quotes(const Bar& bar, const bar_quote_options& options, std::vector<Quote>& out) {
  bool up = bar.close >= bar.open;
  const Price path[4] = {bar.open, up ? bar.low : bar.high, up ? bar.high : bar.low, bar.close};
  int64_t step = options.bar_ms * ns_per_ms / 4;
  for (int i = 0; i < 4; ++i) {
    two_sided s = quote_around(path[i], options.spread_bps);
    Quote q;
    q.ticker = bar.ticker;
    q.bid = s.bid;
    q.ask = s.ask;
    q.bid_size = options.bid_size;
    q.ask_size = options.ask_size;
    q.timestamp = bar.timestamp + i * step;
    out.push_back(std::move(q));
  }
}

bar_quote_reader::bar_quote_reader(const std::string& path, csv_error_policy policy,
                                   bar_quote_options options)
  : bars_(path, policy), options_(options) {}

bar_quote_reader::bar_quote_reader(std::istream& in, std::string name, csv_error_policy policy,
                                   bar_quote_options options)
  : bars_(in, std::move(name), policy), options_(options) {}

bool bar_quote_reader::next(Quote& out) {
  if (next_pending_ == pending_.size()) {
    // Take every bar starting at the same time (one per ticker), then emit
    // their quotes phase by phase, so quote timestamps never go backwards.
    if (!have_lookahead_ && !(have_lookahead_ = bars_.next(lookahead_)))
      return false;
    group_.clear();
    timestamp_ns t = lookahead_.timestamp;
    while (have_lookahead_ && lookahead_.timestamp == t) {
      group_.push_back(lookahead_);
      have_lookahead_ = bars_.next(lookahead_);
    }
    scratch_.clear();
    for (const Bar& b : group_)
      bar_to_quotes(b, options_, scratch_);
    pending_.clear();
    next_pending_ = 0;
    for (size_t phase = 0; phase < 4; ++phase)
      for (size_t k = 0; k < group_.size(); ++k)
        pending_.push_back(scratch_[k * 4 + phase]);
  }
  out = pending_[next_pending_++];
  return true;
}

} // namespace engine
