#include "autoheal/engine.h"

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "autoheal/arg_template.h"
#include "autoheal/in_memory_cooldown_store.h"
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

// Gate 0: a malformed alert is skipped before anything of it is read, its
// status included.
TEST_F(EngineTest, InvalidAlertIsGateZeroBeforeResolved) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  alert.status = AlertStatus::kResolved;
  alert.problem = "alerts[3].labels.instance: expected a string, got number";
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.verdict, Verdict::kSkip);
  EXPECT_EQ(d.reason, Reason::kInvalidAlert);
  EXPECT_EQ(d.problem, alert.problem);
  EXPECT_EQ(d.problem.data(), alert.problem.data());  // borrowed
  EXPECT_EQ(d.action, nullptr);
  EXPECT_TRUE(d.key.empty());
  EXPECT_EQ(d.alertname, "ApiDown");
  EXPECT_EQ(d.Sentence(),
            "the alert is malformed (alerts[3].labels.instance: expected a "
            "string, got number); it is skipped, and the rest of its "
            "notification is decided as usual");
}

TEST_F(EngineTest, InvalidAlertTouchesNoStateAndNeverFailsClosed) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");  // would execute, were it well-formed
  alert.problem = R"(alerts[0]: duplicate key "status")";
  faulty_store_.set_down(true);
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kInvalidAlert);
  faulty_store_.set_down(false);
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kInvalidAlert);
  // No cooldown was taken for it.
  alert.problem.clear();
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kExecute);
}

// The engine trusts `problem` alone: an alert built by hand without one is
// decided as it is, and without an alertname it matches no action.
TEST_F(EngineTest, HandBuiltAlertWithoutAlertnameIsNotAllowlisted) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  alert.labels = LabelSet({{"instance", "db"}});
  EXPECT_EQ(engine->Decide(alert).reason, Reason::kNotAllowlisted);
}

TEST_F(EngineTest, InvalidAlertSentenceEscapesAndCutsAHandBuiltProblem) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  alert.problem = "line\nbreak\x01";
  EXPECT_THAT(engine->Decide(alert).Sentence(),
              HasSubstr("(line\\x0abreak\\x01)"));
  alert.problem = std::string(511, 'p') + "\xc3\xa9" + std::string(5000, 'q');
  const std::string sentence = engine->Decide(alert).Sentence();
  EXPECT_THAT(sentence,
              HasSubstr(std::string(511, 'p') + "... (5513 bytes)); it is"));
  EXPECT_LT(sentence.size(), 700u);
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
// The cut is QuoteText()'s, shared with every message: "..." after the
// closing quote (it used to stand inside it), then the length.
TEST_F(EngineTest, SentenceQuotesAtMost128BytesOfAHugeValue) {
  auto engine = MakeEngine();
  Alert alert = FiringAlert("ApiDown");
  alert.annotations =
      LabelSet({{"autoheal", "true" + std::string(1000000, '"')}});
  Decision d = engine->Decide(alert);
  EXPECT_EQ(d.reason, Reason::kNotOptedIn);
  EXPECT_THAT(d.Sentence(), HasSubstr("\"... (1000004 bytes)"));
  EXPECT_LT(d.Sentence().size(), 400u);

  // The cut never splits a UTF-8 character: 127 ASCII bytes, then "é".
  alert.annotations =
      LabelSet({{"autoheal", std::string(127, 'a') + "\xc3\xa9tail"}});
  EXPECT_THAT(engine->Decide(alert).Sentence(),
              HasSubstr("\"" + std::string(127, 'a') + "\"... (133 bytes)"));

  Alert unknown = FiringAlert(std::string(1000000, 'X'));
  Decision not_listed = engine->Decide(unknown);
  EXPECT_EQ(not_listed.reason, Reason::kNotAllowlisted);
  EXPECT_EQ(not_listed.Sentence(),
            absl::StrCat("no action is configured for alertname \"",
                         std::string(128, 'X'), "\"... (1000000 bytes)"));
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

// Patterns that take exponential time in a backtracking engine (std::regex
// froze the receiver for 12 s on `([a-z0-9-]+\.?)*` and 28 bytes), against
// values of exactly kMaxTemplateValueBytes, so that the pattern really runs,
// that do not fully match. RE2 is linear: the test just completes. No
// timing is asserted.
TEST_F(EngineTest, CatastrophicPatternsForBacktrackingAreLinear) {
  constexpr size_t kCap = kMaxTemplateValueBytes;
  // "db-01.db-01.…", 255 bytes, then one byte no pattern below allows.
  std::string hostname;
  while (hostname.size() < kCap - 1) hostname += "db-01.";
  hostname.resize(kCap - 1);
  struct Case {
    const char* pattern;
    std::string hostile;  // does not fully match
    std::string benign;   // the same but its last byte: fully matches
  };
  const Case cases[] = {
      {"(a+)+$", std::string(kCap - 1, 'a') + "!", std::string(kCap, 'a')},
      {"([a-z0-9-]+\\.?)*", hostname + "_", hostname + "a"},
      {"(x+x+)+y", std::string(kCap, 'x'), std::string(kCap - 1, 'x') + "y"},
      {"(a|a)*c", std::string(kCap, 'a'), std::string(kCap - 1, 'a') + "c"},
  };
  for (const Case& c : cases) {
    ASSERT_EQ(c.hostile.size(), kCap);
    ASSERT_EQ(c.benign.size(), kCap);
    // One cooldown key per case: the engines share the fixture's store.
    Action action = MakeAction("HostDown", absl::StrCat("restart-", c.pattern));
    action.argv = {"/usr/local/bin/restart", "{{labels.instance}}"};
    action.label_patterns["instance"] = c.pattern;
    options_.actions = {action};
    auto engine = MakeEngine();
    ASSERT_NE(engine, nullptr) << c.pattern;
    Alert hostile = FiringAlert("HostDown", {{"instance", c.hostile}});
    Decision d = engine->Decide(hostile);
    EXPECT_EQ(d.reason, Reason::kInvalidTarget) << c.pattern;
    EXPECT_THAT(d.Sentence(), HasSubstr("does not match its pattern"))
        << c.pattern;
    // The pattern decided, not the length cap: the benign value passes.
    Alert benign = FiringAlert("HostDown", {{"instance", c.benign}});
    EXPECT_EQ(engine->Decide(benign).reason, Reason::kExecute) << c.pattern;
  }
}

// A pattern matches the whole value, as Prometheus's relabel regexes do:
// never a substring, and "a|b" is "^(?:a|b)$".
TEST_F(EngineTest, LabelPatternsMatchTheWholeValue) {
  Action action = MakeAction("DbDown", "restart-db");
  action.argv = {"/usr/local/bin/restart", "{{labels.instance}}",
                 "{{labels.role}}"};
  action.label_patterns["instance"] = "db-\\d+";
  action.label_patterns["role"] = "primary|replica";
  options_.actions = {action};
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  auto decide = [&](const std::string& instance, const std::string& role) {
    Alert alert =
        FiringAlert("DbDown", {{"instance", instance}, {"role", role}});
    Decision d = engine->Decide(alert);
    return d.reason == Reason::kInvalidTarget
               ? std::string(d.target_label)
               : std::string(ReasonName(d.reason));
  };
  EXPECT_EQ(decide("xdb-01", "primary"), "instance");
  EXPECT_EQ(decide("db-01x", "primary"), "instance");
  EXPECT_EQ(decide("db-01\n", "primary"), "instance");
  EXPECT_EQ(decide("db-01", "primary-x"), "role");
  EXPECT_EQ(decide("db-01", "xreplica"), "role");
  EXPECT_EQ(decide("db-01", "primaryreplica"), "role");
  EXPECT_EQ(decide("db-01", "replica"), "execute");
}

TEST_F(EngineTest, CreateRejectsPatternsRe2Rejects) {
  Action action = MakeAction("HostDown", "restart-host");
  action.argv = {"/usr/local/bin/restart", "{{labels.instance}}"};
  for (const auto& [pattern, message] :
       std::vector<std::pair<std::string, std::string>>{
           {"(", "missing ): ("},
           {"(a)\\1", "invalid escape sequence"},
           {"(?=a)", "invalid perl operator: (?="},
           {"\\pL{1000}", "over the memory budget of 2 MiB per pattern"}}) {
    action.label_patterns["instance"] = pattern;
    options_.actions = {action};
    EXPECT_THAT(Engine::Create(options_),
                testutil::StatusIs(absl::StatusCode::kInvalidArgument,
                                   "label_patterns.instance: invalid pattern"))
        << pattern;
    EXPECT_THAT(Engine::Create(options_),
                testutil::StatusIs(absl::StatusCode::kInvalidArgument, message))
        << pattern;
  }
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
  Alert malformed = FiringAlert("ExporterStale");
  malformed.problem = "alerts[4].status: missing";
  message.alerts.push_back(malformed);
  message.alerts.push_back(FiringAlert("ExporterStale"));

  std::vector<Decision> decisions = engine->DecideAll(message);
  ASSERT_EQ(decisions.size(), 6u);
  EXPECT_EQ(decisions[0].reason, Reason::kExecute);
  EXPECT_EQ(decisions[1].reason, Reason::kCoolingDown);
  EXPECT_EQ(decisions[2].reason, Reason::kNotAllowlisted);
  EXPECT_EQ(decisions[3].reason, Reason::kResolved);
  EXPECT_EQ(decisions[4].reason, Reason::kInvalidAlert);
  EXPECT_EQ(decisions[4].problem, "alerts[4].status: missing");
  // Its well-formed twin, after it, is the first of its key.
  EXPECT_EQ(decisions[5].reason, Reason::kExecute);
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
  EXPECT_EQ(ReasonName(Reason::kInvalidAlert), "invalid_alert");
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

// kReasonCount sizes arrays indexed by reason (metrics): every reason is
// below it, and each has its own name.
TEST(ReasonNameTest, ReasonCountCoversEveryReason) {
  const Reason all[] = {Reason::kInvalidAlert,    Reason::kResolved,
                        Reason::kNotOptedIn,      Reason::kNotAllowlisted,
                        Reason::kInvalidTarget,   Reason::kEscalated,
                        Reason::kInFlight,        Reason::kCoolingDown,
                        Reason::kBudgetExhausted, Reason::kStoreUnavailable,
                        Reason::kExecute,         Reason::kDryRun};
  EXPECT_EQ(kReasonCount, sizeof(all) / sizeof(all[0]));
  std::set<std::string> names;
  for (Reason reason : all) {
    EXPECT_LT(static_cast<size_t>(reason), kReasonCount);
    EXPECT_NE(ReasonName(reason), "unknown");
    names.insert(std::string(ReasonName(reason)));
  }
  EXPECT_EQ(names.size(), kReasonCount);
}

}  // namespace
}  // namespace autoheal
