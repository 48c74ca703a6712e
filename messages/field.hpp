// The field-name annotation that lets one `inspect` list serve CAF, msgpack and JSON.
#pragma once

#include <caf/meta/annotation.hpp>
#include <caf/meta/type_name.hpp>

namespace engine {

/// Names the field that follows it in an `inspect` list. CAF's own inspectors
/// skip annotations; our JSON codec uses the name as the object key.
struct field_t : caf::meta::annotation {
  constexpr explicit field_t(const char* n) : name(n) {}
  const char* name;
};

constexpr field_t field(const char* name) { return field_t{name}; }

} // namespace engine

/// `ENGINE_FIELD(x, price)` expands to `engine::field("price"), x.price`, so each
/// field is written exactly once, in the struct's inspect overload.
#define ENGINE_FIELD(obj, member) ::engine::field(#member), obj.member
