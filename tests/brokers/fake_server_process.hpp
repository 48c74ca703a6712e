// A fake venue server (fake-alpaca, fake-tws) as a child process on 127.0.0.1 port 0: started
// with its arguments, its port read back from the "listening on 127.0.0.1:PORT" line it prints.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace engine::testing {

/// Killed (SIGTERM, by its pid) and reaped on destruction; dies with the test (PDEATHSIG).
class fake_server_process {
public:
  fake_server_process(const std::string& program, std::vector<std::string> args) {
    int out[2];
    if (::pipe(out) != 0)
      throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<std::string> all{program};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(program.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    fd_ = out[0]; // kept open: the fake may print more, and must not get SIGPIPE for it
    port_ = read_port(program);
  }
  ~fake_server_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (fd_ >= 0)
      ::close(fd_);
  }
  fake_server_process(const fake_server_process&) = delete;
  fake_server_process& operator=(const fake_server_process&) = delete;

  int port() const { return port_; }

private:
  /// Reads lines until the listening one, within a bounded wait (a loaded machine: 20 s).
  int read_port(const std::string& program) {
    static const std::string prefix = "listening on 127.0.0.1:";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::string text;
    for (;;) {
      for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
        if (text.compare(at, prefix.size(), prefix) == 0)
          return std::stoi(text.substr(at + prefix.size(), nl - at - prefix.size()));
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
        throw std::runtime_error(program + " did not print its port");
      char buf[256];
      auto n = ::read(fd_, buf, sizeof buf);
      if (n <= 0)
        throw std::runtime_error(program + " exited before printing its port: " + text);
      text.append(buf, static_cast<size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  int port_ = 0;
};

} // namespace engine::testing
