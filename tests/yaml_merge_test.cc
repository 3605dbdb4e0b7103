// The one merge-key (`<<`) walker (yaml/yaml_merge.h) that the policy loader
// and `autoheal lint` share.

#include "yaml/yaml_merge.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace autoheal {
namespace internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Walked {
  // "key=value" for each entry, in order.
  std::vector<std::string> entries;
  // "line:column: message" for each problem, 1-based.
  std::vector<std::string> problems;
};

// Walks the mapping `key` of the document `text`.
Walked Walk(const std::string& text, const std::string& key = "m") {
  const YAML::Node root = YAML::Load(text);
  MergeKeyWalker walker;
  std::vector<YamlTextProblem> problems;
  Walked walked;
  for (const YamlEntry& entry : walker.Entries(root[key], &problems)) {
    walked.entries.push_back(
        entry.key + "=" + (entry.value.IsScalar() ? entry.value.Scalar() : "*"));
  }
  for (const YamlTextProblem& problem : problems) {
    walked.problems.push_back(std::to_string(problem.mark.line + 1) + ":" +
                              std::to_string(problem.mark.column + 1) + ": " +
                              problem.message);
  }
  return walked;
}

TEST(MergeKeyWalkerTest, ExplicitKeysWinOverMergedOnes) {
  Walked walked = Walk(
      "a: &a {x: 1, y: 1}\n"
      "m:\n"
      "  y: 2\n"
      "  <<: *a\n"
      "  z: 2\n");
  EXPECT_THAT(walked.entries, ElementsAre("y=2", "z=2", "x=1"));
  EXPECT_THAT(walked.problems, IsEmpty());
}

TEST(MergeKeyWalkerTest, EarlierMappingsOfTheListWinOverLaterOnes) {
  Walked walked = Walk(
      "a: &a {x: a, y: a}\n"
      "b: &b {y: b, z: b}\n"
      "m: {<<: [*a, *b]}\n");
  EXPECT_THAT(walked.entries, ElementsAre("x=a", "y=a", "z=b"));
  EXPECT_THAT(walked.problems, IsEmpty());
}

TEST(MergeKeyWalkerTest, MergesOfMergesAreFollowed) {
  Walked walked = Walk(
      "a: &a {x: a}\n"
      "b: &b {<<: *a, y: b}\n"
      "m: {<<: *b, z: m}\n");
  EXPECT_THAT(walked.entries, ElementsAre("z=m", "y=b", "x=a"));
  EXPECT_THAT(walked.problems, IsEmpty());
}

// The two copies this walker replaced disagreed here: the policy loader
// rejected a second `<<`, lint merged both silently. `<<` is a key, keys
// are unique (YAML 1.1 merge type; gopkg.in/yaml.v3: "mapping key "<<"
// already defined"), and `<<: [*a, *b]` is how two mappings merge.
TEST(MergeKeyWalkerTest, ASecondMergeKeyIsADuplicateKey) {
  Walked walked = Walk(
      "a: &a {x: a}\n"
      "b: &b {y: b}\n"
      "m:\n"
      "  <<: *a\n"
      "  <<: *b\n");
  EXPECT_THAT(walked.problems, ElementsAre("5:3: duplicate key \"<<\""));
  // Still merged, so that a reader that reports every problem (lint) lets
  // no value escape its checks.
  EXPECT_THAT(walked.entries, ElementsAre("x=a", "y=b"));
}

TEST(MergeKeyWalkerTest, AQuotedMergeKeyIsAnOrdinaryKey) {
  Walked walked = Walk(
      "a: &a {x: a}\n"
      "m:\n"
      "  <<: *a\n"
      "  \"<<\": quoted\n");
  EXPECT_THAT(walked.entries, ElementsAre("<<=quoted", "x=a"));
  EXPECT_THAT(walked.problems, IsEmpty());
}

TEST(MergeKeyWalkerTest, DuplicateKeysAreReportedAndKept) {
  Walked walked = Walk("m:\n  x: 1\n  x: 2\n");
  EXPECT_THAT(walked.entries, ElementsAre("x=1", "x=2"));
  EXPECT_THAT(walked.problems, ElementsAre("3:3: duplicate key \"x\""));
}

TEST(MergeKeyWalkerTest, DuplicatesInsideAMergedMappingAreReported) {
  Walked walked = Walk("m: {<<: {x: 1, x: 2}}\n");
  EXPECT_THAT(walked.problems, ElementsAre("1:16: duplicate key \"x\""));
}

TEST(MergeKeyWalkerTest, BadMergeValuesAreReportedAndNotMerged) {
  Walked walked = Walk("m: {<<: nope, x: 1}\n");
  EXPECT_THAT(walked.entries, ElementsAre("x=1"));
  EXPECT_THAT(walked.problems,
              ElementsAre("1:9: expected a mapping or a list of mappings "
                          "after <<, got \"nope\""));
  walked = Walk("m: {<<: [{y: 2}, [z]]}\n");
  EXPECT_THAT(walked.entries, ElementsAre("y=2"));
  EXPECT_THAT(walked.problems,
              ElementsAre("1:18: expected a mapping or a list of mappings "
                          "after <<, got a list holding a list"));
}

TEST(MergeKeyWalkerTest, NonScalarKeysAreReportedAndSkipped) {
  Walked walked = Walk("m: {? [a]: 1, x: 2}\n");
  EXPECT_THAT(walked.entries, ElementsAre("x=2"));
  EXPECT_THAT(walked.problems,
              ElementsAre("1:7: expected a plain key, got a list"));
}

TEST(MergeKeyWalkerTest, ACycleStopsAtTheDepthLimit) {
  Walked walked = Walk("m: &m {x: 1, <<: *m}\n");
  EXPECT_THAT(walked.entries, ElementsAre("x=1"));
  ASSERT_EQ(walked.problems.size(), 1u);
  EXPECT_EQ(walked.problems[0],
            "1:4: merges (<<) are nested too deeply or form a cycle");
}

// Each level merges the previous one twice: 2^13 - 2 merges if expanded,
// 12 deep (within the depth limit).
TEST(MergeKeyWalkerTest, AFanOutStopsAtAThousandMappings) {
  std::string text = "a0: &a0 {x: 1}\n";
  for (int i = 1; i <= 12; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " {<<: [" +
            prev + ", " + prev + "]}\n";
  }
  Walked walked = Walk(text, "a12");
  EXPECT_THAT(walked.entries, ElementsAre("x=1"));
  EXPECT_THAT(walked.problems,
              ::testing::Contains(::testing::HasSubstr(
                  "merges (<<) expand to more than 1000 mappings")));
  EXPECT_LT(walked.problems.size(), 2000u);
}

}  // namespace
}  // namespace internal
}  // namespace autoheal
