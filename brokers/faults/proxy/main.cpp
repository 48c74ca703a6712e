// fault-proxy: a TCP proxy that applies a fault plan in front of any server. See docs/FAULTS.md.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include <pthread.h>

#include <CLI/CLI.hpp>

#include "brokers/faults/proxy/fault_proxy.hpp"
#include "config/config_loader.hpp"

int main(int argc, char** argv) {
  CLI::App app{"fault-proxy: a TCP proxy on 127.0.0.1 that applies a fault plan (docs/FAULTS.md)"};
  int listen_port = 0;
  std::string upstream;
  std::string plan_file;
  bool http = false;
  int control_port = -1;
  app.add_option("--listen", listen_port, "port to listen on at 127.0.0.1 (0 = pick one)")
    ->required()
    ->check(CLI::Range(0, 65535));
  app.add_option("--upstream", upstream, "HOST:PORT of the server behind the proxy")->required();
  app.add_option("--plan", plan_file, "fault plan (YAML: seed, rules)")->required();
  app.add_flag("--http", http,
               "understand HTTP/1.1 requests: 429/500/403 answers, orders = POST /v2/orders");
  app.add_option("--control", control_port, "port of a JSON counters endpoint (0 = pick one)")
    ->check(CLI::Range(0, 65535));
  CLI11_PARSE(app, argc, argv);

  auto colon = upstream.rfind(':');
  int upstream_port = -1;
  if (colon != std::string::npos && colon > 0) {
    try {
      upstream_port = std::stoi(upstream.substr(colon + 1));
    } catch (const std::exception&) {
    }
  }
  if (upstream_port <= 0 || upstream_port > 65535) {
    std::cerr << "error: --upstream must be HOST:PORT, got '" << upstream << "'\n";
    return 2;
  }

  engine::fault_proxy_options opt;
  opt.upstream_host = upstream.substr(0, colon);
  opt.upstream_port = static_cast<uint16_t>(upstream_port);
  opt.listen_port = static_cast<uint16_t>(listen_port);
  opt.http = http;
  opt.control = control_port >= 0;
  opt.control_port = static_cast<uint16_t>(std::max(control_port, 0));
  opt.plan_file = plan_file;
  try {
    opt.plan = engine::load_fault_plan(plan_file);
  } catch (const engine::config_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }

  // SIGINT/SIGTERM are awaited here; blocked before the I/O thread starts so it never gets them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    engine::fault_proxy proxy{opt};
    uint16_t port = proxy.start();
    std::cout << "plan: " << engine::describe(opt.plan) << "\n";
    if (opt.control)
      std::cout << "control on 127.0.0.1:" << proxy.control_port() << "\n";
    std::cout << "listening on 127.0.0.1:" << port << std::endl;
    int sig = 0;
    sigwait(&stop_signals, &sig);
    proxy.stop();
    std::cout << "stopped: " << proxy.counters().to_json() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
