// `autoheal lint --rules`, and the policy as lint reads it.
#include <string>
#include <vector>

#include "autoheal/yaml_policy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lint/policy.h"
#include "lint/rules.h"
#include "lint_test_util.h"

namespace autoheal {
namespace lint {
namespace {

using ::autoheal::lint::testutil::IsFinding;
using ::autoheal::lint::testutil::MessageHas;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kPolicy[] =
    "version: 1\n"
    "actions:\n"
    "  TcpEndpointDownFast:\n"
    "    name: restart-tcp\n"
    "    argv: [/bin/true]\n"
    "  UptimeProbeFailing:\n"
    "    name: restart-web\n"
    "    argv: [/bin/true]\n";

EngineOptions Policy(const std::string& text = kPolicy) {
  absl::StatusOr<EngineOptions> options = ParsePolicy(text, "policy.yml");
  EXPECT_TRUE(options.ok()) << options.status();
  return options.ok() ? *options : EngineOptions();
}

// One alerting rule in a rule file; `body` is indented under the rule.
std::string RuleFile(const std::string& body) {
  return "groups:\n"
         "  - name: autoheal\n"
         "    rules:\n"
         "      - alert: TcpEndpointDownFast\n" +
         body;
}

constexpr char kGoodBody[] =
    "        expr: probe_success == 0\n"
    "        for: 1m\n"
    "        annotations:\n"
    "          autoheal: \"true\"\n"
    "          runbook_url: https://runbooks/tcp\n";

RulesReport Lint(const std::string& text, const EngineOptions& policy) {
  return LintRules(text, "alerts.yml", &policy);
}

TEST(RulesTest, ACompleteOptedInRuleIsClean) {
  RulesReport report = Lint(RuleFile(kGoodBody), Policy());
  EXPECT_THAT(report.findings, IsEmpty());
  EXPECT_THAT(report.opted_in_alertnames, ElementsAre("TcpEndpointDownFast"));
}

TEST(RulesTest, UnquotedTrueOptsInAsPrometheusReadsIt) {
  RulesReport report = Lint(
      RuleFile("        expr: up == 0\n        for: 1m\n"
               "        annotations: {autoheal: true, runbook_url: x}\n"),
      Policy());
  EXPECT_THAT(report.findings, IsEmpty());
  EXPECT_THAT(report.opted_in_alertnames, ElementsAre("TcpEndpointDownFast"));
}

TEST(RulesTest, AnOptedInRuleWithoutAnActionIsAnError) {
  RulesReport report = Lint(
      "groups:\n"
      "  - name: g\n"
      "    rules:\n"
      "      - record: job:up:sum\n"
      "        expr: sum(up)\n"
      "      - alert: DiskFull\n"
      "        expr: disk > 0.9\n"
      "        for: 5m\n"
      "        annotations:\n"
      "          autoheal: \"true\"\n"
      "          runbook_url: https://runbooks/disk\n",
      Policy());
  ASSERT_THAT(report.findings,
              ElementsAre(AllOf(IsFinding(rule::kRulesMissingAction, 6, 16),
                                MessageHas("rule \"DiskFull\" opts in"))));
  EXPECT_EQ(report.findings[0].severity, Severity::kError);
}

TEST(RulesTest, MissingRunbookAndForAreWarnings) {
  RulesReport report = Lint(
      RuleFile("        expr: up == 0\n"
               "        annotations:\n"
               "          autoheal: \"true\"\n"
               "          runbook_url: \"  \"\n"),
      Policy());
  EXPECT_THAT(report.findings,
              UnorderedElementsAre(IsFinding(rule::kRulesMissingRunbook, 4, 16),
                                   IsFinding(rule::kRulesMissingFor, 4, 16)));
  for (const Finding& f : report.findings) {
    EXPECT_EQ(f.severity, Severity::kWarning);
  }
}

TEST(RulesTest, AZeroForIsLikeNone) {
  for (const char* zero : {"0s", "0", "0m0s", "0ms"}) {
    RulesReport report = Lint(
        RuleFile(std::string("        expr: up == 0\n        for: ") + zero +
                 "\n        annotations: {autoheal: \"true\", runbook_url: x}\n"),
        Policy());
    EXPECT_THAT(report.findings,
                ElementsAre(AllOf(IsFinding(rule::kRulesMissingFor, 6, 14),
                                  MessageHas("opts in with for:"))))
        << zero;
  }
  EXPECT_THAT(Lint(RuleFile("        expr: up\n        for: 10s\n"
                            "        annotations: {autoheal: \"true\", "
                            "runbook_url: x}\n"),
                   Policy())
                  .findings,
              IsEmpty());
}

TEST(RulesTest, AlmostRightOptInsAreWarnings) {
  struct Case {
    const char* annotations;
    int line;
    int column;
    const char* message;
  };
  const Case cases[] = {
      {"autoheal: \"TRUE\"", 7, 21,
       "annotation autoheal is \"TRUE\", which does not opt in: only exactly "
       "\"true\" does"},
      {"autoheal: \" true\"", 7, 21, "is \" true\""},
      {"autoheal: \"true \"", 7, 21, "is \"true \""},
      {"autoheal: \"yes\"", 7, 21, "is \"yes\""},
      {"autoheal: \"1\"", 7, 21, "is \"1\""},
      {"Autoheal: \"true\"", 7, 11,
       "annotation \"Autoheal\" is not \"autoheal\" (names are case-sensitive)"},
      {"\"autoheal \": \"true\"", 7, 11, "annotation \"autoheal \" is not"},
  };
  for (const Case& c : cases) {
    RulesReport report = Lint(RuleFile(std::string("        expr: up\n"
                                                   "        annotations:\n"
                                                   "          ") +
                                       c.annotations + "\n"),
                              Policy());
    ASSERT_THAT(report.findings,
                ElementsAre(AllOf(IsFinding(rule::kRulesOptInNearMiss, c.line,
                                            c.column),
                                  MessageHas(c.message))))
        << c.annotations;
    EXPECT_EQ(report.findings[0].severity, Severity::kWarning);
    EXPECT_THAT(report.opted_in_alertnames, IsEmpty());
  }
  // Far from the opt-in: an explicit no is not a near miss.
  EXPECT_THAT(Lint(RuleFile("        annotations: {autoheal: \"false\"}\n"), Policy())
                  .findings,
              IsEmpty());
}

TEST(RulesTest, AnOptInAsALabelOnlyIsAWarning) {
  RulesReport report = Lint(RuleFile("        expr: up\n"
                                     "        labels:\n"
                                     "          autoheal: \"true\"\n"),
                            Policy());
  EXPECT_THAT(report.findings,
              ElementsAre(AllOf(IsFinding(rule::kRulesOptInLabelOnly, 7, 21),
                                MessageHas("as a label only"))));
  // With the annotation as well, the label is fine (it helps routing).
  EXPECT_THAT(Lint(RuleFile(std::string(kGoodBody) +
                            "        labels: {autoheal: \"true\"}\n"),
                   Policy())
                  .findings,
              IsEmpty());
}

TEST(RulesTest, ThePolicysOptInAnnotationIsUsed) {
  EngineOptions policy = Policy(
      "version: 1\n"
      "opt_in: {annotation: remediate, value: \"please\"}\n"
      "actions:\n"
      "  TcpEndpointDownFast: {name: r, argv: [/bin/true]}\n");
  RulesReport opted = Lint(
      RuleFile("        for: 1m\n"
               "        annotations: {remediate: please, runbook_url: x}\n"),
      policy);
  EXPECT_THAT(opted.findings, IsEmpty());
  EXPECT_THAT(opted.opted_in_alertnames, ElementsAre("TcpEndpointDownFast"));
  RulesReport near = Lint(
      RuleFile("        annotations: {remediate: PLEASE}\n"), policy);
  EXPECT_THAT(near.findings,
              ElementsAre(IsFinding(rule::kRulesOptInNearMiss, 5, 34)));
  // autoheal: "true" means nothing under this policy.
  EXPECT_THAT(Lint(RuleFile("        annotations: {autoheal: \"true\"}\n"), policy)
                  .findings,
              IsEmpty());
}

TEST(RulesTest, WithoutAPolicyTheActionCheckIsSkipped) {
  RulesReport report = LintRules(
      RuleFile("        annotations: {autoheal: \"true\", runbook_url: x}\n"
               "        for: 1m\n"),
      "alerts.yml", nullptr);
  EXPECT_THAT(report.findings, IsEmpty());
  EXPECT_THAT(report.opted_in_alertnames, ElementsAre("TcpEndpointDownFast"));
}

TEST(RulesTest, PrometheusRuleResourcesAreRead) {
  RulesReport report = Lint(
      "apiVersion: monitoring.coreos.com/v1\n"
      "kind: PrometheusRule\n"
      "spec:\n"
      "  groups:\n"
      "    - name: g\n"
      "      rules:\n"
      "        - alert: Unknown\n"
      "          for: 1m\n"
      "          annotations: {autoheal: \"true\", runbook_url: x}\n",
      Policy());
  EXPECT_THAT(report.findings,
              ElementsAre(IsFinding(rule::kRulesMissingAction, 7, 18)));
}

TEST(RulesTest, WrongTypesNameThePath) {
  struct Case {
    const char* text;
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"groups: {name: g}\n", 1, "groups: expected a list of rule groups"},
      {"groups: [g]\n", 1, "groups[0]: expected a mapping (a rule group)"},
      {"groups:\n  - name: g\n    rules: {alert: A}\n", 3,
       "groups[0].rules: expected a list of rules"},
      {"groups:\n  - name: g\n    rules: [A]\n", 3,
       "groups[0].rules[0]: expected a mapping (a rule)"},
      {"groups:\n  - name: g\n    rules:\n      - alert: [A]\n", 4,
       "groups[0].rules[0].alert: expected an alert name, got a list"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        annotations: [a]\n",
       5, "groups[0].rules[0].annotations: expected a mapping of strings"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n"
       "        annotations:\n          autoheal: {x: 1}\n",
       6, "groups[0].rules[0].annotations.autoheal: expected a string"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        for: [1m]\n",
       5, "groups[0].rules[0].for: expected a duration"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n"
       "        annotations:\n          autoheal: \"true\"\n          autoheal: \"no\"\n",
       7, "duplicate key \"autoheal\""},
  };
  for (const Case& c : cases) {
    RulesReport report = LintRules(c.text, "alerts.yml", nullptr);
    std::vector<Finding> invalid;
    for (const Finding& f : report.findings) {
      if (f.rule == rule::kRulesInvalid) invalid.push_back(f);
    }
    ASSERT_EQ(invalid.size(), 1u) << c.text;
    EXPECT_EQ(invalid[0].line, c.line) << c.text;
    EXPECT_TRUE(invalid[0].parse_error);
    EXPECT_THAT(invalid[0].message, HasSubstr(c.message)) << c.text;
  }
}

TEST(RulesTest, ParseErrorsCarryTheLine) {
  RulesReport report = Lint("groups:\n  - name: g\n    rules:\n      - alert: \"A\n",
                            Policy());
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings[0].rule, rule::kParseError);
  EXPECT_EQ(report.findings[0].line, 4);
  EXPECT_EQ(report.findings[0].column, 16);
}

// --- The policy ------------------------------------------------------------

TEST(LintPolicyTest, KnowsWhereEachActionIs) {
  std::vector<Finding> findings;
  std::optional<LintPolicy> policy =
      LoadLintPolicy(kPolicy, "policy.yml", &findings);
  ASSERT_TRUE(policy.has_value());
  EXPECT_THAT(findings, IsEmpty());
  EXPECT_EQ(policy->action_positions.at("TcpEndpointDownFast").line, 3);
  EXPECT_EQ(policy->action_positions.at("UptimeProbeFailing").line, 6);
  EXPECT_EQ(policy->action_positions.at("UptimeProbeFailing").column, 3);
}

TEST(LintPolicyTest, UnusedActionsPointAtTheirLine) {
  std::vector<Finding> findings;
  std::optional<LintPolicy> policy =
      LoadLintPolicy(kPolicy, "policy.yml", &findings);
  ASSERT_TRUE(policy.has_value());
  std::vector<Finding> unused = UnusedActions(*policy, {"TcpEndpointDownFast"});
  ASSERT_THAT(unused, ElementsAre(AllOf(
                          IsFinding(rule::kPolicyUnusedAction, 6, 3),
                          MessageHas("action \"restart-web\" for alertname "
                                     "\"UptimeProbeFailing\" can never run"))));
  EXPECT_EQ(unused[0].file, "policy.yml");
  EXPECT_EQ(unused[0].severity, Severity::kWarning);
  EXPECT_THAT(UnusedActions(*policy, {"TcpEndpointDownFast", "UptimeProbeFailing"}),
              IsEmpty());
}

TEST(LintPolicyTest, LoaderErrorsKeepTheirPosition) {
  std::vector<Finding> findings;
  EXPECT_FALSE(LoadLintPolicy("version: 1\nactions:\n  X:\n    name: x\n    argv: []\n",
                              "policy.yml", &findings)
                   .has_value());
  ASSERT_THAT(findings, ElementsAre(IsFinding(rule::kPolicyInvalid, 5, 11)));
  EXPECT_TRUE(findings[0].parse_error);
  EXPECT_EQ(findings[0].file, "policy.yml");
  EXPECT_THAT(findings[0].message, testing::StartsWith("actions.X.argv: expected"));
}

}  // namespace
}  // namespace lint
}  // namespace autoheal
