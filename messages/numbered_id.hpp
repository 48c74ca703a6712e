// Ids of the form "<prefix>-<n>", as the engine and its strategies number them ("noise-41", "SIM-E-7").
#pragma once

#include <cstdint>
#include <string_view>

namespace engine {

/// Splits id at its last '-' into a non-empty prefix and 1-19 decimal digits (so n cannot
/// overflow). False for any other id. "a-007" splits to ("a", 7): see canonical_number.
inline bool split_numbered_id(std::string_view id, std::string_view& prefix, uint64_t& n) {
  auto dash = id.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || id.size() - dash - 1 == 0
      || id.size() - dash - 1 > 19)
    return false;
  uint64_t v = 0;
  for (auto c : id.substr(dash + 1)) {
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  prefix = id.substr(0, dash);
  n = v;
  return true;
}

/// True when id's digits are the number's only spelling (no leading zero, except "0"
/// itself), so that (prefix, n) names exactly one string: "a-7" but not "a-07".
inline bool canonical_number(std::string_view id) {
  auto digits = id.substr(id.rfind('-') + 1);
  return digits.size() == 1 || digits.front() != '0';
}

} // namespace engine
