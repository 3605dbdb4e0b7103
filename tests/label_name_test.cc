// The label name rule every component shares (core/label_name.h), and the
// places that used to carry their own copy of it.

#include "core/label_name.h"

#include <string>

#include "absl/status/status.h"
#include "autoheal/arg_template.h"
#include "autoheal/options.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace autoheal {
namespace internal {
namespace {

TEST(IsValidLabelNameTest, AcceptsPrometheusLabelNames) {
  for (const char* name : {"a", "Z", "_", "__name__", "instance", "job_2",
                           "_1", "A1b2C3", "alertname"}) {
    EXPECT_TRUE(IsValidLabelName(name)) << name;
  }
}

TEST(IsValidLabelNameTest, RejectsEverythingElse) {
  for (const char* name :
       {"", "1instance", "9", "target-host", "a.b", "a b", " a", "a ",
        "job:rate5m",  // a colon is for metric names only
        ":a", "a\n", "caf\xC3\xA9", "\xFF", "a$", "{{a}}"}) {
    EXPECT_FALSE(IsValidLabelName(name)) << name;
  }
  EXPECT_FALSE(IsValidLabelName(std::string("a\0b", 3)));
}

TEST(LabelNamePrefixLengthTest, FindsTheNameAtTheStart) {
  EXPECT_EQ(LabelNamePrefixLength("HOME/bin"), 4u);
  EXPECT_EQ(LabelNamePrefixLength("a_1:-x"), 3u);
  EXPECT_EQ(LabelNamePrefixLength("name"), 4u);
  EXPECT_EQ(LabelNamePrefixLength("1abc"), 0u);
  EXPECT_EQ(LabelNamePrefixLength(""), 0u);
  EXPECT_EQ(LabelNamePrefixLength("-a"), 0u);
  EXPECT_EQ(LabelNamePrefixLength("\xC3\xA9"), 0u);
}

// The policy's key labels and label patterns, and argv templates, now all
// ask IsValidLabelName(); these were separate copies of the rule.
TEST(LabelNameRuleTest, OptionsAndTemplatesApplyTheSameRule) {
  for (const char* name : {"instance", "_x", "1instance", "a-b", "a:b", ""}) {
    const bool valid = IsValidLabelName(name);
    EngineOptions options;
    Action action;
    action.alertname = "A";
    action.name = "fix";
    action.argv = {"/bin/true"};
    action.key_labels = {name};
    options.actions.push_back(action);
    EXPECT_EQ(ValidateOptions(options).ok(), valid) << "key label " << name;

    options.actions[0].key_labels.clear();
    options.actions[0].label_patterns[name] = "x";
    EXPECT_EQ(ValidateOptions(options).ok(), valid)
        << "label_patterns " << name;

    EXPECT_EQ(TemplateLabels({"/bin/fix", "{{labels." + std::string(name) +
                                              "}}"})
                  .ok(),
              valid)
        << "template " << name;
  }
}

}  // namespace
}  // namespace internal
}  // namespace autoheal
