#include "receiver/policy_digest.h"

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "autoheal/options.h"
#include "gtest/gtest.h"

namespace autoheal {
namespace receiver {
namespace {

// Expected digests are the FIPS 180-4 / NIST CSRC examples, and for the
// padding boundaries the output of `sha256sum` on the same bytes, e.g.
//   head -c 55 /dev/zero | tr '\0' a | sha256sum

TEST(Sha256Test, EmptyString) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, NistOneBlockMessageAbc) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, NistTwoBlockMessage448Bits) {
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, Nist896BitMessage) {
  EXPECT_EQ(Sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                      "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256Test, NistOneMillionA) {
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

struct BoundaryCase {
  size_t length;
  const char* digest;
};

class Sha256PaddingBoundaryTest
    : public ::testing::TestWithParam<BoundaryCase> {};

// 55 bytes is the longest message whose padding fits one block; 56 needs a
// second block; 63, 64 and 65 straddle the block size itself.
TEST_P(Sha256PaddingBoundaryTest, MatchesSha256sum) {
  EXPECT_EQ(Sha256Hex(std::string(GetParam().length, 'a')), GetParam().digest)
      << "length " << GetParam().length;
}

INSTANTIATE_TEST_SUITE_P(
    Lengths, Sha256PaddingBoundaryTest,
    ::testing::Values(
        BoundaryCase{55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e"
                         "910f734318"},
        BoundaryCase{56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970"
                         "686ec6738a"},
        BoundaryCase{63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da"
                         "457ddc2f34"},
        BoundaryCase{64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337"
                         "df154668eb"},
        BoundaryCase{65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d"
                         "4f17eb0ae0"}),
    [](const ::testing::TestParamInfo<BoundaryCase>& param_info) {
      return "Length" + std::to_string(param_info.param.length);
    });

TEST(Sha256Test, HashesNulAndHighBytesAsGiven) {
  // printf 'a\0b\xff' | sha256sum
  EXPECT_EQ(Sha256Hex(std::string("a\0b\xff", 4)),
            "a37cc3026aae4d519e0b19c298fa913b4dccfdf0658cbccbb7deaa0226d5acdb");
}

TEST(Sha256Test, IsLowercaseHexOf64Digits) {
  const std::string hex = Sha256Hex("autoheal");
  ASSERT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
}

// A policy with every field set away from its default, so that each can be
// changed to something else.
EngineOptions FullPolicy() {
  EngineOptions options;
  options.enabled = true;
  options.escalation = EscalationCommand{{"/usr/bin/page", "oncall"},
                                         absl::Seconds(20)};
  Action action;
  action.alertname = "ApiDown";
  action.name = "restart-api";
  action.argv = {"/bin/restart", "{{labels.instance}}"};
  action.label_patterns = {{"instance", "[a-z0-9-]+"}};
  action.timeout = absl::Seconds(15);
  action.cooldown = absl::Seconds(300);
  action.key_labels = {"instance"};
  action.budget = Budget{4, absl::Hours(1)};
  options.actions.push_back(action);
  Action other;
  other.alertname = "ExporterStale";
  other.name = "restart-exporter";
  other.argv = {"/bin/true"};
  options.actions.push_back(other);
  return options;
}

// Changes one field. The bindings below name every field of every struct of
// a policy; adding a field to one of them breaks the build here until the
// new field is listed, changed by a mutation, and so covered by the digest.
std::vector<std::pair<std::string, std::function<void(EngineOptions&)>>>
EveryFieldChanged() {
  std::vector<std::pair<std::string, std::function<void(EngineOptions&)>>> m;
  auto add = [&](std::string name, std::function<void(EngineOptions&)> f) {
    m.emplace_back(std::move(name), std::move(f));
  };
  add("enabled", [](EngineOptions& o) {
    auto& [enabled, annotation, value, cooldown, global_budget, flap_guard,
           escalation, actions] = o;
    enabled = !enabled;
  });
  add("opt_in_annotation", [](EngineOptions& o) { o.opt_in_annotation = "heal"; });
  add("opt_in_value", [](EngineOptions& o) { o.opt_in_value = "yes"; });
  add("default_cooldown", [](EngineOptions& o) { o.default_cooldown += absl::Seconds(1); });
  add("global_budget.max_executions", [](EngineOptions& o) {
    auto& [max_executions, window] = o.global_budget;
    ++max_executions;
  });
  add("global_budget.window", [](EngineOptions& o) { o.global_budget.window += absl::Seconds(1); });
  add("flap_guard.max_executions", [](EngineOptions& o) {
    auto& [max_executions, window] = o.flap_guard;
    ++max_executions;
  });
  add("flap_guard.window", [](EngineOptions& o) { o.flap_guard.window += absl::Seconds(1); });
  add("escalation.argv", [](EngineOptions& o) {
    auto& [argv, timeout] = *o.escalation;
    argv.push_back("--urgent");
  });
  add("escalation.timeout", [](EngineOptions& o) { o.escalation->timeout += absl::Seconds(1); });
  add("escalation (unset)", [](EngineOptions& o) { o.escalation.reset(); });
  add("actions (one more)", [](EngineOptions& o) {
    Action third;
    third.alertname = "DiskFull";
    third.name = "clean";
    third.argv = {"/bin/true"};
    o.actions.push_back(third);
  });
  add("action.alertname", [](EngineOptions& o) {
    auto& [alertname, name, argv, label_patterns, timeout, cooldown,
           key_labels, budget] = o.actions[0];
    alertname = "ApiDown2";
  });
  add("action.name", [](EngineOptions& o) { o.actions[0].name = "restart-api2"; });
  add("action.argv", [](EngineOptions& o) { o.actions[0].argv.push_back("--force"); });
  add("action.label_patterns", [](EngineOptions& o) {
    o.actions[0].label_patterns["instance"] = "[a-z]+";
  });
  add("action.timeout", [](EngineOptions& o) { o.actions[0].timeout += absl::Seconds(1); });
  add("action.cooldown", [](EngineOptions& o) { *o.actions[0].cooldown += absl::Seconds(1); });
  add("action.cooldown (unset)", [](EngineOptions& o) { o.actions[0].cooldown.reset(); });
  add("action.key_labels", [](EngineOptions& o) { o.actions[0].key_labels.push_back("job"); });
  add("action.budget.max_executions", [](EngineOptions& o) { ++o.actions[0].budget.max_executions; });
  add("action.budget.window", [](EngineOptions& o) { o.actions[0].budget.window += absl::Seconds(1); });
  return m;
}

TEST(PolicyDigestTest, EveryFieldOfThePolicyChangesTheDigest) {
  const std::string base = PolicyDigest(FullPolicy());
  std::set<std::string> digests = {base};
  for (const auto& [field, change] : EveryFieldChanged()) {
    EngineOptions changed = FullPolicy();
    change(changed);
    const std::string digest = PolicyDigest(changed);
    EXPECT_NE(digest, base) << field << " is not covered by the digest";
    digests.insert(digest);
  }
  // Each change gives a digest of its own.
  EXPECT_EQ(digests.size(), EveryFieldChanged().size() + 1);
}

TEST(PolicyDigestTest, ActionOrderAndEqualSpellingsDoNotChangeIt) {
  EngineOptions reordered = FullPolicy();
  std::swap(reordered.actions[0], reordered.actions[1]);
  EXPECT_EQ(PolicyDigest(reordered), PolicyDigest(FullPolicy()));
  EXPECT_EQ(PolicyDigest(FullPolicy()), PolicyDigest(FullPolicy()));
}

TEST(PolicyDigestTest, IsTheSha256OfTheCanonicalForm) {
  const EngineOptions options = FullPolicy();
  EXPECT_EQ(PolicyDigest(options), Sha256Hex(CanonicalPolicy(options)));
  // The canonical form names what two replicas with different budgets
  // would otherwise hide.
  EXPECT_NE(CanonicalPolicy(options).find("\"global_budget\""), std::string::npos);
}

}  // namespace
}  // namespace receiver
}  // namespace autoheal
