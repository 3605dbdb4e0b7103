// Whether the state store can be reached, as the receiver last saw it, so
// that GET /readyz answers from memory at once, whatever the store is doing
// (a readiness probe must never wait behind a stalled store).
//
// Two sources keep it fresh: the receiver's own store calls (a decision
// that failed closed marks the store unavailable at once; one the store
// answered marks it reachable), and a `StoreProber` that pings the store
// on its own thread every second, so that readiness also returns after an
// outage while no alert arrives.
//
// Thread safety: every method may be called from any thread.
//
//   StoreHealth health(clock->Now());
//   health.Observe(store->Ping(), clock->Now());
//   if (!health.Get().ready) return Http503();

#ifndef AUTOHEAL_RECEIVER_STORE_HEALTH_H_
#define AUTOHEAL_RECEIVER_STORE_HEALTH_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {
namespace receiver {

class StoreHealth {
 public:
  struct Snapshot {
    bool ready = true;
    // The last error, when not ready.
    std::string error;
    // When the store last changed between reachable and not.
    absl::Time since;
  };

  // Starts ready at `now`: the store was opened (and reached) at startup.
  explicit StoreHealth(absl::Time now);

  // Records the result of a store call that ended at `now`: OK means the
  // store answered; any error means it could not be reached. Returns whether
  // readiness changed.
  bool Observe(const absl::Status& status, absl::Time now)
      ABSL_LOCKS_EXCLUDED(mu_);

  Snapshot Get() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable internal::Mutex mu_;
  Snapshot snapshot_ ABSL_GUARDED_BY(mu_);
};

// Runs `probe` on a thread of its own every `interval` until destroyed.
class StoreProber {
 public:
  // Starts the thread. kUnavailable when it cannot be started.
  static absl::StatusOr<std::unique_ptr<StoreProber>> Start(
      std::function<void()> probe, absl::Duration interval);

  StoreProber(const StoreProber&) = delete;
  StoreProber& operator=(const StoreProber&) = delete;
  // Stops the thread; waits for a probe in progress to return.
  ~StoreProber();

 private:
  StoreProber(std::function<void()> probe, absl::Duration interval)
      : probe_(std::move(probe)), interval_(interval) {}
  void Run() ABSL_LOCKS_EXCLUDED(mu_);

  const std::function<void()> probe_;
  const absl::Duration interval_;
  internal::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace receiver
}  // namespace autoheal

#endif  // AUTOHEAL_RECEIVER_STORE_HEALTH_H_
