// `autoheal lint --compose`: the reader on in-memory files, and the
// environment helpers it uses (switch spellings, interpolation, env files).
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lint/compose.h"
#include "lint/env.h"
#include "lint/file_reader.h"
#include "lint_test_util.h"

namespace autoheal {
namespace lint {
namespace {

using ::autoheal::lint::testutil::IsFinding;
using ::autoheal::lint::testutil::IsFindingIn;
using ::autoheal::lint::testutil::MessageHas;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kPath[] = "deploy/compose.yml";

ComposeReport Lint(const std::string& text,
                   std::map<std::string, std::string> files = {}) {
  MemoryFileReader reader(std::move(files));
  return LintCompose(text, kPath, reader);
}

// --- Switch spellings ------------------------------------------------------

TEST(ClassifySwitchTest, EveryTrueSpellingIsOn) {
  for (const char* on : {"true", "True", "TRUE", "t", "yes", "Yes", "y", "Y",
                         "on", "ON", "1", "enable", "Enabled", " true ",
                         "true\n"}) {
    EXPECT_EQ(ClassifySwitch(on), SwitchValue::kOn) << on;
  }
}

TEST(ClassifySwitchTest, FalseSpellingsAndEmptyAreOff) {
  for (const char* off : {"", " ", "false", "False", "0", "no", "NO", "off",
                          "n", "f", "disabled"}) {
    EXPECT_EQ(ClassifySwitch(off), SwitchValue::kOff) << off;
  }
}

TEST(ClassifySwitchTest, AnythingElseIsUnknown) {
  for (const char* unknown : {"2", "maybe", "truee", "ture", "null", "1.0"}) {
    EXPECT_EQ(ClassifySwitch(unknown), SwitchValue::kUnknown) << unknown;
  }
}

// --- Interpolation ---------------------------------------------------------

struct InterpolationCase {
  const char* text;
  const char* expected;
};

TEST(InterpolateTest, UnsetVariablesTakeTheirDefaults) {
  const InterpolationCase cases[] = {
      {"${AUTOHEAL_ENABLED:-true}", "true"},
      {"${AUTOHEAL_ENABLED-true}", "true"},
      {"${AUTOHEAL_ENABLED:-false}", "false"},
      {"${AUTOHEAL_ENABLED}", ""},
      {"$AUTOHEAL_ENABLED", ""},
      {"${X:+true}", ""},
      {"${X+true}", ""},
      {"${X:?set X}", ""},
      {"${X?set X}", ""},
      {"${A:-${B:-true}}", "true"},
      {"${A:-${B}}", ""},
      {"$${X:-true}", "${X:-true}"},
      {"$$X", "$X"},
      {"a$", "a$"},
      {"$1", "$1"},
      {"${", "${"},
      {"${X:-true", "${X:-true"},
      {"${:-true}", "${:-true}"},
      {"${X:=true}", "${X:=true}"},
      {"pre${X:-mid}post", "premidpost"},
  };
  for (const InterpolationCase& c : cases) {
    EXPECT_EQ(Interpolate(c.text, {}).value, c.expected) << c.text;
  }
}

TEST(InterpolateTest, SetVariablesWinAndNameTheirOrigin) {
  Variables variables = {{"ON", {"true", ".env:3"}}, {"EMPTY", {"", ".env:4"}}};
  Interpolated on = Interpolate("${ON:-false}", variables);
  EXPECT_EQ(on.value, "true");
  EXPECT_TRUE(on.substituted);
  EXPECT_THAT(on.origins, ElementsAre(".env:3"));
  EXPECT_EQ(Interpolate("${EMPTY:-true}", variables).value, "true");
  EXPECT_EQ(Interpolate("${EMPTY-true}", variables).value, "");
  EXPECT_EQ(Interpolate("${ON:+yes}", variables).value, "yes");
  EXPECT_EQ(Interpolate("${EMPTY+yes}", variables).value, "yes");
  EXPECT_EQ(Interpolate("${EMPTY:+yes}", variables).value, "");
  EXPECT_EQ(Interpolate("$ON", variables).value, "true");
  EXPECT_FALSE(Interpolate("true", variables).substituted);
}

TEST(InterpolateTest, DeepNestingStaysLiteralAndBounded) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "${A:-";
  text += "true";
  for (int i = 0; i < 5000; ++i) text += "}";
  Interpolated result = Interpolate(text, {});
  EXPECT_LE(result.value.size(), text.size());
  EXPECT_NE(result.value, "true");
}

// --- Env files -------------------------------------------------------------

TEST(ParseEnvFileTest, ReadsComposeSyntax) {
  std::vector<EnvFileProblem> problems;
  std::vector<EnvAssignment> a = ParseEnvFile(
      "# comment\n"
      "\n"
      "PLAIN=value # trailing comment\n"
      "export EXPORTED=1\n"
      "  SPACED = yes\n"
      "COLON: on\n"
      "DOUBLE=\"a \\\"b\\\"\\n\"\n"
      "SINGLE='${X:-true}'\n"
      "MULTI=\"one\n"
      "two\"\n"
      "HASH=a#b\n"
      "CRLF=true\r\n"
      "FROM_HOST\n"
      "EMPTY=\n",
      &problems);
  EXPECT_THAT(problems, IsEmpty());
  ASSERT_EQ(a.size(), 10u);
  EXPECT_EQ(a[0].key, "PLAIN");
  EXPECT_EQ(a[0].value, "value");
  EXPECT_EQ(a[0].line, 3);
  EXPECT_EQ(a[0].column, 7);
  EXPECT_EQ(a[1].key, "EXPORTED");
  EXPECT_EQ(a[1].value, "1");
  EXPECT_EQ(a[2].key, "SPACED");
  EXPECT_EQ(a[2].value, "yes");
  EXPECT_EQ(a[2].column, 12);
  EXPECT_EQ(a[3].key, "COLON");
  EXPECT_EQ(a[3].value, "on");
  EXPECT_EQ(a[4].value, "a \"b\"\n");
  EXPECT_TRUE(a[4].interpolate);
  EXPECT_EQ(a[5].value, "${X:-true}");
  EXPECT_FALSE(a[5].interpolate);
  EXPECT_EQ(a[6].value, "one\ntwo");
  EXPECT_EQ(a[6].line, 9);
  EXPECT_EQ(a[7].value, "a#b");
  EXPECT_EQ(a[7].line, 11);
  EXPECT_EQ(a[8].key, "CRLF");
  EXPECT_EQ(a[8].value, "true");
  EXPECT_EQ(a[8].line, 12);
  EXPECT_EQ(a[9].key, "EMPTY");
  EXPECT_EQ(a[9].value, "");
}

TEST(ParseEnvFileTest, ReportsLinesItCannotRead) {
  std::vector<EnvFileProblem> problems;
  std::vector<EnvAssignment> a =
      ParseEnvFile("OK=1\n=nokey\nBAD KEY=1\nQ=\"open\nmore\n", &problems);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].line, 2);
  EXPECT_EQ(problems[0].message, "expected KEY=VALUE");
  EXPECT_EQ(problems[1].line, 3);
  EXPECT_EQ(problems[2].line, 4);
  EXPECT_EQ(problems[2].column, 3);
  EXPECT_EQ(problems[2].message, "unterminated quoted value");
}

// --- The environment map and list ------------------------------------------

struct SpellingCase {
  const char* value;  // as written after "AUTOHEAL_ENABLED: "
  bool on;
};

class MapFormTest : public ::testing::TestWithParam<SpellingCase> {};

TEST_P(MapFormTest, FlagsEveryOnSpellingOnly) {
  ComposeReport report = Lint(std::string("services:\n"
                                          "  api:\n"
                                          "    environment:\n"
                                          "      AUTOHEAL_ENABLED: ") +
                              GetParam().value + "\n");
  if (GetParam().on) {
    EXPECT_THAT(report.findings,
                ElementsAre(AllOf(IsFinding(rule::kComposeAutohealEnabled, 4, 25),
                                  MessageHas("service \"api\""))));
    EXPECT_EQ(report.findings[0].severity, Severity::kError);
    EXPECT_EQ(report.findings[0].file, kPath);
  } else {
    EXPECT_THAT(report.findings, IsEmpty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Spellings, MapFormTest,
    ::testing::Values(SpellingCase{"true", true}, SpellingCase{"True", true},
                      SpellingCase{"TRUE", true}, SpellingCase{"\"true\"", true},
                      SpellingCase{"'1'", true}, SpellingCase{"1", true},
                      SpellingCase{"yes", true}, SpellingCase{"on", true},
                      SpellingCase{"On", true}, SpellingCase{"y", true},
                      SpellingCase{"\" true \"", true},
                      SpellingCase{"!!str yes", true},
                      SpellingCase{"|\n        true", true},
                      SpellingCase{"false", false},
                      SpellingCase{"\"false\"", false},
                      SpellingCase{"\"0\"", false}, SpellingCase{"no", false},
                      SpellingCase{"off", false}, SpellingCase{"\"\"", false},
                      SpellingCase{"", false}, SpellingCase{"~", false},
                      SpellingCase{"null", false}));

TEST(ComposeTest, ListForm) {
  ComposeReport report = Lint(
      "services:\n"
      "  api:\n"
      "    environment:\n"
      "      - OTHER=true\n"
      "      - \"AUTOHEAL_ENABLED=1\"\n"
      "  web:\n"
      "    environment: [AUTOHEAL_ENABLED=yes]\n"
      "  off:\n"
      "    environment:\n"
      "      - AUTOHEAL_ENABLED\n"
      "      - AUTOHEAL_ENABLED=\n"
      "      - AUTOHEAL_ENABLED_X=true\n"
      "      - XAUTOHEAL_ENABLED=true\n"
      "      - AUTOHEAL_ENABLED=false\n");
  EXPECT_THAT(report.findings,
              ElementsAre(IsFinding(rule::kComposeAutohealEnabled, 5, 9),
                          IsFinding(rule::kComposeAutohealEnabled, 7, 19)));
}

TEST(ComposeTest, UnknownValueIsAWarning) {
  ComposeReport report =
      Lint("services:\n  api:\n    environment:\n      AUTOHEAL_ENABLED: maybe\n");
  ASSERT_THAT(report.findings,
              ElementsAre(IsFinding(rule::kComposeAutohealEnabledUnknown, 4, 25)));
  EXPECT_EQ(report.findings[0].severity, Severity::kWarning);
}

TEST(ComposeTest, ServicesInProfilesAreChecked) {
  ComposeReport report = Lint(
      "services:\n"
      "  autoheal:\n"
      "    profiles: [\"dev\"]\n"
      "    environment:\n"
      "      AUTOHEAL_ENABLED: \"true\"\n");
  EXPECT_THAT(report.findings,
              ElementsAre(IsFinding(rule::kComposeAutohealEnabled, 5, 25)));
}

// --- Interpolation in compose files ----------------------------------------

TEST(ComposeTest, TheDefaultCountsWhenTheVariableIsUnset) {
  ComposeReport report = Lint(
      "services:\n"
      "  a:\n"
      "    environment:\n"
      "      AUTOHEAL_ENABLED: ${AUTOHEAL_ENABLED:-true}\n"
      "  b:\n"
      "    environment:\n"
      "      - AUTOHEAL_ENABLED=${X-true}\n"
      "  c:\n"
      "    environment:\n"
      "      AUTOHEAL_ENABLED: \"${A:-${B:-on}}\"\n"
      "  off:\n"
      "    environment:\n"
      "      AUTOHEAL_ENABLED: ${AUTOHEAL_ENABLED:-false}\n"
      "  passthrough:\n"
      "    environment:\n"
      "      AUTOHEAL_ENABLED: ${AUTOHEAL_ENABLED}\n"
      "  required:\n"
      "    environment:\n"
      "      AUTOHEAL_ENABLED: ${AUTOHEAL_ENABLED:?set it}\n");
  ASSERT_THAT(report.findings,
              ElementsAre(IsFinding(rule::kComposeAutohealEnabled, 4, 25),
                          IsFinding(rule::kComposeAutohealEnabled, 7, 9),
                          IsFinding(rule::kComposeAutohealEnabled, 10, 25)));
  EXPECT_THAT(report.findings[0],
              MessageHas("\"${AUTOHEAL_ENABLED:-true}\", which compose turns "
                         "into \"true\" when the variables are unset"));
}

TEST(ComposeTest, TheDotEnvNextToTheFileSetsVariables) {
  const std::string compose =
      "services:\n"
      "  api:\n"
      "    environment:\n"
      "      AUTOHEAL_ENABLED: ${AUTOHEAL_ENABLED:-false}\n";
  ComposeReport on =
      Lint(compose, {{"deploy/.env", "# local\nAUTOHEAL_ENABLED=true\n"}});
  ASSERT_THAT(on.findings,
              ElementsAre(IsFinding(rule::kComposeAutohealEnabled, 4, 25)));
  EXPECT_THAT(on.findings[0], MessageHas("with the variables set in deploy/.env:2"));
  EXPECT_THAT(Lint(compose, {{"deploy/.env", "AUTOHEAL_ENABLED=no\n"}}).findings,
              IsEmpty());
  EXPECT_THAT(Lint(compose).findings, IsEmpty());
}

// --- Anchors and merge keys ------------------------------------------------

TEST(ComposeTest, AnchorsAndMergeKeysAreFollowed) {
  ComposeReport report = Lint(
      "x-defaults: &defaults\n"
      "  environment:\n"
      "    AUTOHEAL_ENABLED: \"yes\"\n"
      "x-env: &env\n"
      "  AUTOHEAL_ENABLED: on\n"
      "services:\n"
      "  api:\n"
      "    <<: *defaults\n"
      "    image: api\n"
      "  web:\n"
      "    environment:\n"
      "      <<: *env\n"
      "      OTHER: 1\n"
      "  alias:\n"
      "    environment: *env\n"
      "  listed:\n"
      "    environment:\n"
      "      <<: [{OTHER: 1}, *env]\n"
      "  overridden:\n"
      "    environment:\n"
      "      <<: *env\n"
      "      AUTOHEAL_ENABLED: \"false\"\n"
      "  own_env:\n"
      "    <<: *defaults\n"
      "    environment:\n"
      "      AUTOHEAL_ENABLED: \"false\"\n");
  EXPECT_THAT(report.findings,
              UnorderedElementsAre(
                  AllOf(IsFinding(rule::kComposeAutohealEnabled, 3, 23),
                        MessageHas("service \"api\"")),
                  AllOf(IsFinding(rule::kComposeAutohealEnabled, 5, 21),
                        MessageHas("service \"web\"")),
                  AllOf(IsFinding(rule::kComposeAutohealEnabled, 5, 21),
                        MessageHas("service \"alias\"")),
                  AllOf(IsFinding(rule::kComposeAutohealEnabled, 5, 21),
                        MessageHas("service \"listed\""))));
}

// A second `<<` is a duplicate key, as Compose's own YAML library
// (gopkg.in/yaml.v3) and the policy loader say; lint used to merge both
// silently. Both are still followed, so the setting it hides is reported.
TEST(ComposeTest, ASecondMergeKeyIsADuplicateKeyAndStillChecked) {
  ComposeReport report = Lint(
      "x-a: &a\n"
      "  OTHER: 1\n"
      "x-b: &b\n"
      "  AUTOHEAL_ENABLED: \"true\"\n"
      "services:\n"
      "  api:\n"
      "    environment:\n"
      "      <<: *a\n"
      "      <<: *b\n");
  EXPECT_THAT(report.findings,
              UnorderedElementsAre(
                  AllOf(IsFinding(rule::kComposeInvalid, 9, 7),
                        MessageHas("services.api.environment: duplicate key "
                                   "\"<<\"")),
                  AllOf(IsFinding(rule::kComposeAutohealEnabled, 4, 21),
                        MessageHas("service \"api\""))));
}

TEST(ComposeTest, SelfMergeAndMergeBombsAreBounded) {
  ComposeReport cycle = Lint(
      "services:\n"
      "  api:\n"
      "    environment: &e\n"
      "      <<: *e\n"
      "      AUTOHEAL_ENABLED: \"true\"\n");
  EXPECT_THAT(cycle.findings,
              testing::Contains(IsFinding(rule::kComposeAutohealEnabled, 5, 25)));
  EXPECT_THAT(cycle.findings,
              testing::Contains(AllOf(IsFinding(rule::kComposeInvalid, 3, 18),
                                      MessageHas("nested too deeply"))));

  // Each level merges the previous one twice: 2^30 mappings if expanded.
  std::string bomb = "x0: &a0 {AUTOHEAL_ENABLED: \"false\"}\n";
  for (int i = 1; i <= 30; ++i) {
    bomb += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " {<<: [*a" +
            std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + "]}\n";
  }
  bomb += "services:\n  api:\n    environment: *a30\n";
  ComposeReport bombed = Lint(bomb);
  // The policy loader's wording, now that both share yaml/yaml_merge.h (lint
  // used to add "; not followed").
  EXPECT_THAT(bombed.findings,
              testing::Contains(AllOf(
                  testing::Field(&Finding::rule,
                                 std::string(rule::kComposeInvalid)),
                  MessageHas("merges (<<) expand to more than 1000 mappings"))));
}

// --- env_file --------------------------------------------------------------

TEST(ComposeTest, EnvFilesAreReadRelativeToTheComposeFile) {
  ComposeReport report = Lint(
      "services:\n"
      "  string:\n"
      "    env_file: string.env\n"
      "  list:\n"
      "    env_file: [off.env, list.env]\n"
      "  long:\n"
      "    env_file:\n"
      "      - path: ./long.env\n"
      "        required: true\n"
      "  absolute:\n"
      "    env_file: /etc/autoheal.env\n",
      {{"deploy/string.env", "A=1\nAUTOHEAL_ENABLED=true\n"},
       {"deploy/off.env", "AUTOHEAL_ENABLED=false\n"},
       {"deploy/list.env", "\n\nexport AUTOHEAL_ENABLED=\"1\"\n"},
       {"deploy/long.env", "AUTOHEAL_ENABLED: yes\n"},
       {"/etc/autoheal.env", "AUTOHEAL_ENABLED=${X:-on}\n"}});
  EXPECT_THAT(
      report.findings,
      ElementsAre(
          IsFindingIn(rule::kComposeAutohealEnabled, "deploy/string.env", 2),
          IsFindingIn(rule::kComposeAutohealEnabled, "deploy/list.env", 3),
          IsFindingIn(rule::kComposeAutohealEnabled, "deploy/long.env", 1),
          IsFindingIn(rule::kComposeAutohealEnabled, "/etc/autoheal.env", 1)));
  EXPECT_EQ(report.findings[0].column, 18);
  EXPECT_THAT(report.findings[0],
              MessageHas("service \"string\" gets AUTOHEAL_ENABLED=\"true\" "
                         "from its env_file"));
}

TEST(ComposeTest, EnvironmentWinsOverEnvFilesAndLaterFilesWin) {
  ComposeReport report = Lint(
      "services:\n"
      "  overridden:\n"
      "    env_file: on.env\n"
      "    environment:\n"
      "      AUTOHEAL_ENABLED: \"false\"\n"
      "  later_off:\n"
      "    env_file: [on.env, off.env]\n"
      "  later_on:\n"
      "    env_file: [off.env, on.env]\n",
      {{"deploy/on.env", "AUTOHEAL_ENABLED=true\n"},
       {"deploy/off.env", "AUTOHEAL_ENABLED=false\n"}});
  EXPECT_THAT(report.findings,
              ElementsAre(AllOf(
                  IsFindingIn(rule::kComposeAutohealEnabled, "deploy/on.env", 1),
                  MessageHas("service \"later_on\""))));
}

TEST(ComposeTest, MissingEnvFilesAreNotices) {
  ComposeReport report = Lint(
      "services:\n"
      "  api:\n"
      "    env_file:\n"
      "      - gone.env\n"
      "      - path: optional.env\n"
      "        required: false\n");
  ASSERT_THAT(report.findings,
              ElementsAre(IsFinding(rule::kComposeEnvFileMissing, 4, 9),
                          IsFinding(rule::kComposeEnvFileMissing, 5, 15)));
  EXPECT_EQ(report.findings[0].severity, Severity::kNotice);
  EXPECT_THAT(report.findings[1], MessageHas("optional env_file \"deploy/optional.env\""));
}

// A reader whose files exist but cannot be read.
class DenyingFileReader : public FileReader {
 public:
  absl::StatusOr<std::string> Read(const std::string& path) const override {
    return absl::PermissionDeniedError(path + ": cannot open: Permission denied");
  }
};

TEST(ComposeTest, UnreadableAndMalformedEnvFilesAreParseErrors) {
  DenyingFileReader denying;
  ComposeReport denied =
      LintCompose("services:\n  api:\n    env_file: secret.env\n", kPath, denying);
  // The .env and the env_file: both unreadable.
  EXPECT_THAT(denied.findings,
              testing::Contains(AllOf(IsFindingIn(rule::kParseError, kPath, 3),
                                      MessageHas("Permission denied"))));
  EXPECT_TRUE(denied.findings.back().parse_error);

  ComposeReport malformed = Lint("services:\n  api:\n    env_file: bad.env\n",
                                 {{"deploy/bad.env", "OK=1\nAUTOHEAL_ENABLED=\"true\n"}});
  ASSERT_THAT(malformed.findings,
              ElementsAre(IsFindingIn(rule::kParseError, "deploy/bad.env", 2)));
  EXPECT_TRUE(malformed.findings[0].parse_error);
}

// A reader for which every path is a directory.
class DirectoryFileReader : public FileReader {
 public:
  absl::StatusOr<std::string> Read(const std::string& path) const override {
    return absl::FailedPreconditionError(path + ": not a regular file");
  }
};

TEST(ComposeTest, ADotEnvDirectoryIsSkippedButAnEnvFileDirectoryIsNot) {
  DirectoryFileReader directories;
  EXPECT_THAT(LintCompose("services:\n  api:\n    image: x\n", kPath, directories)
                  .findings,
              IsEmpty());
  EXPECT_THAT(LintCompose("services:\n  api:\n    env_file: conf\n", kPath,
                          directories)
                  .findings,
              ElementsAre(AllOf(IsFindingIn(rule::kParseError, kPath, 3),
                                MessageHas("deploy/conf: not a regular file"))));
}

// --- Hosts -----------------------------------------------------------------

TEST(ComposeTest, CollectsEveryNameAServiceAnswersTo) {
  ComposeReport report = Lint(
      "services:\n"
      "  autoheal:\n"
      "    container_name: autoheal-webhook\n"
      "    hostname: healer\n"
      "    networks:\n"
      "      backend:\n"
      "        aliases: [heal, remediation]\n"
      "      frontend:\n"
      "  prometheus:\n"
      "    networks: [backend]\n");
  EXPECT_THAT(report.hosts,
              UnorderedElementsAre("autoheal", "autoheal-webhook", "healer",
                                   "heal", "remediation", "prometheus"));
  EXPECT_THAT(report.findings, IsEmpty());
}

// --- Malformed input -------------------------------------------------------

TEST(ComposeTest, WrongTypesNameThePath) {
  struct Case {
    const char* text;
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"- services\n", 1, "expected a mapping at the top level, got a list"},
      {"services: [api]\n", 1,
       "services: expected a mapping from service name to service, got a list"},
      {"services:\n  api: [1]\n", 2, "services.api: expected a mapping"},
      {"services:\n  api:\n    environment: AUTOHEAL_ENABLED=1\n", 3,
       "services.api.environment: expected a mapping or a list of KEY=VALUE "
       "strings, got \"AUTOHEAL_ENABLED=1\""},
      {"services:\n  api:\n    environment:\n      AUTOHEAL_ENABLED: [true]\n",
       4, "services.api.environment.AUTOHEAL_ENABLED: expected a string"},
      {"services:\n  api:\n    environment:\n      - {AUTOHEAL_ENABLED: 1}\n",
       4, "services.api.environment[0]: expected a KEY=VALUE string"},
      {"services:\n  api:\n    env_file: {path: a.env}\n", 3,
       "services.api.env_file: expected a path or a list"},
      {"services:\n  api:\n    env_file: [{required: true}]\n", 3,
       "services.api.env_file[0]: missing required key \"path\""},
      {"services:\n  api:\n    networks:\n      n:\n        aliases: a\n", 5,
       "services.api.networks.n.aliases: expected a list of names"},
      {"services:\n  api:\n    environment:\n      ? [a]\n      : b\n", 4,
       "services.api.environment: expected a plain key"},
      {"services:\n  api:\n    <<: 5\n", 3,
       "services.api: expected a mapping or a list of mappings after <<"},
  };
  for (const Case& c : cases) {
    ComposeReport report = Lint(c.text);
    ASSERT_EQ(report.findings.size(), 1u) << c.text;
    const Finding& f = report.findings[0];
    EXPECT_EQ(f.rule, rule::kComposeInvalid) << c.text;
    EXPECT_EQ(f.line, c.line) << c.text;
    EXPECT_TRUE(f.parse_error) << c.text;
    EXPECT_THAT(f.message, testing::HasSubstr(c.message)) << c.text;
  }
}

TEST(ComposeTest, DuplicateKeysAreInvalidAndEveryValueIsJudged) {
  ComposeReport report = Lint(
      "services:\n"
      "  api:\n"
      "    environment:\n"
      "      AUTOHEAL_ENABLED: \"false\"\n"
      "      AUTOHEAL_ENABLED: \"true\"\n");
  EXPECT_THAT(report.findings,
              ElementsAre(IsFinding(rule::kComposeInvalid, 5, 7),
                          IsFinding(rule::kComposeAutohealEnabled, 5, 25)));
}

TEST(ComposeTest, ParseErrorsCarryTheLine) {
  struct Case {
    std::string text;
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"services:\n  api:\n    environment: [a\n", 4, "invalid YAML"},
      {"services:\n  api:\n\tenvironment: {}\n", 3, "invalid YAML"},
      {"services:\n  api:\n    environment:\n      AUTOHEAL_ENABLED: \"true\n",
       4, "unterminated quoted string"},
      {std::string("services:\n  api: {}\n\0\n", 22), 3, "without NUL bytes"},
      {"\xFF\xFEservices: {}\n", 1, "UTF-8"},
      {std::string(3000, '[') + std::string(3000, ']'), 1, "invalid YAML"},
  };
  for (const Case& c : cases) {
    ComposeReport report = Lint(c.text);
    ASSERT_EQ(report.findings.size(), 1u) << c.text.substr(0, 60);
    const Finding& f = report.findings[0];
    EXPECT_EQ(f.rule, rule::kParseError);
    EXPECT_EQ(f.line, c.line) << c.text.substr(0, 60);
    EXPECT_TRUE(f.parse_error);
    EXPECT_THAT(f.message, testing::HasSubstr(c.message)) << c.text.substr(0, 60);
  }
}

TEST(ComposeTest, EmptyAndServicelessFilesAreClean) {
  EXPECT_THAT(Lint("").findings, IsEmpty());
  EXPECT_THAT(Lint("# nothing\n").findings, IsEmpty());
  EXPECT_THAT(Lint("services:\n").findings, IsEmpty());
  EXPECT_THAT(Lint("volumes: {data: {}}\n").findings, IsEmpty());
}

}  // namespace
}  // namespace lint
}  // namespace autoheal
