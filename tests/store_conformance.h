// The behaviour every `CooldownStore` implementation must show: cooldowns,
// budgets, the flap guard, previews and atomicity under concurrency, as
// specified by `CooldownStore::Acquire()` ("autoheal/cooldown_store.h").
//
// Every case runs in two forms: through `Acquire()`, and through
// `AcquireBatch()` with a batch of one request. `StoreBatchTest` adds the
// cases only a batch of several requests can show (duplicates, a budget or
// the flap guard running out mid-batch, previews, the empty batch), each
// checked against the same requests made one `Acquire()` at a time.
//
// A backend's test binary includes this header once and instantiates both
// suites with a factory:
//
//   const StoreBackend kSqlite{"sqlite", MakeSqliteStore, true};
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            BothForms(kSqlite), BackendName);
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreBatchTest,
//                            ::testing::Values(kSqlite), BackendName);
//
// Durations are short (a 200 ms cooldown, a 2 s window) so that a store
// that judges expiry by its own clock (Redis PX) can run the same tests in
// real time: `Advance()` then waits as well as moving `now`.
#ifndef AUTOHEAL_TESTS_STORE_CONFORMANCE_H_
#define AUTOHEAL_TESTS_STORE_CONFORMANCE_H_

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "autoheal/cooldown_store.h"
#include "gtest/gtest.h"

namespace autoheal {
namespace conformance {

// How the conformance cases ask the store.
enum class Form {
  kSingle,  // Acquire()
  kBatch,   // AcquireBatch() with one request
};

struct StoreBackend {
  std::string name;
  // Makes a fresh, empty store.
  std::function<std::unique_ptr<CooldownStore>()> make;
  // True when the store judges expiry by the caller's `now` (memory,
  // SQLite); false when it uses its own clock (Redis PX), so that tests must
  // also wait in real time and skip the clock-steps-back case.
  bool caller_time = true;
  Form form = Form::kSingle;
};

// `backend` in both forms, for StoreConformanceTest.
inline ::testing::internal::ParamGenerator<StoreBackend> BothForms(
    const StoreBackend& backend) {
  StoreBackend single = backend;
  single.form = Form::kSingle;
  StoreBackend batch = backend;
  batch.form = Form::kBatch;
  return ::testing::ValuesIn(std::vector<StoreBackend>{single, batch});
}

inline std::string BackendName(
    const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.form == Form::kBatch ? info.param.name + "_batch"
                                         : info.param.name;
}

// For gtest's messages: the backend's name, not its bytes.
inline void PrintTo(const StoreBackend& backend, std::ostream* os) {
  *os << backend.name << (backend.form == Form::kBatch ? " (batch)" : "");
}

constexpr absl::Duration kCooldown = absl::Milliseconds(200);
constexpr absl::Duration kWindow = absl::Seconds(2);
// Slack for stores on their own clock: the time a round trip may take.
constexpr absl::Duration kSlack = absl::Milliseconds(100);

class StoreConformanceTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr);
  }

  bool caller_time() const { return GetParam().caller_time; }

  // Moves `now_` forward; on a store with its own clock, also waits.
  void Advance(absl::Duration d) {
    now_ += d;
    if (!caller_time()) absl::SleepFor(d);
  }

  AcquireRequest Request(absl::string_view key) const {
    AcquireRequest request;
    request.key = key;
    request.now = now_;
    request.cooldown = kCooldown;
    return request;
  }

  // Acquires through `Acquire()` or a batch of one, as the form says.
  AcquireResult MustAcquire(const AcquireRequest& request) {
    if (GetParam().form == Form::kBatch) {
      AcquireResult result;
      const absl::Status status = store_->AcquireBatch(
          absl::MakeConstSpan(&request, 1), absl::MakeSpan(&result, 1));
      EXPECT_TRUE(status.ok()) << status;
      return status.ok() ? result : AcquireResult();
    }
    absl::StatusOr<AcquireResult> result = store_->Acquire(request);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.value_or(AcquireResult());
  }

  // Acquires `requests` in one batch on `store` (default: the test's).
  std::vector<AcquireResult> MustBatch(
      const std::vector<AcquireRequest>& requests,
      CooldownStore* store = nullptr) {
    std::vector<AcquireResult> results(requests.size());
    const absl::Status status = (store != nullptr ? store : store_.get())
                                    ->AcquireBatch(requests,
                                                   absl::MakeSpan(results));
    EXPECT_TRUE(status.ok()) << status;
    return results;
  }

  AcquireOutcome Outcome(const AcquireRequest& request) {
    return MustAcquire(request).outcome;
  }

  // Acquires `key` under the flap guard `limit`, then lets its cooldown pass.
  AcquireOutcome FireWithFlap(absl::string_view key, int limit) {
    AcquireRequest request = Request(key);
    request.flap = {limit, kWindow};
    AcquireOutcome outcome = Outcome(request);
    Advance(kCooldown + kSlack);
    return outcome;
  }

  std::unique_ptr<CooldownStore> store_;
  // A fixed, realistic start; stores on their own clock ignore it.
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_P(StoreConformanceTest, AcquiresOnceThenCoolsDown) {
  EXPECT_EQ(Outcome(Request("k")), AcquireOutcome::kAcquired);
  AcquireResult again = MustAcquire(Request("k"));
  EXPECT_EQ(again.outcome, AcquireOutcome::kCoolingDown);
  EXPECT_GT(again.remaining, absl::ZeroDuration());
  EXPECT_LE(again.remaining, kCooldown);
  if (caller_time()) {
    EXPECT_EQ(again.remaining, kCooldown);
  }
}

TEST_P(StoreConformanceTest, AcquiresAgainOnceTheCooldownHasPassed) {
  ASSERT_EQ(Outcome(Request("k")), AcquireOutcome::kAcquired);
  Advance(kCooldown + kSlack);
  EXPECT_EQ(Outcome(Request("k")), AcquireOutcome::kAcquired);
}

TEST_P(StoreConformanceTest, ExactCooldownBoundary) {
  if (!caller_time()) GTEST_SKIP() << "the store keeps time itself";
  ASSERT_EQ(Outcome(Request("k")), AcquireOutcome::kAcquired);
  now_ += kCooldown - absl::Nanoseconds(1);
  EXPECT_EQ(Outcome(Request("k")), AcquireOutcome::kCoolingDown);
  now_ += absl::Nanoseconds(1);
  EXPECT_EQ(Outcome(Request("k")), AcquireOutcome::kAcquired);
}

TEST_P(StoreConformanceTest, ClockSteppingBackNeverShortensACooldown) {
  if (!caller_time()) GTEST_SKIP() << "the store keeps time itself";
  ASSERT_EQ(Outcome(Request("k")), AcquireOutcome::kAcquired);
  now_ -= absl::Hours(1);
  AcquireResult back = MustAcquire(Request("k"));
  EXPECT_EQ(back.outcome, AcquireOutcome::kCoolingDown);
  EXPECT_EQ(back.remaining, absl::Hours(1) + kCooldown);
}

TEST_P(StoreConformanceTest, KeysAreIndependentAndBinarySafe) {
  const std::string with_nul("a\0b", 3);
  const std::string other("a\0c", 3);
  EXPECT_EQ(Outcome(Request(with_nul)), AcquireOutcome::kAcquired);
  EXPECT_EQ(Outcome(Request(other)), AcquireOutcome::kAcquired);
  EXPECT_EQ(Outcome(Request("x|y*{}\"'$(rm -rf /)")),
            AcquireOutcome::kAcquired);
  EXPECT_EQ(Outcome(Request(with_nul)), AcquireOutcome::kCoolingDown);
}

TEST_P(StoreConformanceTest, InFlightTakesNothing) {
  AcquireRequest running = Request("k");
  running.in_flight = true;
  EXPECT_EQ(Outcome(running), AcquireOutcome::kInFlight);
  EXPECT_EQ(Outcome(Request("k")), AcquireOutcome::kAcquired);
}

TEST_P(StoreConformanceTest, BudgetCapsDistinctKeysAndTakesNoCooldown) {
  BudgetReservation budget{"budget", 2, kWindow};
  for (const char* key : {"k1", "k2"}) {
    AcquireRequest request = Request(key);
    request.budgets = absl::MakeConstSpan(&budget, 1);
    EXPECT_EQ(Outcome(request), AcquireOutcome::kAcquired) << key;
  }
  AcquireRequest third = Request("k3");
  third.budgets = absl::MakeConstSpan(&budget, 1);
  AcquireResult spent = MustAcquire(third);
  EXPECT_EQ(spent.outcome, AcquireOutcome::kBudgetExhausted);
  EXPECT_EQ(spent.exhausted_budget, 0);
  EXPECT_GT(spent.remaining, absl::ZeroDuration());
  EXPECT_LE(spent.remaining, kWindow);
  // k3 took no cooldown: without the budget it acquires at once.
  EXPECT_EQ(Outcome(Request("k3")), AcquireOutcome::kAcquired);
}

TEST_P(StoreConformanceTest, BudgetFreesASlotWhenTheWindowSlides) {
  BudgetReservation budget{"budget", 1, kWindow};
  AcquireRequest first = Request("k1");
  first.budgets = absl::MakeConstSpan(&budget, 1);
  ASSERT_EQ(Outcome(first), AcquireOutcome::kAcquired);
  AcquireRequest second = Request("k2");
  second.budgets = absl::MakeConstSpan(&budget, 1);
  ASSERT_EQ(Outcome(second), AcquireOutcome::kBudgetExhausted);
  Advance(kWindow + kSlack);
  second.now = now_;
  EXPECT_EQ(Outcome(second), AcquireOutcome::kAcquired);
}

TEST_P(StoreConformanceTest, CoolingDownConsumesNoBudget) {
  BudgetReservation budget{"budget", 2, kWindow};
  AcquireRequest k1 = Request("k1");
  k1.budgets = absl::MakeConstSpan(&budget, 1);
  ASSERT_EQ(Outcome(k1), AcquireOutcome::kAcquired);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Outcome(k1), AcquireOutcome::kCoolingDown);
  }
  AcquireRequest k2 = Request("k2");
  k2.budgets = absl::MakeConstSpan(&budget, 1);
  EXPECT_EQ(Outcome(k2), AcquireOutcome::kAcquired);
}

TEST_P(StoreConformanceTest, BudgetsAreReservedAllOrNothing) {
  const BudgetReservation both[] = {{"wide", 3, kWindow}, {"narrow", 1, kWindow}};
  AcquireRequest k1 = Request("k1");
  k1.budgets = both;
  ASSERT_EQ(Outcome(k1), AcquireOutcome::kAcquired);
  AcquireRequest k2 = Request("k2");
  k2.budgets = both;
  AcquireResult spent = MustAcquire(k2);
  ASSERT_EQ(spent.outcome, AcquireOutcome::kBudgetExhausted);
  EXPECT_EQ(spent.exhausted_budget, 1);
  // "wide" holds only k1's reservation: two more fit, then it is spent.
  for (const char* key : {"k3", "k4"}) {
    AcquireRequest request = Request(key);
    request.budgets = absl::MakeConstSpan(&both[0], 1);
    EXPECT_EQ(Outcome(request), AcquireOutcome::kAcquired) << key;
  }
  AcquireRequest k5 = Request("k5");
  k5.budgets = absl::MakeConstSpan(&both[0], 1);
  EXPECT_EQ(Outcome(k5), AcquireOutcome::kBudgetExhausted);
}

TEST_P(StoreConformanceTest, FlapGuardLatchesOnTheFiringAfterTheLimit) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(FireWithFlap("k", 3), AcquireOutcome::kAcquired) << i;
  }
  AcquireRequest fourth = Request("k");
  fourth.flap = {3, kWindow};
  AcquireResult latched = MustAcquire(fourth);
  EXPECT_EQ(latched.outcome, AcquireOutcome::kEscalated);
  EXPECT_TRUE(latched.newly_escalated);
  AcquireResult again = MustAcquire(fourth);
  EXPECT_EQ(again.outcome, AcquireOutcome::kEscalated);
  EXPECT_FALSE(again.newly_escalated);
  // An escalated key wins over in-flight and cooldown (gate order).
  fourth.in_flight = true;
  EXPECT_EQ(Outcome(fourth), AcquireOutcome::kEscalated);
}

TEST_P(StoreConformanceTest, FlapGuardIgnoresDuplicatesDuringTheCooldown) {
  AcquireRequest request = Request("k");
  request.flap = {1, kWindow};
  ASSERT_EQ(Outcome(request), AcquireOutcome::kAcquired);
  // A redelivery inside the cooldown is not a new firing.
  EXPECT_EQ(Outcome(request), AcquireOutcome::kCoolingDown);
}

TEST_P(StoreConformanceTest, ClearingAnEscalationLetsTheKeyActAgain) {
  for (int i = 0; i < 2; ++i) ASSERT_EQ(FireWithFlap("k", 2), AcquireOutcome::kAcquired);
  ASSERT_EQ(FireWithFlap("k", 2), AcquireOutcome::kEscalated);
  absl::StatusOr<std::vector<EscalatedKey>> listed =
      store_->ListEscalated(now_, 100);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "k");
  absl::StatusOr<bool> cleared = store_->ClearEscalation("k");
  ASSERT_TRUE(cleared.ok()) << cleared.status();
  EXPECT_TRUE(*cleared);
  EXPECT_EQ(FireWithFlap("k", 2), AcquireOutcome::kAcquired);
  listed = store_->ListEscalated(now_, 100);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  cleared = store_->ClearEscalation("never-seen");
  ASSERT_TRUE(cleared.ok());
  EXPECT_FALSE(*cleared);
}

TEST_P(StoreConformanceTest, EscalationOpensAfterAQuietWindow) {
  ASSERT_EQ(FireWithFlap("k", 1), AcquireOutcome::kAcquired);
  ASSERT_EQ(FireWithFlap("k", 1), AcquireOutcome::kEscalated);
  // Another firing half a window later restarts the quiet period.
  Advance(kWindow / 2);
  ASSERT_EQ(FireWithFlap("k", 1), AcquireOutcome::kEscalated);
  Advance(kWindow / 2);
  EXPECT_EQ(FireWithFlap("k", 1), AcquireOutcome::kEscalated);
  Advance(kWindow + kSlack);
  EXPECT_EQ(FireWithFlap("k", 1), AcquireOutcome::kAcquired);
}

TEST_P(StoreConformanceTest, PreviewAnswersButChangesNothing) {
  BudgetReservation budget{"budget", 1, kWindow};
  AcquireRequest preview = Request("k");
  preview.budgets = absl::MakeConstSpan(&budget, 1);
  preview.flap = {1, kWindow};
  preview.preview = true;
  EXPECT_EQ(Outcome(preview), AcquireOutcome::kAcquired);
  EXPECT_EQ(Outcome(preview), AcquireOutcome::kAcquired);
  AcquireRequest real = preview;
  real.preview = false;
  ASSERT_EQ(Outcome(real), AcquireOutcome::kAcquired);
  EXPECT_EQ(Outcome(preview), AcquireOutcome::kCoolingDown);
  Advance(kCooldown + kSlack);
  preview.now = real.now = now_;
  // The flap guard would trip now: the preview says so but latches nothing.
  AcquireResult would = MustAcquire(preview);
  EXPECT_EQ(would.outcome, AcquireOutcome::kEscalated);
  EXPECT_FALSE(would.newly_escalated);
  absl::StatusOr<std::vector<EscalatedKey>> listed =
      store_->ListEscalated(now_, 100);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  AcquireResult tripped = MustAcquire(real);
  EXPECT_EQ(tripped.outcome, AcquireOutcome::kEscalated);
  EXPECT_TRUE(tripped.newly_escalated);
}

// Runs `per_thread` acquires on each of `threads` threads at once and
// returns how many were acquired.
inline int CountConcurrentAcquires(
    int threads, int per_thread,
    const std::function<AcquireOutcome(int thread, int i)>& acquire) {
  std::atomic<int> acquired{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < threads) std::this_thread::yield();
      for (int i = 0; i < per_thread; ++i) {
        if (acquire(t, i) == AcquireOutcome::kAcquired) acquired.fetch_add(1);
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  return acquired.load();
}

TEST_P(StoreConformanceTest, ConcurrentDuplicatesAcquireExactlyOnce) {
  // A long cooldown: on a store with its own clock, 800 acquires on a
  // loaded machine can outlast kCooldown and rightly acquire again.
  AcquireRequest hot = Request("hot");
  hot.cooldown = absl::Hours(1);
  int acquired = CountConcurrentAcquires(8, 100, [&](int, int) {
    return Outcome(hot);
  });
  EXPECT_EQ(acquired, 1);
}

TEST_P(StoreConformanceTest, ConcurrentDistinctKeysNeverOverReserveABudget) {
  BudgetReservation budget{"budget", 5, absl::Hours(1)};
  int acquired = CountConcurrentAcquires(8, 25, [&](int t, int i) {
    std::string key = absl::StrCat("key-", t, "-", i);
    AcquireRequest request = Request(key);
    request.budgets = absl::MakeConstSpan(&budget, 1);
    return Outcome(request);
  });
  EXPECT_EQ(acquired, 5);
}

// ---------------------------------------------------------------------------
// Batches of several requests.

class StoreBatchTest : public StoreConformanceTest {
 protected:
  // Checks that `batch` (the answers of one AcquireBatch()) is what the
  // same requests give one Acquire() at a time on a fresh store. A store on
  // its own clock may differ in the time left (each call reads its clock),
  // so there only the outcomes and flags are compared.
  void ExpectSameAsOneByOne(const std::vector<AcquireRequest>& requests,
                            const std::vector<AcquireResult>& batch) {
    ASSERT_EQ(batch.size(), requests.size());
    std::unique_ptr<CooldownStore> fresh = GetParam().make();
    ASSERT_NE(fresh, nullptr);
    for (size_t i = 0; i < requests.size(); ++i) {
      absl::StatusOr<AcquireResult> one = fresh->Acquire(requests[i]);
      ASSERT_TRUE(one.ok()) << one.status();
      EXPECT_EQ(batch[i].outcome, one->outcome) << "request " << i;
      EXPECT_EQ(batch[i].newly_escalated, one->newly_escalated) << i;
      EXPECT_EQ(batch[i].exhausted_budget, one->exhausted_budget) << i;
      if (caller_time()) {
    EXPECT_EQ(batch[i].remaining, one->remaining) << i;
  }
    }
  }
};

TEST_P(StoreBatchTest, AnEmptyBatchAnswersAtOnce) {
  EXPECT_TRUE(store_->AcquireBatch({}, {}).ok());
  EXPECT_EQ(Outcome(Request("k")), AcquireOutcome::kAcquired);
}

TEST_P(StoreBatchTest, MismatchedSizesAreRejectedAndTakeNothing) {
  const AcquireRequest requests[] = {Request("a"), Request("b")};
  AcquireResult results[1];
  const absl::Status status = store_->AcquireBatch(requests, results);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(Outcome(Request("a")), AcquireOutcome::kAcquired);
  EXPECT_EQ(Outcome(Request("b")), AcquireOutcome::kAcquired);
}

TEST_P(StoreBatchTest, ADuplicateSeesTheCooldownTheFirstTook) {
  const std::vector<AcquireRequest> requests = {
      Request("k"), Request("k"), Request("other"), Request("k")};
  const std::vector<AcquireResult> results = MustBatch(requests);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(results[1].outcome, AcquireOutcome::kCoolingDown);
  EXPECT_GT(results[1].remaining, absl::ZeroDuration());
  EXPECT_LE(results[1].remaining, kCooldown);
  if (caller_time()) {
    EXPECT_EQ(results[1].remaining, kCooldown);
  }
  EXPECT_EQ(results[2].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(results[3].outcome, AcquireOutcome::kCoolingDown);
  ExpectSameAsOneByOne(requests, results);
  // And it is held after the batch.
  EXPECT_EQ(Outcome(Request("k")), AcquireOutcome::kCoolingDown);
}

TEST_P(StoreBatchTest, ABudgetRunsOutMidBatch) {
  const BudgetReservation both[] = {{"global", 3, kWindow},
                                    {"action", 2, kWindow}};
  std::vector<AcquireRequest> requests;
  for (const char* key : {"k1", "k2", "k3", "k4"}) {
    requests.push_back(Request(key));
    requests.back().budgets = both;
  }
  // The global budget alone still has a slot, for k3 without the action's.
  requests.push_back(Request("k3"));
  requests.back().budgets = absl::MakeConstSpan(&both[0], 1);
  requests.push_back(Request("k5"));
  requests.back().budgets = absl::MakeConstSpan(&both[0], 1);
  const std::vector<AcquireResult> results = MustBatch(requests);
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(results[0].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(results[1].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(results[2].outcome, AcquireOutcome::kBudgetExhausted);
  EXPECT_EQ(results[2].exhausted_budget, 1);
  EXPECT_GT(results[2].remaining, absl::ZeroDuration());
  EXPECT_LE(results[2].remaining, kWindow);
  if (caller_time()) {
    EXPECT_EQ(results[2].remaining, kWindow);
  }
  EXPECT_EQ(results[3].outcome, AcquireOutcome::kBudgetExhausted);
  EXPECT_EQ(results[4].outcome, AcquireOutcome::kAcquired);  // k3: no cooldown
  EXPECT_EQ(results[5].outcome, AcquireOutcome::kBudgetExhausted);
  EXPECT_EQ(results[5].exhausted_budget, 0);
  ExpectSameAsOneByOne(requests, results);
}

TEST_P(StoreBatchTest, TheFlapGuardTripsMidBatch) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(FireWithFlap("k", 2), AcquireOutcome::kAcquired) << i;
  }
  std::vector<AcquireRequest> requests = {Request("k"), Request("k"),
                                          Request("other"), Request("k")};
  for (AcquireRequest& request : requests) request.flap = {2, kWindow};
  requests[3].in_flight = true;  // latched wins over in flight
  const std::vector<AcquireResult> results = MustBatch(requests);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].outcome, AcquireOutcome::kEscalated);
  EXPECT_TRUE(results[0].newly_escalated);
  EXPECT_EQ(results[1].outcome, AcquireOutcome::kEscalated);
  EXPECT_FALSE(results[1].newly_escalated);
  EXPECT_EQ(results[2].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(results[3].outcome, AcquireOutcome::kEscalated);
  EXPECT_FALSE(results[3].newly_escalated);
  absl::StatusOr<std::vector<EscalatedKey>> listed =
      store_->ListEscalated(now_, 100);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "k");
}

TEST_P(StoreBatchTest, RequestsAtLaterTimesSeeEarlierOnesExpire) {
  if (!caller_time()) GTEST_SKIP() << "the store keeps time itself";
  // One key fired three times in one batch, a cooldown apart: the third
  // trips the flap guard {2, window}, the fourth finds it latched.
  std::vector<AcquireRequest> requests;
  for (int i = 0; i < 4; ++i) {
    requests.push_back(Request("k"));
    requests.back().now = now_ + kCooldown * std::min(i, 2);
    requests.back().flap = {2, kWindow};
  }
  const std::vector<AcquireResult> results = MustBatch(requests);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(results[1].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(results[2].outcome, AcquireOutcome::kEscalated);
  EXPECT_TRUE(results[2].newly_escalated);
  EXPECT_EQ(results[3].outcome, AcquireOutcome::kEscalated);
  EXPECT_FALSE(results[3].newly_escalated);
  ExpectSameAsOneByOne(requests, results);
}

TEST_P(StoreBatchTest, APreviewBatchChangesNothing) {
  const BudgetReservation budget{"budget", 1, kWindow};
  std::vector<AcquireRequest> requests = {Request("k"), Request("k"),
                                          Request("k2"), Request("k3")};
  for (AcquireRequest& request : requests) {
    request.budgets = absl::MakeConstSpan(&budget, 1);
    request.flap = {1, kWindow};
    request.preview = true;
  }
  for (int round = 0; round < 2; ++round) {
    for (const AcquireResult& result : MustBatch(requests)) {
      EXPECT_EQ(result.outcome, AcquireOutcome::kAcquired) << round;
    }
  }
  absl::StatusOr<std::vector<EscalatedKey>> listed =
      store_->ListEscalated(now_, 100);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  // A real request in the middle is seen by the previews after it.
  requests[1].preview = false;
  const std::vector<AcquireResult> mixed = MustBatch(requests);
  EXPECT_EQ(mixed[0].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(mixed[1].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(mixed[2].outcome, AcquireOutcome::kBudgetExhausted);
  EXPECT_EQ(mixed[3].outcome, AcquireOutcome::kBudgetExhausted);
  ExpectSameAsOneByOne(requests, mixed);
}

TEST_P(StoreBatchTest, InFlightRequestsTakeNothing) {
  const BudgetReservation budget{"budget", 1, kWindow};
  std::vector<AcquireRequest> requests = {Request("k"), Request("k"),
                                          Request("k2")};
  for (AcquireRequest& request : requests) {
    request.budgets = absl::MakeConstSpan(&budget, 1);
  }
  requests[0].in_flight = true;
  const std::vector<AcquireResult> results = MustBatch(requests);
  EXPECT_EQ(results[0].outcome, AcquireOutcome::kInFlight);
  EXPECT_EQ(results[1].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(results[2].outcome, AcquireOutcome::kBudgetExhausted);
  ExpectSameAsOneByOne(requests, results);
}

// Threads deciding overlapping batches (each every key, in its own order),
// some through single Acquire() calls: each key is acquired exactly once,
// and the budget shared by all of them is never over-reserved.
TEST_P(StoreBatchTest, ConcurrentOverlappingBatchesAcquireEachKeyOnce) {
  constexpr int kThreads = 8;
  constexpr int kKeys = 40;
  constexpr int kBudget = 25;
  const BudgetReservation budget{"budget", kBudget, absl::Hours(1)};
  std::vector<std::string> keys;
  for (int k = 0; k < kKeys; ++k) keys.push_back(absl::StrCat("key-", k));
  std::vector<std::atomic<int>> acquired(kKeys);
  std::atomic<int> exhausted{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<AcquireRequest> requests;
      std::vector<int> order;
      for (int k = 0; k < kKeys; ++k) order.push_back((k + 7 * t) % kKeys);
      if (t % 2 == 1) std::reverse(order.begin(), order.end());
      for (int k : order) {
        requests.push_back(Request(keys[k]));
        requests.back().cooldown = absl::Hours(1);
        requests.back().budgets = absl::MakeConstSpan(&budget, 1);
      }
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      std::vector<AcquireResult> results(requests.size());
      if (t % 4 == 3) {  // one thread in four asks one key at a time
        for (size_t i = 0; i < requests.size(); ++i) {
          results[i] = MustAcquire(requests[i]);
        }
      } else {
        results = MustBatch(requests);
      }
      for (size_t i = 0; i < results.size(); ++i) {
        if (results[i].acquired()) acquired[order[i]].fetch_add(1);
        if (results[i].outcome == AcquireOutcome::kBudgetExhausted) {
          exhausted.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  int total = 0;
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_LE(acquired[k].load(), 1) << keys[k];
    total += acquired[k].load();
  }
  EXPECT_EQ(total, kBudget);
  // The keys no one acquired were refused by the budget at least once.
  EXPECT_GE(exhausted.load(), kKeys - kBudget);
}

}  // namespace conformance
}  // namespace autoheal

#endif  // AUTOHEAL_TESTS_STORE_CONFORMANCE_H_
