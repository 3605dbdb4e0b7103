#include "autoheal/arg_template.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;
using ::testing::ElementsAre;

TEST(TemplateLabelsTest, FindsEachLabelOnceInOrder) {
  auto labels = TemplateLabels({"/bin/x", "{{labels.instance}}",
                                "--job={{ labels.job }}:{{labels.instance}}"});
  ASSERT_THAT(labels, IsOk());
  EXPECT_THAT(*labels, ElementsAre("instance", "job"));
  auto none = TemplateLabels({"/bin/x", "plain", "}}", "{single}"});
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

TEST(TemplateLabelsTest, RejectsMalformedTemplatesNamingTheArgument) {
  for (const char* bad : {"{{labels.instance", "{{instance}}", "{{labels.}}",
                          "{{labels.9x}}", "{{labels.a-b}}", "{{annotations.x}}",
                          "{{}}", "a{{b"}) {
    EXPECT_THAT(TemplateLabels({"/bin/x", bad}),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "argv[1]: malformed template"))
        << bad;
  }
}

TEST(ExpandArgvTest, EachValueStaysOneArgument) {
  Alert alert;
  alert.labels = LabelSet({{"alertname", "A"},
                           {"instance", "a b;touch /tmp/x $(reboot)"},
                           {"job", "j"}});
  std::vector<std::string> argv = ExpandArgv(
      {"/bin/x", "{{labels.instance}}", "--job={{labels.job}}!", "{{labels.gone}}"},
      alert);
  EXPECT_THAT(argv, ElementsAre("/bin/x", "a b;touch /tmp/x $(reboot)",
                                "--job=j!", ""));
}

TEST(ExpandArgvTest, ArgumentsWithoutTemplatesAreUntouched) {
  Alert alert;
  EXPECT_THAT(ExpandArgv({"/bin/x", "--flag", ""}, alert),
              ElementsAre("/bin/x", "--flag", ""));
}

}  // namespace
}  // namespace autoheal
