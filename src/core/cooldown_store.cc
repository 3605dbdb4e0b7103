#include "autoheal/cooldown_store.h"

#include "absl/hash/hash.h"

namespace autoheal {

absl::StatusOr<AcquireResult> InMemoryCooldownStore::TryAcquire(
    absl::string_view key, absl::Time now, absl::Duration ttl) {
  Shard& shard = shards_[absl::Hash<absl::string_view>()(key) % kShardCount];
  absl::MutexLock lock(&shard.mu);
  auto it = shard.expiry.find(key);
  if (it != shard.expiry.end()) {
    if (now < it->second) return AcquireResult{false, it->second - now};
    it->second = now + ttl;
    return AcquireResult{true, absl::ZeroDuration()};
  }
  if (shard.expiry.size() >= shard.sweep_at) SweepExpired(shard, now);
  shard.expiry.emplace(key, now + ttl);
  return AcquireResult{true, absl::ZeroDuration()};
}

void InMemoryCooldownStore::SweepExpired(Shard& shard, absl::Time now) {
  absl::erase_if(shard.expiry,
                 [now](const auto& entry) { return entry.second <= now; });
  size_t doubled = 2 * shard.expiry.size();
  shard.sweep_at = doubled > kMinSweepSize ? doubled : kMinSweepSize;
}

size_t InMemoryCooldownStore::EntryCountForTesting() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    total += shard.expiry.size();
  }
  return total;
}

}  // namespace autoheal
