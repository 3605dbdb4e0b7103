// The in-process state store, the engine's default: cooldowns, budgets,
// flap histories and escalation latches in this process's memory, gone when
// it exits. (Durable: "autoheal/sqlite_cooldown_store.h"; shared by
// replicas: "autoheal/redis_cooldown_store.h".)
//
// Thread safety: every method may be called concurrently from any number of
// threads; the guarantees of "autoheal/cooldown_store.h" hold among them.

#ifndef AUTOHEAL_IN_MEMORY_COOLDOWN_STORE_H_
#define AUTOHEAL_IN_MEMORY_COOLDOWN_STORE_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "autoheal/cooldown_store.h"

namespace autoheal {

class InMemoryCooldownStore;

namespace internal {
// Returns the number of entries `store` holds, live or not yet swept (for
// tests of the sweep; src/core/in_memory_cooldown_store.cc).
size_t EntryCount(const InMemoryCooldownStore& store);
}  // namespace internal

// The in-process default. Keys live in sharded hash maps, each under its
// own mutex; budgets in one map under another. A batch holds every shard it
// touches, then the budgets' mutex, for its whole pass: it cannot fail, so
// it is all-or-nothing by construction, and the locks make it atomic.
// Entries whose cooldown, flap history and latch have all expired are swept
// as a shard grows, so memory stays proportional to the keys that still
// matter, even under millions of distinct keys.
//
//   InMemoryCooldownStore store;
//   auto r = store.TryAcquire(key, clock->Now(), absl::Seconds(120));
class InMemoryCooldownStore final : public CooldownStore {
 public:
  InMemoryCooldownStore();
  ~InMemoryCooldownStore() override;

  absl::StatusOr<AcquireResult> Acquire(const AcquireRequest& request) override;
  absl::Status AcquireBatch(absl::Span<const AcquireRequest> requests,
                            absl::Span<AcquireResult> results) override;
  absl::StatusOr<bool> ClearEscalation(absl::string_view key) override;
  absl::StatusOr<std::vector<EscalatedKey>> ListEscalated(
      absl::Time now, size_t limit) override;

 private:
  friend size_t internal::EntryCount(const InMemoryCooldownStore& store);
  // The shards, the budgets and their mutexes (see the .cc file).
  struct State;
  const std::unique_ptr<State> state_;
};

}  // namespace autoheal

#endif  // AUTOHEAL_IN_MEMORY_COOLDOWN_STORE_H_
