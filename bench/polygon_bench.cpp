// Quotes per second from socket bytes to the polygon feed's subscriber, beside the raw WebSocket
// receive rate from the same fake-polygon in the same run.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "brokers/polygon/feed.hpp"
#include "brokers/polygon/wire.hpp"

namespace {

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

constexpr auto measure_for = std::chrono::seconds(3);

/// fake-polygon beside this binary's build tree (build/bench/.. -> build/brokers/fake-polygon).
struct fake_process {
  pid_t pid = -1;
  int port = 0;
  fake_process(const std::string& rate) {
    auto exe = std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() /
               "brokers" / "fake-polygon";
    int out[2];
    if (pipe(out) != 0)
      return;
    pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlives a killed test
      dup2(out[1], 1);
      close(out[0]);
      execl(exe.c_str(), exe.c_str(), "--port", "0", "--rate", rate.c_str(), "--tickers",
            "AAPL,MSFT,NVDA,TSLA", "--trade-every", "1000000", nullptr);
      _exit(127);
    }
    close(out[1]);
    std::string line;
    pollfd p{out[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos && poll(&p, 1, 5000) > 0) {
      char buf[128];
      auto n = read(out[0], buf, sizeof buf);
      if (n <= 0)
        break;
      line.append(buf, static_cast<size_t>(n));
    }
    close(out[0]);
    auto colon = line.rfind(':');
    if (colon != std::string::npos)
      port = std::stoi(line.substr(colon + 1));
  }
  ~fake_process() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

fake_process& fake() {
  static fake_process f{"400000"}; // about what one fake thread makes on this machine
  return f;
}

const std::vector<std::string> tickers{"AAPL", "MSFT", "NVDA", "TSLA"};

/// A bare WebSocket client: auth, subscribe, read frames; counts quote events by their tag.
void BM_raw_websocket_receive(benchmark::State& state) {
  if (!fake().port) {
    state.SkipWithError("fake-polygon did not start");
    return;
  }
  for (auto _ : state) {
    boost::asio::io_context ioc;
    tcp::resolver res{ioc};
    beast::websocket::stream<tcp::socket> ws{ioc};
    boost::asio::connect(ws.next_layer(), res.resolve("127.0.0.1", std::to_string(fake().port)));
    ws.handshake("127.0.0.1", "/stocks");
    ws.text(true);
    ws.write(boost::asio::buffer(engine::polygon::auth_message("bench")));
    ws.write(boost::asio::buffer(engine::polygon::subscribe_message({"Q"}, tickers)));
    beast::flat_buffer buf;
    uint64_t quotes = 0, bytes = 0;
    auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < measure_for) {
      ws.read(buf);
      auto text = beast::buffers_to_string(buf.data());
      bytes += text.size();
      for (auto at = text.find("\"ev\":\"Q\""); at != std::string::npos;
           at = text.find("\"ev\":\"Q\"", at + 8))
        ++quotes;
      buf.consume(buf.size());
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.SetIterationTime(secs);
    state.counters["quotes_per_s"] = quotes / secs;
    state.counters["MB_per_s"] = bytes / secs / 1e6;
    beast::error_code ec;
    ws.next_layer().close(ec);
  }
}

/// The feed: Beast read, parse with exact decimals, validation, batching, the subscriber callback.
void BM_feed_to_subscriber(benchmark::State& state) {
  if (!fake().port) {
    state.SkipWithError("fake-polygon did not start");
    return;
  }
  for (auto _ : state) {
    std::atomic<uint64_t> delivered{0};
    std::atomic<uint64_t> batches{0};
    engine::polygon::feed_options o;
    o.ws_url = "ws://127.0.0.1:" + std::to_string(fake().port) + "/stocks";
    o.rest_url = "http://127.0.0.1:" + std::to_string(fake().port);
    o.api_key = engine::secret{"bench"};
    o.tickers = tickers;
    o.channels = {"Q"};
    o.snapshots = false;
    engine::polygon::polygon_feed* fp = nullptr;
    engine::polygon::feed_callbacks cb;
    cb.on_quotes = [&](engine::QuoteBatch b) {
      delivered += b.quotes.size();
      ++batches;
      benchmark::DoNotOptimize(b.quotes.data());
      fp->ready();
    };
    engine::polygon::polygon_feed feed{o, cb};
    fp = &feed;
    feed.start();
    // Measure from the first delivered quote.
    while (delivered == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    auto from = delivered.load();
    auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(measure_for);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto n = delivered.load() - from;
    feed.stop();
    auto c = feed.counters();
    state.SetIterationTime(secs);
    state.counters["quotes_per_s"] = n / secs;
    state.counters["quotes_per_batch"] = batches ? double(c.delivered) / batches : 0;
    state.counters["conflated"] = double(c.conflated);
    state.counters["garbage"] = double(c.garbage);
  }
}

BENCHMARK(BM_raw_websocket_receive)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);
BENCHMARK(BM_feed_to_subscriber)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

} // namespace

BENCHMARK_MAIN();
