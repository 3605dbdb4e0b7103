// The example monitoring stack watches autoheal itself: the alert rules in
// examples/monitoring/autoheal-alerts.yml and the Grafana dashboard
// examples/monitoring/grafana/autoheal-dashboard.json. These tests keep both
// honest against the code and the docs:
//
// - every `autoheal_*` metric their PromQL queries is exported by a live
//   `autoheal-webhook` (so renaming a metric fails here, not as a silent
//   alert that can never fire or an empty panel);
// - every rule's runbook_url names a section of docs/runbooks.md that has
//   the five parts, and no rule opts in to remediation of autoheal itself.
//
// No network: the receiver runs on 127.0.0.1 with the memory state store.
// The file paths and the binary come from compile definitions (see
// tests/CMakeLists.txt).

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_util.h"
#include "webhook_process.h"
#include "yaml-cpp/yaml.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::ReadFileOrDie;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::WebhookProcess;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using json = nlohmann::json;

const std::string kExamples = AUTOHEAL_MONITORING_EXAMPLES;
const std::string kAlertsFile = kExamples + "/autoheal-alerts.yml";
const std::string kDashboardFile =
    kExamples + "/grafana/autoheal-dashboard.json";
constexpr char kRunbookPrefix[] = "docs/runbooks.md#";

bool IsIdentifierStart(char c) {
  return absl::ascii_isalpha(c) || c == '_' || c == ':';
}
bool IsIdentifierChar(char c) {
  return IsIdentifierStart(c) || absl::ascii_isdigit(c);
}

// Returns the metric names starting with "autoheal_" in a PromQL expression:
// identifiers outside string literals and comments. Label names, functions
// and keywords never start with that prefix; label values are strings
// ("autoheal" in job="autoheal" is not a metric).
std::set<std::string> AutohealMetricNames(absl::string_view expr) {
  std::set<std::string> names;
  size_t i = 0;
  while (i < expr.size()) {
    const char c = expr[i];
    if (c == '"' || c == '\'' || c == '`') {
      // Backquoted strings are raw; the others have backslash escapes.
      for (++i; i < expr.size() && expr[i] != c; ++i) {
        if (c != '`' && expr[i] == '\\') ++i;
      }
      ++i;  // the closing quote
    } else if (c == '#') {
      while (i < expr.size() && expr[i] != '\n') ++i;
    } else if (IsIdentifierStart(c)) {
      const size_t start = i;
      while (i < expr.size() && IsIdentifierChar(expr[i])) ++i;
      absl::string_view identifier = expr.substr(start, i - start);
      if (absl::StartsWith(identifier, "autoheal_")) {
        names.emplace(identifier);
      }
    } else if (absl::ascii_isdigit(c)) {
      // A number or a duration (5m, 1.5e3): not the start of a name.
      while (i < expr.size() &&
             (absl::ascii_isalnum(expr[i]) || expr[i] == '.')) {
        ++i;
      }
    } else {
      ++i;
    }
  }
  return names;
}

// What a Prometheus text exposition declares and samples.
class Exposition {
 public:
  explicit Exposition(absl::string_view text) {
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (absl::ConsumePrefix(&line, "# HELP ")) {
        described_.emplace(line.substr(0, line.find(' ')));
      } else if (absl::ConsumePrefix(&line, "# TYPE ")) {
        std::vector<std::string> parts = absl::StrSplit(line, ' ');
        if (parts.size() == 2) {
          described_.insert(parts[0]);
          types_[parts[0]] = parts[1];
        }
      } else if (!line.empty() && line[0] != '#') {
        sampled_.emplace(line.substr(0, line.find_first_of("{ ")));
      }
    }
  }

  // Returns true when `name` has a HELP or TYPE line or a sample, or is the
  // _bucket, _sum or _count series of a histogram (or summary) that does.
  bool Exports(const std::string& name) const {
    if (described_.count(name) > 0 || sampled_.count(name) > 0) return true;
    for (absl::string_view suffix : {"_bucket", "_sum", "_count"}) {
      absl::string_view base = name;
      if (!absl::ConsumeSuffix(&base, suffix)) continue;
      auto type = types_.find(std::string(base));
      if (type != types_.end() &&
          (type->second == "histogram" ||
           (type->second == "summary" && suffix != "_bucket"))) {
        return true;
      }
    }
    return false;
  }

  const std::set<std::string>& described() const { return described_; }

 private:
  std::set<std::string> described_;
  std::set<std::string> sampled_;
  std::map<std::string, std::string> types_;
};

// Returns the `expr` of every rule in a Prometheus rule file.
std::vector<std::string> RuleExpressions(const YAML::Node& rules_file) {
  std::vector<std::string> exprs;
  for (const YAML::Node& group : rules_file["groups"]) {
    for (const YAML::Node& rule : group["rules"]) {
      exprs.push_back(rule["expr"].as<std::string>());
    }
  }
  return exprs;
}

// Collects every string under a key "expr" or "query" (panel targets,
// template variables), at any depth of a Grafana dashboard.
void DashboardQueries(const json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if ((key == "expr" || key == "query") && value.is_string()) {
        out.push_back(value.get<std::string>());
      } else {
        DashboardQueries(value, out);
      }
    }
  } else if (node.is_array()) {
    for (const json& element : node) DashboardQueries(element, out);
  }
}

// Returns the anchor GitHub gives a Markdown heading: lowercase, spaces as
// dashes, punctuation other than '-' and '_' dropped.
std::string GithubAnchor(absl::string_view heading) {
  std::string anchor;
  for (char c : heading) {
    if (c == ' ') {
      anchor.push_back('-');
    } else if (absl::ascii_isalnum(c) || c == '-' || c == '_') {
      anchor.push_back(absl::ascii_tolower(c));
    }
  }
  return anchor;
}

// Returns each "## " section of a Markdown file, by anchor, with the
// titles of its "### " subsections in order. Fenced code is skipped.
std::map<std::string, std::vector<std::string>> Sections(
    absl::string_view markdown) {
  std::map<std::string, std::vector<std::string>> sections;
  std::vector<std::string>* current = nullptr;
  bool in_code = false;
  for (absl::string_view line : absl::StrSplit(markdown, '\n')) {
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "```")) {
      in_code = !in_code;
      continue;
    }
    if (in_code) continue;
    if (absl::ConsumePrefix(&line, "## ")) {
      current = &sections[GithubAnchor(absl::StripAsciiWhitespace(line))];
    } else if (absl::ConsumePrefix(&line, "### ") && current != nullptr) {
      current->emplace_back(absl::StripAsciiWhitespace(line));
    }
  }
  return sections;
}

TEST(MonitoringSelfTest, TheTokenizerFindsMetricNamesOnly) {
  EXPECT_THAT(AutohealMetricNames(
                  R"(sum by (job) (rate(autoheal_http_requests_total{code="503",)"
                  R"( job="autoheal_not_a_metric"}[5m])) > 0)"),
              ElementsAre("autoheal_http_requests_total"));
  EXPECT_THAT(AutohealMetricNames(
                  "histogram_quantile(0.99, sum by (le) (rate("
                  "autoheal_action_duration_seconds_bucket{instance=~\"$instance\"}"
                  "[$__rate_interval]))) # autoheal_in_a_comment\n"
                  "and on (job) autoheal_enabled == 1"),
              ElementsAre("autoheal_action_duration_seconds_bucket",
                          "autoheal_enabled"));
  EXPECT_THAT(AutohealMetricNames(
                  "label_values(autoheal_enabled, instance) + "
                  "up{job='autoheal\\'s'} + `autoheal_raw` + 5m"),
              ElementsAre("autoheal_enabled"));
  EXPECT_THAT(AutohealMetricNames("up{job=\"autoheal\"} == 0"), IsEmpty());
}

TEST(MonitoringSelfTest, AnExpositionExportsWhatItDescribesOrSamples) {
  const Exposition exposition(
      "# HELP autoheal_a_total A.\n# TYPE autoheal_a_total counter\n"
      "autoheal_a_total{x=\"1\"} 0\n"
      "# TYPE autoheal_h_seconds histogram\n"
      "autoheal_sampled_only 1\n");
  EXPECT_TRUE(exposition.Exports("autoheal_a_total"));
  EXPECT_TRUE(exposition.Exports("autoheal_h_seconds"));
  EXPECT_TRUE(exposition.Exports("autoheal_h_seconds_bucket"));
  EXPECT_TRUE(exposition.Exports("autoheal_h_seconds_count"));
  EXPECT_TRUE(exposition.Exports("autoheal_sampled_only"));
  // A counter has no _count series; a renamed metric is not exported.
  EXPECT_FALSE(exposition.Exports("autoheal_a_total_count"));
  EXPECT_FALSE(exposition.Exports("autoheal_a"));
  EXPECT_FALSE(exposition.Exports("autoheal_b_total"));
}

TEST(MonitoringSelfTest, EveryMetricTheAlertsAndTheDashboardQueryIsExported) {
  // Every name each file queries, with the expression it came from.
  std::map<std::string, std::map<std::string, std::string>> queried;
  YAML::Node rules = YAML::LoadFile(kAlertsFile);
  std::vector<std::string> rule_exprs = RuleExpressions(rules);
  ASSERT_GE(rule_exprs.size(), 9u) << kAlertsFile;
  for (const std::string& expr : rule_exprs) {
    for (const std::string& name : AutohealMetricNames(expr)) {
      queried[kAlertsFile].emplace(name, expr);
    }
  }
  json dashboard = json::parse(ReadFileOrDie(kDashboardFile), nullptr,
                               /*allow_exceptions=*/false);
  ASSERT_FALSE(dashboard.is_discarded()) << kDashboardFile << " is not JSON";
  std::vector<std::string> dashboard_exprs;
  DashboardQueries(dashboard, dashboard_exprs);
  ASSERT_GE(dashboard_exprs.size(), 10u) << kDashboardFile;
  for (const std::string& expr : dashboard_exprs) {
    for (const std::string& name : AutohealMetricNames(expr)) {
      queried[kDashboardFile].emplace(name, expr);
    }
  }
  // Both files watch the signals this stack is about; a tokenizer or file
  // layout that finds nothing must not pass.
  for (const std::string& file : {kAlertsFile, kDashboardFile}) {
    for (const char* name :
         {"autoheal_state_store_ready", "autoheal_escalations_total",
          "autoheal_actions_total", "autoheal_decisions_total",
          "autoheal_config_reloads_total", "autoheal_audit_failures_total",
          "autoheal_http_requests_total"}) {
      EXPECT_EQ(queried[file].count(name), 1u) << file << " queries no " << name;
    }
  }
  EXPECT_EQ(queried[kDashboardFile].count(
                "autoheal_action_duration_seconds_bucket"),
            1u);
  EXPECT_EQ(queried[kDashboardFile].count("autoheal_inflight_actions"), 1u);

  TempDir dir;
  absl::StatusOr<std::unique_ptr<WebhookProcess>> receiver =
      WebhookProcess::Start({"--state-backend", "memory"},
                            dir.Path("stderr.log"), dir.Path("audit.log"));
  ASSERT_THAT(receiver, IsOk());
  absl::StatusOr<testutil::ClientResponse> metrics =
      testutil::HttpRequestOnce((*receiver)->port(), "GET", "/metrics");
  ASSERT_THAT(metrics, IsOk());
  ASSERT_EQ(metrics->status, 200) << metrics->body;
  const Exposition exposition(metrics->body);
  // The check has teeth: a name the receiver does not have is not found.
  EXPECT_FALSE(exposition.Exports("autoheal_renamed_total"));

  for (const auto& [file, names] : queried) {
    for (const auto& [name, expr] : names) {
      EXPECT_TRUE(exposition.Exports(name))
          << name << " is queried by " << file << " (" << expr
          << ") but a live autoheal-webhook does not export it. It exports: "
          << absl::StrJoin(exposition.described(), ", ");
    }
  }
}

TEST(MonitoringSelfTest, EveryAlertLinksARunbookSectionWithTheFiveParts) {
  const auto sections =
      Sections(ReadFileOrDie(std::string(AUTOHEAL_RUNBOOKS)));
  YAML::Node rules = YAML::LoadFile(kAlertsFile);
  int alerts = 0;
  for (const YAML::Node& group : rules["groups"]) {
    for (const YAML::Node& rule : group["rules"]) {
      if (!rule["alert"]) continue;
      ++alerts;
      const std::string alert = rule["alert"].as<std::string>();
      SCOPED_TRACE(alert);
      const YAML::Node annotations = rule["annotations"];
      ASSERT_TRUE(annotations["runbook_url"].IsDefined());
      absl::string_view url = annotations["runbook_url"].Scalar();
      ASSERT_TRUE(absl::ConsumePrefix(&url, kRunbookPrefix))
          << "runbook_url must start with " << kRunbookPrefix;
      auto section = sections.find(std::string(url));
      ASSERT_NE(section, sections.end())
          << "docs/runbooks.md has no section with the anchor #" << url;
      EXPECT_THAT(section->second,
                  ElementsAre("Symptoms", "Impact", "Investigation",
                              "Mitigation", "Prevention"));
      EXPECT_FALSE(annotations["summary"].Scalar().empty());
      EXPECT_FALSE(annotations["description"].Scalar().empty());
      EXPECT_TRUE(rule["for"].IsDefined()) << "say `for: 0m` when meant";
      EXPECT_THAT(rule["labels"]["severity"].Scalar(),
                  ::testing::AnyOf("critical", "warning"));
      // An alert about autoheal must never reach autoheal: no opt-in label
      // (routing) and no opt-in annotation (the policy's gate).
      EXPECT_FALSE(rule["labels"]["autoheal"].IsDefined());
      EXPECT_FALSE(annotations["autoheal"].IsDefined());
    }
  }
  EXPECT_EQ(alerts, 9);
}

}  // namespace
}  // namespace autoheal
