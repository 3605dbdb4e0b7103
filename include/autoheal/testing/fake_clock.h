// A clock that tests move by hand.
//
// Thread safety: `Now()`, `Advance()` and `Set()` may be called concurrently;
// the time is one atomic value.
//
//   testing::FakeClock clock(absl::FromUnixSeconds(1000));
//   EngineDeps deps;
//   deps.clock = &clock;
//   clock.Advance(absl::Seconds(120) - absl::Nanoseconds(1));

#ifndef AUTOHEAL_TESTING_FAKE_CLOCK_H_
#define AUTOHEAL_TESTING_FAKE_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "autoheal/clock.h"

namespace autoheal {
namespace testing {

class FakeClock final : public Clock {
 public:
  // Starts at `start`. Default: 2026-01-01T00:00:00Z.
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1767225600))
      : nanos_(absl::ToUnixNanos(start)) {}

  absl::Time Now() const override {
    return absl::FromUnixNanos(nanos_.load(std::memory_order_acquire));
  }

  // Moves time by `delta`, which may be negative (a clock stepping back).
  void Advance(absl::Duration delta) {
    nanos_.fetch_add(absl::ToInt64Nanoseconds(delta),
                     std::memory_order_acq_rel);
  }

  // Sets the time to `t`.
  void Set(absl::Time t) {
    nanos_.store(absl::ToUnixNanos(t), std::memory_order_release);
  }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace testing
}  // namespace autoheal

#endif  // AUTOHEAL_TESTING_FAKE_CLOCK_H_
