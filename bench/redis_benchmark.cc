// RedisCooldownStore::Acquire() against a real redis-server on loopback
// (started here, no persistence), so these measure round trips, not the
// engine. Skipped, with a message, when redis-server is not installed.
//
//   BM_RedisAcquire_Acquired/pool:N     a new key each time, with a global
//                                       budget and the flap guard: the full
//                                       path (flap script, SET NX, budget
//                                       script: 3 round trips)
//   BM_RedisAcquire_HotKey/pool:N       one key, held: the flap script
//                                       answers cooling_down (1 round trip)
//   BM_RedisNotification200_{NewKeys,CoolingDown}_{Single,Batch}
//                                       a 200-alert notification: 200 new
//                                       keys (as _Acquired) or 200 held
//                                       keys, by 200 Acquire() calls or one
//                                       AcquireBatch() (one script call),
//                                       one thread; time per notification
//
// Each runs on 1, 4 and 8 threads sharing one store, with a pool of 1 or 4
// connections: the pool size is the knob between one connection under a
// mutex and several.
//
//   build/bench/redis_benchmark --benchmark_min_time=2
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "autoheal/internal/mutex.h"
#include "absl/strings/str_cat.h"
#include "autoheal/redis_cooldown_store.h"
#include "benchmark/benchmark.h"
#include "redis_server.h"
#include "subprocess.h"

namespace autoheal {
namespace {

using testutil::RedisServer;
using testutil::TempDir;

// The server shared by every benchmark; null (with the reason in `*why`)
// when it cannot be started.
RedisServer* Server(std::string* why) {
  static TempDir dir;
  static absl::StatusOr<std::unique_ptr<RedisServer>> server =
      RedisServer::Start(dir);
  if (!server.ok()) {
    *why = absl::StrCat("skipped: no redis-server (", server.status().message(),
                        ")");
    return nullptr;
  }
  return server->get();
}

// One store per benchmark and pool size, shared by its threads.
RedisCooldownStore* Store(int pool_size, std::string* why) {
  static std::unique_ptr<RedisCooldownStore> stores[65];
  static autoheal::internal::Mutex mu;
  autoheal::internal::MutexLock lock(&mu);
  if (stores[pool_size] != nullptr) return stores[pool_size].get();
  RedisServer* server = Server(why);
  if (server == nullptr) return nullptr;
  RedisOptions options;
  options.address = server->address();
  options.prefix = absl::StrCat("bench-", pool_size);
  options.pool_size = pool_size;
  absl::StatusOr<std::unique_ptr<RedisCooldownStore>> store =
      RedisCooldownStore::Connect(options);
  if (!store.ok()) {
    *why = std::string(store.status().message());
    return nullptr;
  }
  stores[pool_size] = *std::move(store);
  return stores[pool_size].get();
}

void BM_RedisAcquire_Acquired(benchmark::State& state) {
  std::string why;
  RedisCooldownStore* store = Store(static_cast<int>(state.range(0)), &why);
  if (store == nullptr) {
    state.SkipWithError(why.c_str());
    return;
  }
  static std::atomic<uint64_t> next_key{0};
  // Realistic sizes (10 entries), but a window nothing fills, so every
  // acquire succeeds and takes the full path.
  const BudgetReservation budget{"live|global", 10, absl::Microseconds(1)};
  int64_t failures = 0;
  for (auto _ : state) {
    const std::string key = absl::StrCat("key-", next_key.fetch_add(1));
    AcquireRequest request;
    request.key = key;
    request.now = absl::Now();
    request.cooldown = absl::Minutes(5);
    request.budgets = absl::MakeConstSpan(&budget, 1);
    request.flap = {3, absl::Hours(1)};
    absl::StatusOr<AcquireResult> result = store->Acquire(request);
    if (!result.ok() || !result->acquired()) ++failures;
  }
  state.SetItemsProcessed(state.iterations());
  if (failures > 0) state.SkipWithError("an acquire failed");
}
BENCHMARK(BM_RedisAcquire_Acquired)
    ->ArgName("pool")->Arg(1)->Arg(4)
    ->Threads(1)->Threads(4)->Threads(8)->UseRealTime();

void BM_RedisAcquire_HotKey(benchmark::State& state) {
  std::string why;
  RedisCooldownStore* store = Store(static_cast<int>(state.range(0)), &why);
  if (store == nullptr) {
    state.SkipWithError(why.c_str());
    return;
  }
  AcquireRequest request;
  request.key = "hot";
  request.now = absl::Now();
  request.cooldown = absl::Hours(1);
  request.flap = {3, absl::Hours(1)};
  // The first call may acquire; every other one is held.
  if (!store->Acquire(request).ok()) {
    state.SkipWithError("acquire failed");
    return;
  }
  int64_t failures = 0;
  for (auto _ : state) {
    absl::StatusOr<AcquireResult> result = store->Acquire(request);
    if (!result.ok() || result->outcome != AcquireOutcome::kCoolingDown) {
      ++failures;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (failures > 0) state.SkipWithError("a held acquire failed");
}
BENCHMARK(BM_RedisAcquire_HotKey)
    ->ArgName("pool")->Arg(1)->Arg(4)
    ->Threads(1)->Threads(4)->Threads(8)->UseRealTime();

constexpr int kNotificationSize = 200;

// One notification per iteration: 200 requests made by `make_request(i,
// key)`, decided by 200 Acquire() calls or one AcquireBatch(); every
// answer must be `expected`.
template <typename MakeRequest>
void RunNotifications(benchmark::State& state, bool batch,
                      AcquireOutcome expected, MakeRequest make_request) {
  std::string why;
  RedisCooldownStore* store = Store(1, &why);
  if (store == nullptr) {
    state.SkipWithError(why.c_str());
    return;
  }
  std::vector<std::string> keys(kNotificationSize);
  std::vector<AcquireRequest> requests(kNotificationSize);
  std::vector<AcquireResult> results(kNotificationSize);
  int64_t failures = 0;
  for (auto _ : state) {
    for (int i = 0; i < kNotificationSize; ++i) {
      requests[i] = make_request(i, keys[i]);
    }
    if (batch) {
      if (!store->AcquireBatch(requests, absl::MakeSpan(results)).ok()) {
        ++failures;
        continue;
      }
    } else {
      for (int i = 0; i < kNotificationSize; ++i) {
        absl::StatusOr<AcquireResult> result = store->Acquire(requests[i]);
        if (!result.ok()) {
          ++failures;
          break;
        }
        results[i] = *result;
      }
    }
    for (const AcquireResult& result : results) {
      failures += result.outcome != expected;
    }
  }
  state.SetItemsProcessed(state.iterations() * kNotificationSize);
  if (failures > 0) state.SkipWithError("a decision failed or was unexpected");
}

AcquireRequest NewKeyRequest(std::string& key) {
  static std::atomic<uint64_t> next_key{0};
  // As BM_RedisAcquire_Acquired: the full path, with a budget nothing
  // fills. Its limit exceeds the notification's size: a batch is judged at
  // one instant of the server's clock, so a 1 µs window does not empty
  // between its requests as it does between round trips.
  static const BudgetReservation budget{"live|notification", 256,
                                        absl::Microseconds(1)};
  key = absl::StrCat("notification-key-", next_key.fetch_add(1));
  AcquireRequest request;
  request.key = key;
  request.now = absl::Now();
  request.cooldown = absl::Minutes(5);
  request.budgets = absl::MakeConstSpan(&budget, 1);
  request.flap = {3, absl::Hours(1)};
  return request;
}

AcquireRequest HeldRequest(int i, std::string& key) {
  key = absl::StrCat("held-", i);
  AcquireRequest request;
  request.key = key;
  request.now = absl::Now();
  request.cooldown = absl::Hours(1);
  request.flap = {3, absl::Hours(1)};
  return request;
}

// Holds the 200 keys of BM_RedisNotification200_CoolingDown_*.
bool HoldKeys() {
  std::string why;
  RedisCooldownStore* store = Store(1, &why);
  if (store == nullptr) return false;
  for (int i = 0; i < kNotificationSize; ++i) {
    std::string key;
    if (!store->Acquire(HeldRequest(i, key)).ok()) return false;
  }
  return true;
}

void BM_RedisNotification200_NewKeys_Single(benchmark::State& state) {
  RunNotifications(state, false, AcquireOutcome::kAcquired,
                   [](int, std::string& key) { return NewKeyRequest(key); });
}
void BM_RedisNotification200_NewKeys_Batch(benchmark::State& state) {
  RunNotifications(state, true, AcquireOutcome::kAcquired,
                   [](int, std::string& key) { return NewKeyRequest(key); });
}
void BM_RedisNotification200_CoolingDown_Single(benchmark::State& state) {
  static const bool held = HoldKeys();
  (void)held;
  RunNotifications(state, false, AcquireOutcome::kCoolingDown, HeldRequest);
}
void BM_RedisNotification200_CoolingDown_Batch(benchmark::State& state) {
  static const bool held = HoldKeys();
  (void)held;
  RunNotifications(state, true, AcquireOutcome::kCoolingDown, HeldRequest);
}
BENCHMARK(BM_RedisNotification200_NewKeys_Single)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RedisNotification200_NewKeys_Batch)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RedisNotification200_CoolingDown_Single)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RedisNotification200_CoolingDown_Batch)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace autoheal
