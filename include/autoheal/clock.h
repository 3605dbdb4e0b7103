// The clock seam: the only way production code learns the time.
//
// Every component that needs "now" takes a `Clock*`, so that tests drive time
// by hand with `testing::FakeClock` ("autoheal/testing/fake_clock.h") and can
// assert exact cooldown boundaries without sleeping.
//
// Thread safety: implementations must allow concurrent calls to `Now()`.

#ifndef AUTOHEAL_CLOCK_H_
#define AUTOHEAL_CLOCK_H_

#include "absl/time/time.h"

namespace autoheal {

class Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  virtual ~Clock() = default;

  // Returns the current time. May step backwards (the wall clock can be
  // corrected); the engine never lets that shorten a cooldown.
  virtual absl::Time Now() const = 0;
};

// Returns the process-wide real clock (the system's wall clock). Never null;
// lives for the whole program.
Clock* RealClock();

}  // namespace autoheal

#endif  // AUTOHEAL_CLOCK_H_
