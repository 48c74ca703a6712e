// The TWS API socket protocol: framing, values, handshake, encoders and decoders by version.
#include "brokers/ibkr/wire.hpp"

#include <cstring>

namespace engine::ibkr {

// ---- framing ---------------------------------------------------------------------------------

void frame_reader::feed(const char* data, size_t n) {
  if (broken())
    return;
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  buf_.append(data, n);
}

std::optional<std::string> frame_reader::next() {
  if (broken() || buffered() < 4)
    return std::nullopt;
  auto b = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
  uint32_t len = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  if (len == 0 || len > max_) {
    error_ = "frame length " + std::to_string(len) + " outside 1.." + std::to_string(max_);
    return std::nullopt;
  }
  if (buffered() - 4 < len)
    return std::nullopt;
  std::string out = buf_.substr(pos_ + 4, len);
  pos_ += 4 + len;
  // Keep the buffer from growing without bound on a long-lived connection.
  if (pos_ > (1u << 16) && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return out;
}

std::string frame(std::string_view payload) {
  auto n = static_cast<uint32_t>(payload.size());
  std::string out;
  out.reserve(4 + payload.size());
  out.push_back(static_cast<char>((n >> 24) & 0xff));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.append(payload);
  return out;
}

std::optional<std::vector<std::string>> split_fields(std::string_view payload) {
  std::vector<std::string> out;
  if (payload.empty() || payload.back() != '\0')
    return std::nullopt;
  size_t start = 0;
  for (size_t i = 0; i < payload.size(); ++i)
    if (payload[i] == '\0') {
      out.emplace_back(payload.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

field_writer& field_writer::add(std::string_view s) {
  out_.append(s);
  out_.push_back('\0');
  return *this;
}

field_writer& field_writer::add(int64_t v) { return add(std::to_string(v)); }

// ---- values ----------------------------------------------------------------------------------

number_result parse_number(std::string_view s, int digits) {
  number_result r;
  if (s.empty() || s == unset_double_text || s.rfind("1.7976931348623157E308", 0) == 0 ||
      s == "Infinity" || s == "Infinite") {
    r.ok = true;
    r.unset = true;
    return r;
  }
  size_t i = 0;
  bool neg = false;
  if (s[i] == '-' || s[i] == '+') {
    neg = s[i] == '-';
    ++i;
  }
  std::string mant;
  int frac = 0;
  bool dot = false, any = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (!(mant.empty() && c == '0'))
        mant.push_back(c);
      if (dot)
        ++frac;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any)
    return r;
  int exp = 0;
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E')
      return r;
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
      eneg = s[i] == '-';
      ++i;
    }
    if (i >= s.size())
      return r;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9' || exp > 10000)
        return r;
      exp = exp * 10 + (s[i] - '0');
    }
    if (eneg)
      exp = -exp;
  }
  if (mant.empty()) {
    r.ok = true;
    return r;
  }
  // value = mant * 10^(exp - frac); raw = mant * 10^(exp - frac + digits)
  int shift = exp - frac + digits;
  if (static_cast<int>(mant.size()) + shift > 19)
    return r; // does not fit int64
  std::string kept = mant, dropped;
  if (shift < 0) {
    size_t cut = static_cast<size_t>(-shift);
    if (cut >= kept.size()) {
      dropped = std::string(cut - kept.size(), '0') + kept;
      kept.clear();
    } else {
      dropped = kept.substr(kept.size() - cut);
      kept.erase(kept.size() - cut);
    }
  } else {
    kept.append(static_cast<size_t>(shift), '0');
  }
  __int128 v = 0;
  for (char c : kept)
    v = v * 10 + (c - '0');
  if (!dropped.empty()) {
    // Half-even on the dropped digits.
    char first = dropped[0];
    bool rest_nonzero = dropped.find_first_not_of('0', 1) != std::string::npos;
    if (first > '5' || (first == '5' && (rest_nonzero || (v % 2) == 1)))
      v += 1;
  }
  if (v > INT64_MAX)
    return r;
  r.ok = true;
  r.raw = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return r;
}

int_result parse_int(std::string_view s) {
  int_result r;
  if (s.empty()) {
    r.ok = true;
    return r;
  }
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i >= s.size() || s.size() - i > 19)
    return r;
  __int128 v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9')
      return r;
    v = v * 10 + (s[i] - '0');
  }
  if (v > INT64_MAX)
    return r;
  r.ok = true;
  auto x = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  if (x != unset_int)
    r.value = x;
  return r;
}

std::optional<OrderSide> parse_side(std::string_view t) {
  if (t == "BUY" || t == "BOT")
    return OrderSide::buy;
  if (t == "SELL" || t == "SLD" || t == "SSHORT")
    return OrderSide::sell;
  return std::nullopt;
}

std::string_view action_text(OrderSide s) { return s == OrderSide::buy ? "BUY" : "SELL"; }

// ---- handshake -------------------------------------------------------------------------------

std::string encode_handshake(int min_version, int max_version) {
  std::string v = "v" + std::to_string(min_version) + ".." + std::to_string(max_version);
  return std::string("API\0", 4) + frame(v);
}

std::optional<handshake_reply> decode_handshake_reply(std::string_view payload,
                                                      std::string& error) {
  auto f = split_fields(payload);
  if (!f || f->size() != 2) {
    error = "handshake reply must have exactly two fields (server version, connection time)";
    return std::nullopt;
  }
  auto v = parse_int((*f)[0]);
  if (!v.ok || !v.value || *v.value <= 0 || *v.value > 100000) {
    error = "handshake reply: bad server version \"" + (*f)[0].substr(0, 16) + "\"";
    return std::nullopt;
  }
  return handshake_reply{static_cast<int>(*v.value), (*f)[1]};
}

std::string check_server_version(int v) {
  if (v >= min_server_version && v <= max_server_version)
    return {};
  return "TWS server version " + std::to_string(v) + " is outside the supported range " +
         std::to_string(min_server_version) + ".." + std::to_string(max_server_version) +
         (v > max_server_version ? " (201 and later speak protobuf)" : " (upgrade TWS/Gateway)");
}

// ---- requests --------------------------------------------------------------------------------

std::optional<std::string_view> order_type_text(OrderType t) {
  switch (t) {
    case OrderType::market: return std::string_view{"MKT"};
    case OrderType::limit: return std::string_view{"LMT"};
    case OrderType::stop: return std::string_view{"STP"};
    case OrderType::stop_limit: return std::string_view{"STP LMT"};
    case OrderType::trailing_stop: return std::string_view{"TRAIL"};
  }
  return std::nullopt;
}

std::optional<TimeInForce> parse_tif(std::string_view t) {
  if (t == "DAY") return TimeInForce::day;
  if (t == "GTC") return TimeInForce::gtc;
  if (t == "IOC") return TimeInForce::ioc;
  if (t == "FOK") return TimeInForce::fok;
  if (t == "OPG") return TimeInForce::opg;
  if (t == "GTD") return TimeInForce::gtd;
  return std::nullopt;
}

std::optional<OrderType> parse_order_type(std::string_view t) {
  if (t == "MKT") return OrderType::market;
  if (t == "LMT") return OrderType::limit;
  if (t == "STP") return OrderType::stop;
  if (t == "STP LMT") return OrderType::stop_limit;
  if (t == "TRAIL") return OrderType::trailing_stop;
  return std::nullopt;
}

std::optional<std::string_view> tif_text(TimeInForce t) {
  switch (t) {
    case TimeInForce::day: return std::string_view{"DAY"};
    case TimeInForce::gtc: return std::string_view{"GTC"};
    case TimeInForce::ioc: return std::string_view{"IOC"};
    case TimeInForce::fok: return std::string_view{"FOK"};
    case TimeInForce::opg: return std::string_view{"OPG"};
    default: return std::nullopt;
  }
}

std::string encode_place_order(const order_spec& o, int sv, std::string& error) {
  if (o.order_class != OrderClass::simple) {
    error = std::string{unsupported_order_class_reason} + " (" + to_string(o.order_class) + ")";
    return {};
  }
  auto type = order_type_text(o.type);
  auto tif = tif_text(o.tif);
  if (!type || !tif) {
    error = "IBKR cannot take time in force " + to_string(o.tif);
    return {};
  }
  if (!o.quantity.is_positive()) {
    error = "quantity must be positive";
    return {};
  }
  std::string lmt, aux, trail_stop, trail_pct;
  switch (o.type) {
    case OrderType::market: break;
    case OrderType::limit: lmt = o.limit_price.to_string(); break;
    case OrderType::stop: aux = o.stop_price.to_string(); break;
    case OrderType::stop_limit:
      lmt = o.limit_price.to_string();
      aux = o.stop_price.to_string();
      break;
    case OrderType::trailing_stop:
      if (o.trail_amount.is_positive())
        aux = o.trail_amount.to_string();
      else if (o.trail_percent.is_positive())
        trail_pct = Rate::from_raw(o.trail_percent.raw() * 100).to_string();
      else {
        error = "TRAIL needs a trail amount or percent";
        return {};
      }
      if (o.stop_price.is_positive())
        trail_stop = o.stop_price.to_string();
      break;
  }
  field_writer w;
  // From 145 placeOrder has no version field. Contract: conId, symbol, secType, expiry, strike,
  // right, multiplier, exchange, primaryExchange, currency, localSymbol, tradingClass, secIdType,
  // secId.
  w.add(out::place_order).add(o.order_id);
  w.add(0).add(o.symbol).add(o.sec_type).empty().add("0.0").empty().empty().add(o.exchange)
    .empty().add(o.currency).empty().empty().empty().empty();
  w.add(action_text(o.side)).add(o.quantity.to_string()).add(*type).add(lmt).add(aux);
  // tif, ocaGroup, account, openClose, origin (0 = customer), orderRef, transmit, parentId,
  // blockOrder, sweepToFill, displaySize, triggerMethod, outsideRth, hidden
  w.add(*tif).empty().add(o.account).empty().add(0).add(o.order_ref).add_bool(o.transmit).add(0)
    .add(0).add(0).add(0).add(0).add(0).add(0);
  // deprecated sharesAllocation, discretionaryAmt, goodAfterTime, goodTillDate, faGroup,
  // faMethod, faPercentage, faProfile (below 177)
  w.empty().add("0").empty().empty().empty().empty().empty();
  if (sv < 177)
    w.empty();
  // modelCode, shortSaleSlot, designatedLocation, exemptCode, ocaType, rule80A, settlingFirm,
  // allOrNone, minQty, percentOffset, eTradeOnly, firmQuoteOnly, nbboPriceCap, auctionStrategy,
  // startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper,
  // overridePercentageConstraints, volatility, volatilityType, deltaNeutralOrderType,
  // deltaNeutralAuxPrice
  w.empty().add(0).empty().add(-1).add(0).empty().empty().add(0).empty().empty().add(0).add(0)
    .empty().add(0).empty().empty().empty().empty().empty().add(0).empty().empty().empty()
    .empty();
  // continuousUpdate, referencePriceType, trailStopPrice, trailingPercent, scaleInitLevelSize,
  // scaleSubsLevelSize, scalePriceIncrement, scaleTable, activeStartTime, activeStopTime,
  // hedgeType
  w.add(0).empty().add(trail_stop).add(trail_pct).empty().empty().empty().empty().empty()
    .empty().empty();
  // optOutSmartRouting, clearingAccount, clearingIntent, notHeld, deltaNeutralContract (none),
  // algoStrategy, algoId, whatIf, orderMiscOptions, solicited, randomizeSize, randomizePrice,
  // conditions (0)
  w.add(0).empty().empty().add(0).add(0).empty().empty().add(0).empty().add(0).add(0).add(0)
    .add(0);
  // adjustedOrderType, triggerPrice, lmtPriceOffset, adjustedStopPrice, adjustedStopLimitPrice,
  // adjustedTrailingAmount, adjustableTrailingUnit, extOperator, softDollarTier name + value,
  // cashQty, mifid2 x4, dontUseAutoPriceForHedge, isOmsContainer,
  // discretionaryUpToLimitPrice, usePriceMgmtAlgo
  w.empty().empty().empty().empty().empty().empty().add(0).empty().empty().empty().empty()
    .empty().empty().empty().empty().add(0).add(0).add(0).empty();
  if (sv >= 158)
    w.empty(); // duration
  if (sv >= 160)
    w.empty(); // postToAts
  if (sv >= 162)
    w.add(0); // autoCancelParent
  if (sv >= 166)
    w.empty(); // advancedErrorOverride
  if (sv >= 169)
    w.empty(); // manualOrderTime
  // 170's PEG BEST / PEG MID / IBKRATS fields apply to none of our order types.
  return w.framed();
}

std::string encode_cancel_order(int64_t order_id, int sv) {
  field_writer w;
  w.add(out::cancel_order).add(1).add(order_id);
  if (sv >= 169)
    w.empty(); // manualOrderCancelTime
  return w.framed();
}

std::string encode_start_api(int client_id, std::string_view caps) {
  return field_writer{}.add(out::start_api).add(2).add(client_id).add(caps).framed();
}

std::string encode_req_ids() { return field_writer{}.add(out::req_ids).add(1).add(1).framed(); }
std::string encode_req_open_orders() {
  return field_writer{}.add(out::req_open_orders).add(1).framed();
}
std::string encode_req_all_open_orders() {
  return field_writer{}.add(out::req_all_open_orders).add(1).framed();
}
std::string encode_req_current_time() {
  return field_writer{}.add(out::req_current_time).add(1).framed();
}

std::string encode_req_executions(int req_id, const exec_filter& f) {
  return field_writer{}
    .add(out::req_executions).add(3).add(req_id).add(f.client_id).add(f.account).add(f.time)
    .add(f.symbol).add(f.sec_type).add(f.exchange).add(f.side)
    .framed();
}

std::string encode_req_positions() {
  return field_writer{}.add(out::req_positions).add(1).framed();
}
std::string encode_cancel_positions() {
  return field_writer{}.add(out::cancel_positions).add(1).framed();
}
std::string encode_req_account_summary(int req_id, std::string_view group,
                                       std::string_view tags) {
  return field_writer{}.add(out::req_account_summary).add(1).add(req_id).add(group).add(tags)
    .framed();
}
std::string encode_cancel_account_summary(int req_id) {
  return field_writer{}.add(out::cancel_account_summary).add(1).add(req_id).framed();
}

// ---- answers ---------------------------------------------------------------------------------

namespace {

/// Walks a message's fields, recording the first problem.
class cursor {
public:
  cursor(const std::vector<std::string>& f, std::string& error) : f_(f), error_(error) {}

  bool ok() const { return ok_; }
  size_t left() const { return pos_ < f_.size() ? f_.size() - pos_ : 0; }

  const std::string& str(const char* what) {
    static const std::string none;
    if (pos_ >= f_.size()) {
      fail(std::string{"missing field "} + what);
      return none;
    }
    return f_[pos_++];
  }
  void skip(size_t n, const char* what) {
    for (size_t i = 0; i < n; ++i)
      str(what);
  }
  /// An int field; unset gives `dflt`.
  int64_t integer(const char* what, int64_t dflt = 0) {
    const auto& s = str(what);
    if (!ok_)
      return dflt;
    auto r = parse_int(s);
    if (!r.ok) {
      fail(std::string{"field "} + what + " is not an int: \"" + s.substr(0, 24) + "\"");
      return dflt;
    }
    return r.value.value_or(dflt);
  }
  template <class D>
  std::optional<D> dec(const char* what) {
    const auto& s = str(what);
    if (!ok_)
      return std::nullopt;
    auto r = parse_number(s, D::digits);
    if (!r.ok) {
      fail(std::string{"field "} + what + " is not a number: \"" + s.substr(0, 24) + "\"");
      return std::nullopt;
    }
    if (r.unset)
      return std::nullopt;
    return D::from_raw(r.raw);
  }
  template <class D>
  D dec0(const char* what) {
    return dec<D>(what).value_or(D{});
  }
  OrderSide side(const char* what) {
    const auto& s = str(what);
    if (!ok_)
      return OrderSide::buy;
    auto r = parse_side(s);
    if (!r) {
      fail(std::string{"field "} + what + " is not a side: \"" + s.substr(0, 12) + "\"");
      return OrderSide::buy;
    }
    return *r;
  }
  void fail(std::string what) {
    if (ok_) {
      ok_ = false;
      error_ = std::move(what);
    }
  }

private:
  const std::vector<std::string>& f_;
  std::string& error_;
  size_t pos_ = 0;
  bool ok_ = true;
};

open_order_msg decode_open_order(cursor& c, int sv) {
  open_order_msg m;
  // No version field from 145 (MIN_SERVER_VER_ORDER_CONTAINER).
  m.order_id = c.integer("orderId");
  c.integer("conId");
  m.symbol = c.str("symbol");
  m.sec_type = c.str("secType");
  c.skip(4, "expiry/strike/right/multiplier");
  m.exchange = c.str("exchange");
  m.currency = c.str("currency");
  c.skip(2, "localSymbol/tradingClass");
  m.side = c.side("action");
  m.quantity = c.dec0<Quantity>("totalQuantity");
  m.order_type = c.str("orderType");
  m.limit_price = c.dec<Price>("lmtPrice");
  m.aux_price = c.dec<Price>("auxPrice");
  m.tif = c.str("tif");
  c.str("ocaGroup");
  m.account = c.str("account");
  c.skip(2, "openClose/origin");
  m.order_ref = c.str("orderRef");
  m.client_id = c.integer("clientId");
  m.perm_id = c.integer("permId");
  // outsideRth, hidden, discretionaryAmt, goodAfterTime, sharesAllocation, faGroup, faMethod,
  // faPercentage, faProfile (below 177)
  c.skip(sv < 177 ? 9 : 8, "order flags/FA");
  // modelCode ... deltaNeutralAuxPrice: 29 fields, deltaNeutralOrderType is the 28th.
  c.skip(27, "order attributes");
  const std::string dn_type = c.str("deltaNeutralOrderType");
  c.str("deltaNeutralAuxPrice");
  // A real TWS sends "None" here, and the delta-neutral block follows whenever it is non-empty.
  if (!dn_type.empty())
    c.skip(8, "delta neutral");
  c.skip(2, "continuousUpdate/referencePriceType");
  m.trail_stop_price = c.dec<Price>("trailStopPrice");
  m.trailing_percent = c.dec<Rate>("trailingPercent");
  c.skip(3, "basisPoints/basisPointsType/comboLegsDescrip");
  auto bounded = [&](int64_t n, const char* what) {
    if (n < 0 || static_cast<size_t>(n) > c.left()) {
      c.fail(std::string{"bad count "} + what);
      return int64_t{0};
    }
    return n;
  };
  int64_t legs = bounded(c.integer("comboLegs count"), "comboLegs");
  c.skip(static_cast<size_t>(legs) * 8, "comboLeg");
  int64_t order_legs = bounded(c.integer("orderComboLegs count"), "orderComboLegs");
  c.skip(static_cast<size_t>(order_legs), "orderComboLeg");
  int64_t params = bounded(c.integer("smartComboRoutingParams count"), "smartComboParams");
  c.skip(static_cast<size_t>(params) * 2, "smartComboParam");
  c.skip(2, "scaleInitLevelSize/scaleSubsLevelSize");
  auto increment = c.dec<Price>("scalePriceIncrement");
  if (increment && increment->is_positive())
    c.skip(7, "scale");
  if (!c.str("hedgeType").empty())
    c.str("hedgeParam");
  c.skip(4, "optOutSmartRouting/clearing/notHeld");
  if (c.integer("deltaNeutralContract present") != 0)
    c.skip(3, "deltaNeutralContract");
  if (!c.str("algoStrategy").empty()) {
    int64_t n = bounded(c.integer("algoParams count"), "algoParams");
    c.skip(static_cast<size_t>(n) * 2, "algoParam");
  }
  c.skip(2, "solicited/whatIf");
  m.status = c.str("status");
  // What follows (margins, commissions with the double max, conditions...) we do not need.
  return m;
}

} // namespace

std::optional<message> decode(const std::vector<std::string>& f, int sv, std::string& error) {
  if (f.empty()) {
    error = "empty message";
    return std::nullopt;
  }
  auto id = parse_int(f[0]);
  if (!id.ok || !id.value) {
    error = "bad message id \"" + f[0].substr(0, 16) + "\"";
    return std::nullopt;
  }
  cursor c(f, error);
  c.str("msgId");
  message out;
  switch (*id.value) {
    case in::next_valid_id: {
      c.str("version");
      out = next_valid_id_msg{c.integer("orderId")};
      break;
    }
    case in::managed_accounts: {
      c.str("version");
      managed_accounts_msg m;
      std::string list = c.str("accounts");
      size_t start = 0;
      while (start <= list.size()) {
        size_t comma = list.find(',', start);
        auto a = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!a.empty())
          m.accounts.push_back(a);
        if (comma == std::string::npos)
          break;
        start = comma + 1;
      }
      out = m;
      break;
    }
    case in::order_status: {
      // No version field from 131 (MIN_SERVER_VER_MARKET_CAP_PRICE).
      order_status_msg m;
      m.order_id = c.integer("orderId");
      m.status = c.str("status");
      m.filled = c.dec0<Quantity>("filled");
      m.remaining = c.dec0<Quantity>("remaining");
      m.avg_fill_price = c.dec0<Price>("avgFillPrice");
      m.perm_id = c.integer("permId");
      m.parent_id = c.integer("parentId");
      m.last_fill_price = c.dec0<Price>("lastFillPrice");
      m.client_id = c.integer("clientId");
      m.why_held = c.str("whyHeld");
      c.str("mktCapPrice");
      out = m;
      break;
    }
    case in::open_order:
      out = decode_open_order(c, sv);
      break;
    case in::open_order_end:
      out = open_order_end_msg{};
      break;
    case in::exec_details: {
      // No version field from 136 (MIN_SERVER_VER_LAST_LIQUIDITY).
      exec_details_msg m;
      m.req_id = c.integer("reqId", -1);
      m.order_id = c.integer("orderId");
      c.integer("conId");
      m.symbol = c.str("symbol");
      m.sec_type = c.str("secType");
      c.skip(5, "expiry/strike/right/multiplier/exchange");
      m.currency = c.str("currency");
      c.skip(2, "localSymbol/tradingClass");
      m.exec_id = c.str("execId");
      m.time = c.str("time");
      m.account = c.str("acctNumber");
      m.exchange = c.str("exchange");
      m.side = c.side("side");
      m.shares = c.dec0<Quantity>("shares");
      m.price = c.dec0<Price>("price");
      m.perm_id = c.integer("permId");
      m.client_id = c.integer("clientId");
      c.str("liquidation");
      m.cum_qty = c.dec0<Quantity>("cumQty");
      m.avg_price = c.dec0<Price>("avgPrice");
      m.order_ref = c.str("orderRef");
      c.skip(4, "evRule/evMultiplier/modelCode/lastLiquidity");
      if (c.ok() && m.exec_id.empty())
        c.fail("execDetails without execId");
      out = m;
      break;
    }
    case in::exec_details_end: {
      c.str("version");
      out = exec_details_end_msg{c.integer("reqId")};
      break;
    }
    case in::commission_report: {
      c.str("version");
      commission_report_msg m;
      m.exec_id = c.str("execId");
      m.commission = c.dec<Money>("commission");
      m.currency = c.str("currency");
      m.realized_pnl = c.dec<Money>("realizedPNL");
      c.skip(2, "yield/yieldRedemptionDate");
      if (c.ok() && m.exec_id.empty())
        c.fail("commissionReport without execId");
      out = m;
      break;
    }
    case in::position: {
      c.str("version");
      position_msg m;
      m.account = c.str("account");
      c.integer("conId");
      m.symbol = c.str("symbol");
      m.sec_type = c.str("secType");
      c.skip(5, "expiry/strike/right/multiplier/exchange");
      m.currency = c.str("currency");
      c.skip(2, "localSymbol/tradingClass");
      m.position = c.dec0<Quantity>("position");
      m.avg_cost = c.dec0<Price>("avgCost");
      out = m;
      break;
    }
    case in::position_end:
      out = position_end_msg{};
      break;
    case in::account_summary: {
      c.str("version");
      account_summary_msg m;
      m.req_id = c.integer("reqId");
      m.account = c.str("account");
      m.tag = c.str("tag");
      m.value = c.str("value");
      m.currency = c.str("currency");
      out = m;
      break;
    }
    case in::account_summary_end: {
      c.str("version");
      out = account_summary_end_msg{c.integer("reqId")};
      break;
    }
    case in::error: {
      c.str("version"); // present until 194 (MIN_SERVER_VER_ERROR_TIME)
      error_msg m;
      m.id = c.integer("id", -1);
      m.code = static_cast<int>(c.integer("errorCode"));
      m.text = c.str("errorString");
      if (sv >= 166)
        m.advanced_order_reject_json = c.str("advancedOrderRejectJson");
      out = m;
      break;
    }
    case in::current_time: {
      c.str("version");
      out = current_time_msg{c.integer("time")};
      break;
    }
    default:
      out = unhandled_msg{static_cast<int>(*id.value)};
      break;
  }
  if (!c.ok()) {
    error = "message " + std::to_string(*id.value) + ": " + error;
    return std::nullopt;
  }
  return out;
}

} // namespace engine::ibkr
