// Fuzz target: the decision path fed with parsed payloads.
//
// Each input is parsed as a webhook body; an accepted message (whose
// malformed alerts, if any, carry their `problem`), plus a copy of its first
// alert without an alertname (as a library user may build by hand) and a
// copy of it marked malformed, is then remediated six times (rounds) by an
// Engine with a fixed
// policy, whose allowlist matches the seed corpus's alertnames, through a
// Remediator with the recording executor and the in-memory audit sink. The
// policy has every guardrail on: the global budget, a per-action budget,
// the flap guard and an escalation command. Between rounds a fake clock
// moves by a step drawn from the input (backwards too, to exact cooldown
// boundaries, and now and then past the flap window); each round may switch
// on one fault: the cooldown store down, the audit sink down or the executor
// refusing work. The whole scenario runs twice, live (enabled) and dry-run,
// each from a fresh state, so an input always replays the same way.
//
// A small independent model of the decision contract (DESIGN.md) predicts
// every decision: gates in order, the cooldown key, the store's expiry
// (held while now < expiry, so a clock stepping back never shortens a
// cooldown), the flap latch and the sliding-window budgets, which a
// decision stopped by a gate never consumes. Invariants, checked on every
// decision and round:
//   - the verdict, reason, key, action, time left, budget scope and
//     escalation are the model's;
//   - every execute/dry_run decision has an action and a key; a malformed
//     alert (one with a `problem`) is always invalid_alert, with that
//     problem in its sentence, and touches no state; a resolved alert never
//     passes, an alert without the exact opt-in never passes, and no key
//     passes twice within its cooldown;
//   - every decision is audited, in order, before any action is submitted;
//     with the audit sink down nothing is submitted; a refused submission
//     is audited as spawn_error; nothing stays in flight;
//   - each submitted action has the decision's key and the argv with each
//     template replaced by the label's value, one element per argument;
//   - a key that latches now pages once (live, audited), in order with the
//     actions; a key already latched, or dry-run, pages nobody;
//   - dry-run executes nothing and decides exactly as live does, with
//     dry_run in place of execute.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/alert.h"
#include "autoheal/arg_template.h"
#include "autoheal/cooldown_key.h"
#include "autoheal/cooldown_store.h"
#include "autoheal/decision.h"
#include "autoheal/engine.h"
#include "autoheal/in_flight.h"
#include "autoheal/in_memory_cooldown_store.h"
#include "autoheal/options.h"
#include "autoheal/payload.h"
#include "autoheal/remediator.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/testing/faulty_cooldown_store.h"
#include "autoheal/testing/memory_audit_sink.h"
#include "autoheal/testing/recording_executor.h"
#include "fuzz/fuzz_util.h"
#include "re2/re2.h"

namespace autoheal {
namespace fuzz {
namespace {

using testing::AuditEntry;

constexpr int kRounds = 6;

// The guardrails of the fixed policy. The flap window is short enough that
// a quiet spell (a round's step past it) reopens a latch.
constexpr int kGlobalBudget = 10;
constexpr absl::Duration kGlobalBudgetWindow = absl::Minutes(10);
constexpr int kTcpBudget = 3;
constexpr absl::Duration kTcpBudgetWindow = absl::Minutes(15);
constexpr int kFlapExecutions = 3;
constexpr absl::Duration kFlapWindow = absl::Minutes(30);
const char* const kPageArgv[] = {"/usr/local/libexec/autoheal/page",
                                 "--team=sre"};

// The fixed policy. Its alertnames are those of the seed corpus, except
// PaymentRateErrorBudgetCritical, which stays off the allowlist.
EngineOptions FixedPolicy(bool enabled) {
  EngineOptions options;
  options.enabled = enabled;
  options.default_cooldown = absl::Seconds(120);
  options.global_budget = {kGlobalBudget, kGlobalBudgetWindow};
  options.flap_guard = {kFlapExecutions, kFlapWindow};
  options.escalation = EscalationCommand{
      {std::begin(kPageArgv), std::end(kPageArgv)}, absl::Seconds(30)};

  Action tcp;
  tcp.alertname = "TcpEndpointDownFast";
  tcp.name = "restart-tcp-endpoint";
  tcp.argv = {"/usr/local/libexec/autoheal/restart-endpoint",
              "--target={{labels.instance}}"};
  tcp.label_patterns = {{"instance", "[a-z0-9.-]+:[0-9]{1,5}"}};
  tcp.cooldown = absl::Minutes(5);
  tcp.key_labels = {"instance"};
  tcp.budget = {kTcpBudget, kTcpBudgetWindow};  // shared by every instance
  options.actions.push_back(tcp);

  Action crm;
  crm.alertname = "CrmMetricsScrapeStale";
  crm.name = "restart-crm-metrics";
  crm.argv = {"/usr/local/libexec/autoheal/restart-crm-metrics", "--reason",
              "autoheal"};
  crm.cooldown = absl::Minutes(10);
  options.actions.push_back(crm);

  Action uptime;  // the default cooldown, two key labels
  uptime.alertname = "UptimeProbeFailing";
  uptime.name = "restart-web-frontend";
  uptime.argv = {"/usr/local/libexec/autoheal/restart-web",
                 "{{labels.job}}:{{labels.instance}}", "{{labels.job}}"};
  uptime.label_patterns = {{"job", "[a-z-]+"},
                           {"instance", "https?://[a-z0-9./-]+"}};
  uptime.key_labels = {"instance", "job"};
  options.actions.push_back(uptime);

  Action disk;  // shares its action name with another alertname
  disk.alertname = "DiskWillFillIn4Hours";
  disk.name = "restart-crm-metrics";
  disk.argv = {"/usr/local/libexec/autoheal/cleanup-disk"};
  disk.cooldown = absl::Minutes(1);
  disk.key_labels = {"instance"};
  options.actions.push_back(disk);
  return options;
}

// What one round does to the world before deciding.
struct Round {
  absl::Duration step;  // the clock moves by this first
  bool store_down = false;
  bool audit_down = false;
  bool executor_rejects = false;
};

// SplitMix64's finaliser: 64 fresh bits from `x`.
uint64_t Mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Draws the rounds from the input's hash: steps from -64 s to 959 s, some
// 1 ns short of a whole second, at most one fault per round, and now and
// then a quiet spell past the flap window. Rounds 1-3 take 16 bits each of
// the hash itself (as the first version of this target did, so its
// regression inputs replay the same first rounds), later ones a mix of it.
std::vector<Round> RoundsFor(absl::string_view input) {
  const uint64_t h = Fnv1a(input);
  std::vector<Round> rounds(kRounds);
  for (int r = 1; r < kRounds; ++r) {
    const uint64_t bits = r <= 3 ? h >> (16 * (r - 1)) : Mix(h + r);
    Round& round = rounds[r];
    round.step = absl::Seconds(static_cast<int64_t>(bits & 0x3FF) - 64);
    if ((bits >> 13) & 1) round.step -= absl::Nanoseconds(1);
    const uint64_t fault = (bits >> 10) & 0x7;
    round.store_down = fault == 0;
    round.audit_down = fault == 1;
    round.executor_rejects = fault == 2;
    if (fault == 7) round.step = kFlapWindow + absl::Seconds(1);
  }
  return rounds;
}

// The decision the contract requires, computed without the engine.
struct Expected {
  Verdict verdict = Verdict::kSkip;
  Reason reason = Reason::kResolved;
  const Action* action = nullptr;
  std::string key;
  absl::Duration time_left = absl::ZeroDuration();
  std::vector<std::string> argv;  // for a passing decision
  bool newly_escalated = false;
  absl::string_view budget_scope;  // "global" or "action" when exhausted
};

// An independent model of the engine's gates and of the store's expiry.
class Model {
 public:
  explicit Model(const EngineOptions* options) : options_(options) {
    for (const Action& action : options_->actions) {
      for (const auto& [label, pattern] : action.label_patterns) {
        re2::RE2::Options re2_options;
        re2_options.set_log_errors(false);
        patterns_[{&action, label}] =
            std::make_unique<re2::RE2>(pattern, re2_options);
      }
    }
  }

  Expected Decide(const Alert& alert, absl::Time now, bool store_down) {
    Expected e;
    if (!alert.problem.empty()) return Skip(e, Reason::kInvalidAlert);
    if (alert.status == AlertStatus::kResolved) return Skip(e, Reason::kResolved);
    std::optional<absl::string_view> opt_in = alert.annotations.Find("autoheal");
    if (!opt_in.has_value() || *opt_in != "true") {
      return Skip(e, Reason::kNotOptedIn);
    }
    e.action = FindAction(alert.alertname());
    if (e.action == nullptr) return Skip(e, Reason::kNotAllowlisted);
    if (!TargetIsValid(*e.action, alert)) return Skip(e, Reason::kInvalidTarget);
    e.key = KeyFor(*e.action, alert);
    if (store_down) return Skip(e, Reason::kStoreUnavailable);
    KeyState& key = keys_[e.key];
    if (key.latched && now >= key.quiet_until) {  // quiet for a window
      key.latched = false;
      key.executions.clear();
    }
    if (key.latched) {
      key.quiet_until = std::max(key.quiet_until, now + kFlapWindow);
      e.time_left = kFlapWindow;
      return Skip(e, Reason::kEscalated);
    }
    if (now < key.expiry) {
      e.time_left = key.expiry - now;
      return Skip(e, Reason::kCoolingDown);
    }
    if (CountWithin(key.executions, now, kFlapWindow) >= kFlapExecutions) {
      key.latched = true;
      key.quiet_until = now + kFlapWindow;
      e.newly_escalated = true;
      e.time_left = kFlapWindow;
      return Skip(e, Reason::kEscalated);
    }
    std::vector<absl::Time>* action_budget =
        e.action->budget.enabled() ? &action_budgets_[e.action] : nullptr;
    if (Spent(global_budget_, kGlobalBudget, kGlobalBudgetWindow, now, e)) {
      e.budget_scope = "global";
      return Skip(e, Reason::kBudgetExhausted);
    }
    if (action_budget != nullptr &&
        Spent(*action_budget, e.action->budget.max_executions,
              e.action->budget.window, now, e)) {
      e.budget_scope = "action";
      return Skip(e, Reason::kBudgetExhausted);
    }
    key.expiry = now + EffectiveCooldown(*options_, *e.action);
    key.executions.push_back(now);
    global_budget_.push_back(now);
    if (action_budget != nullptr) action_budget->push_back(now);
    e.verdict = options_->enabled ? Verdict::kExecute : Verdict::kDryRun;
    e.reason = options_->enabled ? Reason::kExecute : Reason::kDryRun;
    e.argv = Expand(*e.action, alert);
    return e;
  }

 private:
  struct KeyState {
    absl::Time expiry = absl::InfinitePast();
    std::vector<absl::Time> executions;  // every one since the latch opened
    bool latched = false;
    absl::Time quiet_until = absl::InfinitePast();
  };

  // How many of `times` fall after `now - window` (later ones count too:
  // the clock may have stepped back past them).
  static int CountWithin(const std::vector<absl::Time>& times, absl::Time now,
                         absl::Duration window) {
    return static_cast<int>(
        std::count_if(times.begin(), times.end(),
                      [&](absl::Time t) { return t > now - window; }));
  }

  // True, with the time until the oldest counted acquisition leaves the
  // window in `e.time_left`, when `times` already hold `limit` within it.
  static bool Spent(std::vector<absl::Time> times, int limit,
                    absl::Duration window, absl::Time now, Expected& e) {
    if (CountWithin(times, now, window) < limit) return false;
    std::sort(times.begin(), times.end());
    e.time_left = times[times.size() - limit] + window - now;
    return true;
  }

  static Expected Skip(Expected& e, Reason reason) {
    e.reason = reason;
    return e;
  }

  const Action* FindAction(absl::string_view alertname) const {
    for (const Action& action : options_->actions) {
      if (action.alertname == alertname) return &action;
    }
    return nullptr;
  }

  bool TargetIsValid(const Action& action, const Alert& alert) const {
    for (const auto& [label, pattern] : action.label_patterns) {
      std::optional<absl::string_view> value = alert.labels.Find(label);
      if (!value.has_value() || value->size() > kMaxTemplateValueBytes ||
          !re2::RE2::FullMatch(re2::StringPiece(value->data(), value->size()),
                               *patterns_.at({&action, label}))) {
        return false;
      }
    }
    return true;
  }

  std::string KeyFor(const Action& action, const Alert& alert) const {
    CooldownKeyBuilder builder(options_->enabled ? KeySpace::kLive
                                                 : KeySpace::kDryRun);
    builder.Add(action.name).Add(action.alertname);
    for (const std::string& label : action.key_labels) {
      builder.Add(label).Add(alert.labels.Find(label).value_or(""));
    }
    return builder.Finish();
  }

  static std::vector<std::string> Expand(const Action& action,
                                         const Alert& alert) {
    std::vector<std::string> argv;
    for (const std::string& arg : action.argv) {
      std::vector<std::pair<std::string, std::string>> replacements;
      for (const auto& [label, pattern] : action.label_patterns) {
        replacements.emplace_back(
            "{{labels." + label + "}}",
            std::string(alert.labels.Find(label).value_or("")));
      }
      argv.push_back(absl::StrReplaceAll(arg, replacements));
    }
    return argv;
  }

  const EngineOptions* const options_;
  std::map<std::pair<const Action*, std::string>, std::unique_ptr<re2::RE2>>
      patterns_;
  std::map<std::string, KeyState> keys_;
  std::vector<absl::Time> global_budget_;
  std::map<const Action*, std::vector<absl::Time>> action_budgets_;
};

// The world one scenario runs in: fakes, engine, remediator and model.
class Scenario {
 public:
  explicit Scenario(bool enabled)
      : faulty_store_(&store_),
        remediator_(RemediatorDeps{&executor_, &audit_, &in_flight_, &clock_,
                                   nullptr}) {
    EngineDeps deps;
    deps.clock = &clock_;
    deps.store = &faulty_store_;
    deps.in_flight = &in_flight_;
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        Engine::Create(FixedPolicy(enabled), deps);
    FUZZ_CHECK(engine.ok(), "the fixed policy is valid");
    engine_ = *std::move(engine);
    model_ = std::make_unique<Model>(&engine_->options());
  }

  // Runs one round and checks it; returns the reasons decided.
  std::vector<Reason> Run(const WebhookMessage& message, const Round& round) {
    clock_.Advance(round.step);
    faulty_store_.set_down(round.store_down);
    audit_.set_down(round.audit_down);
    executor_.set_reject(round.executor_rejects);
    const size_t audited_before = audit_.entries().size();
    const size_t submitted_before = executor_.requests().size();

    std::vector<Expected> expected;
    for (const Alert& alert : message.alerts) {
      expected.push_back(model_->Decide(alert, clock_.Now(), round.store_down));
    }
    RemediationResult result = remediator_.Remediate(*engine_, message);

    FUZZ_CHECK(result.decisions.size() == message.alerts.size(),
               "one decision per alert");
    std::vector<Reason> reasons;
    size_t executes = 0;
    bool store_unavailable = false;
    for (size_t i = 0; i < expected.size(); ++i) {
      CheckDecision(message.alerts[i], result.decisions[i], expected[i]);
      reasons.push_back(result.decisions[i].reason);
      executes += result.decisions[i].verdict == Verdict::kExecute;
      store_unavailable |= expected[i].reason == Reason::kStoreUnavailable;
    }
    const std::vector<Submission> submissions =
        ExpectedSubmissions(round, expected);
    FUZZ_CHECK(result.store_unavailable == store_unavailable,
               "store_unavailable is reported when any decision failed closed");
    FUZZ_CHECK(engine_->options().enabled || executes == 0,
               "dry-run executes nothing");
    CheckAudit(round, result, expected, submissions, audited_before, executes);
    CheckSubmissions(round, result, submissions, submitted_before);
    FUZZ_CHECK(remediator_.InFlight() == 0 && in_flight_.size() == 0,
               "nothing stays in flight once every action has ended");
    return reasons;
  }

 private:
  // What the executor should be handed, in order: each execute decision's
  // action, and a page for each key that latched now (live only).
  struct Submission {
    std::string key;
    std::string action_name;
    std::vector<std::string> argv;
  };

  std::vector<Submission> ExpectedSubmissions(
      const Round& round, const std::vector<Expected>& expected) const {
    std::vector<Submission> submissions;
    if (round.audit_down) return submissions;  // no record, nothing runs
    for (size_t i = 0; i < expected.size(); ++i) {
      const Expected& e = expected[i];
      if (e.verdict == Verdict::kExecute) {
        submissions.push_back({e.key, e.action->name, e.argv});
      } else if (e.newly_escalated && engine_->options().enabled) {
        submissions.push_back({e.key,
                               std::string(kEscalationActionName),
                               {std::begin(kPageArgv), std::end(kPageArgv)}});
      }
    }
    return submissions;
  }

  static void CheckDecision(const Alert& alert, const Decision& d,
                            const Expected& e) {
    if (!alert.problem.empty()) {
      FUZZ_CHECK(
          d.reason == Reason::kInvalidAlert && d.problem == alert.problem,
          "a malformed alert is invalid_alert, whatever else it holds");
      FUZZ_CHECK(d.Sentence().find(alert.problem) != std::string::npos,
                 "an invalid_alert sentence names the problem");
    }
    if (d.passed()) {
      FUZZ_CHECK(alert.problem.empty(), "a malformed alert never passes");
      FUZZ_CHECK(d.action != nullptr, "a passing decision has an action");
      FUZZ_CHECK(!d.key.empty(), "a passing decision has a key");
      FUZZ_CHECK(alert.status == AlertStatus::kFiring,
                 "a resolved alert never passes");
      FUZZ_CHECK(alert.annotations.Find("autoheal") ==
                     std::optional<absl::string_view>("true"),
                 "an alert without the exact opt-in never passes");
    }
    FUZZ_CHECK(d.reason == e.reason, "the reason is the contract's");
    FUZZ_CHECK(d.verdict == e.verdict, "the verdict is the contract's");
    FUZZ_CHECK(d.action == e.action, "the decision names the configured action");
    FUZZ_CHECK(d.key.view() == e.key,
               "the cooldown key is the contract's encoding");
    FUZZ_CHECK(d.time_left == e.time_left,
               "a held, latched or budget-stopped key reports exactly its "
               "time left");
    FUZZ_CHECK(d.newly_escalated == e.newly_escalated,
               "only the decision that trips the flap guard is a new latch");
    FUZZ_CHECK(d.budget_scope == e.budget_scope,
               "a spent budget is named: global before action");
    FUZZ_CHECK(d.alertname == alert.alertname(), "the decision's alertname");
    FUZZ_CHECK(!d.Sentence().empty(), "every decision explains itself");
  }

  void CheckAudit(const Round& round, const RemediationResult& result,
                  const std::vector<Expected>& expected,
                  const std::vector<Submission>& submissions, size_t before,
                  size_t executes) const {
    const std::vector<AuditEntry> entries = audit_.entries();
    if (round.audit_down) {
      FUZZ_CHECK(entries.size() == before, "a down sink records nothing");
      FUZZ_CHECK(result.audit_error.ok() == (executes == 0),
                 "an unaudited execute decision is reported");
      return;
    }
    FUZZ_CHECK(result.audit_error.ok(), "an up sink reports no audit error");
    FUZZ_CHECK(entries.size() == before + expected.size() + submissions.size(),
               "each decision, then each ended action or page, is audited "
               "once");
    size_t at = before;
    for (size_t i = 0; i < expected.size(); ++i, ++at) {
      const AuditEntry& entry = entries[at];
      FUZZ_CHECK(entry.type == AuditEntry::Type::kDecision,
                 "decisions are audited before any outcome");
      FUZZ_CHECK(entry.reason == expected[i].reason &&
                     entry.verdict == expected[i].verdict &&
                     entry.key == result.decisions[i].key.view() &&
                     entry.newly_escalated == expected[i].newly_escalated,
                 "the audit records the decision as made, in order");
    }
    for (const Submission& submission : submissions) {
      const AuditEntry& entry = entries[at++];
      FUZZ_CHECK(entry.type == AuditEntry::Type::kOutcome &&
                     entry.key == submission.key &&
                     entry.action == submission.action_name,
                 "each submitted action's or page's outcome is audited, in "
                 "order");
      FUZZ_CHECK(entry.outcome == (round.executor_rejects
                                       ? OutcomeKind::kSpawnError
                                       : OutcomeKind::kSuccess),
                 "a refused submission is audited as spawn_error");
    }
  }

  void CheckSubmissions(const Round& round, const RemediationResult& result,
                        const std::vector<Submission>& submissions,
                        size_t before) const {
    const std::vector<ActionRequest> requests = executor_.requests();
    if (round.audit_down || round.executor_rejects) {
      FUZZ_CHECK(requests.size() == before,
                 "nothing runs without a record or when refused");
      FUZZ_CHECK(
          round.audit_down || result.submit_error.ok() == submissions.empty(),
          "a refused submission is reported");
      return;
    }
    FUZZ_CHECK(result.submit_error.ok(), "an accepted submission is no error");
    FUZZ_CHECK(requests.size() == before + submissions.size(),
               "exactly the execute decisions and new latches are submitted");
    size_t at = before;
    for (const Submission& submission : submissions) {
      const ActionRequest& request = requests[at++];
      FUZZ_CHECK(request.key == submission.key,
                 "a request carries the decision's key");
      FUZZ_CHECK(request.action.name == submission.action_name,
                 "the action's name, or the escalation's");
      FUZZ_CHECK(request.action.argv == submission.argv,
                 "each template is replaced by its label's value, and each "
                 "argument stays one argv element");
    }
  }

  testing::FakeClock clock_;
  InMemoryCooldownStore store_;
  testing::FaultyCooldownStore faulty_store_;
  testing::RecordingExecutor executor_;
  testing::MemoryAuditSink audit_;
  InFlightRegistry in_flight_;
  Remediator remediator_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Model> model_;
};

// Returns `alert` without its alertname label: what a library user may
// build by hand (the parser never yields one).
Alert WithoutAlertname(const Alert& alert) {
  std::vector<LabelSet::Entry> labels;
  for (const LabelSet::Entry& entry : alert.labels.entries()) {
    if (entry.first != "alertname") labels.push_back(entry);
  }
  Alert copy = alert;
  copy.labels = LabelSet(std::move(labels));
  return copy;
}

// Returns `alert` marked malformed, as the parser would mark it: gate 0 must
// stop it however runnable the rest of it is.
Alert Malformed(const Alert& alert) {
  Alert copy = alert;
  copy.problem = "alerts[0].status: missing";
  return copy;
}

// Dry-run is a faithful preview: live and dry-run decide alike.
void CheckDryRunMatchesLive(const std::vector<Reason>& live,
                            const std::vector<Reason>& dry) {
  FUZZ_CHECK(live.size() == dry.size(), "both runs decide every alert");
  for (size_t i = 0; i < live.size(); ++i) {
    const Reason expected =
        live[i] == Reason::kExecute ? Reason::kDryRun : live[i];
    FUZZ_CHECK(dry[i] == expected, "dry-run decides exactly as live does");
  }
}

void FuzzOneInput(absl::string_view body) {
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(body);
  if (!message.ok()) return;  // the payload target covers rejections
  if (!message->alerts.empty()) {
    const Alert first = message->alerts.front();
    message->alerts.push_back(WithoutAlertname(first));
    message->alerts.push_back(Malformed(first));
  }
  const std::vector<Round> rounds = RoundsFor(body);
  Scenario live(/*enabled=*/true);
  Scenario dry(/*enabled=*/false);
  for (const Round& round : rounds) {
    CheckDryRunMatchesLive(live.Run(*message, round), dry.Run(*message, round));
  }
}

}  // namespace
}  // namespace fuzz
}  // namespace autoheal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  autoheal::fuzz::FuzzOneInput(autoheal::fuzz::AsView(data, size));
  return 0;
}
