// Every captured Alertmanager payload, parsed and decided under the example
// policy, with the verdict each alert must get.
#include <memory>
#include <string>
#include <vector>

#include "autoheal/engine.h"
#include "autoheal/payload.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/yaml_policy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::ReadFileOrDie;
using ::autoheal::testutil::TestDataPath;
using ::testing::ElementsAreArray;

struct Expected {
  std::string alertname;
  Reason reason;
};

class PayloadsDecideTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> MakeEngine(bool enabled) {
    auto options =
        LoadPolicyFile(TestDataPath("../../examples/policy/autoheal.yml"));
    EXPECT_THAT(options, IsOk());
    if (!options.ok()) return nullptr;
    options->enabled = enabled;
    EngineDeps deps;
    deps.clock = &clock_;
    auto engine = Engine::Create(*std::move(options), deps);
    EXPECT_THAT(engine, IsOk());
    return engine.ok() ? *std::move(engine) : nullptr;
  }

  WebhookMessage Parse(const std::string& name) {
    auto message =
        ParseWebhookMessage(ReadFileOrDie(TestDataPath("payloads/" + name)));
    EXPECT_THAT(message, IsOk()) << name;
    return message.ok() ? *std::move(message) : WebhookMessage();
  }

  // Decides `name` with `engine` and returns (alertname, reason) per alert.
  std::vector<Expected> Decide(Engine& engine, const std::string& name) {
    WebhookMessage message = Parse(name);
    std::vector<Expected> got;
    for (const Decision& d : engine.DecideAll(message)) {
      got.push_back({std::string(d.alertname), d.reason});
    }
    return got;
  }

  testing::FakeClock clock_;
};

bool operator==(const Expected& a, const Expected& b) {
  return a.alertname == b.alertname && a.reason == b.reason;
}
void PrintTo(const Expected& e, std::ostream* os) {
  *os << e.alertname << ":" << ReasonName(e.reason);
}

const std::vector<Expected> kMixedGroupLive = {
    {"UptimeProbeFailing", Reason::kNotOptedIn},      // no annotation
    {"UptimeProbeFailing", Reason::kExecute},         // shop, opted in
    {"TcpEndpointDownFast", Reason::kNotOptedIn},     // autoheal: "false"
    {"TcpEndpointDownFast", Reason::kExecute},        // mq-01, opted in
    {"CrmMetricsScrapeStale", Reason::kExecute},      // crm-01, opted in
    {"CrmMetricsScrapeStale", Reason::kNotOptedIn},   // autoheal: "TRUE"
    {"DiskWillFillIn4Hours", Reason::kNotAllowlisted},
    {"PaymentRateErrorBudgetCritical", Reason::kNotOptedIn},
};

TEST_F(PayloadsDecideTest, SingleFiringOptedInRunsWhenEnabled) {
  auto engine = MakeEngine(true);
  EXPECT_THAT(Decide(*engine, "01-single-firing-autoheal.json"),
              ElementsAreArray({Expected{"TcpEndpointDownFast", Reason::kExecute}}));
}

TEST_F(PayloadsDecideTest, SingleFiringOptedInIsDryRunByDefault) {
  auto engine = MakeEngine(false);
  EXPECT_THAT(Decide(*engine, "01-single-firing-autoheal.json"),
              ElementsAreArray({Expected{"TcpEndpointDownFast", Reason::kDryRun}}));
}

TEST_F(PayloadsDecideTest, RedeliveryOfTheSameAlertCoolsDown) {
  auto engine = MakeEngine(true);
  Decide(*engine, "01-single-firing-autoheal.json");
  EXPECT_THAT(Decide(*engine, "01-single-firing-autoheal.json"),
              ElementsAreArray(
                  {Expected{"TcpEndpointDownFast", Reason::kCoolingDown}}));
}

TEST_F(PayloadsDecideTest, AutohealFalseIsNotOptedIn) {
  auto engine = MakeEngine(true);
  EXPECT_THAT(Decide(*engine, "02-single-firing-autoheal-false.json"),
              ElementsAreArray(
                  {Expected{"TcpEndpointDownFast", Reason::kNotOptedIn}}));
}

TEST_F(PayloadsDecideTest, UnannotatedUnlistedAlertIsNotOptedIn) {
  auto engine = MakeEngine(true);
  EXPECT_THAT(Decide(*engine, "03-single-firing-not-allowlisted.json"),
              ElementsAreArray({Expected{"PaymentRateErrorBudgetCritical",
                                         Reason::kNotOptedIn}}));
}

TEST_F(PayloadsDecideTest, MixedGroupGetsPerAlertDecisions) {
  auto engine = MakeEngine(true);
  EXPECT_THAT(Decide(*engine, "04-mixed-group.json"),
              ElementsAreArray(kMixedGroupLive));
}

TEST_F(PayloadsDecideTest, ResolvedAlertInsideAFiringGroupIsResolved) {
  auto engine = MakeEngine(true);
  WebhookMessage message = Parse("05-mixed-group-partially-resolved.json");
  ASSERT_EQ(message.status, AlertStatus::kFiring);
  std::vector<Expected> expected = kMixedGroupLive;
  expected[4].reason = Reason::kResolved;  // crm-01 resolved in a firing group
  EXPECT_THAT(Decide(*engine, "05-mixed-group-partially-resolved.json"),
              ElementsAreArray(expected));
}

TEST_F(PayloadsDecideTest, GroupGrowthRedeliversIntoCooldown) {
  auto engine = MakeEngine(true);
  Decide(*engine, "04-mixed-group.json");
  clock_.Advance(absl::Seconds(30));
  std::vector<Expected> expected = kMixedGroupLive;
  expected[1].reason = Reason::kCoolingDown;
  expected[3].reason = Reason::kCoolingDown;
  expected[4].reason = Reason::kResolved;
  EXPECT_THAT(Decide(*engine, "05-mixed-group-partially-resolved.json"),
              ElementsAreArray(expected));
}

TEST_F(PayloadsDecideTest, FullyResolvedGroupRunsNothing) {
  auto engine = MakeEngine(true);
  std::vector<Expected> got = Decide(*engine, "06-mixed-group-resolved.json");
  ASSERT_EQ(got.size(), 8u);
  for (const Expected& e : got) EXPECT_EQ(e.reason, Reason::kResolved);
  EXPECT_THAT(Decide(*engine, "07-single-resolved.json"),
              ElementsAreArray({Expected{"TcpEndpointDownFast", Reason::kResolved}}));
}

TEST_F(PayloadsDecideTest, RealPrometheusChainFiresThenResolves) {
  auto engine = MakeEngine(true);
  EXPECT_THAT(Decide(*engine, "10-prometheus-tcp-down-firing.json"),
              ElementsAreArray({Expected{"TcpEndpointDownFast", Reason::kExecute}}));
  EXPECT_THAT(Decide(*engine, "11-prometheus-tcp-down-resolved.json"),
              ElementsAreArray({Expected{"TcpEndpointDownFast", Reason::kResolved}}));
}

TEST_F(PayloadsDecideTest, InstancesOfOneAlertnameCoolDownSeparately) {
  auto engine = MakeEngine(true);
  // 01 is db-01.internal:5432 and 10 is 127.0.0.1:40281: the policy keys
  // TcpEndpointDownFast by instance.
  Decide(*engine, "01-single-firing-autoheal.json");
  EXPECT_THAT(Decide(*engine, "10-prometheus-tcp-down-firing.json"),
              ElementsAreArray({Expected{"TcpEndpointDownFast", Reason::kExecute}}));
}

TEST_F(PayloadsDecideTest, CooldownFromThePolicyIsHonouredExactly) {
  auto engine = MakeEngine(true);
  Decide(*engine, "01-single-firing-autoheal.json");
  clock_.Advance(absl::Minutes(5) - absl::Nanoseconds(1));  // policy: 5m
  EXPECT_EQ(Decide(*engine, "01-single-firing-autoheal.json")[0].reason,
            Reason::kCoolingDown);
  clock_.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(Decide(*engine, "01-single-firing-autoheal.json")[0].reason,
            Reason::kExecute);
}

}  // namespace
}  // namespace autoheal
