// The action executor seam: runs a decided action asynchronously.
//
// The engine decides; an executor runs. `Submit()` hands over a request and
// returns at once; the outcome arrives later through the callback, so an HTTP
// receiver never waits for an action. The real executor (target
// `autoheal::process`) spawns the argv with posix_spawn and no shell; tests use
// `testing::RecordingExecutor` ("autoheal/testing/recording_executor.h").
//
// Thread safety: implementations must allow concurrent `Submit()` calls. The
// completion callback may run on any thread, including inside `Submit()`.

#ifndef AUTOHEAL_ACTION_EXECUTOR_H_
#define AUTOHEAL_ACTION_EXECUTOR_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/alert.h"
#include "autoheal/options.h"

namespace autoheal {

// Everything an executor needs, owned, so it outlives the HTTP request and a
// policy reload.
struct ActionRequest {
  Action action;       // a copy of the configured action; argv is final
                       // (any templated arguments already expanded)
  std::string key;     // the cooldown key the decision took
  Alert alert;         // the alert that triggered it
  absl::Time decided_at;
};

enum class OutcomeKind {
  kSuccess,     // exited with status 0
  kFailed,      // exited non-zero or was killed by a signal
  kTimedOut,    // exceeded the action's timeout and was terminated
  kSpawnError,  // could not be started (missing binary, no permission, ...)
};

// Returns the stable name: "success", "failed", "timed_out", "spawn_error".
absl::string_view OutcomeKindName(OutcomeKind kind);

struct ActionOutcome {
  OutcomeKind kind = OutcomeKind::kSuccess;
  int exit_code = 0;            // for kFailed; -signal when killed
  absl::Duration duration = absl::ZeroDuration();
  std::string stdout_excerpt;   // capped by the executor
  std::string stderr_excerpt;
  std::string error;            // for kSpawnError: what went wrong
  bool stdout_truncated = false;  // the output passed the cap; the excerpt
  bool stderr_truncated = false;  // holds its first cap bytes
};

class ActionExecutor {
 public:
  using DoneCallback = std::function<void(const ActionRequest&,
                                          const ActionOutcome&)>;

  ActionExecutor() = default;
  ActionExecutor(const ActionExecutor&) = delete;
  ActionExecutor& operator=(const ActionExecutor&) = delete;
  virtual ~ActionExecutor() = default;

  // Queues `request` and returns without waiting for it to run. Calls `done`
  // exactly once when the action ends, unless this returns an error.
  // Returns `kResourceExhausted` when the queue is full and
  // `kFailedPrecondition` after shutdown has begun.
  virtual absl::Status Submit(ActionRequest request, DoneCallback done) = 0;
};

}  // namespace autoheal

#endif  // AUTOHEAL_ACTION_EXECUTOR_H_
