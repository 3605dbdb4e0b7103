// Benchmarks of the state stores' Acquire(): the SQLite store against the
// in-memory one, for a new key (a write: one transaction, fsync'd), a held
// key (cooling down: the write lock, a read, no write), a preview (a read
// transaction) and a new key with two budgets, with one and two threads
// (wall time per acquire: UseRealTime).
//
// BM_Notification200_*: a 200-alert notification's worth of requests, as 200
// Acquire() calls (`Single`) or one AcquireBatch() (`Batch`, the engine's
// DecideAll path: one transaction, one fsync), for 200 new keys (every one
// acquired: a write each) and for 200 held keys (every one cooling down: no
// write). Time is per notification; items/s counts decisions.
//
// The SQLite file is on a real disk ($AUTOHEAL_BENCH_DIR, else $TMPDIR, else
// /tmp) for the `Disk` variants, and on tmpfs (/dev/shm, where fsync costs
// nothing) for the `Tmpfs` variants: the difference is the disk's fsync.
//
//   build/bench/store_benchmark --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "autoheal/cooldown_store.h"
#include "autoheal/in_memory_cooldown_store.h"
#include "autoheal/sqlite_cooldown_store.h"
#include "benchmark/benchmark.h"

namespace autoheal {
namespace {

enum class Backend { kMemory, kSqliteDisk, kSqliteTmpfs };

std::string BaseDir(Backend backend) {
  if (backend == Backend::kSqliteTmpfs) return "/dev/shm";
  for (const char* name : {"AUTOHEAL_BENCH_DIR", "TMPDIR"}) {
    const char* dir = std::getenv(name);
    if (dir != nullptr && dir[0] != '\0') return dir;
  }
  return "/tmp";
}

// A store, shared by every benchmark and thread on its backend; its file is
// removed with it.
class StoreFixture {
 public:
  explicit StoreFixture(Backend backend) {
    if (backend == Backend::kMemory) {
      store_ = std::make_unique<InMemoryCooldownStore>();
      return;
    }
    std::string pattern = BaseDir(backend) + "/autoheal-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      error_ = absl::StrCat("mkdtemp ", pattern, " failed");
      return;
    }
    dir_ = pattern;
    absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> store =
        SqliteCooldownStore::Open(dir_ + "/state.db", SqliteOptions());
    if (!store.ok()) {
      error_ = std::string(store.status().message());
      return;
    }
    store_ = *std::move(store);
  }
  ~StoreFixture() {
    store_.reset();
    if (dir_.empty()) return;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::remove((dir_ + "/state.db" + suffix).c_str());
    }
    ::rmdir(dir_.c_str());
  }

  CooldownStore* store() const { return store_.get(); }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  std::string error_;
  std::unique_ptr<CooldownStore> store_;
};

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

constexpr int kNotificationSize = 200;

// The keys of a notification whose every alert is cooling down.
const std::vector<std::string>& HeldKeys() {
  static const std::vector<std::string>* keys = [] {
    auto* held = new std::vector<std::string>;
    for (int i = 0; i < kNotificationSize; ++i) {
      held->push_back(absl::StrCat("ah1|live|11:restart-tcp|4:Down|", i));
    }
    return held;
  }();
  return *keys;
}

// One store per backend for the whole run (each benchmark uses keys of its
// own), made on first use; "hot" is held from the start.
StoreFixture& FixtureFor(Backend backend) {
  static StoreFixture* memory = new StoreFixture(Backend::kMemory);
  static StoreFixture* tmpfs = new StoreFixture(Backend::kSqliteTmpfs);
  static StoreFixture* disk = new StoreFixture(Backend::kSqliteDisk);
  static const bool held = [] {
    for (StoreFixture* f : {memory, tmpfs, disk}) {
      if (f->store() != nullptr) {
        // Held far beyond any `now` the other benchmarks reach, so that
        // their pruning never removes it.
        f->store()
            ->TryAcquire("hot", kT0, absl::Hours(24 * 365 * 100))
            .IgnoreError();
        for (const std::string& key : HeldKeys()) {
          f->store()
              ->TryAcquire(key, kT0, absl::Hours(24 * 365 * 100))
              .IgnoreError();
        }
      }
    }
    std::atexit([] {
      delete memory;
      delete tmpfs;
      delete disk;
    });
    return true;
  }();
  (void)held;
  switch (backend) {
    case Backend::kMemory:
      return *memory;
    case Backend::kSqliteTmpfs:
      return *tmpfs;
    case Backend::kSqliteDisk:
      break;
  }
  return *disk;
}

std::atomic<int64_t> g_next_key{0};

// Runs one Acquire per iteration with the request `make_request(i, key)`
// builds (i unique across threads and runs); fails the benchmark on an
// error or an outcome other than `expected`.
template <typename MakeRequest>
void RunAcquires(benchmark::State& state, Backend backend,
                 AcquireOutcome expected, MakeRequest make_request) {
  StoreFixture& fixture = FixtureFor(backend);
  if (fixture.store() == nullptr) {
    state.SkipWithError(fixture.error().c_str());
    return;
  }
  CooldownStore* store = fixture.store();
  std::string key;
  for (auto _ : state) {
    const int64_t i = g_next_key.fetch_add(1, std::memory_order_relaxed);
    absl::StatusOr<AcquireResult> result = store->Acquire(make_request(i, key));
    if (!result.ok()) {
      state.SkipWithError(std::string(result.status().message()).c_str());
      break;
    }
    if (result->outcome != expected) {
      state.SkipWithError("unexpected outcome");
      break;
    }
  }
}

AcquireRequest Plain(absl::string_view key, absl::Time now) {
  AcquireRequest request;
  request.key = key;
  request.now = now;
  request.cooldown = absl::Minutes(5);
  return request;
}

// Each iteration: a key never seen before. A write (an fsync on SQLite).
void BM_Acquire_NewKey(benchmark::State& state, Backend backend) {
  RunAcquires(state, backend, AcquireOutcome::kAcquired,
              [](int64_t i, std::string& key) {
                key = absl::StrCat("ah1|live|11:restart-api|6:ApiDown|", i);
                return Plain(key, kT0);
              });
}

// Each iteration: the same key, held. No write.
void BM_Acquire_CoolingDown(benchmark::State& state, Backend backend) {
  RunAcquires(state, backend, AcquireOutcome::kCoolingDown,
              [](int64_t, std::string&) { return Plain("hot", kT0); });
}

// Each iteration: a preview of a new key (a read transaction).
void BM_Acquire_Preview(benchmark::State& state, Backend backend) {
  RunAcquires(state, backend, AcquireOutcome::kAcquired,
              [](int64_t i, std::string& key) {
                key = absl::StrCat("ah1|live|11:restart-api|6:ApiDown|", i);
                AcquireRequest request = Plain(key, kT0);
                request.preview = true;
                return request;
              });
}

// Each iteration: a new key with the flap guard, a global and a per-action
// budget (the engine's default limit), one minute after the previous one,
// so the budgets never run out. Three rows written. One thread only: with
// two, `now` would not grow monotonically and a budget could run out.
const BudgetReservation kBudgets[] = {
    {"ah1|budget|live|global", 10, absl::Minutes(5)},
    {"ah1|budget|live|action|11:restart-api", 10, absl::Minutes(5)}};

void BM_Acquire_NewKeyWithBudgets(benchmark::State& state, Backend backend) {
  RunAcquires(state, backend, AcquireOutcome::kAcquired,
              [](int64_t i, std::string& key) {
                key = absl::StrCat("ah1|live|11:restart-api|6:ApiDown|", i);
                AcquireRequest request = Plain(key, kT0 + absl::Minutes(i));
                request.budgets = kBudgets;
                request.flap = {3, absl::Hours(1)};
                return request;
              });
}

// Runs one notification per iteration: `make_keys` fills the 200 keys,
// decided by 200 Acquire() calls or one AcquireBatch(); every answer must
// be `expected`.
template <typename MakeKeys>
void RunNotifications(benchmark::State& state, Backend backend, bool batch,
                      AcquireOutcome expected, MakeKeys make_keys) {
  StoreFixture& fixture = FixtureFor(backend);
  if (fixture.store() == nullptr) {
    state.SkipWithError(fixture.error().c_str());
    return;
  }
  CooldownStore* store = fixture.store();
  std::vector<std::string> keys(kNotificationSize);
  std::vector<AcquireRequest> requests(kNotificationSize);
  std::vector<AcquireResult> results(kNotificationSize);
  for (auto _ : state) {
    make_keys(keys);
    for (int i = 0; i < kNotificationSize; ++i) {
      requests[i] = Plain(keys[i], kT0);
    }
    absl::Status status;
    if (batch) {
      status = store->AcquireBatch(requests, absl::MakeSpan(results));
    } else {
      for (int i = 0; i < kNotificationSize && status.ok(); ++i) {
        absl::StatusOr<AcquireResult> result = store->Acquire(requests[i]);
        status = result.status();
        if (result.ok()) results[i] = *result;
      }
    }
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      break;
    }
    for (const AcquireResult& result : results) {
      if (result.outcome != expected) {
        state.SkipWithError("unexpected outcome");
        return;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kNotificationSize);
}

void NewKeys(std::vector<std::string>& keys) {
  for (std::string& key : keys) {
    key = absl::StrCat("ah1|live|11:restart-api|6:ApiDown|",
                       g_next_key.fetch_add(1, std::memory_order_relaxed));
  }
}

void BM_Notification200_NewKeys_Single(benchmark::State& state,
                                       Backend backend) {
  RunNotifications(state, backend, false, AcquireOutcome::kAcquired, NewKeys);
}
void BM_Notification200_NewKeys_Batch(benchmark::State& state,
                                      Backend backend) {
  RunNotifications(state, backend, true, AcquireOutcome::kAcquired, NewKeys);
}

void Held(std::vector<std::string>& keys) { keys = HeldKeys(); }

void BM_Notification200_CoolingDown_Single(benchmark::State& state,
                                           Backend backend) {
  RunNotifications(state, backend, false, AcquireOutcome::kCoolingDown, Held);
}
void BM_Notification200_CoolingDown_Batch(benchmark::State& state,
                                          Backend backend) {
  RunNotifications(state, backend, true, AcquireOutcome::kCoolingDown, Held);
}

void Register(const char* name, void (*fn)(benchmark::State&, Backend),
              int max_threads = 2) {
  const struct {
    const char* suffix;
    Backend backend;
  } variants[] = {{"Memory", Backend::kMemory},
                  {"SqliteTmpfs", Backend::kSqliteTmpfs},
                  {"SqliteDisk", Backend::kSqliteDisk}};
  for (const auto& v : variants) {
    const Backend backend = v.backend;
    benchmark::internal::Benchmark* bm = benchmark::RegisterBenchmark(
        absl::StrCat(name, "_", v.suffix).c_str(),
        [fn, backend](benchmark::State& state) { fn(state, backend); });
    for (int threads = 1; threads <= max_threads; ++threads) {
      bm->Threads(threads);
    }
    bm->UseRealTime()->Unit(benchmark::kMicrosecond);
  }
}

const bool kRegistered = [] {
  Register("BM_Acquire_NewKey", BM_Acquire_NewKey);
  Register("BM_Acquire_NewKeyWithBudgets", BM_Acquire_NewKeyWithBudgets,
           /*max_threads=*/1);
  Register("BM_Acquire_CoolingDown", BM_Acquire_CoolingDown);
  Register("BM_Acquire_Preview", BM_Acquire_Preview);
  for (const auto& [name, fn] :
       {std::pair("BM_Notification200_NewKeys_Single",
                  BM_Notification200_NewKeys_Single),
        std::pair("BM_Notification200_NewKeys_Batch",
                  BM_Notification200_NewKeys_Batch),
        std::pair("BM_Notification200_CoolingDown_Single",
                  BM_Notification200_CoolingDown_Single),
        std::pair("BM_Notification200_CoolingDown_Batch",
                  BM_Notification200_CoolingDown_Batch)}) {
    Register(name, fn, /*max_threads=*/1);
  }
  return true;
}();

}  // namespace
}  // namespace autoheal
