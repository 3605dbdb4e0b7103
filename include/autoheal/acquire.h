// The values of one atomic acquire (see "autoheal/cooldown_store.h"), and
// the decision logic shared by the stores that keep the state themselves
// (in memory, SQLite): `ApplyAcquire()` runs the checks in the contract's
// order on a key's record and its budgets, so every such store answers
// exactly alike. The Redis store runs the same logic as Lua scripts.
//
// Thread safety: plain values and a pure function; callers serialise access
// to the records they pass.

#ifndef AUTOHEAL_ACQUIRE_H_
#define AUTOHEAL_ACQUIRE_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace autoheal {

// A sliding-window limit to reserve: at most `limit` acquisitions within any
// `window`, counted under `key`. The engine names budget keys so that live
// and dry-run, global and per-action budgets never share a counter.
struct BudgetReservation {
  absl::string_view key;
  int limit = 0;  // > 0
  absl::Duration window;  // > 0
};

// The flap guard's parameters for one acquire. `max_executions == 0` is off.
struct FlapLimit {
  int max_executions = 0;
  absl::Duration window = absl::ZeroDuration();
};

// One acquire's question. The engine builds it by aggregate initialization,
// in member order, on its hot path (Engine::RequestFor): add new members
// at the end, where that initializer leaves them at their defaults.
struct AcquireRequest {
  absl::string_view key;  // the cooldown key
  absl::Time now;
  absl::Duration cooldown;  // > 0
  // True when the caller knows the key's action is still running: the store
  // then answers kInFlight (unless escalated) and changes nothing.
  bool in_flight = false;
  absl::Span<const BudgetReservation> budgets;
  FlapLimit flap;
  // True to answer exactly as an acquire would, but change nothing: not the
  // cooldown, budgets, flap history, nor an escalation (`autoheal explain
  // --state`). A preview never reports `newly_escalated`.
  bool preview = false;
};

enum class AcquireOutcome {
  kAcquired,         // cooldown taken, budgets reserved, execution recorded
  kEscalated,        // the key's flap guard is latched
  kInFlight,         // `in_flight` was set
  kCoolingDown,      // the key is held
  kBudgetExhausted,  // a budget is spent; nothing was taken
};

struct AcquireResult {
  AcquireOutcome outcome = AcquireOutcome::kCoolingDown;
  // kCoolingDown: the cooldown left. kBudgetExhausted: until the spent
  // budget frees a slot. kEscalated: how long the key must stay quiet for
  // the latch to open by itself. Zero otherwise.
  absl::Duration remaining = absl::ZeroDuration();
  // kEscalated: true when this very call latched the key (the flap guard
  // tripped now), false when it was latched before.
  bool newly_escalated = false;
  // kBudgetExhausted: the index in `AcquireRequest::budgets` of the spent
  // budget. -1 otherwise.
  int exhausted_budget = -1;

  bool acquired() const { return outcome == AcquireOutcome::kAcquired; }
};

// A latched key, for `autoheal state list` and the receiver's status.
struct EscalatedKey {
  std::string key;
  // The latch opens by itself at this time if no firing notification
  // arrives before it.
  absl::Time quiet_until;
};

// The most recent acquisition times of a key or a budget, oldest first,
// holding fewer than twice the limit they are checked against: enough to
// answer "were there `limit` acquisitions within the window?" from one
// element (the `limit`-th newest; older ones no longer count).
class RecentTimes {
 public:
  // True when at least `limit` times are recorded and the `limit`-th newest
  // is after `now - window`: one more acquisition would exceed `limit`.
  bool Full(int limit, absl::Time now, absl::Duration window) const;
  // When `Full()`: how long until that time leaves the window.
  absl::Duration UntilSlotFrees(int limit, absl::Time now,
                                absl::Duration window) const;
  // Records `now` in order (it may be older than times already recorded),
  // and drops all but the newest `limit` once it holds twice as many.
  // (`now` by reference: by value, gcc spills it as two 8-byte stores and
  // reloads it as one 16-byte load, which stalls on store forwarding.)
  void Record(const absl::Time& now, int limit);
  // The newest recorded time, or InfinitePast() when empty.
  absl::Time Newest() const;
  void Clear() { times_.clear(); }
  bool empty() const { return times_.empty(); }
  // Oldest first. For stores that persist the times.
  const std::vector<absl::Time>& times() const { return times_; }
  void Assign(std::vector<absl::Time> times) { times_ = std::move(times); }

 private:
  std::vector<absl::Time> times_;
};

// The per-key state a store keeps.
struct KeyRecord {
  // The key is held (cooling down) while `now` is before this.
  absl::Time cooldown_until = absl::InfinitePast();
  // The key's executions, for the flap guard.
  RecentTimes executions;
  // The flap guard's latch, and when it opens by itself if no firing
  // notification arrives before.
  bool latched = false;
  absl::Time quiet_until = absl::InfinitePast();

  // The time from which the record holds nothing that matters to a request
  // with this flap window: the store may forget it then.
  absl::Time ForgetAfter(absl::Duration flap_window) const;
};

// Runs the checks of `CooldownStore::Acquire()` on `record` and `budgets`
// (one per `request.budgets` element, same order) and, unless
// `request.preview`, applies the outcome to them. Returns the answer.
// Sets `*changed` when it modified `record` or a budget.
AcquireResult ApplyAcquire(const AcquireRequest& request, KeyRecord& record,
                           absl::Span<RecentTimes* const> budgets,
                           bool* changed);

// The two halves of `ApplyAcquire()`, for stores that guard budgets apart
// from keys: `KeyGateAnswers()` runs checks 1-4 on the key alone and returns
// true with `result` set when one of them answers (it may latch or refresh
// an escalation: `*changed`); otherwise `ReserveAndCommit()`, with the
// budgets, runs check 5 and takes everything. `*changed` accumulates.
bool KeyGateAnswers(const AcquireRequest& request, KeyRecord& record,
                    AcquireResult& result, bool* changed);
AcquireResult ReserveAndCommit(const AcquireRequest& request,
                               KeyRecord& record,
                               absl::Span<RecentTimes* const> budgets,
                               bool* changed);

}  // namespace autoheal

#endif  // AUTOHEAL_ACQUIRE_H_
