// Finds HTTP/1.1 request boundaries in a client's byte stream.
#include "brokers/faults/proxy/http_framer.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace engine {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

http_piece raw_piece(std::string bytes) {
  http_piece p;
  p.bytes = std::move(bytes);
  return p;
}

} // namespace

bool http_framer::parse_head(std::string_view head, http_piece& p, size_t& body,
                             bool& then_raw) {
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0)
    return false;
  p.method = std::string{line.substr(0, sp1)};
  p.target = std::string{line.substr(sp1 + 1, sp2 - sp1 - 1)};
  std::string_view path = std::string_view{p.target}.substr(0, p.target.find('?'));
  p.is_order = p.method == "POST" && path == "/v2/orders";
  body = 0;
  then_raw = false;
  size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos)
      end = head.size();
    std::string_view h = head.substr(pos, end - pos);
    pos = end + 2;
    size_t colon = h.find(':');
    if (colon == std::string_view::npos)
      return false;
    std::string name = lower(trim(h.substr(0, colon)));
    std::string value = lower(trim(h.substr(colon + 1)));
    if (name == "content-length") {
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), body);
      if (ec != std::errc{} || ptr != value.data() + value.size())
        return false;
    } else if (name == "transfer-encoding" && value.find("chunked") != std::string::npos) {
      then_raw = true; // the body's end is not known here: pass the rest through
    } else if (name == "upgrade") {
      then_raw = true; // WebSocket from here on
    } else if (name == "connection" && value.find("close") != std::string::npos) {
      p.wants_close = true;
    }
  }
  return true;
}

void http_framer::feed(std::string_view data, std::vector<http_piece>& out) {
  if (passthrough_) {
    if (!data.empty())
      out.push_back(raw_piece(std::string{data}));
    return;
  }
  buffer_.append(data);
  // Bounded: each turn consumes one request or switches to passthrough.
  while (!buffer_.empty()) {
    size_t end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (buffer_.size() > max_head) {
        passthrough_ = true;
        out.push_back(raw_piece(std::move(buffer_)));
        buffer_.clear();
      }
      return;
    }
    http_piece p;
    size_t body = 0;
    bool then_raw = false;
    if (!parse_head(std::string_view{buffer_}.substr(0, end + 2), p, body, then_raw)) {
      passthrough_ = true;
      out.push_back(raw_piece(std::move(buffer_)));
      buffer_.clear();
      return;
    }
    size_t head_size = end + 4;
    if (body > max_body) {
      passthrough_ = true; // too big to hold back: forward it as it comes
      out.push_back(raw_piece(std::move(buffer_)));
      buffer_.clear();
      return;
    }
    if (then_raw) {
      // The head is one request; whatever follows goes through untouched.
      p.is_request = true;
      p.bytes = std::move(buffer_);
      buffer_.clear();
      passthrough_ = true;
      out.push_back(std::move(p));
      return;
    }
    if (buffer_.size() - head_size < body)
      return; // the body is not all here yet
    p.is_request = true;
    p.bytes = buffer_.substr(0, head_size + body);
    buffer_.erase(0, head_size + body);
    out.push_back(std::move(p));
  }
}

} // namespace engine
