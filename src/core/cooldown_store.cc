#include "autoheal/cooldown_store.h"

#include "absl/strings/str_cat.h"

namespace autoheal {

absl::Status CooldownStore::CheckBatchSizes(
    absl::Span<const AcquireRequest> requests,
    absl::Span<AcquireResult> results) {
  if (results.size() == requests.size()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("AcquireBatch: ", requests.size(), " requests but ",
                   results.size(), " results"));
}

}  // namespace autoheal
