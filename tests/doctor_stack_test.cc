// `autoheal doctor` against a real stack: Debian's `prometheus` with a rule
// file, `prometheus-alertmanager` with a route tree, and three
// `autoheal-webhook` receivers (enabled; dry-run; enabled on a real
// `redis-server` that one test stops), each on a
// free loopback port it picked itself (port 0, read back from its log).
// Every broken variant fails (or warns) exactly the check it is about, and
// no other: each test asserts the status of all ten checks.
//
// Needs /usr/bin/prometheus and /usr/bin/prometheus-alertmanager
// (scripts/setup.sh installs them); FAILS, never skips, without them.
// Readiness is polled with deadlines; nothing sleeps blindly.

#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "doctor/doctor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_client.h"
#include "nlohmann/json.hpp"
#include "redis_server.h"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace doctor {
namespace {

using ::autoheal::testutil::ClientResponse;
using ::autoheal::testutil::HttpRequestOnce;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::PickFreeLoopbackPort;
using ::autoheal::testutil::Subprocess;
using ::autoheal::testutil::SubprocessOptions;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::WaitForHttp;
using ::autoheal::testutil::WaitUntilOk;
using ::autoheal::testutil::WriteFileAtomically;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr absl::Duration kStartTimeout = absl::Seconds(30);
constexpr char kToken[] = "doctor-token-5be1c0a7";

const char* const kCheckIds[] = {
    "receiver-up",   "receiver-ready", "receiver-enabled",
    "action-allowlisted", "rule-loaded", "rule-opted-in",
    "rule-runbook",  "route-reaches-receiver", "alert-firing",
    "would-act-now"};

std::string Binary(const char* env, const char* fallback) {
  const char* custom = std::getenv(env);
  return custom != nullptr && custom[0] != '\0' ? custom : fallback;
}

// Rules: every one fires at once (vector(1)); each carries one defect or
// none. DoctorNotAllowlisted is opted in but has no action in the policy.
constexpr char kRules[] = R"(groups:
  - name: doctor
    interval: 1s
    rules:
      - alert: DoctorRestart
        expr: vector(1)
        labels: {severity: critical, autoheal: "true"}
        annotations: {autoheal: "true", runbook_url: "https://runbooks.example/restart"}
      - alert: DoctorUpper
        expr: vector(1)
        labels: {autoheal: "true"}
        annotations: {autoheal: "TRUE", runbook_url: "https://runbooks.example/upper"}
      - alert: DoctorNoRunbook
        expr: vector(1)
        labels: {autoheal: "true"}
        annotations: {autoheal: "true"}
      - alert: DoctorOtherRoute
        expr: vector(1)
        labels: {autoheal: "true", team: other}
        annotations: {autoheal: "true", runbook_url: "https://runbooks.example/other"}
      - alert: DoctorCooldown
        expr: vector(1)
        labels: {autoheal: "true"}
        annotations: {autoheal: "true", runbook_url: "https://runbooks.example/cooldown"}
      - alert: DoctorNotAllowlisted
        expr: vector(1)
        labels: {autoheal: "true"}
        annotations: {autoheal: "true", runbook_url: "https://runbooks.example/na"}
)";

std::string Policy(bool enabled) {
  std::string yaml = absl::StrCat("version: 1\nenabled: ",
                                  enabled ? "true" : "false",
                                  "\ncooldown: 300s\nactions:\n");
  for (const char* name : {"DoctorRestart", "DoctorUpper", "DoctorNoRunbook",
                           "DoctorOtherRoute", "DoctorCooldown",
                           "DoctorNoRule"}) {
    absl::StrAppend(&yaml, "  ", name, ":\n    name: doctor-noop\n",
                    "    argv: [\"/bin/true\"]\n    timeout: 10s\n");
  }
  return yaml;
}

class DoctorStackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stack_ = new Stack(); }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(stack_->error.empty()) << stack_->error;
  }

  // The stack, started once for every test: the checks only read it,
  // except DoctorCooldown's delivery, which no other test asks about.
  struct Stack {
    Stack() { Start(); }

    std::unique_ptr<Subprocess> Launch(std::vector<std::string> argv,
                                       const std::string& log) {
      SubprocessOptions options;
      options.argv = std::move(argv);
      for (const char* name :
           {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
            "all_proxy", "ALL_PROXY", "AUTOHEAL_ENABLED",
            "AUTOHEAL_BEARER_TOKEN", "AUTOHEAL_LISTEN", "AUTOHEAL_STATE_PATH",
            "AUTOHEAL_COOLDOWN_SEC"}) {
        options.env.emplace_back(name, std::nullopt);
      }
      options.stdout_path = dir.Path(log);
      options.stderr_path = options.stdout_path;
      absl::StatusOr<std::unique_ptr<Subprocess>> p =
          Subprocess::Start(std::move(options));
      if (!p.ok()) {
        error = std::string(p.status().message());
        return nullptr;
      }
      return *std::move(p);
    }

    uint16_t WaitPort(Subprocess& p, absl::string_view needle,
                      absl::string_view prefix) {
      absl::StatusOr<std::string> line =
          p.WaitForStderrLine(needle, kStartTimeout);
      if (!line.ok()) {
        error = absl::StrCat(line.status().message(), "\n", p.Describe(8192));
        return 0;
      }
      return testutil::PortAfter(*line, prefix);
    }

    // Starts a receiver; on `redis_address` when not empty, else SQLite.
    uint16_t StartReceiver(bool live, std::unique_ptr<Subprocess>* out,
                           const std::string& redis_address = "") {
      const std::string name =
          !redis_address.empty() ? "redis" : live ? "enabled" : "dry";
      const std::string policy = dir.Path(name + ".yml");
      if (!WriteFileAtomically(policy, Policy(live)).ok()) return 0;
      std::vector<std::string> argv = {
          AUTOHEAL_WEBHOOK_BIN, "--listen=127.0.0.1:0", "--policy=" + policy,
          "--audit_log=" + dir.Path(name + "-audit.log"),
          "--bearer_token_file=" + dir.Path("token")};
      if (redis_address.empty()) {
        argv.push_back("--state_path=" + dir.Path(name + ".db"));
      } else {
        argv.push_back("--state_backend=redis");
        argv.push_back("--redis_address=" + redis_address);
      }
      *out = Launch(std::move(argv), name + "-receiver.log");
      if (*out == nullptr) return 0;
      return WaitPort(**out, "listening on http://127.0.0.1:",
                      "listening on http://127.0.0.1:");
    }

    void Start() {
      if (!WriteFileAtomically(dir.Path("token"), absl::StrCat(kToken, "\n"))
               .ok()) {
        error = "cannot write the token file";
        return;
      }
      enabled_port = StartReceiver(true, &enabled);
      if (enabled_port == 0) return;
      dry_port = StartReceiver(false, &dry);
      if (dry_port == 0) return;
      absl::StatusOr<std::unique_ptr<testutil::RedisServer>> started_redis =
          testutil::RedisServer::Start(dir);
      if (!started_redis.ok()) {
        error = std::string(started_redis.status().message());
        return;
      }
      redis = *std::move(started_redis);
      redis_receiver_port =
          StartReceiver(true, &redis_receiver, redis->address());
      if (redis_receiver_port == 0) return;

      // Alertmanager: team=other stops at other-team first; autoheal="true"
      // goes to both receivers.
      const std::string am_config = absl::StrCat(
          "route:\n"
          "  receiver: oncall\n"
          "  group_wait: 1s\n"
          "  group_interval: 1s\n"
          "  routes:\n"
          "    - receiver: other-team\n"
          "      matchers: ['team=\"other\"']\n"
          "    - receiver: autoheal\n"
          "      matchers: ['autoheal=\"true\"']\n"
          "      continue: true\n"
          "receivers:\n"
          "  - name: oncall\n"
          "  - name: other-team\n"
          "    webhook_configs: [{url: 'http://127.0.0.1:9/other-team'}]\n"
          "  - name: autoheal\n"
          "    webhook_configs:\n"
          "      - url: http://127.0.0.1:", enabled_port, "/alerts\n"
          "      - url: http://127.0.0.1:", dry_port, "/alerts\n"
          "      - url: http://127.0.0.1:", redis_receiver_port, "/alerts\n");
      if (!WriteFileAtomically(dir.Path("alertmanager.yml"), am_config).ok() ||
          ::mkdir(dir.Path("am-data").c_str(), 0700) != 0) {
        error = "cannot write Alertmanager's files";
        return;
      }
      alertmanager = Launch(
          {Binary("AUTOHEAL_ALERTMANAGER_BIN", "/usr/bin/prometheus-alertmanager"),
           "--config.file=" + dir.Path("alertmanager.yml"),
           "--storage.path=" + dir.Path("am-data"),
           "--web.listen-address=127.0.0.1:0", "--cluster.listen-address="},
          "alertmanager.log");
      if (alertmanager == nullptr) return;
      am_port = WaitPort(*alertmanager, "msg=\"Listening on\"",
                         "address=127.0.0.1:");
      if (am_port == 0) return;

      if (!WriteFileAtomically(dir.Path("rules.yml"), kRules).ok() ||
          !WriteFileAtomically(
               dir.Path("prometheus.yml"),
               "global:\n  evaluation_interval: 1s\nrule_files: [rules.yml]\n")
               .ok() ||
          ::mkdir(dir.Path("prom-data").c_str(), 0700) != 0) {
        error = "cannot write Prometheus's files";
        return;
      }
      prometheus = Launch(
          {Binary("AUTOHEAL_PROMETHEUS_BIN", "/usr/bin/prometheus"),
           "--config.file=" + dir.Path("prometheus.yml"),
           "--storage.tsdb.path=" + dir.Path("prom-data"),
           "--web.listen-address=127.0.0.1:0"},
          "prometheus.log");
      if (prometheus == nullptr) return;
      prom_port = WaitPort(*prometheus, "msg=\"Listening on\"",
                           "address=127.0.0.1:");
      if (prom_port == 0) return;

      const std::vector<const Subprocess*> all = {
          enabled.get(), dry.get(), alertmanager.get(), prometheus.get()};
      for (uint16_t port : {am_port, prom_port}) {
        absl::StatusOr<ClientResponse> ready =
            WaitForHttp(port, "/-/ready", kStartTimeout, all);
        if (!ready.ok()) {
          error = std::string(ready.status().message());
          return;
        }
      }
      // Every rule evaluated and firing, so that what doctor reads is
      // settled.
      absl::Status firing = WaitUntilOk(
          [&]() -> absl::Status {
            absl::StatusOr<ClientResponse> r =
                HttpRequestOnce(prom_port, "GET", "/api/v1/rules?type=alert");
            if (!r.ok()) return r.status();
            json body = json::parse(r->body, nullptr, false);
            int firing_rules = 0;
            if (body.is_object() && body.contains("data")) {
              for (const json& g : body["data"].value("groups", json::array())) {
                for (const json& rule : g.value("rules", json::array())) {
                  if (rule.value("state", "") == "firing") ++firing_rules;
                }
              }
            }
            if (firing_rules == 6) return absl::OkStatus();
            return absl::UnavailableError(
                absl::StrCat(firing_rules, " of 6 rules firing"));
          },
          kStartTimeout, "Prometheus to fire every rule", all);
      if (!firing.ok()) {
        error = std::string(firing.message());
        return;
      }
      // DoctorCooldown acted once on the enabled receiver: it cools down.
      const json payload = {
          {"version", "4"}, {"status", "firing"}, {"receiver", "autoheal"},
          {"groupKey", "{}"}, {"truncatedAlerts", 0},
          {"groupLabels", json::object()}, {"commonLabels", json::object()},
          {"commonAnnotations", json::object()}, {"externalURL", ""},
          {"alerts",
           {{{"status", "firing"},
             {"labels", {{"alertname", "DoctorCooldown"}, {"autoheal", "true"}}},
             {"annotations", {{"autoheal", "true"}}},
             {"startsAt", "2026-01-01T00:00:00Z"},
             {"endsAt", "0001-01-01T00:00:00Z"},
             {"generatorURL", ""},
             {"fingerprint", "00000000000000c0"}}}}};
      absl::StatusOr<ClientResponse> delivered = HttpRequestOnce(
          enabled_port, "POST", "/alerts", payload.dump(),
          {{"Content-Type", "application/json"},
           {"Authorization", absl::StrCat("Bearer ", kToken)}});
      if (!delivered.ok() || delivered->status != 200 ||
          !absl::StrContains(delivered->body, "\"execute\"")) {
        error = absl::StrCat("the DoctorCooldown delivery failed: ",
                             delivered.ok() ? delivered->body
                                            : delivered.status().message());
      }
    }

    TempDir dir;
    std::string error;
    std::unique_ptr<testutil::RedisServer> redis;
    std::unique_ptr<Subprocess> enabled, dry, redis_receiver, alertmanager,
        prometheus;
    uint16_t enabled_port = 0, dry_port = 0, redis_receiver_port = 0,
             am_port = 0, prom_port = 0;
  };

  static std::string Url(uint16_t port) {
    return absl::StrCat("http://127.0.0.1:", port);
  }

  DoctorOptions Options(const std::string& alertname) const {
    DoctorOptions o;
    o.receiver_url = Url(stack_->enabled_port);
    o.prometheus_url = Url(stack_->prom_port);
    o.alertmanager_url = Url(stack_->am_port);
    if (!alertname.empty()) o.alertnames = {alertname};
    o.bearer_token = kToken;
    o.format = "json";
    o.timeout = absl::Seconds(5);
    return o;
  }

  // Runs doctor in-process; returns id -> status, and the whole report.
  std::map<std::string, std::string> Run(const DoctorOptions& options,
                                         int expected_exit, json* report) {
    std::ostringstream out, err;
    const int exit_code = RunDoctor(options, out, err);
    EXPECT_EQ(exit_code, expected_exit) << out.str() << err.str();
    *report = json::parse(out.str(), nullptr, false);
    std::map<std::string, std::string> statuses;
    EXPECT_TRUE(report->is_object()) << out.str();
    if (!report->is_object()) return statuses;
    for (const json& c : (*report)["checks"]) {
      statuses[c["id"].get<std::string>()] = c["status"].get<std::string>();
    }
    EXPECT_EQ(statuses.size(), 10u) << out.str();
    return statuses;
  }

  static std::string Message(const json& report, absl::string_view id) {
    for (const json& c : report["checks"]) {
      if (c["id"] == std::string(id)) return c["message"].get<std::string>() + " | fix: " +
                                c["fix"].get<std::string>();
    }
    return "(no such check)";
  }

  // Every check "ok" except those in `except`.
  static std::map<std::string, std::string> AllOkBut(
      std::map<std::string, std::string> except) {
    std::map<std::string, std::string> out;
    for (const char* id : kCheckIds) out[id] = "ok";
    for (auto& [id, status] : except) out[id] = status;
    return out;
  }

  static Stack* stack_;
};

DoctorStackTest::Stack* DoctorStackTest::stack_ = nullptr;

TEST_F(DoctorStackTest, AWellWiredStackPasses) {
  json report;
  EXPECT_EQ(Run(Options("DoctorRestart"), kExitOk, &report), AllOkBut({}))
      << report.dump(2);
  EXPECT_EQ(report["ok"], true);
  EXPECT_THAT(Message(report, "route-reaches-receiver"),
              HasSubstr("receiver \"autoheal\" posts to http://127.0.0.1:"));
  EXPECT_THAT(Message(report, "would-act-now"),
              HasSubstr("the receiver would execute"));
  EXPECT_THAT(Message(report, "alert-firing"), HasSubstr("firing now"));
}

TEST_F(DoctorStackTest, DryRunWarnsOnlyAboutDryRun) {
  DoctorOptions options = Options("DoctorRestart");
  options.receiver_url = Url(stack_->dry_port);
  json report;
  EXPECT_EQ(Run(options, kExitOk, &report),
            AllOkBut({{"receiver-enabled", "warn"}, {"would-act-now", "warn"}}))
      << report.dump(2);
  EXPECT_THAT(Message(report, "receiver-enabled"), HasSubstr("dry-run"));
  EXPECT_THAT(Message(report, "would-act-now"),
              HasSubstr("AUTOHEAL_ENABLED=true"));
}

TEST_F(DoctorStackTest, UpperCaseOptInFailsOnlyRuleOptedIn) {
  json report;
  EXPECT_EQ(Run(Options("DoctorUpper"), kExitFailed, &report),
            AllOkBut({{"rule-opted-in", "fail"}, {"would-act-now", "skip"}}))
      << report.dump(2);
  EXPECT_THAT(Message(report, "rule-opted-in"),
              HasSubstr("annotation autoheal is \"TRUE\", not exactly "
                        "\"true\" (a near miss"));
  EXPECT_THAT(Message(report, "would-act-now"),
              HasSubstr("not_opted_in"));
}

TEST_F(DoctorStackTest, NoRunbookWarnsOnlyRuleRunbook) {
  json report;
  EXPECT_EQ(Run(Options("DoctorNoRunbook"), kExitOk, &report),
            AllOkBut({{"rule-runbook", "warn"}}))
      << report.dump(2);
}

TEST_F(DoctorStackTest, ARouteToAnotherReceiverFirstFailsOnlyTheRoute) {
  json report;
  EXPECT_EQ(Run(Options("DoctorOtherRoute"), kExitFailed, &report),
            AllOkBut({{"route-reaches-receiver", "fail"}}))
      << report.dump(2);
  EXPECT_THAT(Message(report, "route-reaches-receiver"),
              HasSubstr("stops at route route.routes[0] (line 18 of the running "
                        "config) "
                        "{team=\"other\"} -> receiver \"other-team\" without "
                        "continue"));
}

TEST_F(DoctorStackTest, ACooldownWarnsWithTheSecondsLeft) {
  json report;
  EXPECT_EQ(Run(Options("DoctorCooldown"), kExitOk, &report),
            AllOkBut({{"would-act-now", "warn"}}))
      << report.dump(2);
  const std::string message = Message(report, "would-act-now");
  EXPECT_THAT(message, HasSubstr("(cooling_down)"));
  EXPECT_THAT(message, HasSubstr("s left)"));
  EXPECT_THAT(message, HasSubstr("fix: cooling down, "));
  // Asking took nothing: the preview leaves the same cooldown.
  EXPECT_EQ(Run(Options("DoctorCooldown"), kExitOk, &report)["would-act-now"],
            "warn");
}

TEST_F(DoctorStackTest, NotAllowlistedFailsOnlyActionAllowlisted) {
  json report;
  EXPECT_EQ(Run(Options("DoctorNotAllowlisted"), kExitFailed, &report),
            AllOkBut({{"action-allowlisted", "fail"}, {"would-act-now", "skip"}}))
      << report.dump(2);
}

TEST_F(DoctorStackTest, AMissingRuleFailsOnlyRuleLoaded) {
  json report;
  EXPECT_EQ(Run(Options("DoctorNoRule"), kExitFailed, &report),
            AllOkBut({{"rule-loaded", "fail"},
                      {"rule-opted-in", "skip"},
                      {"rule-runbook", "skip"},
                      {"route-reaches-receiver", "skip"},
                      {"would-act-now", "skip"}}))
      << report.dump(2);
}

TEST_F(DoctorStackTest, PrometheusUnreachableFailsOnlyRuleLoadedAndReturns) {
  absl::StatusOr<uint16_t> closed = PickFreeLoopbackPort();
  ASSERT_THAT(closed, IsOk());
  DoctorOptions options = Options("DoctorRestart");
  options.prometheus_url = Url(*closed);
  json report;
  const absl::Time start = absl::Now();
  EXPECT_EQ(Run(options, kExitFailed, &report),
            AllOkBut({{"rule-loaded", "fail"},
                      {"rule-opted-in", "skip"},
                      {"rule-runbook", "skip"},
                      {"route-reaches-receiver", "skip"},
                      {"would-act-now", "skip"}}))
      << report.dump(2);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_THAT(Message(report, "rule-loaded"),
              HasSubstr(absl::StrCat("GET ", Url(*closed), "/api/v1/rules")));
}

TEST_F(DoctorStackTest, ReceiverDownFailsOnlyReceiverUp) {
  absl::StatusOr<uint16_t> closed = PickFreeLoopbackPort();
  ASSERT_THAT(closed, IsOk());
  DoctorOptions options = Options("DoctorRestart");
  options.receiver_url = Url(*closed);
  json report;
  EXPECT_EQ(Run(options, kExitFailed, &report),
            AllOkBut({{"receiver-up", "fail"},
                      {"receiver-ready", "skip"},
                      {"receiver-enabled", "skip"},
                      {"action-allowlisted", "skip"},
                      // Alertmanager posts to the live receivers' ports.
                      {"route-reaches-receiver", "warn"},
                      {"would-act-now", "skip"}}))
      << report.dump(2);
}

TEST_F(DoctorStackTest, AStoreDownFailsOnlyReceiverReady) {
  DoctorOptions options = Options("DoctorRestart");
  options.receiver_url = Url(stack_->redis_receiver_port);
  json report;
  EXPECT_EQ(Run(options, kExitOk, &report), AllOkBut({})) << report.dump(2);
  stack_->redis->Kill();
  // The receiver probes its store every second: wait for it to notice.
  ASSERT_THAT(WaitForHttp(stack_->redis_receiver_port, "/readyz",
                          kStartTimeout, {stack_->redis_receiver.get()},
                          /*expected_status=*/503),
              IsOk());
  EXPECT_EQ(Run(options, kExitFailed, &report),
            AllOkBut({{"receiver-ready", "fail"}, {"would-act-now", "skip"}}))
      << report.dump(2);
  EXPECT_THAT(Message(report, "receiver-ready"),
              HasSubstr("the state store is unreachable"));
  EXPECT_THAT(Message(report, "would-act-now"),
              HasSubstr("store_unavailable"));
  ASSERT_THAT(stack_->redis->Restart(), IsOk());
}

TEST_F(DoctorStackTest, AWrongTokenFailsWouldActNow) {
  DoctorOptions options = Options("DoctorRestart");
  options.bearer_token = "wrong";
  json report;
  EXPECT_EQ(Run(options, kExitFailed, &report),
            AllOkBut({{"would-act-now", "fail"}}))
      << report.dump(2);
  EXPECT_THAT(Message(report, "would-act-now"), HasSubstr("HTTP 401"));
  EXPECT_THAT(report.dump(), Not(HasSubstr("wrong\"")));
}

TEST_F(DoctorStackTest, WithoutAlertnameEveryAllowlistedAlertnameIsChecked) {
  DoctorOptions options = Options("");
  json report;
  std::ostringstream out, err;
  EXPECT_EQ(RunDoctor(options, out, err), kExitFailed);
  report = json::parse(out.str());
  std::vector<std::string> names;
  for (const json& c : report["checks"]) {
    if (c["id"] == "action-allowlisted") names.push_back(c["alertname"]);
  }
  EXPECT_THAT(names, ::testing::ElementsAre(
                         "DoctorRestart", "DoctorUpper", "DoctorNoRunbook",
                         "DoctorOtherRoute", "DoctorCooldown", "DoctorNoRule"));
  EXPECT_EQ(report["checks"].size(), 3u + 6u * 7u);
}

TEST_F(DoctorStackTest, TheBinaryPrintsTextNeverTheTokenAndExitsByResult) {
  auto run = [&](std::vector<std::string> args, std::string* output) {
    SubprocessOptions options;
    options.argv = {AUTOHEAL_CLI_BIN, "doctor"};
    for (std::string& a : args) options.argv.push_back(std::move(a));
    options.stdout_path = stack_->dir.Path("doctor.out");
    options.stderr_path = options.stdout_path;
    for (const char* name : {"http_proxy", "HTTP_PROXY", "all_proxy"}) {
      options.env.emplace_back(name, std::nullopt);
    }
    absl::StatusOr<std::unique_ptr<Subprocess>> p =
        Subprocess::Start(std::move(options));
    EXPECT_THAT(p, IsOk());
    if (!p.ok()) return -1;
    absl::StatusOr<testutil::ProcessExit> exit = (*p)->Wait(absl::Seconds(60));
    EXPECT_THAT(exit, IsOk());
    *output = testutil::ReadFileIfExists(stack_->dir.Path("doctor.out"))
                  .value_or("");
    return exit.ok() ? exit->ExitCode() : -1;
  };
  std::string output;
  EXPECT_EQ(run({"--receiver", Url(stack_->enabled_port), "--prometheus",
                 Url(stack_->prom_port), "--alertmanager=" + Url(stack_->am_port),
                 "--alertname", "DoctorRestart", "--bearer-token-file",
                 stack_->dir.Path("token")},
                &output),
            0)
      << output;
  EXPECT_THAT(output, HasSubstr("[ok]     would-act-now (DoctorRestart): the "
                                "receiver would execute"));
  EXPECT_THAT(output, HasSubstr("doctor: 10 ok, 0 warn, 0 fail, 0 skip"));
  EXPECT_THAT(output, Not(HasSubstr(kToken)));

  EXPECT_EQ(run({"--receiver", Url(stack_->enabled_port), "--alertname",
                 "DoctorUpper", "--prometheus", Url(stack_->prom_port),
                 "--format", "json", "--bearer-token-file",
                 stack_->dir.Path("token")},
                &output),
            1)
      << output;
  EXPECT_THAT(output, HasSubstr("\"id\": \"rule-opted-in\""));
  EXPECT_THAT(output, Not(HasSubstr(kToken)));

  EXPECT_EQ(run({"--prometheus", Url(stack_->prom_port)}, &output), 2);
  EXPECT_THAT(output, HasSubstr("--receiver"));
  EXPECT_EQ(run({"--receiver", "x", "--format", "yaml"}, &output), 2);
  EXPECT_EQ(run({"--receiver", Url(1), "--bogus"}, &output), 2);
  EXPECT_THAT(output, HasSubstr("--bogus"));
}

}  // namespace
}  // namespace doctor
}  // namespace autoheal
