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
#include <pthread.h>
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
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/errno_text.h"
#include "core/label_name.h"
#include "nlohmann/json.hpp"

namespace autoheal {
namespace {

// Values longer than this stay out of the environment (Linux refuses any
// single string over 128 KiB with E2BIG; 4 KiB keeps envp well inside it).
constexpr size_t kMaxEnvValueBytes = 4096;
// How often a running action re-reads the clock, at the least.
constexpr absl::Duration kMaxPollInterval = absl::Milliseconds(100);
// How often the child is checked when pidfd_open() is unavailable.
constexpr absl::Duration kNoPidfdTick = absl::Milliseconds(20);
// The most one read() or write() moves per wake-up.
constexpr size_t kChunkBytes = 64 * 1024;
// poll() wake-ups allowed while draining after exit, on top of one per
// millisecond of `exit_drain`; bounds the drain even on a frozen clock.
constexpr int64_t kDrainBaseWakeups = 64;


// Owns one file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Makes a close-on-exec pipe whose ends are both above 2, so that dup2 onto
// 0/1/2 in the child always makes a fresh, inheritable descriptor.
absl::Status MakePipe(UniqueFd* read_end, UniqueFd* write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", internal::ErrnoText(errno)));
  }
  for (int& fd : fds) {
    if (fd > 2) continue;
    const int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    const int err = errno;
    close(fd);
    fd = moved;
    if (moved < 0) {
      if (fds[0] >= 0) close(fds[0]);
      if (fds[1] >= 0) close(fds[1]);
      return absl::InternalError(absl::StrCat("fcntl: ", internal::ErrnoText(err)));
    }
  }
  read_end->Reset(fds[0]);
  write_end->Reset(fds[1]);
  return absl::OkStatus();
}

absl::Status SetNonBlocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return absl::InternalError(absl::StrCat("fcntl: ", internal::ErrnoText(errno)));
  }
  return absl::OkStatus();
}

int OpenPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

// Discards the SIGPIPE a write() to a closed pipe left pending on this
// thread (workers block SIGPIPE, so it was never delivered).
void ConsumePendingSigpipe() {
  sigset_t pending;
  if (sigpending(&pending) != 0 || sigismember(&pending, SIGPIPE) != 1) return;
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  const struct timespec zero = {0, 0};
  while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
  }
}

int ToPollMillis(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  const int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1)));
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

// The descriptors of one poll(2) call, at most four; Add() skips a closed
// one and returns -1 for it, which Ready() then never reports.
class PollSet {
 public:
  int Add(const UniqueFd& fd, short events) {
    if (!fd.valid()) return -1;
    fds_[count_] = {fd.get(), events, 0};
    return static_cast<int>(count_++);
  }
  // poll(2) for at most `wait`: the number of ready descriptors, 0 on
  // timeout, -1 with errno on failure.
  int Poll(absl::Duration wait) {
    return poll(fds_, count_, ToPollMillis(wait));
  }
  bool Ready(int index) const { return index >= 0 && fds_[index].revents != 0; }

 private:
  struct pollfd fds_[4];
  nfds_t count_ = 0;
};

bool IsEnvSafeValue(absl::string_view value) {
  return value.size() <= kMaxEnvValueBytes &&
         value.find('\0') == absl::string_view::npos;
}

std::vector<std::string> BuildEnvironment(const Alert& alert,
                                          const std::string& path) {
  std::vector<std::string> env;
  env.push_back(absl::StrCat("PATH=", path));
  if (IsEnvSafeValue(alert.alertname())) {
    env.push_back(absl::StrCat("AUTOHEAL_ALERTNAME=", alert.alertname()));
  }
  if (IsEnvSafeValue(alert.fingerprint)) {
    env.push_back(absl::StrCat("AUTOHEAL_FINGERPRINT=", alert.fingerprint));
  }
  env.push_back(
      absl::StrCat("AUTOHEAL_STATUS=", AlertStatusName(alert.status)));

  // Labels whose uppercased names collide are ambiguous: none of them goes in.
  absl::flat_hash_map<std::string, int> uses;
  for (const auto& [name, value] : alert.labels.entries()) {
    if (internal::IsValidLabelName(name)) ++uses[absl::AsciiStrToUpper(name)];
  }
  for (const auto& [name, value] : alert.labels.entries()) {
    if (!internal::IsValidLabelName(name) || !IsEnvSafeValue(value)) continue;
    std::string upper = absl::AsciiStrToUpper(name);
    if (uses[upper] != 1) continue;
    env.push_back(absl::StrCat("AUTOHEAL_LABEL_", upper, "=", value));
  }
  return env;
}

nlohmann::json LabelsJson(const LabelSet& set) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, value] : set.entries()) object[name] = value;
  return object;
}

// Serialises the alert for the child's stdin. Never throws: invalid UTF-8 is
// replaced rather than rejected.
std::string AlertJson(const Alert& alert) {
  nlohmann::json json = nlohmann::json::object();
  json["status"] = std::string(AlertStatusName(alert.status));
  json["labels"] = LabelsJson(alert.labels);
  json["annotations"] = LabelsJson(alert.annotations);
  json["startsAt"] = alert.starts_at;
  json["endsAt"] = alert.ends_at;
  json["generatorURL"] = alert.generator_url;
  json["fingerprint"] = alert.fingerprint;
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

// Returns the file to execute for argv[0]: itself when absolute, the first
// executable match in `path` for a bare name, an error for anything else.
absl::StatusOr<std::string> ResolveProgram(const std::string& program,
                                           const std::string& path) {
  if (program.empty()) return absl::InvalidArgumentError("argv[0] is empty");
  if (program[0] == '/') return program;
  if (program.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "program \"", program,
        "\" is a relative path; use an absolute path or a bare name found "
        "in PATH"));
  }
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    if (dir.empty() || dir[0] != '/') continue;
    std::string candidate = absl::StrCat(dir, "/", program);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return absl::NotFoundError(absl::StrCat(
      "program \"", program, "\" not found in PATH \"", path, "\""));
}

// Keeps the first `cap` bytes of a stream and notes whether more came.
class OutputBuffer {
 public:
  explicit OutputBuffer(size_t cap) : cap_(cap) {}

  void Append(const char* data, size_t n) {
    const size_t room = data_.size() < cap_ ? cap_ - data_.size() : 0;
    if (n > room) truncated_ = true;
    data_.append(data, std::min(n, room));
  }
  std::string& data() { return data_; }
  bool truncated() const { return truncated_; }

 private:
  const size_t cap_;
  std::string data_;
  bool truncated_ = false;
};

// Reads at most one chunk from `fd`; closes it at end of file or on error.
void ReadChunk(UniqueFd* fd, OutputBuffer* out, std::vector<char>* chunk) {
  const ssize_t n = read(fd->get(), chunk->data(), chunk->size());
  if (n > 0) {
    out->Append(chunk->data(), static_cast<size_t>(n));
  } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
    fd->Reset();
  }
}

// Writes at most one chunk of the child's stdin; closes the pipe when all is
// written or the child stopped reading (EPIPE is expected, not an error).
void WriteChunk(UniqueFd* fd, const std::string& input, size_t* offset) {
  if (*offset < input.size()) {
    const size_t n = std::min(kChunkBytes, input.size() - *offset);
    const ssize_t written = write(fd->get(), input.data() + *offset, n);
    if (written > 0) {
      *offset += static_cast<size_t>(written);
    } else if (written < 0 && (errno == EAGAIN || errno == EINTR)) {
      return;
    } else {
      if (written < 0 && errno == EPIPE) ConsumePendingSigpipe();
      fd->Reset();
      return;
    }
  }
  if (*offset >= input.size()) fd->Reset();
}

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

  const size_t workers = options.max_concurrent;
  std::unique_ptr<ProcessExecutor> executor(
      new ProcessExecutor(std::move(options), clock));
  {
    MutexLock lock(&executor->mu_);
    executor->groups_.assign(workers, 0);
    executor->killed_.assign(workers, false);
  }
  try {
    for (size_t slot = 0; slot < workers; ++slot) {
      ProcessExecutor* self = executor.get();
      executor->workers_.emplace_back([self, slot] { self->WorkerLoop(slot); });
      executor->worker_ids_.push_back(executor->workers_.back().get_id());
    }
  } catch (const std::system_error& e) {
    // The destructor stops and joins the workers that did start.
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot start process executor worker thread: ", e.what()));
  }
  return executor;
}

ProcessExecutor::ProcessExecutor(ProcessExecutorOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

ProcessExecutor::~ProcessExecutor() {
  Shutdown(absl::ZeroDuration()).IgnoreError();
}

absl::Status ProcessExecutor::Submit(ActionRequest request, DoneCallback done) {
  MutexLock lock(&mu_);
  if (!accepting_) {
    return absl::FailedPreconditionError(
        absl::StrCat("process executor is shut down; action \"",
                     request.action.name, "\" was not run"));
  }
  const size_t capacity = options_.max_concurrent + options_.max_queue;
  if (queue_.size() + running_ >= capacity) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "process executor is full (", capacity,
        " actions in flight: max_concurrent ", options_.max_concurrent,
        " + max_queue ", options_.max_queue, "); action \"",
        request.action.name, "\" was not run"));
  }
  queue_.push_back(Job{std::move(request), std::move(done)});
  return absl::OkStatus();
}

size_t ProcessExecutor::InFlight() const {
  MutexLock lock(&mu_);
  return queue_.size() + running_;
}

absl::Status ProcessExecutor::Shutdown(absl::Duration wait) {
  if (IsWorkerThread()) {
    return absl::FailedPreconditionError(
        "ProcessExecutor::Shutdown() called from a done callback; it would "
        "wait for itself");
  }
  MutexLock shutdown_lock(&shutdown_mu_);
  if (joined_) return absl::OkStatus();

  size_t killed = 0;
  size_t dropped = 0;
  {
    MutexLock lock(&mu_);
    accepting_ = false;
    const bool finished = internal::AwaitWithRealTimeout(
        mu_, absl::Condition(this, &ProcessExecutor::Idle), wait);
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

void ProcessExecutor::StopWorkers() {
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

bool ProcessExecutor::IsWorkerThread() const {
  const std::thread::id self = std::this_thread::get_id();
  return std::find(worker_ids_.begin(), worker_ids_.end(), self) !=
         worker_ids_.end();
}

bool ProcessExecutor::WorkAvailable() const {
  return !queue_.empty() || !accepting_;
}

bool ProcessExecutor::Idle() const { return queue_.empty() && running_ == 0; }

void ProcessExecutor::WorkerLoop(size_t slot) {
  // A child closing its stdin early must surface as EPIPE, never kill us.
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);

  while (true) {
    Job job;
    bool drop = false;
    {
      MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &ProcessExecutor::WorkAvailable));
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
      outcome = RunAction(job.request, slot);
    }
    if (job.done) job.done(job.request, outcome);
    MutexLock lock(&mu_);
    --running_;
  }
}

bool ProcessExecutor::RegisterGroup(size_t slot, pid_t pgid) {
  MutexLock lock(&mu_);
  groups_[slot] = pgid;
  killed_[slot] = kill_all_;
  return !kill_all_;
}

bool ProcessExecutor::UnregisterGroup(size_t slot) {
  MutexLock lock(&mu_);
  groups_[slot] = 0;
  return killed_[slot];
}

ActionOutcome ProcessExecutor::RunAction(const ActionRequest& request,
                                         size_t slot) {
  const absl::Time start = clock_->Now();
  ActionOutcome outcome;
  auto elapsed = [&] {
    return std::max(absl::ZeroDuration(), clock_->Now() - start);
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
  absl::StatusOr<std::string> program = ResolveProgram(argv[0], options_.path);
  if (!program.ok()) {
    return spawn_error(std::string(program.status().message()));
  }
  std::vector<std::string> env = BuildEnvironment(request.alert, options_.path);
  const std::string input = AlertJson(request.alert);

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

  if (!RegisterGroup(slot, pid)) kill(-pid, SIGKILL);  // Shutdown() overtook
  UniqueFd pidfd(OpenPidfd(pid));

  OutputBuffer out_buf(options_.output_cap_bytes);
  OutputBuffer err_buf(options_.output_cap_bytes);
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

    const absl::Time now = clock_->Now();
    if (phase == Phase::kRunning && now >= deadline) {
      kill(-pid, SIGTERM);
      phase = Phase::kTerminating;
      kill_at = now + options_.kill_grace;
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
  const bool killed_by_shutdown = UnregisterGroup(slot);
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
  const absl::Time drain_end = clock_->Now() + options_.exit_drain;
  int64_t wakeups_left =
      kDrainBaseWakeups + absl::ToInt64Milliseconds(options_.exit_drain);
  while ((out_read.valid() || err_read.valid()) && wakeups_left-- > 0) {
    const absl::Duration left = std::clamp(
        drain_end - clock_->Now(), absl::ZeroDuration(), options_.exit_drain);
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
                           absl::FormatDuration(options_.kill_grace),
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

}  // namespace autoheal
