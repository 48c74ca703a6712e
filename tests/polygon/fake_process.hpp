// Starts build/brokers/fake-polygon on 127.0.0.1 port 0 for a test and reads back its port.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace engine::test {

/// The fake as a child process; killed (SIGTERM, by its pid) and reaped on destruction.
class fake_polygon_process {
public:
  explicit fake_polygon_process(std::vector<std::string> args) {
    int out[2];
    if (pipe(out) != 0)
      throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlives a killed test
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      std::string exe = std::string{ENGINE_BINARY_DIR} + "/brokers/fake-polygon";
      std::vector<std::string> all{exe, "--port", "0"};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(exe.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    fd_ = out[0];
    // "listening on 127.0.0.1:PORT", within a bounded wait.
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (line.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0)
        throw std::runtime_error("fake-polygon did not print its port");
      char buf[256];
      auto n = read(fd_, buf, sizeof buf);
      if (n <= 0)
        throw std::runtime_error("fake-polygon exited before printing its port");
      line.append(buf, static_cast<size_t>(n));
    }
    auto colon = line.rfind(':');
    port_ = std::stoi(line.substr(colon + 1));
  }

  ~fake_polygon_process() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (fd_ >= 0)
      close(fd_);
  }

  int port() const { return port_; }
  std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/stocks"; }
  std::string rest_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// Writes a fault plan file for --faults.
  static std::string write_plan(const std::string& path, const std::string& yaml) {
    std::ofstream(path) << yaml;
    return path;
  }

private:
  pid_t pid_ = -1;
  int fd_ = -1;
  int port_ = 0;
};

} // namespace engine::test
