// The guardrails beyond cooldown, through the engine with a FakeClock:
// budgets (gate 8), the flap guard (gate 5), their order against in_flight
// and cooling_down, previews, and the sentences that explain them.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "autoheal/engine.h"
#include "autoheal/in_memory_cooldown_store.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/testing/faulty_cooldown_store.h"
#include "engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::FiringAlert;
using ::autoheal::testutil::MakeAction;
using ::testing::HasSubstr;

constexpr absl::Duration kCooldown = absl::Seconds(120);

class GuardrailsTest : public ::testing::Test {
 protected:
  GuardrailsTest() {
    options_.enabled = true;
    options_.global_budget = {0, absl::Minutes(10)};
    options_.flap_guard = {0, absl::Hours(1)};
    options_.actions.push_back(
        MakeAction("TcpEndpointDownFast", "restart-tcp", {"instance"}));
    options_.actions.push_back(MakeAction("ApiDown", "restart-api"));
  }

  Engine& MakeEngine(bool preview = false) {
    EngineDeps deps;
    deps.clock = &clock_;
    deps.store = &store_;
    deps.in_flight = &in_flight_;
    deps.preview = preview;
    auto engine = Engine::Create(options_, deps);
    EXPECT_TRUE(engine.ok()) << engine.status();
    engines_.push_back(*std::move(engine));
    return *engines_.back();
  }

  static Alert Tcp(int instance) {
    return FiringAlert("TcpEndpointDownFast",
                       {{"instance", absl::StrCat("host-", instance)}});
  }

  EngineOptions options_;
  testing::FakeClock clock_;
  InMemoryCooldownStore store_;
  InFlightRegistry in_flight_;
  std::vector<std::unique_ptr<Engine>> engines_;
};

TEST_F(GuardrailsTest, GlobalBudgetCapsAStormAcrossInstances) {
  options_.global_budget = {3, absl::Minutes(10)};
  Engine& engine = MakeEngine();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(engine.Decide(Tcp(i)).reason, Reason::kExecute) << i;
  }
  clock_.Advance(absl::Minutes(4));
  Decision held = engine.Decide(Tcp(3));
  EXPECT_EQ(held.verdict, Verdict::kSkip);
  EXPECT_EQ(held.reason, Reason::kBudgetExhausted);
  EXPECT_EQ(held.time_left, absl::Minutes(6));
  EXPECT_EQ(held.Sentence(),
            "the global budget of 3 executions per 10m is spent; action "
            "\"restart-tcp\" is held back, a slot frees in 360s");
  // The budget slides: once the first executions leave the window, one more.
  clock_.Advance(absl::Minutes(6));
  EXPECT_EQ(engine.Decide(Tcp(3)).reason, Reason::kExecute);
}

TEST_F(GuardrailsTest, ABudgetStopDoesNotTakeTheCooldown) {
  options_.global_budget = {1, absl::Minutes(10)};
  Engine& engine = MakeEngine();
  ASSERT_EQ(engine.Decide(Tcp(0)).reason, Reason::kExecute);
  ASSERT_EQ(engine.Decide(Tcp(1)).reason, Reason::kBudgetExhausted);
  clock_.Advance(absl::Minutes(10));
  // host-1 was never taken, so it is not cooling down now.
  EXPECT_EQ(engine.Decide(Tcp(1)).reason, Reason::kExecute);
}

TEST_F(GuardrailsTest, EarlierGatesConsumeNoBudget) {
  options_.global_budget = {2, absl::Minutes(10)};
  Engine& engine = MakeEngine();
  ASSERT_EQ(engine.Decide(Tcp(0)).reason, Reason::kExecute);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(engine.Decide(Tcp(0)).reason, Reason::kCoolingDown);
  }
  Alert resolved = Tcp(1);
  resolved.status = AlertStatus::kResolved;
  EXPECT_EQ(engine.Decide(resolved).reason, Reason::kResolved);
  Alert not_opted_in = Tcp(2);
  not_opted_in.annotations = LabelSet({{"autoheal", "TRUE"}});
  EXPECT_EQ(engine.Decide(not_opted_in).reason, Reason::kNotOptedIn);
  ASSERT_TRUE(in_flight_.Begin(engine.Decide(Tcp(3)).key.view()));
  clock_.Advance(kCooldown);
  EXPECT_EQ(engine.Decide(Tcp(3)).reason, Reason::kInFlight);
  // Tcp(0) and Tcp(3) hold the two slots; nothing else consumed one.
  EXPECT_EQ(engine.Decide(Tcp(4)).reason, Reason::kBudgetExhausted);
}

TEST_F(GuardrailsTest, PerActionBudgetIsSeparateFromOtherActions) {
  options_.actions[0].budget = {2, absl::Hours(1)};
  Engine& engine = MakeEngine();
  EXPECT_EQ(engine.Decide(Tcp(0)).reason, Reason::kExecute);
  EXPECT_EQ(engine.Decide(Tcp(1)).reason, Reason::kExecute);
  Decision held = engine.Decide(Tcp(2));
  EXPECT_EQ(held.reason, Reason::kBudgetExhausted);
  EXPECT_EQ(held.budget_scope, "action");
  EXPECT_THAT(held.Sentence(), HasSubstr("the action budget of 2 executions"));
  EXPECT_EQ(engine.Decide(FiringAlert("ApiDown")).reason, Reason::kExecute);
}

TEST_F(GuardrailsTest, DryRunKeepsItsOwnBudget) {
  options_.global_budget = {1, absl::Minutes(10)};
  options_.enabled = false;
  Engine& dry = MakeEngine();
  EXPECT_EQ(dry.Decide(Tcp(0)).reason, Reason::kDryRun);
  EXPECT_EQ(dry.Decide(Tcp(1)).reason, Reason::kBudgetExhausted);
  options_.enabled = true;
  Engine& live = MakeEngine();
  // Switching on starts clean: the dry-run spent nothing live.
  EXPECT_EQ(live.Decide(Tcp(1)).reason, Reason::kExecute);
  EXPECT_EQ(live.Decide(Tcp(2)).reason, Reason::kBudgetExhausted);
}

TEST_F(GuardrailsTest, FlapGuardEscalatesWhenTheFixDoesNotFix) {
  options_.flap_guard = {3, absl::Hours(1)};
  Engine& engine = MakeEngine();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(engine.Decide(Tcp(0)).reason, Reason::kExecute) << i;
    clock_.Advance(kCooldown);
  }
  Decision escalated = engine.Decide(Tcp(0));
  EXPECT_EQ(escalated.verdict, Verdict::kSkip);
  EXPECT_EQ(escalated.reason, Reason::kEscalated);
  EXPECT_TRUE(escalated.newly_escalated);
  EXPECT_EQ(escalated.Sentence(),
            "action \"restart-tcp\" ran 3 times within 1h and the alert fired "
            "again: escalated to a human; nothing runs until the key is "
            "cleared or stays quiet for 1h");
  clock_.Advance(kCooldown);
  Decision still = engine.Decide(Tcp(0));
  EXPECT_EQ(still.reason, Reason::kEscalated);
  EXPECT_FALSE(still.newly_escalated);
  // Other instances are their own keys.
  EXPECT_EQ(engine.Decide(Tcp(1)).reason, Reason::kExecute);
}

TEST_F(GuardrailsTest, SlowFlappingBelowTheWindowNeverEscalates) {
  options_.flap_guard = {3, absl::Hours(1)};
  Engine& engine = MakeEngine();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(engine.Decide(Tcp(0)).reason, Reason::kExecute) << i;
    // 31 minutes apart: never three executions within one hour.
    clock_.Advance(absl::Minutes(31));
  }
}

TEST_F(GuardrailsTest, EscalationClearsByOperatorOrAfterAQuietWindow) {
  options_.flap_guard = {1, absl::Hours(1)};
  Engine& engine = MakeEngine();
  ASSERT_EQ(engine.Decide(Tcp(0)).reason, Reason::kExecute);
  clock_.Advance(kCooldown);
  Decision escalated = engine.Decide(Tcp(0));
  ASSERT_EQ(escalated.reason, Reason::kEscalated);
  const std::string key(escalated.key.view());
  ASSERT_TRUE(store_.ClearEscalation(key).value_or(false));
  EXPECT_EQ(engine.Decide(Tcp(0)).reason, Reason::kExecute);
  clock_.Advance(kCooldown);
  ASSERT_EQ(engine.Decide(Tcp(0)).reason, Reason::kEscalated);
  clock_.Advance(absl::Hours(1) - absl::Seconds(1));
  EXPECT_EQ(engine.Decide(Tcp(0)).reason, Reason::kEscalated);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(engine.Decide(Tcp(0)).reason, Reason::kExecute);
}

TEST_F(GuardrailsTest, GateOrderEscalatedBeforeInFlightBeforeCoolingDown) {
  options_.flap_guard = {1, absl::Hours(1)};
  options_.global_budget = {1, absl::Hours(1)};
  Engine& engine = MakeEngine();
  Decision first = engine.Decide(Tcp(0));
  ASSERT_EQ(first.reason, Reason::kExecute);
  // In flight and cooling down: in_flight wins.
  ASSERT_TRUE(in_flight_.Begin(first.key.view()));
  EXPECT_EQ(engine.Decide(Tcp(0)).reason, Reason::kInFlight);
  in_flight_.End(first.key.view());
  // Cooling down and budget spent: cooling_down wins.
  EXPECT_EQ(engine.Decide(Tcp(0)).reason, Reason::kCoolingDown);
  clock_.Advance(kCooldown);
  // Flap guard tripped and budget spent: escalated wins, and once latched
  // it wins over in_flight too.
  EXPECT_EQ(engine.Decide(Tcp(0)).reason, Reason::kEscalated);
  ASSERT_TRUE(in_flight_.Begin(first.key.view()));
  EXPECT_EQ(engine.Decide(Tcp(0)).reason, Reason::kEscalated);
}

TEST_F(GuardrailsTest, PreviewEngineDecidesWithoutTakingAnything) {
  options_.global_budget = {1, absl::Minutes(10)};
  Engine& preview = MakeEngine(/*preview=*/true);
  Engine& real = MakeEngine();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(preview.Decide(Tcp(0)).reason, Reason::kExecute);
  }
  ASSERT_EQ(real.Decide(Tcp(0)).reason, Reason::kExecute);
  Decision cooling = preview.Decide(Tcp(0));
  EXPECT_EQ(cooling.reason, Reason::kCoolingDown);
  EXPECT_EQ(cooling.time_left, kCooldown);
  EXPECT_EQ(preview.Decide(Tcp(1)).reason, Reason::kBudgetExhausted);
}

TEST_F(GuardrailsTest, StoreFailureFailsClosedOnEveryGuardrail) {
  options_.flap_guard = {3, absl::Hours(1)};
  options_.global_budget = {10, absl::Minutes(10)};
  testing::FaultyCooldownStore faulty(&store_);
  EngineDeps deps;
  deps.clock = &clock_;
  deps.store = &faulty;
  auto engine = Engine::Create(options_, deps);
  ASSERT_TRUE(engine.ok());
  faulty.set_down(true);
  Decision d = (*engine)->Decide(Tcp(0));
  EXPECT_EQ(d.verdict, Verdict::kSkip);
  EXPECT_EQ(d.reason, Reason::kStoreUnavailable);
  EXPECT_THAT(d.Sentence(), HasSubstr("state store is unreachable"));
  faulty.set_down(false);
  EXPECT_EQ((*engine)->Decide(Tcp(0)).reason, Reason::kExecute);
}

TEST(GuardrailDefaultsTest, SafeDefaults) {
  EngineOptions options;
  EXPECT_EQ(options.global_budget.max_executions, 10);
  EXPECT_EQ(options.global_budget.window, absl::Minutes(10));
  EXPECT_EQ(options.flap_guard.max_executions, 3);
  EXPECT_EQ(options.flap_guard.window, absl::Hours(1));
  EXPECT_FALSE(options.escalation.has_value());
}

TEST(GuardrailValidationTest, RejectsBadLimits) {
  EngineOptions options;
  options.global_budget.max_executions = -1;
  EXPECT_THAT(ValidateOptions(options).message(),
              HasSubstr("budget: max_executions must be between 0"));
  options = EngineOptions();
  options.flap_guard.window = absl::ZeroDuration();
  EXPECT_THAT(ValidateOptions(options).message(),
              HasSubstr("flap_guard: window must be a positive"));
  options = EngineOptions();
  options.actions.push_back(MakeAction("A", "a"));
  options.actions[0].budget = {20000, absl::Hours(1)};
  EXPECT_THAT(ValidateOptions(options).message(),
              HasSubstr("action for alertname \"A\": budget"));
  options = EngineOptions();
  options.escalation = EscalationCommand{{}, absl::Seconds(1)};
  EXPECT_THAT(ValidateOptions(options).message(),
              HasSubstr("escalation: argv[0] is empty"));
  options.escalation = EscalationCommand{{"/bin/page", "{{labels.x}}"},
                                         absl::Seconds(1)};
  EXPECT_THAT(ValidateOptions(options).message(),
              HasSubstr("escalation: argv cannot use"));
}

}  // namespace
}  // namespace autoheal
