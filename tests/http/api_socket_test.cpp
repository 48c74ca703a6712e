// The HTTP API over a real socket against a node running the default simulation (slowed to 30x).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <caf/all.hpp>

#include <thread>

#include "actors/actor_directory.hpp"
#include "config/config_loader.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_node.hpp"
#include "tests/http/http_client.hpp"

namespace engine::http {
namespace {

namespace fs = std::filesystem;
using testing::raw_exchange;
using testing::request;

constexpr const char* token = "test-token-7f3a";

std::string read_file(const fs::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Everything the journal's order_book files hold.
std::string order_book_text(const fs::path& dir) {
  std::string all;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("order_book", 0) == 0)
      all += read_file(e.path());
  return all;
}

void replace(std::string& text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

/// Manual orders need a last price at the risk manager: wait (bounded) until the venue has
/// seen a later quote of each ticker than its first one. The market data sends a batch only
/// once every participant has answered the one before, so risk has the first by then.
void wait_for_prices(engine_node& node) {
  caf::scoped_actor self{node.system()};
  auto venue = node.directory()->get(names::simulator);
  for (const char* ticker : {"AAPL", "MSFT"}) {
    timestamp_ns first = 0;
    for (int i = 0; i < 1000; ++i) {
      MarketData md;
      self->request(venue, std::chrono::seconds(5), market_atom::value, std::string{ticker})
        .receive([&](const MarketData& x) { md = x; }, [](caf::error&) {});
      if (md.bid.is_positive() && first == 0)
        first = md.timestamp;
      if (first != 0 && md.timestamp > first)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

class api_socket_test : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/engine-http-XXXXXX";
    dir_ = new fs::path{mkdtemp(tmpl)};
    auto text = read_file(fs::path{ENGINE_SOURCE_DIR} / "config/app_config.yaml");
    replace(text, "dir: logs/execution", "dir: " + (*dir_ / "journal").string());
    replace(text, "speed: 0 ", "speed: 30 ");
    replace(text, "level: info", "level: warn");
    text += "\nhttp:\n  listen: 127.0.0.1:0\n  token: " + std::string{token}
            + "\n  max_body_bytes: 4096\n  idle_timeout_ms: 500\n";
    auto cfg = parse_config_text(text, "api_socket_test.yaml");
    node_ = new engine_node{cfg};
    node_->start();
    port_ = node_->http_port();
    wait_for_prices(*node_);
  }

  static void TearDownTestSuite() {
    node_->stop();
    delete node_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static fs::path journal() { return *dir_ / "journal"; }

  static inline fs::path* dir_ = nullptr;
  static inline engine_node* node_ = nullptr;
  static inline uint16_t port_ = 0;
};

TEST_F(api_socket_test, every_read_route_answers_with_the_token) {
  ASSERT_NE(port_, 0);
  EXPECT_EQ(request(port_, "GET", "/health").status, 200);
  for (auto target : {"/status", "/orders", "/orders?status=all&strategy=noise&limit=5",
                      "/positions", "/account", "/risk", "/brokers", "/fills?since=0",
                      "/metrics"}) {
    auto r = request(port_, "GET", target, token);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
  }
  auto status = request(port_, "GET", "/status", token);
  EXPECT_NE(status.body.find("\"status_line\":\"orders "), std::string::npos) << status.body;
  EXPECT_NE(status.body.find("\"equity\":\""), std::string::npos);
  auto brokers = request(port_, "GET", "/brokers", token);
  EXPECT_NE(brokers.body.find("\"state\":\"connected\""), std::string::npos) << brokers.body;
  auto ready = request(port_, "GET", "/ready", token);
  EXPECT_TRUE(ready.status == 200 || ready.status == 503);
  EXPECT_NE(ready.body.find("\"journal\":{\"ok\":true"), std::string::npos) << ready.body;
}

TEST_F(api_socket_test, missing_or_wrong_token_is_401_and_counted) {
  auto before = request(port_, "GET", "/metrics", token).body;
  auto r = request(port_, "GET", "/orders");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.www_authenticate, "Bearer");
  EXPECT_EQ(request(port_, "GET", "/orders", "not-the-token").status, 401);
  EXPECT_EQ(request(port_, "POST", "/orders", "x", R"({"ticker":"AAPL"})").status, 401);
  auto metrics = request(port_, "GET", "/metrics", token).body;
  auto count = [](const std::string& text) {
    auto at = text.find("\nengine_http_unauthorized_total ");
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + 32));
  };
  EXPECT_EQ(count(metrics), count(before) + 3) << metrics;
  EXPECT_NE(metrics.find("engine_http_requests_total{route=\"GET /orders\",code=\"401\"} 2"),
            std::string::npos);
  EXPECT_EQ(metrics.find(token), std::string::npos);
}

TEST_F(api_socket_test, malformed_json_and_a_risk_rejected_order_are_400) {
  auto bad = request(port_, "POST", "/orders", token, R"({"ticker": "AAPL", )");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("malformed JSON"), std::string::npos) << bad.body;
  auto no_side = request(port_, "POST", "/orders", token, R"({"ticker":"AAPL","quantity":"1"})");
  EXPECT_EQ(no_side.status, 400);
  EXPECT_NE(no_side.body.find("\"field\":\"side\""), std::string::npos);
  // 1000 AAPL is far over the 10,000 dollar max_order_size of the default config.
  auto big = request(port_, "POST", "/orders", token,
                     R"({"ticker":"AAPL","side":"buy","quantity":"1000"})");
  EXPECT_EQ(big.status, 400) << big.body;
  EXPECT_NE(big.body.find("\"reason\":\"max_order_size"), std::string::npos) << big.body;
  EXPECT_NE(big.body.find("\"reject\":\"max_order_size\""), std::string::npos) << big.body;
  EXPECT_NE(big.body.find("\"status\":\"rejected\""), std::string::npos);
}

TEST_F(api_socket_test, oversized_body_is_413_unknown_route_404) {
  std::string body = R"({"ticker":"AAPL","pad":")" + std::string(5000, 'x') + "\"}";
  EXPECT_EQ(request(port_, "POST", "/orders", token, body).status, 413);
  EXPECT_EQ(request(port_, "GET", "/no/such/route", token).status, 404);
  EXPECT_EQ(request(port_, "DELETE", "/orders/O-999999", token).status, 404);
  EXPECT_EQ(request(port_, "GET", "/orders/O-999999", token).status, 404);
}

TEST_F(api_socket_test, idle_client_is_timed_out) {
  auto started = std::chrono::steady_clock::now();
  auto got = raw_exchange(port_, ""); // connects and says nothing
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(got.empty()) << got;
  EXPECT_LT(waited, std::chrono::seconds(4)) << "closed by the 500 ms idle timeout, not ours";
  // A client that sends half a request is cut off the same way.
  auto half = raw_exchange(port_, "GET /health HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(half.find("200 OK"), std::string::npos);
}

TEST_F(api_socket_test, manual_order_is_journaled_as_the_operator_and_can_be_read_back) {
  auto r = request(port_, "POST", "/orders", token,
                   R"({"ticker":"MSFT","side":"buy","quantity":"1","client_order_id":"manual-journal-1"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto book = order_book_text(journal());
  auto at = book.find("\"client_order_id\":\"manual-journal-1\"");
  ASSERT_NE(at, std::string::npos) << "the accepted order is durable before the answer";
  auto line_start = book.rfind('\n', at);
  auto line = book.substr(line_start + 1, book.find('\n', at) - line_start - 1);
  EXPECT_NE(line.find("\"event\":\"accepted\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"strategy\":\"operator\""), std::string::npos) << line;
  auto one = request(port_, "GET", "/orders/manual-journal-1", token);
  EXPECT_EQ(one.status, 200);
  EXPECT_NE(one.body.find("\"strategy\":\"operator\""), std::string::npos);
  auto ours = request(port_, "GET", "/orders?status=all&strategy=operator", token);
  EXPECT_NE(ours.body.find("manual-journal-1"), std::string::npos);
}

TEST_F(api_socket_test, kill_switch_takes_effect_on_the_next_order_and_is_journaled) {
  auto bad = request(port_, "PUT", "/trading-state", token, R"({"state":"stopped"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"field\":\"state\""), std::string::npos);
  auto halt = request(port_, "PUT", "/trading-state", token,
                      R"({"state":"halted","reason":"api test","by":"tester"})");
  ASSERT_EQ(halt.status, 200) << halt.body;
  auto next = request(port_, "POST", "/orders", token,
                      R"({"ticker":"AAPL","side":"buy","quantity":"1"})");
  EXPECT_EQ(next.status, 400);
  EXPECT_NE(next.body.find("\"reason\":\"trading_halted"), std::string::npos) << next.body;
  auto risk = request(port_, "GET", "/risk", token);
  EXPECT_NE(risk.body.find("\"trading_state\":\"halted\""), std::string::npos);
  auto book = order_book_text(journal());
  auto at = book.find("\"event\":\"operator_trading_state\"");
  ASSERT_NE(at, std::string::npos);
  auto line = book.substr(at, book.find('\n', at) - at);
  EXPECT_NE(line.find("\"who\":\"tester@127.0.0.1\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"value\":\"halted\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"reason\":\"api test\""), std::string::npos) << line;
  EXPECT_EQ(book.find(token), std::string::npos) << "the token is never journaled";
  auto resume = request(port_, "PUT", "/trading-state", token, R"({"state":"active"})");
  ASSERT_EQ(resume.status, 200);
  auto after = request(port_, "POST", "/orders", token,
                       R"({"ticker":"AAPL","side":"buy","quantity":"1"})");
  EXPECT_EQ(after.status, 201) << after.body;
}

TEST_F(api_socket_test, risk_limits_change_at_run_time) {
  auto r = request(port_, "PUT", "/risk", token, R"({"max_order_size":"500"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = request(port_, "POST", "/orders", token,
                   R"({"ticker":"AAPL","side":"buy","quantity":"3"})");
  EXPECT_EQ(o.status, 400);
  EXPECT_NE(o.body.find("max_order_size"), std::string::npos) << o.body;
  ASSERT_EQ(request(port_, "PUT", "/risk", token, R"({"max_order_size":"10000"})").status, 200);
  EXPECT_NE(order_book_text(journal()).find("\"event\":\"operator_risk_limits\""),
            std::string::npos);
}

TEST_F(api_socket_test, events_stream_carries_a_manual_orders_fill) {
  namespace beast = boost::beast;
  boost::asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  stream.expires_after(std::chrono::seconds(10));
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
  std::string get = "GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string{token}
                    + "\r\n\r\n";
  boost::asio::write(stream.socket(), boost::asio::buffer(get));
  std::string got;
  char buf[8192];
  auto read_until = [&](const std::string& what) {
    while (got.find(what) == std::string::npos) {
      beast::error_code ec;
      auto n = stream.read_some(boost::asio::buffer(buf), ec);
      got.append(buf, n);
      if (ec)
        return false;
    }
    return true;
  };
  ASSERT_TRUE(read_until(": connected")) << got;
  EXPECT_NE(got.find("text/event-stream"), std::string::npos);
  auto r = request(port_, "POST", "/orders", token,
                   R"({"ticker":"NVDA","side":"buy","quantity":"2","client_order_id":"sse-1"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(read_until("\"client_order_id\":\"sse-1\"")) << got;
  // Our order's fill among the frames (other strategies' fills may come first).
  auto has_our_fill = [&] {
    for (size_t at = got.find("event: fill\n"); at != std::string::npos;
         at = got.find("event: fill\n", at + 1)) {
      auto end = got.find("\n\n", at);
      if (end != std::string::npos
          && got.substr(at, end - at).find("\"client_order_id\":\"sse-1\"") != std::string::npos)
        return true;
    }
    return false;
  };
  while (!has_our_fill()) {
    beast::error_code ec;
    auto n = stream.read_some(boost::asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec)
      break;
  }
  EXPECT_TRUE(has_our_fill()) << got.substr(0, 4000);
  EXPECT_TRUE(read_until("event: position")) << "the position after the fill follows";
}

TEST_F(api_socket_test, cancel_all_cancels_open_orders) {
  auto limit = request(port_, "POST", "/orders", token,
                       R"({"ticker":"AAPL","side":"buy","quantity":"1","type":"limit","price":"215.00","client_order_id":"rest-1"})");
  ASSERT_EQ(limit.status, 201) << limit.body;
  auto r = request(port_, "POST", "/orders/cancel-all?strategy=operator", token);
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_NE(r.body.find("\"cancel_requested\":"), std::string::npos);
  auto again = request(port_, "DELETE", "/orders/rest-1", token);
  EXPECT_TRUE(again.status == 409 || again.status == 202) << again.body;
}

TEST(api_restart_test, a_journal_with_operator_records_replays) {
  char tmpl[] = "/tmp/engine-http-restart-XXXXXX";
  fs::path dir{mkdtemp(tmpl)};
  auto text = read_file(fs::path{ENGINE_SOURCE_DIR} / "config/app_config.yaml");
  replace(text, "dir: logs/execution", "dir: " + (dir / "journal").string());
  replace(text, "speed: 0 ", "speed: 30 ");
  text += "\nhttp:\n  listen: 127.0.0.1:0\n  token: " + std::string{token} + "\n";
  auto cfg = parse_config_text(text, "restart.yaml");
  {
    engine_node first{cfg};
    first.start();
    auto port = first.http_port();
    wait_for_prices(first);
    auto placed = request(port, "POST", "/orders", token,
                          R"({"ticker":"AAPL","side":"buy","quantity":"1","client_order_id":"before-restart"})");
    ASSERT_EQ(placed.status, 201) << placed.body;
    ASSERT_EQ(request(port, "PUT", "/trading-state", token, R"({"state":"halted","reason":"r"})").status,
              200);
    first.drain();
    first.stop();
  }
  engine_node second{cfg};
  ASSERT_NO_THROW(second.start()) << "recovery skips the operator_* records";
  auto r = request(second.http_port(), "GET", "/orders/before-restart", token);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"strategy\":\"operator\""), std::string::npos);
  second.stop();
  fs::remove_all(dir);
}

} // namespace
} // namespace engine::http
