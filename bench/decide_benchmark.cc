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
  explicit Fixture(bool enabled) {
    EngineOptions options;
    options.enabled = enabled;
    options.actions.push_back(MakeAction("TcpEndpointDownFast", "restart-tcp"));
    options.actions.push_back(
        MakeAction("TcpEndpointDownKeyed", "restart-tcp", {"instance"}));
    for (int t = 0; t < kMaxThreads; ++t) {
      options.actions.push_back(
          MakeAction(absl::StrCat("Distinct", t), "restart-tcp"));
    }
    EngineDeps deps;
    deps.clock = &clock;
    engine = *Engine::Create(std::move(options), deps);
  }
  testing::FakeClock clock;
  std::unique_ptr<Engine> engine;
};

Fixture& SharedFixture(bool enabled) {
  static Fixture* live = new Fixture(true);
  static Fixture* dry = new Fixture(false);
  return enabled ? *live : *dry;
}

template <typename Body>
void RunDecide(benchmark::State& state, const Alert& alert, Reason expected,
               Body before_each) {
  Fixture& f = SharedFixture(expected != Reason::kDryRun);
  AllocationCounter counter(state);
  for (auto _ : state) {
    before_each(f);
    Decision d = f.engine->Decide(alert);
    benchmark::DoNotOptimize(d);
    if (d.reason != expected) {
      state.SkipWithError(absl::StrCat("unexpected reason ",
                                       ReasonName(d.reason)).c_str());
      break;
    }
  }
}

void NoSetup(Fixture&) {}

// Advances time by a full cooldown before each decision, so every decision
// re-acquires an expired key: the store's acquire path.
void ExpireCooldown(Fixture& f) { f.clock.Advance(absl::Seconds(120)); }

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
BENCHMARK(BM_Decide_Execute);

void BM_Decide_DryRun(benchmark::State& state) {
  Alert alert = MakeAlert("TcpEndpointDownFast");
  RunDecide(state, alert, Reason::kDryRun, ExpireCooldown);
}
BENCHMARK(BM_Decide_DryRun);

// The key includes the instance label: built per decision, so it allocates.
void BM_Decide_Execute_KeyLabels(benchmark::State& state) {
  Alert alert = MakeAlert("TcpEndpointDownKeyed");
  RunDecide(state, alert, Reason::kExecute, ExpireCooldown);
}
BENCHMARK(BM_Decide_Execute_KeyLabels);

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

}  // namespace
}  // namespace autoheal
