// The only production file that reads the real clock or waits on it
// (scripts/check_no_clock.sh enforces this).
#include "autoheal/clock.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {
namespace {

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock* RealClock() {
  static SystemClock* const clock = new SystemClock();
  return clock;
}

namespace internal {

bool AwaitWithRealTimeout(internal::Mutex& mu, const absl::Condition& condition,
                          absl::Duration timeout) {
  mu.ReleaseForWait();
  const bool holds = mu.mu_.AwaitWithTimeout(
      condition, std::max(timeout, absl::ZeroDuration()));
  mu.ReacquireAfterWait();
  return holds;
}

}  // namespace internal
}  // namespace autoheal
