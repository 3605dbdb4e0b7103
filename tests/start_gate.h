// StartGate: releases a fixed number of threads at once, so that a
// concurrency test makes them contend instead of running one after another.
// Replaces absl::Barrier, whose internal absl::Mutex TSan cannot see (see
// autoheal/internal/mutex.h).
//
// Thread safety: ArriveAndWait() may be called concurrently; the gate must
// outlive every call.
//
//   testutil::StartGate gate(kThreads);
//   ... on each of kThreads threads: gate.ArriveAndWait(); contend ...

#ifndef AUTOHEAL_TESTS_START_GATE_H_
#define AUTOHEAL_TESTS_START_GATE_H_

#include "absl/base/thread_annotations.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {
namespace testutil {

class StartGate {
 public:
  explicit StartGate(int threads) : missing_(threads) {}
  StartGate(const StartGate&) = delete;
  StartGate& operator=(const StartGate&) = delete;

  // Blocks until `threads` calls (this one included) have arrived.
  void ArriveAndWait() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    --missing_;
    mu_.Await(absl::Condition(this, &StartGate::AllArrived));
  }

 private:
  bool AllArrived() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return missing_ <= 0;
  }

  internal::Mutex mu_;
  int missing_ ABSL_GUARDED_BY(mu_);
};

}  // namespace testutil
}  // namespace autoheal

#endif  // AUTOHEAL_TESTS_START_GATE_H_
