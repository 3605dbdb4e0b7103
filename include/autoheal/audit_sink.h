// The audit seam: a record of every decision and every action outcome.
//
// An SRE must be able to answer "why did (or didn't) it restart X at 03:12"
// from the audit alone, and a crash must never leave an action that ran
// without a record. So a caller records an `execute` decision, and waits for
// that to succeed, before it submits the action.
//
// The real sink (JSON lines to stdout or a file) is `JsonLinesAuditSink`
// ("autoheal/json_audit_sink.h", target `autoheal::audit`);
// tests use `testing::MemoryAuditSink` ("autoheal/testing/memory_audit_sink.h").
//
// Thread safety: implementations must allow concurrent calls.

#ifndef AUTOHEAL_AUDIT_SINK_H_
#define AUTOHEAL_AUDIT_SINK_H_

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "absl/time/time.h"
#include "autoheal/action_executor.h"
#include "autoheal/alert.h"
#include "autoheal/decision.h"

namespace autoheal {

class AuditSink {
 public:
  AuditSink() = default;
  AuditSink(const AuditSink&) = delete;
  AuditSink& operator=(const AuditSink&) = delete;
  virtual ~AuditSink() = default;

  // Records that `decision` was made for `alert` at `at`. When it returns OK
  // the record is durable as far as the sink promises (a file sink: on
  // disk). Returns `kUnavailable` when the record could not be written; the
  // caller must then not run the action. Keeps no reference to its arguments.
  virtual absl::Status RecordDecision(const Alert& alert,
                                      const Decision& decision,
                                      absl::Time at) = 0;

  // One decision, for `RecordDecisions()`. Both pointers are borrowed for
  // the call.
  struct DecisionRecord {
    const Alert* alert;
    const Decision* decision;
  };

  // Records several decisions made at `at` (one notification's), in order,
  // with the durability of `RecordDecision()` for each: when it returns OK,
  // every `execute` among them is durable. The default records them one by
  // one and stops at the first error; a sink may write them all at once.
  virtual absl::Status RecordDecisions(absl::Span<const DecisionRecord> records,
                                       absl::Time at) {
    for (const DecisionRecord& r : records) {
      absl::Status status = RecordDecision(*r.alert, *r.decision, at);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  // Records how an action ended. Keeps no reference to its arguments.
  virtual absl::Status RecordOutcome(const ActionRequest& request,
                                     const ActionOutcome& outcome,
                                     absl::Time at) = 0;

  // Makes every record so far durable. Called at shutdown.
  // Records that an operator cleared the escalation of `key` (`by` names
  // how: "http" or "cli"), and whether the key was latched.
  virtual absl::Status RecordStateClear(absl::string_view key, bool was_latched,
                                        absl::string_view by,
                                        absl::Time at) = 0;

  virtual absl::Status Flush() = 0;
};

}  // namespace autoheal

#endif  // AUTOHEAL_AUDIT_SINK_H_
