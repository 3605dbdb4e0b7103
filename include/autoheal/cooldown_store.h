// The cooldown store seam: one atomic check-and-take of a key.
//
// The engine asks the store once per decision that passes the allowlist:
// "acquire this key for `ttl` unless it is held". A store answers with a
// single atomic call, never a Get followed by a Set, which would let two
// concurrent duplicates both act.
//
// Implementations: `InMemoryCooldownStore` below (the default, one process),
// SQLite (durable) and Redis (shared by several replicas) in their own
// targets.
//
// Thread safety: every implementation must allow concurrent calls to
// `TryAcquire()` from any number of threads, and must guarantee that among
// concurrent calls for one key, at most one is acquired per window.

#ifndef AUTOHEAL_COOLDOWN_STORE_H_
#define AUTOHEAL_COOLDOWN_STORE_H_

#include <array>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {

struct AcquireResult {
  // True when the caller now holds the key until `now + ttl`.
  bool acquired = false;
  // When not acquired: how long the current holder keeps the key.
  absl::Duration remaining = absl::ZeroDuration();
};

class CooldownStore {
 public:
  CooldownStore() = default;
  CooldownStore(const CooldownStore&) = delete;
  CooldownStore& operator=(const CooldownStore&) = delete;
  virtual ~CooldownStore() = default;

  // Atomically: if `key` is held at `now`, returns {false, time left};
  // otherwise takes it until `now + ttl` and returns {true}. A key is held
  // while `now` is before its expiry, so a clock that steps backwards can
  // only lengthen a cooldown, never shorten it.
  // Returns `kUnavailable` when the store cannot be reached; the engine then
  // fails closed. Precondition: `ttl` is positive. Does not keep `key`.
  virtual absl::StatusOr<AcquireResult> TryAcquire(absl::string_view key,
                                                   absl::Time now,
                                                   absl::Duration ttl) = 0;
};

// The in-process default. Sharded hash maps under `Mutex`; expired
// entries are swept as the map grows, so memory stays proportional to the
// keys still cooling down, even under millions of distinct keys.
//
//   InMemoryCooldownStore store;
//   auto r = store.TryAcquire(key, clock->Now(), absl::Seconds(120));
class InMemoryCooldownStore final : public CooldownStore {
 public:
  InMemoryCooldownStore() = default;

  absl::StatusOr<AcquireResult> TryAcquire(absl::string_view key,
                                           absl::Time now,
                                           absl::Duration ttl) override;

  // Returns the number of entries held in memory, live or not yet swept.
  // For tests and metrics.
  size_t EntryCountForTesting() const;

 private:
  static constexpr size_t kShardBits = 4;
  static constexpr size_t kShardCount = size_t{1} << kShardBits;
  // A shard sweeps expired entries once it has grown past this many entries
  // and past twice its size after the previous sweep: amortised O(1).
  static constexpr size_t kMinSweepSize = 1024;

  // A key with its hash, computed once per call: the hash picks the shard
  // and is reused by the shard's map instead of hashing the key again.
  struct HashedKey {
    absl::string_view key;
    size_t hash;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(absl::string_view key) const {
      return absl::Hash<absl::string_view>()(key);
    }
    size_t operator()(const HashedKey& key) const { return key.hash; }
  };
  struct KeyEq {
    using is_transparent = void;
    bool operator()(absl::string_view a, absl::string_view b) const {
      return a == b;
    }
    bool operator()(const HashedKey& a, absl::string_view b) const {
      return a.key == b;
    }
    bool operator()(absl::string_view a, const HashedKey& b) const {
      return a == b.key;
    }
  };
  using ExpiryMap =
      absl::flat_hash_map<std::string, absl::Time, KeyHash, KeyEq>;

  struct Shard {
    mutable Mutex mu;
    ExpiryMap expiry ABSL_GUARDED_BY(mu);
    size_t sweep_at ABSL_GUARDED_BY(mu) = kMinSweepSize;
  };

  static void SweepExpired(Shard& shard, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  std::array<Shard, kShardCount> shards_;
};

}  // namespace autoheal

#endif  // AUTOHEAL_COOLDOWN_STORE_H_
