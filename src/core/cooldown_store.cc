#include "autoheal/cooldown_store.h"

#include <algorithm>
#include <vector>

#include "absl/container/inlined_vector.h"

namespace autoheal {

InMemoryCooldownStore::Shard& InMemoryCooldownStore::ShardFor(
    const HashedKey& key) {
  // The map uses the hash's low bits (and the bits above its 7-bit control
  // tag) to place entries; the shard takes the top bits, which it leaves be.
  return shards_[key.hash >> (sizeof(size_t) * 8 - kShardBits)];
}

absl::StatusOr<AcquireResult> InMemoryCooldownStore::Acquire(
    const AcquireRequest& request) {
  const HashedKey hashed{request.key, KeyHash()(request.key)};
  Shard& shard = ShardFor(hashed);
  MutexLock lock(&shard.mu);
  auto it = shard.keys.find(hashed);
  if (it != shard.keys.end()) return ApplyWithBudgets(request, it->second);
  if (request.preview) {
    Entry fresh;
    return ApplyWithBudgets(request, fresh);
  }
  if (shard.keys.size() >= shard.sweep_at) SweepExpired(shard, request.now);
  Entry fresh;
  AcquireResult result = ApplyWithBudgets(request, fresh);
  if (result.outcome == AcquireOutcome::kAcquired) {
    shard.keys.emplace(request.key, std::move(fresh));
  }
  return result;
}

AcquireResult InMemoryCooldownStore::ApplyWithBudgets(
    const AcquireRequest& request, Entry& entry) {
  AcquireResult result;
  bool changed = false;
  if (!KeyGateAnswers(request, entry.record, result, &changed)) {
    result = ReserveBudgetsAndCommit(request, entry.record, &changed);
  }
  entry.flap_window = request.flap.window;  // a reloaded policy may change it
  return result;
}

AcquireResult InMemoryCooldownStore::ReserveBudgetsAndCommit(
    const AcquireRequest& request, KeyRecord& record, bool* changed) {
  if (request.budgets.empty()) {
    return ReserveAndCommit(request, record, {}, changed);
  }
  absl::InlinedVector<RecentTimes*, 4> budgets;
  MutexLock lock(&budgets_mu_);
  for (const BudgetReservation& budget : request.budgets) {
    budgets.push_back(&budgets_[budget.key]);
  }
  return ReserveAndCommit(request, record, absl::MakeSpan(budgets), changed);
}

absl::StatusOr<bool> InMemoryCooldownStore::ClearEscalation(
    absl::string_view key) {
  const HashedKey hashed{key, KeyHash()(key)};
  Shard& shard = ShardFor(hashed);
  MutexLock lock(&shard.mu);
  auto it = shard.keys.find(hashed);
  if (it == shard.keys.end()) return false;
  KeyRecord& record = it->second.record;
  const bool was_latched = record.latched;
  record.latched = false;
  record.executions.Clear();
  return was_latched;
}

absl::StatusOr<std::vector<EscalatedKey>> InMemoryCooldownStore::ListEscalated(
    absl::Time now, size_t limit) {
  std::vector<EscalatedKey> latched;
  for (Shard& shard : shards_) {
    MutexLock lock(&shard.mu);
    for (const auto& [key, entry] : shard.keys) {
      if (latched.size() >= limit) return latched;
      if (entry.record.latched && now < entry.record.quiet_until) {
        latched.push_back({key, entry.record.quiet_until});
      }
    }
  }
  return latched;
}

void InMemoryCooldownStore::SweepExpired(Shard& shard, absl::Time now) {
  absl::erase_if(shard.keys, [now](const auto& entry) {
    return entry.second.record.ForgetAfter(entry.second.flap_window) <= now;
  });
  size_t doubled = 2 * shard.keys.size();
  shard.sweep_at = doubled > kMinSweepSize ? doubled : kMinSweepSize;
}

size_t InMemoryCooldownStore::EntryCountForTesting() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    MutexLock lock(&shard.mu);
    total += shard.keys.size();
  }
  return total;
}

}  // namespace autoheal
