// The real audit sink: one JSON object per line, to a file or to stdout.
//
// Every decision and every action outcome becomes one line, so that `jq`,
// Loki or a plain `grep` can answer "why did (or didn't) it restart X at
// 03:12". A decision line:
//
//   {"time":"2026-01-01T00:00:00.123Z","event":"decision",
//    "fingerprint":"a1b2c3d4e5f60708","alertname":"ApiDown","status":"firing",
//    "key":"ah1|live|11:restart-api|7:ApiDown","verdict":"execute",
//    "reason":"execute","sentence":"all gates passed; running action
//    \"restart-api\"","action":"restart-api"}
//
// (shown wrapped; a real line has no newline inside it). An outcome line:
//
//   {"time":"...","event":"outcome","fingerprint":"...","alertname":"ApiDown",
//    "key":"...","action":"restart-api","decided_at":"...",
//    "outcome":"failed","exit_code":3,"duration_ms":1520.5,
//    "stdout":"...","stdout_truncated":false,"stderr":"...",
//    "stderr_truncated":false}
//
// Field rules:
//   - `time` is the `at` argument in RFC 3339 UTC with milliseconds.
//   - `action` is null when the decision found no action (gates 0-3).
//   - `time_left_sec` (a double) appears only when `reason` is
//     "cooling_down"; `store_error` only when `reason` is
//     "store_unavailable"; `problem` ("alerts[3].labels.alertname: missing")
//     only when `reason` is "invalid_alert", whose `status` is null (a
//     malformed alert's status is not trusted, and may be absent or
//     unknown); `error` only on outcome lines whose `error` is non-empty
//     (spawn errors).
//   - `stdout` and `stderr` keep at most `kMaxExcerptBytes` bytes each (cut
//     on a UTF-8 character boundary); `*_truncated` says whether bytes were
//     dropped, here or already by the executor (`ActionOutcome::*_truncated`).
//   - Alert labels and annotations are not written; the key carries the
//     labels that identify the target.
//
// Hostile input cannot forge or break a line: control characters (newline,
// NUL, ...) and quotes are escaped by JSON, and bytes that are not valid
// UTF-8 are replaced by U+FFFD. Serialisation never throws.
//
// Durability (file sinks): an `execute` decision is on disk (fdatasync)
// before `RecordDecision()` returns, and so is every outcome line before
// `RecordOutcome()` returns. Other decisions (skips, dry runs) are written at
// once but synced only by a later sync or by `Flush()`.
//
// Atomicity: each line is handed to the kernel in one write() call, and a
// file is opened with O_APPEND, so lines from several threads, several
// sinks, or several processes appending to the same local file do not
// interleave. (Only a write the kernel cuts short, e.g. on a full disk, is
// continued by a second call; such a torn line is terminated before the next
// one, so it damages only itself.)
//
// Thread safety: every method may be called concurrently. Writes are
// serialised by a mutex held only around write(); lines are built and synced
// outside it.

#ifndef AUTOHEAL_JSON_AUDIT_SINK_H_
#define AUTOHEAL_JSON_AUDIT_SINK_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/action_executor.h"
#include "autoheal/alert.h"
#include "autoheal/audit_sink.h"
#include "autoheal/decision.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {

// Writes JSON lines to an append-only file or to a borrowed descriptor.
//
//   absl::StatusOr<std::unique_ptr<JsonLinesAuditSink>> sink =
//       JsonLinesAuditSink::OpenFile("/var/log/autoheal/audit.jsonl");
//   if (!sink.ok()) return sink.status();
//   RemediatorDeps deps;
//   deps.audit = sink->get();  // the sink must outlive the remediator
//   ...
//   (*sink)->Flush();  // at shutdown
//
// or, for a container that ships stdout to its log pipeline:
//
//   std::unique_ptr<JsonLinesAuditSink> sink = JsonLinesAuditSink::ForStdout();
class JsonLinesAuditSink final : public AuditSink {
 public:
  // The most bytes of an outcome's stdout or stderr that one line keeps.
  static constexpr size_t kMaxExcerptBytes = 4096;

  // Opens (creating it with mode 0640, less the umask) the file at `path` for
  // appending. The sink owns the descriptor and closes it when destroyed.
  // When `path` is a regular file, lines are synced as described above and
  // its directory is synced once (best effort), so that a newly created file
  // survives a crash; anything else (a device, a FIFO) is only written to.
  // Opening a FIFO blocks until it has a reader.
  // Returns `kInvalidArgument` for an empty path, `kNotFound` when a
  // directory on the way is missing, `kPermissionDenied` when access is
  // refused or the file system is read-only, `kUnavailable` when the process
  // or system is out of descriptors or memory, and `kFailedPrecondition`
  // otherwise (e.g. `path` is a directory). The message names `path` and the
  // system's reason. Does not keep `path` past the call (it copies it).
  static absl::StatusOr<std::unique_ptr<JsonLinesAuditSink>> OpenFile(
      const std::string& path);

  // Writes to `fd`, which the sink borrows: it must stay open for the sink's
  // life, and the sink never closes it. `name` appears in error messages
  // (e.g. "stdout"). When `sync` is true, lines are synced as for a file
  // (only do so when `fd` refers to something fdatasync() supports).
  // Precondition: `fd` >= 0.
  static std::unique_ptr<JsonLinesAuditSink> ForFd(int fd,
                                                   absl::string_view name,
                                                   bool sync);

  // Returns `ForFd(STDOUT_FILENO, "stdout", /*sync=*/false)`. Note that a
  // write to a closed pipe raises SIGPIPE unless the process ignores it.
  static std::unique_ptr<JsonLinesAuditSink> ForStdout();

  // Closes the descriptor if the sink owns it. Does not sync: call `Flush()`
  // first to make the last skip and dry-run lines durable and to learn of
  // errors.
  ~JsonLinesAuditSink() override;

  // Appends one decision line (see the file comment); for an `execute`
  // verdict on a syncing sink, also syncs it before returning.
  // Returns `kUnavailable`, naming the sink's path and the system's reason,
  // when the line could not be written or synced; the caller must then not
  // run the action. Keeps no reference to its arguments.
  absl::Status RecordDecision(const Alert& alert, const Decision& decision,
                              absl::Time at) override ABSL_LOCKS_EXCLUDED(mu_);

  // Appends one outcome line and, on a syncing sink, syncs it before
  // returning. Returns `kUnavailable` as `RecordDecision()` does. Keeps no
  // reference to its arguments.
  // Writes all the lines with one write(2), so a notification of hundreds
  // of alerts costs one system call, and syncs once if any is `execute`.
  absl::Status RecordDecisions(absl::Span<const DecisionRecord> records,
                               absl::Time at) override ABSL_LOCKS_EXCLUDED(mu_);

  absl::Status RecordOutcome(const ActionRequest& request,
                             const ActionOutcome& outcome,
                             absl::Time at) override ABSL_LOCKS_EXCLUDED(mu_);

  // Appends one state_clear line and, on a syncing sink, syncs it.
  absl::Status RecordStateClear(absl::string_view key, bool was_latched,
                                absl::string_view by, absl::Time at) override
      ABSL_LOCKS_EXCLUDED(mu_);

  // Syncs every line written so far, on a syncing sink; otherwise does
  // nothing. Returns `kUnavailable` when the sync fails.
  absl::Status Flush() override ABSL_LOCKS_EXCLUDED(mu_);

  // Returns the exact line `RecordDecision()` would write, ending in '\n'.
  // For tests and for callers that ship lines elsewhere.
  static std::string DecisionLine(const Alert& alert, const Decision& decision,
                                  absl::Time at);

  // Appends that line to `*out`, with `time` (IsoTimeMillis of the record's
  // time) already formatted: a notification's lines share one.
  static void AppendDecisionLine(const Alert& alert, const Decision& decision,
                                 absl::string_view time, std::string* out);

  // Returns the exact line `RecordOutcome()` would write, ending in '\n'.
  static std::string OutcomeLine(const ActionRequest& request,
                                 const ActionOutcome& outcome, absl::Time at);

  // Returns the exact line `RecordStateClear()` would write, ending in '\n':
  // {"time","event":"state_clear","key","was_latched","by"}.
  static std::string StateClearLine(absl::string_view key, bool was_latched,
                                    absl::string_view by, absl::Time at);

  // Returns the path or name given at creation, as used in error messages.
  const std::string& name() const { return name_; }

 private:
  JsonLinesAuditSink(int fd, bool owns_fd, std::string name, bool sync);

  // Writes `line` with one write() call (more only if the kernel cuts it
  // short) and returns its sequence number through `*seq`.
  absl::Status Append(absl::string_view line, uint64_t* seq)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Syncs unless a sync that began after line `seq` was written already
  // succeeded, so that concurrent callers share one fdatasync().
  absl::Status SyncThrough(uint64_t seq) ABSL_LOCKS_EXCLUDED(mu_);

  const int fd_;
  const bool owns_fd_;
  const std::string name_;
  const bool sync_;

  internal::Mutex mu_;
  // Lines written so far; a line's sequence number is the count after it.
  uint64_t written_seq_ ABSL_GUARDED_BY(mu_) = 0;
  // Every line up to this sequence number is known to be synced.
  uint64_t synced_seq_ ABSL_GUARDED_BY(mu_) = 0;
  // True when the last write stopped partway through a line: the next line
  // then starts with '\n' so that it stays intact.
  bool torn_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace autoheal

#endif  // AUTOHEAL_JSON_AUDIT_SINK_H_
