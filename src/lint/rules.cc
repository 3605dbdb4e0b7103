#include "lint/rules.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lint/env.h"
#include "lint/yaml_walk.h"

namespace autoheal {
namespace lint {
namespace {

// The parts of one alerting rule lint looks at.
struct AlertRule {
  std::string alertname;
  Position alert_at;
  std::optional<MapEntry> for_entry;
  std::vector<MapEntry> annotations;
  std::vector<MapEntry> labels;
};

std::string Normalized(absl::string_view text) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
}

// True for a Prometheus duration that is zero: "0", "0s", "0m0s", "0ms".
bool IsZeroDuration(absl::string_view text) {
  bool digit = false;
  for (char c : text) {
    if (c == '0') {
      digit = true;
    } else if (absl::string_view("smhdwy").find(c) == absl::string_view::npos) {
      return false;
    }
  }
  return digit;
}

class RulesLinter {
 public:
  RulesLinter(const std::string& path, const EngineOptions* policy,
              RulesReport* report)
      : policy_(policy),
        annotation_(policy != nullptr ? policy->opt_in_annotation
                                      : EngineOptions().opt_in_annotation),
        value_(policy != nullptr ? policy->opt_in_value
                                 : EngineOptions().opt_in_value),
        report_(report),
        walker_(path, rule::kRulesInvalid, &report->findings) {}

  void Lint(absl::string_view text) {
    std::optional<std::vector<YAML::Node>> roots =
        walker_.TopLevelMappings(text, "a rule file");
    if (!roots.has_value()) return;
    for (const YAML::Node& root : *roots) LintDocument(root);
  }

 private:
  void LintDocument(const YAML::Node& root) {
    for (const MapEntry& entry : walker_.Entries(root, "")) {
      if (entry.key == "groups") {
        LintGroups(entry, "groups");
      } else if (entry.key == "spec" && entry.value.IsMap()) {
        // A PrometheusRule custom resource.
        for (const MapEntry& spec : walker_.Entries(entry.value, "spec")) {
          if (spec.key == "groups") LintGroups(spec, "spec.groups");
        }
      }
    }
  }

  void LintGroups(const MapEntry& groups, const std::string& path) {
    if (groups.value.IsNull() ||
        !walker_.ExpectSequence(groups, path, "a list of rule groups")) {
      return;
    }
    for (size_t i = 0; i < groups.value.size(); ++i) {
      const YAML::Node group = groups.value[i];
      const std::string group_path = ElementPath(path, i);
      if (!walker_.ExpectNode(group.IsMap(), group, group_path,
                              "a mapping (a rule group)")) {
        continue;
      }
      for (const MapEntry& entry : walker_.Entries(group, group_path)) {
        const std::string rules_path = ChildPath(group_path, entry.key);
        if (entry.key != "rules" || entry.value.IsNull() ||
            !walker_.ExpectSequence(entry, rules_path, "a list of rules")) {
          continue;
        }
        for (size_t j = 0; j < entry.value.size(); ++j) {
          LintRule(entry.value[j], ElementPath(rules_path, j));
        }
      }
    }
  }

  void LintRule(const YAML::Node& node, const std::string& path) {
    if (!walker_.ExpectNode(node.IsMap(), node, path, "a mapping (a rule)")) {
      return;
    }
    std::optional<AlertRule> alert = ReadAlertRule(node, path);
    if (!alert.has_value()) return;
    AlertRuleAnnotations& rule = report_->alert_rules.emplace_back();
    rule.alertname = alert->alertname;
    rule.line = alert->alert_at.line;
    for (const MapEntry& annotation : alert->annotations) {
      rule.annotations.emplace_back(annotation.key, ValueOf(annotation));
    }
    std::optional<MapEntry> opt_in = FindOptIn(*alert);
    if (!opt_in.has_value()) {
      ReportNearMisses(*alert);
      return;
    }
    report_->opted_in_alertnames.insert(alert->alertname);
    CheckAction(*alert);
    CheckRunbook(*alert);
    CheckFor(*alert);
  }

  // Returns the alerting rule at `node`, or nullopt for a recording rule or
  // one lint cannot read (reported).
  std::optional<AlertRule> ReadAlertRule(const YAML::Node& node,
                                         const std::string& path) {
    AlertRule alert;
    bool is_alert = false;
    for (const MapEntry& entry : walker_.Entries(node, path)) {
      const std::string child = ChildPath(path, entry.key);
      if (entry.key == "alert") {
        if (!walker_.ExpectScalar(entry, child, "an alert name")) {
          return std::nullopt;
        }
        is_alert = true;
        alert.alertname = entry.value.Scalar();
        alert.alert_at = YamlWalker::ValuePosition(entry);
      } else if (entry.key == "for") {
        if (walker_.ExpectScalar(entry, child, "a duration")) {
          alert.for_entry = entry;
        }
      } else if (entry.key == "annotations") {
        ReadStringMap(entry, child, &alert.annotations);
      } else if (entry.key == "labels") {
        ReadStringMap(entry, child, &alert.labels);
      }
    }
    if (!is_alert) return std::nullopt;
    return alert;
  }

  // Reads a mapping of strings (annotations, labels); an empty value counts
  // as "" as in Prometheus.
  void ReadStringMap(const MapEntry& entry, const std::string& path,
                     std::vector<MapEntry>* out) {
    if (entry.value.IsNull() ||
        !walker_.ExpectMap(entry, path, "a mapping of strings")) {
      return;
    }
    for (const MapEntry& item : walker_.Entries(entry.value, path)) {
      if (item.value.IsNull() ||
          walker_.ExpectScalar(item, ChildPath(path, item.key), "a string")) {
        out->push_back(item);
      }
    }
  }

  static std::string ValueOf(const MapEntry& entry) {
    return entry.value.IsScalar() ? entry.value.Scalar() : std::string();
  }

  std::optional<MapEntry> FindOptIn(const AlertRule& alert) const {
    for (const MapEntry& annotation : alert.annotations) {
      if (annotation.key == annotation_ && ValueOf(annotation) == value_) {
        return annotation;
      }
    }
    return std::nullopt;
  }

  // True when `value` differs from the opt-in value only in case or blanks,
  // or is another spelling of true where the opt-in value is one.
  bool IsNearValue(absl::string_view value) const {
    if (Normalized(value) == Normalized(value_)) return true;
    return ClassifySwitch(value_) == SwitchValue::kOn &&
           ClassifySwitch(value) == SwitchValue::kOn;
  }

  void ReportNearMisses(const AlertRule& alert) {
    const std::string wanted =
        absl::StrCat(annotation_, ": ", QuoteText(value_));
    bool reported = false;
    for (const MapEntry& annotation : alert.annotations) {
      const std::string value = ValueOf(annotation);
      if (annotation.key == annotation_ && IsNearValue(value)) {
        NearMiss(
            YamlWalker::ValuePosition(annotation),
            absl::StrCat("rule ", QuoteText(alert.alertname), ": annotation ",
                         annotation_, " is ", QuoteText(value),
                         ", which does not opt in: only exactly ",
                         QuoteText(value_), " does"));
        reported = true;
      } else if (annotation.key != annotation_ &&
                 Normalized(annotation.key) == Normalized(annotation_) &&
                 (value == value_ || IsNearValue(value))) {
        NearMiss(PositionOf(annotation.key_node),
                 absl::StrCat("rule ", QuoteText(alert.alertname),
                              ": annotation ", QuoteText(annotation.key),
                              " is not ", QuoteText(annotation_),
                              " (names are case-sensitive), so it does not "
                              "opt in; write ",
                              wanted));
        reported = true;
      }
    }
    if (reported) return;
    for (const MapEntry& label : alert.labels) {
      if (label.key == annotation_ && IsNearValue(ValueOf(label))) {
        walker_.Report(
            rule::kRulesOptInLabelOnly, Severity::kWarning,
            YamlWalker::ValuePosition(label),
            absl::StrCat("rule ", QuoteText(alert.alertname), " sets ",
                         annotation_,
                         " as a label only, which does not opt in: add the "
                         "annotation ",
                         wanted));
      }
    }
  }

  void NearMiss(Position at, std::string message) {
    walker_.Report(rule::kRulesOptInNearMiss, Severity::kWarning, at,
                   std::move(message));
  }

  void CheckAction(const AlertRule& alert) {
    if (policy_ == nullptr) return;
    for (const Action& action : policy_->actions) {
      if (action.alertname == alert.alertname) return;
    }
    walker_.Report(
        rule::kRulesMissingAction, Severity::kError, alert.alert_at,
        absl::StrCat("rule ", QuoteText(alert.alertname), " opts in (",
                     annotation_, ": ", QuoteText(value_),
                     ") but the policy has no action for it: add one under "
                     "actions, or remove the annotation"));
  }

  void CheckRunbook(const AlertRule& alert) {
    for (const MapEntry& annotation : alert.annotations) {
      if (annotation.key == "runbook_url" &&
          !absl::StripAsciiWhitespace(ValueOf(annotation)).empty()) {
        return;
      }
    }
    walker_.Report(rule::kRulesMissingRunbook, Severity::kWarning,
                   alert.alert_at,
                   absl::StrCat("rule ", QuoteText(alert.alertname),
                                " opts in but has no runbook_url annotation: "
                                "whoever looks after a remediation needs one"));
  }

  void CheckFor(const AlertRule& alert) {
    if (!alert.for_entry.has_value()) {
      walker_.Report(rule::kRulesMissingFor, Severity::kWarning, alert.alert_at,
                     absl::StrCat("rule ", QuoteText(alert.alertname),
                                  " opts in without a for: duration, so it "
                                  "fires, and is remediated, after a single "
                                  "failed evaluation"));
      return;
    }
    const std::string& value = alert.for_entry->value.Scalar();
    if (!IsZeroDuration(value)) return;
    walker_.Report(rule::kRulesMissingFor, Severity::kWarning,
                   YamlWalker::ValuePosition(*alert.for_entry),
                   absl::StrCat("rule ", QuoteText(alert.alertname),
                                " opts in with for: ", QuoteText(value),
                                ", so it fires, and is remediated, after a "
                                "single failed evaluation"));
  }

  // Not owned; may be null.
  const EngineOptions* policy_;
  const std::string annotation_;
  const std::string value_;
  RulesReport* report_;
  YamlWalker walker_;
};

}  // namespace

RulesReport LintRules(absl::string_view text, const std::string& path,
                      const EngineOptions* policy) {
  RulesReport report;
  LintGuarded(path, &report.findings,
              [&] { RulesLinter(path, policy, &report).Lint(text); });
  return report;
}

}  // namespace lint
}  // namespace autoheal
