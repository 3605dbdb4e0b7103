// The state store seam: one atomic check-and-take per decision, and one per
// notification.
//
// The engine asks the store about every decision that passes the allowlist
// and target gates: `Acquire()` for one alert, `AcquireBatch()` for all of a
// notification's alerts at once (one transaction, one script). For each
// request, in one atomic step the store checks, in the decision
// contract's order, the flap guard (escalated), the in-flight flag, the
// key's cooldown and the budgets, and, when all pass, takes the cooldown,
// reserves every budget and records the execution for the flap guard. It
// never answers with a Get followed by a Set, which would let two concurrent
// duplicates both act, and it never takes one without the others: a decision
// stopped by a budget leaves the cooldown free, and a decision stopped by
// the cooldown consumes no budget.
//
// Implementations: `InMemoryCooldownStore` (the default, one process; in
// "autoheal/in_memory_cooldown_store.h"),
// `SqliteCooldownStore` (durable, target autoheal::sqlite) and
// `RedisCooldownStore` (shared by several replicas, target autoheal::redis).
// tests/store_conformance.h holds the behaviour every implementation passes.
//
// Time comes from the caller (`now`), never from the store's own clock, so a
// store is as testable as the engine. A clock that steps backwards can only
// lengthen a cooldown, a budget window or an escalation, never shorten it.
//
// Thread safety: every implementation must allow concurrent calls from any
// number of threads (and, for shared stores, processes), and must guarantee
// that among concurrent acquires of one key at most one is acquired per
// cooldown window, and that no budget is ever over-reserved.

#ifndef AUTOHEAL_COOLDOWN_STORE_H_
#define AUTOHEAL_COOLDOWN_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "autoheal/acquire.h"

namespace autoheal {

class CooldownStore {
 public:
  CooldownStore() = default;
  CooldownStore(const CooldownStore&) = delete;
  CooldownStore& operator=(const CooldownStore&) = delete;
  virtual ~CooldownStore() = default;

  // The atomic step described at the top of this file. The checks run in
  // this order, and the first that says no answers:
  //   1. escalated: the key is latched and has not been quiet for
  //      `flap.window`; each such call restarts the quiet period.
  //   2. in flight: `in_flight` is set.
  //   3. cooling down: `now` is before the key's cooldown expiry.
  //   4. escalated (newly): the key was acquired `flap.max_executions` times
  //      within `flap.window` before `now`; the key latches.
  //   5. budget exhausted: some budget holds `limit` acquisitions within its
  //      window before `now`.
  //   Otherwise: acquired. The cooldown is held until `now + cooldown`, each
  //   budget and the flap history record `now`.
  // Returns `kUnavailable` when the store cannot be reached or fails; the
  // engine then fails closed. Does not keep any view of `request`.
  virtual absl::StatusOr<AcquireResult> Acquire(
      const AcquireRequest& request) = 0;

  // Answers `requests[i]` into `results[i]` exactly as calling Acquire() on
  // each in order would (request i sees what requests 0..i-1 took: a second
  // request for one key finds it cooling down, budgets are shared), as ONE
  // atomic step: either every answer is applied, or an error is returned
  // and nothing at all was taken. Concurrent calls (of either form) behave
  // as if they ran one after another. Requests may mix keys, budgets,
  // in-flight flags and previews; an empty batch answers at once.
  // Returns `kInvalidArgument` when `results.size() != requests.size()`
  // (nothing taken), `kUnavailable` as Acquire() does; on an error the
  // contents of `results` are unspecified. Does not keep any view of
  // `requests` or `results`.
  //
  // Pure virtual on purpose: a loop over Acquire() could fail halfway with
  // some requests taken, which this contract forbids.
  virtual absl::Status AcquireBatch(absl::Span<const AcquireRequest> requests,
                                    absl::Span<AcquireResult> results) = 0;

  // Opens the latch of `key` and forgets its flap history, so that its next
  // firing notification is decided afresh. Returns whether it was latched.
  // Returns `kUnavailable` when the store cannot be reached.
  virtual absl::StatusOr<bool> ClearEscalation(absl::string_view key) = 0;

  // Returns the keys latched at `now` (at most `limit` of them).
  virtual absl::StatusOr<std::vector<EscalatedKey>> ListEscalated(
      absl::Time now, size_t limit) = 0;

  // Checks that the store answers now, for a readiness probe: one cheap
  // round trip that changes nothing. Returns kUnavailable naming the
  // problem. The default answers OK: a store that lives in this process
  // cannot become unreachable.
  virtual absl::Status Ping() { return absl::OkStatus(); }

  // Shorthand for a plain cooldown acquire: no budgets, no flap guard.
  absl::StatusOr<AcquireResult> TryAcquire(absl::string_view key,
                                           absl::Time now,
                                           absl::Duration ttl) {
    AcquireRequest request;
    request.key = key;
    request.now = now;
    request.cooldown = ttl;
    return Acquire(request);
  }

 protected:
  // Returns the kInvalidArgument that AcquireBatch() must return when
  // `results` does not hold one answer per request, or OK. For
  // implementations: each calls it first.
  static absl::Status CheckBatchSizes(
      absl::Span<const AcquireRequest> requests,
      absl::Span<AcquireResult> results);
};

}  // namespace autoheal

#endif  // AUTOHEAL_COOLDOWN_STORE_H_
