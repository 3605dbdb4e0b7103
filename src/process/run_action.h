// One action, start to end, on the calling thread: the process executor's
// runner. `RunAction()` is four steps, each a function in run_action.cc:
//
//   1. spawn      check argv, resolve argv[0] (process/program_path.h),
//                 build the environment and stdin (process/child_contract.h),
//                 make the pipes, posix_spawn into a new process group;
//   2. supervise  register the group with the worker's pool slot, feed stdin
//                 and read stdout/stderr until the main process exits; past
//                 the timeout SIGTERM the group, then SIGKILL it kill_grace
//                 later; SIGKILL a timed-out group's leftovers, unregister,
//                 reap the main process;
//   3. drain      read what descendants still write, for at most exit_drain;
//   4. classify   turn how the process ended into the outcome's kind,
//                 exit_code and error (`ClassifyEnding()`).
//
// Time is read only through the injected Clock; waiting happens only inside
// poll(). The calling thread must block SIGPIPE (the pool's workers do).
//
// Thread safety: `RunAction()` may run on several threads at once, each
// with its own slot. `ClassifyEnding()` is a pure function.
//
// This header is internal to autoheal (not installed).

#ifndef AUTOHEAL_PROCESS_RUN_ACTION_H_
#define AUTOHEAL_PROCESS_RUN_ACTION_H_

#include <string>

#include "absl/time/time.h"
#include "autoheal/action_executor.h"
#include "autoheal/clock.h"
#include "autoheal/process_executor.h"
#include "process/action_worker_pool.h"

namespace autoheal {
namespace internal {

// How far the timeout went before the main process exited.
enum class Escalation {
  kNone,     // the process exited within its timeout
  kSigterm,  // the timeout passed: the group got SIGTERM
  kSigkill,  // it outlived kill_grace after SIGTERM: the group got SIGKILL
};

// How an action's main process ended, as supervision saw it.
struct ChildEnding {
  Escalation escalation = Escalation::kNone;
  // The exit status could not be collected: someone else reaped the process
  // (the host ignores SIGCHLD or calls waitpid(-1)).
  bool status_lost = false;
  // The wait(2) status; meaningful only when !status_lost.
  int wait_status = 0;
  // Shutdown() SIGKILLed the group while it ran.
  bool killed_by_shutdown = false;
};

// Sets `outcome->kind`, `exit_code` and `error` from `ending`:
// - exit_code: the exit status n, -s when killed by signal s, -1 when the
//   status was lost (0 for a wait status that is neither, which waitpid
//   without WUNTRACED never returns).
// - kind and error, first match wins:
//   - escalated: kTimedOut, error "<shown> timed out after <timeout>; sent
//     SIGTERM", or "...; still running <kill_grace> after SIGTERM, sent
//     SIGKILL";
//   - status lost: kFailed, "exit status of <shown> is unavailable (...)";
//   - killed by Shutdown() and died of SIGKILL: kFailed, "killed by
//     Shutdown()";
//   - exit 0 without a signal: kSuccess, else kFailed (error empty).
// `shown` names the program in messages (see RunAction()). The other fields
// of `*outcome` are left alone; the pointer is not kept.
void ClassifyEnding(const ChildEnding& ending, const std::string& shown,
                    absl::Duration timeout, absl::Duration kill_grace,
                    ActionOutcome* outcome);

// Runs `request` to its end as ProcessExecutor documents
// (autoheal/process_executor.h) and returns the outcome; never fails
// otherwise. Uses `options`' kill_grace, output_cap_bytes, path and
// exit_drain; measures the timeout and `duration` on `clock`. Records the
// child's process group in `slot` while it runs. Blocks until the action
// has ended and its output has been collected. No argument is kept.
ActionOutcome RunAction(const ActionRequest& request,
                        const ProcessExecutorOptions& options, Clock* clock,
                        ActionWorkerPool::Slot& slot);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_PROCESS_RUN_ACTION_H_
