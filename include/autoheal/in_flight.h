// The set of cooldown keys whose action is still running.
//
// The remediator marks a key when it submits the action and clears it when
// the action ends; the engine's in_flight gate reads it, so a key whose
// action outlives its cooldown is not started a second time.
//
// Thread safety: all methods may be called concurrently.
//
//   InFlightRegistry in_flight;
//   EngineDeps deps;
//   deps.in_flight = &in_flight;

#ifndef AUTOHEAL_IN_FLIGHT_H_
#define AUTOHEAL_IN_FLIGHT_H_

#include <cstddef>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {

class InFlightRegistry {
 public:
  InFlightRegistry() = default;
  InFlightRegistry(const InFlightRegistry&) = delete;
  InFlightRegistry& operator=(const InFlightRegistry&) = delete;

  // Marks `key` as running. Returns false if it already was.
  bool Begin(absl::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  // Marks `key` as no longer running. No-op if it was not.
  void End(absl::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  // Returns true while `key` is running.
  bool Contains(absl::string_view key) const ABSL_LOCKS_EXCLUDED(mu_);
  // Returns the number of running keys.
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable internal::Mutex mu_;
  absl::flat_hash_set<std::string> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace autoheal

#endif  // AUTOHEAL_IN_FLIGHT_H_
