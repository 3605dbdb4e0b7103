// Invariants under concurrency: exactly one passing decision per key per
// cooldown window, however many threads decide the same alert at once.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "autoheal/engine.h"
#include "autoheal/testing/fake_clock.h"
#include "engine_test_util.h"
#include "gtest/gtest.h"
#include "start_gate.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::FiringAlert;
using ::autoheal::testutil::MakeAction;

constexpr int kThreads = 8;
constexpr int kDecisionsPerThread = 10'000;

class EngineConcurrencyTest : public ::testing::TestWithParam<bool> {
 protected:
  // `global_budget` 0 turns the global budget off.
  std::unique_ptr<Engine> MakeEngine(int global_budget = 0) {
    EngineOptions options;
    options.enabled = GetParam();
    options.global_budget.max_executions = global_budget;
    options.actions.push_back(MakeAction("ApiDown", "restart-api"));
    options.actions.push_back(
        MakeAction("TcpEndpointDownFast", "restart-tcp", {"instance"}));
    EngineDeps deps;
    deps.clock = &clock_;
    auto engine = Engine::Create(options, deps);
    EXPECT_TRUE(engine.ok()) << engine.status();
    return engine.ok() ? *std::move(engine) : nullptr;
  }

  testing::FakeClock clock_;
};

// Runs `decide` kDecisionsPerThread times on each of kThreads threads, all
// released together, and returns how many decisions passed every gate.
template <typename DecideFn>
int CountPassing(DecideFn decide) {
  std::atomic<int> passing{0};
  testutil::StartGate start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.ArriveAndWait();
      for (int i = 0; i < kDecisionsPerThread; ++i) {
        if (decide(t, i).passed()) passing.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return passing.load();
}

TEST_P(EngineConcurrencyTest, ExactlyOnePassPerCooldownWindow) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  for (int window = 0; window < 3; ++window) {
    int passing = CountPassing([&](int, int) { return engine->Decide(alert); });
    EXPECT_EQ(passing, 1) << "window " << window;
    clock_.Advance(absl::Seconds(120));
  }
}

TEST_P(EngineConcurrencyTest, ExactlyOnePassWhileTheClockMovesWithinAWindow) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  // Thread 0 also moves time forward by 1 ms per decision: 10 s in all,
  // well inside one 120 s window.
  int passing = CountPassing([&](int t, int) {
    if (t == 0) clock_.Advance(absl::Milliseconds(1));
    return engine->Decide(alert);
  });
  EXPECT_EQ(passing, 1);
}

TEST_P(EngineConcurrencyTest, DistinctKeysAllPass) {
  auto engine = MakeEngine();
  std::vector<std::vector<Alert>> alerts(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kDecisionsPerThread; ++i) {
      alerts[t].push_back(FiringAlert(
          "TcpEndpointDownFast", {{"instance", absl::StrCat("host-", t, "-", i)}}));
    }
  }
  int passing = CountPassing(
      [&](int t, int i) { return engine->Decide(alerts[t][i]); });
  EXPECT_EQ(passing, kThreads * kDecisionsPerThread);
}

TEST_P(EngineConcurrencyTest, GlobalBudgetIsNeverOverReserved) {
  constexpr int kBudget = 25;
  auto engine = MakeEngine(kBudget);
  std::vector<std::vector<Alert>> alerts(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kDecisionsPerThread; ++i) {
      alerts[t].push_back(FiringAlert(
          "TcpEndpointDownFast", {{"instance", absl::StrCat("host-", t, "-", i)}}));
    }
  }
  std::atomic<int> exhausted{0};
  int passing = CountPassing([&](int t, int i) {
    Decision d = engine->Decide(alerts[t][i]);
    if (d.reason == Reason::kBudgetExhausted) exhausted.fetch_add(1);
    return d;
  });
  EXPECT_EQ(passing, kBudget);
  EXPECT_EQ(exhausted.load(), kThreads * kDecisionsPerThread - kBudget);
}

// Whole notifications decided concurrently (DecideAll: one store batch
// each), overlapping in their keys and in different orders.
TEST_P(EngineConcurrencyTest, ConcurrentNotificationsPassEachKeyOncePerWindow) {
  constexpr int kInstances = 30;
  constexpr int kNotifications = 200;
  auto engine = MakeEngine();
  std::vector<WebhookMessage> messages(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < kInstances; ++k) {
      const int instance = (k + 7 * t) % kInstances;
      messages[t].alerts.push_back(FiringAlert(
          "TcpEndpointDownFast", {{"instance", absl::StrCat("host-", instance)}}));
    }
    messages[t].alerts.push_back(FiringAlert("ApiDown"));
  }
  for (int window = 0; window < 2; ++window) {
    std::vector<std::atomic<int>> passing(kInstances + 1);
    testutil::StartGate start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.ArriveAndWait();
        for (int n = 0; n < kNotifications; ++n) {
          std::vector<Decision> decisions = engine->DecideAll(messages[t]);
          for (int k = 0; k < kInstances; ++k) {
            if (decisions[k].passed()) {
              passing[(k + 7 * t) % kInstances].fetch_add(1);
            }
          }
          if (decisions[kInstances].passed()) passing[kInstances].fetch_add(1);
        }
      });
    }
    for (auto& thread : threads) thread.join();
    for (int k = 0; k <= kInstances; ++k) {
      EXPECT_EQ(passing[k].load(), 1) << "key " << k << ", window " << window;
    }
    clock_.Advance(absl::Seconds(120));
  }
}

TEST_P(EngineConcurrencyTest, ConcurrentNotificationsNeverOverReserveABudget) {
  constexpr int kBudget = 25;
  constexpr int kNotifications = 50;
  auto engine = MakeEngine(kBudget);
  std::atomic<int> passing{0};
  std::atomic<int> exhausted{0};
  testutil::StartGate start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.ArriveAndWait();
      for (int n = 0; n < kNotifications; ++n) {
        // Ten alerts, each on a key of its own; one shared by all threads.
        WebhookMessage message;
        for (int k = 0; k < 10; ++k) {
          const std::string instance =
              k == 0 ? std::string("shared") : absl::StrCat("host-", t, "-", n, "-", k);
          message.alerts.push_back(
              FiringAlert("TcpEndpointDownFast", {{"instance", instance}}));
        }
        for (const Decision& d : engine->DecideAll(message)) {
          if (d.passed()) passing.fetch_add(1);
          if (d.reason == Reason::kBudgetExhausted) exhausted.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(passing.load(), kBudget);
  // Every other distinct key was refused by the budget; duplicates of
  // "shared" may instead be cooling down.
  EXPECT_GE(exhausted.load(), kThreads * kNotifications * 9 - kBudget);
}

std::string SpaceName(const ::testing::TestParamInfo<bool>& param_info) {
  return param_info.param ? "Live" : "DryRun";
}

INSTANTIATE_TEST_SUITE_P(LiveAndDryRun, EngineConcurrencyTest,
                         ::testing::Values(true, false), SpaceName);

}  // namespace
}  // namespace autoheal
