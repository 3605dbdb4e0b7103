// The process executor's worker pool: a fixed set of threads, each running
// one action at a time, fed by a bounded FIFO queue, with a shutdown that
// waits, then kills what still runs and drops what is still queued.
//
// The pool does not know how an action runs: a `Runner` does (RunAction()
// in process/run_action.h). It knows only that a runner may start a process
// group, which the runner records on its worker's `Slot` so that a shutdown
// whose wait has passed can SIGKILL it.
//
// Semantics (ProcessExecutor's, see autoheal/process_executor.h):
// - `Submit()` accepts while fewer than max_concurrent + max_queue requests
//   are in flight (queued, running, or in their done callback); otherwise
//   kResourceExhausted. After `Shutdown()` began: kFailedPrecondition.
// - `Shutdown(wait)` stops accepting, waits up to `wait` (real time) for
//   everything accepted, queued requests included, to finish. If the wait
//   passes, it SIGKILLs every registered process group and has the workers
//   report each request still queued as kSpawnError "dropped: ..." without
//   running it. It then joins the workers and returns kDeadlineExceeded with
//   the counts, or OK when nothing was killed or dropped.
//
// Thread safety: every method may be called from any thread, except that
// `Shutdown()` and the destructor must not be called from a runner or a done
// callback (they wait for the worker running it; `Shutdown()` detects this
// and returns kFailedPrecondition). Runners and done callbacks are called
// without any pool lock held. A `Slot` belongs to its worker thread.
//
// This header is internal to autoheal (not installed).
//
//   absl::StatusOr<std::unique_ptr<ActionWorkerPool>> pool =
//       ActionWorkerPool::Start(4, 64,
//           [](const ActionRequest& r, ActionWorkerPool::Slot& slot) {
//             return Run(r, slot);
//           });
//   absl::Status s = (*pool)->Submit(std::move(request), std::move(done));

#ifndef AUTOHEAL_PROCESS_ACTION_WORKER_POOL_H_
#define AUTOHEAL_PROCESS_ACTION_WORKER_POOL_H_

#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "autoheal/action_executor.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {
namespace internal {

class ActionWorkerPool {
 public:
  // One worker's record of the process group its current action runs in.
  // Handed to the runner; valid only during that call, on that thread.
  class Slot {
   public:
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

    // Records `pgid` as this worker's running process group. Returns false
    // when Shutdown()'s wait has already passed: the caller must then kill
    // the group itself (it is recorded as killed by Shutdown()).
    bool RegisterGroup(pid_t pgid);

    // Forgets this worker's group. Call it before reaping the group's
    // leader, so that a recorded pgid always names a live or zombie leader
    // and Shutdown() can never signal a recycled one. Returns whether
    // Shutdown() killed the group while it was recorded.
    bool UnregisterGroup();

   private:
    friend class ActionWorkerPool;
    Slot(ActionWorkerPool* pool, size_t index) : pool_(pool), index_(index) {}

    ActionWorkerPool* const pool_;
    const size_t index_;
  };

  // Runs one request to its end on the calling worker and returns the
  // outcome. Called without any pool lock held.
  using Runner = std::function<ActionOutcome(const ActionRequest&, Slot&)>;

  // Starts `max_concurrent` (>= 1) workers, with room for `max_queue` more
  // requests waiting, that run requests with `runner`. Returns
  // kInvalidArgument for max_concurrent 0, kResourceExhausted when a thread
  // cannot be started (the workers that did start are stopped again).
  static absl::StatusOr<std::unique_ptr<ActionWorkerPool>> Start(
      size_t max_concurrent, size_t max_queue, Runner runner);

  ActionWorkerPool(const ActionWorkerPool&) = delete;
  ActionWorkerPool& operator=(const ActionWorkerPool&) = delete;

  // Calls `Shutdown(absl::ZeroDuration())` unless a Shutdown() has
  // completed.
  ~ActionWorkerPool();

  // Queues `request`; on OK, `done` (which may be empty) is called exactly
  // once, on a worker, with the outcome. Errors as in the file comment;
  // `done` is then never called.
  absl::Status Submit(ActionRequest request, ActionExecutor::DoneCallback done)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Returns how many accepted requests have not finished: queued, running,
  // or in their done callback.
  size_t InFlight() const ABSL_LOCKS_EXCLUDED(mu_);

  // Stops the pool as the file comment says. A later call returns OK at
  // once.
  absl::Status Shutdown(absl::Duration wait) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Job {
    ActionRequest request;
    ActionExecutor::DoneCallback done;
  };

  ActionWorkerPool(size_t max_concurrent, size_t max_queue, Runner runner);

  void WorkerLoop(size_t slot) ABSL_LOCKS_EXCLUDED(mu_);
  bool RegisterGroup(size_t slot, pid_t pgid) ABSL_LOCKS_EXCLUDED(mu_);
  bool UnregisterGroup(size_t slot) ABSL_LOCKS_EXCLUDED(mu_);
  bool IsWorkerThread() const;
  void StopWorkers() ABSL_LOCKS_EXCLUDED(mu_);

  bool WorkAvailable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_concurrent_;
  const size_t max_queue_;
  const Runner runner_;

  mutable internal::Mutex mu_;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  size_t running_ ABSL_GUARDED_BY(mu_) = 0;  // jobs taken by workers
  bool accepting_ ABSL_GUARDED_BY(mu_) = true;
  bool kill_all_ ABSL_GUARDED_BY(mu_) = false;  // Shutdown()'s wait passed
  // Per worker: the process group it runs, or 0.
  std::vector<pid_t> groups_ ABSL_GUARDED_BY(mu_);
  // Per worker: whether Shutdown() killed its current group.
  std::vector<bool> killed_ ABSL_GUARDED_BY(mu_);

  internal::Mutex shutdown_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // serialises Shutdown()
  bool joined_ ABSL_GUARDED_BY(shutdown_mu_) = false;
  // Written only in Start(), before any other method can run.
  std::vector<std::thread> workers_;
  std::vector<std::thread::id> worker_ids_;
};

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_PROCESS_ACTION_WORKER_POOL_H_
