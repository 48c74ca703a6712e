// Tests the per-component loggers: levels from config or override, shared file sink, bad levels.
#include "config/logging.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "tests/config/test_files.hpp"

namespace engine {
namespace {

using testing::temp_dir;

logging_config level(const std::string& l, const std::string& file = "") {
  logging_config c;
  c.level = l;
  c.file = file;
  return c;
}

/// Loggers are process-wide: leave them quiet for the next test.
class logging : public ::testing::Test {
protected:
  void TearDown() override { init_logging(level("off")); }
};

TEST_F(logging, the_config_level_applies_to_every_component) {
  init_logging(level("debug"));
  EXPECT_EQ(logger("order_manager")->level(), spdlog::level::debug);
  EXPECT_EQ(logger("risk_manager")->level(), spdlog::level::debug);
  EXPECT_EQ(logger("order_manager")->name(), "order_manager");
}

TEST_F(logging, the_override_wins_and_retargets_existing_loggers) {
  auto om = logger("order_manager");
  init_logging(level("debug"), std::string{"error"});
  EXPECT_EQ(om->level(), spdlog::level::err);
  EXPECT_EQ(logger("order_manager"), om); // one logger per component
  init_logging(level("trace"));
  EXPECT_EQ(om->level(), spdlog::level::trace);
}

TEST_F(logging, every_level_name_parses) {
  const std::pair<const char*, spdlog::level::level_enum> names[] = {
    {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
    {"off", spdlog::level::off}};
  for (const auto& [name, expected] : names) {
    init_logging(level(name));
    EXPECT_EQ(logger("x")->level(), expected) << name;
  }
  EXPECT_FALSE(parse_log_level("warning"));
}

TEST_F(logging, an_invalid_level_is_a_config_error) {
  init_logging(level("warn"));
  try {
    init_logging(level("verbose"));
    FAIL() << "expected a config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string{e.what()},
              "logging config: logging.level: unknown value 'verbose'; expected one of trace, "
              "debug, info, warn, error, critical, off");
  }
  try {
    init_logging(level("info"), std::string{"loud"});
    FAIL() << "expected a config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.file(), "log level override");
    EXPECT_EQ(e.key(), "logging.level");
  }
  EXPECT_EQ(logger("x")->level(), spdlog::level::warn); // a failed init changes nothing
}

TEST_F(logging, the_file_sink_gets_time_level_and_component) {
  temp_dir dir{"logging"};
  std::string path = dir.path() + "/sub/engine.log";
  init_logging(level("info", path));
  logger("position_keeper")->info("marked {} positions", 3);
  logger("position_keeper")->debug("not at info level");
  logger("position_keeper")->flush();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string line = text.str();
  EXPECT_NE(line.find("info  [position_keeper] marked 3 positions"), std::string::npos) << line;
  EXPECT_EQ(line.find("not at info level"), std::string::npos) << line;
  ASSERT_GE(line.size(), 24u);
  EXPECT_EQ(line[4], '-'); // starts with the date and time
  EXPECT_EQ(line[13], ':');
}

TEST_F(logging, an_unopenable_log_file_is_a_config_error) {
  temp_dir dir{"logging_bad"};
  std::string blocker = dir.write("file", "x"); // a file where a directory must be
  try {
    init_logging(level("info", blocker + "/engine.log"));
    FAIL() << "expected a config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.key(), "logging.file");
    EXPECT_EQ(e.message().rfind("cannot open log file '" + blocker + "/engine.log'", 0), 0u)
      << e.message();
  }
}

} // namespace
} // namespace engine

TEST(LoggingRedaction, SecretsPrintAsStars) {
  engine::secret key{"AKIA-very-secret"};
  EXPECT_EQ(fmt::format("key={}", key), "key=***");
  EXPECT_EQ(fmt::format("key={}", engine::secret{}), "key=");
}
