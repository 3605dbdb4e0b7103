// Tests for ParseWebhookMessage: real Alertmanager captures, malformed
// bodies (each with its exact path and expectation), and hostile but valid
// content that must survive byte for byte.

#include "autoheal/payload.h"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::ReadFileOrDie;
using ::autoheal::testutil::StatusIs;
using ::autoheal::testutil::TestDataPath;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Pair;
using ::testing::SizeIs;

std::string ReadPayload(const std::string& name) {
  return ReadFileOrDie(TestDataPath("payloads/" + name));
}

// Returns one alert object with the given labels object (JSON text).
std::string AlertJson(const std::string& labels,
                      const std::string& extra = "") {
  return absl::StrCat(R"({"status":"firing","labels":)", labels, extra, "}");
}

// Returns a message body around `alerts` (the array's inner JSON text), with
// `extra` spliced in as more top-level fields.
std::string BodyJson(const std::string& alerts, const std::string& extra = "") {
  return absl::StrCat(R"({"version":"4","status":"firing","alerts":[)", alerts,
                      "]", extra, "}");
}

// Returns a valid body whose single alert has `labels`.
std::string BodyWithLabels(const std::string& labels) {
  return BodyJson(AlertJson(labels));
}

// --- Real Alertmanager captures ------------------------------------------

TEST(ParseWebhookMessageTest, EveryCapturedPayloadParses) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(TestDataPath("payloads"))) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    SCOPED_TRACE(entry.path().filename().string());
    absl::StatusOr<WebhookMessage> message =
        ParseWebhookMessage(ReadFileOrDie(entry.path().string()));
    ASSERT_THAT(message, IsOk());
    EXPECT_EQ(message->version, "4");
    EXPECT_EQ(message->receiver, "autoheal");
    ASSERT_FALSE(message->alerts.empty());
    for (const Alert& alert : message->alerts) {
      EXPECT_EQ(alert.problem, "");
      EXPECT_FALSE(alert.alertname().empty());
      EXPECT_THAT(alert.fingerprint, SizeIs(16));
      EXPECT_FALSE(alert.starts_at.empty());
    }
  }
  EXPECT_GE(files, 9);
}

TEST(ParseWebhookMessageTest, SingleFiringPayloadFields) {
  absl::StatusOr<WebhookMessage> message =
      ParseWebhookMessage(ReadPayload("01-single-firing-autoheal.json"));
  ASSERT_THAT(message, IsOk());
  EXPECT_EQ(message->version, "4");
  EXPECT_EQ(message->receiver, "autoheal");
  EXPECT_EQ(message->status, AlertStatus::kFiring);
  EXPECT_EQ(message->external_url, "http://vm:19093");
  EXPECT_EQ(message->group_key, R"({}:{case="single"})");
  EXPECT_EQ(message->truncated_alerts, 0);
  EXPECT_THAT(message->group_labels.entries(),
              ElementsAre(Pair("case", "single")));
  EXPECT_THAT(
      message->common_labels.entries(),
      ElementsAre(Pair("alertname", "TcpEndpointDownFast"),
                  Pair("case", "single"),
                  Pair("instance", "db-01.internal:5432"),
                  Pair("job", "blackbox-tcp"), Pair("severity", "critical")));
  EXPECT_THAT(message->common_annotations.Find("autoheal"),
              Optional(Eq("true")));

  ASSERT_THAT(message->alerts, SizeIs(1));
  const Alert& alert = message->alerts[0];
  EXPECT_EQ(alert.status, AlertStatus::kFiring);
  EXPECT_EQ(alert.alertname(), "TcpEndpointDownFast");
  EXPECT_THAT(alert.labels.Find("instance"),
              Optional(Eq("db-01.internal:5432")));
  EXPECT_THAT(alert.labels.Find("severity"), Optional(Eq("critical")));
  EXPECT_EQ(alert.labels, message->common_labels);
  EXPECT_THAT(
      alert.annotations.entries(),
      ElementsAre(Pair("autoheal", "true"),
                  Pair("runbook_url",
                       "https://runbooks.example.internal/tcp-endpoint-down"),
                  Pair("summary", "TCP endpoint db-01.internal:5432 is down")));
  EXPECT_EQ(alert.starts_at, "2026-11-27T07:26:21Z");
  EXPECT_EQ(alert.ends_at, "0001-01-01T00:00:00Z");
  EXPECT_EQ(alert.generator_url,
            "http://127.0.0.1:9090/graph?g0.expr=probe_success%3D%3D0");
  EXPECT_EQ(alert.fingerprint, "ae2f46214283c1ff");
}

TEST(ParseWebhookMessageTest, MixedGroupHasEightAlerts) {
  absl::StatusOr<WebhookMessage> message =
      ParseWebhookMessage(ReadPayload("04-mixed-group.json"));
  ASSERT_THAT(message, IsOk());
  ASSERT_THAT(message->alerts, SizeIs(8));
  for (const Alert& alert : message->alerts) {
    EXPECT_EQ(alert.status, AlertStatus::kFiring);
  }
  EXPECT_EQ(message->alerts[7].alertname(), "PaymentRateErrorBudgetCritical");
  EXPECT_TRUE(message->common_annotations.empty());
}

TEST(ParseWebhookMessageTest, FiringGroupCarriesResolvedAlert) {
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(
      ReadPayload("05-mixed-group-partially-resolved.json"));
  ASSERT_THAT(message, IsOk());
  EXPECT_EQ(message->status, AlertStatus::kFiring);
  ASSERT_THAT(message->alerts, SizeIs(8));
  const Alert& alert = message->alerts[4];
  EXPECT_EQ(alert.alertname(), "CrmMetricsScrapeStale");
  EXPECT_THAT(alert.labels.Find("instance"), Optional(Eq("crm-01:9100")));
  EXPECT_EQ(alert.status, AlertStatus::kResolved);
  EXPECT_EQ(alert.ends_at, "2026-11-27T07:31:23.832Z");
  EXPECT_EQ(message->alerts[5].status, AlertStatus::kFiring);
  // Go escapes '&' as \u0026; the parser decodes it.
  EXPECT_EQ(
      alert.generator_url,
      "http://127.0.0.1:9090/graph?g0.expr=probe_success%3D%3D0&g0.tab=1");
}

TEST(ParseWebhookMessageTest, ResolvedPayloads) {
  for (const char* name :
       {"06-mixed-group-resolved.json", "07-single-resolved.json",
        "11-prometheus-tcp-down-resolved.json"}) {
    SCOPED_TRACE(name);
    absl::StatusOr<WebhookMessage> message =
        ParseWebhookMessage(ReadPayload(name));
    ASSERT_THAT(message, IsOk());
    EXPECT_EQ(message->status, AlertStatus::kResolved);
    for (const Alert& alert : message->alerts) {
      EXPECT_EQ(alert.status, AlertStatus::kResolved);
    }
  }
}

TEST(ParseWebhookMessageTest, MinimalMessageDefaultsOptionalFields) {
  absl::StatusOr<WebhookMessage> message =
      ParseWebhookMessage(R"({"version":"4","alerts":[{"status":"resolved",)"
                          R"("labels":{"alertname":"X"}}]})");
  ASSERT_THAT(message, IsOk());
  EXPECT_EQ(message->receiver, "");
  EXPECT_EQ(message->status, AlertStatus::kFiring);
  EXPECT_EQ(message->truncated_alerts, 0);
  ASSERT_THAT(message->alerts, SizeIs(1));
  EXPECT_EQ(message->alerts[0].status, AlertStatus::kResolved);
  EXPECT_TRUE(message->alerts[0].annotations.empty());
  EXPECT_EQ(message->alerts[0].fingerprint, "");
}

TEST(ParseWebhookMessageTest, EmptyAlertsArrayIsAccepted) {
  absl::StatusOr<WebhookMessage> message =
      ParseWebhookMessage(R"({"version":"4","alerts":[]})");
  ASSERT_THAT(message, IsOk());
  EXPECT_TRUE(message->alerts.empty());
}

TEST(ParseWebhookMessageTest, ReadsTruncatedAlerts) {
  absl::StatusOr<WebhookMessage> message =
      ParseWebhookMessage(BodyJson("", R"(,"truncatedAlerts":1234)"));
  ASSERT_THAT(message, IsOk());
  EXPECT_EQ(message->truncated_alerts, 1234);
}

TEST(ParseWebhookMessageTest, UnsortedLabelsComeOutSorted) {
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(
      BodyWithLabels(R"({"zone":"b","alertname":"X","instance":"i"})"));
  ASSERT_THAT(message, IsOk());
  EXPECT_THAT(message->alerts[0].labels.entries(),
              ElementsAre(Pair("alertname", "X"), Pair("instance", "i"),
                          Pair("zone", "b")));
}

// --- Malformed bodies ----------------------------------------------------

struct BadBody {
  std::string name;
  std::string body;
  std::string message;  // a substring of the expected error message
};

void PrintTo(const BadBody& bad, std::ostream* os) { *os << bad.name; }

class MalformedBodyTest : public ::testing::TestWithParam<BadBody> {};

TEST_P(MalformedBodyTest, IsRejectedWithPathAndExpectation) {
  const BadBody& bad = GetParam();
  EXPECT_THAT(ParseWebhookMessage(bad.body),
              StatusIs(absl::StatusCode::kInvalidArgument, bad.message));
}

std::vector<BadBody> BadBodies() {
  const std::string ok_alert = AlertJson(R"({"alertname":"X"})");
  return {
      {"NotJson", "hello", "body: invalid JSON at byte 0: "},
      {"EmptyBody", "", "body: invalid JSON at byte 0: "},
      {"OnlyWhitespace", " \n", "body: invalid JSON at byte 2: "},
      {"ArrayBody", "[]", "body: expected an object, got array"},
      {"StringBody", R"("4")", "body: expected an object, got string"},
      {"NullBody", "null", "body: expected an object, got null"},
      {"VersionThree", R"({"version":"3","alerts":[]})",
       R"(version: expected "4", got "3")"},
      {"VersionNumber", R"({"version":4,"alerts":[]})",
       R"(version: expected "4", got number)"},
      {"VersionNull", R"({"version":null,"alerts":[]})",
       R"(version: expected "4", got null)"},
      {"MissingVersion", R"({"alerts":[]})", "version: missing"},
      {"MissingAlerts", R"({"version":"4"})", "alerts: missing"},
      {"AlertsObject", R"({"version":"4","alerts":{}})",
       "alerts: expected an array, got object"},
      {"AlertsNull", R"({"version":"4","alerts":null})",
       "alerts: expected an array, got null"},
      {"GroupStatusBad", R"({"version":"4","alerts":[],"status":"FIRING"})",
       R"(status: expected "firing" or "resolved", got "FIRING")"},
      {"ReceiverNull", BodyJson("", R"(,"receiver":null)"),
       "receiver: expected a string, got null"},
      {"CommonLabelsString", BodyJson("", R"(,"commonLabels":"a")"),
       "commonLabels: expected an object, got string"},
      {"GroupLabelValueArray", BodyJson("", R"(,"groupLabels":{"a":[]})"),
       "groupLabels.a: expected a string, got array"},
      {"TruncatedAlertsString", BodyJson("", R"(,"truncatedAlerts":"3")"),
       "truncatedAlerts: expected a non-negative integer, got string"},
      {"TruncatedAlertsNegative", BodyJson("", R"(,"truncatedAlerts":-1)"),
       "truncatedAlerts: expected a non-negative integer, got -1"},
      {"TruncatedAlertsFraction", BodyJson("", R"(,"truncatedAlerts":2.5)"),
       "truncatedAlerts: expected a non-negative integer, got 2.5"},
      {"TruncatedAlertsTooBig",
       BodyJson("", R"(,"truncatedAlerts":9223372036854775808)"),
       "truncatedAlerts: expected a non-negative integer, got "
       "9223372036854775808"},
      {"DuplicateCommonLabel",
       BodyJson("", R"(,"commonLabels":{"a":"1","a":"1"})"),
       R"(commonLabels: duplicate key "a")"},
      {"DuplicateTopLevelKey", R"({"version":"4","alerts":[],"alerts":[]})",
       R"(body: duplicate key "alerts")"},
      {"InvalidUtf8", BodyWithLabels("{\"alertname\":\"X\xff\"}"),
       "ill-formed UTF-8 byte"},
      {"InvalidUtf8Offset", "{\"version\":\"4\xff\"}",
       "body: invalid JSON at byte 13: "},
      {"OverlongUtf8", BodyWithLabels("{\"alertname\":\"\xc0\xaf\"}"),
       "ill-formed UTF-8 byte"},
      {"RawNulInString", std::string("{\"version\":\"4\0\"}", 16),
       "body: invalid JSON at byte 13: raw NUL byte"},
      {"RawNulAfterBody",
       R"({"version":"4","alerts":[]})" + std::string("\0garbage", 8),
       "body: invalid JSON at byte 27: raw NUL byte"},
      {"RawControlCharacter", BodyWithLabels("{\"alertname\":\"a\nb\"}"),
       "control character U+000A (LF) must be escaped"},
      {"TrailingGarbage", R"({"version":"4","alerts":[]} x)",
       "body: invalid JSON at byte 28: "},
      {"SecondObject", R"({"version":"4","alerts":[]}{})",
       "expected end of input"},
      {"Truncated", R"({"version":"4","alerts":[{"status":"fir)",
       "body: invalid JSON at byte 39: "},
      {"MissingColon", R"({"version" "4"})", "expected ':'"},
      {"TrailingComma", R"({"version":"4","alerts":[],})",
       "body: invalid JSON at byte 27: "},
      {"SingleQuotes", R"({'version':'4'})", "body: invalid JSON at byte 1: "},
      {"Comment", R"({"version":"4",/* c */"alerts":[]})",
       "body: invalid JSON at byte 15: "},
      {"BadEscape", BodyWithLabels(R"({"alertname":"\x41"})"),
       "body: invalid JSON at byte"},
      {"NumberOverflow", BodyJson("", R"(,"x":1e400)"),
       "body: invalid JSON at byte 53: number overflow parsing '1e400'"},
      {"LoneSurrogate", BodyWithLabels(R"({"alertname":"\ud800"})"),
       "surrogate"},
      // A fatal problem after a malformed alert is still fatal.
      {"MalformedAlertThenWrongVersion",
       R"({"alerts":[{"status":"pending","labels":{}}],"version":"3"})",
       R"(version: expected "4", got "3")"},
      {"MalformedAlertThenBadCommonLabels",
       BodyJson(AlertJson("[]"), R"(,"commonLabels":{"a":1})"),
       "commonLabels.a: expected a string, got number"},
      {"TruncatedInsideMalformedAlert",
       R"({"version":"4","alerts":[{"status":"pending","x":[[)",
       "body: invalid JSON at byte 51: syntax error while parsing value - "
       "unexpected end of input"},
      {"SyntaxErrorInsideOneAlert",
       BodyJson(ok_alert + R"(,{"status":"firing","labels":{"alertname":X}})"),
       "body: invalid JSON at byte"},
  };
}

INSTANTIATE_TEST_SUITE_P(
    All, MalformedBodyTest, ::testing::ValuesIn(BadBodies()),
    [](const ::testing::TestParamInfo<BadBody>& param_info) {
      return param_info.param.name;
    });

// --- Malformed alerts: the alert's problem, never the message's ---------

struct BadAlert {
  std::string name;
  std::string alert;    // the JSON text of alerts[1]
  std::string problem;  // its exact Alert::problem
};

void PrintTo(const BadAlert& bad, std::ostream* os) { *os << bad.name; }

// The well-formed neighbours around each bad alert: alerts[0] and alerts[2].
std::string Neighbour(int i) {
  return AlertJson(absl::StrCat(R"({"alertname":"N)", i, R"(","job":"j"})"),
                   absl::StrCat(R"(,"annotations":{"autoheal":"true"},)",
                                R"("fingerprint":"f)", i, R"(")"));
}

class MalformedAlertTest : public ::testing::TestWithParam<BadAlert> {};

TEST_P(MalformedAlertTest, IsThatAlertsProblemAndItsNeighboursParseFully) {
  const BadAlert& bad = GetParam();
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(
      BodyJson(absl::StrCat(Neighbour(0), ",", bad.alert, ",", Neighbour(2)),
               R"(,"receiver":"autoheal","groupKey":"{}:{}")"));
  ASSERT_THAT(message, IsOk());
  EXPECT_EQ(message->version, "4");
  EXPECT_EQ(message->receiver, "autoheal");
  EXPECT_EQ(message->group_key, "{}:{}");
  ASSERT_THAT(message->alerts, SizeIs(3));
  EXPECT_EQ(message->alerts[1].problem, bad.problem);
  for (int i : {0, 2}) {
    SCOPED_TRACE(i);
    const Alert& alert = message->alerts[static_cast<size_t>(i)];
    EXPECT_EQ(alert.problem, "");
    EXPECT_EQ(alert.status, AlertStatus::kFiring);
    EXPECT_THAT(
        alert.labels.entries(),
        ElementsAre(Pair("alertname", absl::StrCat("N", i)), Pair("job", "j")));
    EXPECT_THAT(alert.annotations.entries(),
                ElementsAre(Pair("autoheal", "true")));
    EXPECT_EQ(alert.fingerprint, absl::StrCat("f", i));
  }
}

std::vector<BadAlert> BadAlerts() {
  const std::string deep_array =
      std::string(10000, '[') + std::string(10000, ']');
  std::string deep_object;
  for (int i = 0; i < 10000; ++i) deep_object += R"({"a":)";
  deep_object += "1" + std::string(10000, '}');
  const std::string huge(1 << 20, 'x');
  return {
      // Elements of alerts[] that are not objects.
      {"ElementString", R"("x")", "alerts[1]: expected an object, got string"},
      {"ElementNumber", "1", "alerts[1]: expected an object, got number"},
      {"ElementNull", "null", "alerts[1]: expected an object, got null"},
      {"ElementBoolean", "true", "alerts[1]: expected an object, got boolean"},
      {"ElementEmptyArray", "[]", "alerts[1]: expected an object, got array"},
      {"ElementArrayOfAlerts", "[" + Neighbour(9) + "]",
       "alerts[1]: expected an object, got array"},
      // status.
      {"StatusMissing", R"({"labels":{"alertname":"X"}})",
       "alerts[1].status: missing"},
      {"StatusPending", R"({"status":"pending","labels":{"alertname":"X"}})",
       R"(alerts[1].status: expected "firing" or "resolved", got "pending")"},
      {"StatusUppercase", R"({"status":"FIRING","labels":{"alertname":"X"}})",
       R"(alerts[1].status: expected "firing" or "resolved", got "FIRING")"},
      {"StatusBoolean", R"({"status":true,"labels":{"alertname":"X"}})",
       R"(alerts[1].status: expected "firing" or "resolved", got boolean)"},
      {"StatusObject",
       R"({"status":{"s":"firing"},"labels":{"alertname":"X"}})",
       R"(alerts[1].status: expected "firing" or "resolved", got object)"},
      {"StatusHuge",
       R"({"status":")" + huge + R"(","labels":{"alertname":"X"}})",
       absl::StrCat(R"(alerts[1].status: expected "firing" or "resolved", )",
                    R"(got ")", std::string(64, 'x'),
                    R"("... (1048576 bytes))")},
      // labels and annotations.
      {"LabelsMissing", R"({"status":"firing"})", "alerts[1].labels: missing"},
      {"LabelsArray", AlertJson(R"(["alertname","X"])"),
       "alerts[1].labels: expected an object, got array"},
      {"LabelsString", AlertJson(R"("alertname=X")"),
       "alerts[1].labels: expected an object, got string"},
      {"LabelsNull", AlertJson("null"),
       "alerts[1].labels: expected an object, got null"},
      {"AnnotationsArray",
       AlertJson(R"({"alertname":"X"})", R"(,"annotations":["autoheal"])"),
       "alerts[1].annotations: expected an object, got array"},
      {"AnnotationsString",
       AlertJson(R"({"alertname":"X"})", R"(,"annotations":"autoheal")"),
       "alerts[1].annotations: expected an object, got string"},
      // alertname.
      {"AlertnameMissing", AlertJson(R"({"instance":"a"})"),
       "alerts[1].labels.alertname: missing"},
      {"AlertnameMissingFromEmptyLabels", AlertJson("{}"),
       "alerts[1].labels.alertname: missing"},
      {"AlertnameNumber", AlertJson(R"({"alertname":7})"),
       "alerts[1].labels.alertname: expected a string, got number"},
      {"AlertnameNull", AlertJson(R"({"alertname":null})"),
       "alerts[1].labels.alertname: expected a string, got null"},
      {"AlertnameArray", AlertJson(R"({"alertname":["X"]})"),
       "alerts[1].labels.alertname: expected a string, got array"},
      {"AlertnameRepeated", AlertJson(R"({"alertname":"X","alertname":"Y"})"),
       R"(alerts[1].labels: duplicate key "alertname")"},
      // Label and annotation values.
      {"LabelValueObject", AlertJson(R"({"alertname":"X","a":{}})"),
       "alerts[1].labels.a: expected a string, got object"},
      {"LabelValueNull", AlertJson(R"({"alertname":"X","a":null})"),
       "alerts[1].labels.a: expected a string, got null"},
      {"LabelValueDeepObject",
       AlertJson(R"({"alertname":"X","a":)" + deep_object + "}"),
       "alerts[1].labels.a: expected a string, got object"},
      {"AnnotationNumber",
       AlertJson(R"({"alertname":"X"})", R"(,"annotations":{"autoheal":1})"),
       "alerts[1].annotations.autoheal: expected a string, got number"},
      {"HostileLabelName", AlertJson(R"({"alertname":"X","a\"b\n":1})"),
       // C escapes, as every quoted value in messages (QuoteText); the
       // parser's own copy used JSON's \u000a.
       R"(alerts[1].labels["a\"b\n"]: expected a string, got number)"},
      // The other known fields.
      {"StartsAtNumber",
       AlertJson(R"({"alertname":"X"})", R"(,"startsAt":1764228381)"),
       "alerts[1].startsAt: expected a string, got number"},
      {"EndsAtNull", AlertJson(R"({"alertname":"X"})", R"(,"endsAt":null)"),
       "alerts[1].endsAt: expected a string, got null"},
      {"GeneratorUrlObject",
       AlertJson(R"({"alertname":"X"})", R"(,"generatorURL":{"u":"x"})"),
       "alerts[1].generatorURL: expected a string, got object"},
      {"FingerprintNumber",
       AlertJson(R"({"alertname":"X"})", R"(,"fingerprint":12)"),
       "alerts[1].fingerprint: expected a string, got number"},
      // Repeated names: the receiver never guesses which value decides.
      {"DuplicateLabel",
       AlertJson(R"({"alertname":"X","instance":"a","instance":"b"})"),
       R"(alerts[1].labels: duplicate key "instance")"},
      {"DuplicateUnsortedLabel",
       AlertJson(R"({"instance":"a","alertname":"X","instance":"a"})"),
       R"(alerts[1].labels: duplicate key "instance")"},
      {"DuplicateAnnotation",
       AlertJson(R"({"alertname":"X"})",
                 R"(,"annotations":{"autoheal":"false","autoheal":"true"})"),
       R"(alerts[1].annotations: duplicate key "autoheal")"},
      {"DuplicateStatus",
       R"({"status":"resolved","status":"firing","labels":{"alertname":"X"}})",
       R"(alerts[1]: duplicate key "status")"},
      {"DuplicateLabelsWithDeepSecondValue",
       AlertJson(R"({"alertname":"X"})", R"(,"labels":)" + deep_array),
       R"(alerts[1]: duplicate key "labels")"},
      // Nesting deeper than max_depth inside the alert is confined to it.
      {"DeepArrayInUnknownField",
       AlertJson(R"({"alertname":"X"})", R"(,"x":)" + deep_array),
       "alerts[1].x: nesting deeper than 32 levels"},
      {"DeepObjectInUnknownField",
       R"({"deep":)" + deep_object +
           R"(,"status":"firing","labels":{"alertname":"X"}})",
       "alerts[1].deep: nesting deeper than 32 levels"},
      {"DeepArrayAsStatus", R"({"status":)" + deep_array + "}",
       R"(alerts[1].status: expected "firing" or "resolved", got array)"},
      // The first problem in document order wins; a missing field is found
      // at the alert's end.
      {"FirstProblemWins",
       R"({"status":"pending","labels":{"alertname":7},"fingerprint":1})",
       R"(alerts[1].status: expected "firing" or "resolved", got "pending")"},
      {"MissingStatusFoundLast", R"({"labels":{"alertname":7}})",
       "alerts[1].labels.alertname: expected a string, got number"},
  };
}

INSTANTIATE_TEST_SUITE_P(
    All, MalformedAlertTest, ::testing::ValuesIn(BadAlerts()),
    [](const ::testing::TestParamInfo<BadAlert>& param_info) {
      return param_info.param.name;
    });

TEST(ParseWebhookMessageTest, MalformedAlertKeepsWhatCouldBeRead) {
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(BodyJson(
      R"({"status":"pending","labels":{"alertname":"ApiDown","instance":"db",)"
      R"("bad":1},"annotations":{"autoheal":"true"},"startsAt":"s",)"
      R"("endsAt":"e","generatorURL":"g","fingerprint":"abc"})"));
  ASSERT_THAT(message, IsOk());
  ASSERT_THAT(message->alerts, SizeIs(1));
  const Alert& alert = message->alerts[0];
  EXPECT_EQ(alert.problem,
            R"(alerts[0].status: expected "firing" or "resolved", got )"
            R"("pending")");
  EXPECT_EQ(alert.status, AlertStatus::kFiring);  // none valid: the default
  // The well-formed labels stay; the bad one is skipped.
  EXPECT_THAT(alert.labels.entries(), ElementsAre(Pair("alertname", "ApiDown"),
                                                  Pair("instance", "db")));
  EXPECT_THAT(alert.annotations.entries(),
              ElementsAre(Pair("autoheal", "true")));
  EXPECT_EQ(alert.starts_at, "s");
  EXPECT_EQ(alert.ends_at, "e");
  EXPECT_EQ(alert.generator_url, "g");
  EXPECT_EQ(alert.fingerprint, "abc");
}

TEST(ParseWebhookMessageTest, MalformedAlertKeepsAValidStatus) {
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(BodyJson(
      R"({"status":"resolved","labels":{"instance":"db"},"fingerprint":"f"})"));
  ASSERT_THAT(message, IsOk());
  ASSERT_THAT(message->alerts, SizeIs(1));
  EXPECT_EQ(message->alerts[0].problem, "alerts[0].labels.alertname: missing");
  EXPECT_EQ(message->alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(message->alerts[0].fingerprint, "f");
}

TEST(ParseWebhookMessageTest, OneBadAlertAmongThreeHundred) {
  std::vector<std::string> alerts;
  for (int i = 0; i < 300; ++i) {
    alerts.push_back(i == 150 ? AlertJson(R"({"instance":"host-150"})")
                              : AlertJson(absl::StrCat(R"({"alertname":"A)", i,
                                                       R"(","instance":"host-)",
                                                       i, R"("})")));
  }
  absl::StatusOr<WebhookMessage> message =
      ParseWebhookMessage(BodyJson(absl::StrJoin(alerts, ",")));
  ASSERT_THAT(message, IsOk());
  ASSERT_THAT(message->alerts, SizeIs(300));
  for (size_t i = 0; i < 300; ++i) {
    SCOPED_TRACE(i);
    const Alert& alert = message->alerts[i];
    EXPECT_THAT(alert.labels.Find("instance"),
                Optional(Eq(absl::StrCat("host-", i))));
    if (i == 150) {
      EXPECT_EQ(alert.problem, "alerts[150].labels.alertname: missing");
    } else {
      EXPECT_EQ(alert.problem, "");
      EXPECT_EQ(alert.alertname(), absl::StrCat("A", i));
    }
  }
}

TEST(ParseWebhookMessageTest, EveryAlertMalformedIsStillAMessage) {
  absl::StatusOr<WebhookMessage> message =
      ParseWebhookMessage(BodyJson(R"(1,"x",[],{},{"labels":[]})"));
  ASSERT_THAT(message, IsOk());
  std::vector<std::string> problems;
  for (const Alert& alert : message->alerts) problems.push_back(alert.problem);
  EXPECT_THAT(problems,
              ElementsAre("alerts[0]: expected an object, got number",
                          "alerts[1]: expected an object, got string",
                          "alerts[2]: expected an object, got array",
                          "alerts[3].status: missing",
                          "alerts[4].labels: expected an object, got array"));
}

// Each alert too deep is found without rescanning the body, so thousands
// of them parse in linear time.
TEST(ParseWebhookMessageTest, ThousandsOfTooDeepAlertsAreEachConfined) {
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  std::vector<std::string> alerts;
  for (int i = 0; i < 5000; ++i) {
    alerts.push_back(AlertJson(R"({"alertname":"X"})", R"(,"d":)" + deep));
  }
  absl::StatusOr<WebhookMessage> message =
      ParseWebhookMessage(BodyJson(absl::StrJoin(alerts, ",")));
  ASSERT_THAT(message, IsOk());
  ASSERT_THAT(message->alerts, SizeIs(5000));
  EXPECT_EQ(message->alerts[4999].problem,
            "alerts[4999].d: nesting deeper than 32 levels");
  EXPECT_EQ(message->alerts[4999].alertname(), "X");
}

TEST(ParseWebhookMessageTest, UnclosedDeepNestingInAnAlertIsInvalidJson) {
  EXPECT_THAT(ParseWebhookMessage(R"({"version":"4","alerts":[{"x":)" +
                                  std::string(100000, '[')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "body: invalid JSON at byte"));
}

TEST(ParseWebhookMessageTest, DeepNestingInUnknownFieldIsRejected) {
  const int kLevels = 10000;
  const std::string body =
      BodyJson("", absl::StrCat(R"(,"deep":)", std::string(kLevels, '['),
                                std::string(kLevels, ']')));
  // {"version":"4","status":"firing","alerts":[],"deep":[[[... : the body
  // is level 1, so the 32nd '[' opens level 33.
  const size_t first_bracket = body.find("[[");
  EXPECT_THAT(ParseWebhookMessage(body),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("body: nesting deeper than 32 levels at "
                                    "byte ",
                                    first_bracket + 31)));
}

TEST(ParseWebhookMessageTest, DeepObjectNestingIsRejected) {
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += R"({"a":)";
  deep += "1";
  deep += std::string(10000, '}');
  EXPECT_THAT(ParseWebhookMessage(BodyJson("", ",\"deep\":" + deep)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "nesting deeper than 32 levels"));
}

TEST(ParseWebhookMessageTest, UnclosedDeepNestingIsRejected) {
  EXPECT_THAT(ParseWebhookMessage(std::string(100000, '[')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "body: expected an object, got array"));
  EXPECT_THAT(ParseWebhookMessage(R"({"x":)" + std::string(100000, '[')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "body: nesting deeper than 32 levels at byte 36"));
}

TEST(ParseWebhookMessageTest, NestingAtMaxDepthIsAccepted) {
  // The body is level 1; 31 more brackets reach exactly level 32.
  const std::string body =
      BodyJson("", R"(,"deep":)" + std::string(31, '[') + std::string(31, ']'));
  EXPECT_THAT(ParseWebhookMessage(body), IsOk());
  EXPECT_THAT(
      ParseWebhookMessage(BodyJson(
          "", R"(,"deep":)" + std::string(32, '[') + std::string(32, ']'))),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "nesting deeper than 32 levels"));
}

// The depth limit is a policy, not what keeps the stack safe: nlohmann's SAX
// parser and the handler keep their own state, so even a million levels
// with the limit lifted use no stack per level.
TEST(ParseWebhookMessageTest, MillionLevelsWithoutALimitDoNotRecurse) {
  constexpr int kLevels = 1000000;
  std::string deep;
  deep.reserve(6 * kLevels + 1);
  for (int i = 0; i < kLevels; ++i) deep += i % 2 == 0 ? "[" : R"({"a":)";
  deep += "1";
  for (int i = kLevels - 1; i >= 0; --i) deep += i % 2 == 0 ? "]" : "}";
  ParseOptions unlimited;
  unlimited.max_depth = std::numeric_limits<int>::max();
  absl::StatusOr<WebhookMessage> message =
      ParseWebhookMessage(BodyJson("", ",\"deep\":" + deep), unlimited);
  ASSERT_THAT(message, IsOk());
  EXPECT_TRUE(message->alerts.empty());
}

TEST(ParseWebhookMessageTest, MaxDepthOptionApplies) {
  const std::string body = ReadPayload("01-single-firing-autoheal.json");
  ParseOptions options;
  options.max_depth = 4;  // body → alerts → alert → labels
  EXPECT_THAT(ParseWebhookMessage(body, options), IsOk());
  // Too deep inside an alert: that alert's problem.
  options.max_depth = 3;
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(body, options);
  ASSERT_THAT(message, IsOk());
  EXPECT_EQ(message->alerts[0].problem,
            "alerts[0].labels: nesting deeper than 3 levels");
  options.max_depth = 2;
  message = ParseWebhookMessage(body, options);
  ASSERT_THAT(message, IsOk());
  EXPECT_EQ(message->alerts[0].problem,
            "alerts[0]: nesting deeper than 2 levels");
  // Too deep outside any alert: fatal.
  options.max_depth = 1;
  const size_t alerts_bracket = body.find(R"("alerts":[)") + 9;
  EXPECT_THAT(ParseWebhookMessage(body, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("body: nesting deeper than 1 levels at "
                                    "byte ",
                                    alerts_bracket)));
}

TEST(ParseWebhookMessageTest, EveryTruncationOfARealPayloadIsRejected) {
  const std::string body = ReadPayload("01-single-firing-autoheal.json");
  // Every prefix that stops before the closing '}' is invalid.
  const size_t closing_brace = body.rfind('}');
  ASSERT_NE(closing_brace, std::string::npos);
  for (size_t size = 0; size <= closing_brace; ++size) {
    SCOPED_TRACE(size);
    EXPECT_THAT(ParseWebhookMessage(absl::string_view(body).substr(0, size)),
                StatusIs(absl::StatusCode::kInvalidArgument, "body: "));
  }
}

TEST(ParseWebhookMessageTest, RandomByteFlipsNeverCrash) {
  const std::string original = ReadPayload("04-mixed-group.json");
  std::mt19937 rng(20261127);
  std::uniform_int_distribution<size_t> position(0, original.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 3000; ++i) {
    std::string body = original;
    for (int flips = 1 + i % 3; flips > 0; --flips) {
      body[position(rng)] = static_cast<char>(byte(rng));
    }
    absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(body);
    if (!message.ok()) {
      EXPECT_EQ(message.status().code(), absl::StatusCode::kInvalidArgument)
          << message.status();
      continue;
    }
    for (size_t a = 0; a < message->alerts.size(); ++a) {
      const std::string& problem = message->alerts[a].problem;
      if (problem.empty()) {
        // A well-formed alert has an alertname.
        EXPECT_TRUE(message->alerts[a].labels.Find("alertname").has_value());
        continue;
      }
      EXPECT_THAT(problem,
                  ::testing::StartsWith(absl::StrCat("alerts[", a, "]")));
      EXPECT_LT(problem.size(), 300u);
    }
  }
}

TEST(ParseWebhookMessageTest, ErrorMessagesStayShortAndQuoteHostileText) {
  // A 1 MiB group status is cut in the message, not echoed whole.
  const std::string huge(1 << 20, 'x');
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(
      R"({"version":"4","alerts":[],"status":")" + huge + R"("})");
  EXPECT_THAT(message,
              StatusIs(absl::StatusCode::kInvalidArgument, "(1048576 bytes)"));
  EXPECT_LT(message.status().message().size(), 200u);
  // So is an alert's (its problem: see MalformedAlertTest.StatusHuge).
  message = ParseWebhookMessage(
      BodyJson(R"({"status":")" + huge + R"(","labels":{"alertname":"X"}})"));
  ASSERT_THAT(message, IsOk());
  EXPECT_LT(message->alerts[0].problem.size(), 200u);

  // nlohmann's "last read" token (here 1 MiB, ending in a bad byte) is
  // dropped from JSON errors.
  message = ParseWebhookMessage(
      BodyWithLabels(R"({"alertname":")" + huge + "\xfe\"}"));
  EXPECT_THAT(message, StatusIs(absl::StatusCode::kInvalidArgument,
                                "ill-formed UTF-8 byte"));
  EXPECT_LT(message.status().message().size(), 200u);

  // So is the number in nlohmann's overflow message.
  message = ParseWebhookMessage(
      BodyJson("", ",\"x\":" + std::string(100000, '9') + "e9"));
  EXPECT_THAT(message, StatusIs(absl::StatusCode::kInvalidArgument,
                                "number overflow parsing '999"));
  EXPECT_LT(message.status().message().size(), 250u);

  // A key that is not a plain name is quoted and escaped in the path, with
  // C escapes as every quoted value (QuoteText); the parser's own copy of
  // the quoting used JSON's \u000a.
  EXPECT_THAT(
      ParseWebhookMessage(BodyJson("", R"(,"groupLabels":{"a\"b\n":1})")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               R"(groupLabels["a\"b\n"]: expected a string)"));
}

// --- Hostile but valid content -------------------------------------------

// Parses a body with one alert labelled {alertname: X, value: <json_value>}
// and returns the "value" label.
std::string RoundTripLabel(const std::string& json_value) {
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(
      BodyWithLabels(R"({"alertname":"X","value":)" + json_value + "}"));
  EXPECT_THAT(message, IsOk());
  if (!message.ok()) return "<error>";
  std::optional<absl::string_view> value =
      message->alerts[0].labels.Find("value");
  EXPECT_TRUE(value.has_value());
  return value ? std::string(*value) : "<absent>";
}

TEST(ParseWebhookMessageTest, EscapedNulIsPreserved) {
  const std::string value = RoundTripLabel(R"("a\u0000b")");
  EXPECT_EQ(value.size(), 3u);
  EXPECT_EQ(value, std::string("a\0b", 3));
}

TEST(ParseWebhookMessageTest, EscapedQuotesAndNewlinesAreDecoded) {
  EXPECT_EQ(RoundTripLabel(R"("say \"hi\"\nbye\t\\")"), "say \"hi\"\nbye\t\\");
}

TEST(ParseWebhookMessageTest, ShellMetacharactersArePreservedVerbatim) {
  EXPECT_EQ(RoundTripLabel(R"("a;touch /tmp/x")"), "a;touch /tmp/x");
  EXPECT_EQ(RoundTripLabel(R"json("$(reboot)")json"), "$(reboot)");
  EXPECT_EQ(RoundTripLabel(R"("`id` | rm -rf / && echo '$HOME'")"),
            "`id` | rm -rf / && echo '$HOME'");
}

TEST(ParseWebhookMessageTest, GoHtmlEscapesAreDecoded) {
  EXPECT_EQ(RoundTripLabel(R"("\u003cb\u003e \u0026")"), "<b> &");
}

TEST(ParseWebhookMessageTest, RawUtf8IsPreserved) {
  EXPECT_EQ(RoundTripLabel("\"Z\xc3\xbcrich \xe2\x9c\x93\""),
            "Z\xc3\xbcrich \xe2\x9c\x93");
  EXPECT_EQ(RoundTripLabel(R"("\u00fc\ud83d\ude00")"),
            "\xc3\xbc\xf0\x9f\x98\x80");
}

TEST(ParseWebhookMessageTest, MebibyteLabelValueIsPreserved) {
  std::string big(1 << 20, 'v');
  big[0] = 'A';
  big.back() = 'Z';
  EXPECT_EQ(RoundTripLabel("\"" + big + "\""), big);
}

TEST(ParseWebhookMessageTest, FiveHundredAlerts) {
  std::string alerts;
  for (int i = 0; i < 500; ++i) {
    if (i > 0) alerts += ",";
    alerts += AlertJson(absl::StrCat(R"({"alertname":"A)", i,
                                     R"(","instance":"host-)", i, R"("})"),
                        absl::StrCat(R"(,"fingerprint":")", i, R"(")"));
  }
  absl::StatusOr<WebhookMessage> message =
      ParseWebhookMessage(BodyJson(alerts));
  ASSERT_THAT(message, IsOk());
  ASSERT_THAT(message->alerts, SizeIs(500));
  EXPECT_EQ(message->alerts[0].alertname(), "A0");
  EXPECT_EQ(message->alerts[499].alertname(), "A499");
  EXPECT_THAT(message->alerts[321].labels.Find("instance"),
              Optional(Eq("host-321")));
  EXPECT_EQ(message->alerts[321].fingerprint, "321");
}

TEST(ParseWebhookMessageTest, UnknownFieldsAtEveryLevelAreIgnored) {
  const std::string unknown_value =
      R"({"a":[1,2.5,-3,true,false,null,"s",{"b":{"c":[[]]}},[{}]]})";
  const std::string alert = absl::StrCat(
      R"({"status":"firing","x1":)", unknown_value,
      R"(,"labels":{"alertname":"X"},"x2":[{"labels":7}],"x3":null,)",
      R"("x4":"s","x5":1e300,"x6":-1,"x7":true,"x8":{"status":1}})");
  const std::string body = absl::StrCat(
      R"({"notification_reason":"new","routeLabels":{"a":"b"},)",
      R"("version":"4","x":)", unknown_value, R"(,"alerts":[)", alert,
      R"(],"y":[[[["alerts"]]]],"z":null,"w":12345678901234567890123})");
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(body);
  ASSERT_THAT(message, IsOk());
  ASSERT_THAT(message->alerts, SizeIs(1));
  EXPECT_EQ(message->alerts[0].alertname(), "X");
  EXPECT_EQ(message->alerts[0].status, AlertStatus::kFiring);
  EXPECT_THAT(message->alerts[0].labels.entries(), SizeIs(1));
}

TEST(ParseWebhookMessageTest, DuplicateUnknownFieldsAreIgnored) {
  EXPECT_THAT(ParseWebhookMessage(BodyJson("", R"(,"x":1,"x":{"y":2})")),
              IsOk());
}

TEST(ParseWebhookMessageTest, KnownFieldNamesAreCaseSensitive) {
  // "Version" is an unknown field; "version" is still required.
  EXPECT_THAT(ParseWebhookMessage(R"({"Version":"4","alerts":[]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "version: missing"));
}

TEST(ParseWebhookMessageTest, WhitespaceAndByteOrderMarkAreAccepted) {
  EXPECT_THAT(ParseWebhookMessage(
                  " \t\r\n{ \"version\" : \"4\" ,\n \"alerts\" : [ ] }\n"),
              IsOk());
  EXPECT_THAT(
      ParseWebhookMessage("\xef\xbb\xbf{\"version\":\"4\",\"alerts\":[]}"),
      IsOk());
}

}  // namespace
}  // namespace autoheal
