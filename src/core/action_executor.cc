#include "autoheal/action_executor.h"

namespace autoheal {

absl::string_view OutcomeKindName(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::kSuccess:
      return "success";
    case OutcomeKind::kFailed:
      return "failed";
    case OutcomeKind::kTimedOut:
      return "timed_out";
    case OutcomeKind::kSpawnError:
      return "spawn_error";
  }
  return "unknown";
}

}  // namespace autoheal
