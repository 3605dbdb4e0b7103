// The real action executor: runs each action as a child process, with a fixed
// argv, a minimal environment and no shell (target `autoheal::process`).
//
// `ProcessExecutor` owns a fixed pool of worker threads and a bounded FIFO
// queue. Each accepted request runs on a worker: the program is started with
// posix_spawn in a new process group, gets the alert as JSON on stdin and as
// AUTOHEAL_* environment variables, and is terminated (SIGTERM, then SIGKILL,
// to the whole group) when it outlives its timeout. Its stdout and stderr are
// captured up to a cap.
//
// Thread safety: every public method may be called concurrently from any
// thread, except that `Shutdown()` and the destructor must not be called from
// inside a done callback (they wait for the workers that run the callbacks).
// Done callbacks run on the executor's worker threads, never while the
// executor holds a lock, so a callback may call `Submit()` or `InFlight()`.
//
// Process-wide requirements on the host program: it must not set SIGCHLD to
// SIG_IGN nor reap children it did not start (waitpid(-1, ...)), since the
// executor reaps its own children by pid. The executor never changes signal
// dispositions of the process; its worker threads block SIGPIPE so that a
// child that closes stdin early cannot kill the host.

#ifndef AUTOHEAL_PROCESS_EXECUTOR_H_
#define AUTOHEAL_PROCESS_EXECUTOR_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "autoheal/action_executor.h"
#include "autoheal/clock.h"

namespace autoheal {

namespace internal {
class ActionWorkerPool;
}  // namespace internal

struct ProcessExecutorOptions {
  // How many actions run at the same time (one worker thread each).
  // Default: 4. Must be at least 1.
  size_t max_concurrent = 4;

  // How many accepted actions may wait for a free worker. `Submit()` accepts
  // a request while `InFlight() < max_concurrent + max_queue`.
  // Default: 64. May be 0 (accept only when a worker is free).
  size_t max_queue = 64;

  // How long a timed-out action's process group has between SIGTERM and
  // SIGKILL.
  // Default: 5 s. Must be finite and not negative.
  absl::Duration kill_grace = absl::Seconds(5);

  // How many bytes of stdout, and separately of stderr, are kept. Output past
  // the cap is read and discarded, so the child never blocks on a full pipe,
  // and the outcome's `stdout_truncated` / `stderr_truncated` is set.
  // Default: 64 KiB.
  size_t output_cap_bytes = 64 * 1024;

  // The PATH given to every action, and the directories searched for an
  // argv[0] that is a bare name (see `ProcessExecutor`). Only absolute
  // entries are searched; empty and relative entries are skipped.
  // Default: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".
  std::string path =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  // After the action's main process has exited, how long output is still
  // collected from descendants that keep its stdout/stderr open. Collection
  // stops earlier when both pipes reach end of file.
  // Default: 100 ms. Must be finite and not negative.
  absl::Duration exit_drain = absl::Milliseconds(100);
};

// Runs actions as child processes on a bounded pool of worker threads.
//
//   absl::StatusOr<std::unique_ptr<ProcessExecutor>> executor =
//       ProcessExecutor::Create(ProcessExecutorOptions{}, /*clock=*/nullptr);
//   if (!executor.ok()) return executor.status();
//   absl::Status s = (*executor)->Submit(
//       std::move(request),
//       [](const ActionRequest& r, const ActionOutcome& o) { Audit(r, o); });
//   if (!s.ok()) ...;  // kResourceExhausted: queue full; nothing will run
//   ...
//   (*executor)->Shutdown(absl::Seconds(10));
//
// What a child gets (docs/policy.md, "What an action receives", spells it
// out with examples):
// - argv: exactly `request.action.argv`. argv[0] names the program. An
//   absolute path is executed as is. A bare name without '/' (such as
//   "systemctl") is looked up in `ProcessExecutorOptions::path`, and the
//   first executable regular file wins; argv[0] itself is passed unchanged.
//   A relative path containing '/' (such as "bin/fix") is rejected with
//   kSpawnError, since the receiver's working directory is no contract.
//   Files without a "#!" line are not run through a shell (kSpawnError).
// - environment, nothing inherited: PATH, AUTOHEAL_ALERTNAME,
//   AUTOHEAL_FINGERPRINT, AUTOHEAL_STATUS ("firing" or "resolved"), and
//   AUTOHEAL_LABEL_<NAME> per label with NAME uppercased. Left out of the
//   environment (but always present in the stdin JSON): a value that holds a
//   NUL byte or is longer than 4096 bytes; a label whose name is not
//   [a-zA-Z_][a-zA-Z0-9_]*; labels whose uppercased names collide (such as
//   "env" and "ENV"), all of them.
// - stdin: the alert as one JSON object, {"status", "labels", "annotations",
//   "startsAt", "endsAt", "generatorURL", "fingerprint"}, with invalid UTF-8
//   replaced by U+FFFD, then end of file. A child need not read it.
// - stdout/stderr: pipes to the executor; other descriptors are closed.
// - a new process group, an empty signal mask and default dispositions for
//   every standard signal (glibc's posix_spawn leaves its two internal
//   signals, 32 and 33, ignored). The working directory, umask and resource
//   limits are the host's.
//
// Endings:
// - exit 0: kSuccess. Exit n != 0: kFailed, exit_code n. Killed by signal s:
//   kFailed, exit_code -s.
// - past `request.action.timeout` (measured with the injected clock; an
//   infinite timeout never expires, a non-positive one at once): SIGTERM to
//   the process group, SIGKILL to the group `kill_grace` later or as soon as
//   the main process has exited, whichever comes first. Outcome kTimedOut;
//   exit_code as above. Processes that left the group (setsid, setpgid) are
//   out of reach.
// - a normal exit never signals the group: a remediation may legitimately
//   leave a daemon behind. Such a daemon should detach (setsid) and redirect
//   its output; the executor stops reading its pipes `exit_drain` after the
//   main process exits.
// - could not start (resolution failure, posix_spawn error such as ENOENT,
//   EACCES, ENOEXEC, E2BIG, or an empty argv or one holding a NUL byte):
//   kSpawnError, `error` naming the program and the reason.
// `duration` runs from just before the spawn to the end of output
// collection, on the injected clock (zero if the clock stepped back).
class ProcessExecutor final : public ActionExecutor {
 public:
  // Validates `options` and starts `options.max_concurrent` worker threads.
  // `clock` measures timeouts and durations; null means `RealClock()`; it is
  // not owned and must outlive the executor. The executor re-reads the clock
  // at least every 100 ms while an action runs, so a `testing::FakeClock`
  // that is advanced expires timeouts; one that is never advanced never
  // does. Returns kInvalidArgument for max_concurrent 0, a negative or
  // infinite kill_grace or exit_drain, or a path holding a NUL byte, and
  // kResourceExhausted if the threads cannot be started.
  static absl::StatusOr<std::unique_ptr<ProcessExecutor>> Create(
      ProcessExecutorOptions options, Clock* clock);

  // Calls `Shutdown(absl::ZeroDuration())` unless `Shutdown()` has already
  // completed: running actions are killed and queued ones are reported as
  // dropped; every pending done callback has run when this returns. Must not
  // run inside a done callback.
  ~ProcessExecutor() override;

  // Queues `request` and returns at once; never waits for the action. On OK,
  // `done` (which may be empty) is called exactly once, on a worker thread,
  // when the action has ended and its output has been collected. Returns
  // kResourceExhausted when `max_concurrent + max_queue` requests are in
  // flight and kFailedPrecondition once `Shutdown()` has begun; `done` is
  // then never called.
  absl::Status Submit(ActionRequest request, DoneCallback done) override;

  // Returns how many accepted requests have not finished yet: those waiting
  // in the queue plus those on a worker, counting a request until its done
  // callback has returned.
  size_t InFlight() const;

  // Stops accepting requests, then waits up to `wait` (real time, not the
  // injected clock) for every accepted request (queued ones included: they
  // still run) to finish. When `wait`
  // passes first, SIGKILLs the process group of every running action (its
  // outcome is kFailed, exit_code -9, `error` "killed by Shutdown()") and
  // reports each request still queued as kSpawnError with `error` saying it
  // was dropped. Joins the workers before returning, so every done callback
  // has run. Returns OK when all work finished within `wait`,
  // kDeadlineExceeded when something was killed or dropped, and
  // kFailedPrecondition when called from a done callback. A later call
  // returns OK at once.
  absl::Status Shutdown(absl::Duration wait);

 private:
  ProcessExecutor(ProcessExecutorOptions options, Clock* clock);

  const ProcessExecutorOptions options_;
  Clock* const clock_;
  // Set once in Create(); runs every action with internal::RunAction().
  std::unique_ptr<internal::ActionWorkerPool> pool_;
};

}  // namespace autoheal

#endif  // AUTOHEAL_PROCESS_EXECUTOR_H_
