// Counts heap allocations made through operator new, process-wide, so that
// benchmarks can report allocations per operation. Linking
// allocation_counter.cc replaces the global operator new and delete.

#ifndef AUTOHEAL_BENCH_ALLOCATION_COUNTER_H_
#define AUTOHEAL_BENCH_ALLOCATION_COUNTER_H_

#include <cstdint>

#include "benchmark/benchmark.h"

namespace autoheal {
namespace bench {

// Returns the number of operator new calls so far.
int64_t AllocationCount();

// Reports `allocs_per_op` for the benchmark when it goes out of scope.
class AllocationCounter {
 public:
  explicit AllocationCounter(benchmark::State& state)
      : state_(state), start_(AllocationCount()) {}
  ~AllocationCounter() {
    state_.counters["allocs_per_op"] = benchmark::Counter(
        static_cast<double>(AllocationCount() - start_),
        benchmark::Counter::kAvgIterations);
  }

 private:
  benchmark::State& state_;
  int64_t start_;
};

}  // namespace bench
}  // namespace autoheal

#endif  // AUTOHEAL_BENCH_ALLOCATION_COUNTER_H_
