#include "autoheal/in_memory_cooldown_store.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "autoheal/internal/mutex.h"
#include "autoheal/internal/policy_key_hash.h"

namespace autoheal {

// Keys live in sharded hash maps, each shard under its own mutex; budgets in
// one map under their own mutex, always taken after a shard's.
struct InMemoryCooldownStore::State {
  absl::StatusOr<AcquireResult> Acquire(const AcquireRequest& request)
      ABSL_LOCKS_EXCLUDED(budgets_mu_);
  absl::Status AcquireBatch(absl::Span<const AcquireRequest> requests,
                            absl::Span<AcquireResult> results)
      ABSL_LOCKS_EXCLUDED(budgets_mu_);
  absl::StatusOr<bool> ClearEscalation(absl::string_view key);
  absl::StatusOr<std::vector<EscalatedKey>> ListEscalated(absl::Time now,
                                                          size_t limit);
  size_t EntryCount() const;

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
  struct Entry {
    KeyRecord record;
    // The flap window of the latest request: the sweep forgets the entry
    // from `record.ForgetAfter(flap_window)` on. (Kept rather than that
    // time itself, which would cost an acquire a Duration sum to refresh.)
    absl::Duration flap_window;
  };
  using KeyMap = absl::flat_hash_map<std::string, Entry, KeyHash, KeyEq>;

  struct Shard {
    mutable internal::Mutex mu;
    KeyMap keys ABSL_GUARDED_BY(mu);
    size_t sweep_at ABSL_GUARDED_BY(mu) = kMinSweepSize;
  };

  class BatchLocks;

  static size_t ShardIndex(const HashedKey& key);
  Shard& ShardFor(const HashedKey& key) { return shards_[ShardIndex(key)]; }
  // Returns the stored entry of `key` in `shard`, or `fresh` when it has
  // none; before a new key may be stored there (not a preview), sweeps the
  // shard once it has grown. Store `fresh` with KeepIfAcquired().
  static Entry* FindOrFresh(Shard& shard, const HashedKey& key,
                            const AcquireRequest& request, Entry& fresh)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Stores `fresh`, the entry FindOrFresh() returned for a key not yet
  // stored, once `result` acquired it (only then did it change).
  static void KeepIfAcquired(Shard& shard, const AcquireRequest& request,
                             const AcquireResult& result, Entry& fresh)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Runs the key's gates on `entry`; only when none answers, takes
  // `budgets_mu_` and reserves the request's budgets.
  AcquireResult ApplyWithBudgets(const AcquireRequest& request, Entry& entry)
      ABSL_LOCKS_EXCLUDED(budgets_mu_);
  // As ApplyWithBudgets(), for a caller that already holds `budgets_mu_`.
  AcquireResult ApplyHoldingBudgets(const AcquireRequest& request,
                                    Entry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(budgets_mu_);
  AcquireResult ReserveBudgetsAndCommit(const AcquireRequest& request,
                                        KeyRecord& record, bool* changed)
      ABSL_LOCKS_EXCLUDED(budgets_mu_);
  AcquireResult ReserveHeldBudgetsAndCommit(const AcquireRequest& request,
                                            KeyRecord& record, bool* changed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(budgets_mu_);
  static void SweepExpired(Shard& shard, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  std::array<Shard, kShardCount> shards_;
  internal::Mutex budgets_mu_;
  // Node-based: ApplyWithBudgets() holds pointers to several values at once.
  // Budget keys come from the engine's policy, never from alert content.
  absl::node_hash_map<std::string, RecentTimes, internal::PolicyKeyHash,
                      internal::PolicyKeyEq>
      budgets_ ABSL_GUARDED_BY(budgets_mu_);
};

size_t InMemoryCooldownStore::State::ShardIndex(const HashedKey& key) {
  // The map uses the hash's low bits (and the bits above its 7-bit control
  // tag) to place entries; the shard takes the top bits, which it leaves be.
  return key.hash >> (sizeof(size_t) * 8 - kShardBits);
}

InMemoryCooldownStore::State::Entry* InMemoryCooldownStore::State::FindOrFresh(
    Shard& shard, const HashedKey& key, const AcquireRequest& request,
    Entry& fresh) {
  auto it = shard.keys.find(key);
  if (it != shard.keys.end()) return &it->second;
  if (!request.preview && shard.keys.size() >= shard.sweep_at) {
    SweepExpired(shard, request.now);
  }
  return &fresh;
}

void InMemoryCooldownStore::State::KeepIfAcquired(Shard& shard,
                                           const AcquireRequest& request,
                                           const AcquireResult& result,
                                           Entry& fresh) {
  // A key without an entry has no cooldown, history or latch: only an
  // acquire changes it (a preview never does).
  if (result.outcome == AcquireOutcome::kAcquired && !request.preview) {
    shard.keys.emplace(request.key, std::move(fresh));
  }
}

absl::StatusOr<AcquireResult> InMemoryCooldownStore::State::Acquire(
    const AcquireRequest& request) {
  const HashedKey hashed{request.key, KeyHash()(request.key)};
  Shard& shard = ShardFor(hashed);
  internal::MutexLock lock(&shard.mu);
  Entry fresh;
  Entry* entry = FindOrFresh(shard, hashed, request, fresh);
  AcquireResult result = ApplyWithBudgets(request, *entry);
  if (entry == &fresh) KeepIfAcquired(shard, request, result, fresh);
  return result;
}

// Holds the locks of one batch: the shards it touches, taken in ascending
// index order, then `budgets_mu_` when asked; releases them in reverse.
// Taking a run-time set of locks is beyond -Wthread-safety, hence
// ABSL_NO_THREAD_SAFETY_ANALYSIS on these two small functions only; the
// batch's body tells the analysis what is held with AssertHeld() on each
// mutex before it touches what that mutex guards. The order (shards
// ascending, budgets last) is the one every other path follows too, so
// batches cannot deadlock with each other or with Acquire().
class InMemoryCooldownStore::State::BatchLocks {
 public:
  // `shard_indices` is sorted and holds no duplicates.
  BatchLocks(State& store,
             absl::Span<const uint8_t> shard_indices, bool budgets)
      ABSL_NO_THREAD_SAFETY_ANALYSIS
      : store_(store), shard_indices_(shard_indices), budgets_(budgets) {
    for (uint8_t index : shard_indices_) store_.shards_[index].mu.Lock();
    if (budgets_) store_.budgets_mu_.Lock();
  }
  ~BatchLocks() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (budgets_) store_.budgets_mu_.Unlock();
    for (size_t i = shard_indices_.size(); i-- > 0;) {
      store_.shards_[shard_indices_[i]].mu.Unlock();
    }
  }
  BatchLocks(const BatchLocks&) = delete;
  BatchLocks& operator=(const BatchLocks&) = delete;

 private:
  State& store_;
  const absl::Span<const uint8_t> shard_indices_;
  const bool budgets_;
};

absl::Status InMemoryCooldownStore::State::AcquireBatch(
    absl::Span<const AcquireRequest> requests,
    absl::Span<AcquireResult> results) {
  absl::Status sizes = CheckBatchSizes(requests, results);
  if (!sizes.ok()) return sizes;
  if (requests.empty()) return absl::OkStatus();
  // Hash every key once, outside any lock.
  absl::InlinedVector<HashedKey, 32> hashed;
  hashed.reserve(requests.size());
  bool budgets = false;
  uint32_t touched = 0;  // a bit per shard
  static_assert(kShardCount <= 32, "one bit per shard in `touched`");
  for (const AcquireRequest& request : requests) {
    hashed.push_back({request.key, KeyHash()(request.key)});
    touched |= uint32_t{1} << ShardIndex(hashed.back());
    budgets |= !request.budgets.empty();
  }
  absl::InlinedVector<uint8_t, kShardCount> shard_indices;
  for (size_t i = 0; i < kShardCount; ++i) {
    if ((touched >> i) & 1) shard_indices.push_back(static_cast<uint8_t>(i));
  }

  BatchLocks locks(*this, shard_indices, budgets);
  for (size_t i = 0; i < requests.size(); ++i) {
    const AcquireRequest& request = requests[i];
    Shard& shard = ShardFor(hashed[i]);
    shard.mu.AssertHeld();  // by `locks`
    Entry fresh;
    Entry* entry = FindOrFresh(shard, hashed[i], request, fresh);
    if (budgets) {
      budgets_mu_.AssertHeld();  // by `locks`
      results[i] = ApplyHoldingBudgets(request, *entry);
    } else {
      // No request has a budget: this takes no lock.
      results[i] = ApplyWithBudgets(request, *entry);
    }
    if (entry == &fresh) KeepIfAcquired(shard, request, results[i], fresh);
  }
  return absl::OkStatus();
}

AcquireResult InMemoryCooldownStore::State::ApplyWithBudgets(
    const AcquireRequest& request, Entry& entry) {
  AcquireResult result;
  bool changed = false;
  if (!KeyGateAnswers(request, entry.record, result, &changed)) {
    result = ReserveBudgetsAndCommit(request, entry.record, &changed);
  }
  entry.flap_window = request.flap.window;  // a reloaded policy may change it
  return result;
}

AcquireResult InMemoryCooldownStore::State::ApplyHoldingBudgets(
    const AcquireRequest& request, Entry& entry) {
  AcquireResult result;
  bool changed = false;
  if (!KeyGateAnswers(request, entry.record, result, &changed)) {
    result = ReserveHeldBudgetsAndCommit(request, entry.record, &changed);
  }
  entry.flap_window = request.flap.window;
  return result;
}

AcquireResult InMemoryCooldownStore::State::ReserveBudgetsAndCommit(
    const AcquireRequest& request, KeyRecord& record, bool* changed) {
  if (request.budgets.empty()) {
    return ReserveAndCommit(request, record, {}, changed);
  }
  internal::MutexLock lock(&budgets_mu_);
  return ReserveHeldBudgetsAndCommit(request, record, changed);
}

AcquireResult InMemoryCooldownStore::State::ReserveHeldBudgetsAndCommit(
    const AcquireRequest& request, KeyRecord& record, bool* changed) {
  absl::InlinedVector<RecentTimes*, 4> budgets;
  for (const BudgetReservation& budget : request.budgets) {
    budgets.push_back(&budgets_[budget.key]);
  }
  return ReserveAndCommit(request, record, absl::MakeSpan(budgets), changed);
}

absl::StatusOr<bool> InMemoryCooldownStore::State::ClearEscalation(
    absl::string_view key) {
  const HashedKey hashed{key, KeyHash()(key)};
  Shard& shard = ShardFor(hashed);
  internal::MutexLock lock(&shard.mu);
  auto it = shard.keys.find(hashed);
  if (it == shard.keys.end()) return false;
  KeyRecord& record = it->second.record;
  const bool was_latched = record.latched;
  record.latched = false;
  record.executions.Clear();
  return was_latched;
}

absl::StatusOr<std::vector<EscalatedKey>> InMemoryCooldownStore::State::ListEscalated(
    absl::Time now, size_t limit) {
  std::vector<EscalatedKey> latched;
  for (Shard& shard : shards_) {
    internal::MutexLock lock(&shard.mu);
    for (const auto& [key, entry] : shard.keys) {
      if (latched.size() >= limit) return latched;
      if (entry.record.latched && now < entry.record.quiet_until) {
        latched.push_back({key, entry.record.quiet_until});
      }
    }
  }
  return latched;
}

void InMemoryCooldownStore::State::SweepExpired(Shard& shard, absl::Time now) {
  absl::erase_if(shard.keys, [now](const auto& entry) {
    return entry.second.record.ForgetAfter(entry.second.flap_window) <= now;
  });
  size_t doubled = 2 * shard.keys.size();
  shard.sweep_at = doubled > kMinSweepSize ? doubled : kMinSweepSize;
}

size_t InMemoryCooldownStore::State::EntryCount() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    internal::MutexLock lock(&shard.mu);
    total += shard.keys.size();
  }
  return total;
}

InMemoryCooldownStore::InMemoryCooldownStore()
    : state_(std::make_unique<State>()) {}

InMemoryCooldownStore::~InMemoryCooldownStore() = default;

absl::StatusOr<AcquireResult> InMemoryCooldownStore::Acquire(
    const AcquireRequest& request) {
  return state_->Acquire(request);
}

absl::Status InMemoryCooldownStore::AcquireBatch(
    absl::Span<const AcquireRequest> requests,
    absl::Span<AcquireResult> results) {
  return state_->AcquireBatch(requests, results);
}

absl::StatusOr<bool> InMemoryCooldownStore::ClearEscalation(
    absl::string_view key) {
  return state_->ClearEscalation(key);
}

absl::StatusOr<std::vector<EscalatedKey>> InMemoryCooldownStore::ListEscalated(
    absl::Time now, size_t limit) {
  return state_->ListEscalated(now, limit);
}

namespace internal {
size_t EntryCount(const InMemoryCooldownStore& store) {
  return store.state_->EntryCount();
}
}  // namespace internal

}  // namespace autoheal
