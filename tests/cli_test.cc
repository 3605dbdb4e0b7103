// The `autoheal` CLI's explain and validate, as a user runs them.
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "autoheal/engine.h"
#include "autoheal/sqlite_cooldown_store.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/version.h"
#include "cli/app.h"
#include "cli/explain.h"
#include "engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "help_docs.h"
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
using ::testing::Not;

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

using Env = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct Output {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  // Runs the CLI binary with `args`, the environment variables explain
  // reads unset unless `env` sets them, in `working_dir` (default: the
  // test's own).
  Output RunBinary(std::vector<std::string> args, Env env = {},
                   const std::string& working_dir = "") {
    SubprocessOptions options;
    options.argv = {AUTOHEAL_CLI_BIN};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.env = {{"AUTOHEAL_ENABLED", std::nullopt},
                   {"AUTOHEAL_COOLDOWN_SEC", std::nullopt}};
    options.env.insert(options.env.end(), env.begin(), env.end());
    options.working_dir = working_dir;
    options.stdout_path = dir_.Path("out");
    options.stderr_path = dir_.Path("err");
    Output output;
    auto process = Subprocess::Start(std::move(options));
    EXPECT_THAT(process, IsOk());
    if (!process.ok()) return output;
    auto exit = (*process)->Wait(absl::Seconds(30));
    EXPECT_THAT(exit, IsOk());
    output.out = (*process)->ReadStdout();
    output.err = (*process)->ReadStderr();
    if (exit.ok() && exit->Exited()) output.exit_code = exit->ExitCode();
    return output;
  }

  // Runs the CLI with `args`; returns its exit code, stdout and stderr in
  // `out`.
  int Run(std::vector<std::string> args, std::string* out, Env env = {}) {
    Output output = RunBinary(std::move(args), std::move(env));
    *out = output.out + output.err;
    return output.exit_code;
  }

  TempDir dir_;
};

// Runs `autoheal ARGS...` in-process with `env` as the environment.
Output RunInProcess(const std::vector<std::string>& args,
                    std::map<std::string, std::string> env = {}) {
  std::vector<const char*> argv = {"autoheal"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  cli::CliDeps deps;
  deps.env = [env = std::move(env)](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::optional<std::string>() : it->second;
  };
  Output output;
  output.exit_code = cli::RunCli(static_cast<int>(argv.size()), argv.data(),
                                 in, out, err, deps);
  output.out = out.str();
  output.err = err.str();
  return output;
}

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
  // The usage is --help's (CLI11 generates it); errors point there.
  EXPECT_EQ(Run({"state", "clear"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("autoheal state clear: KEY is required"));
  EXPECT_THAT(out, HasSubstr("Run 'autoheal state clear --help' for usage."));
  EXPECT_EQ(Run({"state", "frob", "--state", state_path_}, &out), 2);
}

// --- Read-only commands never create or change state ---------------------

TEST_F(CliStateTest, AMistypedStatePathIsAnErrorAndCreatesNothing) {
  const std::string typo = dir_.Path("typo.db");
  const std::vector<std::vector<std::string>> commands = {
      {"state", "list", "--state", typo},
      {"explain", "--state", typo,
       TestDataPath("payloads/01-single-firing-autoheal.json")},
      // A write, but only to a database the receiver created.
      {"state", "clear", "some-key", "--state", typo},
  };
  for (const std::vector<std::string>& command : commands) {
    Output output = RunBinary(command);
    EXPECT_EQ(output.exit_code, 3) << command[0] << ": " << output.out;
    EXPECT_THAT(output.err,
                HasSubstr(absl::StrCat("state database ", typo,
                                       ": does not exist")));
    // Today's bug: an all-clear on an empty database it had just created.
    EXPECT_THAT(output.out, Not(HasSubstr("no escalated keys")));
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      EXPECT_FALSE(testutil::ReadFileIfExists(typo + suffix).has_value())
          << command[0] << " created " << typo << suffix;
    }
  }
}

TEST_F(CliStateTest, AFileThatIsNotAutohealStateIsRefusedAndLeftAlone) {
  const std::string empty = dir_.Path("empty.db");
  ASSERT_THAT(testutil::WriteFileAtomically(empty, ""), IsOk());
  const std::string json = dir_.Path("payload.json");
  ASSERT_THAT(testutil::WriteFileAtomically(json, "{\"version\":\"4\"}"),
              IsOk());
  for (const std::string& path : {empty, json}) {
    const std::string before = testutil::ReadFileOrDie(path);
    for (const std::vector<std::string>& command :
         std::vector<std::vector<std::string>>{
             {"state", "list", "--state", path},
             {"state", "clear", "k", "--state", path},
             {"explain", "--state", path,
              TestDataPath("payloads/01-single-firing-autoheal.json")}}) {
      Output output = RunBinary(command);
      EXPECT_EQ(output.exit_code, 3) << output.out << output.err;
      EXPECT_THAT(output.err, HasSubstr(absl::StrCat("state database ", path)));
      EXPECT_THAT(output.err, ::testing::AnyOf(
                                  HasSubstr("not an autoheal state database"),
                                  HasSubstr("not an SQLite database")));
    }
    EXPECT_EQ(testutil::ReadFileOrDie(path), before) << path;
  }
}

TEST_F(CliStateTest, ListingAndExplainingLeaveTheDatabaseAsItWas) {
  const std::string key = LiveKeyOfPayload01();
  Latch(key);
  const std::string before = testutil::ReadFileOrDie(state_path_);
  std::string out;
  ASSERT_EQ(Run({"state", "list", "--state", state_path_}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("escalated"));
  ASSERT_EQ(Run({"explain", "--enabled", "--state", state_path_, "--policy",
                 TestDataPath("../../examples/policy/autoheal.yml"),
                 TestDataPath("payloads/01-single-firing-autoheal.json")},
                &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("skip (escalated)"));
  EXPECT_EQ(testutil::ReadFileOrDie(state_path_), before);
}

// A value that starts with dashes is a value: it reaches the command as
// written (the receiver's old flag rewriting turned "-a-b" into "-a_b").
TEST_F(CliStateTest, AValueWithLeadingDashesArrivesIntact) {
  Output output = RunBinary(
      {"explain", "--state", "-typo-state.db",
       TestDataPath("payloads/01-single-firing-autoheal.json")},
      {}, dir_.path());
  EXPECT_EQ(output.exit_code, 3) << output.err;
  EXPECT_THAT(output.err,
              HasSubstr("state database -typo-state.db: does not exist"));
  EXPECT_FALSE(
      testutil::ReadFileIfExists(dir_.Path("-typo-state.db")).has_value());
}

TEST_F(CliStateTest, ClearAcceptsBothSpellingsOfAuditLog) {
  const std::string key = LiveKeyOfPayload01();
  for (const std::string flag : {"--audit-log", "--audit_log"}) {
    const std::string latched = absl::StrCat(key, flag);
    Latch(latched);
    const std::string audit = dir_.Path(absl::StrCat(flag, ".jsonl"));
    std::string out;
    ASSERT_EQ(Run({"state", "clear", latched, "--state", state_path_,
                   absl::StrCat(flag, "=", audit)},
                  &out),
              0)
        << out;
    EXPECT_THAT(testutil::ReadFileOrDie(audit),
                HasSubstr("\"event\":\"state_clear\""))
        << flag;
  }
}

// --- explain and the receiver's environment ----------------------------

TEST_F(CliTest, ExplainAppliesTheReceiversEnvironmentAndSaysSo) {
  const std::vector<std::string> explain = {
      "explain", "--policy", TestDataPath("../../examples/policy/autoheal.yml"),
      TestDataPath("payloads/01-single-firing-autoheal.json")};
  Output output = RunBinary(explain, {{"AUTOHEAL_ENABLED", "true"},
                                      {"AUTOHEAL_COOLDOWN_SEC", "30"}});
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_THAT(output.out,
              HasSubstr("environment: AUTOHEAL_ENABLED=true, "
                        "AUTOHEAL_COOLDOWN_SEC=30 (applied to the policy, as "
                        "the receiver does)\n"));
  EXPECT_THAT(output.out, HasSubstr("execute (execute)"));
  EXPECT_THAT(output.out, Not(HasSubstr("AUTOHEAL_ENABLED is off")));

  // The environment wins over the file, as in the receiver.
  const std::string enabled_policy = dir_.Path("enabled.yml");
  ASSERT_THAT(testutil::WriteFileAtomically(
                  enabled_policy,
                  "enabled: true\n"
                  "actions:\n"
                  "  TcpEndpointDownFast:\n"
                  "    name: restart-tcp-endpoint\n"
                  "    argv: [/bin/true]\n"),
              IsOk());
  output = RunBinary({"explain", "--format", "json", "--policy", enabled_policy,
                      TestDataPath("payloads/01-single-firing-autoheal.json")},
                     {{"AUTOHEAL_ENABLED", "no"}});
  ASSERT_EQ(output.exit_code, 0) << output.err;
  nlohmann::json j = nlohmann::json::parse(output.out);
  EXPECT_EQ(j["enabled"], false);
  EXPECT_EQ(j["env_overrides"], nlohmann::json({{"AUTOHEAL_ENABLED", "no"}}));
  EXPECT_EQ(j["alerts"][0]["verdict"], "dry_run");

  // Without the variables: nothing applied, and the text says nothing.
  output = RunBinary(explain);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_THAT(output.out, Not(HasSubstr("environment:")));
  EXPECT_THAT(output.out, HasSubstr("AUTOHEAL_ENABLED is off"));
}

TEST_F(CliTest, ExplainRefusesAnUndocumentedEnabledValue) {
  Output output = RunBinary(
      {"explain", TestDataPath("payloads/01-single-firing-autoheal.json")},
      {{"AUTOHEAL_ENABLED", "TRUE"}});
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_THAT(output.err,
              HasSubstr("AUTOHEAL_ENABLED: expected true/false/1/0/yes/no "
                        "(exactly, in lowercase), got \"TRUE\""));
  EXPECT_EQ(output.out, "");
}

// The same, in-process, with an injected environment.
TEST(RunCliTest, ExplainInProcessWithAnInjectedEnvironment) {
  Output output = RunInProcess(
      {"explain", "--format=json",
       TestDataPath("payloads/01-single-firing-autoheal.json")},
      {{"AUTOHEAL_COOLDOWN_SEC", "45"}});
  ASSERT_EQ(output.exit_code, 0) << output.err;
  nlohmann::json j = nlohmann::json::parse(output.out);
  EXPECT_EQ(j["env_overrides"],
            nlohmann::json({{"AUTOHEAL_COOLDOWN_SEC", "45"}}));
  EXPECT_EQ(j["enabled"], false);
}

// --- The command line -------------------------------------------------------

TEST(RunCliTest, HelpListsTheCommandsOwnFlagsWithDefaults) {
  Output top = RunInProcess({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_THAT(top.out, HasSubstr("Usage: autoheal [OPTIONS] [SUBCOMMAND]"));
  for (const char* command : {"explain", "validate", "state", "lint"}) {
    EXPECT_THAT(top.out, HasSubstr(absl::StrCat("\n  ", command, " ")));
  }
  Output explain = RunInProcess({"explain", "--help"});
  EXPECT_EQ(explain.exit_code, 0);
  EXPECT_EQ(explain.err, "");
  EXPECT_THAT(explain.out,
              HasSubstr("Usage: autoheal explain [OPTIONS] PAYLOAD"));
  EXPECT_THAT(explain.out, HasSubstr("\n  --format text|json "));
  EXPECT_THAT(explain.out, HasSubstr("(default: text)"));
  EXPECT_THAT(explain.out, HasSubstr("\n  --redis-timeout DURATION "));
  EXPECT_THAT(explain.out, HasSubstr("(default: 2s)"));
  Output list = RunInProcess({"state", "list", "--help"});
  EXPECT_EQ(list.exit_code, 0);
  std::map<std::string, std::string> defaults;
  for (const testutil::HelpFlag& flag : testutil::FlagsInHelp(list.out)) {
    defaults[flag.name] = flag.default_value;
  }
  EXPECT_EQ(defaults["--state"], "/var/lib/autoheal/state.db");
  EXPECT_EQ(defaults["--redis-prefix"], "autoheal");
  Output clear = RunInProcess({"state", "clear", "--help"});
  EXPECT_THAT(clear.out, HasSubstr("\n  --audit-log FILE "));
  for (const Output* help : {&top, &explain, &list, &clear}) {
    // The dashed spelling only, and none of Abseil's own flags.
    EXPECT_THAT(help->out, Not(HasSubstr("--audit_log FILE")));
    EXPECT_THAT(help->out, Not(HasSubstr("--redis_address")));
    for (const char* abseil : {"flagfile", "fromenv", "helpfull", "undefok"}) {
      EXPECT_THAT(help->out, Not(HasSubstr(abseil)));
    }
  }
}

TEST(RunCliTest, VersionPrintsTheVersionAndBuildType) {
  Output output = RunInProcess({"--version"});
  EXPECT_EQ(output.exit_code, 0);
  EXPECT_EQ(output.out,
            absl::StrCat("autoheal ", AUTOHEAL_VERSION_STRING, " (",
                         AUTOHEAL_BUILD_TYPE, ")\n"));
  EXPECT_STRNE(AUTOHEAL_BUILD_TYPE, "");
}

TEST(RunCliTest, UsageErrorsExitTwoWithCli11sMessageAndAHint) {
  const std::string payload =
      TestDataPath("payloads/01-single-firing-autoheal.json");
  struct {
    std::vector<std::string> args;
    const char* message;
  } cases[] = {
      {{}, "autoheal: a subcommand is required"},
      {{"frobnicate"}, "autoheal: The following argument was not expected: "
                       "frobnicate"},
      {{"explain", "--frobnicate", payload},
       "autoheal explain: The following argument was not expected: "
       "--frobnicate"},
      {{"explain", "--redis-address", "127.0.0.1:1", "--redis-timeout", "10",
        payload},
       "autoheal explain: --redis-timeout 10: expected a duration such as "
       "10s or 500ms"},
      // Both spellings name one flag: the conflict is seen either way.
      {{"explain", "--state", "s.db", "--redis_address=127.0.0.1:1", payload},
       "--state excludes --redis-address"},
      {{"state", "list", "--redis_prefix", "p"},
       "--redis-prefix requires --redis-address"},
      {{"explain", "--format", "yaml", payload},
       "--format: expected text or json, got \"yaml\""},
      {{"explain"}, "autoheal explain: PAYLOAD is required"},
      {{"validate"}, "autoheal validate: POLICY is required"},
      {{"state"}, "autoheal state: A subcommand is required"},
  };
  for (const auto& c : cases) {
    Output output = RunInProcess(c.args);
    EXPECT_EQ(output.exit_code, 2) << ::testing::PrintToString(c.args);
    EXPECT_THAT(output.err, HasSubstr(c.message))
        << ::testing::PrintToString(c.args);
    EXPECT_THAT(output.err, HasSubstr("--help' for usage."));
    EXPECT_EQ(output.out, "");
  }
}

// README's CLI sections give each command's usage line, every flag in its
// dashed spelling, and each default, as --help prints them.
TEST(RunCliTest, TheReadmeDocumentsWhatHelpPrints) {
  testutil::ExpectDocumented(RunInProcess({"--help"}).out,
                             testutil::ReadmeSection("## The `autoheal` command"));
  struct {
    std::vector<std::string> command;
    const char* section;
  } commands[] = {
      {{"explain"}, "### autoheal explain"},
      {{"validate"}, "### autoheal validate"},
      {{"state", "list"}, "### autoheal state"},
      {{"state", "clear"}, "### autoheal state"},
      {{"lint"}, "### autoheal lint"},
      {{"doctor"}, "### Troubleshooting: autoheal doctor"},
  };
  for (const auto& c : commands) {
    std::vector<std::string> args = c.command;
    args.push_back("--help");
    Output help = RunInProcess(args);
    ASSERT_EQ(help.exit_code, 0);
    SCOPED_TRACE(c.section);
    testutil::ExpectDocumented(help.out, testutil::ReadmeSection(c.section));
  }
}

}  // namespace
}  // namespace autoheal
