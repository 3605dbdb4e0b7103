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
  static autoheal::Mutex mu;
  autoheal::MutexLock lock(&mu);
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

}  // namespace
}  // namespace autoheal
