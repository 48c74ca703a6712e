// fake-tws: a fake TWS / IB Gateway on 127.0.0.1 for paper runs and tests.
//   fake-tws --port N [--faults PLAN] [--server-version V] [--seed S] [--order-log FILE]
//            [--account A] [--first-order-id N] [--time-zone Z] [--state-file FILE]
//            [--commission-delay-ms N]
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "brokers/faults/fault_plan.hpp"
#include "brokers/ibkr/fake/fake_tws.hpp"
#include "brokers/ibkr/ib_time.hpp"
#include "brokers/ibkr/wire.hpp"

namespace {
volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

std::atomic<bool> dump_requested{false};
void on_dump(int) { dump_requested = true; }

/// What the fake did, for tests that compare it with the engine's books (JSON).
void write_state(engine::ibkr::fake::fake_tws& server, const std::string& path) {
  std::string out = "{\"executions\":[";
  bool first = true;
  for (auto& e : server.executions()) {
    out += first ? "" : ",";
    first = false;
    out += "{\"exec_id\":\"" + e.exec_id + "\",\"order_id\":" + std::to_string(e.order_id) +
           ",\"order_ref\":\"" + e.order_ref + "\",\"symbol\":\"" + e.symbol +
           "\",\"shares\":\"" + e.shares.to_string() + "\",\"price\":\"" +
           e.price.to_string() + "\",\"commission\":\"" + e.commission.to_string() + "\"}";
  }
  out += "],\"positions\":[";
  first = true;
  for (auto& [symbol, q] : server.positions()) {
    out += first ? "" : ",";
    first = false;
    out += "{\"symbol\":\"" + symbol + "\",\"position\":\"" + q.to_string() + "\"}";
  }
  out += "],\"order_ids\":[";
  first = true;
  for (auto& o : server.orders_seen()) {
    if (o.what != "new")
      continue;
    out += first ? "" : ",";
    first = false;
    out += std::to_string(o.order_id);
  }
  out += "]}\n";
  auto tmp = path + ".tmp";
  if (FILE* f = std::fopen(tmp.c_str(), "w")) {
    std::fputs(out.c_str(), f);
    std::fclose(f);
    std::rename(tmp.c_str(), path.c_str());
  }
}

int usage(const char* why) {
  std::fprintf(stderr,
               "fake-tws: %s\nusage: fake-tws --port N [--faults PLAN] [--server-version V] "
               "[--seed S] [--order-log FILE] [--account A] [--first-order-id N] "
               "[--time-zone Z] [--state-file FILE] [--commission-delay-ms N]\n",
               why);
  return 2;
}
} // namespace

int main(int argc, char** argv) {
  engine::ibkr::fake::fake_tws_options o;
  std::string plan_path;
  std::string state_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--help" || a == "-h")
      return usage("a fake TWS speaking the TWS API socket protocol"), 0;
    if (!(v = value()))
      return usage(("missing value for " + a).c_str());
    try {
      if (a == "--port")
        o.port = static_cast<uint16_t>(std::stoi(v));
      else if (a == "--faults")
        plan_path = v;
      else if (a == "--server-version")
        o.server_version = std::stoi(v);
      else if (a == "--seed")
        o.seed = std::stoull(v);
      else if (a == "--order-log")
        o.order_log = v;
      else if (a == "--account")
        o.account = v;
      else if (a == "--first-order-id")
        o.first_order_id = std::stoll(v);
      else if (a == "--time-zone")
        o.time_zone = v;
      else if (a == "--state-file")
        state_file = v;
      else if (a == "--commission-delay-ms")
        o.commission_delay_ms = std::stoi(v);
      else
        return usage(("unknown option " + a).c_str());
    } catch (const std::exception&) {
      return usage(("bad value for " + a).c_str());
    }
  }
  if (!engine::ibkr::known_zone(o.time_zone))
    return usage(("unknown time zone " + o.time_zone).c_str());
  try {
    if (!plan_path.empty()) {
      o.plan = engine::load_fault_plan(plan_path);
      std::printf("faults: %s\n", engine::describe(o.plan).c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake-tws: %s\n", e.what());
    return 2;
  }
  if (o.plan.seed == 1 && o.seed != 1)
    o.plan.seed = o.seed;
  engine::ibkr::fake::fake_tws server(o);
  uint16_t port = 0;
  try {
    port = server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake-tws: cannot listen on 127.0.0.1:%u: %s\n", o.port, e.what());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n", port);
  std::printf("server version %d, account %s, first order id %lld\n", o.server_version,
              o.account.c_str(), static_cast<long long>(o.first_order_id));
  std::fflush(stdout);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGUSR1, on_dump);
  while (!stop_requested) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (dump_requested.exchange(false) && !state_file.empty())
      write_state(server, state_file);
  }
  if (!state_file.empty())
    write_state(server, state_file);
  server.stop();
  return 0;
}
