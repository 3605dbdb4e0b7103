#include "autoheal/json_audit_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/utf8.h"
#include "core/errno_text.h"
#include "core/json_writer.h"

namespace autoheal {
namespace {



// Returns at most `max` bytes of `s`, cut on a character boundary so that a
// multi-byte character is dropped whole rather than split (a split one
// would be replaced by U+FFFD).
absl::string_view Excerpt(absl::string_view s, size_t max) {
  return s.substr(0, internal::Utf8PrefixLength(s, max));
}


void SyncParentDirectory(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string(".")
                          : slash == 0               ? std::string("/")
                                                     : path.substr(0, slash);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return;
  ::fsync(dir_fd);
  ::close(dir_fd);
}

absl::Status OpenError(const std::string& path, int err) {
  std::string message = absl::StrCat("cannot open audit file \"", path,
                                     "\" for appending: ", internal::ErrnoText(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EINTR:
    case EAGAIN:
      return absl::UnavailableError(message);
    default:  // EISDIR, ELOOP, ENAMETOOLONG, ENXIO, ...
      return absl::FailedPreconditionError(message);
  }
}

}  // namespace

JsonLinesAuditSink::JsonLinesAuditSink(int fd, bool owns_fd, std::string name,
                                       bool sync)
    : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)), sync_(sync) {}

JsonLinesAuditSink::~JsonLinesAuditSink() {
  if (owns_fd_) ::close(fd_);
}

absl::StatusOr<std::unique_ptr<JsonLinesAuditSink>>
JsonLinesAuditSink::OpenFile(const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "audit file path is empty; expected a file path");
  }
  int fd;
  do {
    fd = ::open(path.c_str(),
                O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return OpenError(path, errno);

  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return OpenError(path, err);
  }
  // fdatasync() is meaningful (and supported) only for regular files; on a
  // device such as /dev/null it fails with EINVAL.
  const bool sync = S_ISREG(st.st_mode);
  // A file just created exists after a crash only once its directory entry
  // is on disk too. Best effort: a directory we may not open for reading
  // still gets the file's own syncs.
  if (sync) SyncParentDirectory(path);
  return std::unique_ptr<JsonLinesAuditSink>(
      new JsonLinesAuditSink(fd, /*owns_fd=*/true, path, sync));
}

std::unique_ptr<JsonLinesAuditSink> JsonLinesAuditSink::ForFd(
    int fd, absl::string_view name, bool sync) {
  return std::unique_ptr<JsonLinesAuditSink>(new JsonLinesAuditSink(
      fd, /*owns_fd=*/false, std::string(name), sync));
}

std::unique_ptr<JsonLinesAuditSink> JsonLinesAuditSink::ForStdout() {
  return ForFd(STDOUT_FILENO, "stdout", /*sync=*/false);
}

std::string JsonLinesAuditSink::DecisionLine(const Alert& alert,
                                             const Decision& decision,
                                             absl::Time at) {
  std::string line;
  line.reserve(512);
  AppendDecisionLine(alert, decision, internal::IsoTimeMillis(at), &line);
  return line;
}

void JsonLinesAuditSink::AppendDecisionLine(const Alert& alert,
                                            const Decision& decision,
                                            absl::string_view time,
                                            std::string* out) {
  std::string& line = *out;
  internal::JsonWriter j(out);
  j.BeginObject();
  j.Key("time").String(time);
  j.Key("event").String("decision");
  j.Key("fingerprint").String(alert.fingerprint);
  j.Key("alertname").String(alert.alertname());
  j.Key("status");
  if (decision.reason == Reason::kInvalidAlert) {
    j.Null();  // a malformed alert's status is not trusted, maybe absent
  } else {
    j.String(AlertStatusName(alert.status));
  }
  j.Key("key").String(decision.key.view());
  j.Key("verdict").String(VerdictName(decision.verdict));
  j.Key("reason").String(ReasonName(decision.reason));
  j.Key("sentence").String(decision.Sentence());
  j.Key("action");
  if (decision.action != nullptr) {
    j.String(decision.action->name);
  } else {
    j.Null();
  }
  if (decision.reason == Reason::kCoolingDown) {
    j.Key("time_left_sec").Double(absl::ToDoubleSeconds(decision.time_left));
  }
  if (decision.reason == Reason::kStoreUnavailable) {
    j.Key("store_error").String(decision.store_error.ToString());
  }
  if (decision.reason == Reason::kInvalidAlert) {
    j.Key("problem").String(decision.problem);
  }
  j.EndObject();
  // JSON escapes every control character, so this is the line's only newline.
  line.push_back('\n');
}

std::string JsonLinesAuditSink::OutcomeLine(const ActionRequest& request,
                                            const ActionOutcome& outcome,
                                            absl::Time at) {
  absl::string_view out = Excerpt(outcome.stdout_excerpt, kMaxExcerptBytes);
  absl::string_view err = Excerpt(outcome.stderr_excerpt, kMaxExcerptBytes);
  std::string line;
  internal::JsonWriter j(&line);
  j.BeginObject();
  j.Key("time").String(internal::IsoTimeMillis(at));
  j.Key("event").String("outcome");
  j.Key("fingerprint").String(request.alert.fingerprint);
  j.Key("alertname").String(request.alert.alertname());
  j.Key("key").String(request.key);
  j.Key("action").String(request.action.name);
  j.Key("decided_at").String(internal::IsoTimeMillis(request.decided_at));
  j.Key("outcome").String(OutcomeKindName(outcome.kind));
  j.Key("exit_code").Int(outcome.exit_code);
  j.Key("duration_ms").Double(absl::ToDoubleMilliseconds(outcome.duration));
  j.Key("stdout").String(out);
  // Dropped here, or already by the executor's own cap.
  j.Key("stdout_truncated")
      .Bool(out.size() < outcome.stdout_excerpt.size() ||
            outcome.stdout_truncated);
  j.Key("stderr").String(err);
  j.Key("stderr_truncated")
      .Bool(err.size() < outcome.stderr_excerpt.size() ||
            outcome.stderr_truncated);
  if (!outcome.error.empty()) j.Key("error").String(outcome.error);
  j.EndObject();
  line.push_back('\n');
  return line;
}

absl::Status JsonLinesAuditSink::RecordDecision(const Alert& alert,
                                                const Decision& decision,
                                                absl::Time at) {
  uint64_t seq = 0;
  absl::Status status = Append(DecisionLine(alert, decision, at), &seq);
  if (!status.ok()) return status;
  // The caller spawns the action only after this returns: the record of an
  // `execute` must survive a crash that the action might cause.
  if (sync_ && decision.verdict == Verdict::kExecute) return SyncThrough(seq);
  return absl::OkStatus();
}

absl::Status JsonLinesAuditSink::RecordDecisions(
    absl::Span<const DecisionRecord> records, absl::Time at) {
  // One buffer for the whole notification, sized for typical lines, so a
  // storm's 200 lines cost no string of their own and few reallocations.
  constexpr size_t kTypicalLineBytes = 512;
  std::string lines;
  lines.reserve(records.size() * kTypicalLineBytes);
  const std::string time = internal::IsoTimeMillis(at);
  bool any_execute = false;
  for (const DecisionRecord& r : records) {
    AppendDecisionLine(*r.alert, *r.decision, time, &lines);
    any_execute = any_execute || r.decision->verdict == Verdict::kExecute;
  }
  if (lines.empty()) return absl::OkStatus();
  uint64_t seq = 0;
  absl::Status status = Append(lines, &seq);
  if (!status.ok()) return status;
  if (sync_ && any_execute) return SyncThrough(seq);
  return absl::OkStatus();
}

absl::Status JsonLinesAuditSink::RecordOutcome(const ActionRequest& request,
                                               const ActionOutcome& outcome,
                                               absl::Time at) {
  uint64_t seq = 0;
  absl::Status status = Append(OutcomeLine(request, outcome, at), &seq);
  if (!status.ok()) return status;
  if (sync_) return SyncThrough(seq);
  return absl::OkStatus();
}

std::string JsonLinesAuditSink::StateClearLine(absl::string_view key,
                                               bool was_latched,
                                               absl::string_view by,
                                               absl::Time at) {
  std::string line;
  internal::JsonWriter j(&line);
  j.BeginObject();
  j.Key("time").String(internal::IsoTimeMillis(at));
  j.Key("event").String("state_clear");
  j.Key("key").String(key);
  j.Key("was_latched").Bool(was_latched);
  j.Key("by").String(by);
  j.EndObject();
  line.push_back('\n');
  return line;
}

absl::Status JsonLinesAuditSink::RecordStateClear(absl::string_view key,
                                                  bool was_latched,
                                                  absl::string_view by,
                                                  absl::Time at) {
  uint64_t seq = 0;
  absl::Status status =
      Append(StateClearLine(key, was_latched, by, at), &seq);
  if (!status.ok()) return status;
  if (sync_) return SyncThrough(seq);
  return absl::OkStatus();
}

absl::Status JsonLinesAuditSink::Flush() {
  if (!sync_) return absl::OkStatus();
  uint64_t seq;
  {
    internal::MutexLock lock(&mu_);
    seq = written_seq_;
  }
  return SyncThrough(seq);
}

absl::Status JsonLinesAuditSink::Append(absl::string_view line,
                                        uint64_t* seq) {
  internal::MutexLock lock(&mu_);
  std::string with_newline;
  if (torn_) {
    // The previous line was cut short and lacks its newline; start on a
    // fresh line, still in a single write().
    with_newline = absl::StrCat("\n", line);
    line = with_newline;
  }
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason =
          n < 0 ? internal::ErrnoText(errno) : std::string("write() wrote nothing");
      // A line cut partway lacks its newline; the next one must start fresh.
      // (When nothing was written, `torn_` keeps its earlier value.)
      if (done > 0) torn_ = true;
      return absl::UnavailableError(absl::StrCat(
          "cannot write audit line to \"", name_, "\": ", reason));
    }
    done += static_cast<size_t>(n);
  }
  torn_ = false;
  *seq = ++written_seq_;
  return absl::OkStatus();
}

absl::Status JsonLinesAuditSink::SyncThrough(uint64_t seq) {
  uint64_t target;
  {
    internal::MutexLock lock(&mu_);
    if (synced_seq_ >= seq) return absl::OkStatus();
    // Every line written so far is covered by the sync below.
    target = written_seq_;
  }
  // Outside the lock: writers carry on while the disk works, and concurrent
  // syncs may overlap (each covers at least its own line).
  int rc;
  do {
    rc = ::fdatasync(fd_);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    return absl::UnavailableError(absl::StrCat(
        "cannot sync audit file \"", name_, "\": ", internal::ErrnoText(err)));
  }
  internal::MutexLock lock(&mu_);
  synced_seq_ = std::max(synced_seq_, target);
  return absl::OkStatus();
}

}  // namespace autoheal
