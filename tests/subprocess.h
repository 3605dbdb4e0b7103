// Test helpers for tests that run real programs: start a child process with
// a fixed argv, a controlled environment and its stdout/stderr in files;
// find loopback ports; wait, with deadlines, for a port, an HTTP endpoint, a
// log line or any condition; send signals; and always kill and reap what was
// started, even when the test fails half-way.
//
// Used by the Alertmanager end-to-end test and meant for any test that
// drives real processes (chaos runs, redis-server, ...). It owns descriptors
// and finds programs with the executor's own code (src/process/fd.h,
// program_path.h), so a test that includes it links autoheal::process.
//
// Rules these helpers follow, so tests built on them stay robust:
//
// - Never sleep blindly: every wait polls a condition until a deadline and
//   fails with a message that says what it was waiting for and, when a
//   watched process died meanwhile, how it ended and the tail of its stderr.
// - Every child leads its own process group, gets SIGKILL if the thread that
//   started it dies (PR_SET_PDEATHSIG), starts with stdin on /dev/null, no
//   inherited descriptors besides 0-2, default signal dispositions and an
//   empty signal mask. ~Subprocess() SIGKILLs the whole group and reaps it.
// - Everything is on 127.0.0.1.
//
// Thread-safety: a Subprocess is used by one thread at a time (its methods,
// const ones included, may reap the child). The free functions are
// thread-compatible. Start children from a thread that outlives them (the
// test's main thread): PR_SET_PDEATHSIG fires when the *starting thread*
// exits, not the process.
//
// Example:
//
//   TempDir dir;  // removed with its content at scope exit
//   SubprocessOptions options;
//   options.argv = {"/usr/bin/redis-server", "--port", "0", ...};
//   options.env = {{"AUTOHEAL_ENABLED", "true"},
//                  {"AUTOHEAL_BEARER_TOKEN", std::nullopt}};  // unset
//   options.stderr_path = dir.Path("server.log");
//   absl::StatusOr<std::unique_ptr<Subprocess>> server =
//       Subprocess::Start(std::move(options));
//   ASSERT_THAT(server, IsOk());
//   absl::StatusOr<std::string> line = (*server)->WaitForStderrLine(
//       "listening on http://127.0.0.1:", absl::Seconds(10));
//   ASSERT_THAT(line, IsOk()) << (*server)->Describe();
//   ...
//   absl::StatusOr<ProcessExit> exit = (*server)->Stop();  // SIGTERM, wait
//   EXPECT_TRUE(exit.ok() && exit->Succeeded()) << (*server)->Describe();

#ifndef AUTOHEAL_TESTS_SUBPROCESS_H_
#define AUTOHEAL_TESTS_SUBPROCESS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "http_client.h"
#include "process/fd.h"
#include "process/program_path.h"

extern char** environ;

namespace autoheal {
namespace testutil {

// ---------------------------------------------------------------------------
// Files and directories

// Returns the whole content of `path`, or nullopt if it cannot be opened
// (typically: it does not exist yet). Unlike ReadFileOrDie() this never
// fails the test, so it suits polling a file another process writes.
inline std::optional<std::string> ReadFileIfExists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Returns the complete lines of `text` (a last line without its newline is
// still being written and is left out), without their newlines.
inline std::vector<std::string> CompleteLines(absl::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != absl::string_view::npos;
       start = end + 1) {
    lines.emplace_back(text.substr(start, end - start));
  }
  return lines;
}

// Returns at most the last `max_bytes` of `text`, prefixed by "..." when cut.
inline std::string Tail(absl::string_view text, size_t max_bytes = 4096) {
  if (text.size() <= max_bytes) return std::string(text);
  return absl::StrCat("...", text.substr(text.size() - max_bytes));
}

// Writes `content` to `path` atomically: to a temporary file in the same
// directory, then rename(2), so a process reading or reloading `path` sees
// either the old or the new content, never half of it. `mode` applies to
// the new file. Errors: kInternal naming the path and errno.
inline absl::Status WriteFileAtomically(const std::string& path,
                                        absl::string_view content,
                                        mode_t mode = 0644) {
  const std::string temp = absl::StrCat(path, ".tmp.", getpid());
  const int fd =
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("open ", temp, ": ", std::strerror(errno)));
  }
  // open() applies the umask; make the mode exact (e.g. 0600 for secrets).
  ::fchmod(fd, mode);
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return absl::InternalError(
          absl::StrCat("write ", temp, ": ", std::strerror(err)));
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return absl::InternalError(
        absl::StrCat("rename ", temp, " to ", path, ": ", std::strerror(err)));
  }
  return absl::OkStatus();
}

// A fresh directory, removed with everything in it when destroyed (unless
// the environment variable AUTOHEAL_KEEP_TEST_DIRS is set, to inspect logs
// after a failure). It is created under $TMPDIR, or /tmp. Creation failure
// aborts the test binary: there is nothing sensible to do without it.
//
//   TempDir dir;
//   std::string log = dir.Path("alertmanager.log");
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = absl::StrCat(
        base != nullptr && base[0] != '\0' ? base : "/tmp", "/autoheal-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "mkdtemp %s: %s\n", pattern.c_str(),
                   std::strerror(errno));
      std::abort();
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (std::getenv("AUTOHEAL_KEEP_TEST_DIRS") != nullptr) {
      std::fprintf(stderr, "keeping test directory %s\n", path_.c_str());
      return;
    }
    // Depth-first, without following symlinks or crossing mount points.
    ::nftw(
        path_.c_str(),
        [](const char* file, const struct stat*, int, struct FTW*) {
          ::remove(file);
          return 0;
        },
        16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  }

  // Returns the directory's absolute path.
  const std::string& path() const { return path_; }
  // Returns the path of `name` inside the directory (nothing is created).
  std::string Path(absl::string_view name) const {
    return absl::StrCat(path_, "/", name);
  }

 private:
  std::string path_;
};

// ---------------------------------------------------------------------------
// Processes

// How a child process ended: a wait(2) status, decoded.
struct ProcessExit {
  int wait_status = 0;

  bool Exited() const { return WIFEXITED(wait_status); }
  // Valid when Exited().
  int ExitCode() const { return WEXITSTATUS(wait_status); }
  bool Signaled() const { return WIFSIGNALED(wait_status); }
  // Valid when Signaled().
  int TermSignal() const { return WTERMSIG(wait_status); }
  // Returns whether the process exited with code 0.
  bool Succeeded() const { return Exited() && ExitCode() == 0; }
  // Returns e.g. "exited with code 1" or "killed by signal 9 (Killed)".
  std::string ToString() const {
    if (Exited()) return absl::StrCat("exited with code ", ExitCode());
    if (Signaled()) {
      return absl::StrCat("killed by signal ", TermSignal(), " (",
                          strsignal(TermSignal()), ")");
    }
    return absl::StrCat("wait status ", wait_status);
  }
};

struct SubprocessOptions {
  // The program and its arguments. Required. argv[0] is executed directly
  // (never through a shell); without a '/' it is looked up in $PATH first.
  std::vector<std::string> argv;
  // Environment changes applied on top of the base environment: a value
  // sets the variable, nullopt removes it. Later entries win. Default: none.
  std::vector<std::pair<std::string, std::optional<std::string>>> env;
  // Whether the base environment is the test's own (true) or empty (false).
  // Default: true.
  bool inherit_env = true;
  // Files that receive the child's stdout and stderr. Both may name the same
  // file, and the lines then interleave as written. Created if absent;
  // truncated unless `append_output` (useful when a restarted process should
  // continue the same log). Default: empty, /dev/null.
  std::string stdout_path;
  std::string stderr_path;
  // Default: false, truncate.
  bool append_output = false;
  // The child's working directory. Default: empty, the test's own.
  std::string working_dir;
  // Whether the child is SIGKILLed when the thread that started it exits
  // (PR_SET_PDEATHSIG), so a crashed test leaves no orphans. Default: true.
  bool kill_on_parent_death = true;
};

// A running child process, in its own process group. Destroying it SIGKILLs
// the whole group (the process and anything it started that did not leave
// the group) and reaps the process, so a failing assertion never leaks one.
//
// Once the process has ended and been reaped (by Running(), Wait(), Stop()
// or Kill()), anything left in its group is SIGKILLed too.
class Subprocess {
 public:
  // Starts `options.argv`. Returns kInvalidArgument for an empty argv,
  // kNotFound when argv[0] is not an executable file (or not in $PATH),
  // kInternal when an output file cannot be opened or fork/exec fail; the
  // message names the program. Returns only after exec has succeeded.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      SubprocessOptions options) {
    if (options.argv.empty() || options.argv[0].empty()) {
      return absl::InvalidArgumentError("SubprocessOptions.argv is empty");
    }
    absl::StatusOr<std::string> program = ResolveProgram(options.argv[0]);
    if (!program.ok()) return program.status();

    // Everything the child needs is prepared here: between fork() and
    // exec() only async-signal-safe calls are allowed (the test may have
    // threads, and one of them may hold malloc's lock).
    std::vector<std::string> env_strings = BuildEnv(options);
    std::vector<char*> argv_ptrs;
    for (std::string& arg : options.argv) argv_ptrs.push_back(arg.data());
    argv_ptrs.push_back(nullptr);
    std::vector<char*> env_ptrs;
    for (std::string& entry : env_strings) env_ptrs.push_back(entry.data());
    env_ptrs.push_back(nullptr);

    const int open_flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
                           (options.append_output ? 0 : O_TRUNC);
    UniqueFd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    UniqueFd out(::open(
        options.stdout_path.empty() ? "/dev/null" : options.stdout_path.c_str(),
        open_flags, 0644));
    if (out.get() < 0) return OpenError(options.stdout_path);
    UniqueFd err;
    if (!options.stderr_path.empty() &&
        options.stderr_path == options.stdout_path) {
      err.Reset(::fcntl(out.get(), F_DUPFD_CLOEXEC, 0));
    } else {
      err.Reset(::open(options.stderr_path.empty()
                           ? "/dev/null"
                           : options.stderr_path.c_str(),
                       open_flags, 0644));
    }
    if (err.get() < 0) return OpenError(options.stderr_path);
    if (null_in.get() < 0) return OpenError("/dev/null");

    // The child reports a failed exec (its errno) through this pipe; a
    // successful exec closes it (O_CLOEXEC) and the parent reads EOF.
    UniqueFd status_read, status_write;
    if (absl::Status made = internal::MakePipe(&status_read, &status_write);
        !made.ok()) {
      return made;
    }

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
    }
    if (pid == 0) {
      RunChild(options, *program, argv_ptrs.data(), env_ptrs.data(),
               null_in.get(), out.get(), err.get(), status_write.get(), parent);
    }
    // Also set the group from the parent, so that it is in place before we
    // could signal it, whichever of the two runs first.
    ::setpgid(pid, pid);
    status_write.Reset();

    int child_errno = 0;
    ssize_t n;
    do {
      n = ::read(status_read.get(), &child_errno, sizeof(child_errno));
    } while (n < 0 && errno == EINTR);
    std::unique_ptr<Subprocess> process(
        new Subprocess(pid, std::move(options)));
    if (n > 0) {
      process->Kill();
      return absl::InternalError(absl::StrCat("cannot execute ", *program, ": ",
                                              std::strerror(child_errno)));
    }
    return process;
  }

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // SIGKILLs the process group and reaps the process.
  ~Subprocess() { Kill(); }

  pid_t pid() const { return pid_; }
  const std::vector<std::string>& argv() const { return options_.argv; }
  const std::string& stdout_path() const { return options_.stdout_path; }
  const std::string& stderr_path() const { return options_.stderr_path; }

  // Returns whether the process is still running. When it has ended, reaps
  // it (see exit()). Never blocks.
  bool Running() const {
    if (exit_.has_value()) return false;
    siginfo_t info{};
    // WNOWAIT: look without reaping, so that the pid (and the group id)
    // cannot be reused before the group is cleaned up below.
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info,
                 WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno != ECHILD) return true;  // EINTR: look again next time
      exit_ = ProcessExit{0};  // reaped behind our back (SIGCHLD ignored?)
      return false;
    }
    if (info.si_pid == 0) return true;
    Reap();
    return false;
  }

  // Returns how the process ended, or nullopt while it runs.
  std::optional<ProcessExit> exit() const {
    Running();
    return exit_;
  }

  // Sends `sig` to the process, or to its whole group when `whole_group`.
  // Returns kFailedPrecondition if it has already ended.
  absl::Status Signal(int sig, bool whole_group = false) const {
    if (!Running()) {
      return absl::FailedPreconditionError(
          absl::StrCat(Name(), " has already ended: ", exit_->ToString()));
    }
    if (::kill(whole_group ? -pid_ : pid_, sig) != 0) {
      return absl::InternalError(
          absl::StrCat("kill ", Name(), ": ", std::strerror(errno)));
    }
    return absl::OkStatus();
  }

  // Waits until the process ends and returns how. kDeadlineExceeded if it
  // still runs after `timeout` (it is left running).
  absl::StatusOr<ProcessExit> Wait(absl::Duration timeout) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (Running()) {
      if (absl::Now() >= deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            Name(), " still running after ", absl::FormatDuration(timeout)));
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return *exit_;
  }

  // Asks the process to stop with `sig` (default SIGTERM) and waits up to
  // `grace`. Returns how it ended (ended before: that, without signalling).
  // kDeadlineExceeded when it did not end in time: the group is then
  // SIGKILLed and reaped anyway, and the error says so, so a test can
  // assert on a clean shutdown.
  absl::StatusOr<ProcessExit> Stop(absl::Duration grace = absl::Seconds(10),
                                   int sig = SIGTERM) {
    if (Running()) ::kill(pid_, sig);
    absl::StatusOr<ProcessExit> ended = Wait(grace);
    if (ended.ok()) return ended;
    Kill();
    return absl::DeadlineExceededError(
        absl::StrCat(Name(), " ignored ", strsignal(sig), " for ",
                     absl::FormatDuration(grace), "; killed"));
  }

  // SIGKILLs the process group and reaps the process. Idempotent; blocks
  // only as long as the kernel takes to deliver SIGKILL.
  ProcessExit Kill() {
    if (!exit_.has_value()) {
      ::kill(-pid_, SIGKILL);
      ::kill(pid_, SIGKILL);  // in case setpgid had not happened yet
      Reap();
    }
    return *exit_;
  }

  // Returns what the process wrote to its stdout / stderr file so far
  // (empty when it has none).
  std::string ReadStdout() const {
    return options_.stdout_path.empty()
               ? std::string()
               : ReadFileIfExists(options_.stdout_path).value_or("");
  }
  std::string ReadStderr() const {
    return options_.stderr_path.empty()
               ? std::string()
               : ReadFileIfExists(options_.stderr_path).value_or("");
  }

  // Waits until the process's stderr holds a complete line containing
  // `needle` and returns that (first) line. kDeadlineExceeded after
  // `timeout`; kAborted if the process ends first.
  absl::StatusOr<std::string> WaitForStderrLine(absl::string_view needle,
                                                absl::Duration timeout) const;

  // Returns a one-paragraph description for failure messages: the program,
  // pid, state and the tail of its stderr.
  std::string Describe(size_t tail_bytes = 2048) const {
    std::optional<ProcessExit> ended = exit();
    return absl::StrCat(
        Name(), " (pid ", pid_, ", ",
        ended.has_value() ? ended->ToString() : std::string("running"),
        "); stderr ", options_.stderr_path, ":\n",
        Tail(ReadStderr(), tail_bytes));
  }

  // Returns the program's base name, for messages.
  std::string Name() const {
    absl::string_view program = options_.argv[0];
    const size_t slash = program.rfind('/');
    return std::string(
        slash == absl::string_view::npos ? program : program.substr(slash + 1));
  }

 private:
  using UniqueFd = internal::UniqueFd;

  Subprocess(pid_t pid, SubprocessOptions options)
      : pid_(pid), options_(std::move(options)) {}

  static absl::Status OpenError(const std::string& path) {
    return absl::InternalError(
        absl::StrCat("open ", path, ": ", std::strerror(errno)));
  }

  // A name with a '/' is used as is (relative to the test's working
  // directory); a bare name is looked up in the test's $PATH, whose empty
  // and relative entries are skipped, as the executor does.
  static absl::StatusOr<std::string> ResolveProgram(const std::string& name) {
    if (name.find('/') != std::string::npos) {
      if (internal::IsExecutableFile(name)) return name;
      return absl::NotFoundError(
          absl::StrCat(name, " is not an executable file"));
    }
    const char* path = std::getenv("PATH");
    std::optional<std::string> found = internal::FindInSearchPath(
        name, path != nullptr ? path : "/usr/bin:/bin");
    if (found.has_value()) return *std::move(found);
    return absl::NotFoundError(absl::StrCat(name, " not found in $PATH (",
                                            path != nullptr ? path : "", ")"));
  }

  static std::vector<std::string> BuildEnv(const SubprocessOptions& options) {
    std::vector<std::string> env;
    if (options.inherit_env) {
      for (char** entry = environ; entry != nullptr && *entry != nullptr;
           ++entry) {
        env.emplace_back(*entry);
      }
    }
    for (const auto& [name, value] : options.env) {
      const std::string prefix = absl::StrCat(name, "=");
      env.erase(std::remove_if(env.begin(), env.end(),
                               [&](const std::string& entry) {
                                 return absl::StartsWith(entry, prefix);
                               }),
                env.end());
      if (value.has_value()) env.push_back(prefix + *value);
    }
    return env;
  }

  // In the child, between fork and exec: async-signal-safe calls only.
  [[noreturn]] static void RunChild(const SubprocessOptions& options,
                                    const std::string& program, char** argv,
                                    char** envp, int in, int out, int err,
                                    int status_fd, pid_t parent) {
    ::setpgid(0, 0);
    if (options.kill_on_parent_death) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      // The parent may have died before prctl: then nobody would kill us.
      if (::getppid() != parent) ::_exit(127);
    }
    // Handlers are reset by exec, but ignored signals and the mask are
    // inherited: give the program the defaults it expects.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
      ::sigaction(sig, &default_action, nullptr);
    }
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);

    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) {
      ReportAndExit(status_fd);
    }
    if (!options.working_dir.empty() &&
        ::chdir(options.working_dir.c_str()) != 0) {
      ReportAndExit(status_fd);
    }
    // Descriptors the test opened without O_CLOEXEC must not leak into the
    // child (a leaked listening socket would keep a port busy). Keep the
    // status pipe: it is O_CLOEXEC and tells the parent exec succeeded.
    CloseFrom(3, status_fd);
    ::execve(program.c_str(), argv, envp);
    ReportAndExit(status_fd);
  }

  static void CloseFrom(int first, int keep) {
#ifdef SYS_close_range
    if (keep > first) ::syscall(SYS_close_range, first, keep - 1, 0);
    if (::syscall(SYS_close_range, keep + 1, ~0U, 0) == 0) return;
#endif
    for (int fd = first; fd < 4096; ++fd) {
      if (fd != keep) ::close(fd);
    }
  }

  [[noreturn]] static void ReportAndExit(int status_fd) {
    const int error = errno;
    ssize_t ignored = ::write(status_fd, &error, sizeof(error));
    (void)ignored;
    ::_exit(127);
  }

  // Reaps the process (blocking until it ends, which after SIGKILL is
  // immediate) and SIGKILLs whatever it left in its group.
  void Reap() const {
    // Kill stragglers while the leader is a zombie: the group id cannot be
    // reused until the leader is reaped.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) ==
        0) {
      ::kill(-pid_, SIGKILL);
    }
    int status = 0;
    pid_t reaped;
    do {
      reaped = ::waitpid(pid_, &status, 0);
    } while (reaped < 0 && errno == EINTR);
    exit_ = ProcessExit{reaped == pid_ ? status : 0};
  }

  pid_t pid_;
  SubprocessOptions options_;
  mutable std::optional<ProcessExit> exit_;
};

// ---------------------------------------------------------------------------
// Waiting

// Polls `attempt` every `interval` until it returns OK, and returns OK.
// Returns kDeadlineExceeded after `timeout`, with `what` and the last
// attempt's message (so a timeout says what was seen, e.g. "2 of 3
// decisions"). Returns kAborted as soon as one of `watch` has ended, with
// its Describe(): a dead server never makes a test wait for the deadline.
inline absl::Status WaitUntilOk(
    const std::function<absl::Status()>& attempt, absl::Duration timeout,
    absl::string_view what, const std::vector<const Subprocess*>& watch = {},
    absl::Duration interval = absl::Milliseconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Status last;
  while (true) {
    last = attempt();
    if (last.ok()) return last;
    for (const Subprocess* process : watch) {
      if (process != nullptr && !process->Running()) {
        return absl::AbortedError(absl::StrCat("while waiting for ", what,
                                               " (last: ", last.message(),
                                               "), ", process->Describe()));
      }
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("timed out after ", absl::FormatDuration(timeout),
                       " waiting for ", what, "; last: ", last.message()));
    }
    absl::SleepFor(interval);
  }
}

// As WaitUntilOk(), for a condition that has nothing to report.
inline absl::Status WaitUntil(
    const std::function<bool()>& condition, absl::Duration timeout,
    absl::string_view what, const std::vector<const Subprocess*>& watch = {},
    absl::Duration interval = absl::Milliseconds(20)) {
  return WaitUntilOk(
      [&]() {
        return condition() ? absl::OkStatus()
                           : absl::UnavailableError("condition not met");
      },
      timeout, what, watch, interval);
}

// Waits until `path` exists and holds a complete line containing `needle`;
// returns the first such line. Errors as WaitUntilOk().
inline absl::StatusOr<std::string> WaitForFileLine(
    const std::string& path, absl::string_view needle, absl::Duration timeout,
    const std::vector<const Subprocess*>& watch = {}) {
  std::string found;
  absl::Status status = WaitUntilOk(
      [&]() {
        std::optional<std::string> text = ReadFileIfExists(path);
        if (!text.has_value()) return absl::NotFoundError(path + " is absent");
        for (std::string& line : CompleteLines(*text)) {
          if (absl::StrContains(line, needle)) {
            found = std::move(line);
            return absl::OkStatus();
          }
        }
        return absl::NotFoundError(absl::StrCat(
            "no such line yet; ", path, " ends with: ", Tail(*text, 512)));
      },
      timeout, absl::StrCat("a line containing \"", needle, "\" in ", path),
      watch);
  if (!status.ok()) return status;
  return found;
}

inline absl::StatusOr<std::string> Subprocess::WaitForStderrLine(
    absl::string_view needle, absl::Duration timeout) const {
  if (options_.stderr_path.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Name(), " was started without a stderr_path"));
  }
  return WaitForFileLine(options_.stderr_path, needle, timeout, {this});
}

// ---------------------------------------------------------------------------
// Loopback ports and HTTP

// Returns a TCP port that was free on 127.0.0.1 a moment ago: binds port 0,
// reads the port the kernel chose, closes. Another process may take it
// before the child binds it; when the child can listen on port 0 and log the
// port it got (autoheal-webhook, Alertmanager do), prefer that: it is
// race-free. kUnavailable when no socket can be bound.
inline absl::StatusOr<uint16_t> PickFreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("socket: ", std::strerror(errno)));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address),
             sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("bind 127.0.0.1:0: ", std::strerror(err)));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// Waits until 127.0.0.1:`port` accepts TCP connections. Errors as
// WaitUntilOk().
inline absl::Status WaitForTcpPort(
    uint16_t port, absl::Duration timeout,
    const std::vector<const Subprocess*>& watch = {}) {
  return WaitUntilOk(
      [&]() { return HttpClient::Connect(port, absl::Seconds(1)).status(); },
      timeout, absl::StrCat("127.0.0.1:", port, " to accept connections"),
      watch);
}

// Sends one request on a new connection to 127.0.0.1:`port` and returns the
// response. Errors: kUnavailable when the connection fails, and those of
// HttpClient::Request().
inline absl::StatusOr<ClientResponse> HttpRequestOnce(
    uint16_t port, absl::string_view method, absl::string_view target,
    absl::string_view body = {}, const HeaderList& headers = {},
    absl::Duration timeout = absl::Seconds(10)) {
  absl::StatusOr<HttpClient> client = HttpClient::Connect(port, timeout);
  if (!client.ok()) return client.status();
  return client->Request(method, target, body, headers, timeout);
}

// Waits until GET `target` on 127.0.0.1:`port` answers `expected_status`
// (any status when negative) and returns that response. Errors as
// WaitUntilOk(); a timeout reports the last status or connection error.
inline absl::StatusOr<ClientResponse> WaitForHttp(
    uint16_t port, absl::string_view target, absl::Duration timeout,
    const std::vector<const Subprocess*>& watch = {},
    int expected_status = 200) {
  ClientResponse last;
  absl::Status status = WaitUntilOk(
      [&]() -> absl::Status {
        absl::StatusOr<ClientResponse> response =
            HttpRequestOnce(port, "GET", target, {}, {}, absl::Seconds(2));
        if (!response.ok()) return response.status();
        if (expected_status >= 0 && response->status != expected_status) {
          return absl::UnavailableError(absl::StrCat(
              "status ", response->status, ": ", Tail(response->body, 256)));
        }
        last = *std::move(response);
        return absl::OkStatus();
      },
      timeout, absl::StrCat("GET http://127.0.0.1:", port, target), watch);
  if (!status.ok()) return status;
  return last;
}

}  // namespace testutil
}  // namespace autoheal

#endif  // AUTOHEAL_TESTS_SUBPROCESS_H_
