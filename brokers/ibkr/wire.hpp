// The TWS API socket protocol's messages <-> bytes: framing, handshake, the requests the engine
// sends and the answers it reads, for a documented range of server versions. No sockets, no CAF.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "messages/decimal.hpp"
#include "messages/enums.hpp"

namespace engine::ibkr {

/// Server versions this client speaks. 157 (MIN_SERVER_VER_REPLACE_FA_END) is where every
/// per-message `version` field we read has settled; 176 (MIN_SERVER_VER_BOND_ISSUERID) is the
/// last before faProfile goes away (177). Protobuf messages start at 201; we stop well below.
inline constexpr int min_server_version = 157;
inline constexpr int max_server_version = 176;

/// A frame longer than this is not a TWS message but garbage: the connection is restarted.
inline constexpr uint32_t max_frame_bytes = 4u << 20;

/// IB's "no value" markers (Java's Double.MAX_VALUE and Integer.MAX_VALUE).
inline constexpr std::string_view unset_double_text = "1.7976931348623157E308";
inline constexpr int64_t unset_int = 2147483647;

/// Message ids (EDecoder / EClient).
namespace in {
inline constexpr int order_status = 3, error = 4, open_order = 5, next_valid_id = 9,
                     exec_details = 11, managed_accounts = 15, current_time = 49,
                     open_order_end = 53, exec_details_end = 55, commission_report = 59,
                     position = 61, position_end = 62, account_summary = 63,
                     account_summary_end = 64;
}
namespace out {
inline constexpr int place_order = 3, cancel_order = 4, req_open_orders = 5,
                     req_executions = 7, req_ids = 8, req_all_open_orders = 16,
                     req_current_time = 49, req_positions = 61, req_account_summary = 62,
                     cancel_account_summary = 63, cancel_positions = 64, start_api = 71;
}

// ---- framing ---------------------------------------------------------------------------------

/// Accumulates bytes and cuts them into frames; every length header is checked before anything
/// is allocated: a length of 0, or above the limit (including "negative" ones with the top bit
/// set), marks the stream broken and nothing more is returned.
class frame_reader {
public:
  explicit frame_reader(uint32_t max_bytes = max_frame_bytes) : max_(max_bytes) {}
  void feed(const char* data, size_t n);
  /// The next complete frame's payload, if any.
  std::optional<std::string> next();
  bool broken() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  size_t buffered() const { return buf_.size() - pos_; }

private:
  uint32_t max_;
  std::string buf_;
  size_t pos_ = 0;
  std::string error_;
};

/// Prepends the 4-byte big-endian length.
std::string frame(std::string_view payload);

/// Splits a payload into its NUL-terminated fields; nullopt when the last field lacks its NUL.
std::optional<std::vector<std::string>> split_fields(std::string_view payload);

/// Builds one message's payload field by field.
class field_writer {
public:
  field_writer& add(std::string_view s);
  field_writer& add(const char* s) { return add(std::string_view{s}); }
  field_writer& add(const std::string& s) { return add(std::string_view{s}); }
  field_writer& add(int64_t v);
  field_writer& add(int v) { return add(static_cast<int64_t>(v)); }
  field_writer& add_bool(bool b) { return add(b ? "1" : "0"); }
  field_writer& empty() { return add(std::string_view{}); }
  const std::string& payload() const { return out_; }
  std::string framed() const { return frame(out_); }

private:
  std::string out_;
};

// ---- values ----------------------------------------------------------------------------------

/// A number in IB's text (Java double formatting: "150.25", "1.0E-4", "100", unset markers) to
/// raw units of 10^-digits, rounded half-even; unset (empty or Double.MAX_VALUE) gives `unset`.
struct number_result {
  bool ok = false;
  bool unset = false;
  int64_t raw = 0;
};
number_result parse_number(std::string_view text, int digits);

template <class D>
std::optional<D> parse_decimal(std::string_view text) {
  auto r = parse_number(text, D::digits);
  if (!r.ok || r.unset)
    return std::nullopt;
  return D::from_raw(r.raw);
}

/// An int field: digits with an optional sign; never a decimal point. Unset (empty or
/// Integer.MAX_VALUE) gives nullopt with ok=true.
struct int_result {
  bool ok = false;
  std::optional<int64_t> value;
};
int_result parse_int(std::string_view text);

/// BUY/SELL (orders) and BOT/SLD (executions).
std::optional<OrderSide> parse_side(std::string_view text);
std::string_view action_text(OrderSide s);

// ---- handshake -------------------------------------------------------------------------------

/// "API\0" raw, then the length-prefixed "v<min>..<max>" (no trailing NUL).
std::string encode_handshake(int min_version = min_server_version,
                             int max_version = max_server_version);

struct handshake_reply {
  int server_version = 0;
  std::string connection_time;
};
/// The reply frame has exactly two fields; anything else is an error (text in `error`).
std::optional<handshake_reply> decode_handshake_reply(std::string_view payload, std::string& error);

/// Empty when the version is in our range; otherwise the refusal text.
std::string check_server_version(int v);

// ---- requests --------------------------------------------------------------------------------

/// Why a multi-leg order is refused: this client sends one order per request, never legs.
inline constexpr std::string_view unsupported_order_class_reason =
  "unsupported_order_class: IBKR takes simple orders only (bracket, oco and oto legs are not sent)";

/// An order as placeOrder sends it: stocks via SMART in USD unless told otherwise.
struct order_spec {
  int64_t order_id = 0;
  std::string symbol;
  std::string sec_type = "STK";
  std::string exchange = "SMART";
  std::string currency = "USD";
  OrderSide side = OrderSide::buy;
  Quantity quantity;
  OrderType type = OrderType::market;
  Price limit_price;    // LMT, STP LMT
  Price stop_price;     // STP, STP LMT (auxPrice); TRAIL: the initial trail stop (optional)
  Price trail_amount;   // TRAIL by amount (auxPrice)
  Rate trail_percent;   // TRAIL by fraction (0.01 = 1%, sent as trailingPercent 1)
  TimeInForce tif = TimeInForce::day;
  std::string account;
  std::string order_ref; // the engine's order id
  bool transmit = true;
  OrderClass order_class = OrderClass::simple; // only simple is sent (no legs over this wire)
};

/// IB's order type text ("MKT", "LMT", "STP", "STP LMT", "TRAIL") and time in force; nullopt
/// for what IB cannot take from us (cls, gtd without a date).
std::optional<std::string_view> order_type_text(OrderType t);
std::optional<std::string_view> tif_text(TimeInForce t);
std::optional<OrderType> parse_order_type(std::string_view text);
std::optional<TimeInForce> parse_tif(std::string_view text);

/// Empty string when the spec cannot be sent (the reason goes to `error`); a bracket, oco or
/// oto is refused with "unsupported_order_class: ..." rather than sent without its legs.
std::string encode_place_order(const order_spec& o, int server_version, std::string& error);
std::string encode_cancel_order(int64_t order_id, int server_version);
std::string encode_start_api(int client_id, std::string_view optional_capabilities = {});
std::string encode_req_ids();
std::string encode_req_open_orders();
std::string encode_req_all_open_orders();
std::string encode_req_current_time();
/// The execution filter: `time` is "yyyymmdd-hh:mm:ss" (UTC) or empty for the whole day.
struct exec_filter {
  int client_id = 0;
  std::string account;
  std::string time;
  std::string symbol;
  std::string sec_type;
  std::string exchange;
  std::string side; // BUY / SELL / empty
};
std::string encode_req_executions(int req_id, const exec_filter& f);
std::string encode_req_positions();
std::string encode_cancel_positions();
std::string encode_req_account_summary(int req_id, std::string_view group, std::string_view tags);
std::string encode_cancel_account_summary(int req_id);

// ---- answers ---------------------------------------------------------------------------------

struct next_valid_id_msg {
  int64_t order_id = 0;
};
struct managed_accounts_msg {
  std::vector<std::string> accounts;
};
struct order_status_msg {
  int64_t order_id = 0;
  std::string status; // PendingSubmit, PreSubmitted, Submitted, Filled, Cancelled, Inactive...
  Quantity filled;
  Quantity remaining;
  Price avg_fill_price;
  int64_t perm_id = 0;
  int64_t parent_id = 0;
  Price last_fill_price;
  int64_t client_id = 0;
  std::string why_held;
};
struct open_order_msg {
  int64_t order_id = 0;
  std::string symbol, sec_type, exchange, currency;
  OrderSide side = OrderSide::buy;
  Quantity quantity;
  std::string order_type; // IB's text
  std::optional<Price> limit_price, aux_price;
  std::string tif;
  std::string account;
  std::string order_ref;
  int64_t client_id = 0;
  int64_t perm_id = 0;
  std::optional<Price> trail_stop_price;
  std::optional<Rate> trailing_percent; // as IB sends it: 1 = 1%
  std::string status;
};
struct exec_details_msg {
  int64_t req_id = -1; // -1: live; otherwise the reqExecutions id
  int64_t order_id = 0;
  std::string symbol, sec_type, currency;
  std::string exec_id;
  std::string time; // as sent; see ib_time.hpp
  std::string account, exchange;
  OrderSide side = OrderSide::buy; // from BOT/SLD
  Quantity shares;
  Price price;
  int64_t perm_id = 0;
  int64_t client_id = 0;
  Quantity cum_qty;
  Price avg_price;
  std::string order_ref;
};
struct exec_details_end_msg {
  int64_t req_id = 0;
};
struct commission_report_msg {
  std::string exec_id;
  std::optional<Money> commission;
  std::string currency;
  std::optional<Money> realized_pnl; // unset on opening fills
};
struct position_msg {
  std::string account, symbol, sec_type, currency;
  Quantity position;
  Price avg_cost;
};
struct position_end_msg {};
struct account_summary_msg {
  int64_t req_id = 0;
  std::string account, tag, value, currency;
};
struct account_summary_end_msg {
  int64_t req_id = 0;
};
struct open_order_end_msg {};
struct error_msg {
  int64_t id = -1;
  int code = 0;
  std::string text;
  std::string advanced_order_reject_json; // from server version 166
};
struct current_time_msg {
  int64_t epoch_seconds = 0;
};
/// A message id we do not read (market data, news...): skipped, not an error.
struct unhandled_msg {
  int msg_id = 0;
};

using message =
  std::variant<unhandled_msg, next_valid_id_msg, managed_accounts_msg, order_status_msg,
               open_order_msg, exec_details_msg, exec_details_end_msg, commission_report_msg,
               position_msg, position_end_msg, account_summary_msg, account_summary_end_msg,
               open_order_end_msg, error_msg, current_time_msg>;

/// Decodes one frame's fields at a server version; nullopt with `error` set when a message we
/// read is malformed (too few fields, an int with a decimal point, a bad number).
std::optional<message> decode(const std::vector<std::string>& fields, int server_version,
                              std::string& error);

} // namespace engine::ibkr
