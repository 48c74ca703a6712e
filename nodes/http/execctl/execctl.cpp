// execctl: the operator's command line client for a running node's HTTP API (status, orders, kill switch, watch).
//
// Exit codes: 0 done; 1 usage; 2 the node cannot be reached; 3 unauthorized (token missing or
// wrong); 4 refused (400/404/409: a rejected order, an unknown id, bad input); 5 the node failed
// (5xx, e.g. 503 when an actor does not answer).
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <simdjson.h>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

enum exit_code : int { ok = 0, usage = 1, unreachable = 2, unauthorized = 3, refused = 4, failed = 5 };

struct endpoint {
  std::string host = "127.0.0.1";
  std::string port = "8080";
};

bool parse_url(const std::string& url, endpoint& ep) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0)
    rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos)
    return false; // no TLS: the API is served on loopback or a trusted network
  auto slash = rest.find('/');
  if (slash != std::string::npos)
    rest = rest.substr(0, slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    ep.host = rest;
    ep.port = "80";
  } else {
    ep.host = rest.substr(0, colon);
    ep.port = rest.substr(colon + 1);
  }
  return !ep.host.empty() && !ep.port.empty();
}

struct reply {
  int status = 0;
  std::string body;
};

class client {
public:
  client(endpoint ep, std::string token) : ep_(std::move(ep)), token_(std::move(token)) {}

  reply call(bhttp::verb method, const std::string& target, const std::string& body = {}) {
    asio::io_context ioc;
    beast::tcp_stream stream{ioc};
    connect(ioc, stream);
    auto req = make(method, target, body);
    bhttp::write(stream, req);
    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    stream.expires_after(std::chrono::seconds(30));
    bhttp::read(stream, buf, parser);
    return reply{static_cast<int>(parser.get().result_int()), parser.get().body()};
  }

  /// Streams GET /events, calling on_event(name, data) per event until it returns false.
  int stream_events(const std::function<bool(const std::string&, const std::string&)>& on_event) {
    asio::io_context ioc;
    beast::tcp_stream stream{ioc};
    connect(ioc, stream);
    auto req = make(bhttp::verb::get, "/events", {});
    bhttp::write(stream, req);
    std::string pending;
    bool header_done = false;
    char buf[8192];
    for (;;) {
      beast::error_code ec;
      stream.expires_after(std::chrono::seconds(60)); // the node pings every 15 s
      auto n = stream.read_some(asio::buffer(buf), ec);
      pending.append(buf, n);
      if (!header_done) {
        auto end = pending.find("\r\n\r\n");
        if (end == std::string::npos) {
          if (ec)
            return unreachable;
          continue;
        }
        auto status_line = pending.substr(0, pending.find("\r\n"));
        if (status_line.find(" 200 ") == std::string::npos) {
          std::cerr << "execctl: " << status_line << "\n";
          return status_line.find(" 401 ") != std::string::npos ? unauthorized : refused;
        }
        pending = pending.substr(end + 4);
        header_done = true;
      }
      for (auto end = pending.find("\n\n"); end != std::string::npos; end = pending.find("\n\n")) {
        auto frame = pending.substr(0, end);
        pending = pending.substr(end + 2);
        std::string name, data;
        std::istringstream lines{frame};
        for (std::string line; std::getline(lines, line);) {
          if (line.rfind("event: ", 0) == 0)
            name = line.substr(7);
          else if (line.rfind("data: ", 0) == 0)
            data += line.substr(6);
        }
        if (!name.empty() && !on_event(name, data))
          return ok;
      }
      if (ec)
        return unreachable;
    }
  }

private:
  void connect(asio::io_context& ioc, beast::tcp_stream& stream) {
    asio::ip::tcp::resolver resolver{ioc};
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(resolver.resolve(ep_.host, ep_.port));
  }

  bhttp::request<bhttp::string_body> make(bhttp::verb method, const std::string& target,
                                          const std::string& body) {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, ep_.host);
    req.set(bhttp::field::user_agent, "execctl");
    if (!token_.empty())
      req.set(bhttp::field::authorization, "Bearer " + token_);
    if (!body.empty()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    return req;
  }

  endpoint ep_;
  std::string token_;
};

int exit_for(int status) {
  if (status >= 200 && status < 300)
    return ok;
  if (status == 401)
    return unauthorized;
  if (status >= 500)
    return failed;
  return refused;
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20)
      out += c;
  }
  return out + "\"";
}

std::string str(simdjson::dom::element e, const char* key) {
  simdjson::dom::element v;
  if (e[key].get(v))
    return "";
  std::string_view s;
  if (!v.get_string().get(s))
    return std::string{s};
  int64_t i = 0;
  if (!v.get_int64().get(i))
    return std::to_string(i);
  bool b = false;
  if (!v.get_bool().get(b))
    return b ? "true" : "false";
  return "";
}

/// Prints an array of objects as aligned columns.
void table(const std::string& body, const std::vector<std::pair<std::string, const char*>>& cols) {
  simdjson::dom::parser parser;
  simdjson::dom::array rows;
  if (parser.parse(body).get_array().get(rows)) {
    std::cout << body;
    return;
  }
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> width;
  for (auto& [title, key] : cols)
    width.push_back(title.size());
  for (auto row : rows) {
    std::vector<std::string> line;
    for (size_t i = 0; i < cols.size(); ++i) {
      line.push_back(str(row, cols[i].second));
      width[i] = std::max(width[i], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  auto print = [&](const std::vector<std::string>& line) {
    for (size_t i = 0; i < line.size(); ++i)
      std::cout << std::left << std::setw(static_cast<int>(width[i] + 2)) << line[i];
    std::cout << "\n";
  };
  std::vector<std::string> header;
  for (auto& c : cols)
    header.push_back(c.first);
  print(header);
  for (auto& line : cells)
    print(line);
  if (cells.empty())
    std::cout << "(none)\n";
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"execctl: control a running execution-node through its HTTP API.\n"
               "The token comes from EXECCTL_TOKEN; exit codes: 0 done, 1 usage, 2 node "
               "unreachable, 3 unauthorized, 4 refused (rejected, unknown, bad input), 5 node "
               "failed."};
  std::string node = std::getenv("EXECCTL_NODE") ? std::getenv("EXECCTL_NODE") : "http://127.0.0.1:8080";
  bool as_json = false;
  app.add_option("--node", node, "the node's API URL (or EXECCTL_NODE)");
  app.add_flag("--json", as_json, "print the API's JSON as it is, for scripts");
  app.require_subcommand(1);

  auto* status = app.add_subcommand("status", "the status line, trading state and books");
  auto* orders = app.add_subcommand("orders", "open orders (--all for every order)");
  bool all = false;
  std::string strategy, ticker;
  int limit = 100;
  orders->add_flag("--all", all, "closed orders too");
  orders->add_option("--strategy", strategy, "only this strategy's orders");
  orders->add_option("--ticker", ticker, "only this ticker");
  orders->add_option("--limit", limit, "the newest N")->check(CLI::Range(1, 100000));
  auto* positions = app.add_subcommand("positions", "positions by ticker");
  auto* fills = app.add_subcommand("fills", "executions");
  std::string since;
  fills->add_option("--since", since, "after this time (ns since the epoch or ISO 8601)");
  auto* cancel = app.add_subcommand("cancel", "cancel one order");
  std::string order_id;
  cancel->add_option("ID", order_id, "order id or client order id")->required();
  auto* cancel_all = app.add_subcommand("cancel-all", "cancel every open order");
  std::string reason;
  auto* halt = app.add_subcommand("halt", "kill switch: refuse every new order");
  auto* reduce = app.add_subcommand("reduce", "only orders that reduce a position");
  auto* resume = app.add_subcommand("resume", "trade normally again");
  for (auto* sc : {halt, reduce, resume})
    sc->add_option("--reason", reason, "why (journaled with your name)");
  auto* watch = app.add_subcommand("watch", "live events: orders, fills, positions, status");
  int count = 0;
  watch->add_option("--count", count, "stop after this many events (0: until interrupted)");
  CLI11_PARSE(app, argc, argv);

  endpoint ep;
  if (!parse_url(node, ep)) {
    std::cerr << "execctl: --node must be http://HOST:PORT, got " << node << "\n";
    return usage;
  }
  const char* tok = std::getenv("EXECCTL_TOKEN");
  client c{ep, tok ? tok : ""};
  auto user = std::getenv("USER") ? std::string{std::getenv("USER")} : std::string{"execctl"};

  try {
    reply r;
    if (*status) {
      r = c.call(bhttp::verb::get, "/status");
      if (!as_json && r.status == 200) {
        simdjson::dom::parser p;
        auto doc = p.parse(r.body).value();
        std::cout << str(doc, "status_line") << "\ntrading state " << str(doc, "trading_state")
                  << ", time " << str(doc, "time") << "\n";
        return ok;
      }
    } else if (*orders) {
      std::string target = "/orders?status=" + std::string{all ? "all" : "open"} +
                           "&limit=" + std::to_string(limit);
      if (!strategy.empty())
        target += "&strategy=" + strategy;
      if (!ticker.empty())
        target += "&ticker=" + ticker;
      r = c.call(bhttp::verb::get, target);
      if (!as_json && r.status == 200) {
        table(r.body, {{"ID", "order_id"}, {"STRATEGY", "strategy"}, {"TICKER", "ticker"},
                       {"SIDE", "side"}, {"TYPE", "order_type"}, {"QTY", "quantity"},
                       {"PRICE", "price"}, {"STATUS", "status"}, {"FILLED", "executed_quantity"},
                       {"AVG", "average_price"}, {"REASON", "reason"}});
        return ok;
      }
    } else if (*positions) {
      r = c.call(bhttp::verb::get, "/positions");
      if (!as_json && r.status == 200) {
        table(r.body, {{"TICKER", "ticker"}, {"QTY", "quantity"}, {"AVG", "average_price"},
                       {"VALUE", "market_value"}, {"UNREALIZED", "unrealized_pnl"},
                       {"REALIZED", "realized_pnl"}});
        return ok;
      }
    } else if (*fills) {
      r = c.call(bhttp::verb::get, since.empty() ? "/fills" : "/fills?since=" + since);
      if (!as_json && r.status == 200) {
        table(r.body, {{"EXEC", "exec_id"}, {"ORDER", "order_id"}, {"TICKER", "ticker"},
                       {"SIDE", "side"}, {"QTY", "quantity"}, {"PRICE", "price"},
                       {"COMMISSION", "commission"}, {"TIME", "timestamp"}});
        return ok;
      }
    } else if (*cancel) {
      r = c.call(bhttp::verb::delete_, "/orders/" + order_id);
      if (!as_json) {
        simdjson::dom::parser p;
        simdjson::dom::element doc;
        if (!p.parse(r.body).get(doc))
          std::cout << (r.status == 202 ? "cancel requested for " : "not canceled: ")
                    << str(doc, "order_id") << " " << str(doc, "status") << " "
                    << str(doc, "reason") << str(doc, "error") << "\n";
        return exit_for(r.status);
      }
    } else if (*cancel_all) {
      r = c.call(bhttp::verb::post, "/orders/cancel-all");
      if (!as_json && r.status == 202) {
        simdjson::dom::parser p;
        std::cout << "cancel requested for " << str(p.parse(r.body).value(), "cancel_requested")
                  << " orders\n";
        return ok;
      }
    } else if (*halt || *reduce || *resume) {
      auto state = *halt ? "halted" : *reduce ? "reducing" : "active";
      r = c.call(bhttp::verb::put, "/trading-state",
                 std::string{"{\"state\":\""} + state + "\",\"by\":" + json_quote(user) +
                   ",\"reason\":" + json_quote(reason) + "}");
      if (!as_json && r.status == 200) {
        std::cout << "trading state " << state << "\n";
        return ok;
      }
    } else if (*watch) {
      int seen = 0;
      return c.stream_events([&](const std::string& name, const std::string& data) {
        if (as_json) {
          std::cout << "{\"event\":" << json_quote(name) << ",\"data\":" << data << "}"
                    << std::endl;
        } else {
          simdjson::dom::parser p;
          simdjson::dom::element d;
          if (p.parse(data).get(d)) {
            std::cout << name << " " << data << std::endl;
          } else if (name == "status") {
            std::cout << "[status] " << str(d, "status_line") << std::endl;
          } else if (name == "order") {
            std::cout << "[order] " << str(d, "order_id") << " " << str(d, "strategy") << " "
                      << str(d, "side") << " " << str(d, "ticker") << " " << str(d, "status")
                      << " filled " << str(d, "executed_quantity") << " "
                      << str(d, "reason") << std::endl;
          } else if (name == "fill") {
            std::cout << "[fill] " << str(d, "order_id") << " " << str(d, "side") << " "
                      << str(d, "quantity") << " " << str(d, "ticker") << " @ "
                      << str(d, "price") << std::endl;
          } else if (name == "position") {
            std::cout << "[position] " << str(d, "ticker") << " " << str(d, "quantity")
                      << " @ " << str(d, "average_price") << std::endl;
          } else {
            std::cout << "[" << name << "] " << data << std::endl;
          }
        }
        return count == 0 || ++seen < count;
      });
    }
    std::cout << r.body;
    if (!r.body.empty() && r.body.back() != '\n')
      std::cout << "\n";
    if (r.status >= 300)
      std::cerr << "execctl: HTTP " << r.status << "\n";
    return exit_for(r.status);
  } catch (const boost::system::system_error& e) {
    std::cerr << "execctl: cannot reach " << node << ": " << e.code().message() << "\n";
    return unreachable;
  } catch (const std::exception& e) {
    std::cerr << "execctl: " << e.what() << "\n";
    return failed;
  }
}
