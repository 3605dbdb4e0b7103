// The `autoheal` CLI's explain and validate, as a user runs them.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "autoheal/engine.h"
#include "autoheal/sqlite_cooldown_store.h"
#include "autoheal/testing/fake_clock.h"
#include "cli/explain.h"
#include "engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::FiringAlert;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::MakeAction;
using ::autoheal::testutil::Subprocess;
using ::autoheal::testutil::SubprocessOptions;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::TestDataPath;
using ::testing::HasSubstr;

TEST(WhatWouldHaveToChangeTest, NamesTheChangeForEachGate) {
  testing::FakeClock clock;
  EngineOptions options;
  options.actions.push_back(MakeAction("ApiDown", "restart-api"));
  EngineDeps deps;
  deps.clock = &clock;
  auto engine = *Engine::Create(options, deps);
  auto change = [&](const Alert& alert) {
    return cli::WhatWouldHaveToChange(engine->Decide(alert), options);
  };
  Alert missing = FiringAlert("ApiDown");
  missing.annotations = LabelSet();
  EXPECT_EQ(change(missing), "add annotation autoheal: \"true\" to rule \"ApiDown\"");
  Alert almost = FiringAlert("ApiDown");
  almost.annotations = LabelSet({{"autoheal", " true"}});
  EXPECT_EQ(change(almost),
            "change annotation autoheal from \" true\" to exactly \"true\" in "
            "rule \"ApiDown\"");
  EXPECT_EQ(change(FiringAlert("Other")),
            "add an action for \"Other\" to the policy");
  EXPECT_THAT(change(FiringAlert("ApiDown")), HasSubstr("AUTOHEAL_ENABLED is off"));
  clock.Advance(absl::Seconds(47));
  EXPECT_EQ(change(FiringAlert("ApiDown")), "cooling down, 73 s left");
  Alert malformed = FiringAlert("ApiDown");
  malformed.problem = "alerts[0].labels: expected an object, got array";
  EXPECT_EQ(change(malformed),
            "fix what sends this alert, or its rule, so that the alert is "
            "well-formed: alerts[0].labels: expected an object, got array");
}

class CliTest : public ::testing::Test {
 protected:
  // Runs the CLI with `args`; returns its exit code, stdout in `out`.
  int Run(std::vector<std::string> args, std::string* out) {
    SubprocessOptions options;
    options.argv = {AUTOHEAL_CLI_BIN};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.stdout_path = dir_.Path("out");
    options.stderr_path = dir_.Path("err");
    auto process = Subprocess::Start(std::move(options));
    EXPECT_THAT(process, IsOk());
    if (!process.ok()) return -1;
    auto exit = (*process)->Wait(absl::Seconds(30));
    EXPECT_THAT(exit, IsOk());
    *out = (*process)->ReadStdout() + (*process)->ReadStderr();
    return exit.ok() && exit->Exited() ? exit->ExitCode() : -1;
  }
  TempDir dir_;
};

TEST_F(CliTest, ExplainPrintsEachAlertAsJson) {
  std::string out;
  ASSERT_EQ(Run({"explain", "--format", "json", "--enabled",
                 TestDataPath("payloads/04-mixed-group.json")}, &out), 0) << out;
  nlohmann::json j = nlohmann::json::parse(out);
  ASSERT_EQ(j["alerts"].size(), 8u);
  EXPECT_EQ(j["alerts"][1]["verdict"], "execute");
  EXPECT_EQ(j["alerts"][1]["to_act"], "nothing: it would run now");
  EXPECT_EQ(j["alerts"][5]["reason"], "not_opted_in");
  EXPECT_THAT(j["alerts"][5]["to_act"].get<std::string>(),
              HasSubstr("from \"TRUE\" to exactly \"true\""));
}

TEST_F(CliTest, ExplainTextWithAPolicyFile) {
  std::string out;
  ASSERT_EQ(Run({"explain", "--policy",
                 TestDataPath("../../examples/policy/autoheal.yml"),
                 TestDataPath("payloads/01-single-firing-autoheal.json")}, &out), 0);
  EXPECT_THAT(out, HasSubstr("TcpEndpointDownFast [ae2f46214283c1ff]: dry_run (dry_run)"));
  EXPECT_THAT(out, HasSubstr("to act: AUTOHEAL_ENABLED is off"));
}

// explain explains a malformed alert instead of failing on the payload.
TEST_F(CliTest, ExplainExplainsAMalformedAlertAndDecidesTheOthers) {
  nlohmann::json message = nlohmann::json::parse(
      testutil::ReadFileOrDie(TestDataPath("payloads/04-mixed-group.json")));
  const std::string fingerprint = message["alerts"][2]["fingerprint"];
  message["alerts"][2]["labels"] = nlohmann::json::array({"alertname"});
  const std::string path = dir_.Path("one-bad-alert.json");
  ASSERT_THAT(testutil::WriteFileAtomically(path, message.dump()), IsOk());

  std::string out;
  ASSERT_EQ(Run({"explain", "--format", "json", "--enabled", path}, &out), 0)
      << out;
  nlohmann::json j = nlohmann::json::parse(out);
  ASSERT_EQ(j["alerts"].size(), 8u);
  const nlohmann::json& bad = j["alerts"][2];
  EXPECT_EQ(bad["fingerprint"], fingerprint);
  EXPECT_EQ(bad["verdict"], "skip");
  EXPECT_EQ(bad["reason"], "invalid_alert");
  EXPECT_EQ(bad["problem"], "alerts[2].labels: expected an object, got array");
  EXPECT_TRUE(bad["status"].is_null());
  EXPECT_EQ(bad["to_act"],
            "fix what sends this alert, or its rule, so that the alert is "
            "well-formed: alerts[2].labels: expected an object, got array");
  EXPECT_EQ(j["alerts"][1]["verdict"], "execute");
  EXPECT_EQ(j["alerts"][5]["reason"], "not_opted_in");

  ASSERT_EQ(Run({"explain", path}, &out), 0) << out;
  EXPECT_THAT(out,
              HasSubstr(absl::StrCat("(no alertname) [", fingerprint,
                                     "]: skip (invalid_alert)\n"
                                     "  why: the alert is malformed "
                                     "(alerts[2].labels: expected an "
                                     "object, got array); it is skipped")));
  EXPECT_THAT(out, HasSubstr("  to act: fix what sends this alert"));
}

TEST_F(CliTest, ExplainRejectsABadPayloadWithTheField) {
  std::string bad = dir_.Path("bad.json");
  ASSERT_THAT(testutil::WriteFileAtomically(bad, R"({"version":"4","alerts":{}})"), IsOk());
  std::string out;
  EXPECT_EQ(Run({"explain", bad}, &out), 2);
  EXPECT_THAT(out, HasSubstr("alerts: expected an array"));
}

TEST_F(CliTest, ValidateSaysOkOrGivesTheLineAndColumn) {
  std::string out;
  EXPECT_EQ(Run({"validate", TestDataPath("../../examples/policy/autoheal.yml")}, &out), 0);
  EXPECT_THAT(out, HasSubstr("OK: "));
  EXPECT_EQ(Run({"validate", TestDataPath("policies/bad-argv-empty.yml")}, &out), 1);
  EXPECT_THAT(out, HasSubstr("bad-argv-empty.yml:5:11: actions.X.argv: expected"));
  EXPECT_EQ(Run({"frobnicate"}, &out), 2);
}

// The receiver's real state file: explain reads it without changing it,
// and `state list` / `state clear` find and open an escalation.
class CliStateTest : public CliTest {
 protected:
  // Returns the key explain gives payload 01 under the example policy,
  // enabled (live key space).
  std::string LiveKeyOfPayload01() {
    std::string out;
    EXPECT_EQ(Run({"explain", "--format", "json", "--enabled", "--policy",
                   TestDataPath("../../examples/policy/autoheal.yml"),
                   TestDataPath("payloads/01-single-firing-autoheal.json")},
                  &out),
              0);
    return nlohmann::json::parse(out)["alerts"][0]["key"].get<std::string>();
  }

  std::unique_ptr<SqliteCooldownStore> OpenState() {
    auto store = SqliteCooldownStore::Open(state_path_, SqliteOptions());
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Executes `key` once, five minutes ago, then fires it again now with a
  // flap limit of 1: the key latches, as the receiver would have done.
  void Latch(const std::string& key) {
    auto store = OpenState();
    ASSERT_NE(store, nullptr);
    AcquireRequest request;
    request.key = key;
    request.now = absl::Now() - absl::Minutes(5);
    request.cooldown = absl::Minutes(1);
    request.flap = {1, absl::Hours(1)};
    ASSERT_TRUE(store->Acquire(request)->acquired());
    request.now = absl::Now();
    ASSERT_EQ(store->Acquire(request)->outcome, AcquireOutcome::kEscalated);
  }

  std::string state_path_ = dir_.Path("state.db");
};

TEST_F(CliStateTest, ExplainReadsRealCooldownsWithoutTakingThem) {
  const std::string key = LiveKeyOfPayload01();
  {
    auto store = OpenState();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->TryAcquire(key, absl::Now(), absl::Minutes(5))->acquired());
  }
  const std::vector<std::string> explain = {
      "explain", "--enabled", "--state", state_path_, "--policy",
      TestDataPath("../../examples/policy/autoheal.yml"),
      TestDataPath("payloads/01-single-firing-autoheal.json")};
  std::string out;
  ASSERT_EQ(Run(explain, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("skip (cooling_down)"));
  EXPECT_THAT(out, HasSubstr("to act: cooling down, 30"));  // 300 s or 299 s

  // A key that is free stays free: explain previews, it never acquires.
  auto store = OpenState();
  ASSERT_TRUE(store->TryAcquire("other", absl::Now(), absl::Minutes(5))->acquired());
  store.reset();
  const std::vector<std::string> fresh = {
      "explain", "--enabled", "--state", state_path_,
      TestDataPath("payloads/04-mixed-group.json")};
  ASSERT_EQ(Run(fresh, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("execute (execute)"));
  ASSERT_EQ(Run(fresh, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("execute (execute)"));
}

TEST_F(CliStateTest, StateListAndClearAnEscalation) {
  const std::string key = LiveKeyOfPayload01();
  Latch(key);
  std::string out;
  ASSERT_EQ(Run({"state", "list", "--state", state_path_}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr(key + "  escalated; opens by itself at"));

  const std::string audit = dir_.Path("audit.jsonl");
  ASSERT_EQ(Run({"state", "clear", key, "--state", state_path_, "--audit_log",
                 audit},
                &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr(": escalation cleared"));
  EXPECT_THAT(testutil::ReadFileOrDie(audit),
              HasSubstr("\"event\":\"state_clear\""));
  ASSERT_EQ(Run({"state", "list", "--state", state_path_}, &out), 0);
  EXPECT_EQ(out, "no escalated keys\n");
  ASSERT_EQ(Run({"state", "clear", key, "--state", state_path_}, &out), 0);
  EXPECT_THAT(out, HasSubstr("was not escalated"));
}

TEST_F(CliStateTest, StateErrorsNameTheFileOrTheUsage) {
  std::string out;
  EXPECT_EQ(Run({"state", "list", "--state", dir_.Path("missing/state.db")},
                &out),
            3);
  EXPECT_THAT(out, HasSubstr(dir_.Path("missing")));
  EXPECT_EQ(Run({"state", "clear"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("usage: autoheal state"));
  EXPECT_EQ(Run({"state", "frob", "--state", state_path_}, &out), 2);
}

}  // namespace
}  // namespace autoheal
