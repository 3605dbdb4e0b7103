// The `autoheal` CLI's explain and validate, as a user runs them.
#include <memory>
#include <string>

#include "autoheal/engine.h"
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

}  // namespace
}  // namespace autoheal
