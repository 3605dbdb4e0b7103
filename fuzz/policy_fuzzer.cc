// Fuzz target: the YAML policy loader (ParsePolicy), then an engine built
// from every policy it accepts.
//
// Invariants, checked on every input:
//   - the loader returns OK or kInvalidArgument and never throws or crashes,
//     whatever the YAML (deep nesting, aliases, merge keys, bad encodings);
//   - every error names the file first ("fuzz.yml:...");
//   - an accepted policy passes ValidateOptions() and Engine::Create(), and
//     the engine finds each action by its alertname;
//   - deciding a firing, opted-in alert for each action, with every label it
//     templates set, stops at no gate before invalid_target and passes
//     exactly when its labels match the patterns.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "autoheal/alert.h"
#include "autoheal/arg_template.h"
#include "autoheal/engine.h"
#include "autoheal/options.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/yaml_policy.h"
#include "fuzz/fuzz_util.h"
#include "re2/re2.h"

namespace autoheal {
namespace fuzz {
namespace {

constexpr absl::string_view kFilename = "fuzz.yml";

// The value every templated label gets: a typical `instance`.
constexpr absl::string_view kLabelValue = "db-01.internal:5432";

void CheckError(const absl::Status& status) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
             "a policy error is kInvalidArgument");
  FUZZ_CHECK(absl::StartsWith(status.message(), kFilename),
             "a policy error names the file first");
  FUZZ_CHECK(IsValidUtf8(status.message()),
             "a policy error is valid UTF-8 (the CLI, the receiver's log and "
             "JSON output print it)");
}

std::vector<std::string> TemplatedLabels(const Action& action) {
  return TemplateLabels(action.argv).value_or(std::vector<std::string>());
}

// Returns the value the alert built for `action` has for `label`.
absl::string_view ValueFor(const Action& action, const std::string& label) {
  return label == "alertname" ? absl::string_view(action.alertname)
                              : kLabelValue;
}

// Returns a firing alert opted in under `options` for `action`, with every
// label the action's argv templates set (alertname keeps its own value).
Alert AlertFor(const EngineOptions& options, const Action& action) {
  Alert alert;
  alert.labels.Set("alertname", action.alertname);
  alert.annotations.Set(options.opt_in_annotation, options.opt_in_value);
  for (const std::string& label : TemplatedLabels(action)) {
    alert.labels.Set(label, std::string(ValueFor(action, label)));
  }
  return alert;
}

// Returns whether every label the action's argv needs passes its check:
// at most 256 bytes and a full match of its pattern. The pattern is
// compiled here with RE2's own defaults, not by CompileLabelPattern(): its
// memory budget decides only which patterns are accepted, never what an
// accepted one matches.
bool TemplatedLabelsMatch(const Action& action) {
  for (const std::string& label : TemplatedLabels(action)) {
    const absl::string_view value = ValueFor(action, label);
    if (value.size() > kMaxTemplateValueBytes) return false;
    re2::RE2::Options options;
    options.set_log_errors(false);
    const re2::RE2 pattern(action.label_patterns.at(label), options);
    FUZZ_CHECK(pattern.ok(), "an accepted pattern compiles");
    if (!re2::RE2::FullMatch(re2::StringPiece(value.data(), value.size()),
                             pattern)) {
      return false;
    }
  }
  return true;
}

void CheckAccepted(const EngineOptions& options) {
  FUZZ_CHECK(ValidateOptions(options).ok(), "an accepted policy is valid");
  testing::FakeClock clock;
  EngineDeps deps;
  deps.clock = &clock;
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(options, deps);
  FUZZ_CHECK(engine.ok(), "an accepted policy builds an engine");
  for (const Action& action : (*engine)->options().actions) {
    FUZZ_CHECK((*engine)->FindAction(action.alertname) == &action,
               "the engine finds each action by its alertname");
    Alert alert = AlertFor(options, action);
    Decision decision = (*engine)->Decide(alert);
    FUZZ_CHECK(decision.action == &action, "the decision names the action");
    const bool matches = TemplatedLabelsMatch(action);
    if (matches) {
      FUZZ_CHECK(decision.passed(),
                 "a first opted-in alert with valid labels passes");
      FUZZ_CHECK(decision.verdict == (options.enabled ? Verdict::kExecute
                                                      : Verdict::kDryRun),
                 "enabled decides between execute and dry_run");
      FUZZ_CHECK(!decision.key.empty(), "a passing decision has a key");
    } else {
      FUZZ_CHECK(decision.reason == Reason::kInvalidTarget,
                 "a label that fails its pattern is invalid_target");
    }
    FUZZ_CHECK(!decision.Sentence().empty(), "every decision explains itself");
  }
}

void FuzzOneInput(absl::string_view text) {
  absl::StatusOr<EngineOptions> options = ParsePolicy(text, kFilename);
  if (options.ok()) {
    CheckAccepted(*options);
  } else {
    CheckError(options.status());
  }
}

}  // namespace
}  // namespace fuzz
}  // namespace autoheal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  autoheal::fuzz::FuzzOneInput(autoheal::fuzz::AsView(data, size));
  return 0;
}
