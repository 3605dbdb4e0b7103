#include "alertmanager/route_tree.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "alertmanager/prom_duration.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace alertmanager {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;
using ::testing::ElementsAre;

// --- Durations -----------------------------------------------------------

TEST(PrometheusDuration, ParsesEveryUnitAndCombinations) {
  EXPECT_EQ(*ParsePrometheusDuration("30s"), absl::Seconds(30));
  EXPECT_EQ(*ParsePrometheusDuration("5m"), absl::Minutes(5));
  EXPECT_EQ(*ParsePrometheusDuration("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParsePrometheusDuration("1d"), absl::Hours(24));
  EXPECT_EQ(*ParsePrometheusDuration("2w"), absl::Hours(24 * 14));
  EXPECT_EQ(*ParsePrometheusDuration("1y"), absl::Hours(24 * 365));
  EXPECT_EQ(*ParsePrometheusDuration("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(*ParsePrometheusDuration("1m1s1ms"),
            absl::Milliseconds(61001));
  EXPECT_EQ(*ParsePrometheusDuration("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParsePrometheusDuration("0s"), absl::ZeroDuration());
}

TEST(PrometheusDuration, RejectsWhatPrometheusRejectsNamingTheText) {
  EXPECT_THAT(ParsePrometheusDuration(""),
              StatusIs(absl::StatusCode::kInvalidArgument, "\"\" (empty"));
  EXPECT_THAT(ParsePrometheusDuration("5x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"5x\" (unknown unit \"x\""));
  EXPECT_THAT(ParsePrometheusDuration("5m1h"),
              StatusIs(absl::StatusCode::kInvalidArgument, "largest first"));
  EXPECT_THAT(ParsePrometheusDuration("1m1m"),
              StatusIs(absl::StatusCode::kInvalidArgument, "largest first"));
  EXPECT_THAT(ParsePrometheusDuration("1.5h"),
              StatusIs(absl::StatusCode::kInvalidArgument, "\"1.5h\""));
  EXPECT_THAT(ParsePrometheusDuration("-5m"),
              StatusIs(absl::StatusCode::kInvalidArgument, "\"-5m\""));
  EXPECT_THAT(ParsePrometheusDuration("5 m"),
              StatusIs(absl::StatusCode::kInvalidArgument, "\"5 m\""));
  EXPECT_THAT(ParsePrometheusDuration("5"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a unit must follow"));
  EXPECT_THAT(ParsePrometheusDuration("99999999999999999999y"),
              StatusIs(absl::StatusCode::kInvalidArgument, "too large"));
  EXPECT_THAT(ParsePrometheusDuration("293y"),
              StatusIs(absl::StatusCode::kInvalidArgument, "too long"));
  EXPECT_EQ(*ParsePrometheusDuration("292y"), absl::Hours(24 * 365 * 292));
}

TEST(PrometheusDuration, FormatsLargestUnitsFirst) {
  EXPECT_EQ(FormatPrometheusDuration(absl::Minutes(90)), "1h30m");
  EXPECT_EQ(FormatPrometheusDuration(absl::Milliseconds(500)), "500ms");
  EXPECT_EQ(FormatPrometheusDuration(absl::ZeroDuration()), "0s");
  EXPECT_EQ(FormatPrometheusDuration(absl::Hours(24 * 8)), "1w1d");
}

// --- Matchers ------------------------------------------------------------

std::vector<std::string> Strings(const std::vector<LabelMatcher>& matchers) {
  std::vector<std::string> out;
  for (const LabelMatcher& m : matchers) out.push_back(m.ToString());
  return out;
}

TEST(ParseMatchers, QuotedUnquotedBracesAndCommas) {
  absl::StatusOr<std::vector<LabelMatcher>> m =
      ParseMatchers(R"({alertname="Disk, full", severity=~"crit.*" , job!=api})");
  ASSERT_THAT(m, IsOk());
  EXPECT_THAT(Strings(*m),
              ElementsAre(R"(alertname="Disk, full")", R"(severity=~"crit.*")",
                          R"(job!="api")"));
  m = ParseMatchers("  team !~ \"db|infra\"  ");
  ASSERT_THAT(m, IsOk());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].name, "team");
  EXPECT_EQ((*m)[0].op, LabelMatcher::Op::kNotRegex);
  EXPECT_EQ((*m)[0].value, "db|infra");
}

TEST(ParseMatchers, EscapesAsAlertmanagerReadsThem) {
  absl::StatusOr<std::vector<LabelMatcher>> m =
      ParseMatchers(R"(msg="say \"hi\", a\\b\nc\d")");
  ASSERT_THAT(m, IsOk());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].value, "say \"hi\", a\\b\nc\\d");
  EXPECT_EQ((*m)[0].ToString(), R"(msg="say \"hi\", a\\b\nc\\d")");
  m = ParseMatchers("empty=\"\"");
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ((*m)[0].value, "");
  m = ParseMatchers("empty=");
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ((*m)[0].value, "");
}

TEST(ParseMatchers, BadInputNamesTheMatcher) {
  EXPECT_THAT(ParseMatchers("alertname"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "bad matcher \"alertname\": expected <label><op><value>"));
  EXPECT_THAT(ParseMatchers("1abc=x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "\"1abc\" is not a label name"));
  EXPECT_THAT(ParseMatchers(R"(a="x"y")"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unescaped double quote"));
  EXPECT_THAT(ParseMatchers(R"(a="open)"),
              StatusIs(absl::StatusCode::kInvalidArgument, "not closed"));
  EXPECT_THAT(ParseMatchers(R"(a=~"(unclosed")"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "bad regex \"(unclosed\" for label \"a\""));
}

TEST(LabelMatcher, RegexIsFullyAnchoredAndMissingLabelIsEmpty) {
  absl::StatusOr<std::vector<LabelMatcher>> m =
      ParseMatchers(R"(sev=~"crit|page", env!~"prod.*", team="", x!="")");
  ASSERT_THAT(m, IsOk());
  const LabelSet critical({{"sev", "critical"}});
  const LabelSet crit({{"sev", "crit"}});
  EXPECT_FALSE((*m)[0].Matches(critical));  // anchored: not "crit" + "ical"
  EXPECT_TRUE((*m)[0].Matches(crit));
  EXPECT_TRUE((*m)[0].Matches(LabelSet({{"sev", "page"}})));
  EXPECT_FALSE((*m)[0].Matches(LabelSet({{"sev", "xpage"}})));
  EXPECT_TRUE((*m)[1].Matches(LabelSet({{"env", "staging-prod"}})));
  EXPECT_FALSE((*m)[1].Matches(LabelSet({{"env", "production"}})));
  EXPECT_TRUE((*m)[2].Matches(LabelSet()));  // missing == ""
  EXPECT_FALSE((*m)[3].Matches(LabelSet()));
  EXPECT_TRUE((*m)[3].Matches(LabelSet({{"x", "1"}})));
}

TEST(LabelMatcher, HandBuiltRegexCompilesOnUseAndMoves) {
  LabelMatcher m{"job", LabelMatcher::Op::kRegex, "api.*", nullptr};
  EXPECT_TRUE(m.Matches(LabelSet({{"job", "api-1"}})));
  EXPECT_FALSE(m.Matches(LabelSet({{"job", "xapi"}})));
  LabelMatcher moved = std::move(m);
  EXPECT_TRUE(moved.Matches(LabelSet({{"job", "api"}})));
  LabelMatcher bad{"job", LabelMatcher::Op::kRegex, "(", nullptr};
  EXPECT_FALSE(bad.Matches(LabelSet({{"job", "("}})));
}

// --- The routing tree ----------------------------------------------------

constexpr char kConfig[] = R"(global:
  resolve_timeout: 5m
route:
  receiver: oncall
  group_by: [alertname]
  group_wait: 10s
  routes:
    - matchers: ['autoheal="true"']
      receiver: autoheal
      group_interval: 1m
      continue: true
      routes:
        - match: {severity: info}
          receiver: blackhole
    - match_re:
        severity: crit|page
      group_by: ['...']
      repeat_interval: 1h
    - matchers:
        - team="db", env!~"dev|test"
      receiver: dba
receivers:
  - name: oncall
  - name: autoheal
    webhook_configs:
      - url: http://autoheal:9009/alert
        send_resolved: false
      - url: http://autoheal-2:9009/alert
  - name: blackhole
  - name: dba
    email_configs:
      - to: dba@example.com
)";

std::vector<std::string> Paths(const std::vector<const Route*>& routes) {
  std::vector<std::string> out;
  for (const Route* r : routes) {
    out.push_back(absl::StrCat(r->path, "->", r->receiver));
  }
  return out;
}

class RouteTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<AlertmanagerConfig> config =
        ParseAlertmanagerConfig(kConfig, "am.yml");
    ASSERT_THAT(config, IsOk());
    config_ = std::move(*config);
  }
  AlertmanagerConfig config_;
};

TEST_F(RouteTreeTest, ReadsTreePositionsAndReceivers) {
  const Route& root = config_.root;
  EXPECT_EQ(root.path, "route");
  EXPECT_EQ(root.line, 4);
  EXPECT_EQ(root.receiver, "oncall");
  ASSERT_EQ(root.children.size(), 3u);
  EXPECT_EQ(root.children[0].path, "route.routes[0]");
  EXPECT_EQ(root.children[0].line, 8);
  EXPECT_EQ(root.children[0].MatchersString(), R"({autoheal="true"})");
  EXPECT_EQ(root.children[0].children[0].path, "route.routes[0].routes[0]");
  EXPECT_EQ(root.children[0].children[0].line, 13);
  EXPECT_EQ(root.children[1].MatchersString(), R"({severity=~"crit|page"})");
  EXPECT_EQ(root.children[2].MatchersString(),
            R"({team="db", env!~"dev|test"})");
  EXPECT_THAT(config_.webhook_urls.at("autoheal"),
              ElementsAre("http://autoheal:9009/alert",
                          "http://autoheal-2:9009/alert"));
  EXPECT_TRUE(config_.webhook_urls.at("oncall").empty());
  EXPECT_EQ(config_.webhook_urls.size(), 4u);
}

TEST_F(RouteTreeTest, InheritsFromTheParentWithAlertmanagerDefaults) {
  const Route& root = config_.root;
  EXPECT_EQ(root.group_wait, absl::Seconds(10));
  EXPECT_EQ(root.group_interval, absl::Minutes(5));  // default
  EXPECT_EQ(root.repeat_interval, absl::Hours(4));   // default
  const Route& autoheal = root.children[0];
  EXPECT_THAT(autoheal.group_by, ElementsAre("alertname"));
  EXPECT_EQ(autoheal.group_wait, absl::Seconds(10));
  EXPECT_EQ(autoheal.group_interval, absl::Minutes(1));
  EXPECT_TRUE(autoheal.continue_matching);
  const Route& blackhole = autoheal.children[0];
  EXPECT_EQ(blackhole.group_interval, absl::Minutes(1));  // from its parent
  EXPECT_FALSE(blackhole.continue_matching);              // never inherited
  const Route& critical = root.children[1];
  EXPECT_EQ(critical.receiver, "oncall");  // inherited
  EXPECT_TRUE(critical.group_by_all);
  EXPECT_TRUE(critical.group_by.empty());
  EXPECT_EQ(critical.repeat_interval, absl::Hours(1));
}

TEST_F(RouteTreeTest, ContinueGoesOnToTheNextSibling) {
  EXPECT_THAT(Paths(MatchRoutes(
                  config_, LabelSet({{"autoheal", "true"}, {"severity", "page"}}))),
              ElementsAre("route.routes[0]->autoheal", "route.routes[1]->oncall"));
}

TEST_F(RouteTreeTest, FirstMatchWithoutContinueStops) {
  // routes[1] matches and has no continue: routes[2] is never tried.
  EXPECT_THAT(Paths(MatchRoutes(config_, LabelSet({{"severity", "critical"}}))),
              ElementsAre("route->oncall"));  // anchored: crit|page misses
  EXPECT_THAT(
      Paths(MatchRoutes(config_, LabelSet({{"severity", "crit"}, {"team", "db"}}))),
      ElementsAre("route.routes[1]->oncall"));
}

TEST_F(RouteTreeTest, ChildTakesTheAlertAndUnmatchedFallsToTheRoot) {
  EXPECT_THAT(
      Paths(MatchRoutes(config_, LabelSet({{"autoheal", "true"}, {"severity", "info"}}))),
      ElementsAre("route.routes[0].routes[0]->blackhole"));
  EXPECT_THAT(Paths(MatchRoutes(config_, LabelSet({{"team", "db"}, {"env", "prod"}}))),
              ElementsAre("route.routes[2]->dba"));
  EXPECT_THAT(Paths(MatchRoutes(config_, LabelSet({{"team", "db"}, {"env", "dev"}}))),
              ElementsAre("route->oncall"));
  EXPECT_THAT(Paths(MatchRoutes(config_, LabelSet({{"autoheal", "TRUE"}}))),
              ElementsAre("route->oncall"));
}

void ExpectError(const std::string& yaml, const std::string& message) {
  EXPECT_THAT(ParseAlertmanagerConfig(yaml, "am.yml"),
              StatusIs(absl::StatusCode::kInvalidArgument, message))
      << yaml;
}

TEST(ParseAlertmanagerConfig, BadInputNamesSourceLineAndKey) {
  ExpectError("route: [\n", "am.yml:2: invalid YAML");
  ExpectError("- 1\n", "am.yml: expected a mapping with route and receivers");
  ExpectError("receivers: []\n", "am.yml: route: missing");
  ExpectError("route:\n  group_by: [a]\nreceivers: []\n",
              "am.yml:2: route: the root route has no receiver");
  ExpectError("route:\n  receiver: x\n  group_wait: 5x\nreceivers: [{name: x}]\n",
              "am.yml:3: route.group_wait: not a Prometheus duration: \"5x\"");
  ExpectError(
      "route:\n  receiver: x\n  routes:\n    - matchers: ['a=~\"(\"']\n"
      "receivers: [{name: x}]\n",
      "am.yml:4: route.routes[0].matchers[0]: bad regex \"(\" for label \"a\"");
  ExpectError(
      "route:\n  receiver: x\n  routes:\n    - match_re: {a: '['}\n"
      "receivers: [{name: x}]\n",
      "am.yml:4: route.routes[0].match_re.a: bad regex \"[\"");
  ExpectError(
      "route:\n  receiver: x\n  routes:\n    - continue: maybe\n"
      "receivers: [{name: x}]\n",
      "am.yml:4: route.routes[0].continue: expected true or false, got \"maybe\"");
  ExpectError("route:\n  receiver: x\n  routes: {}\nreceivers: [{name: x}]\n",
              "am.yml:3: route.routes: expected a list of routes");
  ExpectError(
      "route:\n  receiver: x\n  routes:\n    - receiver: nobody\n"
      "receivers: [{name: x}]\n",
      "am.yml:4: route.routes[0].receiver: undefined receiver \"nobody\"");
  ExpectError("route:\n  receiver: x\n  matchers: [a=b]\nreceivers: [{name: x}]\n",
              "route: the root route must not have matchers");
  ExpectError("route:\n  receiver: x\nreceivers: [{webhook_configs: []}]\n",
              "am.yml:3: receivers[0].name: every receiver needs a name");
  constexpr char kNul[] = "route:\n  receiver: x\0\n";
  ExpectError(std::string(kNul, sizeof(kNul) - 1),
              "must be UTF-8 text without NUL bytes");
}

}  // namespace
}  // namespace alertmanager
}  // namespace autoheal
