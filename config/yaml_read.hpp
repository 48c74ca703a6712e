// Typed, validating readers over yaml-cpp nodes: every error names file, line and key path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/app_config.hpp"
#include "config/config_loader.hpp"

namespace engine::config_read {

/// Where the document came from: the name errors print and the directory
/// relative `${file:...}` paths resolve against (empty = the cwd).
struct source {
  std::string file;
  std::string base_dir;
};

/// One value in the document with the key path and 1-based line errors name.
struct entry {
  const source* src = nullptr;
  YAML::Node node;
  std::string path; // e.g. "market_data.tickers[1].start_price"; "" for the root
  int line = 0;     // 0 = unknown

  [[noreturn]] void fail(const std::string& message) const;
  /// Fails about a key below this one that is absent, e.g. a required key.
  [[noreturn]] void fail_at(std::string_view key, const std::string& message) const;
  std::string child_path(std::string_view key) const;
  bool is_null() const { return !node || node.IsNull(); }
};

/// A key's entry in map `f` before its keys are checked, e.g. a strategy's
/// `type`, which decides the allowed keys; nullopt when absent or not a map.
std::optional<entry> peek(const entry& f, std::string_view key);

/// The keys of a map, checked against an allowed list; get() finds one.
class section {
public:
  section(entry self, std::vector<std::pair<std::string, entry>> fields)
    : self_(std::move(self)), fields_(std::move(fields)) {}

  const entry& self() const { return self_; }
  /// nullptr when the key is absent.
  const entry* get(std::string_view key) const;
  /// The key's entry, or an error "required" (plus `why`) at this section's line.
  const entry& require(std::string_view key, const std::string& why = "") const;

private:
  entry self_;
  std::vector<std::pair<std::string, entry>> fields_;
};

/// The entries of a map with any keys (null counts as empty); a repeated key is an error.
std::vector<std::pair<std::string, entry>> read_map(const entry& f);

/// Requires a map (null counts as empty) whose keys are all in `allowed` and
/// appear once; an unknown key is an error that suggests the closest allowed
/// key within edit distance 2. `where` qualifies the message ("for a
/// rebalancer strategy").
section check_keys(const entry& f, const std::vector<std::string_view>& allowed,
                   std::string_view where = "");

/// The items of a list (null counts as empty), each with "path[i]" and its own line.
std::vector<entry> read_list(const entry& f);

/// A scalar's text after `${ENV}` / `${file:path}` substitution. `origin`
/// records a substitution so that messages never print the value.
struct scalar_text {
  std::string text;
  std::string origin; // "${NAME}" when substituted, else empty

  /// How a message may show the value: quoted text, or where it came from.
  std::string shown() const;
};

/// Requires a scalar (`expected` names what was wanted) and substitutes it.
scalar_text read_scalar(const entry& f, std::string_view expected);

/// A closed or open interval with optional ends, printed as "in [0, 1]" or ">= 0".
template <class T>
struct range {
  std::optional<T> lo;
  std::optional<T> hi;
  bool lo_open = false;
  bool hi_open = false;

  bool contains(const T& v) const {
    if (lo && (lo_open ? !(*lo < v) : v < *lo))
      return false;
    if (hi && (hi_open ? !(v < *hi) : *hi < v))
      return false;
    return true;
  }
};

template <class T>
range<T> at_least(T lo) {
  return {lo, std::nullopt, false, false};
}
template <class T>
range<T> above(T lo) {
  return {lo, std::nullopt, true, false};
}
template <class T>
range<T> between(T lo, T hi) {
  return {lo, hi, false, false};
}
/// (lo, hi]: e.g. a fraction that must be positive.
template <class T>
range<T> above_up_to(T lo, T hi) {
  return {lo, hi, true, false};
}
/// [lo, hi): e.g. a stop-loss fraction below 100%.
template <class T>
range<T> from_below(T lo, T hi) {
  return {lo, hi, false, true};
}

std::string to_text(int64_t v);
std::string to_text(double v);
template <class Tag, int Digits>
std::string to_text(const decimal<Tag, Digits>& v) {
  return v.to_string();
}

/// "must be >= 0" / "must be in (0, 1]".
template <class T>
std::string range_text(const range<T>& r) {
  if (r.lo && r.hi)
    return "must be in " + std::string(r.lo_open ? "(" : "[") + to_text(*r.lo) + ", " +
           to_text(*r.hi) + (r.hi_open ? ")" : "]");
  if (r.lo)
    return std::string("must be ") + (r.lo_open ? "> " : ">= ") + to_text(*r.lo);
  if (r.hi)
    return std::string("must be ") + (r.hi_open ? "< " : "<= ") + to_text(*r.hi);
  return "";
}

template <class T>
void check_range(const entry& f, const T& value, const range<T>& r, const scalar_text& s) {
  if (!r.contains(value))
    f.fail(range_text(r) + ", got " + s.shown());
}

/// Why `text` is not a decimal of `digits` places: malformed, too precise or
/// too large. Only called after T::parse returned nullopt.
std::string decimal_problem(std::string_view text, int digits);

/// An exact decimal parsed from the scalar's text (never through a double).
template <class T>
T read_decimal(const entry& f, const range<T>& r = {}) {
  auto s = read_scalar(f, "a decimal number");
  auto v = T::parse(s.text);
  if (!v)
    f.fail(decimal_problem(s.text, T::digits) + ", got " + s.shown());
  check_range(f, *v, r, s);
  return *v;
}

int64_t read_int(const entry& f, const range<int64_t>& r = {});
uint64_t read_uint(const entry& f);
double read_double(const entry& f, const range<double>& r = {});
bool read_bool(const entry& f);
/// Any scalar as text (numbers included), after substitution.
std::string read_string(const entry& f);
/// As read_string, but an empty string is an error.
std::string read_nonempty_string(const entry& f);
secret read_secret(const entry& f);
/// A list of scalars as strings.
std::vector<std::string> read_string_list(const entry& f);

/// The index of the scalar's text in `names`, else "unknown value" naming them.
size_t read_choice(const entry& f, const std::vector<std::string_view>& names);

template <class E>
E read_enum(const entry& f) {
  const auto& values = enum_names<E>::values;
  return static_cast<E>(read_choice(f, {values.begin(), values.end()}));
}

/// The closest candidate within `max_distance` edits (Levenshtein), if any.
std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string_view>& candidates,
                                   size_t max_distance = 2);

} // namespace engine::config_read
