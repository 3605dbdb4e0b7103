#include "receiver/store_health.h"

#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"

namespace autoheal {
namespace receiver {

StoreHealth::StoreHealth(absl::Time now) { snapshot_.since = now; }

bool StoreHealth::Observe(const absl::Status& status, absl::Time now) {
  internal::MutexLock lock(&mu_);
  const bool ready = status.ok();
  const bool changed = ready != snapshot_.ready;
  if (changed) snapshot_.since = now;
  snapshot_.ready = ready;
  if (ready) {
    snapshot_.error.clear();
  } else {
    snapshot_.error = std::string(status.message());
  }
  return changed;
}

StoreHealth::Snapshot StoreHealth::Get() const {
  internal::MutexLock lock(&mu_);
  return snapshot_;
}

absl::StatusOr<std::unique_ptr<StoreProber>> StoreProber::Start(
    std::function<void()> probe, absl::Duration interval) {
  std::unique_ptr<StoreProber> prober(
      new StoreProber(std::move(probe), interval));
  try {
    prober->thread_ = std::thread([raw = prober.get()] { raw->Run(); });
  } catch (const std::system_error& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot start the state store probe: ", e.what()));
  }
  return prober;
}

StoreProber::~StoreProber() {
  {
    internal::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void StoreProber::Run() {
  while (true) {
    {
      internal::MutexLock lock(&mu_);
      if (internal::AwaitWithRealTimeout(mu_, absl::Condition(&stopping_),
                                         interval_)) {
        return;
      }
    }
    probe_();
  }
}

}  // namespace receiver
}  // namespace autoheal
