// A blocking HTTP/1.1 client for the API tests: one request per connection, to 127.0.0.1 only.
#pragma once

#include <chrono>
#include <string>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace engine::http::testing {

struct reply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string www_authenticate;
};

inline reply request(uint16_t port, const std::string& method, const std::string& target,
                     const std::string& token = {}, const std::string& body = {}) {
  namespace beast = boost::beast;
  namespace bhttp = beast::http;
  boost::asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(boost::asio::ip::tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), port});
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  if (!token.empty())
    req.set(bhttp::field::authorization, "Bearer " + token);
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buf;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  bhttp::read(stream, buf, parser);
  auto& res = parser.get();
  reply r;
  r.status = static_cast<int>(res.result_int());
  r.body = res.body();
  r.content_type = std::string{res[bhttp::field::content_type]};
  r.www_authenticate = std::string{res[bhttp::field::www_authenticate]};
  beast::error_code ec;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  return r;
}

/// Sends raw bytes and returns everything the server sends back until it closes (or 5 s pass).
inline std::string raw_exchange(uint16_t port, const std::string& bytes) {
  namespace beast = boost::beast;
  boost::asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  stream.expires_after(std::chrono::seconds(5));
  stream.connect(boost::asio::ip::tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), port});
  if (!bytes.empty())
    boost::asio::write(stream.socket(), boost::asio::buffer(bytes));
  std::string out;
  char buf[4096];
  for (;;) {
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(5));
    auto n = stream.read_some(boost::asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec)
      break;
  }
  return out;
}

} // namespace engine::http::testing
