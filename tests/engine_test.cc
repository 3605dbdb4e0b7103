#include "autoheal/engine.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/testing/faulty_cooldown_store.h"
#include "engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::FiringAlert;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::MakeAction;
using ::testing::HasSubstr;

constexpr absl::Duration kCooldown = absl::Seconds(120);

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : faulty_store_(&store_) {
    options_.enabled = true;
    options_.actions.push_back(MakeAction("ApiDown", "restart-api"));
    options_.actions.push_back(
        MakeAction("TcpEndpointDownFast", "restart-tcp", {"instance"}));
    Action stale = MakeAction("ExporterStale", "restart-exporter");
    stale.cooldown = absl::Minutes(10);
    options_.actions.push_back(stale);
  }

  std::unique_ptr<Engine> MakeEngine() {
    EngineDeps deps;
    deps.clock = &clock_;
    deps.store = &faulty_store_;
    auto engine = Engine::Create(options_, deps);
    EXPECT_THAT(engine, IsOk());
    return engine.ok() ? *std::move(engine) : nullptr;
  }

  testing::FakeClock clock_;
  InMemoryCooldownStore store_;
  testing::FaultyCooldownStore faulty_store_;
  EngineOptions options_;
};

TEST_F(EngineTest, ExecutesOptedInAllowlistedAlertWhenEnabled) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.verdict, Verdict::kExecute);
  EXPECT_EQ(d.reason, Reason::kExecute);
  ASSERT_NE(d.action, nullptr);
  EXPECT_EQ(d.action->name, "restart-api");
  EXPECT_EQ(d.key.view(), "ah1|live|11:restart-api|7:ApiDown");
  EXPECT_EQ(d.time_left, absl::ZeroDuration());
  EXPECT_EQ(d.Sentence(), "all gates passed; running action \"restart-api\"");
}

TEST_F(EngineTest, DryRunIsTheDefault) {
  options_.enabled = EngineOptions().enabled;
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.verdict, Verdict::kDryRun);
  EXPECT_EQ(d.reason, Reason::kDryRun);
  EXPECT_EQ(d.key.view(), "ah1|dry_run|11:restart-api|7:ApiDown");
  EXPECT_THAT(d.Sentence(), HasSubstr("disabled (dry-run)"));
}

TEST_F(EngineTest, DryRunTakesCooldownsInItsOwnKeySpace) {
  options_.enabled = false;
  auto dry = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  EXPECT_EQ(dry->Decide(alert).reason, Reason::kDryRun);
  EXPECT_EQ(dry->Decide(alert).reason, Reason::kCoolingDown);

  // Switching on, over the same store, starts clean.
  options_.enabled = true;
  auto live = MakeEngine();
  EXPECT_EQ(live->Decide(alert).reason, Reason::kExecute);
  EXPECT_EQ(live->Decide(alert).reason, Reason::kCoolingDown);
}

TEST_F(EngineTest, ResolvedIsTheFirstGate) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("NotInPolicy");
  alert.status = AlertStatus::kResolved;
  alert.annotations = LabelSet();
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.verdict, Verdict::kSkip);
  EXPECT_EQ(d.reason, Reason::kResolved);
  EXPECT_EQ(d.action, nullptr);
  EXPECT_TRUE(d.key.empty());
}

TEST_F(EngineTest, ResolvedAllowlistedAlertTakesNoCooldown) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  alert.status = AlertStatus::kResolved;
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kResolved);
  alert.status = AlertStatus::kFiring;
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kExecute);
}

TEST_F(EngineTest, MissingOptInIsNotOptedIn) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  alert.annotations = LabelSet({{"summary", "x"}});
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.reason, Reason::kNotOptedIn);
  EXPECT_EQ(d.action, nullptr);
  EXPECT_EQ(d.Sentence(),
            "annotation autoheal is missing; the alert rule must set "
            "autoheal: \"true\" to opt in");
}

TEST_F(EngineTest, OnlyTheExactOptInValueOptsIn) {
  auto engine = MakeEngine();
  for (const char* almost : {"TRUE", "True", " true", "true ", "true\n", "1",
                             "yes", "on", "", "\"true\"", "t"}) {
    Alert alert = FiringAlert("ApiDown");
    alert.annotations = LabelSet({{"autoheal", almost}});
    Decision d = engine->Decide(alert);
    EXPECT_EQ(d.reason, Reason::kNotOptedIn) << "value [" << almost << "]";
    EXPECT_EQ(d.opt_in_actual, almost);
    EXPECT_THAT(d.Sentence(), HasSubstr("only the exact value \"true\""));
  }
}

// Regression: a sentence used to quote a hostile value whole, so a 1 MB
// label came back escaped (up to 4x) in every response and audit line.
TEST_F(EngineTest, SentenceQuotesAtMost128BytesOfAHugeValue) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  alert.annotations =
      LabelSet({{"autoheal", "true" + std::string(1000000, '"')}});
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.reason, Reason::kNotOptedIn);
  EXPECT_THAT(d.Sentence(), HasSubstr("...\" (1000004 bytes)"));
  EXPECT_LT(d.Sentence().size(), 400u);

  // The cut never splits a UTF-8 character: 127 ASCII bytes, then "é".
  alert.annotations =
      LabelSet({{"autoheal", std::string(127, 'a') + "\xc3\xa9tail"}});
  EXPECT_THAT(engine->Decide(alert).Sentence(),
              HasSubstr("\"" + std::string(127, 'a') + "...\" (133 bytes)"));

  Alert unknown = FiringAlert(std::string(1000000, 'X'));
  Decision not_listed = engine->Decide(unknown);
  EXPECT_EQ(not_listed.reason, Reason::kNotAllowlisted);
  EXPECT_EQ(not_listed.Sentence(),
            absl::StrCat("no action is configured for alertname \"",
                         std::string(128, 'X'), "...\" (1000000 bytes)"));
}

TEST_F(EngineTest, OptInValueWithNulByteDoesNotOptIn) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  alert.annotations = LabelSet({{"autoheal", std::string("true\0x", 6)}});
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kNotOptedIn);
}

TEST_F(EngineTest, OptInAnnotationAndValueAreConfigurable) {
  options_.opt_in_annotation = "remediate";
  options_.opt_in_value = "yes-please";
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kNotOptedIn);
  alert.annotations = LabelSet({{"remediate", "yes-please"}});
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kExecute);
}

TEST_F(EngineTest, NotOptedInComesBeforeNotAllowlisted) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("NotInPolicy");
  alert.annotations = LabelSet();
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kNotOptedIn);
}

TEST_F(EngineTest, UnknownAlertnameIsNotAllowlisted) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("DiskWillFillIn4Hours");
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.reason, Reason::kNotAllowlisted);
  EXPECT_EQ(d.action, nullptr);
  EXPECT_EQ(d.Sentence(),
            "no action is configured for alertname \"DiskWillFillIn4Hours\"");
}

// The parser never yields such an alert, but a library user may build one.
// Hashing its absent (null) alertname was undefined behaviour; found by
// fuzz/decide_fuzzer.cc under UBSan.
TEST_F(EngineTest, AlertWithoutAlertnameIsNotAllowlisted) {
  auto engine = MakeEngine();
  Alert alert;
  alert.labels = LabelSet({{"instance", "db-01:5432"}});
  alert.annotations = LabelSet({{"autoheal", "true"}});
  ASSERT_EQ(alert.alertname().data(), nullptr);
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.reason, Reason::kNotAllowlisted);
  EXPECT_EQ(d.action, nullptr);
  EXPECT_EQ(d.Sentence(), "no action is configured for alertname \"\"");
}

TEST_F(EngineTest, AlertnameMatchIsExact) {
  auto engine = MakeEngine();
  for (const char* name : {"apidown", "ApiDown ", "ApiDow", "ApiDownX"}) {
    Alert alert = FiringAlert(name);
    EXPECT_EQ(engine->Decide(alert).reason, Reason::kNotAllowlisted) << name;
  }
}

TEST_F(EngineTest, NotAllowlistedComesBeforeCoolingDown) {
  auto engine = MakeEngine();
  Alert allowed = FiringAlert("ApiDown");
  ASSERT_EQ(engine->Decide(allowed).reason, Reason::kExecute);
  Alert unknown = FiringAlert("Other");
  EXPECT_EQ(engine->Decide(unknown).reason, Reason::kNotAllowlisted);
}

TEST_F(EngineTest, CooldownBoundaryIsExact) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  ASSERT_EQ(engine->Decide(alert).reason, Reason::kExecute);

  clock_.Advance(kCooldown - absl::Nanoseconds(1));
  Decision held = engine->Decide(alert);
  EXPECT_EQ(held.verdict, Verdict::kSkip);
  EXPECT_EQ(held.reason, Reason::kCoolingDown);
  EXPECT_EQ(held.time_left, absl::Nanoseconds(1));
  EXPECT_EQ(held.Sentence(),
            "action \"restart-api\" is cooling down, 1s left");

  clock_.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kExecute);
}

TEST_F(EngineTest, CoolingDownReportsTimeLeft) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  ASSERT_EQ(engine->Decide(alert).reason, Reason::kExecute);
  clock_.Advance(absl::Seconds(47));
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.time_left, absl::Seconds(73));
  EXPECT_THAT(d.Sentence(), HasSubstr("73s left"));
}

TEST_F(EngineTest, ClockSteppingBackNeverShortensACooldown) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  ASSERT_EQ(engine->Decide(alert).reason, Reason::kExecute);
  clock_.Advance(absl::Seconds(100));
  clock_.Advance(-absl::Hours(1));
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.reason, Reason::kCoolingDown);
  EXPECT_GT(d.time_left, kCooldown);
}

TEST_F(EngineTest, BlockedDecisionsDoNotExtendTheCooldown) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  ASSERT_EQ(engine->Decide(alert).reason, Reason::kExecute);
  for (int i = 0; i < 119; ++i) {
    clock_.Advance(absl::Seconds(1));
    ASSERT_EQ(engine->Decide(alert).reason, Reason::kCoolingDown);
  }
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kExecute);
}

TEST_F(EngineTest, PerActionCooldownOverridesTheDefault) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ExporterStale");
  ASSERT_EQ(engine->Decide(alert).reason, Reason::kExecute);
  clock_.Advance(kCooldown);
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.reason, Reason::kCoolingDown);
  EXPECT_EQ(d.time_left, absl::Minutes(8));
  clock_.Advance(absl::Minutes(8) - absl::Nanoseconds(1));
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kCoolingDown);
  clock_.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kExecute);
}

TEST_F(EngineTest, DefaultCooldownIsConfigurable) {
  options_.default_cooldown = absl::Seconds(5);
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  ASSERT_EQ(engine->Decide(alert).reason, Reason::kExecute);
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kExecute);
}

TEST_F(EngineTest, KeyLabelsCoolInstancesDownSeparately) {
  auto engine = MakeEngine();
  Alert db = FiringAlert("TcpEndpointDownFast", {{"instance", "db-01:5432"}});
  Alert mq = FiringAlert("TcpEndpointDownFast", {{"instance", "mq-01:5672"}});
  Decision first = engine->Decide(db);
  EXPECT_EQ(first.reason, Reason::kExecute);
  EXPECT_EQ(first.key.view(),
            "ah1|live|11:restart-tcp|19:TcpEndpointDownFast|8:instance|"
            "10:db-01:5432");
  EXPECT_EQ(engine->Decide(mq).reason, Reason::kExecute);
  EXPECT_EQ(engine->Decide(db).reason, Reason::kCoolingDown);
  EXPECT_EQ(engine->Decide(mq).reason, Reason::kCoolingDown);
}

TEST_F(EngineTest, LabelsOutsideTheKeyDoNotSplitTheCooldown) {
  auto engine = MakeEngine();
  Alert a = FiringAlert("ApiDown", {{"instance", "api-1"}});
  Alert b = FiringAlert("ApiDown", {{"instance", "api-2"}});
  EXPECT_EQ(engine->Decide(a).reason, Reason::kExecute);
  EXPECT_EQ(engine->Decide(b).reason, Reason::kCoolingDown);
}

TEST_F(EngineTest, MissingKeyLabelCountsAsEmpty) {
  auto engine = MakeEngine();
  Alert no_instance = FiringAlert("TcpEndpointDownFast");
  Alert empty_instance = FiringAlert("TcpEndpointDownFast", {{"instance", ""}});
  EXPECT_EQ(engine->Decide(no_instance).reason, Reason::kExecute);
  EXPECT_EQ(engine->Decide(empty_instance).reason, Reason::kCoolingDown);
}

TEST_F(EngineTest, AlertnamesSharingAnActionNameCoolDownSeparately) {
  options_.actions.push_back(MakeAction("ApiSlow", "restart-api"));
  auto engine = MakeEngine();
  Alert down = FiringAlert("ApiDown");
  Alert slow = FiringAlert("ApiSlow");
  EXPECT_EQ(engine->Decide(down).reason, Reason::kExecute);
  EXPECT_EQ(engine->Decide(slow).reason, Reason::kExecute);
}

class EngineTargetTest : public EngineTest {
 protected:
  EngineTargetTest() {
    Action restart = MakeAction("EndpointDown", "restart-endpoint");
    restart.argv = {"/usr/local/bin/restart", "--target={{labels.instance}}"};
    restart.label_patterns["instance"] = "[a-z0-9.-]+:[0-9]{1,5}";
    options_.actions.push_back(restart);
  }
};

TEST_F(EngineTargetTest, AMatchingLabelPasses) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("EndpointDown", {{"instance", "db-01.internal:5432"}});
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kExecute);
}

TEST_F(EngineTargetTest, AMissingLabelIsAnInvalidTarget) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("EndpointDown");
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.verdict, Verdict::kSkip);
  EXPECT_EQ(d.reason, Reason::kInvalidTarget);
  EXPECT_EQ(d.Sentence(),
            "action \"restart-endpoint\" needs label instance, which is "
            "missing; nothing runs");
}

TEST_F(EngineTargetTest, HostileValuesAreInvalidTargets) {
  auto engine = MakeEngine();
  for (const std::string& value :
       {std::string("db-01:5432;touch /tmp/x"), std::string("$(reboot):1"),
        std::string("db-01:5432\n"), std::string("db-01:5432 --rm"),
        std::string("DB-01:5432"), std::string("db\0-01:5432", 11),
        std::string(""), std::string("a:123456")}) {
    Alert alert = FiringAlert("EndpointDown", {{"instance", value}});
    Decision d = engine->Decide(alert);
    EXPECT_EQ(d.reason, Reason::kInvalidTarget) << value;
    EXPECT_THAT(d.Sentence(), HasSubstr("does not match its pattern"));
  }
}

TEST_F(EngineTargetTest, OverlongValuesAreRejectedBeforeMatching) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("EndpointDown",
                            {{"instance", std::string(1 << 20, 'a') + ":1"}});
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.reason, Reason::kInvalidTarget);
  EXPECT_THAT(d.Sentence(), HasSubstr("is longer than 256 bytes"));
}

TEST_F(EngineTargetTest, InvalidTargetTakesNoCooldownAndComesAfterTheAllowlist) {
  auto engine = MakeEngine();
  Alert bad = FiringAlert("EndpointDown", {{"instance", "x;y"}});
  EXPECT_EQ(engine->Decide(bad).reason, Reason::kInvalidTarget);
  Alert good = FiringAlert("EndpointDown", {{"instance", "db:1"}});
  EXPECT_EQ(engine->Decide(good).reason, Reason::kExecute);
  // Cooling down does not hide an invalid target: gate 4 comes before 7.
  EXPECT_EQ(engine->Decide(bad).reason, Reason::kInvalidTarget);
  Alert unknown = FiringAlert("Other", {{"instance", "x;y"}});
  EXPECT_EQ(engine->Decide(unknown).reason, Reason::kNotAllowlisted);
}

TEST_F(EngineTest, StoreFailureFailsClosed) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  faulty_store_.set_down(true);
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.verdict, Verdict::kSkip);
  EXPECT_EQ(d.reason, Reason::kStoreUnavailable);
  EXPECT_EQ(d.store_error.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(d.Sentence(), HasSubstr("failing closed, nothing runs"));

  faulty_store_.set_down(false);
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kExecute);
}

TEST_F(EngineTest, StoreIsNotConsultedBeforeTheAllowlist) {
  auto engine = MakeEngine();
  faulty_store_.set_down(true);
  Alert unknown = FiringAlert("Other");
  EXPECT_EQ(engine->Decide(unknown).reason, Reason::kNotAllowlisted);
}

TEST_F(EngineTest, DecideAllDecidesEachAlertOnItsOwn) {
  auto engine = MakeEngine();
  WebhookMessage message;
  message.status = AlertStatus::kFiring;
  message.alerts.push_back(FiringAlert("ApiDown"));
  message.alerts.push_back(FiringAlert("ApiDown"));
  message.alerts.push_back(FiringAlert("Other"));
  Alert resolved = FiringAlert("ExporterStale");
  resolved.status = AlertStatus::kResolved;
  message.alerts.push_back(resolved);

  std::vector<Decision> decisions = engine->DecideAll(message);
  ASSERT_EQ(decisions.size(), 4u);
  EXPECT_EQ(decisions[0].reason, Reason::kExecute);
  EXPECT_EQ(decisions[1].reason, Reason::kCoolingDown);
  EXPECT_EQ(decisions[2].reason, Reason::kNotAllowlisted);
  EXPECT_EQ(decisions[3].reason, Reason::kResolved);
}

// Forwards to another store and counts the calls of each form.
class CountingStore final : public CooldownStore {
 public:
  explicit CountingStore(CooldownStore* inner) : inner_(inner) {}
  absl::StatusOr<AcquireResult> Acquire(
      const AcquireRequest& request) override {
    ++acquires;
    return inner_->Acquire(request);
  }
  absl::Status AcquireBatch(absl::Span<const AcquireRequest> requests,
                            absl::Span<AcquireResult> results) override {
    ++batches;
    batched_requests += requests.size();
    return inner_->AcquireBatch(requests, results);
  }
  absl::StatusOr<bool> ClearEscalation(absl::string_view key) override {
    return inner_->ClearEscalation(key);
  }
  absl::StatusOr<std::vector<EscalatedKey>> ListEscalated(
      absl::Time now, size_t limit) override {
    return inner_->ListEscalated(now, limit);
  }

  int acquires = 0;
  int batches = 0;
  size_t batched_requests = 0;

 private:
  CooldownStore* const inner_;
};

WebhookMessage MixedNotification() {
  WebhookMessage message;
  message.status = AlertStatus::kFiring;
  message.alerts.push_back(FiringAlert("ApiDown"));
  message.alerts.push_back(FiringAlert("Other"));  // not allowlisted
  message.alerts.push_back(
      FiringAlert("TcpEndpointDownFast", {{"instance", "db-1"}}));
  Alert resolved = FiringAlert("ExporterStale");
  resolved.status = AlertStatus::kResolved;
  message.alerts.push_back(resolved);
  message.alerts.push_back(FiringAlert("ApiDown"));  // a duplicate
  message.alerts.push_back(
      FiringAlert("TcpEndpointDownFast", {{"instance", "db-2"}}));
  return message;
}

TEST_F(EngineTest, DecideAllAsksTheStoreOnceForTheAlertsPastGate4) {
  CountingStore counting(&store_);
  EngineDeps deps;
  deps.clock = &clock_;
  deps.store = &counting;
  auto engine = Engine::Create(options_, deps);
  ASSERT_THAT(engine, IsOk());
  const WebhookMessage message = MixedNotification();
  std::vector<Decision> decisions = (*engine)->DecideAll(message);
  EXPECT_EQ(counting.acquires, 0);
  EXPECT_EQ(counting.batches, 1);
  EXPECT_EQ(counting.batched_requests, 4u);
  ASSERT_EQ(decisions.size(), 6u);
  EXPECT_EQ(decisions[0].reason, Reason::kExecute);
  EXPECT_EQ(decisions[1].reason, Reason::kNotAllowlisted);
  EXPECT_EQ(decisions[2].reason, Reason::kExecute);
  EXPECT_EQ(decisions[3].reason, Reason::kResolved);
  EXPECT_EQ(decisions[4].reason, Reason::kCoolingDown);
  EXPECT_EQ(decisions[4].time_left, kCooldown);
  EXPECT_EQ(decisions[5].reason, Reason::kExecute);
  // Keys built for label values stay valid in the returned decisions.
  EXPECT_NE(decisions[2].key.view(), decisions[5].key.view());
  EXPECT_EQ(decisions[2].key.view(), (*engine)->Decide(message.alerts[2]).key.view());

  // No alert past gate 4: no store call at all.
  WebhookMessage local;
  local.alerts = {message.alerts[1], message.alerts[3]};
  decisions = (*engine)->DecideAll(local);
  EXPECT_EQ(counting.batches, 1);
  EXPECT_EQ(decisions[0].reason, Reason::kNotAllowlisted);
  EXPECT_EQ(decisions[1].reason, Reason::kResolved);
  EXPECT_TRUE((*engine)->DecideAll(WebhookMessage()).empty());
  EXPECT_EQ(counting.batches, 1);
}

TEST_F(EngineTest, AFailedBatchFailsClosedForEveryAlertThatReachedTheStore) {
  auto engine = MakeEngine();
  const WebhookMessage message = MixedNotification();
  faulty_store_.set_down(true);
  std::vector<Decision> decisions = engine->DecideAll(message);
  ASSERT_EQ(decisions.size(), 6u);
  for (size_t i : {0, 2, 4, 5}) {
    EXPECT_EQ(decisions[i].reason, Reason::kStoreUnavailable) << i;
    EXPECT_EQ(decisions[i].verdict, Verdict::kSkip) << i;
    EXPECT_EQ(decisions[i].store_error.code(), absl::StatusCode::kUnavailable)
        << i;
    EXPECT_FALSE(decisions[i].key.empty()) << i;
  }
  EXPECT_EQ(decisions[1].reason, Reason::kNotAllowlisted);
  EXPECT_TRUE(decisions[1].store_error.ok());
  EXPECT_EQ(decisions[3].reason, Reason::kResolved);

  // The failed batch took nothing.
  faulty_store_.set_down(false);
  decisions = engine->DecideAll(message);
  EXPECT_EQ(decisions[0].reason, Reason::kExecute);
  EXPECT_EQ(decisions[2].reason, Reason::kExecute);
  EXPECT_EQ(decisions[4].reason, Reason::kCoolingDown);
  EXPECT_EQ(decisions[5].reason, Reason::kExecute);
}

TEST_F(EngineTest, FindActionLooksUpByAlertname) {
  auto engine = MakeEngine();
  ASSERT_NE(engine->FindAction("ApiDown"), nullptr);
  EXPECT_EQ(engine->FindAction("ApiDown")->name, "restart-api");
  EXPECT_EQ(engine->FindAction("Nope"), nullptr);
}

TEST(EngineCreateTest, RejectsInvalidOptionsNamingTheAction) {
  EngineOptions options;
  Action action = testutil::MakeAction("ApiDown", "restart-api");
  action.argv.clear();
  options.actions.push_back(action);
  auto engine = Engine::Create(options);
  EXPECT_THAT(engine, testutil::StatusIs(absl::StatusCode::kInvalidArgument,
                                         "\"ApiDown\": argv is empty"));
}

TEST(EngineCreateTest, DefaultsAreSafe) {
  EngineOptions options;
  EXPECT_FALSE(options.enabled);
  EXPECT_EQ(options.opt_in_annotation, "autoheal");
  EXPECT_EQ(options.opt_in_value, "true");
  EXPECT_EQ(options.default_cooldown, absl::Seconds(120));
  EXPECT_TRUE(options.actions.empty());
  auto engine = Engine::Create(options);
  ASSERT_THAT(engine, IsOk());
  Alert alert = testutil::FiringAlert("ApiDown");
  EXPECT_EQ((*engine)->Decide(alert).reason, Reason::kNotAllowlisted);
}

TEST(ReasonNameTest, NamesAreStable) {
  EXPECT_EQ(ReasonName(Reason::kResolved), "resolved");
  EXPECT_EQ(ReasonName(Reason::kNotOptedIn), "not_opted_in");
  EXPECT_EQ(ReasonName(Reason::kNotAllowlisted), "not_allowlisted");
  EXPECT_EQ(ReasonName(Reason::kInvalidTarget), "invalid_target");
  EXPECT_EQ(ReasonName(Reason::kEscalated), "escalated");
  EXPECT_EQ(ReasonName(Reason::kInFlight), "in_flight");
  EXPECT_EQ(ReasonName(Reason::kCoolingDown), "cooling_down");
  EXPECT_EQ(ReasonName(Reason::kBudgetExhausted), "budget_exhausted");
  EXPECT_EQ(ReasonName(Reason::kStoreUnavailable), "store_unavailable");
  EXPECT_EQ(ReasonName(Reason::kExecute), "execute");
  EXPECT_EQ(ReasonName(Reason::kDryRun), "dry_run");
  EXPECT_EQ(VerdictName(Verdict::kExecute), "execute");
  EXPECT_EQ(VerdictName(Verdict::kDryRun), "dry_run");
  EXPECT_EQ(VerdictName(Verdict::kSkip), "skip");
}

}  // namespace
}  // namespace autoheal
