// Strategy plug-ins: each bad library gives its documented error, and a strategy that throws is stopped alone.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "actors/actor_directory.hpp"
#include "actors/strategy.hpp"
#include "config/config_loader.hpp"
#include "messages/type_ids.hpp"
#include "nodes/engine_node.hpp"

using namespace engine;
namespace fs = std::filesystem;

namespace {

const fs::path plugin_dir = fs::path{ENGINE_BINARY_DIR} / "tests/plugins";
const fs::path test_lib = plugin_dir / "libtest_strategies.so";
const fs::path bad_abi_lib = plugin_dir / "libbad_abi.so";

std::string read_file(const fs::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A half-hour simulated morning of one ticker; `strategies` goes under `strategies:`.
std::string config_text(const fs::path& journal, const std::string& strategies) {
  return "initial_cash: 100000\n"
         "execution:\n"
         "  mode: simulation\n"
         "  execution_delay_ms: 0\n"
         "  cancel_delay_ms: 0\n"
         "  price_collar: 0\n"
         "  max_daily_trades: 100000\n"
         "  max_orders_per_second: 0\n"
         "session:\n"
         "  open: \"09:30\"\n"
         "  close: \"10:00\"\n"
         "clock:\n"
         "  kind: simulated\n"
         "  start: \"2026-11-24T09:30:00-05:00\"\n"
         "market_data:\n"
         "  source: synthetic\n"
         "  quote_interval_ms: 1000\n"
         "  batch_size: 16\n"
         "  tickers:\n"
         "    - ticker: AAPL\n"
         "      start_price: 230\n"
         "      volatility: 0.25\n"
         "      spread_bps: 1\n"
         "      bid_size: 500\n"
         "      ask_size: 500\n"
         "journal:\n"
         "  dir: " + journal.string() + "\n"
         "  fsync: never\n"
         "logging:\n"
         "  level: error\n"
         "strategies:\n" + strategies;
}

std::string plugin_entry(const std::string& library, const std::string& cls,
                         const std::string& params) {
  return "  - name: plug\n"
         "    type: plugin\n"
         "    library: " + library + "\n"
         "    class: " + cls + "\n" + params;
}

/// The 1-based line of the first line of `text` containing `needle`.
int line_of(const std::string& text, const std::string& needle) {
  std::istringstream in{text};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find(needle) != std::string::npos)
      return n;
  return 0;
}

class Plugins : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/engine-plugins-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir); }

  fs::path write(const std::string& strategies) {
    text = config_text(dir / "journal", strategies);
    std::ofstream{dir / "config.yaml"} << text;
    return dir / "config.yaml";
  }

  /// The error making the first strategy gives, or "" when it is made.
  std::string make_error(const std::string& strategies) {
    auto cfg = load_config(write(strategies).string());
    try {
      auto s = make_strategy(cfg.strategies.at(0));
      EXPECT_NE(s, nullptr);
      return "";
    } catch (const config_error& e) {
      return e.what();
    }
  }

  /// execution-node's exit code on the config; its output in `out`.
  int run_node(const std::string& strategies) {
    auto path = write(strategies);
    auto cmd = std::string{ENGINE_BINARY_DIR} + "/nodes/execution-node --config " + path.string() +
               " --report " + (dir / "report.json").string() + " --status-every 60 > " +
               (dir / "out.txt").string() + " 2>&1";
    int rc = std::system(cmd.c_str());
    out = read_file(dir / "out.txt");
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }

  fs::path dir;
  std::string text;
  std::string out;
};

} // namespace

TEST_F(Plugins, AMissingLibraryIsAConfigErrorAtItsLine) {
  auto strategies = plugin_entry("no/such/libnothing.so", "x", "");
  try {
    load_config(write(strategies).string());
    FAIL() << "loaded";
  } catch (const config_error& e) {
    auto want = (dir / "config.yaml").string() + ":" +
                std::to_string(line_of(text, "library:")) +
                ": strategies[0].library: no such library 'no/such/libnothing.so' (looked for " +
                (dir / "no/such/libnothing.so").string() + ")";
    EXPECT_EQ(std::string{e.what()}, want);
  }
  EXPECT_EQ(run_node(strategies), 2) << out;
  EXPECT_NE(out.find("no such library"), std::string::npos) << out;
}

TEST_F(Plugins, TheLibraryIsFoundRelativeToTheConfigFile) {
  auto rel = fs::relative(test_lib, dir).string();
  ASSERT_EQ(rel.rfind("/", 0), std::string::npos) << rel;
  auto cfg = load_config(write(plugin_entry(rel, "strict_params",
                                            "    params: {ticker: AAPL, window: 5}\n")).string());
  EXPECT_EQ(cfg.strategies[0].library, fs::canonical(test_lib).string());
  EXPECT_NE(make_strategy(cfg.strategies[0]), nullptr);
}

TEST_F(Plugins, ALibraryWithoutTheEntryPointIsRefused) {
  // Any shared library that is not a plug-in: the C math library is always there.
  fs::path libm = "/lib/x86_64-linux-gnu/libm.so.6";
  ASSERT_TRUE(fs::exists(libm));
  auto err = make_error(plugin_entry(libm.string(), "x", ""));
  EXPECT_NE(err.find(":" + std::to_string(line_of(text, "library:")) +
                     ": strategies[0].library: '" + libm.string() +
                     "' is not a strategy plug-in: it exports no engine_strategy_plugin()"),
            std::string::npos)
    << err;
}

TEST_F(Plugins, AnotherAbiVersionIsRefusedWithBothVersions) {
  auto strategies = plugin_entry(bad_abi_lib.string(), "mean_reversion", "");
  auto err = make_error(strategies);
  EXPECT_NE(err.find("strategies[0].library: '" + bad_abi_lib.string() +
                     "' was built for strategy ABI version 999, this engine loads version 1: "
                     "rebuild it against this engine's SDK"),
            std::string::npos)
    << err;
  EXPECT_EQ(run_node(strategies), 2) << out;
  EXPECT_NE(out.find("was built for strategy ABI version 999"), std::string::npos) << out;
}

TEST_F(Plugins, AnUnknownClassNamesTheClosestOne) {
  auto err = make_error(plugin_entry(test_lib.string(), "strict_param", ""));
  EXPECT_NE(err.find(":" + std::to_string(line_of(text, "class:")) +
                     ": strategies[0].class: '" + test_lib.string() +
                     "' makes no class 'strict_param'; did you mean 'strict_params'?"),
            std::string::npos)
    << err;
  err = make_error(plugin_entry(test_lib.string(), "zzzzzzzzzzzz", ""));
  EXPECT_NE(err.find("(it makes: throws_in_constructor strict_params throws_in_callback)"),
            std::string::npos)
    << err;
}

TEST_F(Plugins, AThrowingConstructorStopsTheStart) {
  auto strategies = plugin_entry(test_lib.string(), "throws_in_constructor", "");
  auto err = make_error(strategies);
  EXPECT_NE(err.find(":" + std::to_string(line_of(text, "class:")) +
                     ": strategies[0]: constructor of throws_in_constructor threw: cannot reach "
                     "the model server"),
            std::string::npos)
    << err;
  EXPECT_EQ(run_node(strategies), 2) << out;
  EXPECT_NE(out.find("constructor of throws_in_constructor threw"), std::string::npos) << out;
}

TEST_F(Plugins, BadParamsReadLikeEveryConfigError) {
  auto err = make_error(plugin_entry(test_lib.string(), "strict_params",
                                     "    params:\n"
                                     "      ticker: AAPL\n"
                                     "      window: 1\n"));
  auto want = (dir / "config.yaml").string() + ":" + std::to_string(line_of(text, "window: 1")) +
              ": strategies[0].params.window: must be in [2, 100], got '1'";
  EXPECT_EQ(err, want);
  err = make_error(plugin_entry(test_lib.string(), "strict_params",
                                "    params:\n"
                                "      ticker: AAPL\n"
                                "      windw: 5\n"));
  EXPECT_NE(err.find(":" + std::to_string(line_of(text, "windw")) +
                     ": strategies[0].params.windw: unknown key"),
            std::string::npos)
    << err;
  // A required key that is absent points at the params map.
  err = make_error(plugin_entry(test_lib.string(), "strict_params", "    params: {ticker: AAPL}\n"));
  EXPECT_NE(err.find(":" + std::to_string(line_of(text, "params:")) +
                     ": strategies[0].params.window: required"),
            std::string::npos)
    << err;
}

TEST_F(Plugins, AStrategyThatThrowsIsStoppedItsOrdersCancelledAndTheRestGoesOn) {
  auto path = write(plugin_entry(test_lib.string(), "throws_in_callback",
                                 "    params: {ticker: AAPL, after: 60}\n") +
                    "  - name: steady\n"
                    "    type: random_orders\n"
                    "    tickers: [AAPL]\n"
                    "    orders_per_second: 0.5\n"
                    "    max_quantity: 3\n");
  auto cfg = load_config(path.string());
  engine_node node{cfg};
  node.start();
  ASSERT_TRUE(node.wait_data_finished(std::chrono::seconds(60)))
    << "the lock step must not wait on a stopped strategy";
  node.drain();
  auto r = node.report();
  ASSERT_EQ(r.strategies.size(), 2u);
  EXPECT_EQ(r.strategies[0].first, "plug");
  EXPECT_EQ(r.strategies[0].second, "stopped: on_quote threw: model diverged at quote 60");
  EXPECT_EQ(r.strategies[1], (std::pair<std::string, std::string>{"steady", "running"}));
  // Its resting buy was cancelled; the other strategy traded the whole half hour
  // (one order every two seconds of 1800: far more than the first minute's 30).
  EXPECT_GE(r.orders.canceled, 1);
  EXPECT_GT(r.orders.submitted, 500);
  caf::scoped_actor self{node.system()};
  std::vector<OrderExecution> open;
  self->request(node.directory()->get(names::order_manager), std::chrono::seconds(10),
                orders_atom::value)
    .receive([&](const std::vector<OrderExecution>& xs) { open = xs; },
             [](caf::error& e) { FAIL() << to_string(e); });
  for (auto& o : open)
    EXPECT_NE(o.strategy, "plug") << o.order_id << " of the stopped strategy is still open";
  // The journal says so too: the resting order of "plug" was cancelled.
  std::string journal;
  for (auto& f : fs::directory_iterator{dir / "journal"})
    if (f.path().filename().string().rfind("order_book", 0) == 0)
      journal += read_file(f.path());
  EXPECT_NE(journal.find("\"reason\":\"strategy plug stopped\""), std::string::npos);
  node.stop();
  auto json = report_json(r);
  EXPECT_NE(json.find("\"plug\":\"stopped: on_quote threw: model diverged at quote 60\""),
            std::string::npos)
    << json;
}
