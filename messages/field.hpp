// The field-name annotation that lets one `inspect` list serve CAF, msgpack and JSON.
#pragma once

#include <caf/meta/annotation.hpp>
#include <caf/meta/type_name.hpp>

namespace engine {

/// Names the field that follows it in an `inspect` list. CAF's own inspectors
/// skip annotations; our JSON codec uses the name as the object key.
/// An optional field may be missing from JSON (a journal written before it existed): it then
/// keeps its default. Only fields appended at the end of a list are ever optional.
struct field_t : caf::meta::annotation {
  constexpr explicit field_t(const char* n, bool opt = false) : name(n), optional(opt) {}
  const char* name;
  bool optional;
};

constexpr field_t field(const char* name, bool optional = false) {
  return field_t{name, optional};
}

} // namespace engine

/// `ENGINE_FIELD(x, price)` expands to `engine::field("price"), x.price`, so each
/// field is written exactly once, in the struct's inspect overload.
#define ENGINE_FIELD(obj, member) ::engine::field(#member), obj.member
/// The same for a field added later, which old JSON records do not carry.
#define ENGINE_OPTIONAL_FIELD(obj, member) ::engine::field(#member, true), obj.member
