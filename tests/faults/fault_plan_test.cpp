// The fault plan reader: every kind and trigger read back, and each malformed plan stops with
// its exact "file:line: key: what".
#include "brokers/faults/fault_plan.hpp"

#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "tests/config/test_files.hpp"

namespace engine {
namespace {

fault_plan parse(const std::string& yaml) { return parse_fault_plan_text(yaml, "plan.yaml"); }

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

const std::string kinds_list =
  "disconnect, refuse, hang, delay, drop_fill, duplicate_fill, reject, rate_limit, "
  "server_error, garbage, reset_window";

TEST(fault_plan, reads_seed_and_one_rule_of_every_kind) {
  auto plan = parse(R"(seed: 77
rules:
  - {kind: disconnect, at_s: 20}
  - {kind: disconnect, at_s: 30, duration_ms: 1500}
  - {kind: refuse, after_orders: 5, duration_ms: 2000}
  - {kind: hang, probability: 0.25, duration_ms: 3000}
  - {kind: delay, at_s: 1, duration_ms: 4000, delay_ms: 250}
  - {kind: drop_fill, probability: 0.02}
  - {kind: duplicate_fill, after_orders: 3, count: 2}
  - {kind: reject, after_orders: 10, count: 3, repeat: 4}
  - {kind: rate_limit, at_s: 2.5, count: 5}
  - {kind: server_error, probability: 0.5, count: 1}
  - {kind: garbage, daily_at: "09:30", count: 2}
  - {kind: reset_window, daily_at: "23:45", duration_ms: 600000}
)");
  EXPECT_EQ(plan.seed, 77u);
  ASSERT_EQ(plan.rules.size(), 12u);
  const auto& r = plan.rules;
  EXPECT_EQ(r[0].kind, fault_kind::disconnect);
  EXPECT_EQ(r[0].at_ms, 20000);
  EXPECT_EQ(r[0].duration_ms, 0);
  EXPECT_EQ(r[1].duration_ms, 1500);
  EXPECT_EQ(r[2].kind, fault_kind::refuse);
  EXPECT_EQ(r[2].after_orders, 5);
  EXPECT_FALSE(r[2].at_ms);
  EXPECT_EQ(r[3].kind, fault_kind::hang);
  EXPECT_EQ(r[3].probability, 0.25);
  EXPECT_EQ(r[4].kind, fault_kind::delay);
  EXPECT_EQ(r[4].delay_ms, 250);
  EXPECT_EQ(r[4].duration_ms, 4000);
  EXPECT_EQ(r[5].kind, fault_kind::drop_fill);
  EXPECT_EQ(r[5].count, 1); // the default
  EXPECT_EQ(r[6].kind, fault_kind::duplicate_fill);
  EXPECT_EQ(r[6].count, 2);
  EXPECT_EQ(r[7].kind, fault_kind::reject);
  EXPECT_EQ(r[7].count, 3);
  EXPECT_EQ(r[7].repeat, 4);
  EXPECT_EQ(r[8].kind, fault_kind::rate_limit);
  EXPECT_EQ(r[8].at_ms, 2500);
  EXPECT_EQ(r[9].kind, fault_kind::server_error);
  EXPECT_EQ(r[10].kind, fault_kind::garbage);
  EXPECT_EQ(r[10].daily_at_minute, 9 * 60 + 30);
  EXPECT_EQ(r[11].kind, fault_kind::reset_window);
  EXPECT_EQ(r[11].daily_at_minute, 23 * 60 + 45);
  EXPECT_EQ(r[11].duration_ms, 600000);
  // Each rule remembers where it was, for checks made later (fault-proxy's).
  EXPECT_EQ(r[0].path, "rules[0]");
  EXPECT_EQ(r[0].line, 3);
  EXPECT_EQ(r[11].path, "rules[11]");
  EXPECT_EQ(r[11].line, 14);
}

TEST(fault_plan, defaults_and_empty_plans) {
  EXPECT_TRUE(parse("").empty());
  EXPECT_TRUE(parse("rules: []\n").empty());
  EXPECT_EQ(parse("rules:\n").seed, 1u);
  EXPECT_EQ(describe(parse("")), "no faults");
}

TEST(fault_plan, at_s_is_rounded_to_the_millisecond_not_truncated) {
  // 1.001 * 1000 is 1000.9999999999999 as a double.
  EXPECT_EQ(parse("rules: [{kind: disconnect, at_s: 1.001}]").rules[0].at_ms, 1001);
  EXPECT_EQ(parse("rules: [{kind: disconnect, at_s: 0}]").rules[0].at_ms, 0);
  EXPECT_EQ(parse("rules: [{kind: disconnect, at_s: 0.0004}]").rules[0].at_ms, 0);
}

TEST(fault_plan, daily_at_bounds) {
  EXPECT_EQ(parse("rules: [{kind: disconnect, daily_at: \"00:00\"}]").rules[0].daily_at_minute, 0);
  EXPECT_EQ(parse("rules: [{kind: disconnect, daily_at: \"23:59\"}]").rules[0].daily_at_minute,
            23 * 60 + 59);
  // Unquoted, yaml-cpp keeps the text (no YAML 1.1 base-60 numbers).
  EXPECT_EQ(parse("rules: [{kind: disconnect, daily_at: 04:45}]").rules[0].daily_at_minute,
            4 * 60 + 45);
}

TEST(fault_plan, a_whole_engine_config_with_a_faults_section) {
  auto plan = parse("execution:\n  mode: simulation\nfaults:\n  seed: 9\n  rules:\n"
                    "    - {kind: hang, at_s: 3, duration_ms: 10}\n");
  EXPECT_EQ(plan.seed, 9u);
  ASSERT_EQ(plan.rules.size(), 1u);
  EXPECT_EQ(plan.rules[0].path, "faults.rules[0]");
  EXPECT_EQ(error_of("faults:\n  rules:\n    - {kind: hang, at_s: 3}\n"),
            "plan.yaml:3: faults.rules[0].duration_ms: required (> 0) for a hang fault");
}

TEST(fault_plan, load_from_a_file) {
  testing::temp_dir dir{"faults_plan"};
  auto path = dir.write("p.yaml", "seed: 5\nrules:\n  - {kind: refuse, at_s: 1, duration_ms: 9}\n");
  auto plan = load_fault_plan(path);
  EXPECT_EQ(plan.seed, 5u);
  ASSERT_EQ(plan.rules.size(), 1u);
  EXPECT_EQ(plan.rules[0].kind, fault_kind::refuse);
  try {
    load_fault_plan(dir.path() + "/missing.yaml");
    FAIL() << "no error";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string{e.what()},
              dir.path() + "/missing.yaml: cannot read fault plan: No such file or directory");
  }
  auto bad = dir.write("bad.yaml", "rules:\n  - {kind: delay, at_s: 1, duration_ms: 5}\n");
  try {
    load_fault_plan(bad);
    FAIL() << "no error";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string{e.what()}, bad + ":2: rules[0].delay_ms: required for a delay fault");
  }
}

TEST(fault_plan, describe_for_logs) {
  EXPECT_EQ(describe(parse(R"(rules:
  - {kind: disconnect, at_s: 20}
  - {kind: drop_fill, probability: 0.02}
  - {kind: delay, at_s: 1.5, duration_ms: 4000, delay_ms: 250}
  - {kind: reject, after_orders: 10, count: 3, repeat: 4}
  - {kind: reset_window, daily_at: "04:05", duration_ms: 60000}
)")),
            "disconnect at 20s; drop_fill p=0.02 x1; delay at 1.5s for 4000ms by 250ms; "
            "reject after 10 orders repeat 4 x3; reset_window daily at 04:05 UTC for 60000ms");
}

struct bad_plan {
  const char* what;
  std::string yaml;
  std::string error;
};

const bad_plan bad_plans[] = {
  {"YAML syntax", "rules: [{kind: disconnect\n", "plan.yaml:2: YAML syntax error: end of map flow not found"},
  {"unknown top-level key", "sed: 1\n",
   "plan.yaml:1: sed: unknown key in a fault plan; did you mean 'seed'?"},
  {"negative seed", "seed: -1\n", "plan.yaml:1: seed: expected a non-negative integer, got '-1'"},
  {"rules not a list", "rules:\n  kind: disconnect\n", "plan.yaml:1: rules: expected a list, got a map"},
  {"a rule that is not a map", "rules:\n  - disconnect\n",
   "plan.yaml:2: rules[0]: expected a map of keys, got a value"},
  {"no kind", "rules:\n  - at_s: 1\n", "plan.yaml:2: rules[0].kind: required: one of " + kinds_list},
  {"unknown kind", "rules:\n  - kind: disconect\n    at_s: 1\n",
   "plan.yaml:2: rules[0].kind: unknown value 'disconect'; expected one of " + kinds_list},
  {"kind is a list", "rules:\n  - kind: [hang]\n",
   "plan.yaml:2: rules[0].kind: expected one of " + kinds_list + ", got a list"},
  {"unknown rule key, suggestion", "rules:\n  - kind: hang\n    at_s: 1\n    duraton_ms: 5\n",
   "plan.yaml:4: rules[0].duraton_ms: unknown key for a fault rule; did you mean 'duration_ms'?"},
  {"unknown rule key", "rules:\n  - kind: hang\n    when: now\n",
   "plan.yaml:3: rules[0].when: unknown key for a fault rule"},
  {"duplicate key", "rules:\n  - kind: hang\n    kind: delay\n",
   "plan.yaml:3: rules[0].kind: duplicate key (first at line 2)"},
  {"no trigger", "rules:\n  - kind: disconnect\n",
   "plan.yaml:2: rules[0]: needs one trigger: at_s, after_orders, probability or daily_at"},
  {"two triggers", "rules:\n  - {kind: disconnect, at_s: 1, after_orders: 3}\n",
   "plan.yaml:2: rules[0]: has 2 triggers; give exactly one of at_s, after_orders, probability, "
   "daily_at"},
  {"three triggers", "rules:\n  - {kind: reject, at_s: 1, after_orders: 3, probability: 0.1}\n",
   "plan.yaml:2: rules[0]: has 3 triggers; give exactly one of at_s, after_orders, probability, "
   "daily_at"},
  {"negative at_s", "rules:\n  - {kind: disconnect, at_s: -1}\n",
   "plan.yaml:2: rules[0].at_s: must be in [0, 3.16224e+07], got '-1'"},
  {"at_s not a number", "rules:\n  - {kind: disconnect, at_s: soon}\n",
   "plan.yaml:2: rules[0].at_s: expected a number, got 'soon'"},
  {"after_orders zero", "rules:\n  - kind: reject\n    after_orders: 0\n",
   "plan.yaml:3: rules[0].after_orders: must be in [1, 1000000000], got '0'"},
  {"after_orders fraction", "rules:\n  - kind: reject\n    after_orders: 2.5\n",
   "plan.yaml:3: rules[0].after_orders: expected an integer, got '2.5'"},
  {"probability above 1", "rules:\n  - kind: drop_fill\n    probability: 1.5\n",
   "plan.yaml:3: rules[0].probability: must be in [0, 1], got '1.5'"},
  {"probability negative", "rules:\n  - kind: drop_fill\n    probability: -0.1\n",
   "plan.yaml:3: rules[0].probability: must be in [0, 1], got '-0.1'"},
  {"daily_at hour 25", "rules:\n  - kind: disconnect\n    daily_at: \"25:00\"\n",
   "plan.yaml:3: rules[0].daily_at: must be \"HH:MM\" (UTC, 24 hours), got \"25:00\""},
  {"daily_at minute 60", "rules:\n  - kind: disconnect\n    daily_at: \"10:60\"\n",
   "plan.yaml:3: rules[0].daily_at: must be \"HH:MM\" (UTC, 24 hours), got \"10:60\""},
  {"daily_at one-digit hour", "rules:\n  - kind: disconnect\n    daily_at: \"7:30\"\n",
   "plan.yaml:3: rules[0].daily_at: must be \"HH:MM\" (UTC, 24 hours), got \"7:30\""},
  {"reset_window without daily_at", "rules:\n  - {kind: reset_window, at_s: 5, duration_ms: 10}\n",
   "plan.yaml:2: rules[0].daily_at: required for a reset_window (\"HH:MM\" UTC)"},
  {"refuse without duration", "rules:\n  - {kind: refuse, at_s: 5}\n",
   "plan.yaml:2: rules[0].duration_ms: required (> 0) for a refuse fault"},
  {"hang with zero duration", "rules:\n  - {kind: hang, at_s: 5, duration_ms: 0}\n",
   "plan.yaml:2: rules[0].duration_ms: required (> 0) for a hang fault"},
  {"reset_window without duration", "rules:\n  - {kind: reset_window, daily_at: \"04:00\"}\n",
   "plan.yaml:2: rules[0].duration_ms: required (> 0) for a reset_window fault"},
  {"duration above a day", "rules:\n  - kind: refuse\n    at_s: 5\n    duration_ms: 86400001\n",
   "plan.yaml:4: rules[0].duration_ms: must be in [0, 86400000], got '86400001'"},
  {"delay without delay_ms", "rules:\n  - {kind: delay, at_s: 1, duration_ms: 5}\n",
   "plan.yaml:2: rules[0].delay_ms: required for a delay fault"},
  {"delay_ms zero", "rules:\n  - kind: delay\n    at_s: 1\n    duration_ms: 5\n    delay_ms: 0\n",
   "plan.yaml:5: rules[0].delay_ms: must be in [1, 600000], got '0'"},
  {"delay_ms on a hang", "rules:\n  - kind: hang\n    at_s: 1\n    duration_ms: 5\n    delay_ms: 9\n",
   "plan.yaml:5: rules[0].delay_ms: only a delay fault has a delay_ms"},
  {"count on an episode", "rules:\n  - kind: hang\n    at_s: 1\n    duration_ms: 5\n    count: 2\n",
   "plan.yaml:5: rules[0].count: a hang fault lasts duration_ms; count is for drop_fill, "
   "duplicate_fill, reject, rate_limit, server_error, garbage"},
  {"duration on a count kind", "rules:\n  - kind: rate_limit\n    at_s: 1\n    duration_ms: 5\n",
   "plan.yaml:4: rules[0].duration_ms: a rate_limit fault acts on the next count events; "
   "duration_ms is for disconnect, refuse, hang, delay, reset_window"},
  {"count zero", "rules:\n  - kind: reject\n    at_s: 1\n    count: 0\n",
   "plan.yaml:4: rules[0].count: must be in [1, 1000000], got '0'"},
  {"repeat zero", "rules:\n  - kind: reject\n    after_orders: 1\n    repeat: 0\n",
   "plan.yaml:4: rules[0].repeat: must be in [1, 1000000], got '0'"},
  {"repeat with a probability", "rules:\n  - kind: reject\n    probability: 0.1\n    repeat: 2\n",
   "plan.yaml:4: rules[0].repeat: repeat is for at_s and after_orders triggers"},
  {"repeat with daily_at", "rules:\n  - kind: reject\n    daily_at: \"10:00\"\n    repeat: 2\n",
   "plan.yaml:4: rules[0].repeat: repeat is for at_s and after_orders triggers"},
  {"repeat with at_s 0", "rules:\n  - kind: reject\n    at_s: 0\n    repeat: 2\n",
   "plan.yaml:4: rules[0].repeat: at_s: 0 fires once; a repeat needs at_s > 0 (the period)"},
  {"the second rule is the bad one",
   "rules:\n  - {kind: disconnect, at_s: 1}\n  - {kind: garbage, at_s: 2, count: -3}\n",
   "plan.yaml:3: rules[1].count: must be in [1, 1000000], got '-3'"},
};

class fault_plan_errors : public ::testing::TestWithParam<bad_plan> {};

TEST_P(fault_plan_errors, stops_with_file_line_key_what) {
  EXPECT_EQ(error_of(GetParam().yaml), GetParam().error) << GetParam().what;
}

INSTANTIATE_TEST_SUITE_P(all, fault_plan_errors, ::testing::ValuesIn(bad_plans));

TEST(fault_plan, the_example_plans_load) {
  const std::string dir = std::string{ENGINE_SOURCE_DIR} + "/config/examples/faults/";
  auto flaky = load_fault_plan(dir + "flaky_network.yaml");
  EXPECT_EQ(flaky.rules.size(), 5u);
  EXPECT_EQ(flaky.rules[0].repeat, 10);
  auto nightly = load_fault_plan(dir + "nightly_reset.yaml");
  ASSERT_EQ(nightly.rules.size(), 2u);
  EXPECT_EQ(nightly.rules[0].kind, fault_kind::reset_window);
  EXPECT_EQ(nightly.rules[0].daily_at_minute, 4 * 60 + 45);
  auto http = load_fault_plan(dir + "http_rate_limits.yaml");
  EXPECT_EQ(http.rules.size(), 4u);
  EXPECT_EQ(http.seed, 42u);
}

TEST(fault_plan, the_docs_example_of_every_kind_reads) {
  std::ifstream in(std::string{ENGINE_SOURCE_DIR} + "/docs/FAULTS.md");
  std::string doc{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto at = doc.find("### One example per kind");
  ASSERT_NE(at, std::string::npos);
  auto begin = doc.find("```yaml\n", at);
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  auto end = doc.find("```", begin);
  auto plan = parse(doc.substr(begin, end - begin));
  ASSERT_EQ(plan.rules.size(), enum_count<fault_kind>);
  for (size_t i = 0; i < plan.rules.size(); ++i)
    EXPECT_EQ(plan.rules[i].kind, static_cast<fault_kind>(i)) << i;
}

TEST(fault_plan, repeat_is_allowed_where_it_means_something) {
  EXPECT_EQ(parse("rules: [{kind: disconnect, at_s: 10, repeat: 3}]").rules[0].repeat, 3);
  EXPECT_EQ(parse("rules: [{kind: reject, after_orders: 2, repeat: 5}]").rules[0].repeat, 5);
  EXPECT_EQ(parse("rules: [{kind: disconnect, at_s: 0, repeat: 1}]").rules[0].repeat, 1);
}

} // namespace
} // namespace engine
