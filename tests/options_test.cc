#include "autoheal/options.h"

#include <string>

#include "autoheal/internal/utf8.h"
#include "engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
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
              StatusIs(kInvalid, "label_patterns.instance: invalid pattern"));
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

// libstdc++ reads these numbers into an int without an overflow check:
// {4294967297} compiled as {1}, and 20 digits were undefined behaviour
// (found by fuzz/policy_fuzzer.cc under UBSan; fuzz/regressions/policy/).
TEST(CompileLabelPatternTest, RejectsHugeRepetitionCounts) {
  for (const char* pattern :
       {"]{26666666666666666666", "[0-9]{4294967297}", "a{1,2147483648}",
        "a{1001}", "a{0,1001}", "(a)\\1001", "x\\99999999999999999999"}) {
    EXPECT_THAT(CompileLabelPattern(pattern),
                StatusIs(kInvalid, "a repetition count or back-reference is "
                                   "over 1000"))
        << pattern;
  }
}

TEST(CompileLabelPatternTest, AcceptsCountsUpToTheBound) {
  for (const char* pattern :
       {"a{1000}", "[0-9]{1,5}", "a{0000000000000000000000007}", "\\{99999}",
        "(a)\\1", "123456789012", "[a-z]{2,}"}) {
    EXPECT_THAT(CompileLabelPattern(pattern), IsOk()) << pattern;
  }
}

TEST(CompileLabelPatternTest, RejectsOverlongPatterns) {
  EXPECT_THAT(CompileLabelPattern(std::string(1024, 'a')), IsOk());
  EXPECT_THAT(CompileLabelPattern(std::string(1025, 'a')),
              StatusIs(kInvalid, "(1025 bytes): longer than 1024 bytes"));
}

// libstdc++'s recursive compiler overflowed an 8 MB stack at 50,000 nested
// groups; the length bound keeps the nesting near 500.
TEST(CompileLabelPatternTest, DeeplyNestedGroupsAreAnErrorNotACrash) {
  const std::string nested =
      std::string(100000, '(') + "a" + std::string(100000, ')');
  EXPECT_THAT(CompileLabelPattern(nested),
              StatusIs(kInvalid, "longer than 1024 bytes"));
  const std::string allowed =
      std::string(500, '(') + "a" + std::string(500, ')');
  EXPECT_THAT(CompileLabelPattern(allowed), IsOk());
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
