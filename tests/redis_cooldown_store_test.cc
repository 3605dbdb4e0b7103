// RedisCooldownStore against a real redis-server started here: the store
// conformance suite, the key layout (prefix, schema version, a TTL on every
// key, binary keys), two stores sharing one Redis like two replicas, and
// connection loss: kUnavailable while Redis is down, recovery on its
// restart, the reconnect backoff (driven by a FakeClock), NOSCRIPT and
// error replies.
#include "autoheal/redis_cooldown_store.h"

#include <unistd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "autoheal/testing/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "redis/redis_test_hooks.h"
#include "redis_server.h"
#include "store_conformance.h"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::conformance::CountConcurrentAcquires;
using ::autoheal::conformance::StoreBackend;
using ::autoheal::conformance::StoreBatchTest;
using ::autoheal::conformance::StoreConformanceTest;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::RawRedis;
using ::autoheal::testutil::RedisServer;
using ::autoheal::testutil::StatusIs;
using ::autoheal::testutil::TempDir;

// A prefix no other store of this process (or of a parallel test process
// on the shared server) uses.
std::string UniquePrefix(absl::string_view name) {
  static std::atomic<int> counter{0};
  return absl::StrCat(name, "-", getpid(), "-", counter.fetch_add(1));
}

// The server shared by the tests that do not stop it; started on first use
// and killed at exit.
RedisServer* SharedRedis() {
  static TempDir dir;
  static absl::StatusOr<std::unique_ptr<RedisServer>> server =
      RedisServer::Start(dir);
  if (!server.ok()) {
    ADD_FAILURE() << "cannot start redis-server (scripts/setup.sh installs "
                     "it): "
                  << server.status();
    return nullptr;
  }
  return server->get();
}

RedisOptions OptionsFor(const RedisServer& server, absl::string_view name) {
  RedisOptions options;
  options.address = server.address();
  options.prefix = UniquePrefix(name);
  // Generous: the test machine may be loaded.
  options.command_timeout = absl::Seconds(2);
  options.connect_timeout = absl::Seconds(2);
  return options;
}

std::unique_ptr<RedisCooldownStore> MustConnect(RedisOptions options) {
  absl::StatusOr<std::unique_ptr<RedisCooldownStore>> store =
      RedisCooldownStore::Connect(std::move(options));
  EXPECT_THAT(store, IsOk());
  return store.ok() ? *std::move(store) : nullptr;
}

std::unique_ptr<CooldownStore> MakeConformanceStore() {
  RedisServer* server = SharedRedis();
  if (server == nullptr) return nullptr;
  return MustConnect(OptionsFor(*server, "conformance"));
}

const StoreBackend kRedis{"redis", MakeConformanceStore,
                         /*caller_time=*/false};
INSTANTIATE_TEST_SUITE_P(Redis, StoreConformanceTest,
                         conformance::BothForms(kRedis),
                         conformance::BackendName);
INSTANTIATE_TEST_SUITE_P(Redis, StoreBatchTest,
                         ::testing::Values(kRedis), conformance::BackendName);

// The request holds a view of `key`: the caller keeps `key` alive.
AcquireRequest Request(absl::string_view key,
                       absl::Duration cooldown = absl::Seconds(60)) {
  AcquireRequest request;
  request.key = key;
  request.now = absl::Now();
  request.cooldown = cooldown;
  return request;
}

AcquireOutcome Outcome(CooldownStore& store, const AcquireRequest& request) {
  absl::StatusOr<AcquireResult> result = store.Acquire(request);
  EXPECT_THAT(result, IsOk());
  return result.ok() ? result->outcome : AcquireOutcome::kCoolingDown;
}

std::vector<AcquireResult> MustBatch(CooldownStore& store,
                                     const std::vector<AcquireRequest>& requests) {
  std::vector<AcquireResult> results(requests.size());
  EXPECT_THAT(store.AcquireBatch(requests, absl::MakeSpan(results)), IsOk());
  return results;
}

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = SharedRedis();
    ASSERT_NE(server_, nullptr);
    absl::StatusOr<std::unique_ptr<RawRedis>> raw =
        RawRedis::Connect(server_->port());
    ASSERT_THAT(raw, IsOk());
    raw_ = *std::move(raw);
  }

  // The keys of the server that start with the prefix of `options`.
  std::vector<std::string> KeysOf(const RedisOptions& options) {
    absl::StatusOr<std::vector<std::string>> all = raw_->AllKeys();
    EXPECT_THAT(all, IsOk());
    std::vector<std::string> mine;
    for (const std::string& key : all.value_or(std::vector<std::string>())) {
      if (absl::StartsWith(key, absl::StrCat("{", options.prefix, "}:"))) {
        mine.push_back(key);
      }
    }
    return mine;
  }

  // Writes every kind of key: a cooldown ("held"), a budget, and a latch
  // for `key` (whose flap history is dropped when it latches).
  void WriteEveryKind(CooldownStore& store, absl::string_view key) {
    BudgetReservation budget{kBudget, 1, absl::Hours(1)};
    AcquireRequest first = Request(key, absl::Milliseconds(50));
    first.budgets = absl::MakeConstSpan(&budget, 1);
    first.flap = {1, absl::Hours(1)};
    ASSERT_EQ(Outcome(store, first), AcquireOutcome::kAcquired);
    AcquireRequest refused = Request("refused");
    refused.budgets = absl::MakeConstSpan(&budget, 1);
    ASSERT_EQ(Outcome(store, refused), AcquireOutcome::kBudgetExhausted);
    ASSERT_EQ(Outcome(store, Request("held")), AcquireOutcome::kAcquired);
    absl::SleepFor(absl::Milliseconds(80));  // the 50 ms cooldown passes
    first.budgets = {};
    ASSERT_EQ(Outcome(store, first), AcquireOutcome::kEscalated);  // latches
  }

  // A budget name with a NUL byte, like the engine's.
  static constexpr absl::string_view kBudget{"live\0global", 11};

  RedisServer* server_ = nullptr;
  std::unique_ptr<RawRedis> raw_;
};

TEST_F(RedisStoreTest, KeysHoldThePrefixTheSchemaVersionAndBinaryKeys) {
  RedisOptions options = OptionsFor(*server_, "layout");
  std::unique_ptr<RedisCooldownStore> store = MustConnect(options);
  ASSERT_NE(store, nullptr);
  const std::string key("svc\0a|b*[x]", 11);
  WriteEveryKind(*store, key);
  const std::string base = absl::StrCat("{", options.prefix, "}:v1:");
  EXPECT_EQ(store->CooldownKeyName(key), base + "cd:" + key);
  EXPECT_EQ(store->LatchKeyName(key), base + "esc:" + key);
  EXPECT_EQ(store->FlapKeyName(key), base + "flap:" + key);
  EXPECT_EQ(store->BudgetKeyName("b"), base + "budget:b");
  // The latch, the budget and the cooldown of "held"; nothing for the
  // refused key, and the key's own 50 ms cooldown has expired.
  EXPECT_THAT(KeysOf(options),
              ::testing::UnorderedElementsAre(
                  base + "esc:" + key,
                  base + "budget:" + std::string(kBudget), base + "cd:held"));
}

TEST_F(RedisStoreTest, BudgetRefusalGivesTheCooldownBack) {
  RedisOptions options = OptionsFor(*server_, "refusal");
  std::unique_ptr<RedisCooldownStore> store = MustConnect(options);
  ASSERT_NE(store, nullptr);
  BudgetReservation budget{"b", 1, absl::Hours(1)};
  AcquireRequest a = Request("a");
  a.budgets = absl::MakeConstSpan(&budget, 1);
  ASSERT_EQ(Outcome(*store, a), AcquireOutcome::kAcquired);
  AcquireRequest b = Request("b");
  b.budgets = absl::MakeConstSpan(&budget, 1);
  ASSERT_EQ(Outcome(*store, b), AcquireOutcome::kBudgetExhausted);
  absl::StatusOr<RawRedis::Reply> exists =
      raw_->Run({"EXISTS", store->CooldownKeyName("b")});
  ASSERT_THAT(exists, IsOk());
  EXPECT_EQ(exists->integer, 0);
}

TEST_F(RedisStoreTest, EveryKeyHasATtl) {
  RedisOptions options = OptionsFor(*server_, "ttl");
  std::unique_ptr<RedisCooldownStore> store = MustConnect(options);
  ASSERT_NE(store, nullptr);
  WriteEveryKind(*store, "k");
  // And a flap history that is not dropped by a latch.
  AcquireRequest flapping = Request("flapping");
  flapping.flap = {3, absl::Hours(1)};
  ASSERT_EQ(Outcome(*store, flapping), AcquireOutcome::kAcquired);
  std::vector<std::string> keys = KeysOf(options);
  ASSERT_EQ(keys.size(), 5u) << ::testing::PrintToString(keys);  // + cd, flap
  for (const std::string& key : keys) {
    absl::StatusOr<RawRedis::Reply> ttl = raw_->Run({"PTTL", key});
    ASSERT_THAT(ttl, IsOk());
    EXPECT_GT(ttl->integer, 0) << key;
  }
}

TEST_F(RedisStoreTest, PrefixesIsolateDeployments) {
  RedisOptions options_a = OptionsFor(*server_, "a");
  RedisOptions options_b = OptionsFor(*server_, "b");
  std::unique_ptr<RedisCooldownStore> a = MustConnect(options_a);
  std::unique_ptr<RedisCooldownStore> b = MustConnect(options_b);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  BudgetReservation budget{"global", 1, absl::Hours(1)};
  AcquireRequest request = Request("k");
  request.budgets = absl::MakeConstSpan(&budget, 1);
  EXPECT_EQ(Outcome(*a, request), AcquireOutcome::kAcquired);
  EXPECT_EQ(Outcome(*b, request), AcquireOutcome::kAcquired);
  EXPECT_EQ(Outcome(*a, request), AcquireOutcome::kCoolingDown);
  AcquireRequest other = Request("other");
  other.budgets = absl::MakeConstSpan(&budget, 1);
  EXPECT_EQ(Outcome(*a, other), AcquireOutcome::kBudgetExhausted);
  EXPECT_EQ(KeysOf(options_a).size(), 2u);
  EXPECT_EQ(KeysOf(options_b).size(), 2u);
}

TEST_F(RedisStoreTest, PreviewsWriteNothing) {
  RedisOptions options = OptionsFor(*server_, "preview");
  std::unique_ptr<RedisCooldownStore> store = MustConnect(options);
  ASSERT_NE(store, nullptr);
  BudgetReservation budget{"b", 1, absl::Hours(1)};
  AcquireRequest preview = Request("k");
  preview.budgets = absl::MakeConstSpan(&budget, 1);
  preview.flap = {1, absl::Hours(1)};
  preview.preview = true;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Outcome(*store, preview), AcquireOutcome::kAcquired);
  }
  EXPECT_THAT(KeysOf(options), ::testing::IsEmpty());
}

// Two stores on one Redis act like two receiver replicas.
TEST_F(RedisStoreTest, TwoStoresShareCooldownsAndBudgets) {
  RedisOptions options = OptionsFor(*server_, "replicas");
  std::unique_ptr<RedisCooldownStore> replicas[] = {MustConnect(options),
                                                    MustConnect(options)};
  ASSERT_NE(replicas[0], nullptr);
  ASSERT_NE(replicas[1], nullptr);
  int acquired = CountConcurrentAcquires(8, 50, [&](int t, int) {
    return Outcome(*replicas[t % 2], Request("hot"));
  });
  EXPECT_EQ(acquired, 1);
  BudgetReservation budget{"global", 5, absl::Hours(1)};
  acquired = CountConcurrentAcquires(8, 20, [&](int t, int i) {
    const std::string key = absl::StrCat("key-", t, "-", i);
    AcquireRequest request = Request(key);
    request.budgets = absl::MakeConstSpan(&budget, 1);
    return Outcome(*replicas[t % 2], request);
  });
  EXPECT_EQ(acquired, 5);
}

// With a 1 ms cooldown, firings of one key from two replicas overlap the
// cooldown's expiry all the time: the flap guard must still let exactly
// `max_executions` of them act before the key latches.
TEST_F(RedisStoreTest, FlapGuardHoldsUnderConcurrentFiringsOfOneKey) {
  RedisOptions options = OptionsFor(*server_, "flapping");
  std::unique_ptr<RedisCooldownStore> replicas[] = {MustConnect(options),
                                                    MustConnect(options)};
  ASSERT_NE(replicas[0], nullptr);
  ASSERT_NE(replicas[1], nullptr);
  for (int round = 0; round < 5; ++round) {
    const std::string key = absl::StrCat("k", round);
    int acquired = CountConcurrentAcquires(8, 40, [&](int t, int) {
      AcquireRequest request = Request(key, absl::Milliseconds(1));
      request.flap = {2, absl::Hours(1)};
      absl::StatusOr<AcquireResult> result =
          replicas[t % 2]->Acquire(request);
      // A 1 ms cooldown may expire between SET NX and the budget script:
      // the store then refuses (kUnavailable) rather than act unheld.
      if (!result.ok()) {
        EXPECT_THAT(result.status(),
                    StatusIs(absl::StatusCode::kUnavailable,
                             "the cooldown expired before"));
        return AcquireOutcome::kCoolingDown;
      }
      return result->outcome;
    });
    EXPECT_EQ(acquired, 2) << key;
  }
}

// The budget script checks the flap guard again: between this call's flap
// script and its SET NX, another replica may have filled the key's history
// (its own cooldown then expired) or latched the key.
class RedisInterleavingTest : public RedisStoreTest {
 protected:
  void SetUp() override {
    RedisStoreTest::SetUp();
    if (HasFatalFailure()) return;
    RedisOptions options = OptionsFor(*server_, "interleave");
    other_ = MustConnect(options);
    internal::RedisTestHooks hooks;
    hooks.before_set = [this](absl::string_view) {
      if (interleave_) std::exchange(interleave_, nullptr)();
    };
    absl::StatusOr<std::unique_ptr<RedisCooldownStore>> hooked =
        internal::ConnectRedisWithHooks(options, std::move(hooks));
    ASSERT_THAT(hooked, IsOk());
    store_ = *std::move(hooked);
    ASSERT_NE(store_, nullptr);
    ASSERT_NE(other_, nullptr);
  }

  // Fires `key` on `store` with a 50 ms cooldown and the flap guard
  // {2, 1 h}, then lets the cooldown pass.
  static AcquireOutcome Fire(CooldownStore& store, absl::string_view key) {
    AcquireRequest request = Request(key, absl::Milliseconds(50));
    request.flap = {2, absl::Hours(1)};
    AcquireOutcome outcome = Outcome(store, request);
    absl::SleepFor(absl::Milliseconds(70));
    return outcome;
  }

  std::unique_ptr<RedisCooldownStore> store_;
  std::unique_ptr<RedisCooldownStore> other_;
  std::function<void()> interleave_;
};

TEST_F(RedisInterleavingTest, HistoryFilledMeanwhileEscalatesNewly) {
  ASSERT_EQ(Fire(*store_, "k"), AcquireOutcome::kAcquired);
  interleave_ = [&] {
    EXPECT_EQ(Fire(*other_, "k"), AcquireOutcome::kAcquired);  // 2 of 2
  };
  AcquireRequest request = Request("k", absl::Seconds(60));
  request.flap = {2, absl::Hours(1)};
  absl::StatusOr<AcquireResult> result = store_->Acquire(request);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->outcome, AcquireOutcome::kEscalated);
  EXPECT_TRUE(result->newly_escalated);
  EXPECT_EQ(interleave_, nullptr) << "the hook did not run";
  absl::StatusOr<RawRedis::Reply> cooldown =
      raw_->Run({"EXISTS", store_->CooldownKeyName("k")});
  ASSERT_THAT(cooldown, IsOk());
  EXPECT_EQ(cooldown->integer, 0) << "the refused call kept the cooldown";
}

TEST_F(RedisInterleavingTest, LatchedMeanwhileAnswersEscalated) {
  ASSERT_EQ(Fire(*store_, "k"), AcquireOutcome::kAcquired);
  interleave_ = [&] {
    EXPECT_EQ(Fire(*other_, "k"), AcquireOutcome::kAcquired);
    EXPECT_EQ(Fire(*other_, "k"), AcquireOutcome::kEscalated);  // latches
  };
  AcquireRequest request = Request("k", absl::Seconds(60));
  request.flap = {2, absl::Hours(1)};
  absl::StatusOr<AcquireResult> result = store_->Acquire(request);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->outcome, AcquireOutcome::kEscalated);
  EXPECT_FALSE(result->newly_escalated);
  EXPECT_EQ(interleave_, nullptr) << "the hook did not run";
  absl::StatusOr<RawRedis::Reply> cooldown =
      raw_->Run({"EXISTS", store_->CooldownKeyName("k")});
  ASSERT_THAT(cooldown, IsOk());
  EXPECT_EQ(cooldown->integer, 0) << "the refused call kept the cooldown";
}

TEST_F(RedisStoreTest, RunsItsScriptsAgainAfterAScriptFlush) {
  RedisOptions options = OptionsFor(*server_, "noscript");
  std::unique_ptr<RedisCooldownStore> store = MustConnect(options);
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(raw_->Run({"SCRIPT", "FLUSH"}), IsOk());
  BudgetReservation budget{"b", 3, absl::Hours(1)};
  AcquireRequest request = Request("k");
  request.budgets = absl::MakeConstSpan(&budget, 1);
  EXPECT_EQ(Outcome(*store, request), AcquireOutcome::kAcquired);
  EXPECT_EQ(Outcome(*store, request), AcquireOutcome::kCoolingDown);
  // The batch script too.
  ASSERT_THAT(raw_->Run({"SCRIPT", "FLUSH"}), IsOk());
  const std::vector<AcquireResult> results =
      MustBatch(*store, {request, Request("k2")});
  EXPECT_EQ(results[0].outcome, AcquireOutcome::kCoolingDown);
  EXPECT_EQ(results[1].outcome, AcquireOutcome::kAcquired);
}

// Redis does not roll back a script that fails halfway: the batch script
// decides every request before it writes. A key it cannot read, met after
// earlier requests were already decided, fails the batch with nothing
// written; once repaired, the same batch answers as on a fresh store.
TEST_F(RedisStoreTest, ABatchFailingOnTheServerWritesNothing) {
  const std::vector<std::string> corruptions[] = {
      {"SET", "", "not a list"},         // WRONGTYPE
      {"RPUSH", "", "not a time"},       // a malformed time
  };
  for (const std::vector<std::string>& corruption : corruptions) {
    SCOPED_TRACE(corruption[0]);
    RedisOptions options = OptionsFor(*server_, "batch-failure");
    std::unique_ptr<RedisCooldownStore> store = MustConnect(options);
    std::unique_ptr<RedisCooldownStore> fresh =
        MustConnect(OptionsFor(*server_, "batch-fresh"));
    ASSERT_TRUE(store != nullptr && fresh != nullptr);
    for (RedisCooldownStore* s : {store.get(), fresh.get()}) {
      ASSERT_EQ(Outcome(*s, Request("held")), AcquireOutcome::kAcquired);
    }
    const BudgetReservation b1{"b1", 3, absl::Hours(1)};
    const BudgetReservation both[] = {b1, {"b2", 5, absl::Hours(1)}};
    std::vector<AcquireRequest> requests;
    for (const char* key : {"k0", "k1", "held", "k2", "k3", "k4"}) {
      requests.push_back(Request(key));
      requests.back().budgets = absl::MakeConstSpan(&b1, 1);
      requests.back().flap = {2, absl::Hours(1)};
    }
    requests[3].budgets = both;  // k2 reads b2
    const std::string bad = store->BudgetKeyName("b2");
    std::vector<std::string> command = corruption;
    command[1] = bad;
    ASSERT_THAT(raw_->Run(command), IsOk());

    std::vector<AcquireResult> results(requests.size());
    EXPECT_THAT(store->AcquireBatch(requests, absl::MakeSpan(results)),
                StatusIs(absl::StatusCode::kUnavailable, "batch script"));
    EXPECT_THAT(KeysOf(options), ::testing::UnorderedElementsAre(
                                     store->CooldownKeyName("held"), bad));

    ASSERT_THAT(raw_->Run({"DEL", bad}), IsOk());
    const std::vector<AcquireResult> expected = MustBatch(*fresh, requests);
    EXPECT_EQ(expected[2].outcome, AcquireOutcome::kCoolingDown);
    EXPECT_EQ(expected[3].outcome, AcquireOutcome::kAcquired);  // 3rd of 3
    EXPECT_EQ(expected[4].outcome, AcquireOutcome::kBudgetExhausted);
    results = MustBatch(*store, requests);
    for (size_t i = 0; i < requests.size(); ++i) {
      EXPECT_EQ(results[i].outcome, expected[i].outcome) << i;
      EXPECT_EQ(results[i].exhausted_budget, expected[i].exhausted_budget) << i;
    }
  }
}

TEST_F(RedisStoreTest, ABatchWritesEveryKeyWithATtlAndPreviewsWriteNothing) {
  RedisOptions options = OptionsFor(*server_, "batch-ttl");
  std::unique_ptr<RedisCooldownStore> store = MustConnect(options);
  ASSERT_NE(store, nullptr);
  const BudgetReservation budget{"b", 10, absl::Hours(1)};
  std::vector<AcquireRequest> requests;
  for (const char* key : {"a", "b", "a"}) {
    requests.push_back(Request(key, absl::Milliseconds(30)));
    requests.back().budgets = absl::MakeConstSpan(&budget, 1);
    requests.back().flap = {1, absl::Hours(1)};
    requests.back().preview = true;
  }
  for (const AcquireResult& result : MustBatch(*store, requests)) {
    EXPECT_EQ(result.outcome, AcquireOutcome::kAcquired);
  }
  EXPECT_THAT(KeysOf(options), ::testing::IsEmpty());
  for (AcquireRequest& request : requests) request.preview = false;
  std::vector<AcquireResult> results = MustBatch(*store, requests);
  EXPECT_EQ(results[0].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(results[1].outcome, AcquireOutcome::kAcquired);
  EXPECT_EQ(results[2].outcome, AcquireOutcome::kCoolingDown);
  absl::SleepFor(absl::Milliseconds(50));  // the cooldowns pass
  results = MustBatch(*store, requests);   // "a" latches, then is latched
  EXPECT_EQ(results[0].outcome, AcquireOutcome::kEscalated);
  EXPECT_TRUE(results[0].newly_escalated);
  EXPECT_EQ(results[2].outcome, AcquireOutcome::kEscalated);
  EXPECT_FALSE(results[2].newly_escalated);
  // b's latch, a's latch, the budget (b's flap history is dropped when it
  // latched; the cooldowns expired).
  const std::vector<std::string> keys = KeysOf(options);
  EXPECT_EQ(keys.size(), 3u) << ::testing::PrintToString(keys);
  for (const std::string& key : keys) {
    absl::StatusOr<RawRedis::Reply> ttl = raw_->Run({"PTTL", key});
    ASSERT_THAT(ttl, IsOk());
    EXPECT_GT(ttl->integer, 0) << key;
  }
}

TEST_F(RedisStoreTest, TwoStoresBatchingConcurrentlyAcquireEachKeyOnce) {
  RedisOptions options = OptionsFor(*server_, "batch-replicas");
  std::unique_ptr<RedisCooldownStore> replicas[] = {MustConnect(options),
                                                    MustConnect(options)};
  ASSERT_NE(replicas[0], nullptr);
  ASSERT_NE(replicas[1], nullptr);
  constexpr int kKeys = 50;
  std::vector<std::string> keys;
  for (int k = 0; k < kKeys; ++k) keys.push_back(absl::StrCat("key-", k));
  const BudgetReservation budget{"global", 30, absl::Hours(1)};
  std::vector<std::atomic<int>> acquired(kKeys);
  int total = CountConcurrentAcquires(8, 10, [&](int t, int i) {
    std::vector<AcquireRequest> requests;
    std::vector<int> order;
    for (int k = 0; k < kKeys; ++k) {
      order.push_back((k + 11 * t + i) % kKeys);
      requests.push_back(Request(keys[order.back()]));
      requests.back().budgets = absl::MakeConstSpan(&budget, 1);
    }
    std::vector<AcquireResult> results = MustBatch(*replicas[t % 2], requests);
    for (size_t r = 0; r < results.size(); ++r) {
      if (results[r].acquired()) acquired[order[r]].fetch_add(1);
    }
    return AcquireOutcome::kCoolingDown;
  });
  EXPECT_EQ(total, 0);
  int sum = 0;
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_LE(acquired[k].load(), 1) << keys[k];
    sum += acquired[k].load();
  }
  EXPECT_EQ(sum, 30);
}

TEST(RedisStoreOptionsTest, BadOptionsAreNamed) {
  RedisOptions options;
  options.prefix = "";
  EXPECT_THAT(RedisCooldownStore::Connect(options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "redis prefix"));
  options = RedisOptions();
  options.prefix = "a{b}";
  EXPECT_THAT(RedisCooldownStore::Connect(options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "a{b}"));
  options = RedisOptions();
  options.address = "localhost";
  EXPECT_THAT(RedisCooldownStore::Connect(options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "redis address \"localhost\": expected host:port"));
  // Port 0 only means "any free port" to listen on; there is no server there.
  options.address = "127.0.0.1:0";
  EXPECT_THAT(RedisCooldownStore::Connect(options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "(the port must be a number from 1 to 65535)"));
  options.address = "[]:6379";
  EXPECT_THAT(RedisCooldownStore::Connect(options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "(the host is empty)"));
  options = RedisOptions();
  options.pool_size = 0;
  EXPECT_THAT(RedisCooldownStore::Connect(options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "pool size 0"));
  options = RedisOptions();
  options.command_timeout = absl::ZeroDuration();
  EXPECT_THAT(RedisCooldownStore::Connect(options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "command timeout"));
}

TEST(RedisStoreOptionsTest, AnUnreachableServerIsUnavailableNamingIt) {
  absl::StatusOr<uint16_t> port = testutil::PickFreeLoopbackPort();
  ASSERT_THAT(port, IsOk());
  RedisOptions options;
  options.address = absl::StrCat("127.0.0.1:", *port);
  EXPECT_THAT(RedisCooldownStore::Connect(options).status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       absl::StrCat("redis 127.0.0.1:", *port)));
}

// Tests that stop their own server.
class RedisOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RedisServer>> server =
        RedisServer::Start(dir_);
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
  }

  TempDir dir_;
  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisOutageTest, UnavailableWhileDownThenRecoversOnTheSamePort) {
  std::unique_ptr<RedisCooldownStore> store =
      MustConnect(OptionsFor(*server_, "outage"));
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(Outcome(*store, Request("before")), AcquireOutcome::kAcquired);
  EXPECT_THAT(store->Ping(), IsOk());

  server_->Kill();
  const std::string address = server_->address();
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(store->Acquire(Request(absl::StrCat("during-", i))).status(),
                StatusIs(absl::StatusCode::kUnavailable, address));
  }
  EXPECT_THAT(store->ClearEscalation("k").status(),
              StatusIs(absl::StatusCode::kUnavailable, address));
  EXPECT_THAT(store->ListEscalated(absl::Now(), 10).status(),
              StatusIs(absl::StatusCode::kUnavailable, address));
  EXPECT_THAT(store->Ping(), StatusIs(absl::StatusCode::kUnavailable, address));

  ASSERT_THAT(server_->Restart(), IsOk());
  EXPECT_THAT(testutil::WaitUntilOk([&] { return store->Ping(); },
                                    absl::Seconds(10),
                                    "PING to reach the restarted Redis"),
              IsOk());
  // The same store object recovers within the backoff (at most 2 s).
  EXPECT_THAT(testutil::WaitUntilOk(
                  [&] { return store->Acquire(Request("after")).status(); },
                  absl::Seconds(10), "the store to reach the restarted Redis"),
              IsOk());
  EXPECT_EQ(Outcome(*store, Request("after")), AcquireOutcome::kCoolingDown);
  // Every pooled connection works again, scripts included (the restarted
  // server has an empty script cache).
  int acquired = CountConcurrentAcquires(8, 10, [&](int t, int i) {
    BudgetReservation budget{"b", 1000, absl::Hours(1)};
    const std::string key = absl::StrCat("again-", t, "-", i);
    AcquireRequest request = Request(key);  // holds a view of `key`
    request.budgets = absl::MakeConstSpan(&budget, 1);
    return Outcome(*store, request);
  });
  EXPECT_EQ(acquired, 80);
}

TEST_F(RedisOutageTest, BackoffFailsFastThenDoublesUpToItsCap) {
  testing::FakeClock clock;
  RedisOptions options = OptionsFor(*server_, "backoff");
  options.clock = &clock;
  options.pool_size = 1;
  options.initial_backoff = absl::Milliseconds(50);
  options.max_backoff = absl::Milliseconds(150);
  std::unique_ptr<RedisCooldownStore> store = MustConnect(options);
  ASSERT_NE(store, nullptr);
  server_->Kill();
  // The broken connection fails; the first reconnect is tried at once and
  // refused, which starts the backoff.
  EXPECT_THAT(store->Acquire(Request("k")).status(),
              StatusIs(absl::StatusCode::kUnavailable, server_->address()));
  EXPECT_THAT(store->Acquire(Request("k")).status(),
              StatusIs(absl::StatusCode::kUnavailable, "refused"));
  EXPECT_THAT(store->Acquire(Request("k")).status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       "next reconnect attempt in 50ms"));
  clock.Advance(absl::Milliseconds(50));
  EXPECT_THAT(store->Acquire(Request("k")).status(),
              StatusIs(absl::StatusCode::kUnavailable, "refused"));
  EXPECT_THAT(store->Acquire(Request("k")).status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       "next reconnect attempt in 100ms"));
  clock.Advance(absl::Milliseconds(100));
  EXPECT_THAT(store->Acquire(Request("k")).status(),
              StatusIs(absl::StatusCode::kUnavailable, "refused"));
  EXPECT_THAT(store->Acquire(Request("k")).status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       "next reconnect attempt in 150ms"));
  // Redis is back, but the backoff still runs: no attempt is made.
  ASSERT_THAT(server_->Restart(), IsOk());
  EXPECT_THAT(store->Acquire(Request("k")).status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       "next reconnect attempt in 150ms"));
  clock.Advance(absl::Milliseconds(150));
  EXPECT_EQ(Outcome(*store, Request("k")), AcquireOutcome::kAcquired);
}

TEST_F(RedisOutageTest, AnErrorReplyIsUnavailable) {
  std::unique_ptr<RedisCooldownStore> store =
      MustConnect(OptionsFor(*server_, "oom"));
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::unique_ptr<RawRedis>> raw =
      RawRedis::Connect(server_->port());
  ASSERT_THAT(raw, IsOk());
  // Out of memory under noeviction: Redis refuses every write.
  ASSERT_THAT((*raw)->Run({"CONFIG", "SET", "maxmemory-policy", "noeviction"}),
              IsOk());
  ASSERT_THAT((*raw)->Run({"CONFIG", "SET", "maxmemory", "1"}), IsOk());
  EXPECT_THAT(store->Acquire(Request("k")).status(),
              StatusIs(absl::StatusCode::kUnavailable, "OOM"));
  // A batch is refused at its first write: nothing at all is written.
  const BudgetReservation budget{"b", 10, absl::Hours(1)};
  std::vector<AcquireRequest> batch;
  for (const char* key : {"b1", "b2", "b3"}) {
    batch.push_back(Request(key));
    batch.back().budgets = absl::MakeConstSpan(&budget, 1);
  }
  std::vector<AcquireResult> results(batch.size());
  EXPECT_THAT(store->AcquireBatch(batch, absl::MakeSpan(results)),
              StatusIs(absl::StatusCode::kUnavailable, "OOM"));
  absl::StatusOr<RawRedis::Reply> size = (*raw)->Run({"DBSIZE"});
  ASSERT_THAT(size, IsOk());
  EXPECT_EQ(size->integer, 0);
  ASSERT_THAT((*raw)->Run({"CONFIG", "SET", "maxmemory", "0"}), IsOk());
  EXPECT_EQ(Outcome(*store, Request("k")), AcquireOutcome::kAcquired);
  for (const AcquireResult& result : MustBatch(*store, batch)) {
    EXPECT_EQ(result.outcome, AcquireOutcome::kAcquired);
  }
}

}  // namespace
}  // namespace autoheal
