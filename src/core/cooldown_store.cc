#include "autoheal/cooldown_store.h"

namespace autoheal {

absl::StatusOr<AcquireResult> InMemoryCooldownStore::TryAcquire(
    absl::string_view key, absl::Time now, absl::Duration ttl) {
  const HashedKey hashed{key, KeyHash()(key)};
  // The map uses the hash's low bits (and the bits above its 7-bit control
  // tag) to place entries; the shard takes the top bits, which it leaves be.
  Shard& shard = shards_[hashed.hash >> (sizeof(size_t) * 8 - kShardBits)];
  MutexLock lock(&shard.mu);
  auto it = shard.expiry.find(hashed);
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
    MutexLock lock(&shard.mu);
    total += shard.expiry.size();
  }
  return total;
}

}  // namespace autoheal
