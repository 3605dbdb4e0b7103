#include "autoheal/cooldown_key.h"

#include <string>

#include "gtest/gtest.h"

namespace autoheal {
namespace {

std::string Key(KeySpace space, std::initializer_list<absl::string_view> parts) {
  CooldownKeyBuilder builder(space);
  for (absl::string_view part : parts) builder.Add(part);
  return builder.Finish();
}

TEST(CooldownKeyTest, PartsAreLengthPrefixed) {
  EXPECT_EQ(Key(KeySpace::kLive, {"restart-api", "ApiDown"}),
            "ah1|live|11:restart-api|7:ApiDown");
  EXPECT_EQ(Key(KeySpace::kDryRun, {"a", ""}), "ah1|dry_run|1:a|0:");
}

TEST(CooldownKeyTest, LiveAndDryRunNeverCollide) {
  EXPECT_NE(Key(KeySpace::kLive, {"a", "b"}), Key(KeySpace::kDryRun, {"a", "b"}));
}

TEST(CooldownKeyTest, SeparatorsInsidePartsCannotForgeAnotherKey) {
  // Under plain concatenation with "|" these would all read "a|b|c".
  EXPECT_NE(Key(KeySpace::kLive, {"a|b", "c"}), Key(KeySpace::kLive, {"a", "b|c"}));
  EXPECT_NE(Key(KeySpace::kLive, {"a", "b", "c"}),
            Key(KeySpace::kLive, {"a", "b|1:c"}));
  // A value that embeds a whole encoded suffix still differs.
  EXPECT_NE(Key(KeySpace::kLive, {"x", "A", "instance", "1|2:ab"}),
            Key(KeySpace::kLive, {"x", "A", "instance", "1", "ab"}));
  EXPECT_NE(Key(KeySpace::kLive, {"", "ab"}), Key(KeySpace::kLive, {"ab", ""}));
}

TEST(CooldownKeyTest, NulBytesAndUtf8ArePreservedAndCounted) {
  std::string nul("a\0b", 3);
  std::string key = Key(KeySpace::kLive, {nul, "Zürich"});
  constexpr char kExpected[] = "ah1|live|3:a\0b|7:Zürich";
  EXPECT_EQ(key, std::string(kExpected, sizeof(kExpected) - 1));
}

TEST(CooldownKeyTest, BorrowedAndOwnedKeysExposeTheSameView) {
  std::string stored = "ah1|live|1:a|1:b";
  CooldownKey borrowed = CooldownKey::Borrowed(&stored);
  CooldownKey owned = CooldownKey::Owned(stored);
  EXPECT_EQ(borrowed.view(), owned.view());
  CooldownKey copy = borrowed;
  EXPECT_EQ(copy.view().data(), stored.data());
  EXPECT_TRUE(CooldownKey().empty());
}

}  // namespace
}  // namespace autoheal
