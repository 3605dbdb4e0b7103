// The environment overrides the receiver and `autoheal explain` share:
// which values are accepted (exactly the documented ones), and that the
// applied ones are reported.
#include "config/env_overrides.h"

#include <map>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;
using ::testing::IsEmpty;

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(EnvOverridesTest, AppliesAndReportsWhatWasSet) {
  EngineOptions options;
  absl::StatusOr<std::vector<EnvOverride>> applied = ApplyEnvOverrides(
      Env({{"AUTOHEAL_COOLDOWN_SEC", "30"}, {"AUTOHEAL_ENABLED", "yes"}}),
      options);
  ASSERT_THAT(applied, IsOk());
  ASSERT_EQ(applied->size(), 2u);
  EXPECT_EQ((*applied)[0].name, "AUTOHEAL_ENABLED");
  EXPECT_EQ((*applied)[0].value, "yes");
  EXPECT_EQ((*applied)[1].name, "AUTOHEAL_COOLDOWN_SEC");
  EXPECT_EQ((*applied)[1].value, "30");
  EXPECT_TRUE(options.enabled);
  EXPECT_EQ(options.default_cooldown, absl::Seconds(30));

  EngineOptions untouched;
  applied = ApplyEnvOverrides(Env({}), untouched);
  ASSERT_THAT(applied, IsOk());
  EXPECT_THAT(*applied, IsEmpty());
  EXPECT_FALSE(untouched.enabled);
}

TEST(EnvOverridesTest, EnabledAcceptsExactlyTheSixDocumentedValues) {
  for (const auto& [value, enabled] :
       std::map<std::string, bool>{{"true", true}, {"1", true},
                                   {"yes", true}, {"false", false},
                                   {"0", false}, {"no", false}}) {
    EngineOptions options;
    options.enabled = !enabled;
    ASSERT_THAT(ApplyEnvOverrides(Env({{"AUTOHEAL_ENABLED", value}}), options),
                IsOk())
        << value;
    EXPECT_EQ(options.enabled, enabled) << value;
  }
  for (const char* value :
       {"TRUE", "True", "YES", "No", "FALSE", "on", "off", "", " true",
        "true\n", "enabled", "2"}) {
    EngineOptions options;
    EXPECT_THAT(
        ApplyEnvOverrides(Env({{"AUTOHEAL_ENABLED", value}}), options),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 "AUTOHEAL_ENABLED: expected true/false/1/0/yes/no (exactly, "
                 "in lowercase), got"))
        << value;
    EXPECT_FALSE(options.enabled) << value;
  }
}

TEST(EnvOverridesTest, LoadPolicyWithEnvOverridesTheEmbeddedPolicy) {
  absl::StatusOr<PolicyWithEnv> policy =
      LoadPolicyWithEnv("", Env({{"AUTOHEAL_ENABLED", "true"}}));
  ASSERT_THAT(policy, IsOk());
  EXPECT_TRUE(policy->options.enabled);
  ASSERT_EQ(policy->overrides.size(), 1u);
  EXPECT_EQ(policy->overrides[0].name, "AUTOHEAL_ENABLED");
  EXPECT_THAT(LoadPolicyWithEnv("", Env({{"AUTOHEAL_COOLDOWN_SEC", "2m"}})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "AUTOHEAL_COOLDOWN_SEC: expected a positive number"));
}

}  // namespace
}  // namespace autoheal
