// Encoding and strict decoding of the transport's msgpack header frame.
#include "nodes/transport/wire.hpp"

#include <msgpack.hpp>

namespace engine::transport {

namespace {

constexpr uint32_t header_fields = 11;

// msgpack's packer wants a stream with write(); appending to a std::string avoids a copy.
struct string_sink {
  std::string& out;
  void write(const char* p, size_t n) { out.append(p, n); }
};

bool fail(std::string* why, const char* reason) {
  if (why)
    *why = reason;
  return false;
}

bool read_uint(const msgpack::object& o, uint64_t& v) {
  if (o.type != msgpack::type::POSITIVE_INTEGER)
    return false;
  v = o.via.u64;
  return true;
}

bool read_str(const msgpack::object& o, std::string& v) {
  if (o.type != msgpack::type::STR || o.via.str.size > max_name_bytes)
    return false;
  v.assign(o.via.str.ptr, o.via.str.size);
  return true;
}

} // namespace

namespace {

void encode_fields(std::string& out, frame_kind kind, const std::string& sender_node,
                   uint64_t incarnation, const std::string& target, uint16_t type_id,
                   uint64_t seq, const std::string& reply_to, uint64_t request_id,
                   uint64_t ack_upto, uint64_t ack_incarnation) {
  out.clear();
  string_sink sink{out};
  msgpack::packer<string_sink> pk(sink);
  pk.pack_array(header_fields);
  pk.pack_uint64(wire_version);
  pk.pack_uint8(static_cast<uint8_t>(kind));
  pk.pack(sender_node);
  pk.pack_uint64(incarnation);
  pk.pack(target);
  pk.pack_uint16(type_id);
  pk.pack_uint64(seq);
  pk.pack(reply_to);
  pk.pack_uint64(request_id);
  pk.pack_uint64(ack_upto);
  pk.pack_uint64(ack_incarnation);
}

} // namespace

void encode_header(const frame_header& h, std::string& out) {
  encode_fields(out, h.kind, h.sender_node, h.incarnation, h.target, h.type_id, h.seq,
                h.reply_to, h.request_id, h.ack_upto, h.ack_incarnation);
}

void encode_data_header(const envelope& e, uint64_t ack_upto, std::string& out) {
  encode_fields(out, frame_kind::data, e.sender_node, e.incarnation, e.target, e.type_id, e.seq,
                e.reply_to, e.request_id, ack_upto, 0);
}

std::string encode_header(const frame_header& h) {
  std::string out;
  encode_header(h, out);
  return out;
}

bool decode_header(const void* data, size_t size, frame_header& out, std::string* why) {
  // Limits keep a hostile frame from making the unpacker allocate much: one flat array of
  // scalars and short strings, nothing else.
  static const msgpack::unpack_limit limits{/*array*/ header_fields, /*map*/ 0,
                                            /*str*/ max_name_bytes, /*bin*/ 0, /*ext*/ 0,
                                            /*depth*/ 2};
  msgpack::object_handle handle;
  size_t offset = 0;
  try {
    handle = msgpack::unpack(static_cast<const char*>(data), size, offset, nullptr, nullptr,
                             limits);
  } catch (const std::exception&) {
    return fail(why, "not msgpack");
  }
  if (offset != size)
    return fail(why, "trailing bytes");
  const msgpack::object& root = handle.get();
  if (root.type != msgpack::type::ARRAY || root.via.array.size != header_fields)
    return fail(why, "not an 11-field array");
  const msgpack::object* f = root.via.array.ptr;
  uint64_t version = 0, kind = 0, type_id = 0;
  if (!read_uint(f[0], version) || version != wire_version)
    return fail(why, "wrong version");
  if (!read_uint(f[1], kind) || kind > static_cast<uint64_t>(frame_kind::heartbeat))
    return fail(why, "unknown kind");
  out.kind = static_cast<frame_kind>(kind);
  if (!read_str(f[2], out.sender_node) || !read_uint(f[3], out.incarnation)
      || !read_str(f[4], out.target) || !read_uint(f[5], type_id) || type_id > 0xFFFF
      || !read_uint(f[6], out.seq) || !read_str(f[7], out.reply_to)
      || !read_uint(f[8], out.request_id) || !read_uint(f[9], out.ack_upto)
      || !read_uint(f[10], out.ack_incarnation))
    return fail(why, "bad field type");
  out.type_id = static_cast<uint16_t>(type_id);
  if (out.sender_node.empty() || out.incarnation == 0)
    return fail(why, "no sender");
  if (out.kind == frame_kind::data && (out.target.empty() || out.seq == 0))
    return fail(why, "data without target or seq");
  if (out.kind == frame_kind::ack && out.ack_incarnation == 0)
    return fail(why, "ack without incarnation");
  return true;
}

} // namespace engine::transport
