// The `http:` config section: off when absent, loopback unless allow_remote, a token required and never shown.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/config_loader.hpp"

namespace engine {
namespace {

std::string base_config() {
  std::ifstream in{std::string{ENGINE_SOURCE_DIR} + "/config/app_config.yaml"};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string error_of(const std::string& yaml) {
  try {
    parse_config_text(yaml, "http.yaml");
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

TEST(http_config_test, off_when_absent) {
  auto cfg = parse_config_text(base_config(), "http.yaml");
  EXPECT_FALSE(cfg.http.enabled);
}

TEST(http_config_test, listen_token_and_bounds) {
  auto cfg = parse_config_text(base_config() + "\nhttp:\n  listen: 127.0.0.1:9181\n  token: abc\n"
                                                 "  max_body_bytes: 2048\n",
                               "http.yaml");
  EXPECT_TRUE(cfg.http.enabled);
  EXPECT_EQ(cfg.http.host, "127.0.0.1");
  EXPECT_EQ(cfg.http.port, 9181);
  EXPECT_EQ(cfg.http.token.reveal(), "abc");
  EXPECT_EQ(cfg.http.max_body_bytes, 2048);
  EXPECT_EQ(describe(cfg).find("abc"), std::string::npos) << "the token is never printed";
  EXPECT_NE(describe(cfg).find("http: 127.0.0.1:9181"), std::string::npos);
}

TEST(http_config_test, token_from_the_environment) {
  setenv("ENGINE_HTTP_TEST_TOKEN", "from-env", 1);
  auto cfg = parse_config_text(
    base_config() + "\nhttp:\n  listen: 127.0.0.1:0\n  token: ${ENGINE_HTTP_TEST_TOKEN}\n", "http.yaml");
  EXPECT_EQ(cfg.http.token.reveal(), "from-env");
}

TEST(http_config_test, remote_listen_needs_the_flag_and_a_token_is_required) {
  auto remote = error_of(base_config() + "\nhttp:\n  listen: 0.0.0.0:8080\n  token: abc\n");
  EXPECT_NE(remote.find("http.listen"), std::string::npos) << remote;
  EXPECT_NE(remote.find("allow_remote"), std::string::npos) << remote;
  auto ok = parse_config_text(
    base_config() + "\nhttp:\n  listen: 0.0.0.0:8080\n  allow_remote: true\n  token: abc\n", "http.yaml");
  EXPECT_TRUE(ok.http.allow_remote);
  auto no_token = error_of(base_config() + "\nhttp:\n  listen: 127.0.0.1:8080\n");
  EXPECT_NE(no_token.find("http.token: required"), std::string::npos) << no_token;
  auto bad_port = error_of(base_config() + "\nhttp:\n  listen: 127.0.0.1:99999\n  token: a\n");
  EXPECT_NE(bad_port.find("http.listen"), std::string::npos) << bad_port;
  auto typo = error_of(base_config() + "\nhttp:\n  lisen: 127.0.0.1:80\n  token: a\n");
  EXPECT_NE(typo.find("did you mean 'listen'"), std::string::npos) << typo;
}

} // namespace
} // namespace engine
