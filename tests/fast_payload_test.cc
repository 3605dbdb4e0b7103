// Tests for the receiver's fast body parse (receiver/fast_payload.h): on
// every captured payload, the payload fuzzer's seeds and a list of hostile
// bodies, ParseNotification() returns exactly what ParseWebhookMessage()
// returns, and TryParseFast() takes the plain bodies and leaves every other
// one to the slow parser.

#include "receiver/fast_payload.h"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "autoheal/payload.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace receiver {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::ReadFileOrDie;
using ::autoheal::testutil::TestDataPath;
using ::testing::HasSubstr;

// Which parser produced the result.
enum class Path { kFast, kSlow };

// Expects `a` and `b` equal field by field (each field checked on its own,
// for a readable failure), then as a whole.
void ExpectSameMessage(const WebhookMessage& a, const WebhookMessage& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.receiver, b.receiver);
  EXPECT_EQ(AlertStatusName(a.status), AlertStatusName(b.status));
  EXPECT_EQ(a.group_labels.entries(), b.group_labels.entries());
  EXPECT_EQ(a.common_labels.entries(), b.common_labels.entries());
  EXPECT_EQ(a.common_annotations.entries(), b.common_annotations.entries());
  EXPECT_EQ(a.external_url, b.external_url);
  EXPECT_EQ(a.group_key, b.group_key);
  EXPECT_EQ(a.truncated_alerts, b.truncated_alerts);
  ASSERT_EQ(a.alerts.size(), b.alerts.size());
  for (size_t i = 0; i < a.alerts.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("alerts[", i, "]"));
    const Alert& x = a.alerts[i];
    const Alert& y = b.alerts[i];
    EXPECT_EQ(AlertStatusName(x.status), AlertStatusName(y.status));
    EXPECT_EQ(x.labels.entries(), y.labels.entries());
    EXPECT_EQ(x.annotations.entries(), y.annotations.entries());
    EXPECT_EQ(x.starts_at, y.starts_at);
    EXPECT_EQ(x.ends_at, y.ends_at);
    EXPECT_EQ(x.generator_url, y.generator_url);
    EXPECT_EQ(x.fingerprint, y.fingerprint);
    EXPECT_EQ(x.problem, y.problem);
  }
  EXPECT_TRUE(a == b);
}

// Expects ParseNotification(body) to return exactly what
// ParseWebhookMessage(body) does, and the fast path to take the body
// exactly when `path` says so.
void ExpectAgreement(absl::string_view body, Path path,
                     const ParseOptions& options = ParseOptions()) {
  const absl::StatusOr<WebhookMessage> slow =
      ParseWebhookMessage(body, options);
  const std::optional<WebhookMessage> fast = TryParseFast(body, options);
  EXPECT_EQ(fast.has_value(), path == Path::kFast)
      << (slow.ok() ? "" : slow.status().ToString());
  if (fast.has_value()) {
    EXPECT_THAT(slow, IsOk());
    if (slow.ok()) ExpectSameMessage(*fast, *slow);
  }
  const absl::StatusOr<WebhookMessage> both = ParseNotification(body, options);
  EXPECT_EQ(both.status(), slow.status());
  if (both.ok() && slow.ok()) ExpectSameMessage(*both, *slow);
}

// ExpectAgreement(), then returns the (common) result.
absl::StatusOr<WebhookMessage> Agreed(
    absl::string_view body, Path path,
    const ParseOptions& options = ParseOptions()) {
  ExpectAgreement(body, path, options);
  return ParseWebhookMessage(body, options);
}

std::string AlertJson(const std::string& labels,
                      const std::string& extra = "") {
  return absl::StrCat(R"({"status":"firing","labels":)", labels, extra, "}");
}

std::string BodyJson(const std::string& alerts, const std::string& extra = "") {
  return absl::StrCat(R"({"version":"4","status":"firing","alerts":[)", alerts,
                      "]", extra, "}");
}

std::string BodyWithLabels(const std::string& labels) {
  return BodyJson(AlertJson(labels));
}

// Returns `levels` nested arrays: "[[...]]" (innermost empty) or, when
// `innermost` is given, with it inside the innermost array.
std::string NestedArrays(int levels, const std::string& innermost = "") {
  return std::string(levels, '[') + innermost + std::string(levels, ']');
}

// Reads every regular file in `dir` (relative to tests/data).
std::vector<std::pair<std::string, std::string>> ReadDir(
    const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(TestDataPath(dir))) {
    if (!entry.is_regular_file()) continue;
    files.emplace_back(entry.path().filename().string(),
                       ReadFileOrDie(entry.path().string()));
  }
  return files;
}

// --- Real payloads -----------------------------------------------------------

TEST(FastPayloadTest, EveryCapturedPayloadTakesTheFastPathAndAgrees) {
  int files = 0;
  for (const auto& [name, body] : ReadDir("payloads")) {
    SCOPED_TRACE(name);
    ++files;
    ExpectAgreement(body, Path::kFast);
  }
  EXPECT_GE(files, 11);
}

TEST(FastPayloadTest, TwoHundredAlertStormTakesTheFastPath) {
  const std::string body =
      ReadFileOrDie(TestDataPath("payloads/20-two-hundred-alerts.json"));
  std::optional<WebhookMessage> fast = TryParseFast(body);
  ASSERT_TRUE(fast.has_value());
  EXPECT_EQ(fast->alerts.size(), 200u);
  for (const Alert& alert : fast->alerts) EXPECT_EQ(alert.problem, "");
}

// The payload fuzzer's seeds: real payloads and hand-written corners
// (duplicates, huge and float truncatedAlerts, deep unknown fields,
// truncated JSON, ...), each taken by whichever path, with one result.
TEST(FastPayloadTest, EveryPayloadFuzzerSeedAgrees) {
  int files = 0;
  for (const auto& [name, body] : ReadDir("../../fuzz/corpus/payload")) {
    SCOPED_TRACE(name);
    ++files;
    const bool plain = name.rfind("h", 0) != 0 ||
                       name == "h01-empty-alerts.json" ||
                       name == "h02-escapes-and-utf8.json" ||
                       name == "h03-unknown-fields.json";
    ExpectAgreement(body, plain ? Path::kFast : Path::kSlow);
  }
  EXPECT_GE(files, 20);
}

// --- Plain bodies the fast path takes ----------------------------------------

TEST(FastPayloadTest, MinimalAndEmptyMessages) {
  ExpectAgreement(R"({"version":"4","alerts":[]})", Path::kFast);
  ExpectAgreement(BodyWithLabels(R"({"alertname":"X"})"), Path::kFast);
  // An empty alertname is no problem (it matches no action).
  ExpectAgreement(BodyWithLabels(R"({"alertname":""})"), Path::kFast);
  ExpectAgreement(R"({"alerts":[],"version":"4","status":"resolved"})",
                  Path::kFast);
}

TEST(FastPayloadTest, EscapesNulAndUtf8SurviveByteForByte) {
  const auto slow = Agreed(
      BodyWithLabels(
          R"({"alertname":"X","v":"a\u0000b\"\\\/\b\f\n\r\t\u003c)"
          R"(\u00e9\ud83d\ude00","w":"é😀 raw"})"),
      Path::kFast);
  ASSERT_THAT(slow, IsOk());
  EXPECT_EQ(
      *slow->alerts[0].labels.Find("v"),
      absl::string_view("a\0b\"\\/\b\f\n\r\t<\xc3\xa9\xf0\x9f\x98\x80", 18));
  // Escaped key names are the same key: this is the alert's status.
  ExpectAgreement(
      BodyJson(R"({"st\u0061tus":"resolved","labels":{"alertname":"X"}})"),
      Path::kFast);
  // A NUL inside a label name.
  ExpectAgreement(BodyWithLabels(R"({"alertname":"X","a\u0000b":"v"})"),
                  Path::kFast);
}

TEST(FastPayloadTest, UnsortedLabelsAreSorted) {
  const auto slow =
      Agreed(BodyWithLabels(R"({"zone":"z","alertname":"X","instance":"i"})"),
             Path::kFast);
  ASSERT_THAT(slow, IsOk());
  EXPECT_EQ(slow->alerts[0].labels.entries().front().first, "alertname");
}

TEST(FastPayloadTest, UnknownFieldsOfEveryTypeAreIgnored) {
  const std::string unknown =
      R"(,"n":null,"t":true,"f":false,"i":-12,"d":1.5e-300,"s":"x",)"
      R"("o":{"status":"pending","labels":[1]},"a":[{},[],"",0],)"
      R"("u":18446744073709551615,"dup":1,"dup":"again")";
  ExpectAgreement(BodyJson(AlertJson(R"({"alertname":"X"})", unknown), unknown),
                  Path::kFast);
  // Newer Alertmanagers' fields.
  ExpectAgreement(BodyJson(AlertJson(R"({"alertname":"X"})"),
                           R"(,"notification_reason":"x","routeLabels":{})"),
                  Path::kFast);
}

TEST(FastPayloadTest, EveryKnownFieldWellFormed) {
  ExpectAgreement(
      R"({"receiver":"web\\.hook","status":"firing","alerts":[)"
      R"({"status":"resolved","labels":{"alertname":"A","job":"j"},)"
      R"("annotations":{"autoheal":"true"},"startsAt":"s","endsAt":"e",)"
      R"("generatorURL":"g","fingerprint":"0123456789abcdef"}],)"
      R"("groupLabels":{"alertname":"A"},"commonLabels":{"job":"j"},)"
      R"("commonAnnotations":{"autoheal":"true"},"externalURL":"http://am",)"
      R"("version":"4","groupKey":"{}:{alertname=\"A\"}","truncatedAlerts":7})"
      "\n",
      Path::kFast);
}

TEST(FastPayloadTest, TruncatedAlertsInRange) {
  for (const std::string value : {"0", "-0", "1", "9223372036854775807"}) {
    SCOPED_TRACE(value);
    ExpectAgreement(BodyJson("", ",\"truncatedAlerts\":" + value), Path::kFast);
  }
}

TEST(FastPayloadTest, AMegabyteLabelValue) {
  const std::string big(1000 * 1000, 'v');
  const auto slow = Agreed(
      BodyWithLabels(absl::StrCat(R"({"alertname":"X","big":")", big, "\"}")),
      Path::kFast);
  ASSERT_THAT(slow, IsOk());
  EXPECT_EQ(slow->alerts[0].labels.Find("big")->size(), big.size());
}

TEST(FastPayloadTest, ThreeHundredAlerts) {
  std::vector<std::string> alerts;
  for (int i = 0; i < 300; ++i) {
    alerts.push_back(AlertJson(absl::StrCat(
        R"({"alertname":"A)", i % 7, R"(","instance":"host-)", i, R"("})")));
  }
  const auto slow = Agreed(BodyJson(absl::StrJoin(alerts, ",")), Path::kFast);
  ASSERT_THAT(slow, IsOk());
  EXPECT_EQ(slow->alerts.size(), 300u);
}

// --- Everything else goes to the slow parser, with one result ----------------

TEST(FastPayloadTest, InvalidJsonAndBytes) {
  const std::string alert = R"({"alertname":"X","v":")";
  const std::vector<std::string> bodies = {
      "",
      " \n",
      "{",
      "null",
      R"(["version","4"])",
      BodyWithLabels(R"({"alertname":"X"})") + "x",
      BodyWithLabels(R"({"alertname":"X"})") + "{}",
      BodyWithLabels(R"({"alertname":"X"})") + std::string(1, '\0'),
      BodyWithLabels(R"({"alertname":"X"})") + std::string(1, '\0') + "junk",
      std::string(R"({"version":"4",)") + '\0' + R"("alerts":[]})",
      BodyWithLabels(alert + std::string(1, '\0') + "\"}"),
      BodyWithLabels(alert + "\x01\"}"),
      BodyWithLabels(alert + "\xff\"}"),
      BodyWithLabels(alert + "\xc0\x80\"}"),          // overlong NUL
      BodyWithLabels(alert + "\xed\xa0\x80\"}"),      // encoded surrogate
      BodyWithLabels(alert + "\xf4\x90\x80\x80\"}"),  // above U+10FFFF
      BodyWithLabels(alert + "\xe2\x82\"}"),          // cut sequence
      BodyWithLabels(alert + R"(\ud800"})"),          // lone high surrogate
      BodyWithLabels(alert + R"(\udc00"})"),          // lone low surrogate
      BodyWithLabels(alert + R"(\ud800\u0041"})"),    // high, then not low
      BodyWithLabels(alert + R"(\x"})"),
      BodyWithLabels(alert + R"(\u12"})"),
      "\xef\xbb\xbf" + BodyWithLabels(R"({"alertname":"X"})"),  // BOM
      BodyJson("", R"(,"x":1e400)"),
      BodyJson("", R"(,"x":18446744073709551616)"),
      BodyJson("", R"(,"x":01)"),
      BodyJson("", R"(,"x":[1,])"),
      BodyJson("", R"(,"x":tru)"),
  };
  for (size_t i = 0; i < bodies.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("body ", i));
    ExpectAgreement(bodies[i], Path::kSlow);
  }
  // Sample the messages: they are the slow parser's.
  EXPECT_THAT(ParseNotification(BodyWithLabels(alert + R"(\ud800"})")),
              testutil::StatusIs(absl::StatusCode::kInvalidArgument,
                                 "body: invalid JSON at byte"));
  EXPECT_THAT(ParseNotification(""),
              testutil::StatusIs(absl::StatusCode::kInvalidArgument,
                                 "body: invalid JSON at byte 0"));
}

TEST(FastPayloadTest, NumbersTheSlowParserMayReadDifferently) {
  // simdjson parses some numbers nlohmann also accepts (a huge unsigned in
  // an unknown field) as errors: they go to the slow parser, which takes
  // them.
  ExpectAgreement(BodyJson("", R"(,"x":123456789012345678901234567890)"),
                  Path::kSlow);
  // Both round correctly: they agree where a double overflows.
  for (const char* number :
       {"1e-400", "-1e-400", "0e99999999999", "2.4703282292062328e-324",
        "1.7976931348623157e308", "1.7976931348623158e308"}) {
    SCOPED_TRACE(number);
    ExpectAgreement(BodyJson("", absl::StrCat(R"(,"x":)", number)),
                    Path::kFast);
  }
  for (const char* number :
       {"1.7976931348623159e308", "1e99999999999", "-1e400"}) {
    SCOPED_TRACE(number);
    EXPECT_FALSE(
        Agreed(BodyJson("", absl::StrCat(R"(,"x":)", number)), Path::kSlow)
            .ok());
  }
}

TEST(FastPayloadTest, MalformedAlertsAreTheSlowParsersProblems) {
  const std::vector<std::pair<std::string, std::string>> alerts = {
      {AlertJson(R"({"alertname":"X","instance":"a","instance":"b"})"),
       "alerts[0].labels: duplicate key \"instance\""},
      {AlertJson(R"({"alertname":"X","alertname":"Y"})"),
       "alerts[0].labels: duplicate key \"alertname\""},
      {AlertJson(R"({"alertname":"X"})", R"(,"annotations":{"a":"1","a":"1"})"),
       "alerts[0].annotations: duplicate key \"a\""},
      {AlertJson(R"({"alertname":"X"})", R"(,"status":"firing")"),
       "alerts[0]: duplicate key \"status\""},
      {AlertJson(R"({"alertname":"X"})", R"(,"labels":{"alertname":"X"})"),
       "alerts[0]: duplicate key \"labels\""},
      {AlertJson(R"({"alertname":"X"})",
                 R"(,"fingerprint":"a","fingerprint":"a")"),
       "alerts[0]: duplicate key \"fingerprint\""},
      {R"({"status":"pending","labels":{"alertname":"X"}})",
       "alerts[0].status: expected \"firing\" or \"resolved\", got "
       "\"pending\""},
      {R"({"status":1,"labels":{"alertname":"X"}})",
       "alerts[0].status: expected \"firing\" or \"resolved\", got number"},
      {R"({"labels":{"alertname":"X"}})", "alerts[0].status: missing"},
      {R"({"status":"firing"})", "alerts[0].labels: missing"},
      {AlertJson(R"({"alertname":5})"),
       "alerts[0].labels.alertname: expected a string, got number"},
      {AlertJson(R"({"instance":"a"})"), "alerts[0].labels.alertname: missing"},
      {AlertJson("[]"), "alerts[0].labels: expected an object, got array"},
      {AlertJson("null"), "alerts[0].labels: expected an object, got null"},
      {AlertJson(R"({"alertname":"X","v":null})"),
       "alerts[0].labels.v: expected a string, got null"},
      {AlertJson(R"({"alertname":"X"})", R"(,"annotations":[])"),
       "alerts[0].annotations: expected an object, got array"},
      {AlertJson(R"({"alertname":"X"})", R"(,"annotations":{"a":{}})"),
       "alerts[0].annotations.a: expected a string, got object"},
      {AlertJson(R"({"alertname":"X"})", R"(,"startsAt":0)"),
       "alerts[0].startsAt: expected a string, got number"},
      {AlertJson(R"({"alertname":"X"})", R"(,"endsAt":null)"),
       "alerts[0].endsAt: expected a string, got null"},
      {AlertJson(R"({"alertname":"X"})", R"(,"generatorURL":[])"),
       "alerts[0].generatorURL: expected a string, got array"},
      {AlertJson(R"({"alertname":"X"})", R"(,"fingerprint":true)"),
       "alerts[0].fingerprint: expected a string, got boolean"},
      {"42", "alerts[0]: expected an object, got number"},
      {"[]", "alerts[0]: expected an object, got array"},
  };
  for (const auto& [alert, problem] : alerts) {
    SCOPED_TRACE(alert);
    // The malformed alert between two good ones: they stay well-formed.
    const std::string good = AlertJson(R"({"alertname":"G"})");
    const auto slow =
        Agreed(BodyJson(absl::StrCat(alert, ",", good)), Path::kSlow);
    ASSERT_THAT(slow, IsOk());
    EXPECT_EQ(slow->alerts[0].problem, problem);
    EXPECT_EQ(slow->alerts[1].problem, "");
  }
}

TEST(FastPayloadTest, FatalTopLevelProblemsAreTheSlowParsersErrors) {
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {R"({"alerts":[]})", "version: missing"},
      {R"({"version":"4"})", "alerts: missing"},
      {R"({"version":"3","alerts":[]})", "version: expected \"4\", got \"3\""},
      {R"({"version":4,"alerts":[]})", "version: expected \"4\", got number"},
      {R"({"version":"4","alerts":{}})", "alerts: expected an array"},
      {R"({"version":"4","alerts":[],"alerts":[]})",
       "body: duplicate key \"alerts\""},
      {R"({"version":"4","version":"4","alerts":[]})",
       "body: duplicate key \"version\""},
      {BodyJson("", R"(,"receiver":"a","receiver":"a")"),
       "body: duplicate key \"receiver\""},
      {BodyJson("", R"(,"status":"firing")"), "body: duplicate key \"status\""},
      {R"({"version":"4","status":"pending","alerts":[]})",
       "status: expected \"firing\" or \"resolved\", got \"pending\""},
      {BodyJson("", R"(,"receiver":1)"), "receiver: expected a string"},
      {BodyJson("", R"(,"externalURL":null)"),
       "externalURL: expected a string"},
      {BodyJson("", R"(,"groupKey":{})"), "groupKey: expected a string"},
      {BodyJson("", R"(,"groupLabels":[])"), "groupLabels: expected an object"},
      {BodyJson("", R"(,"commonLabels":{"a":1})"),
       "commonLabels.a: expected a string, got number"},
      {BodyJson("", R"(,"commonAnnotations":{"a":"1","a":"2"})"),
       "commonAnnotations: duplicate key \"a\""},
      {BodyJson("", R"(,"truncatedAlerts":-1)"),
       "truncatedAlerts: expected a non-negative integer, got -1"},
      {BodyJson("", R"(,"truncatedAlerts":1.5)"),
       "truncatedAlerts: expected a non-negative integer, got 1.5"},
      {BodyJson("", R"(,"truncatedAlerts":1.0)"),
       "truncatedAlerts: expected a non-negative integer, got 1.0"},
      {BodyJson("", R"(,"truncatedAlerts":1e2)"),
       "truncatedAlerts: expected a non-negative integer, got 1e2"},
      {BodyJson("", R"(,"truncatedAlerts":9223372036854775808)"),
       "out of range"},
      {BodyJson("", R"(,"truncatedAlerts":18446744073709551616)"),
       "truncatedAlerts: expected a non-negative integer"},
      {BodyJson("", R"(,"truncatedAlerts":"3")"),
       "truncatedAlerts: expected a non-negative integer, got string"},
      {BodyJson("", R"(,"truncatedAlerts":null)"),
       "truncatedAlerts: expected a non-negative integer, got null"},
  };
  for (const auto& [body, error] : bodies) {
    SCOPED_TRACE(body);
    const auto slow = Agreed(body, Path::kSlow);
    EXPECT_THAT(slow.status(),
                testutil::StatusIs(absl::StatusCode::kInvalidArgument, error));
  }
}

// --- Depth -------------------------------------------------------------------

// simdjson never checks an empty array against its limit, and rejects a
// non-empty one at the limit itself: the fast path takes nesting up to
// max_depth when the innermost value is empty, up to max_depth - 1 when it
// is not, and never beyond. Levels count from the body (1).
TEST(FastPayloadTest, DepthBoundaryInUnknownTopLevelField) {
  const int max = ParseOptions().max_depth;
  // The unknown field's value starts at level 2.
  auto body = [](int levels, const std::string& innermost) {
    return BodyJson(AlertJson(R"({"alertname":"X"})"),
                    ",\"x\":" + NestedArrays(levels - 1, innermost));
  };
  ExpectAgreement(body(max, ""), Path::kFast);
  ExpectAgreement(body(max - 1, "1"), Path::kFast);
  EXPECT_THAT(Agreed(body(max, "1"), Path::kSlow), IsOk());
  EXPECT_THAT(
      Agreed(body(max + 1, ""), Path::kSlow).status(),
      testutil::StatusIs(absl::StatusCode::kInvalidArgument,
                         "body: nesting deeper than 32 levels at byte"));
  EXPECT_THAT(Agreed(body(max + 1, "1"), Path::kSlow).status(),
              testutil::StatusIs(absl::StatusCode::kInvalidArgument,
                                 "body: nesting deeper than 32 levels"));
  // Objects count the same as arrays.
  std::string objects;
  for (int i = 2; i <= max; ++i) objects += R"({"o":)";
  objects += "{}" + std::string(max - 1, '}');
  ExpectAgreement(BodyJson("", ",\"x\":" + objects), Path::kSlow);
  std::string fits;
  for (int i = 2; i < max; ++i) fits += R"({"o":)";
  fits += "{}" + std::string(max - 2, '}');
  ExpectAgreement(BodyJson("", ",\"x\":" + fits), Path::kFast);
}

TEST(FastPayloadTest, DepthBoundaryInsideAnAlert) {
  const int max = ParseOptions().max_depth;
  // An alert's unknown field's value starts at level 4.
  auto body = [](int levels, const std::string& innermost) {
    return BodyJson(AlertJson(R"({"alertname":"X"})",
                              ",\"x\":" + NestedArrays(levels - 3, innermost)) +
                    "," + AlertJson(R"({"alertname":"Y"})"));
  };
  ExpectAgreement(body(max, ""), Path::kFast);
  ExpectAgreement(body(max - 1, "1"), Path::kFast);
  auto at_max = Agreed(body(max, "1"), Path::kSlow);
  ASSERT_THAT(at_max, IsOk());
  EXPECT_EQ(at_max->alerts[0].problem, "");
  for (const std::string innermost : {"", "1"}) {
    auto beyond = Agreed(body(max + 1, innermost), Path::kSlow);
    ASSERT_THAT(beyond, IsOk());
    EXPECT_EQ(beyond->alerts[0].problem,
              "alerts[0].x: nesting deeper than 32 levels");
    EXPECT_EQ(beyond->alerts[1].problem, "");
  }
  // Inside a label value.
  ExpectAgreement(
      BodyWithLabels(R"({"alertname":"X","v":)" + NestedArrays(max - 3) + "}"),
      Path::kSlow);
}

TEST(FastPayloadTest, SmallAndLargeMaxDepth) {
  const std::string body =
      ReadFileOrDie(TestDataPath("payloads/01-single-firing-autoheal.json"));
  // A real payload nests 4 deep, with non-empty label sets at level 4.
  for (int max_depth : {-1, 0, 1, 2, 3, 4}) {
    SCOPED_TRACE(max_depth);
    ParseOptions options;
    options.max_depth = max_depth;
    ExpectAgreement(body, Path::kSlow, options);
  }
  for (int max_depth :
       {5, 6, 100, 1024, 1025, 100000, std::numeric_limits<int>::max()}) {
    SCOPED_TRACE(max_depth);
    ParseOptions options;
    options.max_depth = max_depth;
    ExpectAgreement(body, Path::kFast, options);
  }
  // Beyond the fast path's own limit of 1024, deep bodies go to the slow
  // parser, which applies the caller's limit.
  ParseOptions deep;
  deep.max_depth = 5000;
  ExpectAgreement(BodyJson("", ",\"x\":" + NestedArrays(1022)), Path::kFast,
                  deep);
  ExpectAgreement(BodyJson("", ",\"x\":" + NestedArrays(2000)), Path::kSlow,
                  deep);
  // The same thread switches limits back and forth.
  ParseOptions five;
  five.max_depth = 5;
  for (int round = 0; round < 3; ++round) {
    ExpectAgreement(BodyJson("", ",\"x\":" + NestedArrays(4)), Path::kFast,
                    five);
    ExpectAgreement(BodyJson("", ",\"x\":" + NestedArrays(5)), Path::kSlow,
                    five);
    ExpectAgreement(BodyJson("", ",\"x\":" + NestedArrays(5)), Path::kFast);
  }
}

// --- Threads -----------------------------------------------------------------

// Each thread has its own simdjson parser: concurrent parses of different
// bodies (small and large, i.e. the thread's parser and one-shot ones) never
// mix.
TEST(FastPayloadTest, ConcurrentParsesStayApart) {
  std::vector<std::string> bodies;
  for (const auto& [name, body] : ReadDir("payloads")) bodies.push_back(body);
  bodies.push_back(BodyWithLabels(absl::StrCat(
      R"({"alertname":"X","big":")", std::string(300 * 1000, 'b'), "\"}")));
  bodies.push_back(BodyWithLabels(R"({"alertname":5})"));
  std::vector<WebhookMessage> expected;
  for (const std::string& body : bodies) {
    absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(body);
    ASSERT_THAT(message, IsOk());
    expected.push_back(*std::move(message));
  }
  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < bodies.size(); ++i) {
          const size_t k = (i + static_cast<size_t>(t)) % bodies.size();
          absl::StatusOr<WebhookMessage> message = ParseNotification(bodies[k]);
          if (!message.ok() || *message != expected[k]) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << t;
}

}  // namespace
}  // namespace receiver
}  // namespace autoheal
