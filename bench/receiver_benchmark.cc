// The receiver's request handling without the network: Receiver::Handle on
// captured payloads, with a null audit sink writing to /dev/null and an
// executor that records nothing. Shows what our code costs per request,
// separately from the kernel and libmicrohttpd (bench/load.sh has those).
// BM_ParseBody_* isolate the body parse: the core's nlohmann SAX parser
// (Slow) against the receiver's simdjson fast path in front of it (Fast,
// receiver/fast_payload.h), on the same bodies in the same run.
//
//   build/bench/receiver_benchmark --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "allocation_counter.h"
#include "autoheal/in_memory_cooldown_store.h"
#include "autoheal/json_audit_sink.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/payload.h"
#include "benchmark/benchmark.h"
#include "receiver/fast_payload.h"
#include "receiver/receiver.h"

namespace autoheal {
namespace {

class NullExecutor final : public ActionExecutor {
 public:
  absl::Status Submit(ActionRequest request, DoneCallback done) override {
    if (done) done(request, ActionOutcome());
    return absl::OkStatus();
  }
};

std::string ReadPayload(const std::string& name) {
  std::ifstream in(std::string(AUTOHEAL_TEST_DATA) + "/payloads/" + name);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void BM_Receiver_Post(benchmark::State& state, const std::string& name) {
  testing::FakeClock clock;
  InMemoryCooldownStore store;
  NullExecutor executor;
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  auto audit = JsonLinesAuditSink::ForFd(devnull, "/dev/null", false);
  receiver::ReceiverDeps deps;
  deps.clock = &clock;
  deps.store = &store;
  deps.executor = &executor;
  deps.audit = audit.get();
  deps.env = [](const char*) { return std::optional<std::string>(); };
  auto receiver = *receiver::Receiver::Create(receiver::ReceiverConfig(), deps);

  std::string body = ReadPayload(name);
  std::pair<absl::string_view, absl::string_view> content_type{
      "Content-Type", "application/json"};
  http::HttpRequest request;
  request.method = "POST";
  request.path = "/alerts";
  request.body = body;
  request.headers.push_back(content_type);
  bench::AllocationCounter counter(state);
  for (auto _ : state) {
    http::HttpResponse response = receiver->Handle(request);
    if (response.status != 200) {
      state.SkipWithError(response.body.c_str());
      break;
    }
    benchmark::DoNotOptimize(response);
  }
  state.SetBytesProcessed(state.iterations() * body.size());
  close(devnull);
}
BENCHMARK_CAPTURE(BM_Receiver_Post, 01_single, "01-single-firing-autoheal.json");
BENCHMARK_CAPTURE(BM_Receiver_Post, 04_mixed, "04-mixed-group.json");
BENCHMARK_CAPTURE(BM_Receiver_Post, 20_two_hundred, "20-two-hundred-alerts.json");

// Parses `name` with ParseWebhookMessage() (Slow) or ParseNotification()
// (Fast); both return the same message.
template <bool kFast>
void BM_ParseBody(benchmark::State& state, const std::string& name) {
  const std::string body = ReadPayload(name);
  const ParseOptions options;
  bench::AllocationCounter counter(state);
  for (auto _ : state) {
    absl::StatusOr<WebhookMessage> message =
        kFast ? receiver::ParseNotification(body, options)
              : ParseWebhookMessage(body, options);
    if (!message.ok()) {
      state.SkipWithError(std::string(message.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(message);
  }
  state.SetBytesProcessed(state.iterations() * body.size());
}
void BM_ParseBody_Slow(benchmark::State& state, const std::string& name) {
  BM_ParseBody<false>(state, name);
}
void BM_ParseBody_Fast(benchmark::State& state, const std::string& name) {
  BM_ParseBody<true>(state, name);
}
BENCHMARK_CAPTURE(BM_ParseBody_Slow, 01_single, "01-single-firing-autoheal.json");
BENCHMARK_CAPTURE(BM_ParseBody_Fast, 01_single, "01-single-firing-autoheal.json");
BENCHMARK_CAPTURE(BM_ParseBody_Slow, 20_two_hundred, "20-two-hundred-alerts.json");
BENCHMARK_CAPTURE(BM_ParseBody_Fast, 20_two_hundred, "20-two-hundred-alerts.json");

}  // namespace
}  // namespace autoheal
