#include "http/worker_pool.h"

#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace autoheal {
namespace http {

absl::StatusOr<std::unique_ptr<WorkerPool>> WorkerPool::Start(
    int threads, size_t queue_limit) {
  if (threads < 1 || queue_limit < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "worker pool: expected at least 1 thread and a queue of at least 1, "
        "got ", threads, " and ", queue_limit));
  }
  std::unique_ptr<WorkerPool> pool(new WorkerPool(queue_limit));
  for (int i = 0; i < threads; ++i) {
    try {
      pool->threads_.emplace_back([raw = pool.get()] { raw->WorkerLoop(); });
    } catch (const std::system_error& e) {
      // The destructor stops and joins the threads that did start.
      return absl::UnavailableError(
          absl::StrCat("worker pool: cannot start thread ", i + 1, " of ",
                       threads, ": ", e.what()));
    }
  }
  return pool;
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TrySubmit(Job job) {
  internal::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= queue_limit_) return false;
  queue_.push_back(std::move(job));
  return true;
}

size_t WorkerPool::queued() const {
  internal::MutexLock lock(&mu_);
  return queue_.size();
}

void WorkerPool::Stop() {
  internal::MutexLock stop_lock(&stop_mu_);
  {
    internal::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

bool WorkerPool::HasWorkOrStops() const { return stopping_ || !queue_.empty(); }

void WorkerPool::WorkerLoop() {
  while (true) {
    Job job;
    {
      internal::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WorkerPool::HasWorkOrStops));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace http
}  // namespace autoheal
