// The main() of autoheal's benchmarks.
//
// Debian builds Abseil without NDEBUG, which leaves absl::Mutex's debug
// deadlock detection on: a lock-graph lookup on every Lock(). autoheal's
// binaries switch it off at startup, as any production binary should; the
// benchmarks measure that configuration.
#include "absl/synchronization/mutex.h"
#include "benchmark/benchmark.h"

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
