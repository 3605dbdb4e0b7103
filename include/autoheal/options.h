// The policy: which alerts autoheal may remediate, with what, and how often.
//
// `EngineOptions` is a plain struct with safe defaults (disabled, dry-run,
// 120 s cooldown, no actions). It is validated once, by `Engine::Create()`
// ("autoheal/engine.h"); the YAML loader ("autoheal/yaml_policy.h") fills it
// from a policy file.
//
// Thread safety: plain values.

#ifndef AUTOHEAL_OPTIONS_H_
#define AUTOHEAL_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

// A compiled label pattern is an RE2 (<re2/re2.h>); only code that matches
// one needs RE2's header.
namespace re2 {
class RE2;
}  // namespace re2

namespace autoheal {

// A sliding-window limit on executions: at most `max_executions` within any
// `window`. `max_executions == 0` turns the limit off.
struct Budget {
  int max_executions = 0;
  absl::Duration window = absl::Minutes(10);

  bool enabled() const { return max_executions > 0; }
};

// The flap guard: a key executed `max_executions` times within `window` that
// fires again latches to `escalated`. Nothing runs for it until an operator
// clears it or it stays quiet (no firing notification) for `window`.
// `max_executions == 0` turns the guard off.
struct FlapGuard {
  int max_executions = 3;
  absl::Duration window = absl::Hours(1);

  bool enabled() const { return max_executions > 0; }
};

// The remediation for one alertname: a fixed argv, run without a shell.
struct Action {
  // The `alertname` label this action remediates. Exactly one action per
  // alertname.
  // Default: none; required.
  std::string alertname;

  // A short name for audit lines, metrics and the cooldown key, such as
  // "restart-api". Several alertnames may share one action name; their
  // cooldowns stay separate because the key also holds the alertname.
  // Default: none; required.
  std::string name;

  // The program and its arguments. argv[0] is the program; it is executed
  // directly, never through a shell. An argument may contain templates
  // "{{labels.NAME}}" (see "autoheal/arg_template.h"): each is replaced by
  // that label's value, and the argument stays one argv element whatever
  // the value holds. Every templated label needs a `label_patterns` entry.
  // Default: none; required and non-empty.
  std::vector<std::string> argv;

  // For each label an argv template uses: the pattern (RE2 syntax, the
  // dialect of Prometheus's relabel regexes) its whole value must match, at
  // most 256 bytes long. Patterns are anchored at both ends: "a|b" means
  // "^(?:a|b)$". An alert whose label is missing, too long or does not match
  // gets the verdict `invalid_target` and nothing runs. Matching takes time
  // linear in the value's length whatever the pattern. A pattern must
  // compile within `CompileLabelPattern()`'s bounds.
  // Default: none.
  std::map<std::string, std::string> label_patterns;

  // How long the action may run before it is terminated.
  // Default: 30 s.
  absl::Duration timeout = absl::Seconds(30);

  // This action's cooldown. When unset, `EngineOptions::default_cooldown`.
  // Default: unset.
  std::optional<absl::Duration> cooldown;

  // Labels added to the cooldown key, so that, for example, two instances
  // cool down separately with {"instance"}. An absent label counts as empty,
  // as in Prometheus. `alertname` is always part of the key and may not be
  // listed.
  // Default: none (one cooldown per alertname).
  std::vector<std::string> key_labels;

  // This action's own budget, on top of the global one. Its executions are
  // counted across all its keys (every instance).
  // Default: off.
  Budget budget;
};

// What runs once when a key escalates (for example, a pager call). Its argv
// is fixed (no templates); like an action, it gets the alert, the decision
// and the key as JSON on stdin.
struct EscalationCommand {
  std::vector<std::string> argv;
  absl::Duration timeout = absl::Seconds(30);
};

struct EngineOptions {
  // The global switch. Off means dry-run: every gate still runs and every
  // decision is reported, but nothing executes.
  // Default: false.
  bool enabled = false;

  // The annotation an alert rule sets to opt in, and the exact value that
  // opts in. The comparison is exact: "TRUE" or " true" do not opt in.
  // Default: autoheal / "true".
  std::string opt_in_annotation = "autoheal";
  std::string opt_in_value = "true";

  // The cooldown of every action that sets none of its own.
  // Default: 120 s.
  absl::Duration default_cooldown = absl::Seconds(120);

  // The blast-radius limit across all actions: at most 10 executions in any
  // 10 minutes unless the policy says otherwise. Dry-run counts separately.
  // Default: 10 per 10 minutes.
  Budget global_budget{10, absl::Minutes(10)};

  // The flap guard for every key.
  // Default: 3 executions within 1 hour.
  FlapGuard flap_guard;

  // Run when a key newly escalates, only when enabled. Default: none.
  std::optional<EscalationCommand> escalation;

  // The allowlist: one action per alertname.
  // Default: empty (nothing is ever remediated).
  std::vector<Action> actions;
};

// Returns OK, or `kInvalidArgument` naming the first problem and the action
// it is in: an empty name or argv, a duplicate alertname, a non-positive or
// infinite duration, an invalid or duplicate key label, a malformed argv
// template, a templated label without a pattern, an invalid pattern, a
// negative budget or flap limit (or one above 10000), a non-positive
// window, an escalation command with an empty argv.
absl::Status ValidateOptions(const EngineOptions& options);

// Returns the whole policy as one canonical JSON text: every field of the
// options, its actions and their budgets, label patterns, key labels, the
// flap guard and the escalation, in a fixed order, with durations in
// nanoseconds and actions sorted by alertname. Two policies that decide
// alike render alike, whatever their YAML spelling or action order; any
// change to a field changes the text. For digests that tell which policy a
// replica runs.
std::string CanonicalPolicy(const EngineOptions& options);

// The longest `label_patterns` value, in bytes. A label value is at most 256
// bytes, so no useful pattern comes near it; the bound keeps policies and
// error messages small.
inline constexpr size_t kMaxLabelPatternBytes = 1024;

// The memory one compiled label pattern may use: RE2's program plus its lazily
// built DFA cache (RE2::Options::max_mem). Generous for any pattern a label
// value of 256 bytes needs (a Unicode class repeated 63 times, \pL{1,63},
// fits), it caps what a policy of many patterns can cost the receiver. A
// pattern over it is a policy error; a search that fills the cache falls back
// to a slower matcher, still linear in the value's length.
inline constexpr int64_t kLabelPatternMaxMem = int64_t{2} << 20;  // 2 MiB

// Compiles a `label_patterns` value with RE2, whose syntax
// (https://github.com/google/re2/wiki/Syntax) is Prometheus's: UTF-8, no
// backreferences or lookaround, repetition counts at most 1000, and within
// `kLabelPatternMaxMem`. Match the result with `RE2::FullMatch()` and no
// submatch arguments (a pattern matches a value's whole text; it captures
// nothing), and include <re2/re2.h> to use or destroy it. It is immutable
// and safe to match from any number of threads. Returns kInvalidArgument
// quoting the pattern and RE2's complaint (or saying that it is over
// `kMaxLabelPatternBytes` or the memory budget).
absl::StatusOr<std::unique_ptr<const re2::RE2>> CompileLabelPattern(
    absl::string_view pattern);

// Returns the cooldown that applies to `action` under `options`.
absl::Duration EffectiveCooldown(const EngineOptions& options,
                                 const Action& action);

}  // namespace autoheal

#endif  // AUTOHEAL_OPTIONS_H_
