// Typed, validating readers over yaml-cpp nodes: every error names file, line and key path.
#include "config/yaml_read.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

namespace engine::config_read {

namespace {

std::string kind_of(const YAML::Node& n) {
  if (!n || n.IsNull())
    return "nothing";
  if (n.IsMap())
    return "a map";
  if (n.IsSequence())
    return "a list";
  return "a value";
}

int line_of(const YAML::Mark& m, int fallback) {
  return m.line >= 0 ? m.line + 1 : fallback;
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

/// Resolves a whole-value `${NAME}` or `${file:path}`; other text is returned as is.
scalar_text substitute(const entry& f, const std::string& raw) {
  auto pos = raw.find("${");
  if (pos == std::string::npos)
    return {raw, ""};
  // Only a whole-value reference: splicing into text would hide typos.
  if (pos != 0 || raw.back() != '}' || raw.find('}') != raw.size() - 1)
    f.fail("a ${...} reference must be the whole value");
  std::string inner = raw.substr(2, raw.size() - 3);
  if (inner.rfind("file:", 0) == 0) {
    std::string given = inner.substr(5);
    if (given.empty())
      f.fail("${file:...} needs a path");
    std::filesystem::path p{given};
    if (p.is_relative() && !f.src->base_dir.empty())
      p = std::filesystem::path{f.src->base_dir} / p;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> fp{std::fopen(p.c_str(), "rb"), &std::fclose};
    if (!fp)
      f.fail("cannot read secret file '" + given + "': " + std::strerror(errno));
    std::string line;
    for (int c; (c = std::fgetc(fp.get())) != EOF && c != '\n';)
      line.push_back(static_cast<char>(c));
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      f.fail("secret file '" + given + "' has an empty first line");
    return {line, "${file:" + given + "}"};
  }
  if (!valid_env_name(inner))
    f.fail("'" + raw + "' is not a valid environment variable reference");
  const char* value = std::getenv(inner.c_str());
  if (value == nullptr)
    f.fail("environment variable " + inner + " is not set");
  return {value, "${" + inner + "}"};
}

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (auto n : names)
    out += (out.empty() ? "" : ", ") + std::string{n};
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t subst = prev[j - 1] + (std::tolower(static_cast<unsigned char>(a[i - 1])) !=
                                    std::tolower(static_cast<unsigned char>(b[j - 1])));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

} // namespace

void entry::fail(const std::string& message) const {
  throw config_error(src->file, line, path, message);
}

void entry::fail_at(std::string_view key, const std::string& message) const {
  throw config_error(src->file, line, child_path(key), message);
}

std::string entry::child_path(std::string_view key) const {
  return path.empty() ? std::string{key} : path + "." + std::string{key};
}

const entry* section::get(std::string_view key) const {
  for (const auto& [name, f] : fields_)
    if (name == key)
      return &f;
  return nullptr;
}

const entry& section::require(std::string_view key, const std::string& why) const {
  if (const entry* f = get(key))
    return *f;
  self_.fail_at(key, why.empty() ? "required" : "required " + why);
}

namespace {

/// Walks a map's keys in document order, so the first problem is the one
/// reported; with `allowed`, a key not in it is an error too.
std::vector<std::pair<std::string, entry>>
map_entries(const entry& f, const std::vector<std::string_view>* allowed, std::string_view where) {
  std::vector<std::pair<std::string, entry>> fields;
  if (f.is_null())
    return fields;
  if (!f.node.IsMap())
    f.fail("expected a map of keys, got " + kind_of(f.node));
  for (const auto& kv : f.node) {
    YAML::Node key_node = kv.first;
    int line = line_of(key_node.Mark(), f.line);
    if (!key_node.IsScalar())
      entry{f.src, key_node, f.path, line}.fail("a key must be plain text, got " +
                                                kind_of(key_node));
    const std::string& key = key_node.Scalar();
    entry child{f.src, kv.second, f.child_path(key), line};
    if (allowed && std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
      std::string msg = "unknown key";
      if (!where.empty())
        msg += " " + std::string{where};
      if (auto near = closest(key, *allowed))
        msg += "; did you mean '" + *near + "'?";
      child.fail(msg);
    }
    for (const auto& [seen, prev] : fields)
      if (seen == key)
        child.fail("duplicate key (first at line " + std::to_string(prev.line) + ")");
    fields.emplace_back(key, std::move(child));
  }
  return fields;
}

} // namespace

std::vector<std::pair<std::string, entry>> read_map(const entry& f) {
  return map_entries(f, nullptr, "");
}

std::optional<entry> peek(const entry& f, std::string_view key) {
  if (f.is_null() || !f.node.IsMap())
    return std::nullopt;
  for (const auto& kv : f.node)
    if (kv.first.IsScalar() && kv.first.Scalar() == key)
      return entry{f.src, kv.second, f.child_path(key), line_of(kv.first.Mark(), f.line)};
  return std::nullopt;
}

section check_keys(const entry& f, const std::vector<std::string_view>& allowed,
                   std::string_view where) {
  return section{f, map_entries(f, &allowed, where)};
}

std::vector<entry> read_list(const entry& f) {
  std::vector<entry> items;
  if (f.is_null())
    return items;
  if (!f.node.IsSequence())
    f.fail("expected a list, got " + kind_of(f.node));
  size_t i = 0;
  for (const auto& item : f.node) {
    items.push_back(entry{f.src, item, f.path + "[" + std::to_string(i) + "]",
                          line_of(item.Mark(), f.line)});
    ++i;
  }
  return items;
}

std::string scalar_text::shown() const {
  return origin.empty() ? "'" + text + "'" : "the value of " + origin;
}

scalar_text read_scalar(const entry& f, std::string_view expected) {
  if (f.is_null() || !f.node.IsScalar())
    f.fail("expected " + std::string{expected} + ", got " + kind_of(f.node));
  return substitute(f, f.node.Scalar());
}

std::string to_text(int64_t v) {
  return std::to_string(v);
}

std::string to_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string decimal_problem(std::string_view text, int digits) {
  size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  size_t int_digits = 0, frac_digits = 0, significant_frac = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
    ++int_digits;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
      if (++frac_digits, text[i] != '0')
        significant_frac = frac_digits;
  }
  if (i != text.size() || int_digits + frac_digits == 0)
    return "expected a decimal number";
  if (significant_frac > static_cast<size_t>(digits))
    return "too many decimal places (at most " + std::to_string(digits) + ")";
  return "out of range";
}

int64_t read_int(const entry& f, const range<int64_t>& r) {
  auto s = read_scalar(f, "an integer");
  std::string_view t = s.text;
  if (!t.empty() && t[0] == '+')
    t.remove_prefix(1);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec == std::errc::result_out_of_range)
    f.fail("out of range, got " + s.shown());
  if (ec != std::errc{} || end != t.data() + t.size() || t.empty())
    f.fail("expected an integer, got " + s.shown());
  check_range(f, v, r, s);
  return v;
}

uint64_t read_uint(const entry& f) {
  auto s = read_scalar(f, "a non-negative integer");
  std::string_view t = s.text;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec == std::errc::result_out_of_range)
    f.fail("out of range, got " + s.shown());
  if (ec != std::errc{} || end != t.data() + t.size() || t.empty())
    f.fail("expected a non-negative integer, got " + s.shown());
  return v;
}

double read_double(const entry& f, const range<double>& r) {
  auto s = read_scalar(f, "a number");
  std::string_view t = s.text;
  if (!t.empty() && t[0] == '+')
    t.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc{} || end != t.data() + t.size() || t.empty() || !std::isfinite(v))
    f.fail("expected a number, got " + s.shown());
  check_range(f, v, r, s);
  return v;
}

bool read_bool(const entry& f) {
  auto s = read_scalar(f, "true or false");
  std::string lower = s.text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true")
    return true;
  if (lower == "false")
    return false;
  f.fail("expected true or false, got " + s.shown());
}

std::string read_string(const entry& f) {
  if (f.is_null())
    return ""; // `key:` with nothing after it reads as an empty string
  return read_scalar(f, "text").text;
}

std::string read_nonempty_string(const entry& f) {
  std::string s = read_string(f);
  if (s.empty())
    f.fail("must not be empty");
  return s;
}

secret read_secret(const entry& f) {
  return secret{read_string(f)};
}

std::vector<std::string> read_string_list(const entry& f) {
  std::vector<std::string> out;
  for (const auto& item : read_list(f))
    out.push_back(read_nonempty_string(item));
  return out;
}

size_t read_choice(const entry& f, const std::vector<std::string_view>& names) {
  auto s = read_scalar(f, "one of " + join(names));
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == s.text)
      return i;
  f.fail("unknown value " + s.shown() + "; expected one of " + join(names));
}

std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string_view>& candidates,
                                   size_t max_distance) {
  std::optional<std::string> best;
  size_t best_distance = max_distance + 1;
  for (auto c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = std::string{c};
    }
  }
  return best;
}

} // namespace engine::config_read
