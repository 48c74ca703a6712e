// Finds HTTP/1.1 request boundaries in a client's byte stream (Content-Length bodies), so that
// fault-proxy can answer whole requests itself. No sockets; fed chunk by chunk.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace engine {

/// One piece of the stream: a complete request (head and body), or bytes to pass on as they
/// are (after an Upgrade, a chunked body or anything this framer does not understand).
struct http_piece {
  std::string bytes;
  bool is_request = false;
  std::string method; // "POST"
  std::string target; // "/v2/orders"
  bool is_order = false;        // POST /v2/orders (the query string aside)
  bool wants_close = false;     // Connection: close
};

class http_framer {
public:
  /// Appends the pieces completed by `data` to `out`, in stream order.
  void feed(std::string_view data, std::vector<http_piece>& out);
  /// True once the stream is no longer HTTP requests (an Upgrade to WebSocket, a chunked
  /// body, a malformed head): everything is passed on from then on.
  bool passthrough() const { return passthrough_; }
  /// Bytes held back waiting for the rest of a request.
  size_t buffered() const { return buffer_.size(); }

  /// The largest head accepted; beyond it the stream is passed through.
  static constexpr size_t max_head = 64 * 1024;
  /// The largest body held back to see the whole request; beyond it, passed through.
  static constexpr size_t max_body = 16 * 1024 * 1024;

private:
  bool parse_head(std::string_view head, http_piece& p, size_t& body, bool& then_raw);

  std::string buffer_;
  bool passthrough_ = false;
};

} // namespace engine
