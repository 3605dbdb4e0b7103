// `autoheal lint` as a whole, in memory: findings, output formats, the
// command line, and RunLint over a MemoryFileReader.
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/lint_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lint/finding.h"
#include "lint/lint.h"
#include "lint/output.h"
#include "lint_test_util.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace lint {
namespace {

using ::autoheal::lint::testutil::IsFinding;
using ::autoheal::lint::testutil::IsFindingIn;
using ::autoheal::lint::testutil::MessageHas;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Finding MakeFinding(absl::string_view rule, Severity severity,
                    const std::string& file, int line, int column,
                    const std::string& message = "m") {
  Finding f;
  f.rule = std::string(rule);
  f.severity = severity;
  f.file = file;
  f.line = line;
  f.column = column;
  f.message = message;
  return f;
}

// --- Findings --------------------------------------------------------------

TEST(FindingTest, ExitCodes) {
  std::vector<Finding> findings;
  EXPECT_EQ(ExitCode(findings), 0);
  findings.push_back(MakeFinding("w", Severity::kWarning, "a", 1, 1));
  findings.push_back(MakeFinding("n", Severity::kNotice, "a", 2, 1));
  EXPECT_EQ(ExitCode(findings), 0);
  findings.push_back(MakeFinding("e", Severity::kError, "a", 3, 1));
  EXPECT_EQ(ExitCode(findings), 1);
  findings.push_back(MakeFinding(rule::kParseError, Severity::kError, "b", 1, 1));
  findings.back().parse_error = true;
  EXPECT_EQ(ExitCode(findings), 2);
}

TEST(FindingTest, StrictTurnsWarningsIntoErrorsOnly) {
  std::vector<Finding> findings = {
      MakeFinding("w", Severity::kWarning, "a", 1, 1),
      MakeFinding("n", Severity::kNotice, "a", 2, 1)};
  EXPECT_EQ(ExitCode(findings), 0);
  PromoteWarnings(&findings);
  EXPECT_EQ(findings[0].severity, Severity::kError);
  EXPECT_EQ(findings[1].severity, Severity::kNotice);
  EXPECT_EQ(ExitCode(findings), 1);
}

TEST(FindingTest, SortsByFileOfFirstAppearanceThenPositionAndDeduplicates) {
  std::vector<Finding> findings = {
      MakeFinding("r1", Severity::kError, "z.yml", 9, 1),
      MakeFinding("r2", Severity::kError, "a.yml", 3, 5),
      MakeFinding("r3", Severity::kError, "z.yml", 2, 7),
      MakeFinding("r1", Severity::kError, "z.yml", 9, 1),
      MakeFinding("r4", Severity::kError, "z.yml", 9, 1),
      MakeFinding("r1", Severity::kError, "z.yml", 9, 1, "other service"),
      MakeFinding("r2", Severity::kError, "a.yml", 3, 2)};
  SortAndDeduplicate(&findings);
  EXPECT_THAT(findings, ElementsAre(IsFindingIn("r3", "z.yml", 2),
                                    IsFindingIn("r1", "z.yml", 9),
                                    IsFindingIn("r4", "z.yml", 9),
                                    IsFindingIn("r1", "z.yml", 9),
                                    IsFinding("r2", 3, 2), IsFinding("r2", 3, 5)));
  EXPECT_EQ(findings[3].message, "other service");
}

TEST(FindingTest, LintGuardedSortsWhatALinterFound) {
  std::vector<Finding> findings;
  LintGuarded("a.yml", &findings, [&] {
    findings.push_back(MakeFinding("r1", Severity::kError, "a.yml", 9, 1));
    findings.push_back(MakeFinding("r2", Severity::kError, "a.yml", 2, 1));
  });
  EXPECT_THAT(findings,
              ElementsAre(IsFinding("r2", 2, 1), IsFinding("r1", 9, 1)));
  EXPECT_EQ(ExitCode(findings), 1);
}

TEST(FindingTest, LintGuardedTurnsAnExceptionIntoAParseError) {
  std::vector<Finding> findings;
  LintGuarded("a.yml", &findings, [&] {
    findings.push_back(MakeFinding("r1", Severity::kError, "a.yml", 9, 1));
    throw std::runtime_error("bad \xff byte");
  });
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[1].rule, rule::kParseError);
  EXPECT_EQ(findings[1].file, "a.yml");
  EXPECT_TRUE(findings[1].parse_error);
  EXPECT_EQ(findings[1].message, "cannot read: bad \\xff byte");
  EXPECT_EQ(ExitCode(findings), 2);
}

// --- Output formats --------------------------------------------------------

std::vector<Finding> SampleFindings() {
  std::vector<Finding> findings = {
      MakeFinding(rule::kComposeAutohealEnabled, Severity::kError,
                  "docker-compose.yml", 7, 25, "service \"api\" sets it"),
      MakeFinding(rule::kRulesMissingFor, Severity::kWarning, "alerts.yml", 4,
                  0, "no for"),
      MakeFinding(rule::kParseError, Severity::kError, "gone.yml", 0, 0,
                  "cannot open: No such file or directory")};
  findings.back().parse_error = true;
  return findings;
}

TEST(OutputTest, Text) {
  EXPECT_EQ(FormatFindings(SampleFindings(), 3, OutputFormat::kText),
            "docker-compose.yml:7:25: error: service \"api\" sets it "
            "[compose-autoheal-enabled]\n"
            "alerts.yml:4: warning: no for [rules-missing-for]\n"
            "gone.yml: error: cannot open: No such file or directory "
            "[parse-error]\n"
            "autoheal lint: 2 errors, 1 warning, 0 notices in 3 files\n");
  EXPECT_EQ(FormatFindings({}, 1, OutputFormat::kText),
            "autoheal lint: 0 errors, 0 warnings, 0 notices in 1 file\n");
}

TEST(OutputTest, Json) {
  nlohmann::json j = nlohmann::json::parse(
      FormatFindings(SampleFindings(), 3, OutputFormat::kJson));
  ASSERT_EQ(j["findings"].size(), 3u);
  EXPECT_EQ(j["findings"][0],
            nlohmann::json({{"file", "docker-compose.yml"},
                            {"line", 7},
                            {"column", 25},
                            {"severity", "error"},
                            {"rule", "compose-autoheal-enabled"},
                            {"message", "service \"api\" sets it"},
                            {"parse_error", false}}));
  EXPECT_TRUE(j["findings"][1]["column"].is_null());
  EXPECT_TRUE(j["findings"][2]["line"].is_null());
  EXPECT_EQ(j["findings"][2]["parse_error"], true);
  EXPECT_EQ(j["summary"], nlohmann::json({{"errors", 2},
                                          {"warnings", 1},
                                          {"notices", 0},
                                          {"files", 3}}));
  EXPECT_EQ(j["exit_code"], 2);
}

TEST(OutputTest, GithubAnnotations) {
  EXPECT_EQ(FormatFindings(SampleFindings(), 3, OutputFormat::kGithub),
            "::error file=docker-compose.yml,line=7,col=25,"
            "title=compose-autoheal-enabled::service \"api\" sets it\n"
            "::warning file=alerts.yml,line=4,title=rules-missing-for::no for\n"
            "::error file=gone.yml,title=parse-error::cannot open: No such file "
            "or directory\n"
            "autoheal lint: 2 errors, 1 warning, 0 notices in 3 files\n");
}

TEST(OutputTest, GithubEscapesAsTheToolkitDoes) {
  EXPECT_EQ(GithubEscapeData("100% done\r\nnext: a,b"),
            "100%25 done%0D%0Anext: a,b");
  EXPECT_EQ(GithubEscapeProperty("C:\\dir,x/100%\n"),
            "C%3A\\dir%2Cx/100%25%0A");
  std::vector<Finding> findings = {MakeFinding(
      "r", Severity::kNotice, "a,b:c.yml", 1, 2, "line one\nline two %")};
  EXPECT_EQ(FormatFindings(findings, 1, OutputFormat::kGithub),
            "::notice file=a%2Cb%3Ac.yml,line=1,col=2,title=r::line one%0Aline "
            "two %25\n"
            "autoheal lint: 0 errors, 0 warnings, 1 notice in 1 file\n");
}

TEST(OutputTest, ParsesFormatNames) {
  EXPECT_EQ(ParseOutputFormat("text"), OutputFormat::kText);
  EXPECT_EQ(ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(ParseOutputFormat("github"), OutputFormat::kGithub);
  EXPECT_EQ(ParseOutputFormat("GitHub"), std::nullopt);
  EXPECT_EQ(ParseOutputFormat(""), std::nullopt);
}

// --- Reading files -------------------------------------------------------

TEST(FileReaderTest, DiskFileReaderReadsRegularFilesOnly) {
  ::autoheal::testutil::TempDir dir;
  const std::string path = dir.Path("a.yml");
  ASSERT_THAT(::autoheal::testutil::WriteFileAtomically(path, std::string("x: 1\n\0", 6)),
              IsOk());
  DiskFileReader reader;
  absl::StatusOr<std::string> text = reader.Read(path);
  ASSERT_THAT(text, IsOk());
  EXPECT_EQ(*text, std::string("x: 1\n\0", 6));
  EXPECT_THAT(reader.Read(dir.Path("missing.yml")),
              StatusIs(absl::StatusCode::kNotFound, "missing.yml: cannot open"));
  EXPECT_THAT(reader.Read(dir.Path("")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "not a regular file"));
}

TEST(FileReaderTest, JoinRelative) {
  EXPECT_EQ(JoinRelative("deploy/compose.yml", "a.env"), "deploy/a.env");
  EXPECT_EQ(JoinRelative("deploy/compose.yml", "./a.env"), "deploy/a.env");
  EXPECT_EQ(JoinRelative("deploy/compose.yml", ".//env/a.env"), "deploy/env/a.env");
  EXPECT_EQ(JoinRelative("deploy/compose.yml", "../a.env"), "deploy/../a.env");
  EXPECT_EQ(JoinRelative("deploy/compose.yml", "/etc/a.env"), "/etc/a.env");
  EXPECT_EQ(JoinRelative("compose.yml", "./a.env"), "a.env");
  EXPECT_EQ(JoinRelative("/compose.yml", "a.env"), "/a.env");
}

// --- RunLint in memory -----------------------------------------------------

constexpr char kPolicy[] =
    "version: 1\n"
    "actions:\n"
    "  TcpEndpointDownFast:\n"
    "    name: restart-tcp\n"
    "    argv: [/bin/true]\n"
    "  UptimeProbeFailing:\n"
    "    name: restart-web\n"
    "    argv: [/bin/true]\n";

constexpr char kRules[] =
    "groups:\n"
    "  - name: g\n"
    "    rules:\n"
    "      - alert: TcpEndpointDownFast\n"
    "        expr: probe_success == 0\n"
    "        for: 1m\n"
    "        annotations: {autoheal: \"true\", runbook_url: x}\n"
    "      - alert: UptimeProbeFailing\n"
    "        expr: probe_success == 0\n"
    "        annotations: {autoheal: \"true\", runbook_url: x}\n";

constexpr char kCompose[] =
    "services:\n"
    "  autoheal:\n"
    "    environment: {AUTOHEAL_ENABLED: \"false\"}\n";

constexpr char kAlertmanager[] =
    "receivers:\n"
    "  - name: autoheal\n"
    "    webhook_configs:\n"
    "      - url: http://autoheal:9009/alerts\n";

MemoryFileReader Files() {
  return MemoryFileReader({{"policy.yml", kPolicy},
                           {"alerts.yml", kRules},
                           {"compose.yml", kCompose},
                           {"am.yml", kAlertmanager}});
}

LintOptions AllFiles() {
  LintOptions options;
  options.policy_path = "policy.yml";
  options.compose_paths = {"compose.yml"};
  options.alertmanager_paths = {"am.yml"};
  options.rules_paths = {"alerts.yml"};
  return options;
}

TEST(RunLintTest, ComposeServicesMakeWebhookHostsLocal) {
  LintResult result = RunLint(AllFiles(), Files());
  EXPECT_THAT(result.findings,
              ElementsAre(IsFindingIn(rule::kRulesMissingFor, "alerts.yml", 8)));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.files_checked, 4);

  LintOptions without_compose = AllFiles();
  without_compose.compose_paths.clear();
  LintResult external = RunLint(without_compose, Files());
  EXPECT_THAT(external.findings,
              ElementsAre(IsFindingIn(rule::kAlertmanagerExternalUrl, "am.yml", 4),
                          IsFindingIn(rule::kRulesMissingFor, "alerts.yml", 8)));
  EXPECT_EQ(external.exit_code, 1);

  without_compose.allow_hosts = {"autoheal"};
  EXPECT_EQ(RunLint(without_compose, Files()).exit_code, 0);
}

TEST(RunLintTest, StrictMakesWarningsFail) {
  LintOptions options = AllFiles();
  options.strict = true;
  LintResult result = RunLint(options, Files());
  ASSERT_THAT(result.findings,
              ElementsAre(IsFindingIn(rule::kRulesMissingFor, "alerts.yml", 8)));
  EXPECT_EQ(result.findings[0].severity, Severity::kError);
  EXPECT_EQ(result.exit_code, 1);
}

TEST(RunLintTest, UnusedActionsOnlyWhenRuleFilesAreGivenAndRead) {
  MemoryFileReader files(
      {{"policy.yml", kPolicy},
       {"one.yml",
        "groups:\n  - name: g\n    rules:\n      - alert: TcpEndpointDownFast\n"
        "        for: 1m\n        annotations: {autoheal: \"true\", runbook_url: x}\n"},
       {"broken.yml", "groups: [\n"}});
  LintOptions options;
  options.policy_path = "policy.yml";
  options.rules_paths = {"one.yml"};
  LintResult result = RunLint(options, files);
  EXPECT_THAT(result.findings,
              ElementsAre(AllOf(IsFindingIn(rule::kPolicyUnusedAction, "policy.yml", 6),
                                MessageHas("\"UptimeProbeFailing\""))));
  EXPECT_EQ(result.exit_code, 0);

  options.rules_paths = {"one.yml", "broken.yml"};
  EXPECT_THAT(RunLint(options, files).findings,
              ElementsAre(IsFindingIn(rule::kParseError, "broken.yml", 2)));

  options.rules_paths.clear();
  options.compose_paths = {"missing.yml"};
  EXPECT_THAT(RunLint(options, files).findings,
              ElementsAre(AllOf(IsFindingIn(rule::kParseError, "missing.yml", 0),
                                MessageHas("no such file"))));
}

TEST(RunLintTest, TheEmbeddedPolicyIsTheDefault) {
  MemoryFileReader files(std::map<std::string, std::string>{
      {"alerts.yml",
        "groups:\n  - name: g\n    rules:\n      - alert: CrmMetricsScrapeStale\n"
        "        for: 1m\n        annotations: {autoheal: \"true\", runbook_url: x}\n"
        "      - alert: Mine\n"
        "        for: 1m\n        annotations: {autoheal: \"true\", runbook_url: x}\n"}});
  LintOptions options;
  options.rules_paths = {"alerts.yml"};
  LintResult result = RunLint(options, files);
  EXPECT_THAT(
      result.findings,
      ElementsAre(IsFindingIn(rule::kRulesMissingAction, "alerts.yml", 7),
                  IsFindingIn(rule::kPolicyUnusedAction,
                              "<embedded default policy>", 12),
                  IsFindingIn(rule::kPolicyUnusedAction,
                              "<embedded default policy>", 17)));
  EXPECT_EQ(result.files_checked, 1);
  EXPECT_EQ(result.exit_code, 1);
}

TEST(RunLintTest, AnInvalidPolicyIsAParseErrorAndSkipsActionChecks) {
  MemoryFileReader files(std::map<std::string, std::string>{
      {"policy.yml", "version: 2\n"}, {"alerts.yml", kRules}});
  LintOptions options;
  options.policy_path = "policy.yml";
  options.rules_paths = {"alerts.yml"};
  LintResult result = RunLint(options, files);
  EXPECT_THAT(result.findings,
              ElementsAre(IsFinding(rule::kPolicyInvalid, 1, 10),
                          IsFindingIn(rule::kRulesMissingFor, "alerts.yml", 8)));
  EXPECT_EQ(result.exit_code, 2);
}

// --- The command line (in-process, through cli::RunCli) --------------------

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `autoheal lint ARGS...` in-process, reading files from `files`.
CliRun RunLintCli(const std::vector<std::string>& args,
                  const FileReader& files = MemoryFileReader()) {
  std::vector<const char*> argv = {"autoheal", "lint"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  cli::CliDeps deps;
  deps.env = [](const char*) { return std::optional<std::string>(); };
  deps.files = &files;
  CliRun run;
  run.exit_code = cli::RunCli(static_cast<int>(argv.size()), argv.data(), in,
                              out, err, deps);
  run.out = out.str();
  run.err = err.str();
  return run;
}

std::string AlertmanagerTo(const std::string& host) {
  return "route: {receiver: a}\n"
         "receivers:\n"
         "  - name: a\n"
         "    webhook_configs:\n"
         "      - url: http://" + host + ":9009/alerts\n";
}

// Every file flag repeats, in both spellings and both value forms; a value
// is never split at commas; the last --policy wins. (Abseil's single-dash
// "-compose" is gone: CLI11 reads a single dash as short flags, and the
// docs never used it.)
TEST(LintCommandLineTest, RepeatedFlagsAccumulate) {
  MemoryFileReader files(std::map<std::string, std::string>{
      {"a.yml", kCompose}, {"b,c.yml", kCompose}, {"d.yml", kCompose},
      {"am1.yml", AlertmanagerTo("h1")}, {"am2.yml", AlertmanagerTo("h2")},
      {"r1.yml", "groups: []\n"}, {"r2.yml", "groups: []\n"},
      {"q.yml", "actions: {}\n"}});
  CliRun run = RunLintCli(
      {"--compose", "a.yml", "--compose=b,c.yml", "--compose", "d.yml",
       "--alertmanager", "am1.yml", "--alertmanager=am2.yml", "--rules",
       "r1.yml", "--rules=r2.yml", "--allow-host", "h1", "--allow_host=h2",
       "--policy", "p.yml", "--policy=q.yml", "--strict", "--format=json"},
      files);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  nlohmann::json j = nlohmann::json::parse(run.out);
  // No parse error: p.yml, "b" and "c.yml" (absent here) were never read;
  // no external URL: both --allow-host values apply.
  EXPECT_THAT(j["findings"], IsEmpty()) << run.out;
  EXPECT_EQ(j["summary"]["files"], 8);
}

TEST(LintCommandLineTest, DefaultsAndBooleanValues) {
  MemoryFileReader files(std::map<std::string, std::string>{
      {"alerts.yml", kRules}});
  // The embedded default policy, text output, warnings pass.
  CliRun run = RunLintCli({"--rules", "alerts.yml"}, files);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("[rules-missing-for]"));
  EXPECT_THAT(run.out, HasSubstr("autoheal lint: 0 errors"));
  EXPECT_EQ(RunLintCli({"--rules", "alerts.yml", "--strict=false"}, files)
                .exit_code,
            0);
  EXPECT_EQ(RunLintCli({"--rules", "alerts.yml", "--strict"}, files).exit_code,
            1);
  CliRun help = RunLintCli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("Usage: autoheal lint [OPTIONS]"));
}

// Messages changed with CLI11 where CLI11 reports the problem itself
// (unexpected argument, missing value, bad boolean); they still name it.
TEST(LintCommandLineTest, RejectsWhatItDoesNotKnow) {
  struct {
    std::vector<std::string> args;
    const char* message;
  } cases[] = {
      {{}, "nothing to check"},
      {{"--policy", "p.yml"}, "nothing to check"},
      {{"--rules", "r", "extra.yml"},
       "The following argument was not expected: extra.yml"},
      {{"--rules", "r", "--frobnicate"},
       "The following argument was not expected: --frobnicate"},
      {{"--rules"}, "--rules: 1 required FILE missing"},
      {{"--rules="}, "--rules: expected a file name, got an empty value"},
      {{"--rules", "r", "--format", "xml"},
       "--format: expected text, json or github, got \"xml\""},
      {{"--rules", "r", "--strict=maybe"}, "--strict = maybe"},
  };
  for (const auto& c : cases) {
    CliRun run = RunLintCli(c.args);
    EXPECT_EQ(run.exit_code, 2) << ::testing::PrintToString(c.args);
    EXPECT_THAT(run.err, HasSubstr(c.message))
        << ::testing::PrintToString(c.args);
    EXPECT_THAT(run.err, HasSubstr("Run 'autoheal lint --help' for usage."));
    EXPECT_EQ(run.out, "");
  }
}

}  // namespace
}  // namespace lint
}  // namespace autoheal
