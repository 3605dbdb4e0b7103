// `autoheal backtest` end to end on a synthetic Prometheus: 30 days of
// history for 1,000 alert series, served over real HTTP by a small
// in-process server answering the query API (range-vector instant queries
// and runtimeinfo) the way Prometheus does. Measures fetching (libcurl and
// JSON), firing extraction, delivery timing and the replay through the real
// Engine, and the text report. The target is <= 10 s on the 2-core CI
// machine; the result is in bench/RESULTS.md.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "autoheal/http_server.h"
#include "autoheal/testing/fake_clock.h"
#include "backtest/backtest.h"
#include "benchmark/benchmark.h"

namespace autoheal {
namespace {

constexpr int kSeries = 1000;
constexpr int kDays = 30;
const absl::Time kStart = absl::FromUnixSeconds(1793491200);  // 2026-11-01
const absl::Time kEnd = kStart + absl::Hours(24 * kDays);

// Series i fires three times a day for 10 + i % 30 minutes, at an offset
// of i * 7 minutes modulo 8 hours: one sample per minute while firing.
bool Fires(int series, int64_t minute) {
  const int64_t period = 8 * 60;
  const int64_t phase = (minute + period - (series * 7) % period) % period;
  return phase < 10 + series % 30;
}

std::string Answer(absl::Time at, absl::Duration range) {
  const int64_t from = absl::ToUnixSeconds(at - range);
  const int64_t to = absl::ToUnixSeconds(at);
  const int64_t base = absl::ToUnixSeconds(kStart);
  std::string out = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[";
  bool first_series = true;
  for (int s = 0; s < kSeries; ++s) {
    std::string values;
    for (int64_t t = (from + 59) / 60 * 60; t <= to; t += 60) {
      if (t < base || !Fires(s, (t - base) / 60)) continue;
      absl::StrAppend(&values, values.empty() ? "" : ",", "[", t, ",\"1\"]");
    }
    if (values.empty()) continue;
    absl::StrAppend(&out, first_series ? "" : ",",
                    "{\"metric\":{\"__name__\":\"ALERTS\",\"alertname\":\"",
                    s % 10 == 0 ? "DiskFull" : "InstanceDown",
                    "\",\"alertstate\":\"firing\",\"instance\":\"host-", s,
                    "\"},\"values\":[", values, "]}");
    first_series = false;
  }
  out += "]}}";
  return out;
}

http::HttpResponse Handle(const http::HttpRequest& request) {
  http::HttpResponse response;
  if (request.path == "/api/v1/status/runtimeinfo") {
    response.body = R"({"status":"success","data":{"storageRetention":"90d"}})";
    return response;
  }
  // query=ALERTS%7B...%5B<ms>ms%5D&time=<seconds>.<ms>
  const std::string query(request.query);
  const size_t open = query.find("%5B");
  const size_t ms_end = query.find("ms%5D", open);
  const size_t time_at = query.find("time=");
  int64_t range_ms = 0;
  double time = 0;
  if (open == std::string::npos || ms_end == std::string::npos ||
      time_at == std::string::npos ||
      !absl::SimpleAtoi(query.substr(open + 3, ms_end - open - 3), &range_ms) ||
      !absl::SimpleAtod(query.substr(time_at + 5), &time)) {
    response.status = 400;
    response.body = R"({"status":"error","error":"bad query"})";
    return response;
  }
  response.body = Answer(absl::FromUnixMillis(static_cast<int64_t>(time * 1000)),
                         absl::Milliseconds(range_ms));
  return response;
}

void BM_Backtest_30Days1000Series(benchmark::State& state) {
  http::HttpServerOptions options;
  options.port = 0;
  auto server = http::HttpServer::Start(options, Handle);
  if (!server.ok()) {
    state.SkipWithError(std::string(server.status().message()).c_str());
    return;
  }
  const std::string dir = "/tmp";
  const std::string rules = dir + "/autoheal-backtest-bench-rules.yml";
  const std::string policy = dir + "/autoheal-backtest-bench-policy.yml";
  std::ofstream(rules) << "groups:\n- name: g\n  rules:\n"
                          "  - alert: DiskFull\n    expr: vector(1)\n"
                          "    annotations: {autoheal: \"true\"}\n"
                          "  - alert: InstanceDown\n    expr: vector(1)\n"
                          "    annotations: {autoheal: \"true\"}\n";
  std::ofstream(policy)
      << "version: 1\ncooldown: 30m\nactions:\n"
         "  DiskFull: {name: clean-disk, argv: [/bin/true]}\n"
         "  InstanceDown: {name: restart, argv: [/bin/true], "
         "key_labels: [instance]}\n";
  testing::FakeClock clock(kEnd + absl::Hours(1));
  backtest::BacktestOptions o;
  o.prometheus_url = absl::StrCat("http://127.0.0.1:", (*server)->port());
  o.rule_files = {rules};
  o.policy_file = policy;
  o.start = "2026-11-01T00:00:00Z";
  o.end = "2026-12-01T00:00:00Z";
  o.progress = false;
  o.clock = &clock;
  size_t bytes = 0;
  for (auto _ : state) {
    std::ostringstream out, err;
    if (backtest::RunBacktest(o, out, err) != 0) {
      state.SkipWithError(err.str().c_str());
      break;
    }
    bytes = out.str().size();
  }
  state.counters["report_bytes"] = static_cast<double>(bytes);
  std::remove(rules.c_str());
  std::remove(policy.c_str());
}
BENCHMARK(BM_Backtest_30Days1000Series)
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->UseRealTime();

}  // namespace
}  // namespace autoheal
