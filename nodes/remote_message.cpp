// Turns any engine message (a caf::message of atoms, primitives and message structs) into bytes and back.
#include "nodes/remote_message.hpp"

#include <cstring>

#include <caf/message_builder.hpp>

#include "messages/codec.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

// Element tags on the wire; message structs follow at struct_base + index.
enum tag : uint16_t {
  atom_tag = 1,
  string_tag,
  int64_tag,
  uint64_tag,
  bool_tag,
  trading_state_tag,
  positions_tag,
  executions_tag,
  fills_tag,
  broker_statuses_tag,
  reject_reason_tag, // the risk manager's verdict (check_atom, n, RejectReason, detail)
  struct_base = 100,
};

constexpr size_t max_elements = 16;

void put_u16(std::string& out, uint16_t x) { out.append(reinterpret_cast<const char*>(&x), 2); }
void put_u32(std::string& out, uint32_t x) { out.append(reinterpret_cast<const char*>(&x), 4); }

void put_element(std::string& out, uint16_t t, std::string_view body) {
  put_u16(out, t);
  put_u32(out, static_cast<uint32_t>(body.size()));
  out.append(body.data(), body.size());
}

std::string u64_bytes(uint64_t x) { return std::string(reinterpret_cast<const char*>(&x), 8); }

template <class T>
std::string vector_bytes(const std::vector<T>& xs) {
  std::string out;
  put_u32(out, static_cast<uint32_t>(xs.size()));
  for (auto& x : xs) {
    auto b = to_msgpack(x);
    put_u32(out, static_cast<uint32_t>(b.size()));
    out += b;
  }
  return out;
}

/// A bounds-checked reader over the bytes.
struct reader {
  std::string_view in;
  bool take(size_t n, std::string_view& out) {
    if (in.size() < n)
      return false;
    out = in.substr(0, n);
    in.remove_prefix(n);
    return true;
  }
  template <class T>
  bool number(T& x) {
    std::string_view b;
    if (!take(sizeof(T), b))
      return false;
    std::memcpy(&x, b.data(), sizeof(T));
    return true;
  }
};

template <class T>
bool vector_from(std::string_view body, std::vector<T>& out) {
  reader r{body};
  uint32_t n = 0;
  if (!r.number(n) || n > body.size())
    return false;
  out.resize(n);
  for (auto& x : out) {
    uint32_t len = 0;
    std::string_view b;
    if (!r.number(len) || !r.take(len, b) || !from_msgpack(b, x))
      return false;
  }
  return r.in.empty();
}

template <class T>
bool append_vector(caf::message_builder& mb, std::string_view body) {
  std::vector<T> xs;
  if (!vector_from(body, xs))
    return false;
  mb.append(std::move(xs));
  return true;
}

/// A one-byte enum element (TradingState, RejectReason), range-checked.
template <class E>
std::string enum_byte(E x) {
  return std::string(1, static_cast<char>(x));
}

template <class E>
bool append_enum(caf::message_builder& mb, std::string_view body) {
  auto x = body.size() == 1 ? enum_from_raw<E>(static_cast<uint8_t>(body[0])) : std::nullopt;
  if (!x)
    return false;
  mb.append(*x);
  return true;
}

} // namespace

std::optional<std::string> encode_message(const caf::message& msg) {
  if (msg.size() > max_elements)
    return std::nullopt;
  std::string out;
  out.push_back(static_cast<char>(msg.size()));
  for (size_t i = 0; i < msg.size(); ++i) {
    if (msg.match_element<caf::atom_value>(i)) {
      put_element(out, atom_tag, u64_bytes(static_cast<uint64_t>(msg.get_as<caf::atom_value>(i))));
    } else if (msg.match_element<std::string>(i)) {
      put_element(out, string_tag, msg.get_as<std::string>(i));
    } else if (msg.match_element<int64_t>(i)) {
      put_element(out, int64_tag, u64_bytes(static_cast<uint64_t>(msg.get_as<int64_t>(i))));
    } else if (msg.match_element<uint64_t>(i)) {
      put_element(out, uint64_tag, u64_bytes(msg.get_as<uint64_t>(i)));
    } else if (msg.match_element<bool>(i)) {
      put_element(out, bool_tag, std::string(1, msg.get_as<bool>(i) ? 1 : 0));
    } else if (msg.match_element<TradingState>(i)) {
      put_element(out, trading_state_tag, enum_byte(msg.get_as<TradingState>(i)));
    } else if (msg.match_element<RejectReason>(i)) {
      put_element(out, reject_reason_tag, enum_byte(msg.get_as<RejectReason>(i)));
    } else if (msg.match_element<std::vector<Position>>(i)) {
      put_element(out, positions_tag, vector_bytes(msg.get_as<std::vector<Position>>(i)));
    } else if (msg.match_element<std::vector<OrderExecution>>(i)) {
      put_element(out, executions_tag, vector_bytes(msg.get_as<std::vector<OrderExecution>>(i)));
    } else if (msg.match_element<std::vector<Fill>>(i)) {
      put_element(out, fills_tag, vector_bytes(msg.get_as<std::vector<Fill>>(i)));
    } else if (msg.match_element<std::vector<BrokerStatus>>(i)) {
      put_element(out, broker_statuses_tag, vector_bytes(msg.get_as<std::vector<BrokerStatus>>(i)));
    } else {
      bool done = false;
      uint16_t index = 0;
#define ENGINE_ENCODE_STRUCT(T)                                                \
  if (!done && msg.match_element<T>(i)) {                                      \
    put_element(out, static_cast<uint16_t>(struct_base + index),               \
                to_msgpack(msg.get_as<T>(i)));                                 \
    done = true;                                                               \
  }                                                                            \
  ++index;
      ENGINE_MESSAGE_TYPES(ENGINE_ENCODE_STRUCT)
#undef ENGINE_ENCODE_STRUCT
      if (!done)
        return std::nullopt;
    }
  }
  return out;
}

std::optional<caf::message> decode_message(std::string_view bytes) {
  reader r{bytes};
  uint8_t count = 0;
  if (!r.number(count) || count > max_elements)
    return std::nullopt;
  caf::message_builder mb;
  for (uint8_t e = 0; e < count; ++e) {
    uint16_t t = 0;
    uint32_t len = 0;
    std::string_view body;
    if (!r.number(t) || !r.number(len) || !r.take(len, body))
      return std::nullopt;
    reader br{body};
    switch (t) {
      case atom_tag: {
        uint64_t x = 0;
        if (!br.number(x) || !br.in.empty())
          return std::nullopt;
        mb.append(static_cast<caf::atom_value>(x));
        break;
      }
      case string_tag:
        mb.append(std::string{body});
        break;
      case int64_tag: {
        uint64_t x = 0;
        if (!br.number(x) || !br.in.empty())
          return std::nullopt;
        mb.append(static_cast<int64_t>(x));
        break;
      }
      case uint64_tag: {
        uint64_t x = 0;
        if (!br.number(x) || !br.in.empty())
          return std::nullopt;
        mb.append(x);
        break;
      }
      case bool_tag:
        if (body.size() != 1 || static_cast<uint8_t>(body[0]) > 1)
          return std::nullopt;
        mb.append(body[0] == 1);
        break;
      case trading_state_tag:
        if (!append_enum<TradingState>(mb, body))
          return std::nullopt;
        break;
      case reject_reason_tag:
        if (!append_enum<RejectReason>(mb, body))
          return std::nullopt;
        break;
      case positions_tag:
        if (!append_vector<Position>(mb, body))
          return std::nullopt;
        break;
      case executions_tag:
        if (!append_vector<OrderExecution>(mb, body))
          return std::nullopt;
        break;
      case fills_tag:
        if (!append_vector<Fill>(mb, body))
          return std::nullopt;
        break;
      case broker_statuses_tag:
        if (!append_vector<BrokerStatus>(mb, body))
          return std::nullopt;
        break;
      default: {
        bool done = false;
        uint16_t index = 0;
#define ENGINE_DECODE_STRUCT(T)                                                \
  if (!done && t == struct_base + index) {                                     \
    T x;                                                                       \
    if (!from_msgpack(body, x))                                                \
      return std::nullopt;                                                     \
    mb.append(std::move(x));                                                   \
    done = true;                                                               \
  }                                                                            \
  ++index;
        ENGINE_MESSAGE_TYPES(ENGINE_DECODE_STRUCT)
#undef ENGINE_DECODE_STRUCT
        if (!done)
          return std::nullopt;
      }
    }
  }
  if (!r.in.empty())
    return std::nullopt;
  return mb.move_to_message();
}

} // namespace engine
