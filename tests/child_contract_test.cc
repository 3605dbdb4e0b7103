// Unit tests for src/process/child_contract.h: the environment and stdin an
// action receives. These pin the public contract of docs/policy.md ("What an
// action receives") byte for byte.

#include "process/child_contract.h"

#include <string>
#include <utility>
#include <vector>

#include "autoheal/alert.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace autoheal {
namespace internal {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;
using ::testing::StartsWith;

// The example alert of docs/policy.md, "What an action receives".
Alert MakeAlert(std::vector<LabelSet::Entry> labels = {
                    {"alertname", "TcpEndpointDownFast"},
                    {"instance", "127.0.0.1:40281"},
                    {"job", "blackbox-tcp"},
                    {"severity", "critical"}}) {
  Alert alert;
  alert.labels = LabelSet(std::move(labels));
  alert.annotations = LabelSet(
      {{"autoheal", "true"},
       {"runbook_url", "https://runbooks.example.internal/tcp-endpoint-down"},
       {"summary", "TCP endpoint 127.0.0.1:40281 is down"}});
  alert.starts_at = "2026-11-27T07:39:09.97Z";
  alert.ends_at = "0001-01-01T00:00:00Z";
  alert.generator_url =
      "http://vm:36571/graph?g0.expr=probe_success%7Bjob%3D%22blackbox-tcp%22"
      "%7D+%3D%3D+0&g0.tab=1";
  alert.fingerprint = "54dcddbd26c0ef96";
  return alert;
}

// Returns the environment's entries that start with AUTOHEAL_LABEL_.
std::vector<std::string> LabelVariables(const Alert& alert) {
  std::vector<std::string> labels;
  for (std::string& entry : ChildEnvironment(alert, "/bin")) {
    if (entry.rfind("AUTOHEAL_LABEL_", 0) == 0) labels.push_back(entry);
  }
  return labels;
}

// --- environment -------------------------------------------------------------

TEST(ChildEnvironmentTest, IsExactlyTheDocumentedExample) {
  EXPECT_THAT(
      ChildEnvironment(
          MakeAlert(),
          "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
      ElementsAre(
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "AUTOHEAL_ALERTNAME=TcpEndpointDownFast",
          "AUTOHEAL_FINGERPRINT=54dcddbd26c0ef96", "AUTOHEAL_STATUS=firing",
          "AUTOHEAL_LABEL_ALERTNAME=TcpEndpointDownFast",
          "AUTOHEAL_LABEL_INSTANCE=127.0.0.1:40281",
          "AUTOHEAL_LABEL_JOB=blackbox-tcp",
          "AUTOHEAL_LABEL_SEVERITY=critical"));
}

TEST(ChildEnvironmentTest, ResolvedStatusAndEmptyFieldsAreStillSet) {
  Alert alert = MakeAlert({{"instance", "a"}});  // no alertname label
  alert.status = AlertStatus::kResolved;
  alert.fingerprint.clear();
  EXPECT_THAT(ChildEnvironment(alert, ""),
              ElementsAre("PATH=", "AUTOHEAL_ALERTNAME=",
                          "AUTOHEAL_FINGERPRINT=", "AUTOHEAL_STATUS=resolved",
                          "AUTOHEAL_LABEL_INSTANCE=a"));
}

TEST(ChildEnvironmentTest, LabelsFollowLabelNameOrderUpperCased) {
  Alert alert = MakeAlert({{"zone", "z"},
                           {"alertname", "X"},
                           {"Team", "t"},
                           {"_private", "p"},
                           {"job2", "j"}});
  // LabelSet sorts by byte value: upper case before "_" before lower case.
  EXPECT_THAT(LabelVariables(alert),
              ElementsAre("AUTOHEAL_LABEL_TEAM=t", "AUTOHEAL_LABEL__PRIVATE=p",
                          "AUTOHEAL_LABEL_ALERTNAME=X",
                          "AUTOHEAL_LABEL_JOB2=j", "AUTOHEAL_LABEL_ZONE=z"));
}

TEST(ChildEnvironmentTest, ValuesUpToTheLimitPassAndLongerOnesAreLeftOut) {
  const std::string at_limit(kMaxEnvValueBytes, 'a');
  const std::string over_limit(kMaxEnvValueBytes + 1, 'b');
  Alert alert = MakeAlert(
      {{"alertname", "X"}, {"fits", at_limit}, {"huge", over_limit}});
  alert.fingerprint = over_limit;
  std::vector<std::string> env = ChildEnvironment(alert, "/bin");
  EXPECT_THAT(env, Contains("AUTOHEAL_LABEL_FITS=" + at_limit));
  EXPECT_THAT(env, Not(Contains(StartsWith("AUTOHEAL_LABEL_HUGE="))));
  EXPECT_THAT(env, Not(Contains(StartsWith("AUTOHEAL_FINGERPRINT="))));
  EXPECT_THAT(env, Contains("AUTOHEAL_ALERTNAME=X"));
}

TEST(ChildEnvironmentTest, ValuesHoldingNulAreLeftOut) {
  const std::string with_nul("a\0b", 3);
  Alert alert = MakeAlert({{"alertname", with_nul}, {"instance", with_nul}});
  alert.fingerprint = with_nul;
  EXPECT_THAT(ChildEnvironment(alert, "/bin"),
              ElementsAre("PATH=/bin", "AUTOHEAL_STATUS=firing"));
}

TEST(ChildEnvironmentTest, OtherBytesPassVerbatim) {
  const std::string hostile = "$(rm -rf /); `id` \"quoted\" 'x' a=b\nline2 \xff";
  Alert alert = MakeAlert({{"alertname", "X"}, {"target", hostile}});
  EXPECT_THAT(LabelVariables(alert), Contains("AUTOHEAL_LABEL_TARGET=" + hostile));
}

TEST(ChildEnvironmentTest, LabelsWithNamesOutsideTheLabelSyntaxAreLeftOut) {
  Alert alert = MakeAlert({{"alertname", "X"},
                           {"1st", "a"},
                           {"a-b", "b"},
                           {"a.b", "c"},
                           {"caf\xc3\xa9", "d"},
                           {"", "e"},
                           {"ok_1", "f"}});
  EXPECT_THAT(LabelVariables(alert), ElementsAre("AUTOHEAL_LABEL_ALERTNAME=X",
                                                 "AUTOHEAL_LABEL_OK_1=f"));
}

TEST(ChildEnvironmentTest, LabelsWhoseUpperCasedNamesCollideAreAllLeftOut) {
  Alert alert = MakeAlert({{"alertname", "X"},
                           {"ENV", "1"},
                           {"Env", "2"},
                           {"env", "3"},
                           {"REGION", "4"},
                           {"region", std::string(kMaxEnvValueBytes + 1, 'r')},
                           {"zone", "5"}});
  // A collision counts even when the other label's value is left out.
  EXPECT_THAT(LabelVariables(alert), ElementsAre("AUTOHEAL_LABEL_ALERTNAME=X",
                                                 "AUTOHEAL_LABEL_ZONE=5"));
}

// --- stdin -------------------------------------------------------------------

TEST(ChildStdinTest, IsTheDocumentedExampleOnOneLineWithSortedKeys) {
  EXPECT_EQ(
      ChildStdin(MakeAlert()),
      R"({"annotations":{"autoheal":"true",)"
      R"("runbook_url":"https://runbooks.example.internal/tcp-endpoint-down",)"
      R"("summary":"TCP endpoint 127.0.0.1:40281 is down"},)"
      R"("endsAt":"0001-01-01T00:00:00Z","fingerprint":"54dcddbd26c0ef96",)"
      R"("generatorURL":"http://vm:36571/graph?g0.expr=probe_success)"
      R"(%7Bjob%3D%22blackbox-tcp%22%7D+%3D%3D+0&g0.tab=1",)"
      R"("labels":{"alertname":"TcpEndpointDownFast",)"
      R"("instance":"127.0.0.1:40281","job":"blackbox-tcp",)"
      R"("severity":"critical"},"startsAt":"2026-11-27T07:39:09.97Z",)"
      R"("status":"firing"})");
}

TEST(ChildStdinTest, EmptySetsAreEmptyObjects) {
  Alert alert;
  alert.status = AlertStatus::kResolved;
  EXPECT_EQ(ChildStdin(alert),
            R"({"annotations":{},"endsAt":"","fingerprint":"",)"
            R"("generatorURL":"","labels":{},"startsAt":"",)"
            R"("status":"resolved"})");
}

TEST(ChildStdinTest, CarriesWhatTheEnvironmentLeavesOut) {
  const std::string huge(1 << 20, 'x');
  const std::string with_nul("a\0b", 3);
  Alert alert = MakeAlert({{"alertname", "X"},
                           {"a-b", "dash"},
                           {"big", huge},
                           {"env", "1"},
                           {"ENV", "2"},
                           {"nul", with_nul}});
  const nlohmann::json parsed = nlohmann::json::parse(ChildStdin(alert));
  EXPECT_EQ(parsed["labels"]["a-b"], "dash");
  EXPECT_EQ(parsed["labels"]["big"], huge);
  EXPECT_EQ(parsed["labels"]["env"], "1");
  EXPECT_EQ(parsed["labels"]["ENV"], "2");
  EXPECT_EQ(parsed["labels"]["nul"], with_nul);
}

TEST(ChildStdinTest, KeepsUtf8RawEscapesControlsAndReplacesInvalidBytes) {
  Alert alert = MakeAlert({{"alertname", "X"},
                           {"city", "Z\xc3\xbcrich"},
                           {"ctl", "a\nb\x01"},
                           {"bad\xff", "v\xc3"}});
  const std::string text = ChildStdin(alert);
  EXPECT_NE(text.find(R"("city":"Z)" "\xc3\xbc" R"(rich")"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("ctl":"a\nb\u0001")"), std::string::npos) << text;
  EXPECT_NE(text.find("\"bad\xef\xbf\xbd\":\"v\xef\xbf\xbd\""),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace internal
}  // namespace autoheal
