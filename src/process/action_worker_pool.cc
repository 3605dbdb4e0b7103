// The process executor's worker pool: threads, queue, shutdown.

#include "process/action_worker_pool.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"

namespace autoheal {
namespace internal {

bool ActionWorkerPool::Slot::RegisterGroup(pid_t pgid) {
  return pool_->RegisterGroup(index_, pgid);
}

bool ActionWorkerPool::Slot::UnregisterGroup() {
  return pool_->UnregisterGroup(index_);
}

absl::StatusOr<std::unique_ptr<ActionWorkerPool>> ActionWorkerPool::Start(
    size_t max_concurrent, size_t max_queue, Runner runner) {
  if (max_concurrent == 0) {
    return absl::InvalidArgumentError(
        "action worker pool: max_concurrent must be at least 1, got 0");
  }
  std::unique_ptr<ActionWorkerPool> pool(
      new ActionWorkerPool(max_concurrent, max_queue, std::move(runner)));
  {
    internal::MutexLock lock(&pool->mu_);
    pool->groups_.assign(max_concurrent, 0);
    pool->killed_.assign(max_concurrent, false);
  }
  try {
    for (size_t slot = 0; slot < max_concurrent; ++slot) {
      ActionWorkerPool* self = pool.get();
      pool->workers_.emplace_back([self, slot] { self->WorkerLoop(slot); });
      pool->worker_ids_.push_back(pool->workers_.back().get_id());
    }
  } catch (const std::system_error& e) {
    // The destructor stops and joins the workers that did start.
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot start process executor worker thread: ", e.what()));
  }
  return pool;
}

ActionWorkerPool::ActionWorkerPool(size_t max_concurrent, size_t max_queue,
                                   Runner runner)
    : max_concurrent_(max_concurrent),
      max_queue_(max_queue),
      runner_(std::move(runner)) {}

ActionWorkerPool::~ActionWorkerPool() {
  Shutdown(absl::ZeroDuration()).IgnoreError();
}

absl::Status ActionWorkerPool::Submit(ActionRequest request,
                                      ActionExecutor::DoneCallback done) {
  internal::MutexLock lock(&mu_);
  if (!accepting_) {
    return absl::FailedPreconditionError(
        absl::StrCat("process executor is shut down; action \"",
                     request.action.name, "\" was not run"));
  }
  const size_t capacity = max_concurrent_ + max_queue_;
  if (queue_.size() + running_ >= capacity) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "process executor is full (", capacity,
        " actions in flight: max_concurrent ", max_concurrent_,
        " + max_queue ", max_queue_, "); action \"", request.action.name,
        "\" was not run"));
  }
  queue_.push_back(Job{std::move(request), std::move(done)});
  return absl::OkStatus();
}

size_t ActionWorkerPool::InFlight() const {
  internal::MutexLock lock(&mu_);
  return queue_.size() + running_;
}

absl::Status ActionWorkerPool::Shutdown(absl::Duration wait) {
  if (IsWorkerThread()) {
    return absl::FailedPreconditionError(
        "ProcessExecutor::Shutdown() called from a done callback; it would "
        "wait for itself");
  }
  internal::MutexLock shutdown_lock(&shutdown_mu_);
  if (joined_) return absl::OkStatus();

  size_t killed = 0;
  size_t dropped = 0;
  {
    internal::MutexLock lock(&mu_);
    accepting_ = false;
    const bool finished = AwaitWithRealTimeout(
        mu_, absl::Condition(this, &ActionWorkerPool::Idle), wait);
    if (!finished) {
      kill_all_ = true;  // workers report what is still queued as dropped
      dropped = queue_.size();
      for (size_t slot = 0; slot < groups_.size(); ++slot) {
        if (groups_[slot] <= 0) continue;
        // The leader is not reaped before its slot is cleared, so this pgid
        // is still the action's group.
        kill(-groups_[slot], SIGKILL);
        killed_[slot] = true;
        ++killed;
      }
    }
  }
  StopWorkers();
  joined_ = true;
  if (killed == 0 && dropped == 0) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat("process executor shutdown: wait of ",
                   absl::FormatDuration(wait), " passed; killed ", killed,
                   " running and dropped ", dropped, " queued actions"));
}

void ActionWorkerPool::StopWorkers() {
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

bool ActionWorkerPool::IsWorkerThread() const {
  const std::thread::id self = std::this_thread::get_id();
  return std::find(worker_ids_.begin(), worker_ids_.end(), self) !=
         worker_ids_.end();
}

bool ActionWorkerPool::WorkAvailable() const {
  return !queue_.empty() || !accepting_;
}

bool ActionWorkerPool::Idle() const { return queue_.empty() && running_ == 0; }

void ActionWorkerPool::WorkerLoop(size_t slot_index) {
  // A child closing its stdin early must surface as EPIPE, never kill us.
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);

  Slot slot(this, slot_index);
  while (true) {
    Job job;
    bool drop = false;
    {
      internal::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &ActionWorkerPool::WorkAvailable));
      if (queue_.empty()) return;  // shutting down and nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
      drop = kill_all_;
    }
    ActionOutcome outcome;
    if (drop) {
      outcome.kind = OutcomeKind::kSpawnError;
      outcome.error =
          absl::StrCat("dropped: the executor shut down before action \"",
                       job.request.action.name, "\" could start");
    } else {
      outcome = runner_(job.request, slot);
    }
    if (job.done) job.done(job.request, outcome);
    internal::MutexLock lock(&mu_);
    --running_;
  }
}

bool ActionWorkerPool::RegisterGroup(size_t slot, pid_t pgid) {
  internal::MutexLock lock(&mu_);
  groups_[slot] = pgid;
  killed_[slot] = kill_all_;
  return !kill_all_;
}

bool ActionWorkerPool::UnregisterGroup(size_t slot) {
  internal::MutexLock lock(&mu_);
  groups_[slot] = 0;
  return killed_[slot];
}

}  // namespace internal
}  // namespace autoheal
