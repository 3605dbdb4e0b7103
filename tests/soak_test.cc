// Soak: the real `autoheal-webhook`, ENABLED, under steady load from a few
// client threads posting a mixed sequence of the captured payloads in
// tests/data/payloads (01..11 and 20: single alerts, mixed groups, partial
// and full resolutions, 200 alerts) with repeats, for AUTOHEAL_SOAK_SECONDS
// (default 60, the CI run). Every action records its run by appending its
// name and target to a file, and cooldowns are short (2-3 s) so that each
// key acts many times.
//
// It asserts:
//   - every response is 200 with one decision per alert (no 5xx, no 4xx,
//     no connection errors);
//   - resident memory is flat after warm-up: VmRSS at the end of the load
//     is less than 10% above VmRSS at 20% of the run (each the median of the
//     samples around that point, so that one transient allocation does not
//     decide);
//   - decisions are consistent with the policy, key by key, from the audit
//     log: two executions are never closer than the cooldown; a
//     `cooling_down` decision comes only within the cooldown of the key's
//     last execution, and the time left it reports matches that execution;
//     so a key that keeps firing executes exactly once per cooldown window
//     (checked directly too: consecutive executions of a key that kept
//     firing are less than two windows apart);
//   - every execution ran once and succeeded: as many `success` outcomes
//     and lines in the record file as `execute` decisions.
// It prints the requests per second achieved and the memory samples.
//
// The long local run (10 minutes), e.g. before a release:
//
//   AUTOHEAL_SOAK_SECONDS=600 build/tests/soak_test
//
// (or `AUTOHEAL_SOAK_SECONDS=600 ctest --test-dir build -L soak
// --output-on-failure --timeout 900`). Results are in bench/RESULTS.md.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "autoheal/internal/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_util.h"
#include "webhook_process.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::ClientResponse;
using ::autoheal::testutil::HttpClient;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::ReadFileOrDie;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::TestDataPath;
using ::autoheal::testutil::WaitUntil;
using ::autoheal::testutil::WebhookProcess;
using ::autoheal::testutil::WriteFileAtomically;
using json = nlohmann::json;

constexpr int kClientThreads = 3;
// Each client pauses this long between requests: steady, not flat-out.
constexpr absl::Duration kPause = absl::Milliseconds(2);
// An audit time is taken once per request, after all of its decisions, and
// cut to milliseconds: it lags each decision by the time the receiver's
// thread took from that decision to the audit, which on a shared 2-core
// machine at load 9 reached 27 ms when the thread was preempted. A gap
// between two audited times may therefore differ from the gap between the
// decisions by up to this much. With the default SQLite state, every
// decision that takes a cooldown is a synced transaction, so a 200-alert
// notification's audit time lags its first decisions by up to ~300 ms on a
// loaded machine. (Two executions in one window would still be far closer
// than cooldown - 1 s: the cooldowns are 2 s and 3 s.)
constexpr absl::Duration kAuditTimeSlack = absl::Seconds(1);
// Memory may grow this much from warm-up (20% of the run) to the end.
constexpr double kMaxRssGrowth = 0.10;

// The actions' cooldowns, by action name.
const std::map<std::string, absl::Duration>& Cooldowns() {
  static const auto* cooldowns = new std::map<std::string, absl::Duration>{
      {"restart-tcp", absl::Seconds(2)},
      {"restart-web", absl::Seconds(3)},
      {"restart-crm", absl::Seconds(2)},
  };
  return *cooldowns;
}

// The payloads and how often each comes in one cycle of a client's mix.
const std::vector<std::pair<std::string, int>>& Mix() {
  static const auto* mix = new std::vector<std::pair<std::string, int>>{
      {"01-single-firing-autoheal.json", 3},
      {"02-single-firing-autoheal-false.json", 1},
      {"03-single-firing-not-allowlisted.json", 1},
      {"04-mixed-group.json", 2},
      {"05-mixed-group-partially-resolved.json", 2},
      {"06-mixed-group-resolved.json", 1},
      {"07-single-resolved.json", 1},
      {"10-prometheus-tcp-down-firing.json", 3},
      {"11-prometheus-tcp-down-resolved.json", 1},
      {"20-two-hundred-alerts.json", 1},
  };
  return *mix;
}

absl::Duration SoakDuration() {
  const char* text = std::getenv("AUTOHEAL_SOAK_SECONDS");
  int seconds = 60;
  if (text != nullptr && !absl::SimpleAtoi(text, &seconds)) seconds = -1;
  EXPECT_GT(seconds, 0) << "AUTOHEAL_SOAK_SECONDS=" << text;
  return absl::Seconds(std::max(seconds, 5));
}

std::string Policy(const std::string& record_file) {
  // Each action appends "<action> <target>" to the record file: one
  // write(2) of a short line with O_APPEND, so concurrent runs do not mix.
  const std::string record =
      absl::StrCat("'echo \"$0 $1\" >> ", record_file, "'");
  return absl::StrCat(
      "version: 1\n"
      "enabled: true\n"
      // The soak checks one execution per key per cooldown, thousands of
      // them: the blast-radius budget and the flap guard (tested on their
      // own elsewhere) would rightly stop most, so they are off here.
      "budget: {max_executions: 0}\n"
      "flap_guard: {max_executions: 0}\n"
      "actions:\n"
      "  TcpEndpointDownFast:\n"
      "    name: restart-tcp\n"
      "    argv: [/bin/sh, -c, ",
      record,
      ", restart-tcp, '{{labels.instance}}']\n"
      "    label_patterns: {instance: '[a-z0-9.:-]+'}\n"
      "    key_labels: [instance]\n"
      "    cooldown: 2s\n"
      "  UptimeProbeFailing:\n"
      "    name: restart-web\n"
      "    argv: [/bin/sh, -c, ",
      record,
      ", restart-web, '{{labels.instance}}']\n"
      "    label_patterns: {instance: 'https://[a-z0-9.:/-]+'}\n"
      "    key_labels: [instance]\n"
      "    cooldown: 3s\n"
      "  CrmMetricsScrapeStale:\n"
      "    name: restart-crm\n"
      "    argv: [/bin/sh, -c, ",
      record,
      ", restart-crm, all]\n"
      "    cooldown: 2s\n");
}

struct Payload {
  std::string name;
  std::string body;
  size_t alerts = 0;
};

// What the clients saw.
struct LoadResult {
  autoheal::internal::Mutex mu;
  int64_t requests ABSL_GUARDED_BY(mu) = 0;
  int64_t decisions ABSL_GUARDED_BY(mu) = 0;
  std::map<int, int64_t> statuses ABSL_GUARDED_BY(mu);
  int64_t transport_errors ABSL_GUARDED_BY(mu) = 0;
  int64_t malformed ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::string> samples ABSL_GUARDED_BY(mu);  // first failures
};

// Counts one response (or transport error) to `payload`.
void Record(const Payload& payload,
            const absl::StatusOr<ClientResponse>& response,
            LoadResult& result) {
  autoheal::internal::MutexLock lock(&result.mu);
  ++result.requests;
  if (!response.ok()) {
    ++result.transport_errors;
    if (result.samples.size() < 5)
      result.samples.push_back(response.status().ToString());
    return;
  }
  ++result.statuses[response->status];
  json body = json::parse(response->body, nullptr, false);
  if (response->status != 200 || !body.is_object() ||
      !body["decisions"].is_array() ||
      body["decisions"].size() != payload.alerts) {
    ++result.malformed;
    if (result.samples.size() < 5) {
      result.samples.push_back(
          absl::StrCat(payload.name, ": ", response->status, " ",
                       testutil::Tail(response->body, 300)));
    }
    return;
  }
  result.decisions += static_cast<int64_t>(payload.alerts);
}

// Posts the mix over one keep-alive connection until `stop`.
void RunClient(uint16_t port, const std::vector<Payload>& payloads, int seed,
               const std::atomic<bool>& stop, LoadResult& result) {
  std::vector<const Payload*> cycle;
  for (const auto& [name, count] : Mix()) {
    for (const Payload& p : payloads) {
      if (p.name != name) continue;
      for (int i = 0; i < count; ++i) cycle.push_back(&p);
    }
  }
  std::mt19937 random(static_cast<uint32_t>(seed));
  std::optional<HttpClient> client;
  size_t next = cycle.size();
  while (!stop.load(std::memory_order_relaxed)) {
    if (next == cycle.size()) {
      std::shuffle(cycle.begin(), cycle.end(), random);
      next = 0;
    }
    const Payload& payload = *cycle[next++];
    if (!client.has_value()) {
      absl::StatusOr<HttpClient> connected = HttpClient::Connect(port);
      if (!connected.ok()) {
        autoheal::internal::MutexLock lock(&result.mu);
        ++result.transport_errors;
        if (result.samples.size() < 5)
          result.samples.push_back(connected.status().ToString());
        absl::SleepFor(absl::Milliseconds(100));
        continue;
      }
      client.emplace(*std::move(connected));
    }
    absl::StatusOr<ClientResponse> response = client->Request(
        "POST", "/alerts", payload.body, {{"Content-Type", "application/json"}},
        absl::Seconds(10));
    if (!response.ok() ||
        absl::EqualsIgnoreCase(response->Header("Connection").value_or(""),
                               "close")) {
      client.reset();
    }
    Record(payload, response, result);
    absl::SleepFor(kPause);
  }
}

// One audited decision that reached the state gates (it has a key).
struct KeyedDecision {
  absl::Time time;
  std::string verdict;
  std::string reason;
  std::string action;
  absl::Duration time_left;
};

absl::Time ParseAuditTime(const std::string& text) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &t, &error))
      << text << ": " << error;
  return t;
}

// Returns the median of `values` (not empty).
int64_t Median(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::vector<Payload> LoadPayloads() {
  std::vector<Payload> payloads;
  for (const auto& [name, count] : Mix()) {
    Payload p;
    p.name = name;
    p.body = ReadFileOrDie(TestDataPath("payloads/" + name));
    p.alerts = json::parse(p.body)["alerts"].size();
    payloads.push_back(std::move(p));
  }
  return payloads;
}

// Prints the clients' view and asserts every request got a full 200.
void ExpectAllAnswered(LoadResult& result, absl::Duration elapsed) {
  autoheal::internal::MutexLock lock(&result.mu);
  const double rate =
      static_cast<double>(result.requests) / absl::ToDoubleSeconds(elapsed);
  std::cout << "soak: " << absl::FormatDuration(elapsed) << ", "
            << kClientThreads << " clients, " << result.requests
            << " requests (" << static_cast<int64_t>(rate) << " requests/s), "
            << result.decisions << " decisions\n";
  for (const auto& [status, count] : result.statuses) {
    std::cout << "  status " << status << ": " << count << "\n";
  }
  for (const std::string& sample : result.samples)
    std::cout << "  failure: " << sample << "\n";
  EXPECT_GT(result.requests, 0);
  EXPECT_EQ(result.statuses[200], result.requests);
  EXPECT_EQ(result.transport_errors, 0);
  EXPECT_EQ(result.malformed, 0);
}

// Asserts VmRSS at the end of the load (median of the last 4% of samples)
// is less than kMaxRssGrowth above VmRSS at 20% (median of 18-22%).
void ExpectFlatMemory(
    const std::vector<std::pair<absl::Duration, int64_t>>& rss,
    absl::Duration duration, absl::Duration elapsed) {
  std::vector<int64_t> warm;
  std::vector<int64_t> end;
  int64_t max_kib = 0;
  for (const auto& [at, kib] : rss) {
    ASSERT_GT(kib, 0);
    if (at >= duration * 0.18 && at <= duration * 0.22) warm.push_back(kib);
    if (at >= elapsed * 0.96) end.push_back(kib);
    max_kib = std::max(max_kib, kib);
  }
  ASSERT_FALSE(warm.empty());
  ASSERT_FALSE(end.empty());
  const int64_t warm_kib = Median(warm);
  const int64_t end_kib = Median(end);
  std::cout << "  VmRSS: start " << rss.front().second << " KiB, at 20% "
            << warm_kib << " KiB, end " << end_kib << " KiB ("
            << absl::StrFormat("%+.1f",
                               100.0 * static_cast<double>(end_kib - warm_kib) /
                                   static_cast<double>(warm_kib))
            << "%), max " << max_kib << " KiB\n";
  EXPECT_LT(static_cast<double>(end_kib),
            static_cast<double>(warm_kib) * (1.0 + kMaxRssGrowth));
}

// Returns the number of lines of `path` that contain `needle`.
int64_t CountLines(const std::string& path, absl::string_view needle) {
  std::ifstream in(path);
  int64_t n = 0;
  for (std::string line; std::getline(in, line);)
    n += absl::StrContains(line, needle) ? 1 : 0;
  return n;
}

// Returns the audited decisions that have a key (those that reached the
// state gates), by key, in audit order.
std::map<std::string, std::vector<KeyedDecision>> ReadKeyedDecisions(
    const std::string& path) {
  std::map<std::string, std::vector<KeyedDecision>> by_key;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!absl::StrContains(line, "\"key\":\"ah1|")) continue;
    json record = json::parse(line, nullptr, false);
    EXPECT_FALSE(record.is_discarded()) << line;
    if (record.is_discarded() || record["event"] != "decision") continue;
    KeyedDecision d;
    d.time = ParseAuditTime(record["time"].get<std::string>());
    d.verdict = record["verdict"].get<std::string>();
    d.reason = record["reason"].get<std::string>();
    d.action = record["action"].get<std::string>();
    d.time_left = absl::Seconds(record.value("time_left_sec", 0.0));
    by_key[record["key"].get<std::string>()].push_back(std::move(d));
  }
  return by_key;
}

// What one key's check found.
struct KeyCheck {
  int64_t executions = 0;
  bool kept_firing = false;
  // Execution gaps that read below the cooldown (by the audit-time lag).
  int64_t close_calls = 0;
  // How far the audited times strayed from exact, at worst.
  absl::Duration worst_deviation;
};

// The audited execution that a cooling_down answer refers to: the one whose
// cooldown ends when the answer says it does (its time plus its time left),
// within kAuditTimeSlack. Null when there is none.
const absl::Time* ExecutionBehind(const std::vector<absl::Time>& executions,
                                  const KeyedDecision& cooling,
                                  absl::Duration cooldown) {
  const absl::Time ends = cooling.time + cooling.time_left;
  const absl::Time* best = nullptr;
  for (const absl::Time& execution : executions) {
    const absl::Duration off = absl::AbsDuration(execution + cooldown - ends);
    if (off <= kAuditTimeSlack &&
        (best == nullptr ||
         off < absl::AbsDuration(*best + cooldown - ends))) {
      best = &execution;
    }
  }
  return best;
}

// Asserts that one key's decisions follow its cooldown exactly, up to
// kAuditTimeSlack (see there). The receiver decides requests on several
// worker threads, so the audit log's order is the order the requests
// finished, not the order of their decisions: a one-alert request may
// write its cooling_down line before the 200-alert request whose execution
// it saw. So executions are checked in time order, and each cooling_down
// must name, by its time left, an audited execution within its cooldown.
KeyCheck CheckKey(std::vector<KeyedDecision> decisions, absl::Duration run) {
  KeyCheck check;
  std::stable_sort(decisions.begin(), decisions.end(),
                   [](const KeyedDecision& a, const KeyedDecision& b) {
                     return a.time < b.time;
                   });
  const absl::Duration cooldown = Cooldowns().at(decisions.front().action);
  std::vector<absl::Time> executions;
  absl::Duration max_firing_gap;
  for (size_t i = 0; i < decisions.size(); ++i) {
    const KeyedDecision& d = decisions[i];
    EXPECT_EQ(d.verdict, d.reason == "execute" ? "execute" : "skip")
        << d.reason;
    if (i > 0)
      max_firing_gap = std::max(max_firing_gap, d.time - decisions[i - 1].time);
    if (d.reason != "execute") continue;
    if (!executions.empty()) {
      const absl::Duration gap = d.time - executions.back();
      EXPECT_GE(gap, cooldown - kAuditTimeSlack) << "executions too close";
      if (gap < cooldown) {
        ++check.close_calls;
        check.worst_deviation = std::max(check.worst_deviation, cooldown - gap);
      }
    }
    executions.push_back(d.time);
  }
  EXPECT_FALSE(executions.empty()) << "a key that never executed";
  for (const KeyedDecision& d : decisions) {
    if (d.reason == "execute") continue;
    if (d.reason != "cooling_down") {
      EXPECT_EQ(d.reason, "in_flight") << "unexpected decision";
      continue;
    }
    const absl::Time* behind = ExecutionBehind(executions, d, cooldown);
    if (behind == nullptr) {
      ADD_FAILURE() << "cooling_down at " << d.time << " with " << d.time_left
                    << " left matches no audited execution";
      continue;
    }
    EXPECT_LT(d.time - *behind, cooldown + kAuditTimeSlack)
        << "cooling_down although the cooldown had passed";
    check.worst_deviation = std::max(
        check.worst_deviation,
        absl::AbsDuration(*behind + cooldown - (d.time + d.time_left)));
  }
  check.executions = static_cast<int64_t>(executions.size());
  // A key that kept firing (at least twice per window) acts once per
  // window: the next execution comes with the first firing after the
  // cooldown, and in any case less than two windows after the last one.
  check.kept_firing =
      decisions.back().time - decisions.front().time > run / 2 &&
      max_firing_gap <= cooldown / 2;
  if (check.kept_firing) {
    for (size_t i = 1; i < executions.size(); ++i) {
      const absl::Duration gap = executions[i] - executions[i - 1];
      EXPECT_LT(gap, 2 * cooldown) << "a window without action";
      EXPECT_LE(gap, cooldown + max_firing_gap + kAuditTimeSlack);
    }
  }
  return check;
}

TEST(SoakTest, MixedRealPayloadsUnderSteadyLoadStayFlatAndConsistent) {
  const absl::Duration duration = SoakDuration();
  TempDir dir;
  const std::string record_file = dir.Path("executions.log");
  const std::string audit_file = dir.Path("audit.log");
  const std::string policy = dir.Path("policy.yml");
  ASSERT_THAT(WriteFileAtomically(policy, Policy(record_file)), IsOk());
  auto started = WebhookProcess::Start(
      {"--policy", policy, "--audit-log", audit_file,
       "--max-concurrent-actions", "8", "--max-queued-actions", "1024"},
      dir.Path("stderr.log"));
  ASSERT_THAT(started, IsOk());
  WebhookProcess& receiver = **started;
  const std::vector<Payload> payloads = LoadPayloads();

  LoadResult result;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kClientThreads; ++i) {
    clients.emplace_back([&, i] {
      RunClient(receiver.port(), payloads, 1000 + i, stop, result);
    });
  }
  // Sample VmRSS twice a second while the load runs.
  std::vector<std::pair<absl::Duration, int64_t>> rss;
  while (absl::Now() - start < duration && receiver.process().Running()) {
    rss.emplace_back(absl::Now() - start, receiver.ResidentKib());
    absl::SleepFor(absl::Milliseconds(500));
  }
  stop.store(true);
  for (std::thread& t : clients) t.join();
  const absl::Duration elapsed = absl::Now() - start;
  rss.emplace_back(elapsed, receiver.ResidentKib());
  ASSERT_TRUE(receiver.process().Running()) << receiver.process().Describe();

  ExpectAllAnswered(result, elapsed);
  ExpectFlatMemory(rss, duration, elapsed);

  // Every execution ran once, and succeeded.
  const int64_t executes = CountLines(audit_file, "\"verdict\":\"execute\"");
  EXPECT_THAT(WaitUntil(
                  [&] {
                    return CountLines(audit_file, "\"event\":\"outcome\"") >=
                           executes;
                  },
                  absl::Seconds(60), "every execution's outcome",
                  {&receiver.process()}),
              IsOk());
  EXPECT_EQ(CountLines(audit_file, "\"outcome\":\"success\""), executes);
  EXPECT_EQ(CountLines(record_file, ""), executes);

  // Decisions consistent with the policy, key by key.
  const std::map<std::string, std::vector<KeyedDecision>> by_key =
      ReadKeyedDecisions(audit_file);
  ASSERT_FALSE(by_key.empty());
  KeyCheck total;
  int kept_firing = 0;
  for (const auto& [key, decisions] : by_key) {
    SCOPED_TRACE(key);
    const KeyCheck check = CheckKey(decisions, duration);
    total.executions += check.executions;
    total.close_calls += check.close_calls;
    total.worst_deviation =
        std::max(total.worst_deviation, check.worst_deviation);
    kept_firing += check.kept_firing ? 1 : 0;
  }
  EXPECT_EQ(total.executions, executes);
  std::cout << "  " << by_key.size() << " keys, " << kept_firing
            << " kept firing; " << executes
            << " executions; audited times off by at most "
            << absl::FormatDuration(total.worst_deviation) << " ("
            << total.close_calls
            << " execution gaps read below the cooldown by that lag)\n";
  EXPECT_GE(kept_firing, 50);

  // After the soak, SIGTERM still stops it cleanly.
  absl::StatusOr<testutil::ProcessExit> exit = receiver.process().Stop();
  ASSERT_THAT(exit, IsOk());
  EXPECT_TRUE(exit->Succeeded()) << receiver.process().Describe();
}

}  // namespace
}  // namespace autoheal
