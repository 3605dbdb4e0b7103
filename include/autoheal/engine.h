// The decision engine: for every alert, execute, dry-run or skip, and why.
//
// The engine applies the gates of the decision contract in order; the first
// gate that says no gives the reason:
//   0 invalid_alert    the parser found the alert malformed (`Alert::problem`
//                      is set); nothing else of it is read
//   1 resolved         the alert's own status is resolved
//   2 not_opted_in     the opt-in annotation is missing or not exact
//   3 not_allowlisted  no action for this alertname
//   4 invalid_target   a label an argv template needs is missing, longer
//                      than 256 bytes or does not match its pattern
//   5 escalated        the key's flap guard is latched, or trips now
//   6 in_flight        the key's action is still running (with
//                      `EngineDeps::in_flight`)
//   7 cooling_down     the key acted less than its cooldown ago
//   8 budget_exhausted the global or the action's budget is spent
//   - store_unavailable the state store failed: fail closed
//   then execute, or dry_run when `EngineOptions::enabled` is false.
// Gates 5-8 are one atomic store call (`CooldownStore::Acquire()` for one
// alert, `CooldownStore::AcquireBatch()` for a whole notification), which
// also takes the cooldown, reserves the budgets and records the execution
// for the flap guard when all pass: concurrent duplicates yield at most one
// passing decision per window, and a decision stopped at any gate consumes
// nothing. Dry-run takes cooldowns and budgets too, in a separate key space:
// a faithful preview that does not delay or spend the first live action.
//
// The engine decides only; it does not run actions or write audit records.
// Callers hand a passing decision to an `ActionExecutor` and record it with an
// `AuditSink`.
//
// Thread safety: `Decide()` and `DecideAll()` may be called concurrently from any number of
// threads. The engine is immutable after `Create()`; to change the policy,
// create a new engine.
//
//   EngineOptions options;
//   options.actions.push_back({"ApiDown", "restart-api", {"/bin/true"}});
//   auto engine = Engine::Create(options);
//   if (!engine.ok()) return engine.status();
//   auto message = ParseWebhookMessage(body);
//   for (const Decision& d : (*engine)->DecideAll(*message)) {
//     std::cout << d.alertname << ": " << d.reason << "\n";
//   }

#ifndef AUTOHEAL_ENGINE_H_
#define AUTOHEAL_ENGINE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "autoheal/alert.h"
#include "autoheal/clock.h"
#include "autoheal/cooldown_store.h"
#include "autoheal/decision.h"
#include "autoheal/in_flight.h"
#include "autoheal/internal/policy_key_hash.h"
#include "autoheal/options.h"

namespace re2 {
class RE2;  // compiled label patterns; only engine.cc includes RE2's header
}  // namespace re2

namespace autoheal {

// What the engine uses but does not own. Each pointer, when set, must
// outlive the engine.
struct EngineDeps {
  // Default: `RealClock()`.
  Clock* clock = nullptr;
  // Default: an `InMemoryCooldownStore` owned by the engine.
  CooldownStore* store = nullptr;
  // The keys whose action is running, maintained by the `Remediator`.
  // Default: none; the in_flight gate is off.
  const InFlightRegistry* in_flight = nullptr;
  // True to decide without changing the store: every gate is answered as it
  // would be now, but no cooldown, budget, flap history or escalation is
  // taken (`autoheal explain --state`). Default: false.
  bool preview = false;
};

class Engine {
 public:
  // Validates `options` (see `ValidateOptions()`) and builds an engine.
  // Returns `kInvalidArgument` naming the action at fault.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(
      EngineOptions options, EngineDeps deps = EngineDeps());

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine();

  // Decides for one alert, using only that alert's own status, labels and
  // annotations. A passing decision has taken the key's cooldown. Does not
  // allocate unless the key includes label values. The returned Decision
  // borrows from `alert` and from this engine. An alert with a `problem` is
  // skipped as `kInvalidAlert` without touching the store; one built by
  // hand with an empty `problem` is taken as well-formed (without an
  // alertname it matches no action: `kNotAllowlisted`).
  Decision Decide(const Alert& alert);

  // Decides for each alert of `message`, in order, exactly as calling
  // Decide() on each in turn would (a duplicate of an earlier alert's key
  // finds it cooling down; budgets are shared), but with one store call:
  // the alerts that pass gates 0-4 go to `CooldownStore::AcquireBatch()`
  // together, at one instant of the clock; none do when no alert passes
  // them. When that call fails, every one of those alerts is
  // `store_unavailable` (fail closed: the store took nothing); the others
  // keep their own answers. The Decisions borrow from `message` and from
  // this engine.
  std::vector<Decision> DecideAll(const WebhookMessage& message);

  // Returns the action configured for `alertname`, or nullptr.
  const Action* FindAction(absl::string_view alertname) const;

  const EngineOptions& options() const { return options_; }
  Clock* clock() const { return clock_; }

 private:
  // A label an argv template uses, and the pattern its whole value must
  // match, compiled once by the constructor (RE2: linear-time matching).
  struct LabelCheck {
    std::string label;
    std::unique_ptr<const re2::RE2> pattern;
  };
  struct ActionEntry {
    const Action* action = nullptr;
    absl::Duration cooldown;
    std::vector<LabelCheck> label_checks;
    std::string live_key;  // precomputed when the action has no key labels
    std::string dry_key;
    std::string budget_key;  // this action's budget, when it has one
    // The reservations every acquire of this action asks for: the global
    // budget first, then the action's own. Views into `budget_key` and the
    // engine's global key, filled once the allowlist map is complete (it
    // never changes after, so the views stay valid).
    BudgetReservation budgets[2];
    size_t budget_count = 0;
  };

  Engine(EngineOptions options, EngineDeps deps);
  // Gates 0-4, which need no store. Returns the alert's action entry, with
  // the decision's action and key set, when it passes them; otherwise
  // nullptr with `decision` answered. Decide() and DecideAll() share it.
  const ActionEntry* LocalGates(const Alert& alert, Decision& decision) const;
  CooldownKey KeyFor(const ActionEntry& entry, const Alert& alert) const;
  // Returns false, and explains why in `decision`, when a templated label is
  // missing, too long or does not match its pattern.
  static bool TargetIsValid(const ActionEntry& entry, const Alert& alert,
                            Decision& decision);
  // Whether the decision's key has an action running.
  bool InFlight(const Decision& decision) const;
  // The store request for a decision that passed gates 0-4; it views the
  // decision's key and this engine's budgets.
  AcquireRequest RequestFor(const ActionEntry& entry, const Decision& decision,
                            bool in_flight, absl::Time now) const;
  // Gates 5-8: one atomic call to the store.
  void AcquireState(const ActionEntry& entry, bool in_flight,
                    Decision& decision);
  void ExplainStoreAnswer(const ActionEntry& entry, const AcquireResult& result,
                          Decision& decision) const;

  const EngineOptions options_;
  Clock* const clock_;
  std::unique_ptr<CooldownStore> owned_store_;
  CooldownStore* const store_;
  const InFlightRegistry* const in_flight_;
  const bool preview_;
  const std::string global_budget_key_;
  // Keyed by the policy's alertnames: alerts can only look them up, so the
  // cheap policy-key hash is safe here.
  absl::flat_hash_map<std::string, ActionEntry, internal::PolicyKeyHash,
                      internal::PolicyKeyEq>
      actions_by_alertname_;
};

}  // namespace autoheal

#endif  // AUTOHEAL_ENGINE_H_
