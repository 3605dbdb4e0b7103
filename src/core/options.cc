#include "autoheal/options.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "autoheal/arg_template.h"
#include "core/utf8.h"
#include "core/label_name.h"
#include "re2/re2.h"

namespace autoheal {

using internal::EscapeText;
using internal::IsValidLabelName;
using internal::QuoteText;

namespace {

bool IsPositiveFinite(absl::Duration d) {
  return d > absl::ZeroDuration() && d != absl::InfiniteDuration();
}

absl::Status ActionError(const Action& action, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(
      "action for alertname ", QuoteText(action.alertname), ": ", problem));
}

absl::Status ValidateKeyLabels(const Action& action) {
  absl::flat_hash_set<absl::string_view> seen;
  for (const std::string& label : action.key_labels) {
    if (!IsValidLabelName(label)) {
      return ActionError(action, absl::StrCat("key label ", QuoteText(label),
                                              " is not a valid label name"));
    }
    if (label == "alertname") {
      return ActionError(action,
                         "key label \"alertname\" is always part of the key");
    }
    if (!seen.insert(label).second) {
      return ActionError(
          action, absl::StrCat("duplicate key label ", QuoteText(label)));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateLabelPatterns(const Action& action) {
  absl::StatusOr<std::vector<std::string>> templated =
      TemplateLabels(action.argv);
  if (!templated.ok()) return ActionError(action, templated.status().message());
  for (const std::string& label : *templated) {
    if (action.label_patterns.count(label) == 0) {
      return ActionError(action,
                         absl::StrCat("argv uses {{labels.", label,
                                      "}} but label_patterns has no pattern "
                                      "for ",
                                      QuoteText(label)));
    }
  }
  for (const auto& [label, pattern] : action.label_patterns) {
    if (!IsValidLabelName(label)) {
      return ActionError(action,
                         absl::StrCat("label_patterns: ", QuoteText(label),
                                      " is not a valid label name"));
    }
    absl::Status compiled = CompileLabelPattern(pattern).status();
    if (!compiled.ok()) {
      return ActionError(action, absl::StrCat("label_patterns.", label, ": ",
                                              compiled.message()));
    }
  }
  return absl::OkStatus();
}

// Budgets and the flap guard keep a slot per execution: bound their size.
constexpr int kMaxWindowExecutions = 10000;

absl::Status ValidateWindowLimit(absl::string_view what, int max_executions,
                                 absl::Duration window) {
  if (max_executions < 0 || max_executions > kMaxWindowExecutions) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": max_executions must be between 0 and ",
                     kMaxWindowExecutions, ", got ", max_executions));
  }
  if (!IsPositiveFinite(window)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": window must be a positive, finite duration"));
  }
  return absl::OkStatus();
}

absl::Status ValidateAction(const Action& action) {
  if (action.alertname.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "action ", QuoteText(action.name), ": alertname is empty"));
  }
  if (action.name.empty()) return ActionError(action, "name is empty");
  if (action.argv.empty()) return ActionError(action, "argv is empty");
  if (action.argv[0].empty()) return ActionError(action, "argv[0] is empty");
  if (!IsPositiveFinite(action.timeout)) {
    return ActionError(action, "timeout must be a positive, finite duration");
  }
  if (action.cooldown.has_value() && !IsPositiveFinite(*action.cooldown)) {
    return ActionError(action, "cooldown must be a positive, finite duration");
  }
  absl::Status status = ValidateWindowLimit(
      "budget", action.budget.max_executions, action.budget.window);
  if (!status.ok()) return ActionError(action, status.message());
  status = ValidateKeyLabels(action);
  if (!status.ok()) return status;
  return ValidateLabelPatterns(action);
}

}  // namespace

absl::Status ValidateOptions(const EngineOptions& options) {
  if (options.opt_in_annotation.empty()) {
    return absl::InvalidArgumentError("opt_in_annotation is empty");
  }
  if (!IsPositiveFinite(options.default_cooldown)) {
    return absl::InvalidArgumentError(
        "default_cooldown must be a positive, finite duration");
  }
  absl::Status limits = ValidateWindowLimit(
      "budget", options.global_budget.max_executions,
      options.global_budget.window);
  if (!limits.ok()) return limits;
  limits = ValidateWindowLimit("flap_guard", options.flap_guard.max_executions,
                               options.flap_guard.window);
  if (!limits.ok()) return limits;
  if (options.escalation.has_value()) {
    const EscalationCommand& escalation = *options.escalation;
    if (escalation.argv.empty() || escalation.argv[0].empty()) {
      return absl::InvalidArgumentError("escalation: argv[0] is empty");
    }
    absl::StatusOr<std::vector<std::string>> templated =
        TemplateLabels(escalation.argv);
    if (!templated.ok() || !templated->empty()) {
      return absl::InvalidArgumentError(
          "escalation: argv cannot use {{labels.*}} templates; the alert "
          "comes as JSON on stdin");
    }
    if (!IsPositiveFinite(escalation.timeout)) {
      return absl::InvalidArgumentError(
          "escalation: timeout must be a positive, finite duration");
    }
  }
  absl::flat_hash_set<absl::string_view> alertnames;
  for (const Action& action : options.actions) {
    absl::Status status = ValidateAction(action);
    if (!status.ok()) return status;
    if (!alertnames.insert(action.alertname).second) {
      return ActionError(action, "duplicate action for this alertname");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<const re2::RE2>> CompileLabelPattern(
    absl::string_view pattern) {
  if (pattern.size() > kMaxLabelPatternBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid pattern ", QuoteText(pattern), ": longer than ",
        kMaxLabelPatternBytes, " bytes"));
  }
  re2::RE2::Options options;
  options.set_log_errors(false);  // the error is returned, not logged
  options.set_max_mem(kLabelPatternMaxMem);
  options.set_never_capture(true);  // only whether it matches counts
  auto compiled = std::make_unique<const re2::RE2>(
      re2::StringPiece(pattern.data(), pattern.size()), options);
  if (compiled->ok()) return compiled;
  std::string problem = compiled->error();
  if (compiled->error_code() == re2::RE2::ErrorPatternTooLarge) {
    absl::StrAppend(&problem, " (over the memory budget of ",
                    kLabelPatternMaxMem >> 20, " MiB per pattern)");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid pattern ", QuoteText(pattern, kMaxLabelPatternBytes), ": ",
      EscapeText(problem)));
}

absl::Duration EffectiveCooldown(const EngineOptions& options,
                                 const Action& action) {
  return action.cooldown.value_or(options.default_cooldown);
}

}  // namespace autoheal
