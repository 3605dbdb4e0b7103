// Integration tests for ProcessExecutor: real processes, real pipes, real
// signals. They wait on conditions (callbacks, FIFOs, pidfds) with generous
// bounds and never sleep themselves.

#include "autoheal/internal/mutex.h"
#include "autoheal/process_executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "autoheal/testing/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::ReadFileOrDie;
using ::autoheal::testutil::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// The longest any single wait in these tests may take before failing.
constexpr absl::Duration kBound = absl::Seconds(20);

// A private directory under /tmp, removed with its contents at the end.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/autoheal_process_test_XXXXXX";
    const char* made = mkdtemp(pattern);
    EXPECT_NE(made, nullptr) << "mkdtemp: " << strerror(errno);
    path_ = made == nullptr ? "/tmp" : made;
  }
  ~TempDir() {
    std::error_code ignored;
    if (path_ != "/tmp") std::filesystem::remove_all(path_, ignored);
  }
  std::string Path(absl::string_view name) const {
    return absl::StrCat(path_, "/", name);
  }

 private:
  std::string path_;
};

// Collects outcomes from done callbacks; waits for them without sleeping.
class Collector {
 public:
  ActionExecutor::DoneCallback Callback() {
    return [this](const ActionRequest& request, const ActionOutcome& outcome) {
      internal::MutexLock lock(&mu_);
      keys_.push_back(request.key);
      outcomes_.push_back(outcome);
    };
  }

  // Returns true once at least `n` outcomes have arrived within `bound`.
  bool WaitFor(size_t n, absl::Duration bound = kBound) {
    internal::MutexLock lock(&mu_);
    wanted_ = n;
    return internal::AwaitWithRealTimeout(
        mu_, absl::Condition(this, &Collector::Enough), bound);
  }

  std::vector<ActionOutcome> outcomes() const {
    internal::MutexLock lock(&mu_);
    return outcomes_;
  }
  std::vector<std::string> keys() const {
    internal::MutexLock lock(&mu_);
    return keys_;
  }

 private:
  bool Enough() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return outcomes_.size() >= wanted_;
  }

  mutable internal::Mutex mu_;
  size_t wanted_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> keys_ ABSL_GUARDED_BY(mu_);
  std::vector<ActionOutcome> outcomes_ ABSL_GUARDED_BY(mu_);
};

Alert MakeAlert(std::vector<LabelSet::Entry> extra_labels = {}) {
  Alert alert;
  alert.status = AlertStatus::kFiring;
  LabelSet labels({{"alertname", "DiskFull"}, {"instance", "db-01:9100"}});
  for (auto& [name, value] : extra_labels) labels.Set(name, value);
  alert.labels = std::move(labels);
  alert.annotations = LabelSet({{"autoheal", "true"}, {"summary", "disk"}});
  alert.starts_at = "2026-01-01T00:00:00Z";
  alert.ends_at = "0001-01-01T00:00:00Z";
  alert.generator_url = "http://prometheus:9090/graph?g0.expr=up";
  alert.fingerprint = "0123456789abcdef";
  return alert;
}

ActionRequest MakeRequest(std::vector<std::string> argv,
                          absl::Duration timeout = absl::Seconds(20),
                          Alert alert = MakeAlert()) {
  ActionRequest request;
  request.action.alertname = "DiskFull";
  request.action.name = "fix-disk";
  request.action.argv = std::move(argv);
  request.action.timeout = timeout;
  request.key = "fix-disk/DiskFull";
  request.alert = std::move(alert);
  request.decided_at = absl::FromUnixSeconds(1767225600);
  return request;
}

std::string Describe(const ActionOutcome& o) {
  return absl::StrCat(
      "kind=", OutcomeKindName(o.kind), " exit_code=", o.exit_code,
      " duration=", absl::FormatDuration(o.duration), " error=\"", o.error,
      "\" stdout=\"", o.stdout_excerpt.substr(0, 300), "\" stderr=\"",
      o.stderr_excerpt.substr(0, 300), "\"");
}

std::unique_ptr<ProcessExecutor> MakeExecutor(
    ProcessExecutorOptions options = {}, Clock* clock = nullptr) {
  absl::StatusOr<std::unique_ptr<ProcessExecutor>> executor =
      ProcessExecutor::Create(std::move(options), clock);
  EXPECT_THAT(executor, IsOk());
  return executor.ok() ? std::move(*executor) : nullptr;
}

// Submits `request` and waits for its outcome.
ActionOutcome RunOne(ProcessExecutor& executor, ActionRequest request) {
  Collector collector;
  EXPECT_THAT(executor.Submit(std::move(request), collector.Callback()),
              IsOk());
  EXPECT_TRUE(collector.WaitFor(1)) << "no outcome within " << kBound;
  std::vector<ActionOutcome> outcomes = collector.outcomes();
  return outcomes.empty() ? ActionOutcome{} : outcomes[0];
}

ActionOutcome RunOne(ActionRequest request,
                     ProcessExecutorOptions options = {}) {
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor(std::move(options));
  if (executor == nullptr) return ActionOutcome{};
  return RunOne(*executor, std::move(request));
}

std::map<std::string, std::string> ParseEnv(absl::string_view text) {
  std::map<std::string, std::string> env;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    env[kv.first] = kv.second;
  }
  return env;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::vector<pid_t> ReadPids(const std::string& path) {
  std::vector<pid_t> pids;
  for (absl::string_view line :
       absl::StrSplit(ReadFileOrDie(path), '\n', absl::SkipEmpty())) {
    int pid = 0;
    EXPECT_TRUE(absl::SimpleAtoi(line, &pid)) << line;
    pids.push_back(pid);
  }
  return pids;
}

// Waits until `pid` has exited (a zombie counts), using a pidfd.
bool WaitForExit(pid_t pid, absl::Duration bound = kBound) {
  const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;  // already reaped
  struct pollfd p = {fd, POLLIN, 0};
  const int ready =
      poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(bound)));
  close(fd);
  return ready == 1;
}

// Returns the processes of group `pgid` that are neither dead nor zombies.
std::vector<pid_t> LiveGroupMembers(pid_t pgid) {
  std::vector<pid_t> live;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::vector<std::string> fields =
        absl::StrSplit(stat.substr(paren + 2), ' ');
    if (fields.size() < 3) continue;
    int group = 0;
    if (!absl::SimpleAtoi(fields[2], &group) || group != pgid) continue;
    if (fields[0] == "Z" || fields[0] == "X") continue;
    live.push_back(pid);
  }
  return live;
}

// A FIFO opened read-write and non-blocking: opening it never blocks either
// side, and readers never see end of file while it stays open.
class Fifo {
 public:
  explicit Fifo(std::string path) : path_(std::move(path)) {
    EXPECT_EQ(mkfifo(path_.c_str(), 0600), 0) << strerror(errno);
    fd_ = open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    EXPECT_GE(fd_, 0) << strerror(errno);
  }
  ~Fifo() {
    if (fd_ >= 0) close(fd_);
  }
  const std::string& path() const { return path_; }

  // Returns the next line, or nullopt when none arrives within `bound`.
  std::optional<std::string> ReadLine(absl::Duration bound = kBound) {
    std::string line;
    const absl::Time give_up = absl::Now() + bound;
    while (true) {
      char c;
      const ssize_t n = read(fd_, &c, 1);
      if (n == 1) {
        if (c == '\n') return line;
        line.push_back(c);
        continue;
      }
      const absl::Duration left = give_up - absl::Now();
      if (left <= absl::ZeroDuration()) return std::nullopt;
      struct pollfd p = {fd_, POLLIN, 0};
      poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    }
  }

  void Write(absl::string_view data) {
    EXPECT_EQ(write(fd_, data.data(), data.size()),
              static_cast<ssize_t>(data.size()));
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// --- configuration ---------------------------------------------------------

TEST(ProcessExecutorTest, CreateRejectsBadOptions) {
  ProcessExecutorOptions zero_workers;
  zero_workers.max_concurrent = 0;
  EXPECT_THAT(ProcessExecutor::Create(zero_workers, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, "max_concurrent"));

  ProcessExecutorOptions negative_grace;
  negative_grace.kill_grace = absl::Seconds(-1);
  EXPECT_THAT(ProcessExecutor::Create(negative_grace, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, "kill_grace"));

  ProcessExecutorOptions infinite_drain;
  infinite_drain.exit_drain = absl::InfiniteDuration();
  EXPECT_THAT(ProcessExecutor::Create(infinite_drain, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, "exit_drain"));

  ProcessExecutorOptions nul_path;
  nul_path.path = std::string("/bin\0/tmp", 9);
  EXPECT_THAT(ProcessExecutor::Create(nul_path, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, "path"));
}

// --- outcomes --------------------------------------------------------------

TEST(ProcessExecutorTest, SuccessCapturesStdoutAndStderr) {
  ActionOutcome o =
      RunOne(MakeRequest({"/bin/sh", "-c", "echo out; echo err >&2; exit 0"}));
  EXPECT_EQ(o.kind, OutcomeKind::kSuccess) << Describe(o);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(o.stdout_excerpt, "out\n");
  EXPECT_EQ(o.stderr_excerpt, "err\n");
  EXPECT_FALSE(o.stdout_truncated);
  EXPECT_FALSE(o.stderr_truncated);
  EXPECT_GE(o.duration, absl::ZeroDuration());
}

TEST(ProcessExecutorTest, NonZeroExitIsFailedWithExitCode) {
  ActionOutcome o = RunOne(MakeRequest({"/bin/sh", "-c", "exit 3"}));
  EXPECT_EQ(o.kind, OutcomeKind::kFailed) << Describe(o);
  EXPECT_EQ(o.exit_code, 3);
}

TEST(ProcessExecutorTest, DeathBySignalIsFailedWithNegativeSignal) {
  ActionOutcome o = RunOne(MakeRequest({"/bin/sh", "-c", "kill -9 $$"}));
  EXPECT_EQ(o.kind, OutcomeKind::kFailed) << Describe(o);
  EXPECT_EQ(o.exit_code, -9);
}

TEST(ProcessExecutorTest, MissingBinaryIsSpawnErrorNamingThePath) {
  ActionOutcome o =
      RunOne(MakeRequest({"/nonexistent/autoheal-no-such-binary", "x"}));
  EXPECT_EQ(o.kind, OutcomeKind::kSpawnError) << Describe(o);
  EXPECT_THAT(o.error, HasSubstr("/nonexistent/autoheal-no-such-binary"));
  EXPECT_THAT(o.error, HasSubstr("No such file or directory"));
}

TEST(ProcessExecutorTest, NonExecutableFileIsSpawnError) {
  TempDir dir;
  const std::string script = dir.Path("not_executable.sh");
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  ASSERT_EQ(chmod(script.c_str(), 0644), 0);
  ActionOutcome o = RunOne(MakeRequest({script}));
  EXPECT_EQ(o.kind, OutcomeKind::kSpawnError) << Describe(o);
  EXPECT_THAT(o.error, HasSubstr(script));
  EXPECT_THAT(o.error, HasSubstr("Permission denied"));
}

TEST(ProcessExecutorTest, FileWithoutShebangIsNeverHandedToAShell) {
  TempDir dir;
  const std::string marker = dir.Path("marker");
  const std::string script = dir.Path("no_shebang");
  std::ofstream(script) << "/usr/bin/touch " << marker << "\n";
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  ActionOutcome o = RunOne(MakeRequest({script}));
  EXPECT_EQ(o.kind, OutcomeKind::kSpawnError) << Describe(o);
  EXPECT_THAT(o.error, HasSubstr("Exec format error"));
  EXPECT_FALSE(FileExists(marker));
}

TEST(ProcessExecutorTest, EmptyArgvIsSpawnError) {
  ActionOutcome o = RunOne(MakeRequest({}));
  EXPECT_EQ(o.kind, OutcomeKind::kSpawnError) << Describe(o);
  EXPECT_THAT(o.error, HasSubstr("empty argv"));
}

TEST(ProcessExecutorTest, NulByteInArgumentIsSpawnError) {
  ActionOutcome o = RunOne(MakeRequest({"/bin/echo", std::string("a\0b", 3)}));
  EXPECT_EQ(o.kind, OutcomeKind::kSpawnError) << Describe(o);
  EXPECT_THAT(o.error, HasSubstr("argv[1]"));
}

// --- program resolution ----------------------------------------------------

TEST(ProcessExecutorTest, BareNameIsResolvedAgainstConfiguredPath) {
  ProcessExecutorOptions options;
  options.path = "/nonexistent-dir:relative/dir::/usr/bin:/bin";
  ActionOutcome o = RunOne(MakeRequest({"env"}), options);
  EXPECT_EQ(o.kind, OutcomeKind::kSuccess) << Describe(o);
  EXPECT_EQ(ParseEnv(o.stdout_excerpt)["PATH"], options.path);
}

TEST(ProcessExecutorTest, BareNameMissingFromPathIsSpawnError) {
  ProcessExecutorOptions options;
  options.path = "/nonexistent-dir";
  ActionOutcome o = RunOne(MakeRequest({"env"}), options);
  EXPECT_EQ(o.kind, OutcomeKind::kSpawnError) << Describe(o);
  EXPECT_THAT(o.error, HasSubstr("\"env\" not found in PATH"));
}

TEST(ProcessExecutorTest, RelativePathWithSlashIsRejected) {
  for (const char* program : {"./env", "usr/bin/env"}) {
    ActionOutcome o = RunOne(MakeRequest({program}));
    EXPECT_EQ(o.kind, OutcomeKind::kSpawnError) << Describe(o);
    EXPECT_THAT(o.error, HasSubstr("relative path"));
    EXPECT_THAT(o.error, HasSubstr(program));
  }
}

// --- what the child gets ---------------------------------------------------

TEST(ProcessExecutorTest, EnvironmentIsMinimalAndNothingIsInherited) {
  ASSERT_EQ(setenv("AUTOHEAL_TEST_CANARY", "leaked", 1), 0);
  ASSERT_EQ(setenv("LD_PRELOAD", "/nonexistent/preload.so", 1), 0);
  Alert alert = MakeAlert({
      {"severity", "page"},
      {"_under", "u"},
      {"bad-name", "skipped: not a valid env name"},
      {"env", "ambiguous"},
      {"ENV", "ambiguous"},
      {"nul", std::string("a\0b", 3)},
      {"long", std::string(4097, 'x')},
      {"fits", std::string(4096, 'y')},
  });
  alert.status = AlertStatus::kResolved;
  ActionOutcome o = RunOne(
      MakeRequest({"/usr/bin/env"}, absl::Seconds(20), std::move(alert)));
  unsetenv("AUTOHEAL_TEST_CANARY");
  unsetenv("LD_PRELOAD");
  ASSERT_EQ(o.kind, OutcomeKind::kSuccess) << Describe(o);

  std::map<std::string, std::string> expected = {
      {"PATH", ProcessExecutorOptions{}.path},
      {"AUTOHEAL_ALERTNAME", "DiskFull"},
      {"AUTOHEAL_FINGERPRINT", "0123456789abcdef"},
      {"AUTOHEAL_STATUS", "resolved"},
      {"AUTOHEAL_LABEL_ALERTNAME", "DiskFull"},
      {"AUTOHEAL_LABEL_INSTANCE", "db-01:9100"},
      {"AUTOHEAL_LABEL_SEVERITY", "page"},
      {"AUTOHEAL_LABEL__UNDER", "u"},
      {"AUTOHEAL_LABEL_FITS", std::string(4096, 'y')},
  };
  EXPECT_EQ(ParseEnv(o.stdout_excerpt), expected);
}

TEST(ProcessExecutorTest, ShellMetacharactersInLabelsStayLiteral) {
  TempDir dir;
  const std::string marker = dir.Path("pwned");
  const std::vector<std::string> values = {
      absl::StrCat("a;touch ", marker),
      absl::StrCat("$(touch ", marker, ")"),
      absl::StrCat("`touch ", marker, "`"),
      absl::StrCat("x' ; touch ", marker, " '"),
      absl::StrCat("x\" ; touch ", marker, " \""),
      absl::StrCat("| touch ", marker),
  };
  std::vector<LabelSet::Entry> labels;
  for (size_t i = 0; i < values.size(); ++i) {
    labels.push_back({absl::StrCat("evil", i), values[i]});
  }
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor();
  ASSERT_NE(executor, nullptr);

  ActionOutcome env = RunOne(
      *executor,
      MakeRequest({"/usr/bin/env"}, absl::Seconds(20), MakeAlert(labels)));
  ASSERT_EQ(env.kind, OutcomeKind::kSuccess) << Describe(env);
  std::map<std::string, std::string> vars = ParseEnv(env.stdout_excerpt);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(vars[absl::StrCat("AUTOHEAL_LABEL_EVIL", i)], values[i]);
  }

  ActionOutcome cat =
      RunOne(*executor,
             MakeRequest({"/bin/cat"}, absl::Seconds(20), MakeAlert(labels)));
  ASSERT_EQ(cat.kind, OutcomeKind::kSuccess) << Describe(cat);
  nlohmann::json json = nlohmann::json::parse(cat.stdout_excerpt, nullptr,
                                              /*allow_exceptions=*/false);
  ASSERT_TRUE(json.is_object()) << cat.stdout_excerpt;
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(json["labels"][absl::StrCat("evil", i)], values[i]);
  }
  EXPECT_FALSE(FileExists(marker)) << "a label value reached a shell";
}

TEST(ProcessExecutorTest, StdinCarriesTheAlertAsJson) {
  Alert alert = MakeAlert({{"team", "storage"}});
  alert.annotations.Set("bad_utf8", std::string("ok\xff\xfe", 4));
  alert.annotations.Set("unicode", "d\xc3\xa9j\xc3\xa0 vu");
  ActionOutcome o = RunOne(MakeRequest({"/bin/cat"}, absl::Seconds(20), alert));
  ASSERT_EQ(o.kind, OutcomeKind::kSuccess) << Describe(o);

  nlohmann::json json = nlohmann::json::parse(o.stdout_excerpt, nullptr,
                                              /*allow_exceptions=*/false);
  ASSERT_TRUE(json.is_object()) << o.stdout_excerpt;
  EXPECT_EQ(json["status"], "firing");
  EXPECT_EQ(json["startsAt"], alert.starts_at);
  EXPECT_EQ(json["endsAt"], alert.ends_at);
  EXPECT_EQ(json["generatorURL"], alert.generator_url);
  EXPECT_EQ(json["fingerprint"], alert.fingerprint);
  std::vector<LabelSet::Entry> labels;
  for (auto& [name, value] : json["labels"].items()) {
    labels.push_back({name, value.get<std::string>()});
  }
  EXPECT_EQ(LabelSet(labels), alert.labels);
  EXPECT_EQ(json["annotations"]["unicode"], "d\xc3\xa9j\xc3\xa0 vu");
  EXPECT_EQ(json["annotations"]["bad_utf8"], "ok\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(json["annotations"]["summary"], "disk");
}

TEST(ProcessExecutorTest, OneMebibyteLabelGoesToStdinButNotToEnvironment) {
  const std::string big(1 << 20, 'b');
  ProcessExecutorOptions options;
  options.output_cap_bytes = 4 << 20;
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor(options);
  ASSERT_NE(executor, nullptr);

  ActionOutcome cat = RunOne(
      *executor,
      MakeRequest({"/bin/cat"}, absl::Seconds(20), MakeAlert({{"big", big}})));
  ASSERT_EQ(cat.kind, OutcomeKind::kSuccess) << Describe(cat);
  EXPECT_FALSE(cat.stdout_truncated);
  nlohmann::json json = nlohmann::json::parse(cat.stdout_excerpt, nullptr,
                                              /*allow_exceptions=*/false);
  ASSERT_TRUE(json.is_object());
  EXPECT_EQ(json["labels"]["big"], big);

  ActionOutcome env = RunOne(
      *executor, MakeRequest({"/bin/sh", "-c", "/usr/bin/env; /usr/bin/wc -c"},
                             absl::Seconds(20), MakeAlert({{"big", big}})));
  ASSERT_EQ(env.kind, OutcomeKind::kSuccess) << Describe(env);
  EXPECT_THAT(env.stdout_excerpt, Not(HasSubstr("AUTOHEAL_LABEL_BIG")));
  EXPECT_THAT(env.stdout_excerpt, HasSubstr("AUTOHEAL_LABEL_INSTANCE="));
  EXPECT_THAT(env.stdout_excerpt,
              HasSubstr(absl::StrCat("\n", cat.stdout_excerpt.size(), "\n")));
}

TEST(ProcessExecutorTest, ActionThatNeverReadsStdinDoesNotDeadlock) {
  const Alert alert = MakeAlert({{"big", std::string(1 << 20, 'b')}});
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor();
  ASSERT_NE(executor, nullptr);

  ActionOutcome exits_at_once =
      RunOne(*executor, MakeRequest({"/bin/true"}, absl::Seconds(20), alert));
  EXPECT_EQ(exits_at_once.kind, OutcomeKind::kSuccess)
      << Describe(exits_at_once);

  // Floods stdout while we still have 1 MiB of stdin for it: we must keep
  // reading while writing.
  ActionOutcome floods = RunOne(
      *executor, MakeRequest({"/usr/bin/head", "-c", "4194304", "/dev/zero"},
                             absl::Seconds(20), alert));
  EXPECT_EQ(floods.kind, OutcomeKind::kSuccess) << Describe(floods);
  EXPECT_TRUE(floods.stdout_truncated);

  // Closes stdin after one byte: our writes get EPIPE, and we survive.
  ActionOutcome closes =
      RunOne(*executor, MakeRequest({"/bin/sh", "-c",
                                     "/usr/bin/head -c 1 >/dev/null; "
                                     "exec 0<&-; echo done"},
                                    absl::Seconds(20), alert));
  EXPECT_EQ(closes.kind, OutcomeKind::kSuccess) << Describe(closes);
  EXPECT_EQ(closes.stdout_excerpt, "done\n");
}

TEST(ProcessExecutorTest, OutputIsCappedAndTruncationIsFlagged) {
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor();
  ASSERT_NE(executor, nullptr);
  const absl::Time begin = absl::Now();
  ActionOutcome big =
      RunOne(*executor, MakeRequest({"/bin/sh", "-c",
                                     "/usr/bin/head -c 1048576 /dev/zero; "
                                     "/usr/bin/head -c 100000 /dev/zero >&2"}));
  EXPECT_LT(absl::Now() - begin, absl::Seconds(5));
  ASSERT_EQ(big.kind, OutcomeKind::kSuccess) << Describe(big);
  EXPECT_EQ(big.stdout_excerpt, std::string(64 * 1024, '\0'));
  EXPECT_TRUE(big.stdout_truncated);
  EXPECT_EQ(big.stderr_excerpt.size(), 64u * 1024);
  EXPECT_TRUE(big.stderr_truncated);

  ActionOutcome exact = RunOne(
      *executor, MakeRequest({"/usr/bin/head", "-c", "65536", "/dev/zero"}));
  ASSERT_EQ(exact.kind, OutcomeKind::kSuccess) << Describe(exact);
  EXPECT_EQ(exact.stdout_excerpt.size(), 64u * 1024);
  EXPECT_FALSE(exact.stdout_truncated);
}

TEST(ProcessExecutorTest, ChildGetsDefaultSignalsAndOnlyStandardFds) {
  // Make the parent's state unusual: a blocked and an ignored signal, and an
  // inheritable descriptor. None of it may reach the child.
  sigset_t usr1, old_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &usr1, &old_mask), 0);
  struct sigaction ignore = {}, old_hup = {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGHUP, &ignore, &old_hup), 0);
  const int leaky_fd = open("/dev/null", O_RDONLY);  // no O_CLOEXEC
  ASSERT_GE(leaky_fd, 0);

  std::unique_ptr<ProcessExecutor> executor = MakeExecutor();
  ASSERT_NE(executor, nullptr);
  // grep reads its own status; a shell's mask would be racy (dash blocks
  // signals while it waits for a child).
  ActionOutcome o = RunOne(
      *executor,
      MakeRequest({"/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}));
  ActionOutcome fds =
      RunOne(*executor, MakeRequest({"/bin/sh", "-c", "/bin/ls /proc/$$/fd"}));
  executor.reset();
  close(leaky_fd);
  sigaction(SIGHUP, &old_hup, nullptr);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);

  ASSERT_EQ(o.kind, OutcomeKind::kSuccess) << Describe(o);
  std::vector<std::string> lines =
      absl::StrSplit(o.stdout_excerpt, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << o.stdout_excerpt;
  EXPECT_EQ(lines[0], "SigBlk:\t0000000000000000");
  // glibc's posix_spawn sets its two internal signals (32 and 33, below
  // SIGRTMIN) to SIG_IGN in every child; signals 1-31 must all be default.
  uint64_t ignored = ~uint64_t{0};
  ASSERT_TRUE(absl::StartsWith(lines[1], "SigIgn:\t"));
  ASSERT_TRUE(absl::SimpleHexAtoi(lines[1].substr(8), &ignored)) << lines[1];
  EXPECT_EQ(ignored & 0x7fffffffu, 0u) << lines[1];
  ASSERT_EQ(fds.kind, OutcomeKind::kSuccess) << Describe(fds);
  EXPECT_EQ(fds.stdout_excerpt, "0\n1\n2\n");
}

// --- time ------------------------------------------------------------------

TEST(ProcessExecutorTest, DurationIsMeasuredWithTheInjectedClock) {
  testing::FakeClock clock;
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor({}, &clock);
  ASSERT_NE(executor, nullptr);
  ActionOutcome o = RunOne(*executor, MakeRequest({"/bin/true"}));
  EXPECT_EQ(o.kind, OutcomeKind::kSuccess) << Describe(o);
  EXPECT_EQ(o.duration, absl::ZeroDuration());
}

TEST(ProcessExecutorTest, TimeoutFollowsTheInjectedClock) {
  TempDir dir;
  Fifo started(dir.Path("started"));
  testing::FakeClock clock;
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor({}, &clock);
  ASSERT_NE(executor, nullptr);
  Collector collector;
  ASSERT_THAT(
      executor->Submit(MakeRequest({"/bin/sh", "-c",
                                    absl::StrCat("echo go > ", started.path(),
                                                 "; exec /bin/sleep 600")},
                                   absl::Hours(1)),
                       collector.Callback()),
      IsOk());
  ASSERT_EQ(started.ReadLine(), "go");
  // Real time does not expire the timeout; the fake clock does.
  EXPECT_FALSE(collector.WaitFor(1, absl::Milliseconds(300)));
  clock.Advance(absl::Hours(2));
  ASSERT_TRUE(collector.WaitFor(1));
  ActionOutcome o = collector.outcomes()[0];
  EXPECT_EQ(o.kind, OutcomeKind::kTimedOut) << Describe(o);
  EXPECT_EQ(o.exit_code, -SIGTERM);
  EXPECT_EQ(o.duration, absl::Hours(2));
}

TEST(ProcessExecutorTest, TimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  const std::string pids = dir.Path("pids");
  ProcessExecutorOptions options;
  options.kill_grace = absl::Seconds(1);
  const absl::Time begin = absl::Now();
  ActionOutcome o = RunOne(
      MakeRequest(
          {"/bin/sh", "-c",
           absl::StrCat("echo $$ > ", pids, "; /bin/sleep 600 & echo $! >> ",
                        pids, "; exec /bin/sleep 600")},
          absl::Seconds(1)),
      options);
  EXPECT_LT(absl::Now() - begin, absl::Seconds(5));
  EXPECT_EQ(o.kind, OutcomeKind::kTimedOut) << Describe(o);
  EXPECT_GE(o.duration, absl::Seconds(1));
  EXPECT_THAT(o.error, HasSubstr("timed out after 1s"));

  std::vector<pid_t> group = ReadPids(pids);
  ASSERT_EQ(group.size(), 2u);
  for (pid_t pid : group) EXPECT_TRUE(WaitForExit(pid)) << "pid " << pid;
  EXPECT_THAT(LiveGroupMembers(group[0]), ::testing::IsEmpty());
}

TEST(ProcessExecutorTest, ActionIgnoringSigtermIsKilledAfterGrace) {
  TempDir dir;
  const std::string pids = dir.Path("pids");
  ProcessExecutorOptions options;
  options.kill_grace = absl::Seconds(1);
  const absl::Time begin = absl::Now();
  ActionOutcome o = RunOne(
      MakeRequest(
          {"/bin/sh", "-c",
           absl::StrCat("trap '' TERM; echo $$ > ", pids,
                        "; /bin/sleep 600 & echo $! >> ", pids, "; wait")},
          absl::Seconds(1)),
      options);
  EXPECT_LT(absl::Now() - begin, absl::Seconds(6));
  EXPECT_EQ(o.kind, OutcomeKind::kTimedOut) << Describe(o);
  EXPECT_EQ(o.exit_code, -SIGKILL);
  EXPECT_GE(o.duration, absl::Seconds(2));
  EXPECT_THAT(o.error, HasSubstr("SIGKILL"));

  std::vector<pid_t> group = ReadPids(pids);
  ASSERT_EQ(group.size(), 2u);
  for (pid_t pid : group) EXPECT_TRUE(WaitForExit(pid)) << "pid " << pid;
  EXPECT_THAT(LiveGroupMembers(group[0]), ::testing::IsEmpty());
}

TEST(ProcessExecutorTest, NormalExitLeavesBackgroundChildAndReturnsPromptly) {
  const absl::Time begin = absl::Now();
  // The background sleep keeps stdout open; we stop reading after the drain.
  ActionOutcome o =
      RunOne(MakeRequest({"/bin/sh", "-c", "/bin/sleep 600 & echo $!"}));
  EXPECT_LT(absl::Now() - begin, absl::Seconds(3));
  ASSERT_EQ(o.kind, OutcomeKind::kSuccess) << Describe(o);
  int daemon = 0;
  ASSERT_TRUE(
      absl::SimpleAtoi(absl::StripAsciiWhitespace(o.stdout_excerpt), &daemon))
      << o.stdout_excerpt;
  EXPECT_EQ(kill(daemon, 0), 0) << "a normal exit must not kill the group";
  kill(daemon, SIGKILL);
  EXPECT_TRUE(WaitForExit(daemon));
}

// --- concurrency and queueing ----------------------------------------------

TEST(ProcessExecutorTest, RunsAtMostMaxConcurrentAndRejectsBeyondTheQueue) {
  TempDir dir;
  Fifo started(dir.Path("started"));
  Fifo gate(dir.Path("gate"));
  const std::string log = dir.Path("log");
  ProcessExecutorOptions options;
  options.max_concurrent = 2;
  options.max_queue = 4;
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor(options);
  ASSERT_NE(executor, nullptr);

  // Each action logs its start, reports it, then blocks until it reads one
  // byte from the gate.
  const std::string script =
      absl::StrCat("echo start >> ", log, "; echo s > ", started.path(),
                   "; read x < ", gate.path(), "; echo end >> ", log);
  Collector collector;
  for (int i = 0; i < 6; ++i) {
    ActionRequest request = MakeRequest({"/bin/sh", "-c", script});
    request.key = absl::StrCat("job-", i);
    ASSERT_THAT(executor->Submit(std::move(request), collector.Callback()),
                IsOk());
  }
  EXPECT_THAT(
      executor->Submit(MakeRequest({"/bin/true"}), collector.Callback()),
      StatusIs(absl::StatusCode::kResourceExhausted, "full"));
  EXPECT_EQ(executor->InFlight(), 6u);

  ASSERT_TRUE(started.ReadLine().has_value());
  ASSERT_TRUE(started.ReadLine().has_value());
  EXPECT_FALSE(started.ReadLine(absl::Milliseconds(300)).has_value())
      << "a third action started while two were running";

  gate.Write("\n\n\n\n\n\n");
  ASSERT_TRUE(collector.WaitFor(6));
  for (const ActionOutcome& o : collector.outcomes()) {
    EXPECT_EQ(o.kind, OutcomeKind::kSuccess) << Describe(o);
  }
  std::vector<std::string> keys = collector.keys();
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 6u);

  int running = 0, peak = 0, starts = 0;
  for (absl::string_view line :
       absl::StrSplit(ReadFileOrDie(log), '\n', absl::SkipEmpty())) {
    if (line == "start") {
      ++starts;
      peak = std::max(peak, ++running);
    } else {
      --running;
    }
  }
  EXPECT_EQ(starts, 6);
  EXPECT_LE(peak, 2);

  EXPECT_THAT(executor->Shutdown(kBound), IsOk());
  EXPECT_EQ(executor->InFlight(), 0u);
  EXPECT_EQ(collector.outcomes().size(), 6u);  // exactly once each
}

TEST(ProcessExecutorTest, FullQueueIsResourceExhausted) {
  TempDir dir;
  Fifo gate(dir.Path("gate"));
  ProcessExecutorOptions options;
  options.max_concurrent = 1;
  options.max_queue = 2;
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor(options);
  ASSERT_NE(executor, nullptr);
  Collector collector;
  const std::string script = absl::StrCat("read x < ", gate.path());
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(executor->Submit(MakeRequest({"/bin/sh", "-c", script}),
                                 collector.Callback()),
                IsOk());
  }
  EXPECT_THAT(
      executor->Submit(MakeRequest({"/bin/true"}), collector.Callback()),
      StatusIs(absl::StatusCode::kResourceExhausted, "max_queue 2"));
  gate.Write("\n\n\n");
  ASSERT_TRUE(collector.WaitFor(3));
  EXPECT_THAT(executor->Shutdown(kBound), IsOk());
  EXPECT_EQ(collector.outcomes().size(), 3u);
}

// --- shutdown --------------------------------------------------------------

TEST(ProcessExecutorTest, ShutdownKillsRunningDropsQueuedAndRejectsLater) {
  TempDir dir;
  Fifo started(dir.Path("started"));
  ProcessExecutorOptions options;
  options.max_concurrent = 1;
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor(options);
  ASSERT_NE(executor, nullptr);
  Collector collector;
  ActionRequest running = MakeRequest(
      {"/bin/sh", "-c",
       absl::StrCat("echo $$ > ", started.path(), "; exec /bin/sleep 600")},
      absl::Seconds(600));
  running.key = "running";
  ActionRequest queued = MakeRequest({"/bin/true"});
  queued.key = "queued";
  ASSERT_THAT(executor->Submit(std::move(running), collector.Callback()),
              IsOk());
  ASSERT_THAT(executor->Submit(std::move(queued), collector.Callback()),
              IsOk());
  std::optional<std::string> pid_line = started.ReadLine();
  ASSERT_TRUE(pid_line.has_value());
  int pid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(*pid_line, &pid));

  const absl::Time begin = absl::Now();
  EXPECT_THAT(executor->Shutdown(absl::Milliseconds(200)),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       "killed 1 running and dropped 1 queued"));
  EXPECT_LT(absl::Now() - begin, absl::Seconds(3));
  EXPECT_TRUE(WaitForExit(pid, absl::Seconds(1)));

  // Both callbacks ran before Shutdown() returned.
  std::vector<ActionOutcome> outcomes = collector.outcomes();
  std::vector<std::string> keys = collector.keys();
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(keys[0], "running");
  EXPECT_EQ(outcomes[0].kind, OutcomeKind::kFailed) << Describe(outcomes[0]);
  EXPECT_EQ(outcomes[0].exit_code, -SIGKILL);
  EXPECT_EQ(outcomes[0].error, "killed by Shutdown()");
  EXPECT_EQ(keys[1], "queued");
  EXPECT_EQ(outcomes[1].kind, OutcomeKind::kSpawnError)
      << Describe(outcomes[1]);
  EXPECT_THAT(outcomes[1].error, HasSubstr("dropped"));

  EXPECT_THAT(
      executor->Submit(MakeRequest({"/bin/true"}), collector.Callback()),
      StatusIs(absl::StatusCode::kFailedPrecondition, "shut down"));
  EXPECT_THAT(executor->Shutdown(absl::ZeroDuration()), IsOk());
  EXPECT_EQ(executor->InFlight(), 0u);
}

TEST(ProcessExecutorTest, ShutdownLetsQueuedWorkFinishWithinTheWait) {
  ProcessExecutorOptions options;
  options.max_concurrent = 1;
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor(options);
  ASSERT_NE(executor, nullptr);
  Collector collector;
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(executor->Submit(MakeRequest({"/bin/echo", "hi"}),
                                 collector.Callback()),
                IsOk());
  }
  EXPECT_THAT(executor->Shutdown(kBound), IsOk());
  std::vector<ActionOutcome> outcomes = collector.outcomes();
  ASSERT_EQ(outcomes.size(), 3u);
  for (const ActionOutcome& o : outcomes) {
    EXPECT_EQ(o.kind, OutcomeKind::kSuccess) << Describe(o);
    EXPECT_EQ(o.stdout_excerpt, "hi\n");
  }
}

TEST(ProcessExecutorTest, DestructorKillsRunningActionsAndReportsThem) {
  TempDir dir;
  Fifo started(dir.Path("started"));
  Collector collector;
  {
    std::unique_ptr<ProcessExecutor> executor = MakeExecutor();
    ASSERT_NE(executor, nullptr);
    ASSERT_THAT(
        executor->Submit(MakeRequest({"/bin/sh", "-c",
                                      absl::StrCat("echo s > ", started.path(),
                                                   "; exec /bin/sleep 600")},
                                     absl::Seconds(600)),
                         collector.Callback()),
        IsOk());
    ASSERT_TRUE(started.ReadLine().has_value());
  }
  std::vector<ActionOutcome> outcomes = collector.outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].exit_code, -SIGKILL) << Describe(outcomes[0]);
}

TEST(ProcessExecutorTest, DoneCallbackMaySubmitButNotShutdown) {
  std::unique_ptr<ProcessExecutor> executor = MakeExecutor();
  ASSERT_NE(executor, nullptr);
  Collector collector;
  internal::Mutex mu;
  absl::Status inner_submit = absl::UnknownError("not run");
  absl::Status inner_shutdown = absl::UnknownError("not run");
  ProcessExecutor* raw = executor.get();
  ASSERT_THAT(executor->Submit(MakeRequest({"/bin/true"}),
                               [&](const ActionRequest&, const ActionOutcome&) {
                                 absl::Status submitted =
                                     raw->Submit(MakeRequest({"/bin/true"}),
                                                 collector.Callback());
                                 absl::Status shut =
                                     raw->Shutdown(absl::ZeroDuration());
                                 internal::MutexLock lock(&mu);
                                 inner_submit = submitted;
                                 inner_shutdown = shut;
                               }),
              IsOk());
  ASSERT_TRUE(collector.WaitFor(1));
  EXPECT_THAT(executor->Shutdown(kBound), IsOk());
  internal::MutexLock lock(&mu);
  EXPECT_THAT(inner_submit, IsOk());
  EXPECT_THAT(inner_shutdown,
              StatusIs(absl::StatusCode::kFailedPrecondition, "callback"));
}

}  // namespace
}  // namespace autoheal
