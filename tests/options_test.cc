#include "autoheal/options.h"

#include <string>

#include "core/utf8.h"
#include "engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "re2/re2.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::MakeAction;
using ::autoheal::testutil::StatusIs;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

EngineOptions WithAction(const Action& action) {
  EngineOptions options;
  options.actions.push_back(action);
  return options;
}

TEST(ValidateOptionsTest, AcceptsAValidPolicy) {
  EngineOptions options;
  options.actions.push_back(MakeAction("A", "a", {"instance", "job"}));
  Action b = MakeAction("B", "a");
  b.cooldown = absl::Minutes(5);
  options.actions.push_back(b);
  EXPECT_THAT(ValidateOptions(options), IsOk());
}

TEST(ValidateOptionsTest, RejectsEmptyArgv) {
  Action action = MakeAction("ApiDown", "restart-api");
  action.argv.clear();
  EXPECT_THAT(ValidateOptions(WithAction(action)),
              StatusIs(kInvalid,
                       "action for alertname \"ApiDown\": argv is empty"));
}

TEST(ValidateOptionsTest, RejectsEmptyProgram) {
  Action action = MakeAction("ApiDown", "restart-api");
  action.argv = {"", "--now"};
  EXPECT_THAT(ValidateOptions(WithAction(action)),
              StatusIs(kInvalid, "\"ApiDown\": argv[0] is empty"));
}

TEST(ValidateOptionsTest, RejectsDuplicateAlertname) {
  EngineOptions options;
  options.actions.push_back(MakeAction("ApiDown", "restart-api"));
  options.actions.push_back(MakeAction("ApiDown", "other"));
  EXPECT_THAT(ValidateOptions(options),
              StatusIs(kInvalid, "\"ApiDown\": duplicate action"));
}

TEST(ValidateOptionsTest, RejectsEmptyNames) {
  EXPECT_THAT(ValidateOptions(WithAction(MakeAction("ApiDown", ""))),
              StatusIs(kInvalid, "\"ApiDown\": name is empty"));
  EXPECT_THAT(ValidateOptions(WithAction(MakeAction("", "restart-api"))),
              StatusIs(kInvalid, "\"restart-api\": alertname is empty"));
}

TEST(ValidateOptionsTest, RejectsNonPositiveTimeout) {
  for (absl::Duration bad : {absl::ZeroDuration(), absl::Seconds(-1),
                             absl::InfiniteDuration()}) {
    Action action = MakeAction("ApiDown", "restart-api");
    action.timeout = bad;
    EXPECT_THAT(ValidateOptions(WithAction(action)),
                StatusIs(kInvalid, "\"ApiDown\": timeout must be a positive"));
  }
}

TEST(ValidateOptionsTest, RejectsNonPositiveCooldown) {
  for (absl::Duration bad : {absl::ZeroDuration(), absl::Nanoseconds(-1),
                             absl::InfiniteDuration()}) {
    Action action = MakeAction("ApiDown", "restart-api");
    action.cooldown = bad;
    EXPECT_THAT(ValidateOptions(WithAction(action)),
                StatusIs(kInvalid, "\"ApiDown\": cooldown must be a positive"));
  }
}

TEST(ValidateOptionsTest, RejectsNonPositiveDefaultCooldown) {
  EngineOptions options;
  options.default_cooldown = absl::ZeroDuration();
  EXPECT_THAT(ValidateOptions(options),
              StatusIs(kInvalid, "default_cooldown must be a positive"));
}

TEST(ValidateOptionsTest, RejectsEmptyOptInAnnotation) {
  EngineOptions options;
  options.opt_in_annotation = "";
  EXPECT_THAT(ValidateOptions(options),
              StatusIs(kInvalid, "opt_in_annotation is empty"));
}

TEST(ValidateOptionsTest, RejectsBadKeyLabels) {
  EXPECT_THAT(
      ValidateOptions(WithAction(MakeAction("A", "a", {"0instance"}))),
      StatusIs(kInvalid, "key label \"0instance\" is not a valid label name"));
  EXPECT_THAT(ValidateOptions(WithAction(MakeAction("A", "a", {"in-stance"}))),
              StatusIs(kInvalid, "is not a valid label name"));
  EXPECT_THAT(ValidateOptions(WithAction(MakeAction("A", "a", {""}))),
              StatusIs(kInvalid, "is not a valid label name"));
  EXPECT_THAT(
      ValidateOptions(WithAction(MakeAction("A", "a", {"alertname"}))),
      StatusIs(kInvalid, "\"alertname\" is always part of the key"));
  EXPECT_THAT(
      ValidateOptions(WithAction(MakeAction("A", "a", {"job", "job"}))),
      StatusIs(kInvalid, "duplicate key label \"job\""));
}

TEST(ValidateOptionsTest, RejectsTemplatesWithoutValidPatterns) {
  Action action = MakeAction("A", "a");
  action.argv = {"/bin/x", "{{labels.instance}}"};
  EXPECT_THAT(ValidateOptions(WithAction(action)),
              StatusIs(kInvalid, "label_patterns has no pattern for \"instance\""));
  action.label_patterns["instance"] = "([unclosed";
  EXPECT_THAT(ValidateOptions(WithAction(action)),
              StatusIs(kInvalid,
                       "action for alertname \"A\": label_patterns.instance: "
                       "invalid pattern \"([unclosed\": missing ]: [unclosed"));
  action.label_patterns["instance"] = "(a)\\1";
  EXPECT_THAT(ValidateOptions(WithAction(action)),
              StatusIs(kInvalid, "invalid escape sequence: \\\\1"));
  action.label_patterns["instance"] = "\\pL{1000}";
  EXPECT_THAT(ValidateOptions(WithAction(action)),
              StatusIs(kInvalid, "pattern too large"));
  action.label_patterns["instance"] = "[a-z]+";
  EXPECT_THAT(ValidateOptions(WithAction(action)), IsOk());
  action.argv = {"/bin/x", "{{labels.instance"};
  EXPECT_THAT(ValidateOptions(WithAction(action)),
              StatusIs(kInvalid, "argv[1]: malformed template"));
  action.argv = {"/bin/x"};
  action.label_patterns["bad-name"] = "x";
  EXPECT_THAT(ValidateOptions(WithAction(action)),
              StatusIs(kInvalid, "\"bad-name\" is not a valid label name"));
}

// Found by fuzz_policy: names and arguments from the policy were quoted
// raw, so a byte of malformed UTF-8 reached `autoheal validate`'s output
// and the receiver's log as is.
TEST(ValidateOptionsTest, ErrorsQuoteHostileTextEscapedAndValidUtf8) {
  Action action = MakeAction("TcpEndp\xfe\xff\"Down", "a");
  action.argv = {"/bin/x", "--target={{labels/instance}}\n"};
  const absl::Status status = ValidateOptions(WithAction(action));
  EXPECT_THAT(status, StatusIs(kInvalid,
                               "action for alertname "
                               "\"TcpEndp\\xfe\\xff\\\"Down\": argv[1]: "
                               "malformed template in "
                               "\"--target={{labels/instance}}\\n\""));
  EXPECT_TRUE(internal::IsValidUtf8(status.message()));
}

// A pattern is RE2's dialect (Prometheus's). What RE2 refuses is a policy
// error quoting the pattern and RE2's own message: no backreferences, no
// lookaround, repetition counts up to 1000.
TEST(CompileLabelPatternTest, RejectsWhatRe2RejectsWithRe2sMessage) {
  EXPECT_THAT(CompileLabelPattern("("),
              StatusIs(kInvalid, "invalid pattern \"(\": missing ): ("));
  EXPECT_THAT(CompileLabelPattern("(a)\\1"),
              StatusIs(kInvalid,
                       "invalid pattern \"(a)\\\\1\": invalid "
                       "escape sequence: \\\\1"));
  EXPECT_THAT(CompileLabelPattern("(?=a)"),
              StatusIs(kInvalid,
                       "invalid pattern \"(?=a)\": invalid perl "
                       "operator: (?="));
  EXPECT_THAT(CompileLabelPattern("(?<!a)b"),
              StatusIs(kInvalid, "invalid perl operator: (?<"));
  EXPECT_THAT(CompileLabelPattern("a{1001}"),
              StatusIs(kInvalid, "invalid repetition size: {1001}"));
  EXPECT_THAT(CompileLabelPattern("((((a{100}){100}){100}){100})"),
              StatusIs(kInvalid, "invalid repetition size"));
  EXPECT_THAT(CompileLabelPattern("[unclosed"),
              StatusIs(kInvalid, "missing ]: [unclosed"));
  // RE2 reads patterns as UTF-8; the message stays valid UTF-8.
  const absl::Status bad_utf8 = CompileLabelPattern("db\xff").status();
  EXPECT_THAT(bad_utf8, StatusIs(kInvalid,
                                 "invalid pattern \"db\\xff\": "
                                 "invalid UTF-8"));
  EXPECT_TRUE(internal::IsValidUtf8(bad_utf8.message()));
  // RE2 quotes the whole pattern back for an unmatched ')': escaped too.
  const absl::Status echoed = CompileLabelPattern("a)\xff").status();
  EXPECT_THAT(echoed, StatusIs(kInvalid, "unexpected ): a)\\xff"));
  EXPECT_TRUE(internal::IsValidUtf8(echoed.message()));
}

// RE2 compiles within a memory budget (kLabelPatternMaxMem); a pattern over
// it is a policy error, not a receiver that grows without bound.
TEST(CompileLabelPatternTest, RejectsPatternsOverTheMemoryBudget) {
  for (const char* pattern :
       {"\\pL{1000}", "(\\pL{100}){10}", "(?i)[\\p{L}\\p{N}._-]{1,253}"}) {
    EXPECT_THAT(CompileLabelPattern(pattern),
                StatusIs(kInvalid,
                         "pattern too large - compile failed (over "
                         "the memory budget of 2 MiB per pattern)"))
        << pattern;
  }
  // What a label value of 256 bytes needs fits.
  for (const char* pattern : {"\\pL{1,63}", ".{1,256}", "[a-z]{1000}",
                              "(?:[a-z0-9-]{1,63}\\.){0,10}[a-z0-9-]{1,63}"}) {
    EXPECT_THAT(CompileLabelPattern(pattern), IsOk()) << pattern;
  }
}

// std::regex needed guards here (counts read into an int unchecked, a
// recursive compiler); RE2 needs none: its parse is iterative and a count
// it cannot read is a literal, as in Go and Prometheus.
TEST(CompileLabelPatternTest, HugeCountsAndDeepNestingAreNotAProblem) {
  auto literal = CompileLabelPattern("]{26666666666666666666");
  ASSERT_THAT(literal, IsOk());
  EXPECT_TRUE(re2::RE2::FullMatch("]{26666666666666666666", **literal));
  EXPECT_THAT(CompileLabelPattern("[0-9]{4294967297}"), IsOk());
  EXPECT_THAT(CompileLabelPattern("a{1000}"), IsOk());
  EXPECT_THAT(CompileLabelPattern("a{0,1000}"), IsOk());
  const std::string allowed =
      std::string(500, '(') + "a" + std::string(500, ')');
  EXPECT_THAT(CompileLabelPattern(allowed), IsOk());
}

TEST(CompileLabelPatternTest, RejectsOverlongPatterns) {
  EXPECT_THAT(CompileLabelPattern(std::string(1024, 'a')), IsOk());
  EXPECT_THAT(CompileLabelPattern(std::string(1025, 'a')),
              StatusIs(kInvalid, "(1025 bytes): longer than 1024 bytes"));
  const std::string nested =
      std::string(100000, '(') + "a" + std::string(100000, ')');
  EXPECT_THAT(CompileLabelPattern(nested),
              StatusIs(kInvalid, "longer than 1024 bytes"));
}

// A label pattern matches the whole value, as Prometheus's relabel regexes
// do ("^(?:pattern)$"), never a substring.
TEST(CompileLabelPatternTest, MatchesTheWholeValueOnly) {
  auto db = CompileLabelPattern("db-\\d+");
  ASSERT_THAT(db, IsOk());
  EXPECT_TRUE(re2::RE2::FullMatch("db-01", **db));
  EXPECT_FALSE(re2::RE2::FullMatch("xdb-01", **db));
  EXPECT_FALSE(re2::RE2::FullMatch("db-01x", **db));
  EXPECT_FALSE(re2::RE2::FullMatch("db-01\n", **db));
  auto either = CompileLabelPattern("a|b");
  ASSERT_THAT(either, IsOk());
  EXPECT_TRUE(re2::RE2::FullMatch("a", **either));
  EXPECT_TRUE(re2::RE2::FullMatch("b", **either));
  EXPECT_FALSE(re2::RE2::FullMatch("ab", **either));
  EXPECT_FALSE(re2::RE2::FullMatch("xb", **either));
  // Not the leftmost alternative alone: "a|ab" fully matches "ab".
  auto prefix = CompileLabelPattern("a|ab");
  ASSERT_THAT(prefix, IsOk());
  EXPECT_TRUE(re2::RE2::FullMatch("ab", **prefix));
}

TEST(EffectiveCooldownTest, OverrideWinsOverDefault) {
  EngineOptions options;
  Action action = MakeAction("A", "a");
  EXPECT_EQ(EffectiveCooldown(options, action), absl::Seconds(120));
  action.cooldown = absl::Seconds(7);
  EXPECT_EQ(EffectiveCooldown(options, action), absl::Seconds(7));
}

}  // namespace
}  // namespace autoheal
