// The fault-proxy program itself (build/brokers/fault-proxy): its start line, its counters on
// --control, a stop on SIGTERM, and exit code 2 with the message for a plan it cannot apply.
#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/config/test_files.hpp"
#include "tests/faults/net_helpers.hpp"

extern char** environ;

namespace engine {
namespace {

using namespace engine::testing;

const std::string program = ENGINE_BINARY_DIR "/brokers/fault-proxy";

/// The program as a child with its stdout and stderr on pipes; killed if still running at the end.
class child {
public:
  explicit child(std::vector<std::string> args) {
    int out[2], err[2];
    EXPECT_EQ(::pipe(out), 0);
    EXPECT_EQ(::pipe(err), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, err[0]);
    args.insert(args.begin(), program);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, program.c_str(), &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~child() {
    if (pid_ > 0 && status_ < 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
    ::close(err_);
  }

  /// Reads stdout until a line starting with `prefix` (bounded); returns the line.
  std::string line_starting(const std::string& prefix, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
    for (;;) {
      size_t pos = 0;
      while ((pos = out_text_.find('\n')) != std::string::npos) {
        std::string line = out_text_.substr(0, pos);
        out_text_.erase(0, pos + 1);
        if (line.rfind(prefix, 0) == 0)
          return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
      if (left <= 0)
        return "";
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0)
        continue;
      char buf[512];
      ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0)
        return "";
      out_text_.append(buf, static_cast<size_t>(n));
    }
  }

  /// Waits (bounded) for the exit: the end of its stdout, then its status. The exit code, or -1.
  int wait_exit(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
      if (left <= 0)
        return -1;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0)
        continue;
      char buf[512];
      ssize_t n = ::read(out_, buf, sizeof buf);
      if (n > 0) {
        out_text_.append(buf, static_cast<size_t>(n));
        continue;
      }
      break; // stdout closed: the process is exiting
    }
    int st = 0;
    if (::waitpid(pid_, &st, 0) != pid_)
      return -1;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return status_;
  }

  std::string stderr_text() {
    std::string s;
    char buf[512];
    int flags = ::fcntl(err_, F_GETFL);
    ::fcntl(err_, F_SETFL, flags | O_NONBLOCK);
    for (ssize_t n; (n = ::read(err_, buf, sizeof buf)) > 0;)
      s.append(buf, static_cast<size_t>(n));
    return s;
  }

  void signal(int sig) { ::kill(pid_, sig); }

private:
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  int status_ = -1;
  std::string out_text_;
};

uint16_t port_of(const std::string& line) {
  auto colon = line.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<uint16_t>(std::atoi(line.c_str() + colon + 1));
}

TEST(fault_proxy_program, runs_a_plan_reports_counters_and_stops_on_sigterm) {
  temp_dir dir{"fault_proxy_program"};
  auto plan = dir.write("plan.yaml", "seed: 3\nrules:\n  - {kind: garbage, at_s: 0, count: 1}\n");
  echo_server server;
  child proxy{{"--listen", "0", "--upstream", "127.0.0.1:" + std::to_string(server.port()),
               "--plan", plan, "--control", "0"}};
  auto control = port_of(proxy.line_starting("control on 127.0.0.1:", 5000));
  auto listen = port_of(proxy.line_starting("listening on 127.0.0.1:", 5000));
  ASSERT_NE(listen, 0);
  ASSERT_NE(control, 0);
  {
    client c{listen};
    ASSERT_TRUE(c.send("0123456789"));
    auto g = c.read_exact(10, 2000);
    EXPECT_EQ(g.data.size(), 10u);
    EXPECT_NE(g.data, "0123456789"); // the one garbage chunk
    ASSERT_TRUE(c.send("abcdefghij"));
    EXPECT_EQ(c.read_exact(10, 2000).data, "abcdefghij");
  }
  client q{control};
  ASSERT_TRUE(q.send("GET /counters HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto a = read_http(q, 2000);
  EXPECT_EQ(a.status, 200);
  EXPECT_NE(a.body.find("\"accepted\":1,"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("\"bytes_up\":20,"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("\"garbage\":1,"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("\"fired\":{\"disconnect\":0,"), std::string::npos) << a.body;
  proxy.signal(SIGTERM);
  EXPECT_EQ(proxy.wait_exit(5000), 0);
}

TEST(fault_proxy_program, a_plan_it_cannot_apply_stops_with_exit_code_2) {
  temp_dir dir{"fault_proxy_program_bad"};
  auto plan = dir.write("plan.yaml", "rules:\n  - {kind: disconnect, at_s: 1}\n"
                                     "  - {kind: duplicate_fill, probability: 0.5}\n");
  child proxy{{"--listen", "0", "--upstream", "127.0.0.1:1", "--plan", plan, "--http"}};
  EXPECT_EQ(proxy.wait_exit(5000), 2);
  EXPECT_EQ(proxy.stderr_text(),
            "error: " + plan + ":3: rules[1].kind: duplicate_fill is venue-level: it needs the "
            "venue's protocol, so the simulator and the fake servers apply it; fault-proxy only "
            "sees bytes\n");
}

TEST(fault_proxy_program, a_malformed_plan_stops_with_file_line_key_what) {
  temp_dir dir{"fault_proxy_program_malformed"};
  auto plan = dir.write("plan.yaml", "rules:\n  - {kind: hang, at_s: 1}\n");
  child proxy{{"--listen", "0", "--upstream", "127.0.0.1:1", "--plan", plan}};
  EXPECT_EQ(proxy.wait_exit(5000), 2);
  EXPECT_EQ(proxy.stderr_text(),
            "error: " + plan + ":2: rules[0].duration_ms: required (> 0) for a hang fault\n");
}

TEST(fault_proxy_program, after_orders_without_http_is_refused) {
  temp_dir dir{"fault_proxy_program_raw"};
  auto plan = dir.write("plan.yaml", "rules:\n  - {kind: disconnect, after_orders: 3}\n");
  child proxy{{"--listen", "0", "--upstream", "127.0.0.1:1", "--plan", plan}};
  EXPECT_EQ(proxy.wait_exit(5000), 2);
  EXPECT_EQ(proxy.stderr_text(),
            "error: " + plan + ":2: rules[0].after_orders: needs --http: without it fault-proxy "
            "sees no orders (only at_s, daily_at and per-connection probabilities apply)\n");
}

} // namespace
} // namespace engine
