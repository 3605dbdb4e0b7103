// Benchmarks of the decision hot path: each gate's path, with one and two
// threads, a hot key and distinct keys, and parse-plus-decide of captured
// payloads. Every benchmark reports `allocs_per_op`, counted by a global
// operator new, so "no heap allocation" is measured, not assumed.
//
//   build/bench/decide_benchmark --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "autoheal/engine.h"
#include "autoheal/payload.h"
#include "autoheal/testing/fake_clock.h"
#include "allocation_counter.h"
#include "benchmark/benchmark.h"

namespace autoheal {
namespace {

using bench::AllocationCounter;

constexpr int kMaxThreads = 2;

Action MakeAction(std::string alertname, std::string name,
                  std::vector<std::string> key_labels = {}) {
  Action action;
  action.alertname = std::move(alertname);
  action.name = std::move(name);
  action.argv = {"/usr/bin/true"};
  action.key_labels = std::move(key_labels);
  return action;
}

Alert MakeAlert(const std::string& alertname, bool opted_in = true,
                AlertStatus status = AlertStatus::kFiring) {
  Alert alert;
  alert.status = status;
  alert.labels = LabelSet({{"alertname", alertname},
                           {"instance", "db-01.internal:5432"},
                           {"job", "blackbox-tcp"},
                           {"severity", "critical"}});
  alert.annotations = LabelSet(
      {{"autoheal", opted_in ? "true" : "false"},
       {"runbook_url", "https://runbooks.example.internal/tcp-endpoint-down"},
       {"summary", "TCP endpoint db-01.internal:5432 is down"}});
  alert.fingerprint = "ae2f46214283c1ff";
  return alert;
}

// One engine per benchmark, shared by its threads.
struct Fixture {
  explicit Fixture(bool enabled, bool guardrails = true) {
    EngineOptions options;
    options.enabled = enabled;
    // The default guardrails' shape (a global budget of 10 per 10 min, a
    // flap guard of 3), with the flap window cut to 10 min so that the
    // acquire benchmarks can step the fake clock by only 4 min.
    options.flap_guard.window = absl::Minutes(10);
    if (!guardrails) {
      options.global_budget.max_executions = 0;
      options.flap_guard.max_executions = 0;
    }
    options.actions.push_back(MakeAction("TcpEndpointDownFast", "restart-tcp"));
    options.actions.push_back(
        MakeAction("TcpEndpointDownKeyed", "restart-tcp", {"instance"}));
    for (int t = 0; t < kMaxThreads; ++t) {
      options.actions.push_back(
          MakeAction(absl::StrCat("Distinct", t), "restart-tcp"));
    }
    // Templated actions: the instance label must fully match its pattern.
    Action pattern = MakeAction("TcpEndpointDownPattern", "restart-tcp");
    pattern.argv = {"/usr/bin/true", "--target={{labels.instance}}"};
    pattern.label_patterns["instance"] = "[a-z0-9.-]+:[0-9]{1,5}";
    options.actions.push_back(pattern);
    // Exponential in a backtracking engine (std::regex froze the receiver
    // for 12 s on 28 bytes); linear in RE2.
    Action adversarial = MakeAction("HostDownAdversarial", "restart-host");
    adversarial.argv = {"/usr/bin/true", "--host={{labels.instance}}"};
    adversarial.label_patterns["instance"] = "([a-z0-9-]+\\.?)*";
    options.actions.push_back(adversarial);
    EngineDeps deps;
    deps.clock = &clock;
    engine = *Engine::Create(std::move(options), deps);
  }
  testing::FakeClock clock;
  std::unique_ptr<Engine> engine;
};

std::unique_ptr<Fixture>& FixtureSlot(bool enabled) {
  static auto* live = new std::unique_ptr<Fixture>(new Fixture(true));
  static auto* dry = new std::unique_ptr<Fixture>(new Fixture(false));
  return enabled ? *live : *dry;
}

Fixture& SharedFixture(bool enabled) { return *FixtureSlot(enabled); }

// Live, with the budget and flap guard off (see BM_Decide_Execute_DistinctKeys).
std::unique_ptr<Fixture>& PlainFixtureSlot() {
  static auto* plain = new std::unique_ptr<Fixture>(new Fixture(true, false));
  return *plain;
}

// Fresh engines, stores and clocks before each run of an acquire benchmark:
// runs that move the fake clock minutes per decision would otherwise carry
// it past what its int64 nanoseconds hold after some millions.
void ResetFixtures(const benchmark::State&) {
  FixtureSlot(true) = std::make_unique<Fixture>(true);
  FixtureSlot(false) = std::make_unique<Fixture>(false);
  PlainFixtureSlot() = std::make_unique<Fixture>(true, false);
}

template <typename Body>
void RunDecide(benchmark::State& state, const Alert& alert, Reason expected,
               Body before_each, Fixture* fixture = nullptr) {
  Fixture& f =
      fixture != nullptr ? *fixture : SharedFixture(expected != Reason::kDryRun);
  AllocationCounter counter(state);
  for (auto _ : state) {
    before_each(f);
    Decision d = f.engine->Decide(alert);
    benchmark::DoNotOptimize(d);
    if (d.reason != expected) {
      state.SkipWithError(absl::StrCat("unexpected reason ",
                                       ReasonName(d.reason), ", ",
                                       absl::FormatDuration(d.time_left),
                                       " left, at ",
                                       absl::FormatTime(f.clock.Now()))
                              .c_str());
      break;
    }
  }
}

void NoSetup(Fixture&) {}

// Advances time past the cooldown before each decision, so every decision
// re-acquires an expired key: the store's acquire path, with the default
// guardrails on (the global budget and the flap guard are reserved and
// recorded in the same call). 4 minutes apart, neither ever says no: never
// 3 executions of a key, nor 10 in all per thread, within 10 minutes.
void ExpireCooldown(Fixture& f) { f.clock.Advance(absl::Minutes(4)); }

void BM_Decide_Resolved(benchmark::State& state) {
  Alert alert = MakeAlert("TcpEndpointDownFast", true, AlertStatus::kResolved);
  RunDecide(state, alert, Reason::kResolved, NoSetup);
}
BENCHMARK(BM_Decide_Resolved)->Threads(1)->Threads(2);

void BM_Decide_NotOptedIn(benchmark::State& state) {
  Alert alert = MakeAlert("TcpEndpointDownFast", false);
  RunDecide(state, alert, Reason::kNotOptedIn, NoSetup);
}
BENCHMARK(BM_Decide_NotOptedIn)->Threads(1)->Threads(2);

void BM_Decide_NotAllowlisted(benchmark::State& state) {
  Alert alert = MakeAlert("DiskWillFillIn4Hours");
  RunDecide(state, alert, Reason::kNotAllowlisted, NoSetup);
}
BENCHMARK(BM_Decide_NotAllowlisted)->Threads(1)->Threads(2);

// A label that fails its pattern (a benign one), at the invalid_target gate.
void BM_Decide_InvalidTarget(benchmark::State& state) {
  Alert alert = MakeAlert("TcpEndpointDownPattern");
  alert.labels.Set("instance", "db-01.internal:5432;reboot");
  RunDecide(state, alert, Reason::kInvalidTarget, NoSetup);
}
BENCHMARK(BM_Decide_InvalidTarget)->Threads(1)->Threads(2);

// A hostile value of exactly 256 bytes (the template value cap, so the
// pattern runs) against `([a-z0-9-]+\.?)*`: "db-01.db-01.…" then '_'.
void BM_Decide_InvalidTarget_Adversarial(benchmark::State& state) {
  std::string host;
  while (host.size() < 255) host += "db-01.";
  host.resize(255);
  host += "_";
  Alert alert = MakeAlert("HostDownAdversarial");
  alert.labels.Set("instance", host);
  RunDecide(state, alert, Reason::kInvalidTarget, NoSetup);
}
BENCHMARK(BM_Decide_InvalidTarget_Adversarial)->Threads(1)->Threads(2);

// A label that matches its pattern, then a held key: the match plus the
// store's cooling-down answer (compare BM_Decide_CoolingDown_SameKey).
void BM_Decide_CoolingDown_PatternMatch(benchmark::State& state) {
  Alert alert = MakeAlert("TcpEndpointDownPattern");
  SharedFixture(true).engine->Decide(alert);
  RunDecide(state, alert, Reason::kCoolingDown, NoSetup);
}
BENCHMARK(BM_Decide_CoolingDown_PatternMatch)->Threads(1)->Threads(2);

// A hot key, held: every decision is answered by the store as cooling down.
void BM_Decide_CoolingDown_SameKey(benchmark::State& state) {
  Alert alert = MakeAlert("TcpEndpointDownFast");
  SharedFixture(true).engine->Decide(alert);
  RunDecide(state, alert, Reason::kCoolingDown, NoSetup);
}
BENCHMARK(BM_Decide_CoolingDown_SameKey)->Threads(1)->Threads(2);

// Each thread decides its own alertname: distinct keys, distinct shards
// (most likely), no contention on one entry.
void BM_Decide_CoolingDown_DistinctKeys(benchmark::State& state) {
  Alert alert = MakeAlert(absl::StrCat("Distinct", state.thread_index()));
  SharedFixture(true).engine->Decide(alert);
  RunDecide(state, alert, Reason::kCoolingDown, NoSetup);
}
BENCHMARK(BM_Decide_CoolingDown_DistinctKeys)->Threads(1)->Threads(2);

void BM_Decide_Execute(benchmark::State& state) {
  Alert alert = MakeAlert("TcpEndpointDownFast");
  RunDecide(state, alert, Reason::kExecute, ExpireCooldown);
}
BENCHMARK(BM_Decide_Execute)->Setup(ResetFixtures);

// Each thread executes its own key: the store's key path on 1 and 2
// threads. The global budget and the flap guard are off here: with two
// threads stepping one fake clock by minutes, one thread's decisions can
// run far ahead of the other's reading of the clock, and the shared budget
// then (rightly) counts them; BM_Decide_Execute measures them on.
void BM_Decide_Execute_DistinctKeys(benchmark::State& state) {
  Alert alert = MakeAlert(absl::StrCat("Distinct", state.thread_index()));
  RunDecide(state, alert, Reason::kExecute, ExpireCooldown,
            PlainFixtureSlot().get());
}
BENCHMARK(BM_Decide_Execute_DistinctKeys)
    ->Setup(ResetFixtures)
    ->Threads(1)
    ->Threads(2);

void BM_Decide_DryRun(benchmark::State& state) {
  Alert alert = MakeAlert("TcpEndpointDownFast");
  RunDecide(state, alert, Reason::kDryRun, ExpireCooldown);
}
BENCHMARK(BM_Decide_DryRun)->Setup(ResetFixtures);

// The key includes the instance label: built per decision, so it allocates.
void BM_Decide_Execute_KeyLabels(benchmark::State& state) {
  Alert alert = MakeAlert("TcpEndpointDownKeyed");
  RunDecide(state, alert, Reason::kExecute, ExpireCooldown);
}
BENCHMARK(BM_Decide_Execute_KeyLabels)->Setup(ResetFixtures);

std::string ReadPayload(const std::string& name) {
  std::ifstream in(std::string(AUTOHEAL_TEST_DATA) + "/payloads/" + name);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void BM_Parse(benchmark::State& state, const std::string& name) {
  std::string body = ReadPayload(name);
  AllocationCounter counter(state);
  for (auto _ : state) {
    auto message = ParseWebhookMessage(body);
    benchmark::DoNotOptimize(message);
    if (!message.ok()) {
      state.SkipWithError(std::string(message.status().message()).c_str());
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * body.size());
}
BENCHMARK_CAPTURE(BM_Parse, 01_single, "01-single-firing-autoheal.json");
BENCHMARK_CAPTURE(BM_Parse, 04_mixed, "04-mixed-group.json");

void BM_ParseAndDecide(benchmark::State& state, const std::string& name) {
  std::string body = ReadPayload(name);
  Fixture& f = SharedFixture(true);
  AllocationCounter counter(state);
  for (auto _ : state) {
    auto message = ParseWebhookMessage(body);
    if (!message.ok()) {
      state.SkipWithError(std::string(message.status().message()).c_str());
      break;
    }
    std::vector<Decision> decisions = f.engine->DecideAll(*message);
    benchmark::DoNotOptimize(decisions);
  }
  state.SetBytesProcessed(state.iterations() * body.size());
}
BENCHMARK_CAPTURE(BM_ParseAndDecide, 01_single, "01-single-firing-autoheal.json");
BENCHMARK_CAPTURE(BM_ParseAndDecide, 04_mixed, "04-mixed-group.json");
BENCHMARK_CAPTURE(BM_ParseAndDecide, 21_ten, "21-ten-alerts.json");
BENCHMARK_CAPTURE(BM_ParseAndDecide, 20_two_hundred,
                  "20-two-hundred-alerts.json");

}  // namespace
}  // namespace autoheal
