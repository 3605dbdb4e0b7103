// A cooldown store wrapper with a fault switch, for fail-closed tests.
//
// Thread safety: as the wrapped store; the switch is atomic.
//
//   InMemoryCooldownStore real;
//   testing::FaultyCooldownStore store(&real);
//   store.set_down(true);   // every call now returns kUnavailable

#ifndef AUTOHEAL_TESTING_FAULTY_COOLDOWN_STORE_H_
#define AUTOHEAL_TESTING_FAULTY_COOLDOWN_STORE_H_

#include <atomic>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "autoheal/cooldown_store.h"

namespace autoheal {
namespace testing {

class FaultyCooldownStore final : public CooldownStore {
 public:
  // Forwards to `*inner`, which must outlive this object.
  explicit FaultyCooldownStore(CooldownStore* inner) : inner_(inner) {}

  absl::StatusOr<AcquireResult> Acquire(
      const AcquireRequest& request) override {
    if (down()) return Down();
    return inner_->Acquire(request);
  }
  absl::Status AcquireBatch(absl::Span<const AcquireRequest> requests,
                            absl::Span<AcquireResult> results) override {
    if (down()) return Down();
    return inner_->AcquireBatch(requests, results);
  }
  absl::StatusOr<bool> ClearEscalation(absl::string_view key) override {
    if (down()) return Down();
    return inner_->ClearEscalation(key);
  }
  absl::StatusOr<std::vector<EscalatedKey>> ListEscalated(
      absl::Time now, size_t limit) override {
    if (down()) return Down();
    return inner_->ListEscalated(now, limit);
  }

  absl::Status Ping() override {
    if (down()) return Down();
    return inner_->Ping();
  }

  // Turns the fault on or off.
  void set_down(bool down) { down_.store(down, std::memory_order_release); }

 private:
  bool down() const { return down_.load(std::memory_order_acquire); }
  static absl::Status Down() {
    return absl::UnavailableError("state store is down (injected fault)");
  }

  CooldownStore* const inner_;
  std::atomic<bool> down_{false};
};

}  // namespace testing
}  // namespace autoheal

#endif  // AUTOHEAL_TESTING_FAULTY_COOLDOWN_STORE_H_
