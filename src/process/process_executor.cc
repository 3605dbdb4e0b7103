// ProcessExecutor: posix_spawn, pipes and poll(), one action per worker.
//
// Each worker runs one action at a time in a single poll() loop that feeds
// stdin, drains stdout/stderr and watches a pidfd for the child's exit, so a
// child that never reads stdin or floods its output cannot block us. Time is
// read only through the injected Clock; waiting happens only inside poll().

#include "autoheal/process_executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/errno_text.h"
#include "process/action_worker_pool.h"
#include "process/child_contract.h"
#include "process/fd.h"
#include "process/program_path.h"

namespace autoheal {
namespace {

using internal::ChildEnvironment;
using internal::ChildStdin;
using internal::kChunkBytes;
using internal::MakePipe;
using internal::OpenPidfd;
using internal::OutputBuffer;
using internal::PollSet;
using internal::ReadChunk;
using internal::ResolveProgram;
using internal::SetNonBlocking;
using internal::UniqueFd;
using internal::WriteChunk;

// How often a running action re-reads the clock, at the least.
constexpr absl::Duration kMaxPollInterval = absl::Milliseconds(100);
// How often the child is checked when pidfd_open() is unavailable.
constexpr absl::Duration kNoPidfdTick = absl::Milliseconds(20);
// poll() wake-ups allowed while draining after exit, on top of one per
// millisecond of `exit_drain`; bounds the drain even on a frozen clock.
constexpr int64_t kDrainBaseWakeups = 64;

// RAII for posix_spawn's attribute and file-action objects.
struct SpawnSetup {
  SpawnSetup() {
    attr_ok = posix_spawnattr_init(&attr) == 0;
    actions_ok = posix_spawn_file_actions_init(&actions) == 0;
  }
  ~SpawnSetup() {
    if (attr_ok) posix_spawnattr_destroy(&attr);
    if (actions_ok) posix_spawn_file_actions_destroy(&actions);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // Returns 0 or an errno value.
  int Configure(int stdin_fd, int stdout_fd, int stderr_fd) {
    if (!attr_ok || !actions_ok) return ENOMEM;
    int rc = 0;
    if ((rc = posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2)) != 0) {
      return rc;
    }
#if defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Everything we open is O_CLOEXEC already; this also closes descriptors
    // other code in the host left inheritable.
    if ((rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) != 0) {
      return rc;
    }
#endif
    sigset_t empty;
    sigemptyset(&empty);
    sigset_t all;
    sigfillset(&all);
    const short flags =  // NOLINT(runtime/int): posix_spawnattr_setflags
        POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if ((rc = posix_spawnattr_setflags(&attr, flags)) != 0 ||
        (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
        (rc = posix_spawnattr_setsigmask(&attr, &empty)) != 0 ||
        (rc = posix_spawnattr_setsigdefault(&attr, &all)) != 0) {
      return rc;
    }
    return 0;
  }

  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  bool attr_ok = false;
  bool actions_ok = false;
};

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Runs `request` to its end on the calling worker and returns its outcome;
// records the child's process group in `slot` while it runs.
ActionOutcome RunAction(const ActionRequest& request,
                        const ProcessExecutorOptions& options, Clock* clock,
                        internal::ActionWorkerPool::Slot& slot) {
  const absl::Time start = clock->Now();
  ActionOutcome outcome;
  auto elapsed = [&] {
    return std::max(absl::ZeroDuration(), clock->Now() - start);
  };
  auto spawn_error = [&](std::string error) {
    outcome.kind = OutcomeKind::kSpawnError;
    outcome.error = std::move(error);
    outcome.duration = elapsed();
    return outcome;
  };

  // Build everything the child gets.
  std::vector<std::string> argv = request.action.argv;
  if (argv.empty()) {
    return spawn_error(
        absl::StrCat("action \"", request.action.name, "\" has an empty argv"));
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i].find('\0') != std::string::npos) {
      return spawn_error(absl::StrCat("argv[", i, "] of action \"",
                                      request.action.name,
                                      "\" contains a NUL byte"));
    }
  }
  absl::StatusOr<std::string> program = ResolveProgram(argv[0], options.path);
  if (!program.ok()) {
    return spawn_error(std::string(program.status().message()));
  }
  std::vector<std::string> env = ChildEnvironment(request.alert, options.path);
  const std::string input = ChildStdin(request.alert);

  UniqueFd in_read, in_write, out_read, out_write, err_read, err_write;
  absl::Status pipes = MakePipe(&in_read, &in_write);
  if (pipes.ok()) pipes = MakePipe(&out_read, &out_write);
  if (pipes.ok()) pipes = MakePipe(&err_read, &err_write);
  if (pipes.ok()) pipes = SetNonBlocking(in_write.get());
  if (pipes.ok()) pipes = SetNonBlocking(out_read.get());
  if (pipes.ok()) pipes = SetNonBlocking(err_read.get());
  if (!pipes.ok()) {
    return spawn_error(absl::StrCat("cannot set up pipes for \"", argv[0],
                                    "\": ", pipes.message()));
  }

  const std::string shown =
      *program == argv[0] ? absl::StrCat("\"", argv[0], "\"")
                          : absl::StrCat("\"", argv[0], "\" (", *program, ")");
  pid_t pid = -1;
  {
    SpawnSetup setup;
    int rc = setup.Configure(in_read.get(), out_write.get(), err_write.get());
    if (rc == 0) {
      std::vector<char*> argv_ptrs = CStrings(argv);
      std::vector<char*> env_ptrs = CStrings(env);
      rc = posix_spawn(&pid, program->c_str(), &setup.actions, &setup.attr,
                       argv_ptrs.data(), env_ptrs.data());
    }
    if (rc != 0) {
      return spawn_error(
          absl::StrCat("cannot spawn ", shown, ": ", internal::ErrnoText(rc)));
    }
  }
  // The child holds its own copies; ours would keep the pipes from closing.
  in_read.Reset();
  out_write.Reset();
  err_write.Reset();

  if (!slot.RegisterGroup(pid)) kill(-pid, SIGKILL);  // Shutdown() overtook
  UniqueFd pidfd = OpenPidfd(pid);

  OutputBuffer out_buf(options.output_cap_bytes);
  OutputBuffer err_buf(options.output_cap_bytes);
  std::vector<char> chunk(kChunkBytes);
  size_t input_offset = 0;

  enum class Phase { kRunning, kTerminating, kKilled };
  Phase phase = Phase::kRunning;
  const absl::Duration timeout = request.action.timeout;
  const absl::Time deadline = timeout == absl::InfiniteDuration()
                                  ? absl::InfiniteFuture()
                                  : start + timeout;
  absl::Time kill_at = absl::InfiniteFuture();
  bool status_lost = false;

  // Run until the main process exits, feeding stdin and draining output.
  while (true) {
    siginfo_t info;
    info.si_pid = 0;
    // WNOWAIT leaves a zombie, so the pgid cannot be recycled before we are
    // done signalling the group.
    if (waitid(P_PID, static_cast<id_t>(pid), &info,
               WEXITED | WNOHANG | WNOWAIT) == 0) {
      if (info.si_pid == pid) break;
    } else if (errno != EINTR) {
      status_lost = true;  // ECHILD: someone else reaped it (SIGCHLD ignored?)
      break;
    }

    const absl::Time now = clock->Now();
    if (phase == Phase::kRunning && now >= deadline) {
      kill(-pid, SIGTERM);
      phase = Phase::kTerminating;
      kill_at = now + options.kill_grace;
    }
    if (phase == Phase::kTerminating && now >= kill_at) {
      kill(-pid, SIGKILL);
      phase = Phase::kKilled;
    }
    absl::Duration wait = kMaxPollInterval;
    if (phase == Phase::kRunning) wait = std::min(wait, deadline - now);
    if (phase == Phase::kTerminating) wait = std::min(wait, kill_at - now);
    if (!pidfd.valid()) wait = std::min(wait, kNoPidfdTick);

    PollSet set;
    set.Add(pidfd, POLLIN);  // readable once the child has exited
    const int in_index = set.Add(in_write, POLLOUT);
    const int out_index = set.Add(out_read, POLLIN);
    const int err_index = set.Add(err_read, POLLIN);
    if (set.Poll(wait) <= 0) continue;
    if (set.Ready(in_index)) WriteChunk(&in_write, input, &input_offset);
    if (set.Ready(out_index)) ReadChunk(&out_read, &out_buf, &chunk);
    if (set.Ready(err_index)) ReadChunk(&err_read, &err_buf, &chunk);
  }

  // A timed-out action's leftovers go too; a normal exit leaves the group
  // alone (a restart may legitimately leave a daemon behind).
  if (phase != Phase::kRunning) kill(-pid, SIGKILL);
  const bool killed_by_shutdown = slot.UnregisterGroup();
  int wait_status = 0;
  if (!status_lost) {
    pid_t reaped;
    while ((reaped = waitpid(pid, &wait_status, 0)) < 0 && errno == EINTR) {
    }
    if (reaped != pid) status_lost = true;
  }
  in_write.Reset();

  // Collect what is left, for a bounded time: a descendant may hold the
  // pipes open for ever.
  const absl::Time drain_end = clock->Now() + options.exit_drain;
  int64_t wakeups_left =
      kDrainBaseWakeups + absl::ToInt64Milliseconds(options.exit_drain);
  while ((out_read.valid() || err_read.valid()) && wakeups_left-- > 0) {
    const absl::Duration left = std::clamp(
        drain_end - clock->Now(), absl::ZeroDuration(), options.exit_drain);
    PollSet set;
    const int out_index = set.Add(out_read, POLLIN);
    const int err_index = set.Add(err_read, POLLIN);
    const int ready = set.Poll(left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;  // quiet for the rest of the drain, or poll failed
    if (set.Ready(out_index)) ReadChunk(&out_read, &out_buf, &chunk);
    if (set.Ready(err_index)) ReadChunk(&err_read, &err_buf, &chunk);
  }

  outcome.stdout_excerpt = std::move(out_buf.data());
  outcome.stderr_excerpt = std::move(err_buf.data());
  outcome.stdout_truncated = out_buf.truncated();
  outcome.stderr_truncated = err_buf.truncated();
  outcome.duration = elapsed();

  int signal_number = 0;
  if (status_lost) {
    outcome.exit_code = -1;
  } else if (WIFEXITED(wait_status)) {
    outcome.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    signal_number = WTERMSIG(wait_status);
    outcome.exit_code = -signal_number;
  }

  if (phase != Phase::kRunning) {
    outcome.kind = OutcomeKind::kTimedOut;
    outcome.error = absl::StrCat(
        shown, " timed out after ", absl::FormatDuration(timeout),
        phase == Phase::kKilled
            ? absl::StrCat("; still running ",
                           absl::FormatDuration(options.kill_grace),
                           " after SIGTERM, sent SIGKILL")
            : "; sent SIGTERM");
  } else if (status_lost) {
    outcome.kind = OutcomeKind::kFailed;
    outcome.error = absl::StrCat(
        "exit status of ", shown,
        " is unavailable (was it reaped elsewhere, or SIGCHLD ignored?)");
  } else if (killed_by_shutdown && signal_number == SIGKILL) {
    outcome.kind = OutcomeKind::kFailed;
    outcome.error = "killed by Shutdown()";
  } else {
    outcome.kind = outcome.exit_code == 0 && signal_number == 0
                       ? OutcomeKind::kSuccess
                       : OutcomeKind::kFailed;
  }
  return outcome;
}

}  // namespace

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
            return RunAction(request, self->options_, self->clock_,
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
