// Test helpers: fake-alpaca as a subprocess on port 0, a recorder of the client's callbacks,
// and a small blocking HTTP GET for the fake's control view.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "brokers/alpaca/client.hpp"

namespace engine::alpaca::testing {

/// fake-alpaca started with the given arguments; killed (by its pid) on destruction.
class fake_process {
public:
  explicit fake_process(std::vector<std::string> args = {}, const std::string& plan_yaml = "") {
    std::vector<std::string> argv{ENGINE_BINARY_DIR "/brokers/fake-alpaca", "--port", "0",
                                  "--tick-ms", "5"};
    if (!plan_yaml.empty()) {
      plan_file_ = "/tmp/alpaca_test_plan_" + std::to_string(::getpid()) + "_"
                   + std::to_string(counter()++) + ".yaml";
      std::ofstream{plan_file_} << plan_yaml;
      argv.push_back("--faults");
      argv.push_back(plan_file_);
    }
    argv.insert(argv.end(), args.begin(), args.end());
    int fds[2];
    if (::pipe(fds) != 0)
      throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> cargv;
      for (auto& a : argv)
        cargv.push_back(a.data());
      cargv.push_back(nullptr);
      ::execv(cargv[0], cargv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    FILE* out = ::fdopen(fds[0], "r");
    char line[256] = {};
    if (!std::fgets(line, sizeof line, out))
      throw std::runtime_error("fake-alpaca did not start");
    std::string s = line;
    auto colon = s.rfind(':');
    if (s.rfind("listening on 127.0.0.1:", 0) != 0 || colon == std::string::npos)
      throw std::runtime_error("fake-alpaca said: " + s);
    port_ = std::stoi(s.substr(colon + 1));
    out_ = out;
  }
  ~fake_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    if (out_)
      std::fclose(out_);
    if (!plan_file_.empty())
      std::remove(plan_file_.c_str());
  }
  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  alpaca_options options() const {
    alpaca_options o;
    o.base_url = base();
    o.stream_url = "ws://127.0.0.1:" + std::to_string(port_) + "/stream";
    o.api_key = secret{"fake-key"};
    o.secret_key = secret{"fake-secret"};
    o.request_timeout_ms = 2000;
    o.stream_silence_timeout_ms = 2000;
    o.broker = "alpaca-test";
    return o;
  }

  /// GET a path from the fake (with the keys); returns the body ("" on failure).
  std::string get(const std::string& target, int* status = nullptr) const {
    return call(boost::beast::http::verb::get, target, status);
  }
  /// POST without a body (the fake's test controls, e.g. /fake/price?symbol=S&price=P).
  std::string post(const std::string& target, int* status = nullptr) const {
    return call(boost::beast::http::verb::post, target, status);
  }

  std::string call(boost::beast::http::verb verb, const std::string& target,
                   int* status = nullptr) const {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context ioc;
    beast::tcp_stream s{ioc};
    beast::error_code ec;
    s.connect(boost::asio::ip::tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"),
                                             static_cast<unsigned short>(port_)},
              ec);
    if (ec)
      return {};
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set("APCA-API-KEY-ID", "fake-key");
    req.set("APCA-API-SECRET-KEY", "fake-secret");
    req.prepare_payload();
    http::write(s, req, ec);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res, ec);
    if (status)
      *status = ec ? 0 : static_cast<int>(res.result_int());
    return ec ? std::string{} : res.body();
  }

private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  pid_t pid_ = -1;
  int port_ = 0;
  FILE* out_ = nullptr;
  std::string plan_file_;
};

/// Everything the client said, with waits bounded in time.
class recorder {
public:
  net::venue_events events() {
    net::venue_events e;
    e.on_report = [this](ExecutionReport r) {
      std::lock_guard<std::mutex> g{m_};
      reports_.push_back(std::move(r));
      cv_.notify_all();
    };
    e.on_connected = [this] {
      std::lock_guard<std::mutex> g{m_};
      ++connected_;
      cv_.notify_all();
    };
    e.on_disconnected = [this](net::venue_error err) {
      std::lock_guard<std::mutex> g{m_};
      disconnects_.push_back(err);
      cv_.notify_all();
    };
    e.on_notice = [this](std::string n) {
      std::lock_guard<std::mutex> g{m_};
      notices_.push_back(std::move(n));
      cv_.notify_all();
    };
    return e;
  }

  /// Waits until pred() holds (checked under the lock), at most `ms`.
  bool wait(const std::function<bool()>& pred, int ms = 5000) {
    std::unique_lock<std::mutex> g{m_};
    return cv_.wait_for(g, std::chrono::milliseconds(ms), pred);
  }
  bool wait_connected(int ms = 5000) {
    return wait([this] { return connected_ > 0 || !disconnects_.empty(); }, ms) && connected_ > 0;
  }
  bool wait_disconnected(int ms = 5000) {
    return wait([this] { return !disconnects_.empty(); }, ms);
  }
  /// Reports about one engine order, in order.
  std::vector<ExecutionReport> of(const std::string& id) {
    std::lock_guard<std::mutex> g{m_};
    std::vector<ExecutionReport> out;
    for (auto& r : reports_)
      if (r.update.order_id == id)
        out.push_back(r);
    return out;
  }
  bool wait_event(const std::string& id, OrderEvent ev, int ms = 5000) {
    return wait(
      [&] {
        for (auto& r : reports_)
          if (r.update.order_id == id && r.event == ev)
            return true;
        return false;
      },
      ms);
  }
  /// Sum of the fills reported for an order.
  Quantity filled(const std::string& id) {
    Quantity q;
    for (auto& r : of(id))
      if (r.event == OrderEvent::fill || r.event == OrderEvent::partial_fill)
        q += r.fill.quantity;
    return q;
  }
  bool wait_notice(const std::string& part, int ms = 5000) {
    return wait(
      [&] {
        for (auto& n : notices_)
          if (n.find(part) != std::string::npos)
            return true;
        return false;
      },
      ms);
  }
  int connections() {
    std::lock_guard<std::mutex> g{m_};
    return connected_;
  }
  std::vector<net::venue_error> disconnects() {
    std::lock_guard<std::mutex> g{m_};
    return disconnects_;
  }
  std::vector<std::string> notices() {
    std::lock_guard<std::mutex> g{m_};
    return notices_;
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<ExecutionReport> reports_;
  std::vector<net::venue_error> disconnects_;
  std::vector<std::string> notices_;
  int connected_ = 0;
};

/// Blocks for an answer of one of the client's queries.
template <class T>
struct awaited {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::optional<T> value;
  std::string error;

  net::answer<T> callback() {
    return [this](std::optional<T> v, std::string e) {
      std::lock_guard<std::mutex> g{m};
      value = std::move(v);
      error = std::move(e);
      done = true;
      cv.notify_all();
    };
  }
  bool wait(int ms = 5000) {
    std::unique_lock<std::mutex> g{m};
    return cv.wait_for(g, std::chrono::milliseconds(ms), [this] { return done; });
  }
};

} // namespace engine::alpaca::testing
