#include "autoheal/json_audit_sink.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "autoheal/cooldown_key.h"
#include "autoheal/engine.h"
#include "autoheal/payload.h"
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
using Json = nlohmann::json;

constexpr char kReplacementChar[] = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

Alert MakeAlert(std::string alertname = "ApiDown") {
  Alert alert;
  alert.status = AlertStatus::kFiring;
  alert.labels = LabelSet({{"alertname", std::move(alertname)},
                           {"instance", "api-1"}});
  alert.annotations = LabelSet({{"autoheal", "true"}});
  alert.fingerprint = "a1b2c3d4e5f60708";
  return alert;
}

Action MakeAction(std::string name = "restart-api") {
  Action action;
  action.alertname = "ApiDown";
  action.name = std::move(name);
  action.argv = {"/usr/bin/systemctl", "restart", "api"};
  return action;
}

std::string MakeKey(const Action& action, absl::string_view alertname) {
  return CooldownKeyBuilder(KeySpace::kLive)
      .Add(action.name)
      .Add(alertname)
      .Finish();
}

// A decision as the engine would make it. Borrows `alert` and `action`.
Decision MakeDecision(const Alert& alert, const Action* action,
                      Verdict verdict, Reason reason) {
  Decision d;
  d.verdict = verdict;
  d.reason = reason;
  d.action = action;
  if (action != nullptr) {
    d.key = CooldownKey::Owned(MakeKey(*action, alert.alertname()));
  }
  d.alertname = alert.alertname();
  d.opt_in_annotation = "autoheal";
  d.opt_in_value = "true";
  return d;
}

ActionRequest MakeRequest(absl::Time decided_at) {
  ActionRequest request;
  request.action = MakeAction();
  request.alert = MakeAlert();
  request.key = MakeKey(request.action, request.alert.alertname());
  request.decided_at = decided_at;
  return request;
}

// Splits a file's content into lines; fails the test unless it ends in '\n'.
std::vector<std::string> Lines(const std::string& content) {
  if (content.empty()) return {};
  EXPECT_EQ(content.back(), '\n') << "the last line is unterminated";
  std::vector<std::string> lines =
      absl::StrSplit(content, '\n', absl::AllowEmpty());
  lines.pop_back();  // after the final '\n'
  return lines;
}

// Parses one line as a JSON object; fails the test (and returns null) if it
// is not one.
Json ParseLine(const std::string& line) {
  Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line.substr(0, 200);
  EXPECT_TRUE(j.is_object()) << line.substr(0, 200);
  return j.is_discarded() ? Json() : j;
}

// Parses a whole file: one JSON object per line.
std::vector<Json> ParseFile(const std::string& path) {
  std::vector<Json> out;
  for (const std::string& line : Lines(ReadFileOrDie(path))) {
    out.push_back(ParseLine(line));
  }
  return out;
}

class JsonAuditSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/json_audit_sink_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << "mkdtemp " << tmpl;
    dir_ = tmpl;
    path_ = dir_ + "/audit.jsonl";
    // Records happen at 2026-01-01T00:00:00.123456Z; lines keep milliseconds.
    clock_.Advance(absl::Milliseconds(123) + absl::Microseconds(456));
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<JsonLinesAuditSink> Open(const std::string& path) {
    absl::StatusOr<std::unique_ptr<JsonLinesAuditSink>> sink =
        JsonLinesAuditSink::OpenFile(path);
    EXPECT_THAT(sink, IsOk());
    return sink.ok() ? *std::move(sink) : nullptr;
  }

  testing::FakeClock clock_;
  std::string dir_;
  std::string path_;
};

// ---------------------------------------------------------------------------
// Line contents

TEST_F(JsonAuditSinkTest, ExecuteDecisionLineHasEveryField) {
  auto sink = Open(path_);
  ASSERT_NE(sink, nullptr);
  Alert alert = MakeAlert();
  Action action = MakeAction();
  Decision d = MakeDecision(alert, &action, Verdict::kExecute, Reason::kExecute);
  ASSERT_THAT(sink->RecordDecision(alert, d, clock_.Now()), IsOk());

  std::vector<Json> lines = ParseFile(path_);
  ASSERT_EQ(lines.size(), 1u);
  const Json& j = lines[0];
  EXPECT_EQ(j["time"], "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(j["event"], "decision");
  EXPECT_EQ(j["fingerprint"], "a1b2c3d4e5f60708");
  EXPECT_EQ(j["alertname"], "ApiDown");
  EXPECT_EQ(j["status"], "firing");
  EXPECT_EQ(j["key"], MakeKey(action, "ApiDown"));
  EXPECT_EQ(j["verdict"], "execute");
  EXPECT_EQ(j["reason"], "execute");
  EXPECT_EQ(j["sentence"], d.Sentence());
  EXPECT_EQ(j["action"], "restart-api");
  EXPECT_FALSE(j.contains("time_left_sec"));
  EXPECT_FALSE(j.contains("store_error"));
  EXPECT_FALSE(j.contains("problem"));
  // The documented field order: time first, so lines sort and read well.
  EXPECT_EQ(Lines(ReadFileOrDie(path_))[0].rfind("{\"time\":", 0), 0u);
}

TEST_F(JsonAuditSinkTest, SkipBeforeTheAllowlistHasNullActionAndEmptyKey) {
  Alert alert = MakeAlert("Unknown");
  alert.status = AlertStatus::kResolved;
  Decision d = MakeDecision(alert, nullptr, Verdict::kSkip, Reason::kResolved);
  Json j = ParseLine(JsonLinesAuditSink::DecisionLine(alert, d, clock_.Now()));
  EXPECT_EQ(j["status"], "resolved");
  EXPECT_EQ(j["verdict"], "skip");
  EXPECT_EQ(j["reason"], "resolved");
  ASSERT_TRUE(j.contains("action"));
  EXPECT_TRUE(j["action"].is_null());
  EXPECT_EQ(j["key"], "");
  EXPECT_FALSE(j.contains("time_left_sec"));
}

// A malformed alert, as the parser keeps it and the engine decides it: the
// line names the problem, and its status (here a valid "resolved", but not
// trusted) is null.
TEST_F(JsonAuditSinkTest, InvalidAlertLineCarriesTheProblemAndNullStatus) {
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(
      R"({"version":"4","alerts":[{"status":"resolved","labels":)"
      R"({"instance":"api-1","job":7},"fingerprint":"a1b2c3d4e5f60708"}]})");
  ASSERT_THAT(message, IsOk());
  auto engine = Engine::Create(EngineOptions());
  ASSERT_THAT(engine, IsOk());
  const Alert& alert = message->alerts[0];
  Decision d = (*engine)->Decide(alert);
  Json j = ParseLine(JsonLinesAuditSink::DecisionLine(alert, d, clock_.Now()));
  EXPECT_EQ(j["event"], "decision");
  EXPECT_EQ(j["fingerprint"], "a1b2c3d4e5f60708");
  EXPECT_EQ(j["alertname"], "");
  ASSERT_TRUE(j.contains("status"));
  EXPECT_TRUE(j["status"].is_null());
  EXPECT_EQ(j["verdict"], "skip");
  EXPECT_EQ(j["reason"], "invalid_alert");
  EXPECT_EQ(j["problem"],
            "alerts[0].labels.job: expected a string, got number");
  EXPECT_EQ(j["sentence"],
            "the alert is malformed (alerts[0].labels.job: expected a string, "
            "got number); it is skipped, and the rest of its notification is "
            "decided as usual");
  EXPECT_TRUE(j["action"].is_null());
  EXPECT_EQ(j["key"], "");
}

TEST_F(JsonAuditSinkTest, CoolingDownDecisionCarriesTimeLeftInSeconds) {
  Alert alert = MakeAlert();
  Action action = MakeAction();
  Decision d =
      MakeDecision(alert, &action, Verdict::kSkip, Reason::kCoolingDown);
  d.time_left = absl::Seconds(90) + absl::Milliseconds(500);
  Json j = ParseLine(JsonLinesAuditSink::DecisionLine(alert, d, clock_.Now()));
  EXPECT_EQ(j["reason"], "cooling_down");
  ASSERT_TRUE(j["time_left_sec"].is_number_float());
  EXPECT_DOUBLE_EQ(j["time_left_sec"].get<double>(), 90.5);
  EXPECT_EQ(j["sentence"], d.Sentence());
}

TEST_F(JsonAuditSinkTest, StoreUnavailableDecisionCarriesTheStoreError) {
  Alert alert = MakeAlert();
  Action action = MakeAction();
  Decision d =
      MakeDecision(alert, &action, Verdict::kSkip, Reason::kStoreUnavailable);
  d.store_error = absl::UnavailableError("redis: connection refused");
  Json j = ParseLine(JsonLinesAuditSink::DecisionLine(alert, d, clock_.Now()));
  EXPECT_EQ(j["reason"], "store_unavailable");
  EXPECT_THAT(j["store_error"].get<std::string>(),
              HasSubstr("redis: connection refused"));
}

TEST_F(JsonAuditSinkTest, OutcomeLineHasEveryField) {
  auto sink = Open(path_);
  ASSERT_NE(sink, nullptr);
  ActionRequest request = MakeRequest(clock_.Now());
  ActionOutcome outcome;
  outcome.kind = OutcomeKind::kFailed;
  outcome.exit_code = 3;
  outcome.duration = absl::Microseconds(1520500);
  outcome.stdout_excerpt = "restarting api\n";
  outcome.stderr_excerpt = "unit api.service not found\n";
  clock_.Advance(absl::Seconds(2));
  ASSERT_THAT(sink->RecordOutcome(request, outcome, clock_.Now()), IsOk());

  std::vector<Json> lines = ParseFile(path_);
  ASSERT_EQ(lines.size(), 1u);
  const Json& j = lines[0];
  EXPECT_EQ(j["time"], "2026-01-01T00:00:02.123Z");
  EXPECT_EQ(j["event"], "outcome");
  EXPECT_EQ(j["fingerprint"], "a1b2c3d4e5f60708");
  EXPECT_EQ(j["alertname"], "ApiDown");
  EXPECT_EQ(j["key"], request.key);
  EXPECT_EQ(j["action"], "restart-api");
  EXPECT_EQ(j["decided_at"], "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(j["outcome"], "failed");
  EXPECT_EQ(j["exit_code"], 3);
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 1520.5);
  EXPECT_EQ(j["stdout"], "restarting api\n");
  EXPECT_EQ(j["stdout_truncated"], false);
  EXPECT_EQ(j["stderr"], "unit api.service not found\n");
  EXPECT_EQ(j["stderr_truncated"], false);
  EXPECT_FALSE(j.contains("error"));
}

TEST_F(JsonAuditSinkTest, SpawnErrorOutcomeCarriesTheError) {
  ActionOutcome outcome;
  outcome.kind = OutcomeKind::kSpawnError;
  outcome.exit_code = -1;
  outcome.error = "posix_spawn /usr/bin/nope: No such file or directory";
  Json j = ParseLine(JsonLinesAuditSink::OutcomeLine(
      MakeRequest(clock_.Now()), outcome, clock_.Now()));
  EXPECT_EQ(j["outcome"], "spawn_error");
  EXPECT_EQ(j["error"], outcome.error);
}

TEST_F(JsonAuditSinkTest, OutcomeExcerptsAreCappedAndMarkedTruncated) {
  ActionOutcome outcome;
  outcome.stdout_excerpt = std::string(64 * 1024, 'o');
  outcome.stderr_excerpt = std::string(JsonLinesAuditSink::kMaxExcerptBytes, 'e');
  Json j = ParseLine(JsonLinesAuditSink::OutcomeLine(
      MakeRequest(clock_.Now()), outcome, clock_.Now()));
  EXPECT_EQ(j["stdout"], std::string(JsonLinesAuditSink::kMaxExcerptBytes, 'o'));
  EXPECT_EQ(j["stdout_truncated"], true);
  // Exactly at the cap: kept whole, not truncated.
  EXPECT_EQ(j["stderr"], outcome.stderr_excerpt);
  EXPECT_EQ(j["stderr_truncated"], false);
}

TEST_F(JsonAuditSinkTest, TruncationByTheExecutorIsReportedToo) {
  // The executor kept only its cap of a longer output: the excerpt fits the
  // audit's cap, but bytes were dropped all the same.
  ActionOutcome outcome;
  outcome.stdout_excerpt = "first bytes of a long output";
  outcome.stdout_truncated = true;
  outcome.stderr_excerpt = "short";
  Json j = ParseLine(JsonLinesAuditSink::OutcomeLine(
      MakeRequest(clock_.Now()), outcome, clock_.Now()));
  EXPECT_EQ(j["stdout"], outcome.stdout_excerpt);
  EXPECT_EQ(j["stdout_truncated"], true);
  EXPECT_EQ(j["stderr_truncated"], false);
  outcome.stderr_truncated = true;
  j = ParseLine(JsonLinesAuditSink::OutcomeLine(MakeRequest(clock_.Now()),
                                                outcome, clock_.Now()));
  EXPECT_EQ(j["stderr_truncated"], true);
}

TEST_F(JsonAuditSinkTest, TruncationNeverSplitsAUtf8Character) {
  constexpr size_t kCap = JsonLinesAuditSink::kMaxExcerptBytes;
  // A 2-, 3- and 4-byte character each straddling the cap.
  for (const std::string& ch : {std::string("\xC3\xA9"),           // é
                                std::string("\xE2\x82\xAC"),       // €
                                std::string("\xF0\x9F\x94\xA5")}) {  // 🔥
    ActionOutcome outcome;
    const std::string head(kCap - 1, 'a');
    outcome.stdout_excerpt = head + ch + "zzz";
    Json j = ParseLine(JsonLinesAuditSink::OutcomeLine(
        MakeRequest(clock_.Now()), outcome, clock_.Now()));
    const std::string kept = j["stdout"].get<std::string>();
    EXPECT_EQ(kept, head) << "character of " << ch.size() << " bytes";
    EXPECT_EQ(kept.find(kReplacementChar), std::string::npos);
    EXPECT_EQ(j["stdout_truncated"], true);
  }
}

// ---------------------------------------------------------------------------
// Hostile input

TEST_F(JsonAuditSinkTest, HostileAlertYieldsExactlyOneValidLine) {
  const std::string evil_name =
      "Evil\n{\"event\":\"outcome\",\"forged\":true}\r\n\"\\";
  const std::string nul_value("db\0-01", 6);
  Alert alert = MakeAlert(evil_name);
  alert.labels.Set("instance", nul_value);
  alert.labels.Set("huge", std::string(1 << 20, '\n'));  // 1 MiB of newlines
  alert.labels.Set("shell", "$(rm -rf /); `id` | tee /etc/passwd && echo ';'");
  alert.annotations.Set("autoheal", "true\n");
  alert.fingerprint = "\xff\xfe\n\x01";
  Action action = MakeAction("restart\n\"x\"\x7f");
  Decision d = MakeDecision(alert, &action, Verdict::kExecute, Reason::kExecute);
  d.key = CooldownKey::Owned(CooldownKeyBuilder(KeySpace::kLive)
                                 .Add(action.name)
                                 .Add(evil_name)
                                 .Add("instance")
                                 .Add(nul_value)
                                 .Finish());

  auto sink = Open(path_);
  ASSERT_NE(sink, nullptr);
  ASSERT_THAT(sink->RecordDecision(alert, d, clock_.Now()), IsOk());

  const std::string content = ReadFileOrDie(path_);
  std::vector<std::string> lines = Lines(content);
  ASSERT_EQ(lines.size(), 1u);
  // Labels are not written, so a 1 MiB label does not bloat the line.
  EXPECT_LT(content.size(), 4096u);
  Json j = ParseLine(lines[0]);
  EXPECT_EQ(j["event"], "decision");
  EXPECT_FALSE(j.contains("forged"));
  EXPECT_EQ(j["alertname"], evil_name);  // round-trips exactly
  EXPECT_EQ(j["action"], action.name);
  EXPECT_EQ(j["key"], std::string(d.key.view()));  // NUL included
  // Invalid UTF-8 is replaced, never passed through or thrown on.
  EXPECT_EQ(j["fingerprint"],
            absl::StrCat(kReplacementChar, kReplacementChar, "\n\x01"));
}

TEST_F(JsonAuditSinkTest, HostileOutcomeYieldsExactlyOneValidLine) {
  ActionRequest request = MakeRequest(clock_.Now());
  request.action.name = "a\nb";
  request.key = std::string("k\0\xff\n", 4);
  ActionOutcome outcome;
  outcome.kind = OutcomeKind::kSpawnError;
  std::string noise;
  for (int i = 0; i < 16 * 1024; ++i) noise += std::string("\n\0\xff\"", 4);
  outcome.stdout_excerpt = noise;
  outcome.stderr_excerpt = noise;
  outcome.error = noise;

  auto sink = Open(path_);
  ASSERT_NE(sink, nullptr);
  ASSERT_THAT(sink->RecordOutcome(request, outcome, clock_.Now()), IsOk());
  std::vector<std::string> lines = Lines(ReadFileOrDie(path_));
  ASSERT_EQ(lines.size(), 1u);
  Json j = ParseLine(lines[0]);
  EXPECT_EQ(j["action"], "a\nb");
  EXPECT_EQ(j["key"], absl::StrCat(std::string("k\0", 2), kReplacementChar,
                                   "\n"));
  EXPECT_EQ(j["stdout_truncated"], true);
  EXPECT_EQ(j["stderr_truncated"], true);
}

// ---------------------------------------------------------------------------
// Durability and errors

// fdatasync() itself cannot be observed from a test. What can be: the line is
// in the file (visible to another reader) by the time RecordDecision()
// returns, which is when the caller spawns the action.
TEST_F(JsonAuditSinkTest, ExecuteLineIsInTheFileWhenRecordDecisionReturns) {
  auto sink = Open(path_);
  ASSERT_NE(sink, nullptr);
  Alert alert = MakeAlert();
  Action action = MakeAction();
  Decision d = MakeDecision(alert, &action, Verdict::kExecute, Reason::kExecute);
  ASSERT_THAT(sink->RecordDecision(alert, d, clock_.Now()), IsOk());
  std::vector<Json> lines = ParseFile(path_);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["verdict"], "execute");
}

TEST_F(JsonAuditSinkTest, ABatchOfDecisionsIsWrittenInOrderAndAtOnce) {
  auto sink = Open(path_);
  ASSERT_NE(sink, nullptr);
  Action action = MakeAction();
  std::vector<Alert> alerts;
  for (int i = 0; i < 300; ++i) alerts.push_back(MakeAlert("Alert" + std::to_string(i)));
  std::vector<Decision> decisions;
  for (int i = 0; i < 300; ++i) {
    decisions.push_back(i == 150 ? MakeDecision(alerts[i], &action, Verdict::kExecute,
                                                Reason::kExecute)
                                 : MakeDecision(alerts[i], nullptr, Verdict::kSkip,
                                                Reason::kNotAllowlisted));
  }
  std::vector<AuditSink::DecisionRecord> records;
  for (int i = 0; i < 300; ++i) records.push_back({&alerts[i], &decisions[i]});
  ASSERT_THAT(sink->RecordDecisions(records, clock_.Now()), IsOk());
  // Everything is in the file when the call returns (it holds an execute).
  std::vector<Json> lines = ParseFile(path_);
  ASSERT_EQ(lines.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(lines[i]["alertname"], "Alert" + std::to_string(i));
  }
  EXPECT_EQ(lines[150]["verdict"], "execute");
  EXPECT_THAT(sink->RecordDecisions({}, clock_.Now()), IsOk());
  EXPECT_EQ(ParseFile(path_).size(), 300u);
}

TEST_F(JsonAuditSinkTest, OpenFileAppendsToExistingContent) {
  {
    std::FILE* f = std::fopen(path_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("{\"earlier\":true}\n", f);
    std::fclose(f);
  }
  auto sink = Open(path_);
  ASSERT_NE(sink, nullptr);
  Alert alert = MakeAlert();
  Decision d = MakeDecision(alert, nullptr, Verdict::kSkip, Reason::kNotOptedIn);
  ASSERT_THAT(sink->RecordDecision(alert, d, clock_.Now()), IsOk());
  ASSERT_THAT(sink->Flush(), IsOk());
  std::vector<Json> lines = ParseFile(path_);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["earlier"], true);
  EXPECT_EQ(lines[1]["reason"], "not_opted_in");
}

TEST_F(JsonAuditSinkTest, OpenFileCreatesTheFileWithMode0640) {
  const mode_t old_umask = ::umask(022);
  auto sink = Open(path_);
  ::umask(old_umask);
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(sink->name(), path_);
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(JsonAuditSinkTest, OpenFileOnADirectoryFailsNamingThePath) {
  EXPECT_THAT(JsonLinesAuditSink::OpenFile(dir_),
              StatusIs(absl::StatusCode::kFailedPrecondition, dir_));
}

TEST_F(JsonAuditSinkTest, OpenFileInAMissingDirectoryFailsNamingThePath) {
  const std::string path = dir_ + "/no/such/dir/audit.jsonl";
  absl::StatusOr<std::unique_ptr<JsonLinesAuditSink>> sink =
      JsonLinesAuditSink::OpenFile(path);
  EXPECT_THAT(sink, StatusIs(absl::StatusCode::kNotFound, path));
  EXPECT_THAT(sink, StatusIs(absl::StatusCode::kNotFound,
                             "No such file or directory"));
}

TEST_F(JsonAuditSinkTest, OpenFileWithAnEmptyPathIsInvalidArgument) {
  EXPECT_THAT(JsonLinesAuditSink::OpenFile(""),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty"));
}

TEST_F(JsonAuditSinkTest, OpenFileWithoutPermissionIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root bypasses file permissions";
  {
    std::FILE* f = std::fopen(path_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  ASSERT_EQ(::chmod(path_.c_str(), 0400), 0);
  EXPECT_THAT(JsonLinesAuditSink::OpenFile(path_),
              StatusIs(absl::StatusCode::kPermissionDenied, path_));
}

TEST_F(JsonAuditSinkTest, WriteFailureIsUnavailableNamingThePath) {
  auto sink = Open("/dev/full");  // every write fails with ENOSPC
  ASSERT_NE(sink, nullptr);
  Alert alert = MakeAlert();
  Action action = MakeAction();
  Decision d = MakeDecision(alert, &action, Verdict::kExecute, Reason::kExecute);
  EXPECT_THAT(sink->RecordDecision(alert, d, clock_.Now()),
              StatusIs(absl::StatusCode::kUnavailable, "/dev/full"));
  EXPECT_THAT(sink->RecordDecision(alert, d, clock_.Now()),
              StatusIs(absl::StatusCode::kUnavailable, "No space left"));
  EXPECT_THAT(sink->RecordOutcome(MakeRequest(clock_.Now()), ActionOutcome(),
                                  clock_.Now()),
              StatusIs(absl::StatusCode::kUnavailable, "/dev/full"));
  // A device is written to but never synced, so Flush has nothing to fail.
  EXPECT_THAT(sink->Flush(), IsOk());
}

TEST_F(JsonAuditSinkTest, SyncFailureIsUnavailable) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  // A pipe cannot be synced (EINVAL): a sink told to sync must say so.
  auto sink = JsonLinesAuditSink::ForFd(fds[1], "test-pipe", /*sync=*/true);
  Alert alert = MakeAlert();
  Action action = MakeAction();
  Decision skip = MakeDecision(alert, &action, Verdict::kSkip, Reason::kInFlight);
  EXPECT_THAT(sink->RecordDecision(alert, skip, clock_.Now()), IsOk());
  Decision exec =
      MakeDecision(alert, &action, Verdict::kExecute, Reason::kExecute);
  EXPECT_THAT(sink->RecordDecision(alert, exec, clock_.Now()),
              StatusIs(absl::StatusCode::kUnavailable, "test-pipe"));
  EXPECT_THAT(sink->Flush(),
              StatusIs(absl::StatusCode::kUnavailable, "cannot sync"));
  sink.reset();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(JsonAuditSinkTest, ForFdWritesToABorrowedFdAndNeverClosesIt) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto sink = JsonLinesAuditSink::ForFd(fds[1], "test-pipe", /*sync=*/false);
  EXPECT_EQ(sink->name(), "test-pipe");
  Alert alert = MakeAlert();
  Action action = MakeAction();
  Decision d = MakeDecision(alert, &action, Verdict::kExecute, Reason::kExecute);
  ASSERT_THAT(sink->RecordDecision(alert, d, clock_.Now()), IsOk());
  ASSERT_THAT(sink->RecordOutcome(MakeRequest(clock_.Now()), ActionOutcome(),
                                  clock_.Now()),
              IsOk());
  EXPECT_THAT(sink->Flush(), IsOk());
  sink.reset();
  EXPECT_NE(::fcntl(fds[1], F_GETFD), -1) << "the sink closed a borrowed fd";
  ::close(fds[1]);

  std::string content;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) content.append(buf, n);
  ::close(fds[0]);
  std::vector<std::string> lines = Lines(content);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(ParseLine(lines[0])["event"], "decision");
  EXPECT_EQ(ParseLine(lines[1])["event"], "outcome");
}

TEST_F(JsonAuditSinkTest, ForStdoutNamesStdout) {
  EXPECT_EQ(JsonLinesAuditSink::ForStdout()->name(), "stdout");
}

TEST_F(JsonAuditSinkTest, FlushSucceedsWithAndWithoutPendingLines) {
  auto sink = Open(path_);
  ASSERT_NE(sink, nullptr);
  EXPECT_THAT(sink->Flush(), IsOk());
  Alert alert = MakeAlert();
  Decision d = MakeDecision(alert, nullptr, Verdict::kSkip, Reason::kResolved);
  ASSERT_THAT(sink->RecordDecision(alert, d, clock_.Now()), IsOk());
  EXPECT_THAT(sink->Flush(), IsOk());
  EXPECT_THAT(sink->Flush(), IsOk());
  EXPECT_EQ(ParseFile(path_).size(), 1u);
}

// ---------------------------------------------------------------------------
// Concurrency: lines never interleave

// Writes `count` records tagged "<tag>-<i>" in the fingerprint. Most are
// skip/dry-run decisions (not synced one by one); every 100th is an outcome
// with large excerpts (synced), so lines range from ~300 B to ~9 KiB.
void WriteRecords(JsonLinesAuditSink& sink, absl::string_view tag, int count,
                  absl::Time at) {
  Action action = MakeAction();
  for (int i = 0; i < count; ++i) {
    Alert alert = MakeAlert();
    alert.fingerprint = absl::StrCat(tag, "-", i);
    absl::Status status;
    if (i % 100 == 99) {
      ActionRequest request = MakeRequest(at);
      request.alert = alert;
      ActionOutcome outcome;
      outcome.stdout_excerpt = std::string(5000, static_cast<char>('a' + i % 26));
      outcome.stderr_excerpt = std::string(i * 7 % 5000, '\n');
      status = sink.RecordOutcome(request, outcome, at);
    } else {
      const bool dry = i % 2 == 0;
      Decision d = MakeDecision(alert, &action,
                                dry ? Verdict::kDryRun : Verdict::kSkip,
                                dry ? Reason::kDryRun : Reason::kCoolingDown);
      d.time_left = absl::Seconds(i);
      status = sink.RecordDecision(alert, d, at);
    }
    if (!status.ok()) {
      ADD_FAILURE() << status;
      return;
    }
  }
}

// Checks that `path` holds exactly `count` records from each tag, each line
// valid JSON, each tag's records in the order written.
void ExpectAllRecordsIntact(const std::string& path,
                            const std::vector<std::string>& tags, int count) {
  std::vector<std::string> lines = Lines(ReadFileOrDie(path));
  ASSERT_EQ(lines.size(), tags.size() * count);
  std::map<std::string, int> next;  // tag -> next expected index
  for (const std::string& line : lines) {
    Json j = ParseLine(line);
    ASSERT_TRUE(j.is_object());
    ASSERT_TRUE(j["fingerprint"].is_string());
    const std::string fp = j["fingerprint"].get<std::string>();
    const size_t dash = fp.rfind('-');
    ASSERT_NE(dash, std::string::npos) << fp;
    const std::string tag = fp.substr(0, dash);
    EXPECT_EQ(fp.substr(dash + 1), std::to_string(next[tag]++)) << fp;
  }
  for (const std::string& tag : tags) EXPECT_EQ(next[tag], count) << tag;
}

TEST_F(JsonAuditSinkTest, ConcurrentWritersNeverInterleaveLines) {
  constexpr int kThreads = 8;
  constexpr int kRecords = 1000;
  auto sink = Open(path_);
  ASSERT_NE(sink, nullptr);
  std::vector<std::string> tags;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    tags.push_back(absl::StrCat("t", t));
    threads.emplace_back([&sink, tag = tags.back(), this] {
      WriteRecords(*sink, tag, kRecords, clock_.Now());
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_THAT(sink->Flush(), IsOk());
  ExpectAllRecordsIntact(path_, tags, kRecords);
}

// Two sinks on one path have two open file descriptions, as two processes
// would: O_APPEND alone must keep their lines whole.
TEST_F(JsonAuditSinkTest, TwoSinksAppendingToOneFileKeepEveryLineIntact) {
  constexpr int kRecords = 1000;
  auto first = Open(path_);
  auto second = Open(path_);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  std::vector<std::thread> threads;
  std::vector<std::string> tags = {"a0", "a1", "b0", "b1"};
  for (const std::string& tag : tags) {
    JsonLinesAuditSink* sink = tag[0] == 'a' ? first.get() : second.get();
    threads.emplace_back([sink, tag, this] {
      WriteRecords(*sink, tag, kRecords, clock_.Now());
    });
  }
  for (std::thread& t : threads) t.join();
  ExpectAllRecordsIntact(path_, tags, kRecords);
}

TEST_F(JsonAuditSinkTest, TwoProcessesAppendingToOneFileKeepEveryLineIntact) {
  constexpr int kRecords = 1000;
  // Fork while this process is single-threaded; the child opens its own sink.
  const pid_t child = ::fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    absl::StatusOr<std::unique_ptr<JsonLinesAuditSink>> sink =
        JsonLinesAuditSink::OpenFile(path_);
    if (!sink.ok()) ::_exit(2);
    WriteRecords(**sink, "child", kRecords, clock_.Now());
    ::_exit((*sink)->Flush().ok() ? 0 : 3);
  }
  auto sink = Open(path_);
  ASSERT_NE(sink, nullptr);
  WriteRecords(*sink, "parent", kRecords, clock_.Now());
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);
  ExpectAllRecordsIntact(path_, {"child", "parent"}, kRecords);
}

TEST(JsonAuditSinkLineTest, StateClearLineNamesTheKeyAndWhoCleared) {
  std::string line = JsonLinesAuditSink::StateClearLine(
      "ah1|live|3:k\"x", true, "cli", absl::FromUnixSeconds(1'800'000'000));
  EXPECT_EQ(line,
            "{\"time\":\"2027-01-15T08:00:00.000Z\",\"event\":\"state_clear\","
            "\"key\":\"ah1|live|3:k\\\"x\",\"was_latched\":true,\"by\":\"cli\"}\n");
}

}  // namespace
}  // namespace autoheal
