// `autoheal lint` through the real binary, on the fixtures of
// tests/data/lint: for each broken variant the exit code, the exact rule
// ids and the exact lines; clean fixtures exit 0; parse errors exit 2 with
// file:line; and the three output formats as a CI job sees them.
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::Subprocess;
using ::autoheal::testutil::SubprocessOptions;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::TestDataPath;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

struct Output {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `autoheal lint ARGS...` in tests/data/lint, so that file names in
// findings are the relative ones given.
Output RunLint(const std::vector<std::string>& args) {
  TempDir dir;
  SubprocessOptions options;
  options.argv = {AUTOHEAL_CLI_BIN, "lint"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.working_dir = TestDataPath("lint");
  options.stdout_path = dir.Path("out");
  options.stderr_path = dir.Path("err");
  Output output;
  auto process = Subprocess::Start(std::move(options));
  EXPECT_THAT(process, IsOk());
  if (!process.ok()) return output;
  auto exit = (*process)->Wait(absl::Seconds(30));
  EXPECT_THAT(exit, IsOk());
  output.out = (*process)->ReadStdout();
  output.err = (*process)->ReadStderr();
  if (exit.ok() && exit->Exited()) output.exit_code = exit->ExitCode();
  return output;
}

// One expected finding: "rule file:line".
std::string Expect(const std::string& rule, const std::string& file, int line) {
  return rule + " " + file + ":" + std::to_string(line);
}

struct FixtureCase {
  const char* name;
  std::vector<std::string> args;
  int exit_code;
  std::vector<std::string> findings;  // Expect(...) strings, in order
};

void PrintTo(const FixtureCase& c, std::ostream* os) { *os << c.name; }

std::vector<std::string> WithPolicy(std::vector<std::string> args) {
  args.insert(args.begin(), {"--policy", "policy.yml"});
  return args;
}

const std::vector<FixtureCase>& Fixtures() {
  static const auto* cases = new std::vector<FixtureCase>{
      // --- Broken compose files: exit 1.
      {"ComposeMapFormTrue", WithPolicy({"--compose", "compose-map-true.yml"}), 1,
       {Expect("compose-autoheal-enabled", "compose-map-true.yml", 6)}},
      {"ComposeListFormOne", WithPolicy({"--compose", "compose-list-one.yml"}), 1,
       {Expect("compose-autoheal-enabled", "compose-list-one.yml", 7)}},
      {"ComposeYes", WithPolicy({"--compose", "compose-yes.yml"}), 1,
       {Expect("compose-autoheal-enabled", "compose-yes.yml", 5)}},
      {"ComposeOn", WithPolicy({"--compose", "compose-on.yml"}), 1,
       {Expect("compose-autoheal-enabled", "compose-on.yml", 5)}},
      {"ComposeQuotedTrueCapitalized",
       WithPolicy({"--compose", "compose-true-capitalized.yml"}), 1,
       {Expect("compose-autoheal-enabled", "compose-true-capitalized.yml", 6)}},
      {"ComposeDefaultTrue", WithPolicy({"--compose", "compose-default-true.yml"}), 1,
       {Expect("compose-autoheal-enabled", "compose-default-true.yml", 5)}},
      {"ComposeDashDefault", WithPolicy({"--compose", "compose-dash-default.yml"}), 1,
       {Expect("compose-autoheal-enabled", "compose-dash-default.yml", 6)}},
      {"ComposeAnchorAndMergeKey",
       WithPolicy({"--compose", "compose-anchor-merge.yml"}), 1,
       {Expect("compose-autoheal-enabled", "compose-anchor-merge.yml", 4)}},
      {"ComposeEnvFile", WithPolicy({"--compose", "env-file/docker-compose.yml"}), 1,
       {Expect("compose-autoheal-enabled", "env-file/autoheal.env", 3)}},
      {"ComposeEnvFileLongForm",
       WithPolicy({"--compose", "env-file-long/docker-compose.yml"}), 1,
       {Expect("compose-autoheal-enabled", "env-file-long/env/prod.env", 2)}},
      {"ComposeDotEnvSetsTheVariable",
       WithPolicy({"--compose", "dotenv/docker-compose.yml"}), 1,
       {Expect("compose-autoheal-enabled", "dotenv/docker-compose.yml", 6)}},
      // --- Broken Alertmanager configurations.
      {"AlertmanagerExternalUrl",
       WithPolicy({"--alertmanager", "alertmanager-external-url.yml"}), 1,
       {Expect("alertmanager-external-url", "alertmanager-external-url.yml", 7)}},
      {"AlertmanagerUrlFileIsAWarning",
       WithPolicy({"--alertmanager", "alertmanager-url-file.yml"}), 0,
       {Expect("alertmanager-url-file", "alertmanager-url-file.yml", 8)}},
      {"AlertmanagerUrlFileFailsWhenStrict",
       WithPolicy({"--strict", "--alertmanager", "alertmanager-url-file.yml"}), 1,
       {Expect("alertmanager-url-file", "alertmanager-url-file.yml", 8)}},
      // --- Broken rule files.
      {"RuleWithoutAction", WithPolicy({"--rules", "rules-missing-action.yml"}), 1,
       {Expect("rules-missing-action", "rules-missing-action.yml", 17)}},
      {"RuleWithoutRunbookIsAWarning",
       WithPolicy({"--rules", "rules-no-runbook.yml"}), 0,
       {Expect("rules-missing-runbook", "rules-no-runbook.yml", 11)}},
      {"RuleWithoutRunbookFailsWhenStrict",
       WithPolicy({"--rules", "rules-no-runbook.yml", "--strict"}), 1,
       {Expect("rules-missing-runbook", "rules-no-runbook.yml", 11)}},
      {"RuleWithoutFor", WithPolicy({"--rules", "rules-no-for.yml"}), 0,
       {Expect("rules-missing-for", "rules-no-for.yml", 5)}},
      {"AlmostRightAnnotation", WithPolicy({"--rules", "rules-near-miss.yml"}), 0,
       {Expect("rules-opt-in-near-miss", "rules-near-miss.yml", 15),
        Expect("policy-unused-action", "policy.yml", 9)}},
      {"UnusedPolicyAction", WithPolicy({"--rules", "rules-unused-action.yml"}), 0,
       {Expect("policy-unused-action", "policy.yml", 9)}},
      // --- Clean fixtures: exit 0, no finding.
      {"CleanCompose", WithPolicy({"--compose", "compose-clean.yml"}), 0, {}},
      {"CleanAlertmanagerWithComposeServicesAndAllowedHost",
       WithPolicy({"--compose", "compose-clean.yml", "--alertmanager",
                   "alertmanager-clean.yml", "--allow-host", "alerts.internal"}),
       0, {}},
      {"CleanRules", WithPolicy({"--rules", "rules-clean.yml", "--strict"}), 0, {}},
      // Without the compose file, "autoheal" is no known host.
      {"ServiceHostsNeedTheComposeFile",
       WithPolicy({"--alertmanager", "alertmanager-clean.yml", "--allow-host",
                   "alerts.internal"}),
       1, {Expect("alertmanager-external-url", "alertmanager-clean.yml", 11)}},
      // --- Parse errors: exit 2, with file:line.
      {"ComposeSyntaxError", WithPolicy({"--compose", "compose-bad-yaml.yml"}), 2,
       {Expect("parse-error", "compose-bad-yaml.yml", 5)}},
      {"AlertmanagerUnterminatedQuote",
       WithPolicy({"--alertmanager", "alertmanager-unterminated-quote.yml"}), 2,
       {Expect("parse-error", "alertmanager-unterminated-quote.yml", 5)}},
      {"RulesWrongType", WithPolicy({"--rules", "rules-wrong-type.yml"}), 2,
       {Expect("rules-invalid", "rules-wrong-type.yml", 8)}},
      {"InvalidPolicy",
       {"--policy", "policy-invalid.yml", "--rules", "rules-clean.yml"}, 2,
       {Expect("policy-invalid", "policy-invalid.yml", 5)}},
      {"MissingFile", WithPolicy({"--compose", "no-such-compose.yml"}), 2,
       {Expect("parse-error", "no-such-compose.yml", 0)}},
  };
  return *cases;
}

class LintFixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(LintFixtureTest, ExitCodeRuleAndLine) {
  const FixtureCase& c = GetParam();
  std::vector<std::string> args = c.args;
  args.insert(args.end(), {"--format", "json"});
  Output output = RunLint(args);
  ASSERT_EQ(output.exit_code, c.exit_code) << output.out << output.err;
  nlohmann::json j = nlohmann::json::parse(output.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << output.out;
  std::vector<std::string> findings;
  for (const nlohmann::json& f : j["findings"]) {
    findings.push_back(Expect(f["rule"].get<std::string>(),
                              f["file"].get<std::string>(),
                              f["line"].is_null() ? 0 : f["line"].get<int>()));
  }
  EXPECT_THAT(findings, ElementsAreArray(c.findings)) << output.out;
  EXPECT_EQ(j["exit_code"], c.exit_code);
}

std::string FixtureName(const ::testing::TestParamInfo<FixtureCase>& param) {
  return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LintFixtureTest,
                         ::testing::ValuesIn(Fixtures()), FixtureName);

TEST(LintCliTest, TextOutput) {
  Output output = RunLint({"--policy", "policy.yml", "--compose",
                           "compose-map-true.yml", "--rules", "rules-no-for.yml"});
  EXPECT_EQ(output.exit_code, 1);
  EXPECT_EQ(output.out,
            "compose-map-true.yml:6:25: error: service \"autoheal\" sets "
            "AUTOHEAL_ENABLED to \"true\": this switches autoheal on; keep it "
            "\"false\" in compose files and enable autoheal per deployment "
            "[compose-autoheal-enabled]\n"
            "rules-no-for.yml:5:16: warning: rule \"TcpEndpointDownFast\" opts "
            "in without a for: duration, so it fires, and is remediated, after "
            "a single failed evaluation [rules-missing-for]\n"
            "autoheal lint: 1 error, 1 warning, 0 notices in 3 files\n");
  EXPECT_EQ(output.err, "");
}

TEST(LintCliTest, GithubAnnotations) {
  Output output = RunLint({"--policy", "policy.yml", "--format", "github",
                           "--alertmanager", "alertmanager-external-url.yml",
                           "--compose", "compose-bad-yaml.yml"});
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_EQ(output.out,
            "::error file=compose-bad-yaml.yml,line=5,col=10,title=parse-error::"
            "invalid YAML: end of sequence flow not found\n"
            "::error file=alertmanager-external-url.yml,line=7,col=14,"
            "title=alertmanager-external-url::hardcoded external autoheal URL "
            "\"https://autoheal.example.com\" in receiver \"autoheal\": host "
            "\"autoheal.example.com\" is neither loopback, nor a service of the "
            "given compose files, nor allowed with --allow-host\n"
            "autoheal lint: 2 errors, 0 warnings, 0 notices in 3 files\n");
}

TEST(LintCliTest, RepeatedFlagsCheckEveryFile) {
  Output output = RunLint(
      {"--format", "json", "--compose", "compose-yes.yml", "--compose",
       "compose-on.yml", "--compose=compose-clean.yml", "--rules",
       "rules-no-for.yml", "--rules", "rules-no-runbook.yml",
       "--alertmanager", "alertmanager-external-url.yml", "--alertmanager",
       "alertmanager-clean.yml", "--allow-host", "alerts.internal",
       "--allow-host=autoheal.example.com", "--policy", "policy.yml"});
  EXPECT_EQ(output.exit_code, 1);
  nlohmann::json j = nlohmann::json::parse(output.out);
  std::vector<std::string> findings;
  for (const nlohmann::json& f : j["findings"]) {
    findings.push_back(Expect(f["rule"], f["file"], f["line"]));
  }
  // Both --allow-host values apply; compose-clean.yml's "autoheal" service
  // makes alertmanager-clean.yml's URL local.
  EXPECT_THAT(findings,
              ElementsAreArray({Expect("compose-autoheal-enabled", "compose-yes.yml", 5),
                                Expect("compose-autoheal-enabled", "compose-on.yml", 5),
                                Expect("rules-missing-for", "rules-no-for.yml", 5),
                                Expect("rules-missing-runbook", "rules-no-runbook.yml", 11)}));
  EXPECT_EQ(j["summary"]["files"], 8);
}

TEST(LintCliTest, TheEmbeddedPolicyIsTheDefault) {
  // The embedded policy has no action for DiskWillFillIn4Hours either.
  Output output = RunLint({"--rules", "rules-missing-action.yml"});
  EXPECT_EQ(output.exit_code, 1);
  EXPECT_THAT(output.out,
              HasSubstr("rules-missing-action.yml:17:16: error: rule "
                        "\"DiskWillFillIn4Hours\" opts in"));
  EXPECT_THAT(output.out,
              HasSubstr("<embedded default policy>:8:3: warning: action "
                        "\"restart-crm-metrics\""));
}

// A usage error names the problem and points at --help (CLI11 generates
// the one usage text, which --help prints; errors no longer repeat it).
TEST(LintCliTest, UsageErrorsExitTwo) {
  Output none = RunLint({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("autoheal lint: nothing to check"));
  EXPECT_THAT(none.err, HasSubstr("Run 'autoheal lint --help' for usage."));
  EXPECT_EQ(none.out, "");
  Output positional = RunLint({"compose-yes.yml"});
  EXPECT_EQ(positional.exit_code, 2);
  EXPECT_THAT(positional.err,
              HasSubstr("The following argument was not expected: "
                        "compose-yes.yml"));
  Output format = RunLint({"--rules", "rules-clean.yml", "--format", "sarif"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_THAT(format.err, HasSubstr("--format: expected text, json or github"));
  Output help = RunLint({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("Usage: autoheal lint [OPTIONS]"));
  // Its own flags, dashed, with the default, and no Abseil flags.
  EXPECT_THAT(help.out, HasSubstr("--allow-host HOST"));
  EXPECT_THAT(help.out, HasSubstr("--format text|json|github"));
  EXPECT_THAT(help.out, HasSubstr("(default: text)"));
  EXPECT_THAT(help.out, HasSubstr("(repeatable)"));
  EXPECT_THAT(help.out, ::testing::Not(HasSubstr("flagfile")));
}

// Both spellings of a dashed flag, and a repeated flag keeps every value.
TEST(LintCliTest, DashedAndUnderscoredAllowHost) {
  for (const char* flag : {"--allow-host", "--allow_host"}) {
    Output output = RunLint({"--policy", "policy.yml", "--alertmanager",
                             "alertmanager-external-url.yml", flag, "x.invalid",
                             flag, "autoheal.example.com"});
    EXPECT_EQ(output.exit_code, 0) << flag << ": " << output.out << output.err;
  }
}

}  // namespace
}  // namespace autoheal
