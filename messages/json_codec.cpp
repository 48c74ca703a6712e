// JSON reading (simdjson) for every message type, driven by inspect.
#include "messages/codec.hpp"

#include <simdjson.h>

namespace engine {

void json_writer::write_string(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out_ += '"';
  // Append runs of characters that need no escape at once, not one by one.
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u != '"' && u != '\\')
      continue;
    out_.append(s.data() + run, i - run);
    run = i + 1;
    switch (u) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        out_ += "\\u00";
        out_ += hex[u >> 4];
        out_ += hex[u & 0xf];
    }
  }
  out_.append(s.data() + run, s.size() - run);
  out_ += '"';
}

namespace {

/// Fills a message from a simdjson object, field by field as inspect lists them.
class json_reader {
public:
  using result_type = bool;

  json_reader(simdjson::dom::object obj, std::string path, std::string& error,
              missing_fields missing = missing_fields::error)
    : obj_(obj), path_(std::move(path)), error_(error), missing_(missing) {}

  template <class... Ts>
  bool operator()(Ts&&... xs) {
    return (consume(xs) && ...);
  }

  template <class T>
  bool read(simdjson::dom::element e, T& x, const std::string& where) {
    using type = std::decay_t<T>;
    if constexpr (detail::is_decimal<type>::value) {
      std::string_view s;
      if (e.get_string().get(s))
        return fail(where, "expected a decimal string");
      auto d = type::parse(s);
      if (!d)
        return fail(where, "not an exact decimal in range: \"" + std::string{s} + "\"");
      x = *d;
      return true;
    } else if constexpr (detail::is_named_enum<type>::value) {
      std::string_view s;
      if (e.get_string().get(s))
        return fail(where, "expected an enum name string");
      auto v = enum_from_string<type>(s);
      if (!v)
        return fail(where, "unknown value \"" + std::string{s} + "\"");
      x = *v;
      return true;
    } else if constexpr (std::is_same_v<type, bool>) {
      if (e.get_bool().get(x))
        return fail(where, "expected a boolean");
      return true;
    } else if constexpr (std::is_integral_v<type> && std::is_signed_v<type>) {
      int64_t v;
      if (e.get_int64().get(v))
        return fail(where, "expected a signed integer");
      x = static_cast<type>(v);
      return true;
    } else if constexpr (std::is_integral_v<type>) {
      uint64_t v;
      if (e.get_uint64().get(v))
        return fail(where, "expected an unsigned integer");
      x = static_cast<type>(v);
      return true;
    } else if constexpr (std::is_same_v<type, std::string>) {
      std::string_view s;
      if (e.get_string().get(s))
        return fail(where, "expected a string");
      x.assign(s.data(), s.size());
      return true;
    } else if constexpr (detail::is_vector<type>::value) {
      simdjson::dom::array arr;
      if (e.get_array().get(arr))
        return fail(where, "expected an array");
      x.clear();
      size_t i = 0;
      for (auto item : arr) {
        x.emplace_back();
        if (!read(item, x.back(), where + "[" + std::to_string(i++) + "]"))
          return false;
      }
      return true;
    } else {
      simdjson::dom::object obj;
      if (e.get_object().get(obj))
        return fail(where, "expected an object");
      json_reader nested{obj, where, error_};
      return inspect(nested, x);
    }
  }

private:
  template <class T>
  bool consume(T& x) {
    using type = std::decay_t<T>;
    if constexpr (std::is_same_v<type, field_t>) {
      key_ = x.name;
      optional_ = x.optional;
      return true;
    } else if constexpr (detail::is_annotation_v<type>) {
      return true;
    } else {
      auto where = path_.empty() ? std::string{key_} : path_ + "." + key_;
      simdjson::dom::element e;
      if (obj_[key_].get(e)) {
        bool defaulted = missing_ == missing_fields::take_default
                         && detail::omittable_v<std::decay_t<T>>;
        if (!optional_ && !defaulted)
          return fail(where, "missing field");
        x = std::decay_t<T>{}; // written before the field existed, or left out: its default
        return true;
      }
      return read(e, x, where);
    }
  }

  bool fail(const std::string& where, const std::string& what) {
    error_ = where.empty() ? what : where + ": " + what;
    return false;
  }

  simdjson::dom::object obj_;
  std::string path_;
  std::string& error_;
  const char* key_ = "";
  bool optional_ = false;
  missing_fields missing_; // nested objects are written whole: their readers keep `error`
};

} // namespace

template <class T>
decode_status from_json(std::string_view text, T& x, missing_fields missing) {
  // One parser per thread: simdjson parsers reuse their buffers.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(text.data(), text.size()).get(root))
    return decode_status::failure(std::string{"invalid JSON: "} + simdjson::error_message(err));
  std::string error;
  simdjson::dom::object obj;
  if (root.get_object().get(obj))
    return decode_status::failure("expected a JSON object");
  json_reader r{obj, "", error, missing};
  if (!inspect(r, x))
    return decode_status::failure(error);
  return {};
}

#define ENGINE_INSTANTIATE_JSON(T) \
  template decode_status from_json<T>(std::string_view, T&, missing_fields);
ENGINE_MESSAGE_TYPES(ENGINE_INSTANTIATE_JSON)
#undef ENGINE_INSTANTIATE_JSON

} // namespace engine
