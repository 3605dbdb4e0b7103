#include "autoheal/remediator.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "autoheal/in_memory_cooldown_store.h"
#include "autoheal/internal/mutex.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/testing/faulty_cooldown_store.h"
#include "autoheal/testing/memory_audit_sink.h"
#include "autoheal/testing/recording_executor.h"
#include "autoheal/testing/recording_observer.h"
#include "engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testing::AuditEntry;
using ::autoheal::testutil::FiringAlert;
using ::autoheal::testutil::MakeAction;

// An executor that holds every accepted action until the test finishes it.
class HoldingExecutor final : public ActionExecutor {
 public:
  absl::Status Submit(ActionRequest request, DoneCallback done) override {
    internal::MutexLock lock(&mu_);
    pending_.emplace_back(std::move(request), std::move(done));
    return absl::OkStatus();
  }
  // Completes every held action with `kind`.
  void FinishAll(OutcomeKind kind) {
    std::vector<std::pair<ActionRequest, DoneCallback>> pending;
    {
      internal::MutexLock lock(&mu_);
      pending.swap(pending_);
    }
    ActionOutcome outcome;
    outcome.kind = kind;
    for (auto& [request, done] : pending) done(request, outcome);
  }

 private:
  internal::Mutex mu_;
  std::vector<std::pair<ActionRequest, DoneCallback>> pending_
      ABSL_GUARDED_BY(mu_);
};

class RemediatorTest : public ::testing::Test {
 protected:
  RemediatorTest() : faulty_store_(&store_) {}

  std::unique_ptr<Engine> MakeEngine(bool enabled = true) {
    EngineOptions options = options_;
    options.enabled = enabled;
    options.actions.push_back(MakeAction("ApiDown", "restart-api"));
    EngineDeps deps;
    deps.clock = &clock_;
    deps.store = &faulty_store_;
    deps.in_flight = &in_flight_;
    return *Engine::Create(options, deps);
  }

  Remediator MakeRemediator(ActionExecutor* executor) {
    RemediatorDeps deps;
    deps.executor = executor;
    deps.audit = &audit_;
    deps.in_flight = &in_flight_;
    deps.clock = &clock_;
    deps.observer = &observer_;
    return Remediator(deps);
  }

  static WebhookMessage Message(std::vector<Alert> alerts) {
    WebhookMessage message;
    message.version = "4";
    message.alerts = std::move(alerts);
    return message;
  }

  EngineOptions options_;
  testing::FakeClock clock_;
  InMemoryCooldownStore store_;
  testing::FaultyCooldownStore faulty_store_;
  InFlightRegistry in_flight_;
  testing::MemoryAuditSink audit_;
  testing::RecordingExecutor recording_;
  testing::RecordingObserver observer_;
};

TEST_F(RemediatorTest, AuditsTheDecisionBeforeRunningTheAction) {
  auto engine = MakeEngine();
  Remediator remediator = MakeRemediator(&recording_);
  WebhookMessage message = Message({FiringAlert("ApiDown")});
  RemediationResult result = remediator.Remediate(*engine, message);

  ASSERT_EQ(result.decisions.size(), 1u);
  EXPECT_EQ(result.decisions[0].reason, Reason::kExecute);
  EXPECT_FALSE(result.store_unavailable);
  EXPECT_TRUE(result.audit_error.ok());
  EXPECT_TRUE(result.submit_error.ok());
  std::vector<ActionRequest> requests = recording_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].action.name, "restart-api");
  EXPECT_EQ(requests[0].key, "ah1|live|11:restart-api|7:ApiDown");
  EXPECT_EQ(requests[0].alert.alertname(), "ApiDown");

  std::vector<AuditEntry> entries = audit_.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].type, AuditEntry::Type::kDecision);
  EXPECT_EQ(entries[0].verdict, Verdict::kExecute);
  EXPECT_EQ(entries[1].type, AuditEntry::Type::kOutcome);
  EXPECT_EQ(entries[1].outcome, OutcomeKind::kSuccess);
  EXPECT_EQ(in_flight_.size(), 0u);
}

TEST_F(RemediatorTest, TheObserverSeesEveryDecisionAndEveryOutcome) {
  auto engine = MakeEngine();
  Remediator remediator = MakeRemediator(&recording_);
  Alert resolved = FiringAlert("ApiDown");
  resolved.status = AlertStatus::kResolved;
  WebhookMessage message =
      Message({FiringAlert("ApiDown"), FiringAlert("Other"), resolved});
  remediator.Remediate(*engine, message);

  std::vector<testing::ObservedDecision> decisions = observer_.decisions();
  ASSERT_EQ(decisions.size(), 3u);
  EXPECT_EQ(decisions[0].reason, Reason::kExecute);
  EXPECT_EQ(decisions[0].key, "ah1|live|11:restart-api|7:ApiDown");
  EXPECT_EQ(decisions[1].alertname, "Other");
  EXPECT_EQ(decisions[1].reason, Reason::kNotAllowlisted);
  EXPECT_EQ(decisions[2].reason, Reason::kResolved);
  std::vector<testing::ObservedOutcome> outcomes = observer_.outcomes();
  ASSERT_EQ(outcomes.size(), 1u);  // only the execute ran
  EXPECT_EQ(outcomes[0].action, "restart-api");
  EXPECT_EQ(outcomes[0].key, decisions[0].key);
  EXPECT_EQ(outcomes[0].outcome.kind, OutcomeKind::kSuccess);
}

TEST_F(RemediatorTest, TemplatedArgumentsAreExpandedIntoSingleArguments) {
  EngineOptions options;
  options.enabled = true;
  Action action = MakeAction("EndpointDown", "restart-endpoint");
  action.argv = {"/usr/local/bin/restart", "--target={{labels.instance}}"};
  action.label_patterns["instance"] = "[a-z0-9.-]+:[0-9]+";
  options.actions.push_back(action);
  EngineDeps deps;
  deps.clock = &clock_;
  deps.in_flight = &in_flight_;
  auto engine = *Engine::Create(options, deps);
  Remediator remediator = MakeRemediator(&recording_);
  WebhookMessage message =
      Message({FiringAlert("EndpointDown", {{"instance", "db-01:5432"}}),
               FiringAlert("EndpointDown", {{"instance", "db-02:5432; rm -rf /"}})});
  RemediationResult result = remediator.Remediate(*engine, message);
  EXPECT_EQ(result.decisions[1].reason, Reason::kInvalidTarget);
  std::vector<ActionRequest> requests = recording_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_THAT(requests[0].action.argv,
              ::testing::ElementsAre("/usr/local/bin/restart", "--target=db-01:5432"));
}

TEST_F(RemediatorTest, AuditsEverySkipAndRunsNothing) {
  auto engine = MakeEngine();
  Remediator remediator = MakeRemediator(&recording_);
  Alert resolved = FiringAlert("ApiDown");
  resolved.status = AlertStatus::kResolved;
  WebhookMessage message =
      Message({resolved, FiringAlert("Other"), FiringAlert("ApiDown"),
               FiringAlert("ApiDown")});
  RemediationResult result = remediator.Remediate(*engine, message);
  ASSERT_EQ(result.decisions.size(), 4u);
  EXPECT_EQ(result.decisions[3].reason, Reason::kCoolingDown);
  EXPECT_EQ(recording_.requests().size(), 1u);
  EXPECT_EQ(audit_.entries().size(), 5u);  // four decisions, one outcome
}

TEST_F(RemediatorTest, DryRunIsAuditedButNeverSubmitted) {
  auto engine = MakeEngine(/*enabled=*/false);
  Remediator remediator = MakeRemediator(&recording_);
  WebhookMessage message = Message({FiringAlert("ApiDown")});
  RemediationResult result = remediator.Remediate(*engine, message);
  EXPECT_EQ(result.decisions[0].reason, Reason::kDryRun);
  EXPECT_TRUE(recording_.requests().empty());
  ASSERT_EQ(audit_.entries().size(), 1u);
  EXPECT_EQ(audit_.entries()[0].verdict, Verdict::kDryRun);
}

TEST_F(RemediatorTest, AnUnauditableActionDoesNotRun) {
  auto engine = MakeEngine();
  Remediator remediator = MakeRemediator(&recording_);
  audit_.set_down(true);
  WebhookMessage message = Message({FiringAlert("ApiDown")});
  RemediationResult result = remediator.Remediate(*engine, message);
  EXPECT_EQ(result.decisions[0].verdict, Verdict::kExecute);
  EXPECT_TRUE(recording_.requests().empty());
  EXPECT_EQ(result.audit_error.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(result.audit_error.message()),
              ::testing::HasSubstr("could not be audited"));
}

TEST_F(RemediatorTest, UnauditableDecisionsAreOneAuditFailurePerNotification) {
  auto engine = MakeEngine();
  Remediator remediator = MakeRemediator(&recording_);
  audit_.set_down(true);
  WebhookMessage message =
      Message({FiringAlert("ApiDown"), FiringAlert("Other")});
  RemediationResult result = remediator.Remediate(*engine, message);
  EXPECT_FALSE(result.audit_error.ok());
  std::vector<absl::Status> failures = observer_.audit_failures();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(failures[0].message()),
              ::testing::HasSubstr("audit sink is down"));
  // The decisions are still reported; nothing ran, so no outcome.
  EXPECT_EQ(observer_.decisions().size(), 2u);
  EXPECT_TRUE(observer_.outcomes().empty());
}

TEST_F(RemediatorTest, UnauditableSkipsAreAnAuditFailureToo) {
  // Nothing was to run, so the caller gets no audit_error (and a receiver
  // answers 200), but the lost records are still reported.
  auto engine = MakeEngine();
  Remediator remediator = MakeRemediator(&recording_);
  audit_.set_down(true);
  WebhookMessage message = Message({FiringAlert("Other")});
  RemediationResult result = remediator.Remediate(*engine, message);
  EXPECT_TRUE(result.audit_error.ok());
  EXPECT_EQ(observer_.audit_failures().size(), 1u);
}

TEST_F(RemediatorTest, AnUnauditableOutcomeIsAnAuditFailureAndStillObserved) {
  auto engine = MakeEngine();
  HoldingExecutor holding;
  Remediator remediator = MakeRemediator(&holding);
  WebhookMessage message = Message({FiringAlert("ApiDown")});
  ASSERT_EQ(remediator.Remediate(*engine, message).decisions[0].reason,
            Reason::kExecute);
  EXPECT_TRUE(observer_.audit_failures().empty());

  audit_.set_down(true);  // the log breaks while the action runs
  holding.FinishAll(OutcomeKind::kFailed);
  EXPECT_EQ(observer_.audit_failures().size(), 1u);
  std::vector<testing::ObservedOutcome> outcomes = observer_.outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].outcome.kind, OutcomeKind::kFailed);
  EXPECT_EQ(remediator.InFlight(), 0u);
}

TEST_F(RemediatorTest, ASuccessfulAuditReportsNoFailure) {
  auto engine = MakeEngine();
  Remediator remediator = MakeRemediator(&recording_);
  WebhookMessage message =
      Message({FiringAlert("ApiDown"), FiringAlert("Other")});
  remediator.Remediate(*engine, message);
  EXPECT_EQ(observer_.outcomes().size(), 1u);
  EXPECT_TRUE(observer_.audit_failures().empty());
}

// An observer written before OnAuditFailure existed still compiles, and the
// default does nothing.
class OldObserver final : public RemediationObserver {
 public:
  void OnDecision(const Alert&, const Decision&) override { ++decisions; }
  void OnOutcome(const ActionRequest&, const ActionOutcome&) override {}
  int decisions = 0;
};

TEST_F(RemediatorTest, AnObserverWithoutOnAuditFailureKeepsWorking) {
  auto engine = MakeEngine();
  OldObserver old;
  RemediatorDeps deps;
  deps.executor = &recording_;
  deps.audit = &audit_;
  deps.in_flight = &in_flight_;
  deps.clock = &clock_;
  deps.observer = &old;
  Remediator remediator(deps);
  audit_.set_down(true);
  WebhookMessage message = Message({FiringAlert("ApiDown")});
  EXPECT_FALSE(remediator.Remediate(*engine, message).audit_error.ok());
  EXPECT_EQ(old.decisions, 1);
}

TEST_F(RemediatorTest, ARefusedSubmissionIsAuditedAsASpawnError) {
  auto engine = MakeEngine();
  Remediator remediator = MakeRemediator(&recording_);
  recording_.set_reject(true);
  WebhookMessage message = Message({FiringAlert("ApiDown")});
  RemediationResult result = remediator.Remediate(*engine, message);
  EXPECT_EQ(result.submit_error.code(), absl::StatusCode::kResourceExhausted);
  std::vector<AuditEntry> entries = audit_.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].outcome, OutcomeKind::kSpawnError);
  EXPECT_EQ(in_flight_.size(), 0u);
}

TEST_F(RemediatorTest, StoreFailureIsReportedForA503) {
  auto engine = MakeEngine();
  Remediator remediator = MakeRemediator(&recording_);
  faulty_store_.set_down(true);
  WebhookMessage message = Message({FiringAlert("Other"), FiringAlert("ApiDown")});
  RemediationResult result = remediator.Remediate(*engine, message);
  EXPECT_TRUE(result.store_unavailable);
  EXPECT_EQ(result.decisions[1].reason, Reason::kStoreUnavailable);
  EXPECT_TRUE(recording_.requests().empty());
}

TEST_F(RemediatorTest, AKeyWhoseActionOutlivesItsCooldownIsInFlight) {
  auto engine = MakeEngine();
  HoldingExecutor holding;
  Remediator remediator = MakeRemediator(&holding);
  WebhookMessage message = Message({FiringAlert("ApiDown")});
  EXPECT_EQ(remediator.Remediate(*engine, message).decisions[0].reason,
            Reason::kExecute);
  EXPECT_EQ(remediator.InFlight(), 1u);

  clock_.Advance(absl::Hours(1));  // far past the cooldown, still running
  EXPECT_EQ(remediator.Remediate(*engine, message).decisions[0].reason,
            Reason::kInFlight);

  holding.FinishAll(OutcomeKind::kTimedOut);
  EXPECT_EQ(remediator.InFlight(), 0u);
  EXPECT_EQ(remediator.Remediate(*engine, message).decisions[0].reason,
            Reason::kExecute);
  holding.FinishAll(OutcomeKind::kSuccess);
}

TEST_F(RemediatorTest, EscalationRunsOnceAndIsNotAnInFlightAction) {
  options_.flap_guard = {1, absl::Hours(1)};
  options_.escalation = EscalationCommand{{"/bin/page"}, absl::Seconds(5)};
  auto engine = MakeEngine();
  HoldingExecutor holding;
  Remediator remediator = MakeRemediator(&holding);
  WebhookMessage message = Message({FiringAlert("ApiDown")});
  ASSERT_EQ(remediator.Remediate(*engine, message).decisions[0].reason,
            Reason::kExecute);
  holding.FinishAll(OutcomeKind::kSuccess);
  clock_.Advance(absl::Seconds(120));
  // The fix did not fix: the next firing trips the flap guard. The page is
  // submitted but does not mark the key in flight.
  Decision tripped = remediator.Remediate(*engine, message).decisions[0];
  EXPECT_EQ(tripped.reason, Reason::kEscalated);
  EXPECT_TRUE(tripped.newly_escalated);
  EXPECT_EQ(remediator.InFlight(), 0u);
  holding.FinishAll(OutcomeKind::kSuccess);
  std::vector<AuditEntry> entries = audit_.entries();
  int pages = 0;
  for (const AuditEntry& e : entries) {
    if (e.type == AuditEntry::Type::kOutcome && e.action == "escalation") ++pages;
  }
  EXPECT_EQ(pages, 1);
  EXPECT_TRUE(std::any_of(entries.begin(), entries.end(), [](const AuditEntry& e) {
    return e.type == AuditEntry::Type::kDecision && e.newly_escalated;
  }));
  EXPECT_EQ(remediator.Remediate(*engine, message).decisions[0].reason,
            Reason::kEscalated);
  holding.FinishAll(OutcomeKind::kSuccess);
  pages = 0;
  for (const AuditEntry& e : audit_.entries()) {
    if (e.type == AuditEntry::Type::kOutcome && e.action == "escalation") ++pages;
  }
  EXPECT_EQ(pages, 1) << "a latched key pages only once";
}

TEST_F(RemediatorTest, DryRunEscalationIsAuditedButPagesNobody) {
  options_.flap_guard = {1, absl::Hours(1)};
  options_.escalation = EscalationCommand{{"/bin/page"}, absl::Seconds(5)};
  auto engine = MakeEngine(/*enabled=*/false);
  Remediator remediator = MakeRemediator(&recording_);
  WebhookMessage message = Message({FiringAlert("ApiDown")});
  ASSERT_EQ(remediator.Remediate(*engine, message).decisions[0].reason,
            Reason::kDryRun);
  clock_.Advance(absl::Seconds(120));
  Decision tripped = remediator.Remediate(*engine, message).decisions[0];
  EXPECT_EQ(tripped.reason, Reason::kEscalated);
  EXPECT_TRUE(tripped.newly_escalated);
  EXPECT_TRUE(recording_.requests().empty());
}

TEST_F(RemediatorTest, ConcurrentDuplicateDeliveriesRunExactlyOnce) {
  auto engine = MakeEngine();
  Remediator remediator = MakeRemediator(&recording_);
  WebhookMessage message = Message({FiringAlert("ApiDown")});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) remediator.Remediate(*engine, message);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(recording_.requests().size(), 1u);
  EXPECT_EQ(audit_.entries().size(), 8u * 500u + 1u);
}

}  // namespace
}  // namespace autoheal
