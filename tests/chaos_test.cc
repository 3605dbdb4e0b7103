// The chaos run: the original stack's "TCP outage simulation", automated
// against the real programs, all on 127.0.0.1.
//
//   chaos_tcp_service <-probe- blackbox exporter <-scrape- Prometheus
//        ^                                                |
//        | restart_tcp_service.sh    TcpEndpointDownFast  v
//   autoheal-webhook (live) <-webhook, bearer token- Alertmanager
//
// The test kills the TCP service (SIGKILL). Its TcpEndpointDownFast alert
// must fire through Prometheus and Alertmanager, and the receiver must run
// the restart script, which starts the service again. The test then asserts
// that the service is back (a new pid that accepts connections), that the
// alert resolves (Prometheus no longer lists it, the receiver audits the
// resolved notification), that exactly one action ran even after further
// Alertmanager flushes, and that the audit log shows the decision chain
// execute -> outcome success -> resolved.
//
// Prometheus, Alertmanager and the policy get the example stack's own
// configuration (examples/monitoring/), rewritten only for addresses, paths
// and timings; see tests/chaos/example_configs.h. Timings: scrape and
// evaluation every 2 s, `for: 10s`, group_wait 1s, group_interval 2s,
// repeat_interval 1h. A passing run takes about 30 s.
//
// Needs /usr/bin/prometheus, /usr/bin/prometheus-blackbox-exporter and
// /usr/bin/prometheus-alertmanager (scripts/setup.sh installs them; the
// variables AUTOHEAL_PROMETHEUS_BIN, AUTOHEAL_BLACKBOX_EXPORTER_BIN and
// AUTOHEAL_ALERTMANAGER_BIN override the paths). Without them it FAILS.
//
// Every process is stopped at the end, even on failure: Subprocess kills its
// process group, and DetachedService kills the restarted service, which the
// restart script detached (setsid) so that it outlives the script.

#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
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
#include "chaos/example_configs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_client.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_util.h"

#ifndef AUTOHEAL_WEBHOOK_BIN
#error "AUTOHEAL_WEBHOOK_BIN must name the autoheal-webhook binary"
#endif
#ifndef AUTOHEAL_CHAOS_TCP_SERVICE_BIN
#error "AUTOHEAL_CHAOS_TCP_SERVICE_BIN must name the chaos_tcp_service binary"
#endif
#ifndef AUTOHEAL_CHAOS_RESTART_SCRIPT
#error "AUTOHEAL_CHAOS_RESTART_SCRIPT must name restart_tcp_service.sh"
#endif
#ifndef AUTOHEAL_MONITORING_EXAMPLES
#error "AUTOHEAL_MONITORING_EXAMPLES must name examples/monitoring"
#endif

namespace autoheal {
namespace {

using ::autoheal::testutil::ClientResponse;
using ::autoheal::testutil::CompleteLines;
using ::autoheal::testutil::HttpClient;
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
using ::testing::HasSubstr;
using ::testing::SizeIs;
using json = nlohmann::json;

// Generous deadlines for a loaded 2-core CI machine; a passing run needs a
// fraction of each. Each wait is also cut to what is left of kRunBudget.
constexpr absl::Duration kStartTimeout = absl::Seconds(20);
// From the kill: a failed scrape (<= 2 s), an evaluation (<= 2 s), `for:
// 10s`, the next evaluation, group_wait 1s, delivery.
constexpr absl::Duration kFireTimeout = absl::Seconds(60);
constexpr absl::Duration kStepTimeout = absl::Seconds(30);
// The whole run's budget: every wait ends by then, so that a failure still
// prints its diagnostics before ctest's TIMEOUT (180 s) kills the test.
constexpr absl::Duration kRunBudget = absl::Seconds(160);
// Alertmanager's group_interval in the derived configuration.
constexpr absl::Duration kGroupInterval = absl::Seconds(2);

constexpr char kAlertname[] = "TcpEndpointDownFast";
constexpr char kToken[] = "chaos-bearer-5b1e0c93";

std::string Binary(const char* variable, const char* fallback) {
  const char* custom = std::getenv(variable);
  return custom != nullptr && custom[0] != '\0' ? std::string(custom)
                                                : std::string(fallback);
}

std::string ExampleFile(absl::string_view name) {
  return absl::StrCat(AUTOHEAL_MONITORING_EXAMPLES, "/", name);
}

// Returns whether `pid` is a live (not zombie) process whose command line
// contains `marker`. The marker guards against a recycled pid.
bool IsLiveProcessWith(pid_t pid, absl::string_view marker) {
  if (pid <= 0) return false;
  const std::string proc = absl::StrCat("/proc/", pid);
  std::optional<std::string> stat = ReadFileIfExists(proc + "/stat");
  std::optional<std::string> cmdline = ReadFileIfExists(proc + "/cmdline");
  if (!stat.has_value() || !cmdline.has_value()) return false;
  // "pid (comm) S ...": the state follows the last ')'.
  const size_t paren = stat->rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat->size() ||
      (*stat)[paren + 2] == 'Z') {
    return false;
  }
  return absl::StrContains(*cmdline, marker);
}

// Returns the pid a pid file holds, or 0.
pid_t ReadPidFile(const std::string& path) {
  int pid = 0;
  std::optional<std::string> text = ReadFileIfExists(path);
  if (!text.has_value() ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid)) {
    return 0;
  }
  return pid;
}

// The chaos service the restart script started: detached (setsid), so it is
// neither the test's child nor in a process group the test owns. Kills it,
// and its session's process group, at scope exit. Finds it by its pid file
// and kills only a process whose command line names that pid file.
class DetachedService {
 public:
  explicit DetachedService(std::string pid_file)
      : pid_file_(std::move(pid_file)) {}
  DetachedService(const DetachedService&) = delete;
  DetachedService& operator=(const DetachedService&) = delete;
  ~DetachedService() { Kill(); }

  // Returns the pid if the pid file names a live process of ours, or 0.
  pid_t LivePid() const {
    const pid_t pid = ReadPidFile(pid_file_);
    return IsLiveProcessWith(pid, Marker()) ? pid : 0;
  }

  // SIGKILLs it and waits (up to 10 s) until it is gone. Returns whether it
  // is gone (true when there was none).
  bool Kill() {
    const pid_t pid = LivePid();
    if (pid == 0) return true;
    ::kill(-pid, SIGKILL);  // it leads its own session and group
    ::kill(pid, SIGKILL);
    return WaitUntilOk(
               [&]() {
                 return IsLiveProcessWith(pid, Marker())
                            ? absl::UnavailableError("still running")
                            : absl::OkStatus();
               },
               absl::Seconds(10), "the detached chaos service to die")
        .ok();
  }

 private:
  std::string Marker() const { return absl::StrCat("--pid-file=", pid_file_); }

  std::string pid_file_;
};

class ChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prometheus_bin_ = Binary("AUTOHEAL_PROMETHEUS_BIN", "/usr/bin/prometheus");
    blackbox_bin_ = Binary("AUTOHEAL_BLACKBOX_EXPORTER_BIN",
                           "/usr/bin/prometheus-blackbox-exporter");
    alertmanager_bin_ =
        Binary("AUTOHEAL_ALERTMANAGER_BIN", "/usr/bin/prometheus-alertmanager");
    // A missing program must fail the run, not skip it.
    for (const std::string& program :
         {prometheus_bin_, blackbox_bin_, alertmanager_bin_}) {
      ASSERT_EQ(::access(program.c_str(), X_OK), 0)
          << program
          << " is not installed: run scripts/setup.sh (Debian packages "
             "prometheus, prometheus-blackbox-exporter, "
             "prometheus-alertmanager)";
    }
    token_path_ = dir_.Path("token");
    ASSERT_THAT(WriteFileAtomically(token_path_, kToken, 0600), IsOk());
  }

  void TearDown() override {
    if (HasFailure()) PrintDiagnostics();
  }

  // Everything needed to understand a failure, in the test's output.
  void PrintDiagnostics() {
    std::cerr << "=== chaos run diagnostics (set AUTOHEAL_KEEP_TEST_DIRS=1 to "
                 "keep "
              << dir_.path() << ")\n";
    for (const auto& [name, process] :
         std::vector<std::pair<const char*, const Subprocess*>>{
             {"first chaos_tcp_service", service_.get()},
             {"blackbox exporter", blackbox_.get()},
             {"autoheal-webhook", receiver_.get()},
             {"Alertmanager", alertmanager_.get()},
             {"Prometheus", prometheus_.get()}}) {
      if (process != nullptr) {
        std::cerr << "=== " << name << ": " << process->Describe(8192) << "\n";
      }
    }
    if (prometheus_ != nullptr && prometheus_->Running() &&
        ports_.prometheus != 0) {
      absl::StatusOr<ClientResponse> alerts =
          HttpRequestOnce(ports_.prometheus, "GET", "/api/v1/alerts");
      std::cerr << "=== Prometheus /api/v1/alerts: "
                << (alerts.ok() ? alerts->body : alerts.status().ToString())
                << "\n";
    }
    for (const char* file : {"audit.jsonl", "restarts.txt",
                             "restarted-service.log", "service.pid"}) {
      std::cerr << "=== " << file << ":\n"
                << Tail(ReadFileIfExists(dir_.Path(file)).value_or("(absent)"),
                        16384)
                << "\n";
    }
  }

  // Starts `argv` with its output in `log`, without proxies (everything is
  // loopback) and without AUTOHEAL_* settings from the environment.
  std::unique_ptr<Subprocess> Start(std::vector<std::string> argv,
                                    const std::string& log) {
    SubprocessOptions options;
    options.argv = std::move(argv);
    for (const char* variable :
         {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
          "ALL_PROXY", "no_proxy", "NO_PROXY", "AUTOHEAL_ENABLED",
          "AUTOHEAL_BEARER_TOKEN", "AUTOHEAL_LISTEN",
          "AUTOHEAL_COOLDOWN_SEC"}) {
      options.env.emplace_back(variable, std::nullopt);
    }
    options.stdout_path = dir_.Path(log);
    options.stderr_path = options.stdout_path;
    absl::StatusOr<std::unique_ptr<Subprocess>> started =
        Subprocess::Start(std::move(options));
    EXPECT_THAT(started, IsOk());
    return started.ok() ? *std::move(started) : nullptr;
  }

  // Waits for `process` to log the line holding `needle` and returns the
  // port that follows `prefix` in it, or 0 (a failed assertion).
  uint16_t WaitForPort(const Subprocess& process, absl::string_view needle,
                       absl::string_view prefix) {
    absl::StatusOr<std::string> line =
        process.WaitForStderrLine(needle, Within(kStartTimeout));
    EXPECT_THAT(line, IsOk());
    if (!line.ok()) return 0;
    const uint16_t port = testutil::PortAfter(*line, prefix);
    EXPECT_NE(port, 0) << *line;
    return port;
  }

  // Prometheus' exporter toolkit (Prometheus, Alertmanager, the blackbox
  // exporter) logs the address it really listens on, port 0 resolved:
  //   level=info msg="Listening on" address=127.0.0.1:40287
  uint16_t WaitForToolkitPort(const Subprocess& process) {
    return WaitForPort(process, "msg=\"Listening on\"", "address=127.0.0.1:");
  }

  std::string Instance() const {
    return absl::StrCat("127.0.0.1:", ports_.tcp_service);
  }

  // Every process listens on port 0 and reports the port it got, so no
  // other test can take it in between. (The restarted service must rebind
  // the same port; that window is unavoidable and would fail loudly.)
  void StartTcpService() {
    service_ = Start(
        {AUTOHEAL_CHAOS_TCP_SERVICE_BIN, "--port=0", "--pid-file=" + pid_file_},
        "service.log");
    ASSERT_NE(service_, nullptr);
    ports_.tcp_service =
        WaitForPort(*service_, "listening on", "listening on 127.0.0.1:");
    ASSERT_NE(ports_.tcp_service, 0);
    ASSERT_EQ(ReadPidFile(pid_file_), service_->pid());
    ASSERT_THAT(HttpClient::Connect(ports_.tcp_service, absl::Seconds(5)),
                IsOk());
  }

  void StartBlackboxExporter() {
    blackbox_ =
        Start({blackbox_bin_, "--config.file=" + ExampleFile("blackbox.yml"),
               "--web.listen-address=127.0.0.1:0"},
              "blackbox.log");
    ASSERT_NE(blackbox_, nullptr);
    ports_.blackbox = WaitForToolkitPort(*blackbox_);
    ASSERT_NE(ports_.blackbox, 0);
    ASSERT_THAT(WaitForHttp(ports_.blackbox, "/metrics", Within(kStartTimeout),
                            {blackbox_.get()}),
                IsOk());
  }

  void StartReceiver() {
    const std::vector<std::string> script_args = {
        AUTOHEAL_CHAOS_TCP_SERVICE_BIN, pid_file_, dir_.Path("restarts.txt"),
        dir_.Path("restarted-service.log")};
    absl::StatusOr<std::string> policy = chaos::ChaosPolicy(
        ExampleFile("autoheal.yml"), AUTOHEAL_CHAOS_RESTART_SCRIPT,
        {"--service-bin=" + script_args[0], "--pid-file=" + script_args[1],
         "--count-file=" + script_args[2], "--log-file=" + script_args[3]});
    ASSERT_THAT(policy, IsOk());
    const std::string policy_path = dir_.Path("policy.json");
    ASSERT_THAT(WriteFileAtomically(policy_path, *policy), IsOk());

    receiver_ = Start({AUTOHEAL_WEBHOOK_BIN, "--listen=127.0.0.1:0",
                       "--policy=" + policy_path, "--audit-log=" + audit_path_,
                       "--bearer-token-file=" + token_path_,
                       "--state-path=" + dir_.Path("state.db")},
                      "receiver.log");
    ASSERT_NE(receiver_, nullptr);
    constexpr absl::string_view kListening = "listening on http://127.0.0.1:";
    ports_.receiver = WaitForPort(*receiver_, kListening, kListening);
    ASSERT_NE(ports_.receiver, 0);

    absl::StatusOr<ClientResponse> status =
        HttpRequestOnce(ports_.receiver, "GET", "/");
    ASSERT_THAT(status, IsOk());
    const json parsed = json::parse(status->body, nullptr, false);
    ASSERT_EQ(parsed.value("enabled", false), true) << status->body;
  }

  void StartAlertmanager() {
    absl::StatusOr<std::string> config = chaos::ChaosAlertmanagerConfig(
        ExampleFile("alertmanager.yml"), token_path_, ports_);
    ASSERT_THAT(config, IsOk());
    const std::string config_path = dir_.Path("alertmanager.json");
    ASSERT_THAT(WriteFileAtomically(config_path, *config), IsOk());
    const std::string storage = dir_.Path("alertmanager-data");
    ASSERT_EQ(::mkdir(storage.c_str(), 0700), 0) << storage;

    alertmanager_ =
        Start({alertmanager_bin_, "--config.file=" + config_path,
               "--storage.path=" + storage, "--web.listen-address=127.0.0.1:0",
               "--cluster.listen-address=", "--log.level=debug"},
              "alertmanager.log");
    ASSERT_NE(alertmanager_, nullptr);
    ports_.alertmanager = WaitForToolkitPort(*alertmanager_);
    ASSERT_NE(ports_.alertmanager, 0);
    ASSERT_THAT(WaitForHttp(ports_.alertmanager, "/-/ready",
                            Within(kStartTimeout), {alertmanager_.get()}),
                IsOk());
  }

  void StartPrometheus() {
    absl::StatusOr<std::string> rules =
        chaos::ChaosAlertRules(ExampleFile("prometheus-alerts.yml"));
    ASSERT_THAT(rules, IsOk());
    ASSERT_THAT(WriteFileAtomically(dir_.Path("alerts.json"), *rules), IsOk());
    absl::StatusOr<std::string> config = chaos::ChaosPrometheusConfig(
        ExampleFile("prometheus.yml"), "alerts.json", ports_);
    ASSERT_THAT(config, IsOk());
    const std::string config_path = dir_.Path("prometheus.json");
    ASSERT_THAT(WriteFileAtomically(config_path, *config), IsOk());
    const std::string storage = dir_.Path("prometheus-data");
    ASSERT_EQ(::mkdir(storage.c_str(), 0700), 0) << storage;

    prometheus_ = Start(
        {prometheus_bin_, "--config.file=" + config_path,
         "--storage.tsdb.path=" + storage, "--web.listen-address=127.0.0.1:0"},
        "prometheus.log");
    ASSERT_NE(prometheus_, nullptr);
    ports_.prometheus = WaitForToolkitPort(*prometheus_);
    ASSERT_NE(ports_.prometheus, 0);
    ASSERT_THAT(WaitForHttp(ports_.prometheus, "/-/ready",
                            Within(kStartTimeout), {prometheus_.get()}),
                IsOk());
  }

  std::vector<const Subprocess*> Chain() const {
    return {blackbox_.get(), receiver_.get(), alertmanager_.get(),
            prometheus_.get()};
  }

  // Returns the `data` of a Prometheus API GET, or an error naming it.
  absl::StatusOr<json> PrometheusApi(absl::string_view target) {
    absl::StatusOr<ClientResponse> response =
        HttpRequestOnce(ports_.prometheus, "GET", target);
    if (!response.ok()) return response.status();
    json parsed = json::parse(response->body, nullptr, false);
    if (response->status != 200 || !parsed.is_object() ||
        parsed.value("status", "") != "success" || !parsed.contains("data")) {
      return absl::UnavailableError(absl::StrCat(
          "GET ", target, ": ", response->status, " ", Tail(response->body)));
    }
    return parsed["data"];
  }

  // Returns the probe_success sample of the chaos service ("1" or "0"), or
  // an error saying what Prometheus has.
  absl::StatusOr<std::string> ProbeSuccess() {
    absl::StatusOr<json> data =
        PrometheusApi("/api/v1/query?query=probe_success");
    if (!data.ok()) return data.status();
    for (const json& sample : data->value("result", json::array())) {
      const json metric = sample.value("metric", json::object());
      if (metric.value("job", "") == "blackbox-tcp" &&
          metric.value("instance", "") == Instance() &&
          sample.contains("value") && sample["value"].size() == 2) {
        return sample["value"][1].get<std::string>();
      }
    }
    return absl::NotFoundError(absl::StrCat("no probe_success for ", Instance(),
                                            " yet: ", Tail(data->dump(), 512)));
  }

  // Returns Prometheus's active (pending or firing) TcpEndpointDownFast
  // alerts.
  absl::StatusOr<std::vector<json>> ActiveAlerts() {
    absl::StatusOr<json> data = PrometheusApi("/api/v1/alerts");
    if (!data.ok()) return data.status();
    std::vector<json> alerts;
    for (const json& alert : data->value("alerts", json::array())) {
      if (alert.value("labels", json::object()).value("alertname", "") ==
          kAlertname) {
        alerts.push_back(alert);
      }
    }
    return alerts;
  }

  // Returns the audit log's events for TcpEndpointDownFast, in order. Every
  // complete line must be JSON.
  std::vector<json> AuditEvents() const {
    std::vector<json> events;
    for (const std::string& line :
         CompleteLines(ReadFileIfExists(audit_path_).value_or(""))) {
      json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_TRUE(parsed.is_object()) << "audit line is not JSON: " << line;
      if (parsed.is_object() && parsed.value("alertname", "") == kAlertname) {
        events.push_back(std::move(parsed));
      }
    }
    return events;
  }

  // Waits until the audit holds an event matching all of `fields`; returns
  // its index in AuditEvents().
  absl::StatusOr<size_t> WaitForAuditEvent(
      const std::vector<std::pair<std::string, std::string>>& fields,
      absl::Duration timeout) {
    size_t index = 0;
    std::vector<std::string> wanted;
    for (const auto& [key, value] : fields) {
      wanted.push_back(absl::StrCat(key, "=", value));
    }
    const std::string what =
        absl::StrCat("an audit event with ", absl::StrJoin(wanted, ", "));
    absl::Status status = WaitUntilOk(
        [&]() -> absl::Status {
          const std::vector<json> events = AuditEvents();
          for (index = 0; index < events.size(); ++index) {
            bool all = true;
            for (const auto& [key, value] : fields) {
              all = all && events[index].value(key, "") == value;
            }
            if (all) return absl::OkStatus();
          }
          absl::StatusOr<std::vector<json>> alerts = ActiveAlerts();
          return absl::NotFoundError(absl::StrCat(
              events.size(),
              " TcpEndpointDownFast audit events so far; "
              "Prometheus alerts: ",
              alerts.ok() ? json(*alerts).dump() : alerts.status().ToString()));
        },
        timeout, what, Chain(), absl::Milliseconds(200));
    if (!status.ok()) return status;
    return index;
  }

  // Waits until Prometheus sees the service up through the blackbox
  // exporter, and checks that nothing fires.
  void WaitForSteadyState() {
    ASSERT_THAT(
        WaitUntilOk(
            [&]() -> absl::Status {
              absl::StatusOr<std::string> up = ProbeSuccess();
              if (!up.ok()) return up.status();
              return *up == "1"
                         ? absl::OkStatus()
                         : absl::UnavailableError("probe_success is " + *up);
            },
            Within(kStepTimeout), "probe_success 1 for the chaos service",
            Chain(), absl::Milliseconds(200)),
        IsOk());
    absl::StatusOr<std::vector<json>> alerts = ActiveAlerts();
    ASSERT_THAT(alerts, IsOk());
    EXPECT_THAT(*alerts, SizeIs(0));
  }

  // Checks that the restart script ran once, for the alert's instance (which
  // reached it through the example policy's argv template).
  void ExpectExactlyOneRestart() {
    std::optional<std::string> restarts = ReadFileIfExists(restarts_path_);
    ASSERT_TRUE(restarts.has_value()) << restarts_path_;
    const std::vector<std::string> lines = CompleteLines(*restarts);
    ASSERT_THAT(lines, SizeIs(1)) << *restarts;
    EXPECT_THAT(lines[0],
                HasSubstr(absl::StrCat("instance=", Instance(), " ")));
    EXPECT_THAT(lines[0], HasSubstr("alertname=TcpEndpointDownFast"));
    EXPECT_THAT(lines[0], HasSubstr("status=firing"));
  }

  // Where the decision chain's events are in AuditEvents().
  struct ChainIndices {
    size_t execute;
    size_t outcome;
    size_t resolved;
  };

  // Checks the audit's decision chain: execute -> outcome success ->
  // resolved, for one alert and one cooldown key, and no other execute or
  // outcome (any other decision must be a cooling_down skip).
  void ExpectDecisionChain(ChainIndices at, pid_t old_pid, pid_t new_pid) {
    const std::vector<json> events = AuditEvents();
    ASSERT_LT(at.execute, at.outcome);
    ASSERT_LT(at.outcome, at.resolved);
    ASSERT_LT(at.resolved, events.size());
    const json& decided = events[at.execute];
    const json& finished = events[at.outcome];
    const json& ended = events[at.resolved];
    EXPECT_EQ(decided.value("reason", ""), "execute");
    EXPECT_EQ(decided.value("action", ""), "restart-tcp-endpoint");
    EXPECT_THAT(decided.value("key", ""), HasSubstr(Instance()));
    EXPECT_EQ(finished.value("outcome", ""), "success") << finished.dump();
    EXPECT_EQ(finished.value("exit_code", -1), 0);
    EXPECT_EQ(finished.value("key", ""), decided.value("key", ""));
    EXPECT_THAT(finished.value("stdout", ""),
                HasSubstr(absl::StrCat("restarted ", Instance(), ": pid ",
                                       new_pid, " (was ", old_pid, ")")));
    EXPECT_EQ(ended.value("verdict", ""), "skip");
    EXPECT_EQ(ended.value("reason", ""), "resolved");
    EXPECT_EQ(ended.value("fingerprint", ""), decided.value("fingerprint", ""));

    int executes = 0, outcomes = 0;
    for (const json& event : events) {
      SCOPED_TRACE(event.dump());
      if (event.value("event", "") == "outcome") {
        ++outcomes;
        continue;
      }
      EXPECT_EQ(event.value("fingerprint", ""),
                decided.value("fingerprint", ""));
      const std::string reason = event.value("reason", "");
      if (reason == "execute") ++executes;
      EXPECT_TRUE(reason == "execute" || reason == "cooling_down" ||
                  reason == "resolved");
    }
    EXPECT_EQ(executes, 1);
    EXPECT_EQ(outcomes, 1);
  }

  // Checks that Alertmanager delivered every notification it tried, then
  // stops everything, in the order the data flows, expecting clean exits.
  void ExpectCleanShutdown() {
    for (const std::string& line : CompleteLines(alertmanager_->ReadStderr())) {
      EXPECT_THAT(line, ::testing::Not(HasSubstr("Notify for alerts failed")));
    }
    for (Subprocess* process : {prometheus_.get(), alertmanager_.get(),
                                receiver_.get(), blackbox_.get()}) {
      absl::StatusOr<ProcessExit> exit = process->Stop();
      ASSERT_THAT(exit, IsOk());
      EXPECT_TRUE(exit->Succeeded()) << process->Describe();
    }
    EXPECT_TRUE(restarted_.Kill());
    EXPECT_EQ(restarted_.LivePid(), 0);
  }

  // Returns `step`, cut to what is left of the run's budget (at least 1 s).
  absl::Duration Within(absl::Duration step) const {
    return std::max(absl::Seconds(1),
                    std::min(step, started_ + kRunBudget - absl::Now()));
  }

  // Prints how long the run took to get here, for the log of a CI run.
  void Mark(absl::string_view step) const {
    std::cerr << "[chaos] +" << absl::FormatDuration(absl::Now() - started_)
              << " " << step << "\n";
  }

  const absl::Time started_ = absl::Now();
  TempDir dir_;
  std::string prometheus_bin_, blackbox_bin_, alertmanager_bin_;
  std::string token_path_;
  const std::string audit_path_ = dir_.Path("audit.jsonl");
  const std::string pid_file_ = dir_.Path("service.pid");
  const std::string restarts_path_ = dir_.Path("restarts.txt");
  struct Ports : chaos::ChaosPorts {
    uint16_t prometheus = 0;
  } ports_;
  // Destroyed (killed, reaped) before dir_ is removed, the restarted service
  // last among them.
  DetachedService restarted_{pid_file_};
  std::unique_ptr<Subprocess> service_;
  std::unique_ptr<Subprocess> blackbox_;
  std::unique_ptr<Subprocess> receiver_;
  std::unique_ptr<Subprocess> alertmanager_;
  std::unique_ptr<Subprocess> prometheus_;
};

TEST_F(ChaosTest, KilledTcpServiceIsRestartedOnceThroughTheWholeChain) {
  ASSERT_NO_FATAL_FAILURE(StartTcpService());
  ASSERT_NO_FATAL_FAILURE(StartBlackboxExporter());
  ASSERT_NO_FATAL_FAILURE(StartReceiver());
  ASSERT_NO_FATAL_FAILURE(StartAlertmanager());
  ASSERT_NO_FATAL_FAILURE(StartPrometheus());
  Mark("all processes started");

  ASSERT_NO_FATAL_FAILURE(WaitForSteadyState());
  Mark("steady state: probe_success 1");

  // The outage.
  const pid_t old_pid = service_->pid();
  ASSERT_THAT(service_->Signal(SIGKILL), IsOk());
  ASSERT_THAT(service_->Wait(absl::Seconds(10)), IsOk());
  Mark("service killed");

  // TcpEndpointDownFast fires, reaches the receiver, which runs the action.
  absl::StatusOr<size_t> execute = WaitForAuditEvent(
      {{"event", "decision"}, {"status", "firing"}, {"verdict", "execute"}},
      Within(kFireTimeout));
  ASSERT_THAT(execute, IsOk());
  Mark("receiver decided execute");
  absl::StatusOr<size_t> outcome =
      WaitForAuditEvent({{"event", "outcome"}}, Within(kStepTimeout));
  ASSERT_THAT(outcome, IsOk());
  Mark("action finished");
  // A failed restart fails here, with the script's output, not after a
  // wait for a service that will not come.
  const json finished = AuditEvents()[*outcome];
  ASSERT_EQ(finished.value("outcome", ""), "success") << finished.dump();

  // The service is back: a new process, accepting connections.
  pid_t new_pid = 0;
  ASSERT_THAT(WaitUntilOk(
                  [&]() {
                    new_pid = restarted_.LivePid();
                    return new_pid != 0 ? absl::OkStatus()
                                        : absl::NotFoundError("no live pid");
                  },
                  Within(kStepTimeout), "the restarted service's pid file"),
              IsOk());
  EXPECT_NE(new_pid, old_pid);
  // Detached: it leads its own session, out of the action's process group
  // (which the executor would kill on a timeout).
  EXPECT_EQ(::getsid(new_pid), new_pid);
  EXPECT_THAT(HttpClient::Connect(ports_.tcp_service, absl::Seconds(5)),
              IsOk());
  Mark("service back");

  // The alert resolves: Prometheus lists it no more, and the receiver
  // audits the resolved notification.
  ASSERT_THAT(
      WaitUntilOk(
          [&]() -> absl::Status {
            absl::StatusOr<std::vector<json>> alerts = ActiveAlerts();
            if (!alerts.ok()) return alerts.status();
            if (alerts->empty()) return absl::OkStatus();
            return absl::UnavailableError(json(*alerts).dump());
          },
          Within(kStepTimeout), "Prometheus to drop TcpEndpointDownFast",
          Chain(), absl::Milliseconds(200)),
      IsOk());
  absl::StatusOr<size_t> resolved = WaitForAuditEvent(
      {{"event", "decision"}, {"status", "resolved"}}, Within(kStepTimeout));
  ASSERT_THAT(resolved, IsOk());
  Mark("alert resolved");

  // Nothing runs again: give Alertmanager a few more flushes (a negative
  // needs a window; group_interval is 2 s), then count.
  absl::SleepFor(3 * kGroupInterval);
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOneRestart());
  ASSERT_NO_FATAL_FAILURE(
      ExpectDecisionChain({*execute, *outcome, *resolved}, old_pid, new_pid));

  // Still healthy, still the same process.
  EXPECT_EQ(restarted_.LivePid(), new_pid);
  absl::StatusOr<std::vector<json>> after = ActiveAlerts();
  ASSERT_THAT(after, IsOk());
  EXPECT_THAT(*after, SizeIs(0));

  ASSERT_NO_FATAL_FAILURE(ExpectCleanShutdown());
  Mark("stopped");
}

}  // namespace
}  // namespace autoheal
