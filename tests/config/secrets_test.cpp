// Tests ${ENV_VAR} and ${file:...} substitution, and that secrets never reach messages or describe().
#include "config/config_loader.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/config/test_files.hpp"

namespace engine {
namespace {

using testing::error_of;
using testing::one_ticker;
using testing::temp_dir;

const std::string key_value = "AKTESTKEY-7f3a9c";
const std::string secret_value = "sk-do-not-print-9b1e";

std::string alpaca(const std::string& api_key, const std::string& secret_key) {
  return "execution:\n"
         "  mode: paper\n"
         "  broker:\n"
         "    type: alpaca\n"
         "    api_key: " + api_key + "\n"
         "    secret_key: " + secret_key + "\n"
         "    base_url: https://paper-api.alpaca.markets\n" +
         one_ticker;
}

/// Sets environment variables for one test and unsets them afterwards.
class env_vars : public ::testing::Test {
protected:
  void set(const char* name, const std::string& value) {
    ::setenv(name, value.c_str(), 1);
    names_.push_back(name);
  }
  void TearDown() override {
    for (const char* n : names_)
      ::unsetenv(n);
  }

private:
  std::vector<const char*> names_;
};

TEST_F(env_vars, env_references_are_replaced_by_the_variables) {
  set("ENGINE_TEST_KEY", key_value);
  set("ENGINE_TEST_SECRET", secret_value);
  app_config c = parse_config_text(alpaca("${ENGINE_TEST_KEY}", "\"${ENGINE_TEST_SECRET}\""),
                                   "env.yaml");
  EXPECT_EQ(c.execution.broker.api_key.reveal(), key_value);
  EXPECT_EQ(c.execution.broker.secret_key.reveal(), secret_value);
  EXPECT_EQ(to_string(c.execution.broker.api_key), "***");
}

TEST_F(env_vars, describe_shows_secrets_as_stars) {
  set("ENGINE_TEST_KEY", key_value);
  set("ENGINE_TEST_SECRET", secret_value);
  app_config c =
    parse_config_text(alpaca("${ENGINE_TEST_KEY}", "${ENGINE_TEST_SECRET}"), "env.yaml");
  std::string d = describe(c);
  EXPECT_EQ(d.find(key_value), std::string::npos) << d;
  EXPECT_EQ(d.find(secret_value), std::string::npos) << d;
  EXPECT_NE(d.find("api_key ***, secret_key ***"), std::string::npos) << d;
}

TEST_F(env_vars, a_literal_secret_is_also_hidden) {
  app_config c = parse_config_text(alpaca(key_value, secret_value), "lit.yaml");
  EXPECT_EQ(c.execution.broker.secret_key.reveal(), secret_value);
  EXPECT_EQ(describe(c).find(secret_value), std::string::npos);
}

TEST_F(env_vars, a_missing_variable_is_named) {
  set("ENGINE_TEST_KEY", key_value);
  ::unsetenv("ENGINE_TEST_UNSET_SECRET");
  EXPECT_EQ(error_of(alpaca("${ENGINE_TEST_KEY}", "${ENGINE_TEST_UNSET_SECRET}")),
            "bad.yaml:6: execution.broker.secret_key: environment variable "
            "ENGINE_TEST_UNSET_SECRET is not set");
}

TEST_F(env_vars, an_empty_variable_for_a_required_key_is_an_error) {
  set("ENGINE_TEST_KEY", "");
  set("ENGINE_TEST_SECRET", secret_value);
  EXPECT_EQ(error_of(alpaca("${ENGINE_TEST_KEY}", "${ENGINE_TEST_SECRET}")),
            "bad.yaml:5: execution.broker.api_key: must not be empty for broker alpaca");
}

TEST_F(env_vars, a_bad_value_from_a_variable_is_not_printed) {
  set("ENGINE_TEST_SLIPPAGE", secret_value);
  EXPECT_EQ(error_of("execution:\n  slippage_bps: ${ENGINE_TEST_SLIPPAGE}\n" + one_ticker),
            "bad.yaml:2: execution.slippage_bps: expected a decimal number, got the value of "
            "${ENGINE_TEST_SLIPPAGE}");
  set("ENGINE_TEST_MODE", secret_value);
  std::string e = error_of("execution:\n  mode: ${ENGINE_TEST_MODE}\n" + one_ticker);
  EXPECT_EQ(e.find(secret_value), std::string::npos) << e;
  EXPECT_NE(e.find("${ENGINE_TEST_MODE}"), std::string::npos) << e;
}

TEST_F(env_vars, any_scalar_may_come_from_a_variable) {
  set("ENGINE_TEST_DELAY", "250");
  set("ENGINE_TEST_DIR", "/var/lib/engine/journal");
  app_config c = parse_config_text("execution:\n  execution_delay_ms: ${ENGINE_TEST_DELAY}\n"
                                   "journal:\n  dir: ${ENGINE_TEST_DIR}\n" +
                                     one_ticker,
                                   "env.yaml");
  EXPECT_EQ(c.execution.simulator.execution_delay_ms, 250);
  EXPECT_EQ(c.journal.dir, "/var/lib/engine/journal");
}

TEST_F(env_vars, an_invalid_variable_name_is_an_error) {
  EXPECT_EQ(error_of("logging:\n  file: ${not a name}\n" + one_ticker),
            "bad.yaml:2: logging.file: '${not a name}' is not a valid environment variable "
            "reference");
}

TEST(file_secrets, read_the_first_line_of_the_file) {
  temp_dir dir{"file_secret"};
  std::string key = dir.write("api.key", key_value + "\r\nsecond line\n");
  std::string sec = dir.write("api.secret", secret_value);
  app_config c =
    parse_config_text(alpaca("${file:" + key + "}", "${file:" + sec + "}"), "file.yaml");
  EXPECT_EQ(c.execution.broker.api_key.reveal(), key_value);
  EXPECT_EQ(c.execution.broker.secret_key.reveal(), secret_value);
  EXPECT_EQ(describe(c).find(key_value), std::string::npos);
}

TEST(file_secrets, relative_paths_resolve_next_to_the_config_file) {
  temp_dir dir{"file_secret_rel"};
  dir.write("api.key", key_value + "\n");
  dir.write("api.secret", secret_value + "\n");
  std::string path =
    dir.write("paper.yaml", alpaca("${file:api.key}", "${file:api.secret}"));
  app_config c = load_config(path);
  EXPECT_EQ(c.execution.broker.api_key.reveal(), key_value);
  EXPECT_EQ(c.execution.broker.secret_key.reveal(), secret_value);
}

TEST(file_secrets, a_missing_or_empty_file_is_an_error) {
  temp_dir dir{"file_secret_bad"};
  std::string missing = dir.path() + "/missing.key";
  EXPECT_EQ(error_of(alpaca("${file:" + missing + "}", "x")),
            "bad.yaml:5: execution.broker.api_key: cannot read secret file '" + missing +
              "': No such file or directory");
  std::string empty = dir.write("empty.key", "\nsecond\n");
  EXPECT_EQ(error_of(alpaca("x", "${file:" + empty + "}")),
            "bad.yaml:6: execution.broker.secret_key: secret file '" + empty +
              "' has an empty first line");
}

TEST_F(env_vars, the_alpaca_example_loads_with_its_variables) {
  set("ALPACA_API_KEY", key_value);
  set("ALPACA_SECRET_KEY", secret_value);
  set("POLYGON_API_KEY", "pk-test");
  app_config c = load_config(std::string{ENGINE_SOURCE_DIR} + "/config/examples/alpaca_paper.yaml");
  EXPECT_EQ(c.execution.mode, execution_mode::paper);
  EXPECT_EQ(c.execution.broker.type, "alpaca");
  EXPECT_EQ(c.execution.broker.api_key.reveal(), key_value);
  EXPECT_EQ(c.execution.broker.base_url, "https://paper-api.alpaca.markets");
  EXPECT_EQ(c.market_data.source, "polygon");
  EXPECT_EQ(c.market_data.polygon_api_key.reveal(), "pk-test");
  EXPECT_EQ(node_actors(c, c.nodes.at(0)),
            (std::vector<std::string>{"order_manager", "risk_manager", "position_keeper",
                                      "trade_logger", "market_data", "broker",
                                      "strategy:rebalance"}));
  std::string d = describe(c);
  EXPECT_EQ(d.find(key_value), std::string::npos);
  EXPECT_EQ(d.find(secret_value), std::string::npos);
  EXPECT_EQ(d.find("pk-test"), std::string::npos);
}

TEST_F(env_vars, the_alpaca_example_names_a_missing_variable) {
  ::unsetenv("ALPACA_API_KEY");
  try {
    load_config(std::string{ENGINE_SOURCE_DIR} + "/config/examples/alpaca_paper.yaml");
    FAIL() << "expected a config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.key(), "execution.broker.api_key");
    EXPECT_EQ(e.message(), "environment variable ALPACA_API_KEY is not set");
  }
}

} // namespace
} // namespace engine
