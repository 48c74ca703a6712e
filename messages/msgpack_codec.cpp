// msgpack encoding and decoding (msgpack-c) for every message type, driven by inspect.
#include "messages/codec.hpp"

#include <utility>

#include <msgpack.hpp>

namespace engine {

namespace {

/// Packs the fields inspect lists; a struct becomes an array of its fields.
class msgpack_writer {
public:
  using result_type = void;

  explicit msgpack_writer(msgpack::packer<msgpack::sbuffer>& pk) : pk_(pk) {}

  template <class... Ts>
  void operator()(Ts&&... xs) {
    (consume(xs), ...);
  }

  template <class T>
  void write(const T& x) {
    using type = std::decay_t<T>;
    if constexpr (detail::is_decimal<type>::value) {
      pk_.pack_int64(x.raw());
    } else if constexpr (detail::is_named_enum<type>::value) {
      pk_.pack_uint8(static_cast<uint8_t>(x));
    } else if constexpr (std::is_same_v<type, bool>) {
      x ? pk_.pack_true() : pk_.pack_false();
    } else if constexpr (std::is_integral_v<type> && std::is_signed_v<type>) {
      pk_.pack_int64(x);
    } else if constexpr (std::is_integral_v<type>) {
      pk_.pack_uint64(x);
    } else if constexpr (std::is_same_v<type, std::string>) {
      pk_.pack_str(static_cast<uint32_t>(x.size()));
      pk_.pack_str_body(x.data(), static_cast<uint32_t>(x.size()));
    } else if constexpr (detail::is_vector<type>::value) {
      pk_.pack_array(static_cast<uint32_t>(x.size()));
      for (const auto& e : x)
        write(e);
    } else {
      pk_.pack_array(static_cast<uint32_t>(detail::field_count(x)));
      inspect(*this, const_cast<type&>(x));
    }
  }

private:
  template <class T>
  void consume(T& x) {
    if constexpr (!detail::is_annotation_v<T>)
      write(x);
  }

  msgpack::packer<msgpack::sbuffer>& pk_;
};

/// Reads the fields inspect lists from a msgpack array, checking every type.
class msgpack_reader {
public:
  using result_type = bool;

  msgpack_reader(msgpack::object_array arr, std::string& error)
    : arr_(arr), error_(error) {}

  template <class... Ts>
  bool operator()(Ts&&... xs) {
    return (consume(xs) && ...);
  }

  template <class T>
  bool read(const msgpack::object& o, T& x) {
    using type = std::decay_t<T>;
    if constexpr (detail::is_decimal<type>::value) {
      int64_t raw;
      if (!read_int(o, raw))
        return false;
      x = type::from_raw(raw);
      return true;
    } else if constexpr (detail::is_named_enum<type>::value) {
      if (o.type != msgpack::type::POSITIVE_INTEGER)
        return fail("expected an enum value");
      auto v = enum_from_raw<type>(o.via.u64);
      if (!v)
        return fail("enum value out of range: " + std::to_string(o.via.u64));
      x = *v;
      return true;
    } else if constexpr (std::is_same_v<type, bool>) {
      if (o.type != msgpack::type::BOOLEAN)
        return fail("expected a boolean");
      x = o.via.boolean;
      return true;
    } else if constexpr (std::is_integral_v<type> && std::is_signed_v<type>) {
      int64_t v;
      if (!read_int(o, v))
        return false;
      x = static_cast<type>(v);
      return true;
    } else if constexpr (std::is_integral_v<type>) {
      if (o.type != msgpack::type::POSITIVE_INTEGER)
        return fail("expected an unsigned integer");
      x = static_cast<type>(o.via.u64);
      return true;
    } else if constexpr (std::is_same_v<type, std::string>) {
      if (o.type != msgpack::type::STR)
        return fail("expected a string");
      x.assign(o.via.str.ptr, o.via.str.size);
      return true;
    } else if constexpr (detail::is_vector<type>::value) {
      if (o.type != msgpack::type::ARRAY)
        return fail("expected an array");
      x.clear();
      x.resize(o.via.array.size);
      for (uint32_t i = 0; i < o.via.array.size; ++i)
        if (!read(o.via.array.ptr[i], x[i]))
          return false;
      return true;
    } else {
      if (o.type != msgpack::type::ARRAY)
        return fail("expected an array for a struct");
      // Trailing optional fields may be missing (a peer built before they existed).
      auto fields = detail::count_fields(x);
      if (o.via.array.size < fields.required || o.via.array.size > fields.count)
        return fail("struct has " + std::to_string(o.via.array.size) + " fields, expected "
                    + (fields.required == fields.count
                         ? std::to_string(fields.count)
                         : std::to_string(fields.required) + " to "
                             + std::to_string(fields.count)));
      msgpack_reader nested{o.via.array, error_};
      return inspect(nested, x);
    }
  }

private:
  template <class T>
  bool consume(T& x) {
    if constexpr (std::is_same_v<std::decay_t<T>, field_t>) {
      next_optional_ = x.optional;
      return true;
    } else if constexpr (detail::is_annotation_v<T>) {
      return true;
    } else {
      bool optional = std::exchange(next_optional_, false);
      if (index_ >= arr_.size) {
        if (!optional)
          return fail("too few fields");
        x = std::decay_t<T>{}; // not sent: its default, as a missing JSON field
        return true;
      }
      return read(arr_.ptr[index_++], x);
    }
  }

  bool read_int(const msgpack::object& o, int64_t& out) {
    if (o.type == msgpack::type::NEGATIVE_INTEGER) {
      out = o.via.i64;
      return true;
    }
    if (o.type == msgpack::type::POSITIVE_INTEGER) {
      if (o.via.u64 > static_cast<uint64_t>(INT64_MAX))
        return fail("integer out of int64 range");
      out = static_cast<int64_t>(o.via.u64);
      return true;
    }
    return fail("expected an integer");
  }

  bool fail(std::string what) {
    error_ = std::move(what);
    return false;
  }

  msgpack::object_array arr_;
  std::string& error_;
  uint32_t index_ = 0;
  bool next_optional_ = false; // the field named last is optional
};

// Bounds for untrusted input: no single frame may make us allocate more.
const msgpack::unpack_limit input_limits{/*array*/ 1u << 20, /*map*/ 64, /*str*/ 1u << 20,
                                         /*bin*/ 1u << 20,   /*ext*/ 0,  /*depth*/ 16};

} // namespace

template <class T>
std::string to_msgpack(const T& x) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk{buf};
  msgpack_writer w{pk};
  w.write(x);
  return std::string{buf.data(), buf.size()};
}

template <class T>
decode_status from_msgpack(std::string_view bytes, T& x) {
  try {
    size_t offset = 0;
    auto handle = msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr,
                                  input_limits);
    if (offset != bytes.size())
      return decode_status::failure("trailing bytes after the message");
    std::string error;
    msgpack_reader top{msgpack::object_array{}, error};
    if (!top.read(handle.get(), x))
      return decode_status::failure(error);
    return {};
  } catch (const std::exception& e) {
    return decode_status::failure(std::string{"malformed msgpack: "} + e.what());
  }
}

#define ENGINE_INSTANTIATE_MSGPACK(T)                                          \
  template std::string to_msgpack<T>(const T&);                                \
  template decode_status from_msgpack<T>(std::string_view, T&);
ENGINE_MESSAGE_TYPES(ENGINE_INSTANTIATE_MSGPACK)
#undef ENGINE_INSTANTIATE_MSGPACK

} // namespace engine
