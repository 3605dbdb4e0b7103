// Unit tests for ClassifyEnding() (src/process/run_action.h): what an
// action's outcome says for every way its process can end. No process is
// started; wait statuses are built as waitpid(2) returns them. The whole of
// RunAction() runs in tests/process_executor_test.cc, against real children.

#include "process/run_action.h"

#include <signal.h>
#include <sys/wait.h>

#include <string>

#include "absl/time/time.h"
#include "autoheal/action_executor.h"
#include "gtest/gtest.h"

namespace autoheal {
namespace internal {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(30);
constexpr absl::Duration kGrace = absl::Seconds(5);
const char kShown[] = "\"fix\" (/usr/local/bin/fix)";

int Exited(int code) { return W_EXITCODE(code, 0); }
int Killed(int signal_number) { return W_EXITCODE(0, signal_number); }

ChildEnding Ended(int wait_status) {
  ChildEnding ending;
  ending.wait_status = wait_status;
  return ending;
}

ActionOutcome Classify(const ChildEnding& ending) {
  ActionOutcome outcome;
  ClassifyEnding(ending, kShown, kTimeout, kGrace, &outcome);
  return outcome;
}

TEST(ClassifyEndingTest, ExitZeroIsSuccess) {
  const ActionOutcome o = Classify(Ended(Exited(0)));
  EXPECT_EQ(o.kind, OutcomeKind::kSuccess);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(o.error, "");
}

TEST(ClassifyEndingTest, NonZeroExitIsFailedWithItsCode) {
  for (int code : {1, 3, 126, 127, 255}) {
    const ActionOutcome o = Classify(Ended(Exited(code)));
    EXPECT_EQ(o.kind, OutcomeKind::kFailed) << code;
    EXPECT_EQ(o.exit_code, code);
    EXPECT_EQ(o.error, "");
  }
}

TEST(ClassifyEndingTest, DeathBySignalIsFailedWithTheNegatedSignal) {
  for (int signal_number : {SIGKILL, SIGTERM, SIGSEGV, SIGABRT}) {
    const ActionOutcome o = Classify(Ended(Killed(signal_number)));
    EXPECT_EQ(o.kind, OutcomeKind::kFailed) << signal_number;
    EXPECT_EQ(o.exit_code, -signal_number);
    EXPECT_EQ(o.error, "");
  }
}

TEST(ClassifyEndingTest, ALostStatusIsFailedWithMinusOne) {
  ChildEnding ending;
  ending.status_lost = true;
  const ActionOutcome o = Classify(ending);
  EXPECT_EQ(o.kind, OutcomeKind::kFailed);
  EXPECT_EQ(o.exit_code, -1);
  EXPECT_EQ(o.error,
            "exit status of \"fix\" (/usr/local/bin/fix) is unavailable (was "
            "it reaped elsewhere, or SIGCHLD ignored?)");
}

TEST(ClassifyEndingTest, ATimeoutEndedBySigtermIsTimedOut) {
  ChildEnding ending = Ended(Killed(SIGTERM));
  ending.escalation = Escalation::kSigterm;
  const ActionOutcome o = Classify(ending);
  EXPECT_EQ(o.kind, OutcomeKind::kTimedOut);
  EXPECT_EQ(o.exit_code, -SIGTERM);
  EXPECT_EQ(o.error,
            "\"fix\" (/usr/local/bin/fix) timed out after 30s; sent SIGTERM");
}

TEST(ClassifyEndingTest, ATimeoutIsTimedOutWhateverTheExitCode) {
  // A child that traps SIGTERM and exits 0 still timed out.
  ChildEnding ending = Ended(Exited(0));
  ending.escalation = Escalation::kSigterm;
  const ActionOutcome o = Classify(ending);
  EXPECT_EQ(o.kind, OutcomeKind::kTimedOut);
  EXPECT_EQ(o.exit_code, 0);
}

TEST(ClassifyEndingTest, ATimeoutEscalatedToSigkillSaysSo) {
  ChildEnding ending = Ended(Killed(SIGKILL));
  ending.escalation = Escalation::kSigkill;
  const ActionOutcome o = Classify(ending);
  EXPECT_EQ(o.kind, OutcomeKind::kTimedOut);
  EXPECT_EQ(o.exit_code, -SIGKILL);
  EXPECT_EQ(o.error,
            "\"fix\" (/usr/local/bin/fix) timed out after 30s; still running "
            "5s after SIGTERM, sent SIGKILL");
}

TEST(ClassifyEndingTest, ATimeoutWinsOverALostStatus) {
  ChildEnding ending;
  ending.status_lost = true;
  ending.escalation = Escalation::kSigterm;
  const ActionOutcome o = Classify(ending);
  EXPECT_EQ(o.kind, OutcomeKind::kTimedOut);
  EXPECT_EQ(o.exit_code, -1);
}

TEST(ClassifyEndingTest, ShutdownsSigkillIsNamed) {
  ChildEnding ending = Ended(Killed(SIGKILL));
  ending.killed_by_shutdown = true;
  const ActionOutcome o = Classify(ending);
  EXPECT_EQ(o.kind, OutcomeKind::kFailed);
  EXPECT_EQ(o.exit_code, -SIGKILL);
  EXPECT_EQ(o.error, "killed by Shutdown()");
}

TEST(ClassifyEndingTest, AnEndingThatBeatShutdownsSigkillKeepsItsOwnOutcome) {
  ChildEnding exited = Ended(Exited(0));
  exited.killed_by_shutdown = true;
  EXPECT_EQ(Classify(exited).kind, OutcomeKind::kSuccess);
  EXPECT_EQ(Classify(exited).error, "");

  ChildEnding terminated = Ended(Killed(SIGTERM));
  terminated.killed_by_shutdown = true;
  EXPECT_EQ(Classify(terminated).kind, OutcomeKind::kFailed);
  EXPECT_EQ(Classify(terminated).exit_code, -SIGTERM);
  EXPECT_EQ(Classify(terminated).error, "");
}

TEST(ClassifyEndingTest, LeavesTheCapturedOutputAlone) {
  ActionOutcome outcome;
  outcome.stdout_excerpt = "out";
  outcome.stderr_excerpt = "err";
  outcome.stdout_truncated = true;
  outcome.duration = absl::Seconds(2);
  ClassifyEnding(Ended(Exited(4)), kShown, kTimeout, kGrace, &outcome);
  EXPECT_EQ(outcome.exit_code, 4);
  EXPECT_EQ(outcome.stdout_excerpt, "out");
  EXPECT_EQ(outcome.stderr_excerpt, "err");
  EXPECT_TRUE(outcome.stdout_truncated);
  EXPECT_FALSE(outcome.stderr_truncated);
  EXPECT_EQ(outcome.duration, absl::Seconds(2));
}

}  // namespace
}  // namespace internal
}  // namespace autoheal
