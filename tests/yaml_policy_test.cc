#include "autoheal/yaml_policy.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/utf8.h"
#include "autoheal/options.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::ReadFileOrDie;
using ::autoheal::testutil::StatusIs;
using ::autoheal::testutil::TestDataPath;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string PolicyPath(const std::string& name) {
  return TestDataPath("policies/" + name);
}

// Parses a fixture under tests/data/policies, labelled "policy.yml".
absl::StatusOr<EngineOptions> ParseFixture(const std::string& name) {
  return ParsePolicy(ReadFileOrDie(PolicyPath(name)), "policy.yml");
}

// Returns the action for `alertname`; fails the test when there is none.
const Action& FindAction(const EngineOptions& options,
                         absl::string_view alertname) {
  for (const Action& action : options.actions) {
    if (action.alertname == alertname) return action;
  }
  ADD_FAILURE() << "no action for " << alertname;
  static const Action* const kMissing = new Action();
  return *kMissing;
}

std::vector<std::string> Alertnames(const EngineOptions& options) {
  std::vector<std::string> names;
  for (const Action& action : options.actions) {
    names.push_back(action.alertname);
  }
  return names;
}

// Returns the body of every ```yaml fenced block of a Markdown text.
std::vector<std::string> YamlBlocks(absl::string_view markdown) {
  std::vector<std::string> blocks;
  std::string* block = nullptr;
  for (absl::string_view line : absl::StrSplit(markdown, '\n')) {
    if (block == nullptr && line == "```yaml") {
      block = &blocks.emplace_back();
    } else if (block != nullptr && line == "```") {
      block = nullptr;
    } else if (block != nullptr) {
      block->append(line.data(), line.size());
      block->push_back('\n');
    }
  }
  return blocks;
}

// --- Good policies ---------------------------------------------------------

TEST(ParsePolicyTest, ExamplePolicyHasTheOriginalThreeActions) {
  absl::StatusOr<EngineOptions> options =
      LoadPolicyFile(TestDataPath("../../examples/policy/autoheal.yml"));
  ASSERT_THAT(options, IsOk());

  EXPECT_FALSE(options->enabled);
  EXPECT_EQ(options->default_cooldown, absl::Seconds(120));
  EXPECT_EQ(options->opt_in_annotation, "autoheal");
  EXPECT_EQ(options->opt_in_value, "true");
  EXPECT_THAT(Alertnames(*options),
              ElementsAre("CrmMetricsScrapeStale", "TcpEndpointDownFast",
                          "UptimeProbeFailing"));

  const Action& crm = FindAction(*options, "CrmMetricsScrapeStale");
  EXPECT_EQ(crm.name, "restart-crm-metrics");
  EXPECT_THAT(crm.argv,
              ElementsAre("/usr/local/libexec/autoheal/restart-crm-metrics",
                          "--reason", "autoheal"));
  EXPECT_EQ(crm.timeout, absl::Seconds(60));
  EXPECT_EQ(crm.cooldown, absl::Minutes(10));
  EXPECT_THAT(crm.key_labels, IsEmpty());

  const Action& tcp = FindAction(*options, "TcpEndpointDownFast");
  EXPECT_EQ(tcp.name, "restart-tcp-endpoint");
  EXPECT_THAT(tcp.argv,
              ElementsAre("/usr/local/libexec/autoheal/restart-tcp-endpoint",
                          "--reason", "autoheal"));
  EXPECT_EQ(tcp.timeout, absl::Seconds(30));
  EXPECT_EQ(tcp.cooldown, absl::Minutes(5));
  EXPECT_THAT(tcp.key_labels, ElementsAre("instance"));

  const Action& uptime = FindAction(*options, "UptimeProbeFailing");
  EXPECT_EQ(uptime.name, "restart-web-frontend");
  EXPECT_THAT(uptime.argv,
              ElementsAre("/usr/local/libexec/autoheal/restart-web-frontend",
                          "--reason", "autoheal"));
  EXPECT_EQ(uptime.timeout, absl::Seconds(45));
  EXPECT_EQ(uptime.cooldown, absl::Minutes(15));
  EXPECT_THAT(uptime.key_labels, ElementsAre("instance"));
}

TEST(ParsePolicyTest, FullPolicySetsEveryField) {
  absl::StatusOr<EngineOptions> options = ParseFixture("good-full.yml");
  ASSERT_THAT(options, IsOk());

  EXPECT_TRUE(options->enabled);
  EXPECT_EQ(options->default_cooldown, absl::Seconds(90));
  EXPECT_EQ(options->opt_in_annotation, "remediate");
  EXPECT_EQ(options->opt_in_value, "yes please");
  ASSERT_EQ(options->actions.size(), 2u);

  const Action& tcp = options->actions[0];
  EXPECT_EQ(tcp.alertname, "TcpEndpointDownFast");
  EXPECT_EQ(tcp.name, "restart-tcp-endpoint");
  EXPECT_THAT(tcp.argv,
              ElementsAre("/usr/local/libexec/autoheal/restart-tcp-endpoint",
                          "--retries", "3", ""));
  EXPECT_EQ(tcp.timeout, absl::Milliseconds(250));
  EXPECT_EQ(tcp.cooldown, absl::Hours(1) + absl::Minutes(30));
  EXPECT_THAT(tcp.key_labels, ElementsAre("instance", "job"));

  const Action& uptime = options->actions[1];
  EXPECT_EQ(uptime.alertname, "UptimeProbeFailing");
  EXPECT_EQ(uptime.name, "restart-web-frontend");
  EXPECT_THAT(uptime.argv,
              ElementsAre("/usr/local/libexec/autoheal/restart-web-frontend"));
  EXPECT_EQ(uptime.timeout, absl::Seconds(30));
  EXPECT_EQ(uptime.cooldown, std::nullopt);
  EXPECT_THAT(uptime.key_labels, IsEmpty());
}

TEST(ParsePolicyTest, AbsentKeysTakeTheDefaults) {
  absl::StatusOr<EngineOptions> options = ParseFixture("good-minimal.yml");
  ASSERT_THAT(options, IsOk());

  const EngineOptions defaults;
  EXPECT_EQ(options->enabled, defaults.enabled);
  EXPECT_FALSE(options->enabled);
  EXPECT_EQ(options->default_cooldown, absl::Seconds(120));
  EXPECT_EQ(options->opt_in_annotation, "autoheal");
  EXPECT_EQ(options->opt_in_value, "true");
  ASSERT_EQ(options->actions.size(), 1u);
  const Action& action = options->actions[0];
  EXPECT_EQ(action.alertname, "CrmMetricsScrapeStale");
  EXPECT_EQ(action.name, "restart-crm-metrics");
  EXPECT_THAT(action.argv,
              ElementsAre("/usr/local/libexec/autoheal/restart-crm-metrics"));
  EXPECT_EQ(action.timeout, absl::Seconds(30));
  EXPECT_EQ(action.cooldown, std::nullopt);
  EXPECT_EQ(EffectiveCooldown(*options, action), absl::Seconds(120));
  EXPECT_THAT(action.key_labels, IsEmpty());
}

TEST(ParsePolicyTest, EmptyActionsMappingIsValid) {
  absl::StatusOr<EngineOptions> options =
      ParseFixture("good-empty-actions.yml");
  ASSERT_THAT(options, IsOk());
  EXPECT_THAT(options->actions, IsEmpty());
  EXPECT_FALSE(options->enabled);
}

TEST(ParsePolicyTest, YamlErrorThatQuotesARawByteStaysValidUtf8) {
  absl::StatusOr<EngineOptions> options =
      ParsePolicy("version: \"\\\xff\"\n", "policy.yml");
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(std::string(options.status().message()),
              ::testing::HasSubstr("unknown escape character: \\xff"));
  EXPECT_TRUE(internal::IsValidUtf8(options.status().message()));
}

TEST(ParsePolicyTest, EmptyTopLevelMappingIsTheDefaultPolicy) {
  absl::StatusOr<EngineOptions> options = ParsePolicy("{}\n", "policy.yml");
  ASSERT_THAT(options, IsOk());
  EXPECT_FALSE(options->enabled);
  EXPECT_EQ(options->default_cooldown, absl::Seconds(120));
  EXPECT_THAT(options->actions, IsEmpty());
}

TEST(ParsePolicyTest, ActionsKeepTheDocumentOrder) {
  absl::StatusOr<EngineOptions> options = ParsePolicy(
      "actions:\n"
      "  Zeta: {name: z, argv: [/bin/z]}\n"
      "  Alpha: {name: a, argv: [/bin/a]}\n"
      "  Mu: {name: m, argv: [/bin/m]}\n",
      "policy.yml");
  ASSERT_THAT(options, IsOk());
  EXPECT_THAT(Alertnames(*options), ElementsAre("Zeta", "Alpha", "Mu"));
}

TEST(ParsePolicyTest, AnchorsAliasesAndMergeKeysWork) {
  absl::StatusOr<EngineOptions> options =
      ParseFixture("good-anchors-and-merge.yml");
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->default_cooldown, absl::Seconds(45));
  ASSERT_EQ(options->actions.size(), 3u);

  const Action& tcp = FindAction(*options, "TcpEndpointDownFast");
  EXPECT_EQ(tcp.cooldown, absl::Seconds(45));

  // Explicit keys win over merged ones.
  const Action& uptime = FindAction(*options, "UptimeProbeFailing");
  EXPECT_EQ(uptime.name, "restart-web-frontend");
  EXPECT_THAT(uptime.argv,
              ElementsAre("/usr/local/libexec/autoheal/restart-web-frontend"));
  EXPECT_EQ(uptime.timeout, absl::Seconds(10));
  EXPECT_EQ(uptime.cooldown, absl::Seconds(45));
  EXPECT_THAT(uptime.key_labels, ElementsAre("instance"));

  // Earlier merge sources win over later ones.
  const Action& crm = FindAction(*options, "CrmMetricsScrapeStale");
  EXPECT_EQ(crm.name, "restart-tcp-endpoint");
  EXPECT_THAT(crm.argv,
              ElementsAre("/usr/local/libexec/autoheal/restart-tcp-endpoint"));
  EXPECT_EQ(crm.timeout, absl::Minutes(1));
  EXPECT_EQ(crm.cooldown, absl::Minutes(10));
  EXPECT_THAT(crm.key_labels, ElementsAre("instance"));
}

TEST(ParsePolicyTest, OneMergeKeyMayNameSeveralMappings) {
  absl::StatusOr<EngineOptions> options = ParsePolicy(
      "actions:\n"
      "  X:\n"
      "    <<: [{name: x, timeout: 5s}, {argv: [/bin/x], timeout: 9s}]\n",
      "policy.yml");
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(FindAction(*options, "X").name, "x");
  EXPECT_EQ(FindAction(*options, "X").timeout, absl::Seconds(5));
}

// A quoted "<<" is an ordinary key, so it is no duplicate of the merge key.
TEST(ParsePolicyTest, QuotedMergeKeyIsNoDuplicateOfTheMergeKey) {
  EXPECT_THAT(ParsePolicy("actions:\n"
                          "  X:\n"
                          "    <<: {name: x, argv: [/bin/x]}\n"
                          "    \"<<\": 1\n",
                          "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:4:5: actions.X: unknown key \"<<\""));
}

TEST(ParsePolicyTest, PositionsNameWhereEachFieldIsWritten) {
  PolicyPositions positions;
  absl::StatusOr<EngineOptions> options = ParsePolicy(
      "version: 1\n"
      "defaults: &d\n"
      "  timeout: 5s\n",
      "policy.yml", &positions);
  // An unknown key: nothing is filled.
  EXPECT_FALSE(options.ok());
  EXPECT_THAT(positions, IsEmpty());

  options = ParsePolicy(
      "version: 1\n"
      "cooldown: 2m\n"
      "actions:\n"
      "  Base: &base\n"
      "    name: base\n"
      "    argv: [/bin/base]\n"
      "    timeout: 7s\n"
      "  \"Odd \\\"name\\\"\":\n"
      "    <<: *base\n"
      "    name: odd\n"
      "    label_patterns: {instance: '.+'}\n"
      "    argv: ['/bin/x', '{{labels.instance}}']\n",
      "policy.yml", &positions);
  ASSERT_THAT(options, IsOk());
  const auto at = [&](std::vector<std::string> path) {
    auto found = positions.find(path);
    EXPECT_NE(found, positions.end()) << absl::StrJoin(path, ".");
    if (found == positions.end()) return std::pair<int, int>(0, 0);
    return std::pair<int, int>(found->second.line, found->second.column);
  };
  EXPECT_EQ(at({"version"}), std::make_pair(1, 1));
  EXPECT_EQ(at({"cooldown"}), std::make_pair(2, 1));
  EXPECT_EQ(at({"actions"}), std::make_pair(3, 1));
  EXPECT_EQ(at({"actions", "Base"}), std::make_pair(4, 3));
  EXPECT_EQ(at({"actions", "Base", "timeout"}), std::make_pair(7, 5));
  // Keys as written, not as messages escape them.
  EXPECT_EQ(at({"actions", "Odd \"name\""}), std::make_pair(8, 3));
  EXPECT_EQ(at({"actions", "Odd \"name\"", "name"}), std::make_pair(10, 5));
  EXPECT_EQ(at({"actions", "Odd \"name\"", "label_patterns", "instance"}),
            std::make_pair(11, 22));
  // A merged field is where it is written: in the mapping merged from.
  EXPECT_EQ(at({"actions", "Odd \"name\"", "timeout"}), std::make_pair(7, 5));
  // The merge key is no field.
  EXPECT_EQ(positions.count({"actions", "Odd \"name\"", "<<"}), 0u);
}

TEST(ParsePolicyTest, DurationsTakeEveryUnitAndQuoting) {
  struct Case {
    const char* text;
    absl::Duration want;
  };
  const Case cases[] = {
      {"250ms", absl::Milliseconds(250)}, {"30s", absl::Seconds(30)},
      {"\"30s\"", absl::Seconds(30)},     {"'5m'", absl::Minutes(5)},
      {"1h30m", absl::Minutes(90)},       {"1.5h", absl::Minutes(90)},
      {"24h", absl::Hours(24)},           {"1us", absl::Microseconds(1)},
  };
  for (const Case& c : cases) {
    absl::StatusOr<EngineOptions> options =
        ParsePolicy(std::string("cooldown: ") + c.text + "\n", "policy.yml");
    ASSERT_THAT(options, IsOk()) << c.text;
    EXPECT_EQ(options->default_cooldown, c.want) << c.text;
  }
}

TEST(ParsePolicyTest, EnabledAcceptsTheExplicitBoolTag) {
  absl::StatusOr<EngineOptions> options =
      ParsePolicy("enabled: !!bool true\n", "policy.yml");
  ASSERT_THAT(options, IsOk());
  EXPECT_TRUE(options->enabled);
}

TEST(ParsePolicyTest, OptInValueIsKeptVerbatim) {
  absl::StatusOr<EngineOptions> options = ParsePolicy(
      "opt_in: {annotation: x-autoheal, value: \" TRUE \"}\n", "policy.yml");
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->opt_in_annotation, "x-autoheal");
  EXPECT_EQ(options->opt_in_value, " TRUE ");
}

TEST(ParsePolicyTest, VersionOneMayBeQuoted) {
  EXPECT_THAT(ParsePolicy("version: \"1\"\n", "policy.yml"), IsOk());
}

// The docs' examples are tests: the first ```yaml block of docs/policy.md is
// the complete example, and every other ```yaml block must load too.
TEST(ParsePolicyTest, DocsCompleteExampleLoads) {
  std::vector<std::string> blocks =
      YamlBlocks(ReadFileOrDie(TestDataPath("../../docs/policy.md")));
  ASSERT_GE(blocks.size(), 1u);

  absl::StatusOr<EngineOptions> options = ParsePolicy(blocks[0], "policy.md");
  ASSERT_THAT(options, IsOk());
  EXPECT_FALSE(options->enabled);
  EXPECT_EQ(options->default_cooldown, absl::Seconds(120));
  EXPECT_EQ(options->opt_in_annotation, "autoheal");
  EXPECT_EQ(options->opt_in_value, "true");
  EXPECT_THAT(Alertnames(*options),
              ElementsAre("CrmMetricsScrapeStale", "TcpEndpointDownFast",
                          "UptimeProbeFailing"));
  const Action& uptime = FindAction(*options, "UptimeProbeFailing");
  EXPECT_EQ(uptime.timeout, absl::Seconds(90));
  EXPECT_THAT(uptime.key_labels, ElementsAre("instance", "job"));
  const Action& tcp = FindAction(*options, "TcpEndpointDownFast");
  EXPECT_THAT(tcp.argv,
              ElementsAre("/usr/local/libexec/autoheal/restart-tcp-endpoint",
                          "--reason", "autoheal"));
  EXPECT_EQ(tcp.cooldown, absl::Minutes(5));
  EXPECT_EQ(tcp.budget.max_executions, 3);
  EXPECT_EQ(tcp.budget.window, absl::Hours(1));
  EXPECT_EQ(uptime.budget.max_executions, 0);
  EXPECT_EQ(options->global_budget.max_executions, 10);
  EXPECT_EQ(options->global_budget.window, absl::Minutes(10));
  EXPECT_EQ(options->flap_guard.max_executions, 3);
  EXPECT_EQ(options->flap_guard.window, absl::Hours(1));
  ASSERT_TRUE(options->escalation.has_value());
  EXPECT_THAT(options->escalation->argv,
              ElementsAre("/usr/local/libexec/autoheal/page-oncall",
                          "--severity", "high"));
  EXPECT_EQ(options->escalation->timeout, absl::Seconds(20));
}

TEST(ParsePolicyTest, GuardrailsCanBeTurnedOffOrPartlySet) {
  absl::StatusOr<EngineOptions> options = ParsePolicy(
      "budget: {max_executions: 0}\nflap_guard: {window: 30m}\n", "p.yml");
  ASSERT_THAT(options, IsOk());
  EXPECT_FALSE(options->global_budget.enabled());
  EXPECT_EQ(options->flap_guard.max_executions, 3);
  EXPECT_EQ(options->flap_guard.window, absl::Minutes(30));
}

TEST(ParsePolicyTest, EveryDocsYamlBlockLoads) {
  std::vector<std::string> blocks =
      YamlBlocks(ReadFileOrDie(TestDataPath("../../docs/policy.md")));
  ASSERT_GE(blocks.size(), 2u);
  for (size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_THAT(ParsePolicy(blocks[i], "policy.md"), IsOk())
        << "```yaml block #" << i << ":\n"
        << blocks[i];
  }
}

// --- Bad policies: exact messages -------------------------------------------

struct BadPolicy {
  const char* name;  // a fixture under tests/data/policies, or a label
  const char* yaml;  // inline text; nullptr reads the fixture `name`
  const char* message;
};

std::ostream& operator<<(std::ostream& os, const BadPolicy& bad) {
  return os << bad.name;
}

// Names a case after its fixture or label: "bad-argv-empty.yml" becomes
// "bad_argv_empty_yml".
std::string BadPolicyTestName(
    const ::testing::TestParamInfo<BadPolicy>& param_info) {
  std::string name = param_info.param.name;
  for (char& c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class BadPolicyTest : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(BadPolicyTest, IsRejectedWithThePositionPathAndExpectation) {
  const BadPolicy& bad = GetParam();
  absl::StatusOr<EngineOptions> options =
      bad.yaml == nullptr ? ParseFixture(bad.name)
                          : ParsePolicy(bad.yaml, "policy.yml");
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(options.status().message()), bad.message);
}

const BadPolicy kBadFixtures[] = {
    {"bad-unknown-top-level-key.yml", nullptr,
     "policy.yml:3:1: unknown key \"cooldwn\" (expected one of: version, "
     "enabled, cooldown, opt_in, budget, flap_guard, escalation, actions)"},
    {"bad-unknown-action-key.yml", nullptr,
     "policy.yml:6:5: actions.TcpEndpointDownFast: unknown key \"timout\" "
     "(expected one of: name, argv, timeout, cooldown, key_labels, label_patterns, budget)"},
    {"bad-duration-word.yml", nullptr,
     "policy.yml:14:14: actions.TcpEndpointDownFast.timeout: expected a "
     "duration like 30s, got \"thirty\""},
    {"bad-duration-bare-number.yml", nullptr,
     "policy.yml:2:11: cooldown: expected a duration like 30s, got \"120\""},
    {"bad-duration-negative.yml", nullptr,
     "policy.yml:5:15: actions.TcpEndpointDownFast.cooldown: expected a "
     "positive duration like 30s, got \"-5m\""},
    {"bad-duration-inf.yml", nullptr,
     "policy.yml:1:11: cooldown: expected a finite duration like 30s, got "
     "\"inf\""},
    {"bad-argv-empty.yml", nullptr,
     "policy.yml:5:11: actions.X.argv: expected a non-empty list of strings, "
     "got an empty list"},
    {"bad-argv-not-list.yml", nullptr,
     "policy.yml:4:11: actions.X.argv: expected a non-empty list of strings, "
     "got \"/usr/local/libexec/autoheal/restart-x --now\""},
    {"bad-argv-map-element.yml", nullptr,
     "policy.yml:6:9: actions.X.argv[1]: expected a string, got a mapping"},
    {"bad-missing-name.yml", nullptr,
     "policy.yml:3:5: actions.X: missing required key \"name\""},
    {"bad-duplicate-alertname.yml", nullptr,
     "policy.yml:8:3: actions: duplicate key \"TcpEndpointDownFast\""},
    {"bad-enabled-yes.yml", nullptr,
     "policy.yml:2:10: enabled: expected true or false, got \"yes\""},
    {"bad-key-label.yml", nullptr,
     "policy.yml:5:28: actions.TcpEndpointDownFast.key_labels[1]: expected a "
     "label name matching [a-zA-Z_][a-zA-Z0-9_]*, got \"target-host\""},
    {"bad-opt-in-annotation-empty.yml", nullptr,
     "policy.yml:2:15: opt_in.annotation: expected a non-empty string, got "
     "\"\""},
    {"bad-yaml-unclosed-bracket.yml", nullptr,
     "policy.yml:5:5: invalid YAML: end of sequence flow not found"},
    {"bad-yaml-indentation.yml", nullptr,
     "policy.yml:4:4: invalid YAML: end of map not found"},
    {"bad-top-level-list.yml", nullptr,
     "policy.yml:1:1: expected a mapping at the top level"},
    {"bad-version-2.yml", nullptr,
     "policy.yml:2:10: version: expected 1 (the only policy format version), "
     "got \"2\""},
};

INSTANTIATE_TEST_SUITE_P(Fixtures, BadPolicyTest,
                         ::testing::ValuesIn(kBadFixtures), BadPolicyTestName);

// A one-action policy whose action body is `body` (indented by 4).
#define ACTION_WITH(body) \
  "actions:\n"            \
  "  X:\n"                \
  "    name: restart-x\n" \
  "    argv: [/bin/restart-x]\n" body

const BadPolicy kBadInline[] = {
    // Durations.
    {"quoted_bare_number", "cooldown: \"120\"\n",
     "policy.yml:1:11: cooldown: expected a duration like 30s, got \"120\""},
    {"bare_zero", "cooldown: 0\n",
     "policy.yml:1:11: cooldown: expected a duration like 30s, got \"0\""},
    {"zero_duration", ACTION_WITH("    timeout: 0s\n"),
     "policy.yml:5:14: actions.X.timeout: expected a positive duration like "
     "30s, got \"0s\""},
    {"negative_infinity", "cooldown: -inf\n",
     "policy.yml:1:11: cooldown: expected a finite duration like 30s, got "
     "\"-inf\""},
    {"unknown_unit", "cooldown: 2d\n",
     "policy.yml:1:11: cooldown: expected a duration like 30s, got \"2d\""},
    {"duration_list", "cooldown: [30s]\n",
     "policy.yml:1:11: cooldown: expected a duration like 30s, got a list"},
    {"duration_empty", ACTION_WITH("    cooldown:\n"),
     "policy.yml:5:5: actions.X.cooldown: expected a duration like 30s, got "
     "nothing"},
    // Booleans.
    {"enabled_quoted_true", "enabled: \"true\"\n",
     "policy.yml:1:10: enabled: expected true or false, got \"true\""},
    {"enabled_on", "enabled: on\n",
     "policy.yml:1:10: enabled: expected true or false, got \"on\""},
    {"enabled_capitalised", "enabled: True\n",
     "policy.yml:1:10: enabled: expected true or false, got \"True\""},
    {"enabled_empty", "version: 1\nenabled:\n",
     "policy.yml:2:1: enabled: expected true or false, got nothing"},
    // Version.
    {"version_decimal", "version: 1.0\n",
     "policy.yml:1:10: version: expected 1 (the only policy format version), "
     "got \"1.0\""},
    // opt_in.
    {"opt_in_unknown_key", "opt_in:\n  annotation: autoheal\n  vaule: yes\n",
     "policy.yml:3:3: opt_in: unknown key \"vaule\" (expected one of: "
     "annotation, value)"},
    {"opt_in_not_mapping", "opt_in: autoheal\n",
     "policy.yml:1:9: opt_in: expected a mapping with annotation and value, "
     "got \"autoheal\""},
    {"opt_in_value_empty", "opt_in:\n  value:\n",
     "policy.yml:2:3: opt_in.value: expected a string, got nothing"},
    {"opt_in_annotation_list", "opt_in: {annotation: [a]}\n",
     "policy.yml:1:22: opt_in.annotation: expected a non-empty string, got a "
     "list"},
    // actions.
    {"actions_empty_value", "actions:\n",
     "policy.yml:1:1: actions: expected a mapping from alertname to action, "
     "got nothing"},
    {"actions_list", "actions:\n  - X\n",
     "policy.yml:2:3: actions: expected a mapping from alertname to action, "
     "got a list"},
    {"action_not_mapping", "actions:\n  X: /bin/restart-x\n",
     "policy.yml:2:6: actions.X: expected a mapping with name, argv and "
     "optionally timeout, cooldown, key_labels, label_patterns, got \"/bin/restart-x\""},
    {"action_empty_alertname", "actions:\n  \"\": {name: x, argv: [/bin/x]}\n",
     "policy.yml:2:3: actions: expected a non-empty alertname, got \"\""},
    {"missing_argv", "actions:\n  X:\n    name: restart-x\n",
     "policy.yml:3:5: actions.X: missing required key \"argv\""},
    {"missing_name_flow", "actions:\n  X: {argv: [/bin/x]}\n",
     "policy.yml:2:6: actions.X: missing required key \"name\""},
    {"name_empty", "actions:\n  X:\n    name: ''\n    argv: [/bin/x]\n",
     "policy.yml:3:11: actions.X.name: expected a non-empty string, got \"\""},
    {"name_mapping", "actions:\n  X:\n    name: {a: b}\n    argv: [/bin/x]\n",
     "policy.yml:3:11: actions.X.name: expected a non-empty string, got a "
     "mapping"},
    {"argv_empty_program", "actions:\n  X:\n    name: x\n    argv: ['', -v]\n",
     "policy.yml:4:12: actions.X.argv[0]: expected a non-empty program path"},
    {"argv_nothing", "actions:\n  X:\n    name: x\n    argv:\n",
     "policy.yml:4:5: actions.X.argv: expected a non-empty list of strings, "
     "got nothing"},
    {"argv_nested_list",
     "actions:\n  X:\n    name: x\n    argv: [/bin/x, [a]]\n",
     "policy.yml:4:20: actions.X.argv[1]: expected a string, got a list"},
    {"argv_null_element",
     "actions:\n  X:\n    name: x\n    argv: [/bin/x, ~]\n",
     "policy.yml:4:20: actions.X.argv[1]: expected a string, got nothing"},
    // key_labels.
    {"key_label_alertname", ACTION_WITH("    key_labels: [alertname]\n"),
     "policy.yml:5:18: actions.X.key_labels[0]: alertname is always part of "
     "the cooldown key; do not list it"},
    {"key_label_duplicate",
     ACTION_WITH("    key_labels: [instance, instance]\n"),
     "policy.yml:5:28: actions.X.key_labels[1]: duplicate label \"instance\""},
    {"key_label_leading_digit", ACTION_WITH("    key_labels: [1instance]\n"),
     "policy.yml:5:18: actions.X.key_labels[0]: expected a label name "
     "matching [a-zA-Z_][a-zA-Z0-9_]*, got \"1instance\""},
    {"key_label_empty", ACTION_WITH("    key_labels: [\"\"]\n"),
     "policy.yml:5:18: actions.X.key_labels[0]: expected a label name "
     "matching [a-zA-Z_][a-zA-Z0-9_]*, got \"\""},
    {"key_labels_scalar", ACTION_WITH("    key_labels: instance\n"),
     "policy.yml:5:17: actions.X.key_labels: expected a list of label names, "
     "got \"instance\""},
    // Budgets, the flap guard and the escalation command.
    {"budget_not_mapping", "budget: 10\n",
     "policy.yml:1:9: budget: expected a mapping with max_executions and "
     "window, got \"10\""},
    {"budget_negative", "budget: {max_executions: -1}\n",
     "policy.yml:1:26: budget.max_executions: expected a whole number from 0 "
     "to 10000, got \"-1\""},
    {"budget_quoted_count", "budget: {max_executions: \"5\"}\n",
     "policy.yml:1:26: budget.max_executions: expected a whole number from 0 "
     "to 10000, got \"5\""},
    {"budget_too_large", "budget: {max_executions: 10001}\n",
     "policy.yml:1:26: budget.max_executions: expected a whole number from 0 "
     "to 10000, got \"10001\""},
    {"budget_fraction", "budget: {max_executions: 2.5}\n",
     "policy.yml:1:26: budget.max_executions: expected a whole number from 0 "
     "to 10000, got \"2.5\""},
    {"budget_window_bare", "budget: {window: 600}\n",
     "policy.yml:1:18: budget.window: expected a duration like 30s, got "
     "\"600\""},
    {"budget_typo", "budget: {max_execution: 5}\n",
     "policy.yml:1:10: budget: unknown key \"max_execution\" (expected one "
     "of: max_executions, window)"},
    {"flap_guard_zero_window", "flap_guard: {window: 0s}\n",
     "policy.yml:1:22: flap_guard.window: expected a positive duration like "
     "30s, got \"0s\""},
    {"action_budget_typo", ACTION_WITH("    budget: {limit: 2}\n"),
     "policy.yml:5:14: actions.X.budget: unknown key \"limit\" (expected one "
     "of: max_executions, window)"},
    {"escalation_without_argv", "escalation: {timeout: 5s}\n",
     "policy.yml:1:13: escalation: missing required key \"argv\""},
    {"escalation_templated", "escalation: {argv: [/bin/page, \"{{labels.x}}\"]}\n",
     "policy.yml: escalation: argv cannot use {{labels.*}} templates; the "
     "alert comes as JSON on stdin"},
    // Mappings in general.
    {"duplicate_top_level_key", "enabled: false\ncooldown: 1m\nenabled: true\n",
     "policy.yml:3:1: duplicate key \"enabled\""},
    {"duplicate_action_key",
     "actions:\n  X:\n    name: a\n    argv: [/bin/x]\n    name: b\n",
     "policy.yml:5:5: actions.X: duplicate key \"name\""},
    {"complex_key", "? [a, b]\n: 1\n",
     "policy.yml:1:3: expected a plain key, got a list"},
    {"quoted_merge_key_is_not_a_merge", "\"<<\": {enabled: true}\n",
     "policy.yml:1:1: unknown key \"<<\" (expected one of: version, enabled, "
     "cooldown, opt_in, budget, flap_guard, escalation, actions)"},
    {"merge_of_scalar", "actions:\n  X:\n    <<: nope\n",
     "policy.yml:3:9: actions.X: expected a mapping or a list of mappings "
     "after <<, got \"nope\""},
    {"merge_list_of_scalar", "actions:\n  X:\n    <<: [nope]\n",
     "policy.yml:3:10: actions.X: expected a mapping or a list of mappings "
     "after <<, got a list holding \"nope\""},
    // `<<` is a key like any other (YAML 1.1 merge type; gopkg.in/yaml.v3
    // says "mapping key "<<" already defined"): lint used to merge both.
    {"duplicate_merge_key",
     "actions:\n"
     "  X:\n"
     "    <<: {name: x}\n"
     "    <<: {argv: [/bin/x]}\n",
     "policy.yml:4:5: actions.X: duplicate key \"<<\""},
    {"defaults_block_at_top_level_is_unknown", "defaults: &d {timout: 1s}\n",
     "policy.yml:1:1: unknown key \"defaults\" (expected one of: version, "
     "enabled, cooldown, opt_in, budget, flap_guard, escalation, actions)"},
    {"typo_in_flow_mapping",
     "actions:\n  X: &x {name: x, argv: [/bin/x], timout: 1s}\n",
     "policy.yml:2:35: actions.X: unknown key \"timout\" (expected one of: "
     "name, argv, timeout, cooldown, key_labels, label_patterns, budget)"},
    {"merged_typo_through_merge",
     "actions:\n"
     "  X: {name: x, argv: [/bin/x]}\n"
     "  Y:\n"
     "    <<: {name: y, argv: [/bin/y], cooldwn: 1m}\n",
     "policy.yml:4:35: actions.Y: unknown key \"cooldwn\" (expected one of: "
     "name, argv, timeout, cooldown, key_labels, label_patterns, budget)"},
    // Documents.
    {"empty_document", "",
     "policy.yml:1:1: expected a mapping at the top level"},
    {"comment_only_document", "# nothing yet\n",
     "policy.yml:1:1: expected a mapping at the top level"},
    {"scalar_document", "autoheal\n",
     "policy.yml:1:1: expected a mapping at the top level"},
    {"two_documents", "enabled: false\n---\nenabled: true\n",
     "policy.yml:3:1: expected a single YAML document, found another"},
    {"tab_indentation", "actions:\n\tX: {}\n",
     "policy.yml:2:3: invalid YAML: illegal map value"},
    // yaml-cpp 0.7 never consumes a ',' outside a flow collection and reads
    // documents at that ',' forever (jbeder/yaml-cpp#1040); found by
    // fuzz/policy_fuzzer.cc (fuzz/regressions/policy/).
    {"stray_comma", ",",
     "policy.yml:1:1: invalid YAML: unexpected ',' outside a flow "
     "collection ([...] or {...})"},
    {"stray_comma_after_a_list", "- a\n, b\n",
     "policy.yml:2:1: invalid YAML: unexpected ',' outside a flow "
     "collection ([...] or {...})"},
    {"stray_comma_after_document_start", "--- ,\n",
     "policy.yml:1:5: invalid YAML: unexpected ',' outside a flow "
     "collection ([...] or {...})"},
    // yaml-cpp 0.7 itself accepts a quote left open at the end of the text
    // and takes the rest of the file as the string.
    {"unclosed_double_quote", "opt_in:\n  value: \"true\n",
     "policy.yml:2:10: invalid YAML: unterminated quoted string"},
    {"unclosed_quote_swallows_the_rest",
     "opt_in:\n  value: \"true\nactions:\n  X: {name: x, argv: [/bin/x]}\n",
     "policy.yml:2:10: invalid YAML: unterminated quoted string"},
    {"unclosed_single_quote", "opt_in:\n  annotation: 'it''s\n",
     "policy.yml:2:15: invalid YAML: unterminated quoted string"},
    {"unclosed_quote_ending_in_escape", "opt_in:\n  value: \"a\\\"\n",
     "policy.yml:2:10: invalid YAML: unterminated quoted string"},
    {"unclosed_quote_after_anchor_and_tag",
     "opt_in:\n  value: &v !!str\n    \"true\n",
     "policy.yml:3:5: invalid YAML: unterminated quoted string"},
};

#undef ACTION_WITH

INSTANTIATE_TEST_SUITE_P(Inline, BadPolicyTest, ::testing::ValuesIn(kBadInline),
                         BadPolicyTestName);

// --- Robustness
// ---------------------------------------------------------------

TEST(ParsePolicyTest, ClosedQuotesOfEveryKindLoad) {
  absl::StatusOr<EngineOptions> options = ParsePolicy(
      "opt_in:\n"
      "  annotation: 'it''s'\n"
      "  value: &v !!str\n"
      "    # the value\n"
      "    \"a\\\\\"\n"
      "actions:\n"
      "  X:\n"
      "    name: \"say \\\"hi\\\"\"\n"
      "    argv:\n"
      "      - |\n"
      "        /bin/x\n"
      "      - >-\n"
      "        'half\n",
      "policy.yml");
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->opt_in_annotation, "it's");
  EXPECT_EQ(options->opt_in_value, "a\\");
  ASSERT_EQ(options->actions.size(), 1u);
  EXPECT_EQ(options->actions[0].name, "say \"hi\"");
  EXPECT_THAT(options->actions[0].argv, ElementsAre("/bin/x\n", "'half"));
}

TEST(ParsePolicyTest, Utf8ByteOrderMarkIsSkipped) {
  absl::StatusOr<EngineOptions> options = ParsePolicy(
      "\xEF\xBB\xBF"
      "enabled: true\ncooldown: 2m\n",
      "policy.yml");
  ASSERT_THAT(options, IsOk());
  EXPECT_TRUE(options->enabled);
  EXPECT_THAT(ParsePolicy("\xEF\xBB\xBF"
                          "cooldown: 2\n",
                          "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:1:11: cooldown: expected a duration"));
}

TEST(ParsePolicyTest, NulByteIsRejected) {
  const std::string text("enabled: false\n\0\n", 17);
  EXPECT_THAT(ParsePolicy(text, "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:2:1: invalid YAML: a policy must be UTF-8 "
                       "text without NUL bytes"));
}

TEST(ParsePolicyTest, Utf16IsRejected) {
  EXPECT_THAT(ParsePolicy("\xFF\xFEversion: 1\n", "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:1:1: invalid YAML: a policy must be UTF-8"));
}

TEST(ParsePolicyTest, SelfMergingMappingIsAnErrorNotALoop) {
  EXPECT_THAT(
      ParsePolicy("actions:\n  X: &x {name: x, argv: [/bin/x], <<: *x}\n",
                  "policy.yml"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "policy.yml:2:6: actions.X: merges (<<) are nested too deeply"));
}

// Ten mappings each merging the previous one nine times would be 10^9
// merges if expanded naively.
TEST(ParsePolicyTest, MergeFanOutIsBounded) {
  std::string text = "actions:\n  A0: &m0 {name: x, argv: [/bin/x]}\n";
  for (int level = 1; level < 10; ++level) {
    std::string prev = "*m" + std::to_string(level - 1);
    text += "  A" + std::to_string(level) + ": &m" + std::to_string(level) +
            " {<<: [" + prev;
    for (int i = 1; i < 9; ++i) text += ", " + prev;
    text += "]}\n";
  }
  EXPECT_THAT(ParsePolicy(text, "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "merges (<<) expand to more than 1000 mappings"));
}

TEST(ParsePolicyTest, DeepNestingIsAnErrorNotACrash) {
  std::string text = "actions: " + std::string(100000, '[');
  absl::StatusOr<EngineOptions> options = ParsePolicy(text, "policy.yml");
  EXPECT_THAT(options,
              StatusIs(absl::StatusCode::kInvalidArgument, "policy.yml:"));
}

// yaml-cpp 0.7 stops near 1000 levels on its own, saying "bad file" at the
// end of the text; the loader stops at 64, where the 65th level opens.
TEST(ParsePolicyTest, DeepFlowNestingIsRejectedWhereItGoesTooDeep) {
  const std::string text = "actions: " + std::string(100000, '[') +
                           std::string(100000, ']') + "\n";
  EXPECT_THAT(ParsePolicy(text, "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:1:73: invalid YAML: lists and mappings "
                       "nested deeper than 64 levels"));
}

TEST(ParsePolicyTest, DeepFlowMappingNestingIsRejected) {
  std::string text = "actions: ";
  for (int i = 0; i < 100000; ++i) text += "{a: ";
  text += "1" + std::string(100000, '}');
  EXPECT_THAT(ParsePolicy(text, "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:1:262: invalid YAML: lists and mappings "
                       "nested deeper than 64 levels"));
}

TEST(ParsePolicyTest, DeepBlockNestingIsRejected) {
  std::string text = "actions:\n";
  for (int level = 1; level <= 2000; ++level) {
    text += std::string(2 * level, ' ') + "k:\n";
  }
  EXPECT_THAT(ParsePolicy(text, "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:65:129: invalid YAML: lists and mappings "
                       "nested deeper than 64 levels"));
}

TEST(ParsePolicyTest, NestingUpToTheLimitIsReadAsUsual) {
  // The top-level mapping is level 1; 63 lists under `actions` make 64.
  const std::string text =
      "actions: " + std::string(63, '[') + std::string(63, ']') + "\n";
  EXPECT_THAT(ParsePolicy(text, "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:1:10: actions: expected a mapping from "
                       "alertname to action, got a list"));
}

// Every prefix of a valid policy must load or fail with kInvalidArgument; no
// yaml-cpp exception may escape.
TEST(ParsePolicyTest, EveryTruncationFailsCleanly) {
  const std::string text =
      ReadFileOrDie(PolicyPath("good-anchors-and-merge.yml"));
  for (size_t n = 0; n <= text.size(); ++n) {
    absl::StatusOr<EngineOptions> options;
    ASSERT_NO_THROW(options = ParsePolicy(text.substr(0, n), "policy.yml"))
        << "prefix of " << n << " bytes";
    if (!options.ok()) {
      EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument)
          << options.status();
      EXPECT_TRUE(absl::StartsWith(options.status().message(), "policy.yml:"))
          << options.status();
    }
  }
}

TEST(ParsePolicyTest, EveryByteReplacementFailsCleanly) {
  const std::string text = ReadFileOrDie(PolicyPath("good-full.yml"));
  for (size_t i = 0; i < text.size(); ++i) {
    for (char c : {'\0', '[', '{', ':', '&', '*', '"', '-', '\t'}) {
      std::string mutated = text;
      mutated[i] = c;
      absl::StatusOr<EngineOptions> options;
      ASSERT_NO_THROW(options = ParsePolicy(mutated, "policy.yml"));
      if (!options.ok()) {
        EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument)
            << options.status();
      }
    }
  }
}

// --- LoadPolicyFile
// -----------------------------------------------------------

TEST(LoadPolicyFileTest, LabelsErrorsWithThePath) {
  const std::string path = PolicyPath("bad-enabled-yes.yml");
  absl::StatusOr<EngineOptions> options = LoadPolicyFile(path);
  EXPECT_THAT(options,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       path + ":2:10: enabled: expected true or false"));
}

TEST(LoadPolicyFileTest, MissingFileIsNotFound) {
  const std::string path = PolicyPath("does-not-exist.yml");
  absl::StatusOr<EngineOptions> options = LoadPolicyFile(path);
  ASSERT_THAT(options, StatusIs(absl::StatusCode::kNotFound, path));
  EXPECT_EQ(options.status().message(),
            path + ": cannot open: No such file or directory");
}

TEST(LoadPolicyFileTest, DirectoryIsAnError) {
  absl::StatusOr<EngineOptions> options = LoadPolicyFile(PolicyPath(""));
  EXPECT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), ::testing::HasSubstr("cannot read"));
}

TEST(LoadPolicyFileTest, UnreadableFileIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every file";
  const std::string path = ::testing::TempDir() + "/unreadable-policy.yml";
  {
    std::ofstream out(path);
    out << "enabled: false\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  absl::StatusOr<EngineOptions> options = LoadPolicyFile(path);
  ::unlink(path.c_str());
  EXPECT_THAT(options, StatusIs(absl::StatusCode::kPermissionDenied,
                                path + ": cannot open: Permission denied"));
}

TEST(LabelPatternsTest, TemplatedArgvWithPatternsLoads) {
  auto options = ParsePolicy(
      "actions:\n"
      "  TcpEndpointDownFast:\n"
      "    name: restart-endpoint\n"
      "    argv: [/usr/local/bin/restart, \"--target={{labels.instance}}\"]\n"
      "    label_patterns:\n"
      "      instance: '[a-z0-9.-]+:[0-9]{1,5}'\n",
      "policy.yml");
  ASSERT_TRUE(options.ok()) << options.status();
  ASSERT_EQ(options->actions.size(), 1u);
  EXPECT_EQ(options->actions[0].label_patterns.at("instance"),
            "[a-z0-9.-]+:[0-9]{1,5}");
}

TEST(LabelPatternsTest, BadPatternIsRejectedAtItsLine) {
  EXPECT_THAT(ParsePolicy("actions:\n"
                          "  X:\n"
                          "    name: x\n"
                          "    argv: [/bin/x, \"{{labels.instance}}\"]\n"
                          "    label_patterns:\n"
                          "      instance: '[unclosed'\n",
                          "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:6:17: actions.X.label_patterns.instance: "
                       "invalid pattern \"[unclosed\": missing ]: [unclosed"));
}

// What RE2 refuses (no backreferences, no lookaround) or cannot compile
// within its memory budget is reported at the pattern's line and column,
// with RE2's message.
TEST(LabelPatternsTest, PatternsRe2RejectsAreReportedAtTheirPosition) {
  const std::string head =
      "actions:\n"
      "  X:\n"
      "    name: x\n"
      "    argv: [/bin/x, \"{{labels.instance}}\"]\n"
      "    label_patterns:\n";
  EXPECT_THAT(ParsePolicy(head + "      instance: '('\n", "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:6:17: actions.X.label_patterns.instance: "
                       "invalid pattern \"(\": missing ): ("));
  EXPECT_THAT(ParsePolicy(head + "      instance: '(a)\\1'\n", "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:6:17: actions.X.label_patterns.instance: "
                       "invalid pattern \"(a)\\\\1\": invalid escape "
                       "sequence: \\\\1"));
  EXPECT_THAT(
      ParsePolicy(head + "      instance:   \"(?=a)x\"\n", "policy.yml"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "policy.yml:6:19: actions.X.label_patterns.instance: "
               "invalid pattern \"(?=a)x\": invalid perl operator: "
               "(?="));
  EXPECT_THAT(ParsePolicy(head + "      job: x\n      instance: '\\pL{1000}'\n",
                          "policy.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy.yml:7:17: actions.X.label_patterns.instance: "
                       "invalid pattern \"\\\\pL{1000}\": pattern too large - "
                       "compile failed (over the memory budget of 2 MiB per "
                       "pattern)"));
}

// The input of fuzz/regressions/policy/label-pattern-count-overflow.yml
// overflowed a signed integer in libstdc++'s regex compiler. RE2, like Go
// and Prometheus, reads a count it cannot parse as literal text.
TEST(LabelPatternsTest, HugeRepetitionCountIsLiteralText) {
  absl::StatusOr<EngineOptions> options = ParsePolicy(
      "actions:\n"
      " s:\n"
      "  label_patterns:\n"
      "   n: ']{26666666666666666666'\n",
      "policy.yml");
  // The action lacks its name, not a valid pattern.
  EXPECT_THAT(options, StatusIs(absl::StatusCode::kInvalidArgument,
                                "policy.yml:3:3: actions.s: missing required "
                                "key \"name\""));
}

TEST(LabelPatternsTest, TemplateWithoutAPatternIsRejected) {
  auto options = ParsePolicy(
      "actions:\n"
      "  X:\n"
      "    name: x\n"
      "    argv: [/bin/x, \"{{labels.instance}}\"]\n",
      "policy.yml");
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(std::string(options.status().message()),
              ::testing::HasSubstr("label_patterns has no pattern for \"instance\""));
}

}  // namespace
}  // namespace autoheal
