// The only production file that reads the system clock.
#include "autoheal/clock.h"

#include "absl/time/clock.h"

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

}  // namespace autoheal
