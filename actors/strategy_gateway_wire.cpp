// The strategy gateway's wire protocol: msgpack maps between the engine and a strategy in another process (no sockets, no CAF).
#include "actors/strategy_gateway_wire.hpp"

#include <msgpack.hpp>

namespace engine::gateway_wire {

namespace {

/// Packs one map; the pair count is given up front, as msgpack wants.
class map_out {
public:
  map_out(msgpack::packer<msgpack::sbuffer>& pk, uint32_t n) : pk_(pk) { pk_.pack_map(n); }
  map_out& str(std::string_view k, std::string_view v) {
    key(k);
    pk_.pack_str(static_cast<uint32_t>(v.size()));
    pk_.pack_str_body(v.data(), static_cast<uint32_t>(v.size()));
    return *this;
  }
  template <class Tag, int D>
  map_out& dec(std::string_view k, const decimal<Tag, D>& v) {
    return str(k, v.to_string());
  }
  map_out& num(std::string_view k, int64_t v) {
    key(k);
    pk_.pack_int64(v);
    return *this;
  }
  map_out& u64(std::string_view k, uint64_t v) {
    key(k);
    pk_.pack_uint64(v);
    return *this;
  }
  void key(std::string_view k) {
    pk_.pack_str(static_cast<uint32_t>(k.size()));
    pk_.pack_str_body(k.data(), static_cast<uint32_t>(k.size()));
  }
  msgpack::packer<msgpack::sbuffer>& pk_;
};

std::string done(const msgpack::sbuffer& b) { return std::string{b.data(), b.size()}; }

const msgpack::object* field(const msgpack::object& m, std::string_view key) {
  for (uint32_t i = 0; i < m.via.map.size; ++i) {
    const auto& kv = m.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR &&
        std::string_view{kv.key.via.str.ptr, kv.key.via.str.size} == key)
      return &kv.val;
  }
  return nullptr;
}

/// Thrown inside decode_client only, turned into its error text.
struct bad_field {
  std::string what;
};

std::string str_of(const msgpack::object& m, std::string_view key, bool required = true) {
  auto f = field(m, key);
  if (!f || f->type == msgpack::type::NIL) {
    if (required)
      throw bad_field{"'" + std::string{key} + "' is required"};
    return {};
  }
  if (f->type != msgpack::type::STR)
    throw bad_field{"'" + std::string{key} + "' must be a string"};
  return std::string{f->via.str.ptr, f->via.str.size};
}

uint64_t u64_of(const msgpack::object& m, std::string_view key) {
  auto f = field(m, key);
  if (!f)
    throw bad_field{"'" + std::string{key} + "' is required"};
  if (f->type != msgpack::type::POSITIVE_INTEGER)
    throw bad_field{"'" + std::string{key} + "' must be a non-negative integer"};
  return f->via.u64;
}

template <class T>
T dec_of(const msgpack::object& m, std::string_view key, bool required) {
  auto text = str_of(m, key, required);
  if (text.empty())
    return T{};
  auto v = T::parse(text);
  if (!v)
    throw bad_field{"'" + std::string{key} + "' is not an exact decimal: '" + text + "'"};
  return *v;
}

bool bool_of(const msgpack::object& m, std::string_view key) {
  auto f = field(m, key);
  if (!f || f->type == msgpack::type::NIL)
    return false;
  if (f->type != msgpack::type::BOOLEAN)
    throw bad_field{"'" + std::string{key} + "' must be true or false"};
  return f->via.boolean;
}

template <class E>
E enum_of(const msgpack::object& m, std::string_view key, E fallback) {
  auto text = str_of(m, key, false);
  if (text.empty())
    return fallback;
  auto v = enum_from_string<E>(text);
  if (!v)
    throw bad_field{"'" + std::string{key} + "' has an unknown value '" + text + "'"};
  return *v;
}

} // namespace

std::string encode_welcome(const std::string& strategy, uint64_t next_seq, uint64_t resumed_after,
                           const std::map<std::string, Quantity>& positions,
                           const std::vector<std::string>& open_orders) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk{b};
  map_out m{pk, 6};
  m.str("t", "welcome").str("strategy", strategy).u64("next_seq", next_seq);
  m.u64("resumed_after", resumed_after);
  m.key("positions");
  pk.pack_map(static_cast<uint32_t>(positions.size()));
  for (auto& [t, q] : positions) {
    pk.pack(t);
    pk.pack(q.to_string());
  }
  m.key("open_orders");
  pk.pack(open_orders);
  return done(b);
}

std::string encode_quotes(uint64_t seq, const std::vector<Quote>& quotes) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk{b};
  map_out m{pk, 3};
  m.str("t", "quotes").u64("seq", seq);
  m.key("quotes");
  pk.pack_array(static_cast<uint32_t>(quotes.size()));
  for (auto& q : quotes) {
    map_out{pk, 6}
      .str("ticker", q.ticker)
      .dec("bid", q.bid)
      .dec("ask", q.ask)
      .dec("bid_size", q.bid_size)
      .dec("ask_size", q.ask_size)
      .num("ts", q.timestamp);
  }
  return done(b);
}

std::string encode_update(uint64_t seq, const OrderUpdate& u) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk{b};
  map_out{pk, 14}
    .str("t", "update")
    .u64("seq", seq)
    .str("order_id", u.order_id)
    .str("client_order_id", u.client_order_id)
    .str("ticker", u.ticker)
    .str("side", enum_name(u.side))
    .str("status", enum_name(u.status))
    .dec("executed_quantity", u.executed_quantity)
    .dec("leaves_quantity", u.leaves_quantity)
    .dec("average_price", u.average_price)
    .dec("commission", u.commission)
    .str("reason", u.reason)
    .num("ts", u.timestamp)
    .str("reject", enum_name(u.reject)); // the code of a refusal ("none" otherwise)
  return done(b);
}

std::string encode_fill(uint64_t seq, const Fill& f) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk{b};
  map_out{pk, 11}
    .str("t", "fill")
    .u64("seq", seq)
    .str("exec_id", f.exec_id)
    .str("order_id", f.order_id)
    .str("client_order_id", f.client_order_id)
    .str("ticker", f.ticker)
    .str("side", enum_name(f.side))
    .dec("quantity", f.quantity)
    .dec("price", f.price)
    .dec("commission", f.commission)
    .num("ts", f.timestamp);
  return done(b);
}

std::string encode_position(uint64_t seq, const std::string& ticker, Quantity quantity) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk{b};
  map_out{pk, 4}.str("t", "position").u64("seq", seq).str("ticker", ticker).dec("quantity",
                                                                                   quantity);
  return done(b);
}

std::string encode_account(uint64_t seq, const AccountInfo& a) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk{b};
  map_out{pk, 7}
    .str("t", "account")
    .u64("seq", seq)
    .dec("cash", a.cash)
    .dec("equity", a.equity)
    .dec("buying_power", a.buying_power)
    .dec("initial_cash", a.initial_cash)
    .num("ts", a.timestamp);
  return done(b);
}

std::string encode_stop(uint64_t seq) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk{b};
  map_out{pk, 2}.str("t", "stop").u64("seq", seq);
  return done(b);
}

std::string encode_heartbeat() {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk{b};
  map_out{pk, 1}.str("t", "hb");
  return done(b);
}

std::string encode_error(const std::string& message) {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk{b};
  map_out{pk, 2}.str("t", "error").str("message", message);
  return done(b);
}

std::optional<client_message> decode_client(std::string_view bytes, std::string& error) {
  msgpack::object_handle oh;
  try {
    oh = msgpack::unpack(bytes.data(), bytes.size());
  } catch (const std::exception& e) {
    error = std::string{"not msgpack: "} + e.what();
    return std::nullopt;
  }
  const auto& m = oh.get();
  if (m.type != msgpack::type::MAP) {
    error = "a frame must be a msgpack map";
    return std::nullopt;
  }
  try {
    client_message out;
    auto t = str_of(m, "t");
    if (t == "subscribe") {
      out.kind = client_kind::subscribe;
      out.strategy = str_of(m, "strategy");
      out.seq = u64_of(m, "ack");
    } else if (t == "ack") {
      out.kind = client_kind::ack;
      out.seq = u64_of(m, "seq");
    } else if (t == "hb") {
      out.kind = client_kind::heartbeat;
    } else if (t == "order") {
      out.kind = client_kind::order;
      auto& o = out.order;
      o.client_order_id = str_of(m, "client_order_id");
      o.ticker = str_of(m, "ticker");
      o.side = enum_of(m, "side", OrderSide::buy);
      o.order_type = enum_of(m, "order_type", OrderType::market);
      o.quantity = dec_of<Quantity>(m, "quantity", true);
      o.price = dec_of<Price>(m, "price", false);
      o.stop_price = dec_of<Price>(m, "stop_price", false);
      o.time_in_force = enum_of(m, "time_in_force", TimeInForce::day);
      // Optional: a strategy that sends none of them makes a simple order.
      o.order_class = enum_of(m, "order_class", OrderClass::simple);
      o.take_profit_limit_price = dec_of<Price>(m, "take_profit_limit_price", false);
      o.stop_loss_stop_price = dec_of<Price>(m, "stop_loss_stop_price", false);
      o.stop_loss_limit_price = dec_of<Price>(m, "stop_loss_limit_price", false);
      o.extended_hours = bool_of(m, "extended_hours");
    } else if (t == "cancel") {
      out.kind = client_kind::cancel;
      out.cancel.order_id = str_of(m, "order_id");
    } else if (t == "replace") {
      out.kind = client_kind::replace;
      out.replace.order_id = str_of(m, "order_id");
      out.replace.quantity = dec_of<Quantity>(m, "quantity", false);
      out.replace.price = dec_of<Price>(m, "price", false);
      out.replace.stop_price = dec_of<Price>(m, "stop_price", false);
    } else {
      error = "unknown message type '" + t + "'";
      return std::nullopt;
    }
    return out;
  } catch (const bad_field& e) {
    error = e.what;
    return std::nullopt;
  }
}

} // namespace engine::gateway_wire
