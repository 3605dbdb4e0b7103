// autoheal-webhook as a process: startup errors that name what is wrong,
// SIGHUP reloads, SIGTERM draining running actions, bearer token files and
// TLS with a self-signed certificate generated here.
#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "autoheal/version.h"
#include "gtest/gtest.h"
#include "help_docs.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::ClientResponse;
using ::autoheal::testutil::HttpRequestOnce;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::ReadFileIfExists;
using ::autoheal::testutil::ReadFileOrDie;
using ::autoheal::testutil::Subprocess;
using ::autoheal::testutil::SubprocessOptions;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::TestDataPath;
using ::autoheal::testutil::WaitUntil;
using ::autoheal::testutil::WriteFileAtomically;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr absl::Duration kStartTimeout = absl::Seconds(20);

class WebhookBinaryTest : public ::testing::Test {
 protected:
  // Starts the receiver on a free port with `args` and `env`; the audit log
  // is stdout.log, the receiver's own log stderr.log.
  void Start(std::vector<std::string> args,
             std::vector<std::pair<std::string, std::optional<std::string>>>
                 env = {}) {
    SubprocessOptions options;
    // Never the shared /var/lib/autoheal; a later --state_path in `args` wins.
    options.argv = {AUTOHEAL_WEBHOOK_BIN, "--listen", "127.0.0.1:0",
                    "--state_path", state_path_};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.working_dir = working_dir_;
    env.emplace_back("AUTOHEAL_ENABLED", std::nullopt);
    env.emplace_back("AUTOHEAL_STATE_PATH", std::nullopt);
    env.emplace_back("AUTOHEAL_COOLDOWN_SEC", std::nullopt);
    env.emplace_back("AUTOHEAL_BEARER_TOKEN", std::nullopt);
    env.emplace_back("AUTOHEAL_LISTEN", std::nullopt);
    options.env = std::move(env);
    options.stdout_path = dir_.Path("stdout.log");
    options.stderr_path = dir_.Path("stderr.log");
    auto process = Subprocess::Start(std::move(options));
    ASSERT_THAT(process, IsOk());
    receiver_ = *std::move(process);
    auto line = receiver_->WaitForStderrLine("listening on ", kStartTimeout);
    ASSERT_THAT(line, IsOk()) << receiver_->Describe();
    size_t colon = line->find("127.0.0.1:");
    ASSERT_NE(colon, std::string::npos) << *line;
    absl::string_view rest = absl::string_view(*line).substr(colon + 10);
    ASSERT_TRUE(absl::SimpleAtoi(rest.substr(0, rest.find(';')), &port_)) << *line;
  }

  // Runs the receiver expecting it to exit at startup with `exit_code` (1:
  // a startup error, 2: a usage error, 0: --help); returns its stderr, and
  // its stdout in `out` unless null.
  std::string StartupError(std::vector<std::string> args,
                           std::vector<std::pair<std::string,
                                                 std::optional<std::string>>>
                               env = {},
                           int exit_code = 1, std::string* out = nullptr) {
    SubprocessOptions options;
    options.argv = {AUTOHEAL_WEBHOOK_BIN, "--listen", "127.0.0.1:0",
                    "--state_path", state_path_};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    env.emplace_back("AUTOHEAL_STATE_PATH", std::nullopt);
    options.env = std::move(env);
    options.stderr_path = dir_.Path("startup-error.log");
    options.stdout_path = dir_.Path("startup-out.log");
    auto process = Subprocess::Start(std::move(options));
    EXPECT_THAT(process, IsOk());
    if (!process.ok()) return "";
    auto exit = (*process)->Wait(kStartTimeout);
    EXPECT_THAT(exit, IsOk());
    EXPECT_TRUE(exit.ok() && exit->Exited() && exit->ExitCode() == exit_code)
        << (*process)->Describe();
    if (out != nullptr) *out = (*process)->ReadStdout();
    return (*process)->ReadStderr();
  }

  std::string UsageError(std::vector<std::string> args) {
    return StartupError(std::move(args), {}, 2);
  }

  ClientResponse Post(const std::string& payload_name,
                      testutil::HeaderList headers = {
                          {"Content-Type", "application/json"}}) {
    auto response = HttpRequestOnce(
        static_cast<uint16_t>(port_), "POST", "/alerts",
        ReadFileOrDie(TestDataPath("payloads/" + payload_name)), headers);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? *response : ClientResponse{};
  }

  json Get(const std::string& target) {
    auto response =
        HttpRequestOnce(static_cast<uint16_t>(port_), "GET", target);
    EXPECT_THAT(response, IsOk());
    if (!response.ok()) return json();
    return json::parse(response->body, nullptr, false);
  }

  std::string WritePolicy(const std::string& yaml) {
    std::string path = dir_.Path("policy.yml");
    EXPECT_THAT(WriteFileAtomically(path, yaml), IsOk());
    return path;
  }

  TempDir dir_;
  std::string state_path_ = dir_.Path("state.db");
  // Where Start() runs the receiver. Default: the test's own directory.
  std::string working_dir_;
  std::unique_ptr<Subprocess> receiver_;
  int port_ = 0;
};

TEST_F(WebhookBinaryTest, RunsTheEmbeddedDefaultPolicyInDryRun) {
  Start({});
  ClientResponse r = Post("01-single-firing-autoheal.json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["decisions"][0]["reason"], "dry_run");
  json status = Get("/");
  EXPECT_EQ(status["enabled"], false);
  EXPECT_EQ(status["policy_source"], "embedded default");
  auto audit = testutil::WaitForFileLine(dir_.Path("stdout.log"),
                                         "\"reason\":\"dry_run\"",
                                         absl::Seconds(5), {receiver_.get()});
  EXPECT_THAT(audit, IsOk());
  auto exit = receiver_->Stop();
  ASSERT_THAT(exit, IsOk());
  EXPECT_TRUE(exit->Succeeded()) << receiver_->Describe();
  EXPECT_THAT(receiver_->ReadStderr(), HasSubstr("stopped"));
}

TEST_F(WebhookBinaryTest, BadEnvironmentIsAStartupErrorNamingTheVariable) {
  EXPECT_THAT(StartupError({}, {{"AUTOHEAL_ENABLED", "maybe"}}),
              HasSubstr("AUTOHEAL_ENABLED: expected true/false/1/0/yes/no"));
  // Exactly the documented values: "TRUE" was accepted before.
  EXPECT_THAT(StartupError({}, {{"AUTOHEAL_ENABLED", "TRUE"}}),
              HasSubstr("AUTOHEAL_ENABLED: expected true/false/1/0/yes/no "
                        "(exactly, in lowercase), got \"TRUE\""));
  EXPECT_THAT(StartupError({}, {{"AUTOHEAL_COOLDOWN_SEC", "2m"}}),
              HasSubstr("AUTOHEAL_COOLDOWN_SEC: expected a positive number"));
}

TEST_F(WebhookBinaryTest, BadFilesAndFlagsAreStartupErrorsNamingThem) {
  EXPECT_THAT(StartupError({"--policy", "/nonexistent/policy.yml"}),
              HasSubstr("/nonexistent/policy.yml"));
  std::string bad = WritePolicy("enabled: true\ncooldwn: 5m\n");
  EXPECT_THAT(StartupError({"--policy", bad}),
              HasSubstr("policy.yml:2:1: unknown key \"cooldwn\""));
  EXPECT_THAT(StartupError({"--audit-log", "/nonexistent/dir/audit.log"}),
              HasSubstr("/nonexistent/dir/audit.log"));
  EXPECT_THAT(StartupError({"--bearer-token-file", "/nonexistent/token"}),
              HasSubstr("/nonexistent/token"));
  EXPECT_THAT(StartupError({"--tls-cert", "/nonexistent/cert.pem"}),
              HasSubstr("--tls-cert and --tls-key must be given together"));
  EXPECT_THAT(StartupError({"--listen", "localhost"}),
              HasSubstr("expected host:port"));
  EXPECT_THAT(StartupError({"--listen", ":9009"}),
              HasSubstr("(the host is empty)"));
  EXPECT_THAT(StartupError({"--listen", "127.0.0.1:65536"}),
              HasSubstr("(the port must be a number from 0 to 65535)"));
}

TEST_F(WebhookBinaryTest, APortInUseIsAStartupErrorNamingIt) {
  Start({});
  std::string taken = absl::StrCat("127.0.0.1:", port_);
  EXPECT_THAT(StartupError({"--listen", taken}), HasSubstr(taken));
}

TEST_F(WebhookBinaryTest, BearerTokenFromAFile) {
  std::string token = dir_.Path("token");
  ASSERT_THAT(WriteFileAtomically(token, "file-token\n"), IsOk());
  Start({"--bearer-token-file", token});
  EXPECT_EQ(Post("01-single-firing-autoheal.json").status, 401);
  EXPECT_EQ(Post("01-single-firing-autoheal.json",
                 {{"Content-Type", "application/json"},
                  {"Authorization", "Bearer file-token"}})
                .status,
            200);
}

TEST_F(WebhookBinaryTest, SighupReloadsThePolicyAndKeepsItWhenBad) {
  std::string policy = WritePolicy("cooldown: 60s\nactions: {}\n");
  Start({"--policy", policy});
  EXPECT_EQ(Get("/")["cooldown_sec"], 60);

  ASSERT_THAT(WriteFileAtomically(policy, "cooldown: 90s\nactions: {}\n"), IsOk());
  ASSERT_THAT(receiver_->Signal(SIGHUP), IsOk());
  ASSERT_THAT(receiver_->WaitForStderrLine("policy reloaded", kStartTimeout),
              IsOk());
  EXPECT_EQ(Get("/")["cooldown_sec"], 90);

  ASSERT_THAT(WriteFileAtomically(policy, "cooldown: ninety\n"), IsOk());
  ASSERT_THAT(receiver_->Signal(SIGHUP), IsOk());
  auto failed = receiver_->WaitForStderrLine("policy reload failed", kStartTimeout);
  ASSERT_THAT(failed, IsOk());
  EXPECT_THAT(*failed, HasSubstr("policy.yml:1:11: cooldown: expected a duration"));
  EXPECT_EQ(Get("/")["cooldown_sec"], 90);
  auto metrics = HttpRequestOnce(static_cast<uint16_t>(port_), "GET", "/metrics");
  ASSERT_THAT(metrics, IsOk());
  EXPECT_THAT(metrics->body,
              HasSubstr("autoheal_config_reloads_total{result=\"failure\"} 1"));
}

TEST_F(WebhookBinaryTest, SigtermWaitsForARunningActionAndFlushesTheAudit) {
  std::string marker = dir_.Path("action-finished");
  std::string policy = WritePolicy(absl::StrCat(
      "enabled: true\n"
      "actions:\n"
      "  TcpEndpointDownFast:\n"
      "    name: slow-restart\n"
      "    argv: [/bin/sh, -c, '/bin/sleep 1; echo done > ", marker, "']\n"
      "    timeout: 30s\n"));
  Start({"--policy", policy, "--audit-log", dir_.Path("audit.log")});
  ClientResponse r = Post("01-single-firing-autoheal.json");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(json::parse(r.body)["decisions"][0]["verdict"], "execute");
  ASSERT_THAT(receiver_->Signal(SIGTERM), IsOk());
  auto exit = receiver_->Wait(absl::Seconds(20));
  ASSERT_THAT(exit, IsOk());
  EXPECT_TRUE(exit->Succeeded()) << receiver_->Describe();
  EXPECT_EQ(ReadFileIfExists(marker).value_or(""), "done\n");
  std::string audit = ReadFileIfExists(dir_.Path("audit.log")).value_or("");
  EXPECT_THAT(audit, HasSubstr("\"verdict\":\"execute\""));
  EXPECT_THAT(audit, HasSubstr("\"event\":\"outcome\""));
  EXPECT_THAT(audit, HasSubstr("\"outcome\":\"success\""));
}

TEST_F(WebhookBinaryTest, ServesHttpsWithASelfSignedCertificate) {
  std::string cert = dir_.Path("cert.pem");
  std::string key = dir_.Path("key.pem");
  SubprocessOptions openssl;
  openssl.argv = {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                  "-keyout", key, "-out", cert, "-days", "1",
                  "-subj", "/CN=127.0.0.1", "-addext",
                  "subjectAltName=IP:127.0.0.1"};
  openssl.stderr_path = dir_.Path("openssl.log");
  auto generated = Subprocess::Start(std::move(openssl));
  ASSERT_THAT(generated, IsOk());
  auto made = (*generated)->Wait(absl::Seconds(60));
  ASSERT_TRUE(made.ok() && made->Succeeded()) << (*generated)->Describe();

  Start({"--tls-cert", cert, "--tls-key", key});
  EXPECT_THAT(receiver_->ReadStderr(), HasSubstr("listening on https://"));
  SubprocessOptions curl;
  curl.argv = {"curl", "--silent", "--show-error", "--cacert", cert,
               absl::StrCat("https://127.0.0.1:", port_, "/healthz")};
  curl.stdout_path = dir_.Path("curl.out");
  curl.stderr_path = dir_.Path("curl.err");
  auto client = Subprocess::Start(std::move(curl));
  ASSERT_THAT(client, IsOk());
  auto done = (*client)->Wait(absl::Seconds(30));
  ASSERT_TRUE(done.ok() && done->Succeeded()) << (*client)->Describe();
  EXPECT_EQ((*client)->ReadStdout(), R"({"status":"ok"})");
  // Plain HTTP to the TLS port gets no HTTP answer.
  auto plain = HttpRequestOnce(static_cast<uint16_t>(port_), "GET", "/healthz",
                               {}, {}, absl::Seconds(3));
  EXPECT_FALSE(plain.ok() && plain->status == 200);
}

// An enabled policy whose action appends a line to `marker`, with a cooldown
// far longer than the test.
std::string CountingPolicy(const std::string& marker) {
  return absl::StrCat(
      "enabled: true\n"
      "cooldown: 1h\n"
      "actions:\n"
      "  TcpEndpointDownFast:\n"
      "    name: count-restart\n"
      "    argv: [/bin/sh, -c, 'echo ran >> ", marker, "']\n"
      "    timeout: 30s\n");
}

TEST_F(WebhookBinaryTest, ACooldownTakenBeforeARestartHoldsAfterIt) {
  const std::string marker = dir_.Path("runs");
  const std::string policy = WritePolicy(CountingPolicy(marker));
  const std::string audit = dir_.Path("audit.log");
  Start({"--policy", policy, "--audit-log", audit});
  EXPECT_THAT(receiver_->ReadStderr(),
              HasSubstr(absl::StrCat("; state sqlite ", state_path_)));
  ClientResponse first = Post("01-single-firing-autoheal.json");
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(json::parse(first.body)["decisions"][0]["reason"], "execute");
  ASSERT_THAT(testutil::WaitForFileLine(audit, "\"outcome\":\"success\"",
                                        absl::Seconds(20), {receiver_.get()}),
              IsOk());
  auto stopped = receiver_->Stop();
  ASSERT_TRUE(stopped.ok() && stopped->Succeeded()) << receiver_->Describe();

  Start({"--policy", policy, "--audit-log", audit});
  ClientResponse again = Post("01-single-firing-autoheal.json");
  ASSERT_EQ(again.status, 200) << again.body;
  json decision = json::parse(again.body)["decisions"][0];
  EXPECT_EQ(decision["reason"], "cooling_down") << again.body;
  stopped = receiver_->Stop();
  ASSERT_TRUE(stopped.ok() && stopped->Succeeded()) << receiver_->Describe();
  // Stopping waits for running actions: had the second delivery run one,
  // its line would be here.
  EXPECT_EQ(ReadFileIfExists(marker).value_or(""), "ran\n");
}

// The control for the test above: the same restart with the state in
// memory forgets the cooldown, so the action runs twice.
TEST_F(WebhookBinaryTest, MemoryStateIsForgottenOnRestart) {
  const std::string marker = dir_.Path("runs");
  const std::string policy = WritePolicy(CountingPolicy(marker));
  for (int run = 0; run < 2; ++run) {
    Start({"--policy", policy, "--state_backend", "memory"});
    EXPECT_THAT(receiver_->ReadStderr(), HasSubstr("; state memory"));
    ClientResponse r = Post("01-single-firing-autoheal.json");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["decisions"][0]["reason"], "execute");
    auto stopped = receiver_->Stop();
    ASSERT_TRUE(stopped.ok() && stopped->Succeeded()) << receiver_->Describe();
  }
  EXPECT_EQ(ReadFileIfExists(marker).value_or(""), "ran\nran\n");
  EXPECT_FALSE(ReadFileIfExists(state_path_).has_value());
}

TEST_F(WebhookBinaryTest, BadStateIsAStartupErrorNamingTheFile) {
  const std::string missing = dir_.Path("no-such-dir/state.db");
  EXPECT_THAT(StartupError({"--state_path", missing}),
              HasSubstr(absl::StrCat("state database ", missing, ": directory ",
                                     dir_.Path("no-such-dir"),
                                     " does not exist")));
  const std::string garbage = dir_.Path("garbage.db");
  ASSERT_THAT(WriteFileAtomically(garbage, std::string(4096, '#')), IsOk());
  EXPECT_THAT(StartupError({"--state-path", garbage}),
              HasSubstr(absl::StrCat("state database ", garbage,
                                     ": set journal_mode=WAL: the file is not "
                                     "an SQLite database")));
  EXPECT_THAT(StartupError({"--state_backend", "etcd"}),
              HasSubstr("state backend \"etcd\": expected one of memory, sqlite"));
  // From the environment when no flag names it.
  SubprocessOptions options;
  options.argv = {AUTOHEAL_WEBHOOK_BIN, "--listen", "127.0.0.1:0"};
  options.env = {{"AUTOHEAL_STATE_PATH", missing}};
  options.stderr_path = dir_.Path("env-error.log");
  auto process = Subprocess::Start(std::move(options));
  ASSERT_THAT(process, IsOk());
  auto exit = (*process)->Wait(kStartTimeout);
  ASSERT_TRUE(exit.ok() && exit->Exited() && exit->ExitCode() == 1)
      << (*process)->Describe();
  EXPECT_THAT((*process)->ReadStderr(),
              HasSubstr(absl::StrCat("state database ", missing)));
}

// --- The command line -------------------------------------------------------

TEST_F(WebhookBinaryTest, HelpListsItsOwnFlagsWithDefaults) {
  std::string help;
  EXPECT_EQ(StartupError({"--help"}, {}, 0, &help), "");
  EXPECT_THAT(help, HasSubstr("Usage: autoheal-webhook [OPTIONS]"));
  for (const char* line :
       {"\n  --listen HOST:PORT ", "\n  --audit-log FILE ",
        "\n  --shutdown-grace DURATION ", "\n  --redis-timeout DURATION ",
        "\n  --state-backend sqlite|memory|redis"}) {
    EXPECT_THAT(help, HasSubstr(line));
  }
  std::map<std::string, std::string> defaults;
  for (const testutil::HelpFlag& flag : testutil::FlagsInHelp(help)) {
    defaults[flag.name] = flag.default_value;
  }
  EXPECT_EQ(defaults["--listen"], "127.0.0.1:9009");
  EXPECT_EQ(defaults["--shutdown-grace"], "10s");
  EXPECT_EQ(defaults["--redis-timeout"], "500ms");
  EXPECT_EQ(defaults["--max-queued-requests"], "256");
  EXPECT_EQ(defaults["--state-path"], "/var/lib/autoheal/state.db");
  EXPECT_EQ(defaults["--state-backend"], "sqlite");
  EXPECT_EQ(defaults.count("--bearer-token"), 1u);
  EXPECT_EQ(defaults["--bearer-token"], "");  // never a secret in --help
  // The dashed spelling only; none of Abseil's own flags.
  EXPECT_THAT(help, Not(HasSubstr("--audit_log FILE")));
  for (const char* abseil : {"flagfile", "fromenv", "helpfull", "undefok"}) {
    EXPECT_THAT(help, Not(HasSubstr(abseil)));
  }
  // Nothing started: no state database.
  EXPECT_FALSE(ReadFileIfExists(state_path_).has_value());
  // README's table names every flag with its default.
  testutil::ExpectDocumented(help,
                             testutil::ReadmeSection("## The webhook receiver"));
}

TEST_F(WebhookBinaryTest, VersionPrintsTheVersionAndBuildType) {
  std::string version;
  EXPECT_EQ(StartupError({"--version"}, {}, 0, &version), "");
  EXPECT_EQ(version, absl::StrCat("autoheal ", AUTOHEAL_VERSION_STRING, " (",
                                  AUTOHEAL_BUILD_TYPE, ")\n"));
}

TEST_F(WebhookBinaryTest, UsageErrorsExitTwoWithAHint) {
  struct {
    std::vector<std::string> args;
    const char* message;
  } cases[] = {
      {{"--frobnicate"},
       "autoheal-webhook: The following argument was not expected: "
       "--frobnicate"},
      {{"--shutdown-grace", "10"},
       "autoheal-webhook: --shutdown-grace 10: expected a duration such as "
       "10s or 500ms"},
      {{"--connection_timeout=5"},
       "--connection-timeout 5: expected a duration such as 10s or 500ms"},
      {{"--request-timeout=-1s"},
       "--request-timeout -1s: expected a duration such as 10s or 500ms"},
      {{"--redis-timeout", "soon"},
       "--redis-timeout soon: expected a duration such as 10s or 500ms"},
      {{"--workers", "many"}, "--workers"},
      {{"--max-body-bytes", "-5"}, "--max-body-bytes"},
      {{"--policy"}, "--policy"},
  };
  for (const auto& c : cases) {
    const std::string err = UsageError(c.args);
    EXPECT_THAT(err, HasSubstr(c.message)) << ::testing::PrintToString(c.args);
    EXPECT_THAT(err, HasSubstr("Run 'autoheal-webhook --help' for usage."));
  }
  EXPECT_FALSE(ReadFileIfExists(state_path_).has_value());
}

// Every long flag answers to both spellings, as --flag VALUE and
// --flag=VALUE.
TEST_F(WebhookBinaryTest, DashedAndUnderscoredSpellingsBothWork) {
  const std::string policy = WritePolicy("cooldown: 60s\nactions: {}\n");
  for (bool dashed : {true, false}) {
    const std::string audit =
        dir_.Path(dashed ? "dashed.jsonl" : "underscored.jsonl");
    const std::string state = dir_.Path(dashed ? "dashed.db" : "underscored.db");
    if (dashed) {
      Start({"--audit-log", audit, "--state-path=" + state,
             "--max-queued-requests", "8", "--shutdown-grace=1s", "--policy",
             policy});
    } else {
      Start({"--audit_log", audit, "--state_path=" + state,
             "--max_queued_requests", "8", "--shutdown_grace=1s", "--policy",
             policy});
    }
    EXPECT_THAT(receiver_->ReadStderr(), HasSubstr("; state sqlite " + state));
    ASSERT_EQ(Post("01-single-firing-autoheal.json").status, 200);
    EXPECT_THAT(testutil::WaitForFileLine(audit, "\"reason\":\"not_allowlisted\"",
                                          absl::Seconds(5), {receiver_.get()}),
                IsOk())
        << (dashed ? "dashed" : "underscored");
    auto stopped = receiver_->Stop();
    ASSERT_TRUE(stopped.ok() && stopped->Succeeded()) << receiver_->Describe();
  }
}

// A value that starts with dashes arrives as written: the old flag
// rewriting turned "--bearer-token -a-b" into the token "-a_b".
TEST_F(WebhookBinaryTest, AValueWithLeadingDashesArrivesIntact) {
  ASSERT_THAT(WriteFileAtomically(dir_.Path("-my-policy.yml"),
                                  "cooldown: 60s\nactions: {}\n"),
              IsOk());
  working_dir_ = dir_.path();
  Start({"--bearer-token", "-a-b", "--policy", "-my-policy.yml"});
  EXPECT_THAT(receiver_->ReadStderr(), HasSubstr("; policy -my-policy.yml ("));
  EXPECT_EQ(Get("/")["policy_source"], "-my-policy.yml");
  EXPECT_EQ(Post("01-single-firing-autoheal.json",
                 {{"Content-Type", "application/json"},
                  {"Authorization", "Bearer -a-b"}})
                .status,
            200);
  EXPECT_EQ(Post("01-single-firing-autoheal.json",
                 {{"Content-Type", "application/json"},
                  {"Authorization", "Bearer -a_b"}})
                .status,
            401);
}

}  // namespace
}  // namespace autoheal
