// One action, start to end: spawn, supervise, drain, classify.
//
// Supervision is a single poll() loop that feeds stdin, drains stdout and
// stderr and watches a pidfd for the child's exit, so a child that never
// reads stdin or floods its output cannot block the worker.

#include "process/run_action.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/errno_text.h"
#include "process/child_contract.h"
#include "process/fd.h"
#include "process/program_path.h"

namespace autoheal {
namespace internal {
namespace {

// How often a running action re-reads the clock, at the least.
constexpr absl::Duration kMaxPollInterval = absl::Milliseconds(100);
// How often the child is checked when pidfd_open() is unavailable.
constexpr absl::Duration kNoPidfdTick = absl::Milliseconds(20);
// poll() wake-ups allowed while draining after exit, on top of one per
// millisecond of `exit_drain`; bounds the drain even on a frozen clock.
constexpr int64_t kDrainBaseWakeups = 64;

// A started child, as the parent holds it.
struct Child {
  pid_t pid = -1;  // also its process group id
  // argv[0] quoted for messages, followed by the resolved file when that
  // differs: "\"env\" (/usr/bin/env)".
  std::string shown;
  // The parent's ends of the child's stdin, stdout and stderr pipes,
  // non-blocking; each is closed once done with.
  UniqueFd stdin_write;
  UniqueFd stdout_read;
  UniqueFd stderr_read;
  std::string input;        // what the child reads on stdin
  size_t input_offset = 0;  // how much of `input` is written
};

// The child's output as read so far.
struct Capture {
  explicit Capture(size_t cap) : out(cap), err(cap), chunk(kChunkBytes) {}
  OutputBuffer out;
  OutputBuffer err;
  std::vector<char> chunk;  // read() scratch space
};

absl::Duration Elapsed(Clock* clock, absl::Time start) {
  return std::max(absl::ZeroDuration(), clock->Now() - start);
}

// Reads one chunk from each of the child's output pipes that `set` (which
// polled them at `out_index` and `err_index`) reports ready.
void ReadReadyOutput(const PollSet& set, int out_index, int err_index,
                     Child& child, Capture& capture) {
  if (set.Ready(out_index)) {
    ReadChunk(&child.stdout_read, &capture.out, &capture.chunk);
  }
  if (set.Ready(err_index)) {
    ReadChunk(&child.stderr_read, &capture.err, &capture.chunk);
  }
}

ActionOutcome SpawnErrorOutcome(absl::string_view error,
                                absl::Duration duration) {
  ActionOutcome outcome;
  outcome.kind = OutcomeKind::kSpawnError;
  outcome.error = std::string(error);
  outcome.duration = duration;
  return outcome;
}

// ---------------------------------------------------------------------------
// Step 1: spawn

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

  // Sets up what every child gets besides its argv and environment: the
  // three pipes on 0, 1 and 2 and no other descriptor, a new process group,
  // an empty signal mask and default dispositions. Returns 0 or an errno
  // value.
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

// Returns an error naming the action when its argv is empty or an argument
// holds a NUL byte (which execve would silently cut).
absl::Status CheckArgv(const Action& action) {
  if (action.argv.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("action \"", action.name, "\" has an empty argv"));
  }
  for (size_t i = 0; i < action.argv.size(); ++i) {
    if (action.argv[i].find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("argv[", i, "] of action \"", action.name,
                       "\" contains a NUL byte"));
    }
  }
  return absl::OkStatus();
}

// Starts `action` for `alert`: checks its argv, resolves argv[0] in `path`,
// and posix_spawns it in a new process group with the environment and
// stdin of process/child_contract.h and pipes on 0, 1 and 2. Returns the
// started child, or an error whose message is the kSpawnError outcome's
// `error` (nothing was started then).
absl::StatusOr<Child> Spawn(const Action& action, const Alert& alert,
                            const std::string& path) {
  if (absl::Status argv_ok = CheckArgv(action); !argv_ok.ok()) return argv_ok;
  std::vector<std::string> argv = action.argv;
  absl::StatusOr<std::string> program = ResolveProgram(argv[0], path);
  if (!program.ok()) return program.status();
  std::vector<std::string> env = ChildEnvironment(alert, path);
  Child child;
  child.input = ChildStdin(alert);

  // The child's ends; it holds its own copies once started, and ours, closed
  // when this returns, would keep the pipes from closing.
  UniqueFd in_read, out_write, err_write;
  absl::Status pipes = MakePipe(&in_read, &child.stdin_write);
  if (pipes.ok()) pipes = MakePipe(&child.stdout_read, &out_write);
  if (pipes.ok()) pipes = MakePipe(&child.stderr_read, &err_write);
  if (pipes.ok()) pipes = SetNonBlocking(child.stdin_write.get());
  if (pipes.ok()) pipes = SetNonBlocking(child.stdout_read.get());
  if (pipes.ok()) pipes = SetNonBlocking(child.stderr_read.get());
  if (!pipes.ok()) {
    return absl::InternalError(absl::StrCat(
        "cannot set up pipes for \"", argv[0], "\": ", pipes.message()));
  }

  child.shown =
      *program == argv[0] ? absl::StrCat("\"", argv[0], "\"")
                          : absl::StrCat("\"", argv[0], "\" (", *program, ")");
  SpawnSetup setup;
  int rc = setup.Configure(in_read.get(), out_write.get(), err_write.get());
  if (rc == 0) {
    std::vector<char*> argv_ptrs = CStrings(argv);
    std::vector<char*> env_ptrs = CStrings(env);
    rc = posix_spawn(&child.pid, program->c_str(), &setup.actions,
                     &setup.attr, argv_ptrs.data(), env_ptrs.data());
  }
  if (rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot spawn ", child.shown, ": ", ErrnoText(rc)));
  }
  return child;
}

// ---------------------------------------------------------------------------
// Step 2: supervise

// The timeout of one action: running until `deadline`, then SIGTERM to the
// group, then SIGKILL `kill_grace` later.
class TimeoutEscalator {
 public:
  TimeoutEscalator(pid_t pgid, absl::Time deadline, absl::Duration kill_grace)
      : pgid_(pgid), deadline_(deadline), kill_grace_(kill_grace) {}

  // Signals the group with whatever is due at `now`. Returns how long the
  // caller may wait before the next step could be due: at most
  // kMaxPollInterval, so that the clock is read again at least that often.
  absl::Duration Advance(absl::Time now) {
    if (escalation_ == Escalation::kNone && now >= deadline_) {
      kill(-pgid_, SIGTERM);
      escalation_ = Escalation::kSigterm;
      kill_at_ = now + kill_grace_;
    }
    if (escalation_ == Escalation::kSigterm && now >= kill_at_) {
      kill(-pgid_, SIGKILL);
      escalation_ = Escalation::kSigkill;
    }
    absl::Duration wait = kMaxPollInterval;
    if (escalation_ == Escalation::kNone) wait = std::min(wait, deadline_ - now);
    if (escalation_ == Escalation::kSigterm) {
      wait = std::min(wait, kill_at_ - now);
    }
    return wait;
  }

  Escalation escalation() const { return escalation_; }

 private:
  const pid_t pgid_;
  const absl::Time deadline_;
  const absl::Duration kill_grace_;
  Escalation escalation_ = Escalation::kNone;
  absl::Time kill_at_ = absl::InfiniteFuture();
};

// Returns true once the main process `pid` has exited, without reaping it:
// the zombie keeps its pid, and so the group id, from being recycled while
// the group may still be signalled. Also returns true, setting
// `*status_lost`, when it can no longer be waited for (ECHILD: someone else
// reaped it).
bool MainProcessExited(pid_t pid, bool* status_lost) {
  siginfo_t info;
  info.si_pid = 0;
  if (waitid(P_PID, static_cast<id_t>(pid), &info,
             WEXITED | WNOHANG | WNOWAIT) == 0) {
    return info.si_pid == pid;
  }
  if (errno == EINTR) return false;
  *status_lost = true;  // ECHILD: someone else reaped it (SIGCHLD ignored?)
  return true;
}

// Waits up to `wait` for the child's exit (`pidfd`, when valid) or one of
// its pipes, then moves at most one chunk on each pipe that is ready: stdin
// to the child, stdout and stderr into `capture`.
void PumpOnce(Child& child, Capture& capture, const UniqueFd& pidfd,
              absl::Duration wait) {
  PollSet set;
  set.Add(pidfd, POLLIN);  // readable once the child has exited
  const int in_index = set.Add(child.stdin_write, POLLOUT);
  const int out_index = set.Add(child.stdout_read, POLLIN);
  const int err_index = set.Add(child.stderr_read, POLLIN);
  if (set.Poll(wait) <= 0) return;
  if (set.Ready(in_index)) {
    WriteChunk(&child.stdin_write, child.input, &child.input_offset);
  }
  ReadReadyOutput(set, out_index, err_index, child, capture);
}

// Reaps `pid` (blocking; it has exited already). Returns false when its
// status cannot be had.
bool Reap(pid_t pid, int* wait_status) {
  pid_t reaped;
  while ((reaped = waitpid(pid, wait_status, 0)) < 0 && errno == EINTR) {
  }
  return reaped == pid;
}

// Owns `child` from its spawn to its reaping: records its group in `slot`
// (killing it at once when Shutdown() has overtaken the spawn), feeds its
// stdin and reads its output until the main process exits, escalating past
// `deadline` (TimeoutEscalator). Then SIGKILLs what a timed-out action left
// in its group (a normal exit leaves the group alone: a restart may
// legitimately leave a daemon behind), unregisters the group, reaps the
// main process and closes its stdin. Reads `clock` at least every
// kMaxPollInterval.
ChildEnding Supervise(Child& child, Capture& capture, absl::Time deadline,
                      absl::Duration kill_grace, Clock* clock,
                      ActionWorkerPool::Slot& slot) {
  if (!slot.RegisterGroup(child.pid)) kill(-child.pid, SIGKILL);
  UniqueFd pidfd = OpenPidfd(child.pid);
  TimeoutEscalator timeout(child.pid, deadline, kill_grace);
  ChildEnding ending;
  while (!MainProcessExited(child.pid, &ending.status_lost)) {
    absl::Duration wait = timeout.Advance(clock->Now());
    if (!pidfd.valid()) wait = std::min(wait, kNoPidfdTick);
    PumpOnce(child, capture, pidfd, wait);
  }
  ending.escalation = timeout.escalation();
  if (ending.escalation != Escalation::kNone) kill(-child.pid, SIGKILL);
  ending.killed_by_shutdown = slot.UnregisterGroup();
  if (!ending.status_lost) {
    ending.status_lost = !Reap(child.pid, &ending.wait_status);
  }
  child.stdin_write.Reset();
  return ending;
}

// ---------------------------------------------------------------------------
// Step 3: drain

// Reads what is left on the child's stdout and stderr after its main process
// has exited, until both reach end of file, or they stay quiet until
// `exit_drain` has passed on `clock`, or the wake-up budget runs out (which
// bounds the drain even on a frozen clock): a descendant may hold the pipes
// open for ever.
void Drain(Child& child, Capture& capture, absl::Duration exit_drain,
           Clock* clock) {
  const absl::Time drain_end = clock->Now() + exit_drain;
  int64_t wakeups_left =
      kDrainBaseWakeups + absl::ToInt64Milliseconds(exit_drain);
  while ((child.stdout_read.valid() || child.stderr_read.valid()) &&
         wakeups_left-- > 0) {
    const absl::Duration left = std::clamp(
        drain_end - clock->Now(), absl::ZeroDuration(), exit_drain);
    PollSet set;
    const int out_index = set.Add(child.stdout_read, POLLIN);
    const int err_index = set.Add(child.stderr_read, POLLIN);
    const int ready = set.Poll(left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;  // quiet for the rest of the drain, or poll failed
    ReadReadyOutput(set, out_index, err_index, child, capture);
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Step 4: classify

void ClassifyEnding(const ChildEnding& ending, const std::string& shown,
                    absl::Duration timeout, absl::Duration kill_grace,
                    ActionOutcome* outcome) {
  int signal_number = 0;
  outcome->exit_code = 0;
  if (ending.status_lost) {
    outcome->exit_code = -1;
  } else if (WIFEXITED(ending.wait_status)) {
    outcome->exit_code = WEXITSTATUS(ending.wait_status);
  } else if (WIFSIGNALED(ending.wait_status)) {
    signal_number = WTERMSIG(ending.wait_status);
    outcome->exit_code = -signal_number;
  }

  if (ending.escalation != Escalation::kNone) {
    outcome->kind = OutcomeKind::kTimedOut;
    outcome->error = absl::StrCat(
        shown, " timed out after ", absl::FormatDuration(timeout),
        ending.escalation == Escalation::kSigkill
            ? absl::StrCat("; still running ", absl::FormatDuration(kill_grace),
                           " after SIGTERM, sent SIGKILL")
            : "; sent SIGTERM");
  } else if (ending.status_lost) {
    outcome->kind = OutcomeKind::kFailed;
    outcome->error = absl::StrCat(
        "exit status of ", shown,
        " is unavailable (was it reaped elsewhere, or SIGCHLD ignored?)");
  } else if (ending.killed_by_shutdown && signal_number == SIGKILL) {
    outcome->kind = OutcomeKind::kFailed;
    outcome->error = "killed by Shutdown()";
  } else {
    outcome->kind = outcome->exit_code == 0 && signal_number == 0
                        ? OutcomeKind::kSuccess
                        : OutcomeKind::kFailed;
  }
}

ActionOutcome RunAction(const ActionRequest& request,
                        const ProcessExecutorOptions& options, Clock* clock,
                        ActionWorkerPool::Slot& slot) {
  const absl::Time start = clock->Now();
  absl::StatusOr<Child> child =
      Spawn(request.action, request.alert, options.path);
  if (!child.ok()) {
    return SpawnErrorOutcome(child.status().message(), Elapsed(clock, start));
  }

  const absl::Duration timeout = request.action.timeout;
  const absl::Time deadline = timeout == absl::InfiniteDuration()
                                  ? absl::InfiniteFuture()
                                  : start + timeout;
  Capture capture(options.output_cap_bytes);
  const ChildEnding ending = Supervise(*child, capture, deadline,
                                       options.kill_grace, clock, slot);
  Drain(*child, capture, options.exit_drain, clock);

  ActionOutcome outcome;
  outcome.stdout_excerpt = std::move(capture.out.data());
  outcome.stderr_excerpt = std::move(capture.err.data());
  outcome.stdout_truncated = capture.out.truncated();
  outcome.stderr_truncated = capture.err.truncated();
  outcome.duration = Elapsed(clock, start);
  ClassifyEnding(ending, child->shown, timeout, options.kill_grace, &outcome);
  return outcome;
}

}  // namespace internal
}  // namespace autoheal
