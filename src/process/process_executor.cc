// ProcessExecutor: validates its options and wires its parts together.
//
// The parts, each in its own file under src/process/:
//   action_worker_pool  threads, the bounded queue, Shutdown()'s kill/drop;
//   run_action          one action: spawn, supervise, drain, classify;
//   child_contract      the environment and stdin an action receives;
//   program_path        finding argv[0] in the configured PATH;
//   fd                  descriptors, pipes, poll() and chunked pipe I/O.

#include "autoheal/process_executor.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "process/action_worker_pool.h"
#include "process/run_action.h"

namespace autoheal {

absl::StatusOr<std::unique_ptr<ProcessExecutor>> ProcessExecutor::Create(
    ProcessExecutorOptions options, Clock* clock) {
  if (options.max_concurrent == 0) {
    return absl::InvalidArgumentError(
        "ProcessExecutorOptions.max_concurrent must be at least 1, got 0");
  }
  if (options.kill_grace < absl::ZeroDuration() ||
      options.kill_grace == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ProcessExecutorOptions.kill_grace must be finite and >= 0, got ",
        absl::FormatDuration(options.kill_grace)));
  }
  if (options.exit_drain < absl::ZeroDuration() ||
      options.exit_drain == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ProcessExecutorOptions.exit_drain must be finite and >= 0, got ",
        absl::FormatDuration(options.exit_drain)));
  }
  if (options.path.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        "ProcessExecutorOptions.path must not contain a NUL byte");
  }
  if (clock == nullptr) clock = RealClock();

  std::unique_ptr<ProcessExecutor> executor(
      new ProcessExecutor(std::move(options), clock));
  const ProcessExecutor* self = executor.get();
  absl::StatusOr<std::unique_ptr<internal::ActionWorkerPool>> pool =
      internal::ActionWorkerPool::Start(
          self->options_.max_concurrent, self->options_.max_queue,
          [self](const ActionRequest& request,
                 internal::ActionWorkerPool::Slot& slot) {
            return internal::RunAction(request, self->options_, self->clock_,
                                       slot);
          });
  if (!pool.ok()) return pool.status();
  executor->pool_ = *std::move(pool);
  return executor;
}

ProcessExecutor::ProcessExecutor(ProcessExecutorOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

ProcessExecutor::~ProcessExecutor() {
  // pool_ is null only when Create() could not start the workers.
  if (pool_ != nullptr) Shutdown(absl::ZeroDuration()).IgnoreError();
}

absl::Status ProcessExecutor::Submit(ActionRequest request, DoneCallback done) {
  return pool_->Submit(std::move(request), std::move(done));
}

size_t ProcessExecutor::InFlight() const { return pool_->InFlight(); }

absl::Status ProcessExecutor::Shutdown(absl::Duration wait) {
  return pool_->Shutdown(wait);
}

}  // namespace autoheal
