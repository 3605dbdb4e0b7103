// Tests for the alert model: AlertStatusName, LabelSet and Alert::alertname.

#include "autoheal/alert.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace autoheal {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::Pair;

TEST(AlertStatusNameTest, NamesBothStatuses) {
  EXPECT_EQ(AlertStatusName(AlertStatus::kFiring), "firing");
  EXPECT_EQ(AlertStatusName(AlertStatus::kResolved), "resolved");
}

TEST(LabelSetTest, DefaultIsEmpty) {
  LabelSet labels;
  EXPECT_TRUE(labels.empty());
  EXPECT_EQ(labels.size(), 0u);
  EXPECT_EQ(labels.Find("alertname"), std::nullopt);
}

TEST(LabelSetTest, SortsEntriesByName) {
  LabelSet labels({{"severity", "critical"},
                   {"alertname", "X"},
                   {"job", "node"},
                   {"instance", "db-01"}});
  EXPECT_THAT(labels.entries(),
              ElementsAre(Pair("alertname", "X"), Pair("instance", "db-01"),
                          Pair("job", "node"), Pair("severity", "critical")));
}

TEST(LabelSetTest, KeepsSortedInputAsIs) {
  LabelSet labels({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  EXPECT_THAT(labels.entries(),
              ElementsAre(Pair("a", "1"), Pair("b", "2"), Pair("c", "3")));
}

TEST(LabelSetTest, SortsByBytesNotLocale) {
  LabelSet labels({{"b", ""}, {"B", ""}, {"_a", ""}, {"a", ""}, {"A", ""}});
  EXPECT_THAT(labels.entries(),
              ElementsAre(Pair("A", ""), Pair("B", ""), Pair("_a", ""),
                          Pair("a", ""), Pair("b", "")));
}

TEST(LabelSetTest, LaterDuplicateReplacesEarlier) {
  // Outside the precondition, but defined: the last value wins.
  LabelSet labels({{"b", "1"}, {"a", "x"}, {"b", "2"}, {"b", "3"}, {"c", "y"}});
  EXPECT_THAT(labels.entries(),
              ElementsAre(Pair("a", "x"), Pair("b", "3"), Pair("c", "y")));
  LabelSet sorted_dups({{"a", "1"}, {"a", "2"}});
  EXPECT_THAT(sorted_dups.entries(), ElementsAre(Pair("a", "2")));
}

TEST(LabelSetTest, FindHitsAndMisses) {
  LabelSet labels({{"instance", "db-01"}, {"alertname", "X"}, {"job", "n"}});
  EXPECT_THAT(labels.Find("alertname"), Optional(absl::string_view("X")));
  EXPECT_THAT(labels.Find("instance"), Optional(absl::string_view("db-01")));
  EXPECT_THAT(labels.Find("job"), Optional(absl::string_view("n")));
  EXPECT_EQ(labels.Find("a"), std::nullopt);          // before the first
  EXPECT_EQ(labels.Find("inst"), std::nullopt);       // a prefix
  EXPECT_EQ(labels.Find("instances"), std::nullopt);  // longer
  EXPECT_EQ(labels.Find("zzz"), std::nullopt);        // after the last
  EXPECT_EQ(labels.Find(""), std::nullopt);
}

TEST(LabelSetTest, FindsEmptyValuesAndValuesWithNul) {
  LabelSet labels({{"empty", ""}, {"nul", std::string("a\0b", 3)}});
  EXPECT_THAT(labels.Find("empty"), Optional(absl::string_view("")));
  EXPECT_THAT(labels.Find("nul"),
              Optional(absl::string_view(std::string("a\0b", 3))));
}

TEST(LabelSetTest, SetReplacesExistingValue) {
  LabelSet labels({{"alertname", "X"}, {"instance", "a"}});
  labels.Set("instance", "b");
  EXPECT_THAT(labels.entries(),
              ElementsAre(Pair("alertname", "X"), Pair("instance", "b")));
}

TEST(LabelSetTest, SetInsertsInOrder) {
  LabelSet labels;
  labels.Set("m", "2");
  labels.Set("z", "3");
  labels.Set("a", "1");
  labels.Set("n", "4");
  EXPECT_THAT(labels.entries(), ElementsAre(Pair("a", "1"), Pair("m", "2"),
                                            Pair("n", "4"), Pair("z", "3")));
  EXPECT_THAT(labels.Find("n"), Optional(absl::string_view("4")));
}

TEST(LabelSetTest, EqualityComparesEntries) {
  EXPECT_EQ(LabelSet({{"b", "2"}, {"a", "1"}}),
            LabelSet({{"a", "1"}, {"b", "2"}}));
  EXPECT_FALSE(LabelSet({{"a", "1"}}) == LabelSet({{"a", "2"}}));
  EXPECT_FALSE(LabelSet({{"a", "1"}}) == LabelSet());
}

TEST(LabelSetTest, FindWorksOnLargeSetsToo) {
  // Small sets are scanned, large ones binary-searched: both must agree.
  std::vector<LabelSet::Entry> entries;
  for (int i = 0; i < 100; ++i) {
    entries.emplace_back("label_" + std::to_string(1000 + i),
                         "value_" + std::to_string(i));
  }
  LabelSet labels(entries);
  for (int i = 0; i < 100; ++i) {
    EXPECT_THAT(labels.Find("label_" + std::to_string(1000 + i)),
                Optional(absl::string_view("value_" + std::to_string(i))));
  }
  EXPECT_EQ(labels.Find("label_0999"), std::nullopt);
  EXPECT_EQ(labels.Find("label_1100"), std::nullopt);
  EXPECT_EQ(labels.Find("label_105"), std::nullopt);
  EXPECT_EQ(labels.Find("zzz"), std::nullopt);
}

TEST(AlertTest, AlertnameReadsTheLabel) {
  Alert alert;
  EXPECT_EQ(alert.alertname(), "");
  alert.labels = LabelSet({{"instance", "a"}, {"alertname", "DiskFull"}});
  EXPECT_EQ(alert.alertname(), "DiskFull");
}

}  // namespace
}  // namespace autoheal
