#include "autoheal/cooldown_store.h"
#include "autoheal/in_memory_cooldown_store.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "start_gate.h"
#include "store_conformance.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;

const absl::Time kT0 = absl::FromUnixSeconds(1'000'000);
constexpr absl::Duration kTtl = absl::Seconds(120);

AcquireResult Acquire(CooldownStore& store, absl::string_view key,
                      absl::Time now, absl::Duration ttl = kTtl) {
  absl::StatusOr<AcquireResult> result = store.TryAcquire(key, now, ttl);
  EXPECT_THAT(result, IsOk());
  return result.ok() ? *result : AcquireResult{};
}

TEST(InMemoryCooldownStoreTest, FirstAcquireWinsThenHoldsUntilExpiry) {
  InMemoryCooldownStore store;
  EXPECT_TRUE(Acquire(store, "k", kT0).acquired());
  AcquireResult held = Acquire(store, "k", kT0 + kTtl - absl::Nanoseconds(1));
  EXPECT_FALSE(held.acquired());
  EXPECT_EQ(held.remaining, absl::Nanoseconds(1));
  EXPECT_TRUE(Acquire(store, "k", kT0 + kTtl).acquired());
}

TEST(InMemoryCooldownStoreTest, AHeldAttemptDoesNotExtendTheHold) {
  InMemoryCooldownStore store;
  ASSERT_TRUE(Acquire(store, "k", kT0).acquired());
  ASSERT_FALSE(Acquire(store, "k", kT0 + absl::Seconds(60)).acquired());
  EXPECT_TRUE(Acquire(store, "k", kT0 + kTtl).acquired());
}

TEST(InMemoryCooldownStoreTest, ClockSteppingBackKeepsTheKeyHeld) {
  InMemoryCooldownStore store;
  ASSERT_TRUE(Acquire(store, "k", kT0).acquired());
  AcquireResult held = Acquire(store, "k", kT0 - absl::Hours(2));
  EXPECT_FALSE(held.acquired());
  EXPECT_EQ(held.remaining, absl::Hours(2) + kTtl);
}

TEST(InMemoryCooldownStoreTest, KeysAreIndependent) {
  InMemoryCooldownStore store;
  EXPECT_TRUE(Acquire(store, "a", kT0).acquired());
  EXPECT_TRUE(Acquire(store, "b", kT0).acquired());
  EXPECT_FALSE(Acquire(store, "a", kT0).acquired());
  EXPECT_TRUE(Acquire(store, std::string("a\0", 2), kT0).acquired());
}

TEST(InMemoryCooldownStoreTest, MemoryStaysBoundedUnderMillionsOfKeys) {
  InMemoryCooldownStore store;
  // One new key per millisecond, each held for one second: about 1,000 keys
  // are live at any moment, out of two million distinct keys.
  constexpr int kKeys = 2'000'000;
  absl::Time now = kT0;
  size_t peak = 0;
  for (int i = 0; i < kKeys; ++i) {
    now += absl::Milliseconds(1);
    ASSERT_TRUE(Acquire(store, absl::StrCat("key-", i), now, absl::Seconds(1))
                    .acquired());
    if (i % 4096 == 0) peak = std::max(peak, internal::EntryCount(store));
  }
  // 16 shards, each swept once past max(1024, twice its live size).
  EXPECT_LT(peak, 16u * 2048u);
  EXPECT_LT(internal::EntryCount(store), 16u * 2048u);
}

TEST(InMemoryCooldownStoreTest, ConcurrentAcquiresOfOneKeyYieldExactlyOneWinner) {
  InMemoryCooldownStore store;
  constexpr int kThreads = 8;
  constexpr int kAttempts = 20'000;
  std::atomic<int> winners{0};
  // Every thread starts at once, so that the first attempts really race
  // (without the gate, the first thread could win before the others exist).
  testutil::StartGate start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.ArriveAndWait();
      for (int i = 0; i < kAttempts; ++i) {
        auto r = store.TryAcquire("hot", kT0, kTtl);
        if (r.ok() && r->acquired()) winners.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST(InMemoryCooldownStoreTest, LatchedAndFlappingKeysSurviveTheSweep) {
  InMemoryCooldownStore store;
  AcquireRequest flapping;
  flapping.key = "flapping";
  flapping.now = kT0;
  flapping.cooldown = absl::Seconds(1);
  flapping.flap = {1, absl::Hours(1)};
  ASSERT_TRUE(store.Acquire(flapping)->acquired());
  // Enough short-lived keys, a minute later, to sweep every shard.
  for (int i = 0; i < 100'000; ++i) {
    Acquire(store, absl::StrCat("k", i), kT0 + absl::Minutes(1),
            absl::Seconds(1));
  }
  flapping.now = kT0 + absl::Minutes(2);
  absl::StatusOr<AcquireResult> result = store.Acquire(flapping);
  ASSERT_THAT(result.status(), IsOk());
  EXPECT_EQ(result->outcome, AcquireOutcome::kEscalated);
}

TEST(RecentTimesTest, TimesRecordedOutOfOrderStillCountByTheirValue) {
  // Two deciders read the clock, then record in the other order.
  RecentTimes times;
  const absl::Duration window = absl::Minutes(10);
  times.Record(kT0 + absl::Minutes(30), 2);
  times.Record(kT0, 2);
  // Only one of the two is within the window at kT0 + 30 min.
  EXPECT_FALSE(times.Full(2, kT0 + absl::Minutes(30), window));
  times.Record(kT0 + absl::Minutes(25), 2);
  EXPECT_TRUE(times.Full(2, kT0 + absl::Minutes(30), window));
  EXPECT_EQ(times.UntilSlotFrees(2, kT0 + absl::Minutes(30), window),
            absl::Minutes(5));
  // A stale time never pushes out a newer one.
  times.Record(kT0 + absl::Minutes(1), 2);
  EXPECT_TRUE(times.Full(2, kT0 + absl::Minutes(30), window));
}

TEST(RecentTimesTest, HoldsUnderTwiceTheLimitAndCountsTheNewest) {
  RecentTimes times;
  constexpr int kLimit = 3;
  const absl::Duration window = absl::Minutes(10);
  for (int i = 0; i < 100; ++i) {
    const absl::Time now = kT0 + absl::Minutes(4) * i;
    // Executions 4 minutes apart: 3 within 10 minutes only if the third
    // newest is less than 10 minutes old, which it is not (8 minutes ago is
    // the second newest, 12 the third).
    EXPECT_FALSE(times.Full(kLimit, now, window)) << i;
    times.Record(now, kLimit);
    EXPECT_LT(times.times().size(), 2u * kLimit) << i;
    EXPECT_TRUE(std::is_sorted(times.times().begin(), times.times().end()));
    EXPECT_EQ(times.Newest(), now);
  }
  const absl::Time last = kT0 + absl::Minutes(4) * 99;
  // Within 9 minutes of the last: 3 of them (last, -4, -8 minutes).
  EXPECT_TRUE(times.Full(kLimit, last + absl::Seconds(1), absl::Minutes(9)));
  EXPECT_EQ(
      times.UntilSlotFrees(kLimit, last + absl::Seconds(1), absl::Minutes(9)),
      absl::Minutes(1) - absl::Seconds(1));
}

using conformance::BackendName;
using conformance::StoreBackend;
using conformance::StoreBatchTest;
using conformance::StoreConformanceTest;

const StoreBackend kMemory{
    "memory", [] { return std::make_unique<InMemoryCooldownStore>(); }, true};
INSTANTIATE_TEST_SUITE_P(InMemory, StoreConformanceTest,
                         conformance::BothForms(kMemory), BackendName);
INSTANTIATE_TEST_SUITE_P(InMemory, StoreBatchTest, ::testing::Values(kMemory),
                         BackendName);

}  // namespace
}  // namespace autoheal
