// execution-node: runs one node of the engine from a config file until the data ends, a duration
// passes or SIGINT/SIGTERM arrives, then prints a summary and optionally writes a JSON report.
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "config/config_loader.hpp"
#include "actors/journal/journal_format.hpp"
#include "config/logging.hpp"
#include "nodes/engine_node.hpp"
#include "nodes/html_report.hpp"
#include "nodes/transport/keys.hpp"

namespace {

using steady = std::chrono::steady_clock;

/// Blocks SIGINT and SIGTERM in every thread (call before any thread starts),
/// so that the main loop alone takes them with sigtimedwait.
sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

/// The drain's share of the stop, counted from the request: the stop (drain, report, journal
/// closed, exit) is to be over within a second of --duration or SIGTERM (issue 17 item 6).
constexpr auto stop_drain_budget = std::chrono::milliseconds(600);

/// Ends the process once the journal is closed: the node's actors that hold only memory (the
/// order maps of 100,000 open orders) are not taken apart one node at a time, the process's
/// exit reclaims them. Everything written is flushed first (stdout, the log sinks).
[[noreturn]] void end_process(engine::engine_node& node, int rc) {
  node.stop_for_exit(); // the journal drained, fsynced and closed
  std::cout.flush();
  std::cerr.flush();
  engine::flush_logging();
  std::fflush(nullptr);
  std::_Exit(rc);
}

/// Waits up to `ms` for a shutdown signal; returns its number or 0.
int wait_for_signal(const sigset_t& set, long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  siginfo_t info;
  int sig = sigtimedwait(&set, &info, &ts);
  return sig > 0 ? sig : 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"execution-node: one node of the trade execution engine"};
  std::string config_path = "config/app_config.yaml";
  std::string node_name = "main";
  std::string report_path;
  std::string html_report_path;
  std::string log_level;
  double duration_s = 0;
  double status_every_s = 1;
  bool recover = false;
  bool print_acks = false;
  std::vector<std::string> keygen;
  app.add_option("--config", config_path, "YAML config file");
  app.add_option("--node", node_name, "which node of the config to run");
  app.add_option("--duration", duration_s, "stop after this many wall-clock seconds (0: when the data ends)")
    ->check(CLI::NonNegativeNumber);
  app.add_option("--report", report_path, "write the JSON run report here");
  app.add_option("--html-report", html_report_path,
                 "write a self-contained HTML report (charts inlined) here");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|critical|off");
  app.add_option("--status-every", status_every_s, "seconds between status lines")
    ->check(CLI::PositiveNumber);
  app.add_flag("--recover", recover,
               "quarantine damaged journal lines (loudly) instead of refusing to start");
  app.add_flag("--print-acks", print_acks,
               "print ACK <client_order_id> <order_id> for every order a strategy had accepted");
  app.add_option("--generate-keys", keygen,
                 "write a new CURVE key pair to PUBLIC_FILE SECRET_FILE (mode 0600) and exit")
    ->expected(2);
  CLI11_PARSE(app, argc, argv);
  if (!keygen.empty()) {
    try {
      auto pub = engine::transport::write_key_files(keygen[0], keygen[1]);
      std::cout << "public key " << pub << " written to " << keygen[0] << "\n";
      return 0;
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return 1;
    }
  }

  auto signals = block_shutdown_signals();
  engine::app_config cfg;
  try {
    cfg = engine::load_config(config_path);
    engine::init_logging(cfg.logging,
                         log_level.empty() ? std::nullopt : std::optional<std::string>{log_level});
  } catch (const engine::config_error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  auto log = engine::logger("main");
  log->info("execution-node {} starting\n{}", node_name, engine::describe(cfg));

  engine::engine_node node{cfg, engine::node_options{node_name, recover, print_acks}};
  try {
    node.start();
  } catch (const engine::config_error& e) {
    // A strategy that cannot be made (a plug-in's library, ABI, class or params).
    log->critical("start failed: {}", e.what());
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const engine::journal_error& e) {
    log->critical("the journal cannot be replayed: {}", e.what());
    std::cerr << e.what() << "\n(start with --recover to quarantine the damaged line)\n";
    return 3;
  } catch (const engine::startup_error& e) {
    log->critical("cannot start: {}", e.what());
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    log->critical("start failed: {}", e.what());
    return 1;
  }
  if (node.http_port() != 0)
    std::cout << "[http] listening on " << cfg.http.host << ":" << node.http_port() << std::endl;
  auto started = steady::now();
  auto next_status = started + std::chrono::duration_cast<steady::duration>(
                                 std::chrono::duration<double>(status_every_s));
  std::string why = "market data ended";
  auto requested = steady::now(); // when the stop was asked for: the drain counts from it
  auto duration_end = started + std::chrono::duration_cast<steady::duration>(
                                  std::chrono::duration<double>(duration_s));
  // The HTML report's history: the books sampled on the main thread while the day runs.
  engine::run_recorder recorder;
  auto next_sample = started;
  while (!node.data_finished()) {
    if (!html_report_path.empty() && steady::now() >= next_sample) {
      recorder.sample(node);
      next_sample = steady::now() + std::chrono::milliseconds(20);
    }
    if (duration_s > 0 && steady::now() >= duration_end) {
      why = "duration reached";
      requested = duration_end;
      break;
    }
    // Wakes at the duration's end, not up to a poll period after it.
    long wait_ms = html_report_path.empty() ? 100 : 20;
    if (duration_s > 0)
      wait_ms = std::clamp<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   duration_end - steady::now()).count() + 1,
                                 1, wait_ms);
    if (int sig = wait_for_signal(signals, wait_ms)) {
      why = sig == SIGINT ? "SIGINT" : "SIGTERM";
      requested = steady::now();
      break;
    }
    if (steady::now() >= next_status) {
      // Never past the duration's end: a busy node's status line would hold the stop.
      auto budget = std::chrono::milliseconds(500);
      if (duration_s > 0)
        budget = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(
                              duration_end - steady::now()),
                            std::chrono::milliseconds(20), budget);
      std::cout << "[status] " << node.status_line(budget) << std::endl;
      next_status += std::chrono::duration_cast<steady::duration>(
        std::chrono::duration<double>(status_every_s));
    }
  }
  log->info("stopping: {}", why);
  // Asked to stop (--duration, a signal): within the second. At the end of the data the
  // session close settles in full (day orders expire at the venue), as in-process runs do.
  if (why == "market data ended")
    node.drain();
  else
    node.drain(requested, stop_drain_budget);
  auto report = node.report();
  if (report.market_data.fatal) { // e.g. the data vendor refused the key: a config problem
    std::cerr << "market data cannot start: " << report.market_data.reason << "\n";
    end_process(node, 2);
  }
  std::cout << engine::report_summary(report) << std::flush;
  if (!html_report_path.empty()) {
    recorder.sample(node);
    recorder.collect_orders(node);
    auto charts = engine::load_charts_js();
    if (charts.empty())
      log->warn("lightweight-charts not installed (deploy/install-deps.sh): the HTML report has tables only");
    std::ofstream out{html_report_path};
    out << engine::html_report(report, recorder, cfg, charts);
    if (!out)
      log->error("could not write the HTML report to {}", html_report_path);
    else
      log->info("HTML report written to {}", html_report_path);
  }
  if (!report_path.empty()) {
    std::ofstream out{report_path};
    out << engine::report_json(report);
    if (!out) {
      log->error("could not write the report to {}", report_path);
      end_process(node, 1);
    }
    log->info("report written to {}", report_path);
  }
  end_process(node, 0);
}
