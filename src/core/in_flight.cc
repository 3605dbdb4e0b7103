#include "autoheal/in_flight.h"

namespace autoheal {

bool InFlightRegistry::Begin(absl::string_view key) {
  internal::MutexLock lock(&mu_);
  return keys_.emplace(key).second;
}

void InFlightRegistry::End(absl::string_view key) {
  internal::MutexLock lock(&mu_);
  auto it = keys_.find(key);
  if (it != keys_.end()) keys_.erase(it);
}

bool InFlightRegistry::Contains(absl::string_view key) const {
  internal::MutexLock lock(&mu_);
  return keys_.contains(key);
}

size_t InFlightRegistry::size() const {
  internal::MutexLock lock(&mu_);
  return keys_.size();
}

}  // namespace autoheal
