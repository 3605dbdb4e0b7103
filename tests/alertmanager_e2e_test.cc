// End to end against the real Prometheus Alertmanager (Debian's
// prometheus-alertmanager 0.25): each test starts the autoheal-webhook
// binary and an Alertmanager on 127.0.0.1 in a temporary directory, fires
// alerts through Alertmanager's API, lets Alertmanager deliver (and repeat)
// its notifications with a bearer token, and checks what the receiver
// decided (its JSON-lines audit), what ran (a file the test action appends
// to) and that Alertmanager logged no failed delivery.
//
// Nothing sleeps blindly: every step polls the audit log, a log line or an
// HTTP endpoint until a deadline. Alertmanager runs with group_wait and
// group_interval 1s and repeat_interval 2s, so a test takes a few seconds.
//
// The tests need /usr/bin/prometheus-alertmanager (scripts/setup.sh installs
// it; AUTOHEAL_ALERTMANAGER_BIN overrides the path). Without it they FAIL:
// an end-to-end suite that silently skips proves nothing.

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_client.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_util.h"

#ifndef AUTOHEAL_WEBHOOK_BIN
#error "AUTOHEAL_WEBHOOK_BIN must name the autoheal-webhook binary"
#endif

namespace autoheal {
namespace {

using ::autoheal::testutil::ClientResponse;
using ::autoheal::testutil::CompleteLines;
using ::autoheal::testutil::HttpRequestOnce;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::ProcessExit;
using ::autoheal::testutil::ReadFileIfExists;
using ::autoheal::testutil::Subprocess;
using ::autoheal::testutil::SubprocessOptions;
using ::autoheal::testutil::Tail;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::WaitForHttp;
using ::autoheal::testutil::WaitUntilOk;
using ::autoheal::testutil::WriteFileAtomically;
using ::testing::Contains;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::SizeIs;
using json = nlohmann::json;

// Generous: CI machines are slow and share their cores; a passing run takes
// a fraction of these.
constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr absl::Duration kDeliveryTimeout = absl::Seconds(30);

constexpr char kToken[] = "e2e-bearer-9f2c41d7";

// The allowlisted alertnames of the test policy. All run the same action.
constexpr char kRestart[] = "E2eRestart";
constexpr char kAlmostOptedIn[] = "E2eAlmostOptedIn";
constexpr char kNoAnnotation[] = "E2eNoAnnotation";
// Not in the policy.
constexpr char kNotAllowlisted[] = "E2eNotAllowlisted";

std::string AlertmanagerBinary() {
  const char* custom = std::getenv("AUTOHEAL_ALERTMANAGER_BIN");
  return custom != nullptr && custom[0] != '\0'
             ? std::string(custom)
             : std::string("/usr/bin/prometheus-alertmanager");
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

// Returns the lines of an Alertmanager (0.25, logfmt) log that show a
// delivery problem. A failed webhook delivery logs, for a 4xx:
//   level=error component=dispatcher msg="Notify for alerts failed"
//   num_alerts=1 err="autoheal/webhook[0]: notify retry canceled due to
//   unrecoverable error after 1 attempts: unexpected status code 401: ..."
// and for a 5xx or a refused connection, first "Notify attempt failed, will
// retry later" (level=debug) per attempt, then the same level=error line.
// Any warning or error counts too: a clean run logs neither.
std::vector<std::string> DeliveryProblems(absl::string_view log) {
  std::vector<std::string> problems;
  for (std::string& line : CompleteLines(log)) {
    if (absl::StrContains(line, "level=error") ||
        absl::StrContains(line, "level=warn") ||
        absl::StrContains(line, "Notify for alerts failed") ||
        absl::StrContains(line, "notify retry canceled") ||
        absl::StrContains(line, "Notify attempt failed")) {
      problems.push_back(std::move(line));
    }
  }
  return problems;
}

int CountLinesContaining(absl::string_view text, absl::string_view needle) {
  int count = 0;
  for (const std::string& line : CompleteLines(text)) {
    if (absl::StrContains(line, needle)) ++count;
  }
  return count;
}

// Returns the value of `series` (the metric name and its labels exactly as
// exposed, e.g. `x_total{code="200"}`) in a Prometheus text exposition, or
// nullopt when the series is absent.
std::optional<double> MetricValue(absl::string_view exposition,
                                  absl::string_view series) {
  for (const std::string& line : CompleteLines(exposition)) {
    if (!absl::StartsWith(line, series) || line.size() <= series.size() ||
        line[series.size()] != ' ') {
      continue;
    }
    double value = 0;
    absl::string_view rest = absl::string_view(line).substr(series.size() + 1);
    if (absl::SimpleAtod(rest.substr(0, rest.find(' ')), &value)) return value;
  }
  return std::nullopt;
}

// One alert as Alertmanager's API v2 takes it. Without `ends` the alert
// fires until Alertmanager's resolve_timeout; with `ends` in the past it is
// resolved.
json ApiAlert(const std::map<std::string, std::string>& labels,
              const std::map<std::string, std::string>& annotations,
              absl::Time starts, std::optional<absl::Time> ends = {}) {
  json alert = {{"labels", labels},
                {"annotations", annotations},
                {"startsAt", Rfc3339(starts)},
                {"generatorURL", "http://127.0.0.1/e2e"}};
  if (ends.has_value()) alert["endsAt"] = Rfc3339(*ends);
  return alert;
}

// How Alertmanager routes the test's alerts to the receiver.
struct Route {
  // Default: one group per alertname and instance.
  std::vector<std::string> group_by = {"alertname", "instance"};
  // Default: 2s, so repeat notifications arrive within a test.
  std::string repeat_interval = "2s";
  // The bearer credentials Alertmanager sends. Default: empty, the
  // receiver's token file (credentials_file).
  std::string credentials;
};

class AlertmanagerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A missing Alertmanager must fail the suite, not skip it.
    const std::string alertmanager = AlertmanagerBinary();
    ASSERT_EQ(::access(alertmanager.c_str(), X_OK), 0)
        << alertmanager
        << " is not installed: run scripts/setup.sh (Debian package "
           "prometheus-alertmanager), or point AUTOHEAL_ALERTMANAGER_BIN at "
           "an Alertmanager 0.25 binary";
    token_path_ = dir_.Path("token");
    ASSERT_THAT(WriteFileAtomically(token_path_, kToken, 0600), IsOk());
    audit_path_ = dir_.Path("audit.jsonl");
    out_path_ = dir_.Path("action.out");
    policy_path_ = dir_.Path("policy.yml");
  }

  void TearDown() override {
    if (!HasFailure()) return;
    // Everything needed to understand a failure, in the test's output.
    if (alertmanager_ != nullptr) {
      std::cerr << "=== Alertmanager: " << alertmanager_->Describe(16384)
                << "\n";
    }
    if (receiver_ != nullptr) {
      std::cerr << "=== receiver: " << receiver_->Describe(8192) << "\n";
    }
    std::cerr << "=== audit log " << audit_path_ << ":\n"
              << Tail(ReadFileIfExists(audit_path_).value_or("(absent)"), 16384)
              << "\n=== action output " << out_path_ << ":\n"
              << ReadFileIfExists(out_path_).value_or("(absent)") << "\n";
  }

  // Returns a policy allowlisting kRestart, kAlmostOptedIn and kNoAnnotation
  // with one action that appends "ran" to out_path_. A test-only action: the
  // receiver never uses a shell itself, the argv is fixed here.
  std::string Policy(bool enabled) const {
    const json argv = {"/bin/sh", "-c", "echo ran >> \"$1\"", "sh", out_path_};
    std::string yaml =
        absl::StrCat("version: 1\nenabled: ", enabled ? "true" : "false",
                     "\ncooldown: 300s\nactions:\n");
    for (const char* alertname : {kRestart, kAlmostOptedIn, kNoAnnotation}) {
      absl::StrAppend(&yaml, "  ", alertname,
                      ":\n    name: e2e-restart\n    argv: ", argv.dump(),
                      "\n    timeout: 10s\n    cooldown: 300s\n");
    }
    return yaml;
  }

  // Starts autoheal-webhook on an ephemeral port with `policy_yaml` and the
  // bearer token file; `enabled_env` is AUTOHEAL_ENABLED (nullopt: unset).
  // Waits for its "listening on" line, then checks that the token is
  // enforced: a POST without it gets 401. Every decision in the audit
  // therefore came from a request that carried the token.
  void StartReceiver(const std::string& policy_yaml,
                     std::optional<std::string> enabled_env) {
    ASSERT_THAT(WriteFileAtomically(policy_path_, policy_yaml), IsOk());
    SubprocessOptions options;
    options.argv = {AUTOHEAL_WEBHOOK_BIN, "--listen=127.0.0.1:0",
                    "--policy=" + policy_path_, "--audit_log=" + audit_path_,
                    "--bearer_token_file=" + token_path_,
                    "--state_path=" + dir_.Path("state.db")};
    // Whatever the CI environment holds must not change the receiver.
    options.env = {{"AUTOHEAL_ENABLED", std::move(enabled_env)},
                   {"AUTOHEAL_BEARER_TOKEN", std::nullopt},
                   {"AUTOHEAL_LISTEN", std::nullopt},
                   {"AUTOHEAL_COOLDOWN_SEC", std::nullopt},
                   {"AUTOHEAL_STATE_PATH", std::nullopt}};
    options.stdout_path = dir_.Path("receiver.log");
    options.stderr_path = options.stdout_path;
    absl::StatusOr<std::unique_ptr<Subprocess>> started =
        Subprocess::Start(std::move(options));
    ASSERT_THAT(started, IsOk());
    receiver_ = *std::move(started);

    constexpr absl::string_view kListening = "listening on http://127.0.0.1:";
    absl::StatusOr<std::string> line =
        receiver_->WaitForStderrLine(kListening, kStartTimeout);
    ASSERT_THAT(line, IsOk());
    receiver_port_ = testutil::PortAfter(*line, kListening);
    ASSERT_NE(receiver_port_, 0) << *line;

    absl::StatusOr<ClientResponse> unauthenticated =
        HttpRequestOnce(receiver_port_, "POST", "/alerts", "{}",
                        {{"Content-Type", "application/json"}});
    ASSERT_THAT(unauthenticated, IsOk());
    ASSERT_EQ(unauthenticated->status, 401) << unauthenticated->body;
  }

  // Starts Alertmanager on an ephemeral port, routing every alert to the
  // receiver (which must be started) with `route`, and waits until it is
  // ready.
  void StartAlertmanager(const Route& route) {
    ASSERT_NE(receiver_port_, 0) << "start the receiver first";
    std::vector<std::string> group_by;
    for (const std::string& label : route.group_by) {
      group_by.push_back(json(label).dump());
    }
    // One line of YAML per line of code.
    // clang-format off
    const std::string config = absl::StrCat(
        "route:\n"
        "  receiver: autoheal\n"
        "  group_by: [", absl::StrJoin(group_by, ", "), "]\n"
        "  group_wait: 1s\n"
        "  group_interval: 1s\n"
        "  repeat_interval: ", route.repeat_interval, "\n"
        "receivers:\n"
        "- name: autoheal\n"
        "  webhook_configs:\n"
        "  - url: http://127.0.0.1:", receiver_port_, "/alerts\n"
        "    send_resolved: true\n"
        "    http_config:\n"
        "      authorization:\n"
        "        type: Bearer\n",
        route.credentials.empty()
            ? absl::StrCat("        credentials_file: ",
                           json(token_path_).dump(), "\n")
            : absl::StrCat("        credentials: ",
                           json(route.credentials).dump(), "\n"));
    // clang-format on
    const std::string config_path = dir_.Path("alertmanager.yml");
    ASSERT_THAT(WriteFileAtomically(config_path, config), IsOk());
    const std::string storage = dir_.Path("alertmanager-data");
    ASSERT_EQ(::mkdir(storage.c_str(), 0700), 0) << storage;

    SubprocessOptions options;
    options.argv = {
        AlertmanagerBinary(),        "--config.file=" + config_path,
        "--storage.path=" + storage, "--web.listen-address=127.0.0.1:0",
        "--cluster.listen-address=", "--log.level=debug"};
    // Deliveries go straight to loopback, whatever proxy CI configures.
    for (const char* proxy : {"http_proxy", "HTTP_PROXY", "https_proxy",
                              "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
      options.env.emplace_back(proxy, std::nullopt);
    }
    options.stderr_path = dir_.Path("alertmanager.log");
    options.stdout_path = options.stderr_path;
    absl::StatusOr<std::unique_ptr<Subprocess>> started =
        Subprocess::Start(std::move(options));
    ASSERT_THAT(started, IsOk());
    alertmanager_ = *std::move(started);

    // With port 0 Alertmanager logs the address it really listens on:
    //   level=info msg="Listening on" address=127.0.0.1:40287
    constexpr absl::string_view kAddress = "address=127.0.0.1:";
    absl::StatusOr<std::string> line =
        alertmanager_->WaitForStderrLine("msg=\"Listening on\"", kStartTimeout);
    ASSERT_THAT(line, IsOk());
    alertmanager_port_ = testutil::PortAfter(*line, kAddress);
    ASSERT_NE(alertmanager_port_, 0) << *line;
    ASSERT_THAT(WaitForHttp(alertmanager_port_, "/-/ready", kStartTimeout,
                            {alertmanager_.get(), receiver_.get()}),
                IsOk());
  }

  // Posts `alerts` (a JSON array of ApiAlert()s) to Alertmanager.
  void PostAlerts(const json& alerts) {
    absl::StatusOr<ClientResponse> response =
        HttpRequestOnce(alertmanager_port_, "POST", "/api/v2/alerts",
                        alerts.dump(), {{"Content-Type", "application/json"}});
    ASSERT_THAT(response, IsOk());
    ASSERT_EQ(response->status, 200) << response->body;
  }

  // Returns the audit lines with this "event" (and "alertname", unless
  // empty), in order. Every complete line must be JSON.
  std::vector<json> AuditEvents(absl::string_view event,
                                absl::string_view alertname = {}) const {
    std::vector<json> events;
    for (const std::string& line :
         CompleteLines(ReadFileIfExists(audit_path_).value_or(""))) {
      json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_TRUE(parsed.is_object()) << "audit line is not JSON: " << line;
      if (!parsed.is_object()) continue;
      if (parsed.value("event", "") != event) continue;
      if (!alertname.empty() && parsed.value("alertname", "") != alertname) {
        continue;
      }
      events.push_back(std::move(parsed));
    }
    return events;
  }

  std::vector<json> Decisions(absl::string_view alertname = {}) const {
    return AuditEvents("decision", alertname);
  }
  std::vector<json> Outcomes() const { return AuditEvents("outcome"); }

  // Waits until the audit holds at least `count` events of this kind for
  // `alertname`. Fails fast if either process dies.
  absl::Status WaitForAuditEvents(absl::string_view event,
                                  absl::string_view alertname, size_t count) {
    return WaitUntilOk(
        [&]() -> absl::Status {
          const size_t seen = AuditEvents(event, alertname).size();
          if (seen >= count) return absl::OkStatus();
          return absl::NotFoundError(
              absl::StrCat(seen, " of ", count, " so far"));
        },
        kDeliveryTimeout,
        absl::StrCat(count, " audit \"", event, "\" events for ", alertname),
        {alertmanager_.get(), receiver_.get()});
  }

  // Returns GET `target` from the receiver (status 200 expected).
  std::string ReceiverGet(absl::string_view target) {
    absl::StatusOr<ClientResponse> response =
        HttpRequestOnce(receiver_port_, "GET", target);
    EXPECT_THAT(response, IsOk());
    if (!response.ok()) return "";
    EXPECT_EQ(response->status, 200) << response->body;
    return response->body;
  }

  // Returns the receiver's status JSON (GET /).
  json ReceiverStatus() {
    return json::parse(ReceiverGet("/"), nullptr, false);
  }

  // Returns Alertmanager's GET /metrics.
  std::string AlertmanagerMetrics() {
    absl::StatusOr<ClientResponse> response =
        HttpRequestOnce(alertmanager_port_, "GET", "/metrics");
    EXPECT_THAT(response, IsOk());
    return response.ok() ? response->body : "";
  }

  // (e) Checks that Alertmanager delivered every notification it tried:
  // no failure in its log and at least `min_notifications` successes; its
  // own counters agree; and the receiver answered 401 only once, to the
  // unauthenticated probe of StartReceiver(), so the bearer token
  // Alertmanager sent was accepted every time.
  void ExpectCleanDeliveries(int min_notifications) {
    // The receiver audits a decision before it answers, and Alertmanager
    // logs (and counts) the delivery after the answer: wait for it.
    EXPECT_THAT(
        WaitUntilOk(
            [&]() -> absl::Status {
              const int successes = CountLinesContaining(
                  alertmanager_->ReadStderr(), "msg=\"Notify success\"");
              if (successes >= min_notifications) return absl::OkStatus();
              return absl::NotFoundError(absl::StrCat(
                  successes, " of ", min_notifications, " so far"));
            },
            kDeliveryTimeout, "Alertmanager to log its successful deliveries",
            {alertmanager_.get(), receiver_.get()}),
        IsOk());
    EXPECT_THAT(DeliveryProblems(alertmanager_->ReadStderr()), IsEmpty());
    const std::string am_metrics = AlertmanagerMetrics();
    EXPECT_THAT(MetricValue(am_metrics,
                            "alertmanager_notifications_failed_total{"
                            "integration=\"webhook\"}"),
                Optional(0.0));
    EXPECT_THAT(
        MetricValue(
            am_metrics,
            "alertmanager_notifications_total{integration=\"webhook\"}"),
        Optional(::testing::Ge(min_notifications)));
    const std::string metrics = ReceiverGet("/metrics");
    EXPECT_THAT(
        MetricValue(metrics, "autoheal_http_requests_total{code=\"401\"}"),
        Optional(1.0));
  }

  // Stops Alertmanager, then the receiver, both with SIGTERM, and expects
  // both to exit 0 (the receiver after draining its actions).
  void ExpectCleanShutdown() {
    absl::StatusOr<ProcessExit> alertmanager = alertmanager_->Stop();
    ASSERT_THAT(alertmanager, IsOk());
    EXPECT_TRUE(alertmanager->Succeeded()) << alertmanager->ToString();
    // Nothing went wrong while Alertmanager shut down either.
    EXPECT_THAT(DeliveryProblems(alertmanager_->ReadStderr()), IsEmpty());
    absl::StatusOr<ProcessExit> receiver = receiver_->Stop();
    ASSERT_THAT(receiver, IsOk());
    EXPECT_TRUE(receiver->Succeeded()) << receiver->ToString();
    EXPECT_THAT(receiver_->ReadStderr(),
                HasSubstr("autoheal-webhook: stopped"));
  }

  // Returns the value of `field` in every event.
  static std::vector<std::string> Field(const std::vector<json>& events,
                                        const char* field) {
    std::vector<std::string> values;
    for (const json& event : events) values.push_back(event.value(field, ""));
    return values;
  }

  TempDir dir_;
  std::string token_path_;
  std::string audit_path_;
  std::string out_path_;
  std::string policy_path_;
  // Destroyed (killed, reaped) before dir_ is removed.
  std::unique_ptr<Subprocess> receiver_;
  std::unique_ptr<Subprocess> alertmanager_;
  uint16_t receiver_port_ = 0;
  uint16_t alertmanager_port_ = 0;
};

// (a) Live: an opted-in, allowlisted alert runs its action exactly once,
// however often Alertmanager delivers it; the repeats are cooling_down.
// The policy says enabled: false, AUTOHEAL_ENABLED=true overrides it.
TEST_F(AlertmanagerE2eTest, EnabledRunsTheActionOnceAcrossRepeatedDeliveries) {
  ASSERT_NO_FATAL_FAILURE(StartReceiver(Policy(/*enabled=*/false), "true"));
  EXPECT_EQ(ReceiverStatus().value("enabled", false), true);
  ASSERT_NO_FATAL_FAILURE(StartAlertmanager(Route{}));

  ASSERT_NO_FATAL_FAILURE(PostAlerts(json::array(
      {ApiAlert({{"alertname", kRestart}, {"instance", "db-01:5432"}},
                {{"autoheal", "true"}, {"summary", "e2e"}}, absl::Now())})));

  // The first notification and at least two repeats.
  ASSERT_THAT(WaitForAuditEvents("decision", kRestart, 3), IsOk());
  ASSERT_THAT(WaitForAuditEvents("outcome", kRestart, 1), IsOk());

  const std::vector<json> decisions = Decisions(kRestart);
  ASSERT_GE(decisions.size(), 3u);
  EXPECT_EQ(decisions[0].value("verdict", ""), "execute");
  EXPECT_EQ(decisions[0].value("reason", ""), "execute");
  EXPECT_EQ(decisions[0].value("action", ""), "e2e-restart");
  EXPECT_EQ(decisions[0].value("status", ""), "firing");
  for (size_t i = 1; i < decisions.size(); ++i) {
    SCOPED_TRACE(decisions[i].dump());
    EXPECT_EQ(decisions[i].value("verdict", ""), "skip");
    EXPECT_EQ(decisions[i].value("reason", ""), "cooling_down");
    EXPECT_EQ(decisions[i].value("key", ""), decisions[0].value("key", ""));
    EXPECT_EQ(decisions[i].value("fingerprint", ""),
              decisions[0].value("fingerprint", ""));
    EXPECT_GT(decisions[i].value("time_left_sec", 0.0), 0.0);
  }
  EXPECT_THAT(Decisions(), SizeIs(decisions.size()));

  const std::vector<json> outcomes = Outcomes();
  ASSERT_THAT(outcomes, SizeIs(1));
  EXPECT_EQ(outcomes[0].value("outcome", ""), "success");
  EXPECT_EQ(outcomes[0].value("exit_code", -1), 0);
  EXPECT_EQ(outcomes[0].value("key", ""), decisions[0].value("key", ""));
  EXPECT_THAT(ReadFileIfExists(out_path_), Optional(std::string("ran\n")));

  ExpectCleanDeliveries(3);
  ASSERT_NO_FATAL_FAILURE(ExpectCleanShutdown());
  EXPECT_THAT(ReadFileIfExists(out_path_), Optional(std::string("ran\n")));
}

// (b) Default dry-run (policy enabled: false, no AUTOHEAL_ENABLED): the same
// alert is decided dry_run and nothing runs, on any delivery.
TEST_F(AlertmanagerE2eTest, DryRunByDefaultRunsNothing) {
  ASSERT_NO_FATAL_FAILURE(
      StartReceiver(Policy(/*enabled=*/false), std::nullopt));
  EXPECT_EQ(ReceiverStatus().value("enabled", true), false);
  ASSERT_NO_FATAL_FAILURE(StartAlertmanager(Route{}));

  ASSERT_NO_FATAL_FAILURE(PostAlerts(json::array(
      {ApiAlert({{"alertname", kRestart}, {"instance", "db-01:5432"}},
                {{"autoheal", "true"}}, absl::Now())})));
  ASSERT_THAT(WaitForAuditEvents("decision", kRestart, 2), IsOk());

  const std::vector<json> decisions = Decisions(kRestart);
  EXPECT_EQ(decisions[0].value("verdict", ""), "dry_run");
  EXPECT_EQ(decisions[0].value("reason", ""), "dry_run");
  EXPECT_EQ(decisions[0].value("action", ""), "e2e-restart");
  // Dry-run takes its cooldown as a live run would: the repeats are
  // (dry-run) cooling_down. None executes.
  for (size_t i = 1; i < decisions.size(); ++i) {
    SCOPED_TRACE(decisions[i].dump());
    EXPECT_EQ(decisions[i].value("reason", ""), "cooling_down");
  }
  EXPECT_THAT(Field(decisions, "verdict"),
              Each(::testing::Ne(std::string("execute"))));
  EXPECT_THAT(Outcomes(), IsEmpty());
  EXPECT_EQ(ReadFileIfExists(out_path_), std::nullopt);

  ExpectCleanDeliveries(2);
  ASSERT_NO_FATAL_FAILURE(ExpectCleanShutdown());
  EXPECT_EQ(ReadFileIfExists(out_path_), std::nullopt);
}

// (c) One notification carrying a mixed group: each alert is decided on its
// own annotations and alertname, and only the opted-in, allowlisted one
// runs.
TEST_F(AlertmanagerE2eTest, MixedGroupIsDecidedPerAlert) {
  ASSERT_NO_FATAL_FAILURE(
      StartReceiver(Policy(/*enabled=*/true), std::nullopt));
  Route route;
  route.group_by = {"case"};
  ASSERT_NO_FATAL_FAILURE(StartAlertmanager(route));

  const absl::Time now = absl::Now();
  ASSERT_NO_FATAL_FAILURE(PostAlerts(json::array({
      ApiAlert({{"alertname", kRestart}, {"case", "mixed"}, {"instance", "a"}},
               {{"autoheal", "true"}}, now),
      // Almost right: the value must be exactly "true".
      ApiAlert(
          {{"alertname", kAlmostOptedIn}, {"case", "mixed"}, {"instance", "b"}},
          {{"autoheal", "TRUE"}}, now),
      ApiAlert({{"alertname", kNotAllowlisted},
                {"case", "mixed"},
                {"instance", "c"}},
               {{"autoheal", "true"}}, now),
      ApiAlert(
          {{"alertname", kNoAnnotation}, {"case", "mixed"}, {"instance", "d"}},
          {{"summary", "no opt-in"}}, now),
  })));

  // The first notification and one repeat, for every alert of the group.
  for (const char* alertname :
       {kRestart, kAlmostOptedIn, kNotAllowlisted, kNoAnnotation}) {
    ASSERT_THAT(WaitForAuditEvents("decision", alertname, 2), IsOk());
  }
  ASSERT_THAT(WaitForAuditEvents("outcome", kRestart, 1), IsOk());

  // The first notification held all four alerts: its four decisions come
  // first, one per alert.
  const std::vector<json> all = Decisions();
  ASSERT_GE(all.size(), 8u);
  std::map<std::string, std::string> first_reasons;
  for (size_t i = 0; i < 4; ++i) {
    first_reasons[all[i].value("alertname", "")] = all[i].value("reason", "");
  }
  EXPECT_EQ(first_reasons, (std::map<std::string, std::string>{
                               {kRestart, "execute"},
                               {kAlmostOptedIn, "not_opted_in"},
                               {kNotAllowlisted, "not_allowlisted"},
                               {kNoAnnotation, "not_opted_in"}}));
  // Every later delivery gives the same reasons, except that the one that
  // ran is now cooling down.
  EXPECT_THAT(Field(Decisions(kAlmostOptedIn), "reason"),
              Each(std::string("not_opted_in")));
  EXPECT_THAT(Field(Decisions(kNotAllowlisted), "reason"),
              Each(std::string("not_allowlisted")));
  EXPECT_THAT(Field(Decisions(kNoAnnotation), "reason"),
              Each(std::string("not_opted_in")));
  const std::vector<std::string> restart = Field(Decisions(kRestart), "reason");
  EXPECT_EQ(restart[0], "execute");
  EXPECT_THAT(std::vector<std::string>(restart.begin() + 1, restart.end()),
              Each(std::string("cooling_down")));
  // The sentence tells the almost-right rule author what is wrong.
  EXPECT_THAT(Decisions(kAlmostOptedIn)[0].value("sentence", ""),
              HasSubstr("\"TRUE\""));

  EXPECT_THAT(Field(all, "verdict"), Contains(std::string("execute")).Times(1));
  ASSERT_THAT(Outcomes(), SizeIs(1));
  EXPECT_EQ(Outcomes()[0].value("outcome", ""), "success");
  EXPECT_THAT(ReadFileIfExists(out_path_), Optional(std::string("ran\n")));

  ExpectCleanDeliveries(2);
  ASSERT_NO_FATAL_FAILURE(ExpectCleanShutdown());
  EXPECT_THAT(ReadFileIfExists(out_path_), Optional(std::string("ran\n")));
}

// (d) A resolved alert runs nothing, even opted in, allowlisted, live and
// with no cooldown in the way. Alertmanager never sends a group whose only
// alert was already resolved when it arrived (nothing was notified about it:
// checked with 0.25), but a group with a firing alert carries its resolved
// alerts along: here the very first notification the receiver sees holds
// the resolved, opted-in alert, next to a firing one that does not opt in.
TEST_F(AlertmanagerE2eTest, ResolvedAlertInTheFirstNotificationRunsNothing) {
  ASSERT_NO_FATAL_FAILURE(
      StartReceiver(Policy(/*enabled=*/true), std::nullopt));
  Route route;
  route.group_by = {"case"};
  ASSERT_NO_FATAL_FAILURE(StartAlertmanager(route));

  // The firing alert comes first: Alertmanager inserts them in this order,
  // and an alert that started more than group_wait ago flushes its group at
  // once. Were the resolved one first, that flush could hold it alone, send
  // nothing, and drop it before the firing one arrives.
  const absl::Time now = absl::Now();
  ASSERT_NO_FATAL_FAILURE(PostAlerts(json::array({
      ApiAlert({{"alertname", kNotAllowlisted},
                {"case", "resolved"},
                {"instance", "b"}},
               {}, now),
      ApiAlert(
          {{"alertname", kRestart}, {"case", "resolved"}, {"instance", "a"}},
          {{"autoheal", "true"}}, now - absl::Seconds(60),
          now - absl::Seconds(30)),
  })));

  // The first notification, then a repeat (without the resolved alert,
  // which Alertmanager drops once notified).
  ASSERT_THAT(WaitForAuditEvents("decision", kNotAllowlisted, 2), IsOk());
  const std::vector<json> all = Decisions();
  ASSERT_GE(all.size(), 3u);
  std::map<std::string, std::string> first_statuses;
  for (size_t i = 0; i < 2; ++i) {
    first_statuses[all[i].value("alertname", "")] = all[i].value("status", "");
  }
  EXPECT_EQ(first_statuses,
            (std::map<std::string, std::string>{{kRestart, "resolved"},
                                                {kNotAllowlisted, "firing"}}));
  const std::vector<json> resolved = Decisions(kRestart);
  ASSERT_THAT(resolved, SizeIs(1));
  EXPECT_EQ(resolved[0].value("status", ""), "resolved");
  EXPECT_EQ(resolved[0].value("verdict", ""), "skip");
  EXPECT_EQ(resolved[0].value("reason", ""), "resolved");
  EXPECT_THAT(Field(Decisions(kNotAllowlisted), "reason"),
              Each(std::string("not_opted_in")));

  EXPECT_THAT(Field(Decisions(), "verdict"),
              Each(::testing::Ne(std::string("execute"))));
  EXPECT_THAT(Outcomes(), IsEmpty());
  ExpectCleanDeliveries(2);
  ASSERT_NO_FATAL_FAILURE(ExpectCleanShutdown());
  EXPECT_EQ(ReadFileIfExists(out_path_), std::nullopt);
}

// (d) The usual life of an alert: it fires (the receiver is in dry-run, so
// nothing runs and no live cooldown is taken), the receiver is switched live
// (SIGHUP reloads the policy), then the alert resolves. The resolved
// notification is the only one the live receiver sees, and it runs nothing.
TEST_F(AlertmanagerE2eTest, FiredThenResolvedRunsNothingWhenLive) {
  ASSERT_NO_FATAL_FAILURE(
      StartReceiver(Policy(/*enabled=*/false), std::nullopt));
  Route route;
  // No repeat of the firing group may reach the receiver once it is live.
  route.repeat_interval = "1h";
  ASSERT_NO_FATAL_FAILURE(StartAlertmanager(route));

  const absl::Time starts = absl::Now();
  const std::map<std::string, std::string> labels = {
      {"alertname", kRestart}, {"instance", "db-01:5432"}};
  const std::map<std::string, std::string> annotations = {{"autoheal", "true"}};
  ASSERT_NO_FATAL_FAILURE(
      PostAlerts(json::array({ApiAlert(labels, annotations, starts)})));
  ASSERT_THAT(WaitForAuditEvents("decision", kRestart, 1), IsOk());
  EXPECT_EQ(Decisions(kRestart)[0].value("reason", ""), "dry_run");

  // Go live. Dry-run cooldowns live in their own namespace: had the
  // receiver treated the resolved alert as firing, it would execute.
  ASSERT_THAT(WriteFileAtomically(policy_path_, Policy(/*enabled=*/true)),
              IsOk());
  ASSERT_THAT(receiver_->Signal(SIGHUP), IsOk());
  ASSERT_THAT(receiver_->WaitForStderrLine("policy reloaded", kStartTimeout),
              IsOk());
  ASSERT_EQ(ReceiverStatus().value("enabled", false), true);

  ASSERT_NO_FATAL_FAILURE(PostAlerts(
      json::array({ApiAlert(labels, annotations, starts, absl::Now())})));
  ASSERT_THAT(WaitForAuditEvents("decision", kRestart, 2), IsOk());

  const std::vector<json> decisions = Decisions(kRestart);
  ASSERT_THAT(decisions, SizeIs(2));
  EXPECT_EQ(decisions[1].value("status", ""), "resolved");
  EXPECT_EQ(decisions[1].value("verdict", ""), "skip");
  EXPECT_EQ(decisions[1].value("reason", ""), "resolved");
  EXPECT_EQ(decisions[1].value("fingerprint", ""),
            decisions[0].value("fingerprint", ""));
  EXPECT_THAT(Outcomes(), IsEmpty());

  ExpectCleanDeliveries(2);
  ASSERT_NO_FATAL_FAILURE(ExpectCleanShutdown());
  EXPECT_THAT(Decisions(kRestart), SizeIs(2));
  EXPECT_EQ(ReadFileIfExists(out_path_), std::nullopt);
}

// (e) The delivery check can fail: with a wrong bearer token the receiver
// answers 401, Alertmanager logs the failure, and DeliveryProblems() and the
// failure counter see it. Nothing is decided.
TEST_F(AlertmanagerE2eTest, WrongBearerTokenIsRefusedAndTheFailureIsDetected) {
  ASSERT_NO_FATAL_FAILURE(
      StartReceiver(Policy(/*enabled=*/true), std::nullopt));
  Route route;
  route.credentials = "not-the-token";
  ASSERT_NO_FATAL_FAILURE(StartAlertmanager(route));

  ASSERT_NO_FATAL_FAILURE(PostAlerts(json::array(
      {ApiAlert({{"alertname", kRestart}, {"instance", "db-01:5432"}},
                {{"autoheal", "true"}}, absl::Now())})));

  absl::StatusOr<std::string> failure = alertmanager_->WaitForStderrLine(
      "msg=\"Notify for alerts failed\"", kDeliveryTimeout);
  ASSERT_THAT(failure, IsOk());
  EXPECT_THAT(*failure, HasSubstr("level=error"));
  EXPECT_THAT(*failure, HasSubstr("unexpected status code 401"));
  EXPECT_THAT(DeliveryProblems(alertmanager_->ReadStderr()),
              Contains(*failure));
  EXPECT_THAT(CountLinesContaining(alertmanager_->ReadStderr(),
                                   "msg=\"Notify success\""),
              0);

  // Alertmanager counts the failure, and the receiver the 401s beyond the
  // probe's.
  ASSERT_THAT(WaitUntilOk(
                  [&]() -> absl::Status {
                    std::optional<double> failed =
                        MetricValue(AlertmanagerMetrics(),
                                    "alertmanager_notifications_failed_total{"
                                    "integration=\"webhook\"}");
                    if (failed.value_or(0) >= 1) return absl::OkStatus();
                    return absl::NotFoundError(
                        absl::StrCat("failed = ", failed.value_or(-1)));
                  },
                  kDeliveryTimeout, "Alertmanager to count the failure",
                  {alertmanager_.get(), receiver_.get()}),
              IsOk());
  EXPECT_THAT(MetricValue(ReceiverGet("/metrics"),
                          "autoheal_http_requests_total{code=\"401\"}"),
              Optional(::testing::Ge(2.0)));
  EXPECT_THAT(Decisions(), IsEmpty());
  EXPECT_THAT(Outcomes(), IsEmpty());

  EXPECT_THAT(alertmanager_->Stop(), IsOk());
  EXPECT_THAT(receiver_->Stop(), IsOk());
  EXPECT_EQ(ReadFileIfExists(out_path_), std::nullopt);
}

}  // namespace
}  // namespace autoheal
