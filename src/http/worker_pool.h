// A fixed set of threads that run submitted jobs in order, with a bounded
// queue: the HTTP server hands them the requests that may wait on I/O (the
// state store, the audit log), so that the event loop, which serves every
// other connection, never does.
//
// `TrySubmit()` never blocks: when `queue_limit` jobs already wait, it
// refuses, and the caller answers at once (the receiver's 503 with
// Retry-After). `Stop()` runs every job already queued, then joins.
//
// Thread safety: every method may be called from any thread, except that
// `Stop()` (and so the destructor) must not be called from a job.
//
// This header is internal to autoheal (not installed).
//
//   absl::StatusOr<std::unique_ptr<WorkerPool>> pool = WorkerPool::Start(2, 64);
//   if (!(*pool)->TrySubmit([] { Work(); })) AnswerBusy();

#ifndef AUTOHEAL_HTTP_WORKER_POOL_H_
#define AUTOHEAL_HTTP_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {
namespace http {

class WorkerPool {
 public:
  using Job = std::function<void()>;

  // Starts `threads` (>= 1) workers whose queue holds at most `queue_limit`
  // (>= 1) jobs that no worker has picked up yet. Returns kInvalidArgument
  // for a bound below 1, kUnavailable when a thread cannot be started.
  static absl::StatusOr<std::unique_ptr<WorkerPool>> Start(int threads,
                                                           size_t queue_limit);

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Calls Stop().
  ~WorkerPool();

  // Queues `job` and returns true, or returns false without keeping it when
  // the queue is full or the pool is stopping. Never blocks on a job.
  bool TrySubmit(Job job) ABSL_LOCKS_EXCLUDED(mu_);

  // Returns the number of jobs waiting for a worker (not those running).
  size_t queued() const ABSL_LOCKS_EXCLUDED(mu_);

  // Refuses new jobs, lets the workers finish every queued job, and joins
  // them. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  explicit WorkerPool(size_t queue_limit) : queue_limit_(queue_limit) {}
  void WorkerLoop() ABSL_LOCKS_EXCLUDED(mu_);
  bool HasWorkOrStops() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t queue_limit_;
  mutable internal::Mutex mu_;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // written by Start() and Stop() only
  internal::Mutex stop_mu_;  // serialises Stop()
};

}  // namespace http
}  // namespace autoheal

#endif  // AUTOHEAL_HTTP_WORKER_POOL_H_
