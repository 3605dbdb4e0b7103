// Tests for the alert model: AlertStatusName, LabelSet, Alert::alertname and
// the equality of alerts and messages.

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

TEST(AlertTest, EqualityComparesEveryField) {
  Alert base;
  base.status = AlertStatus::kFiring;
  base.labels = LabelSet({{"alertname", "X"}});
  base.annotations = LabelSet({{"autoheal", "true"}});
  base.starts_at = "2024-01-01T00:00:00Z";
  base.ends_at = "0001-01-01T00:00:00Z";
  base.generator_url = "http://prometheus/graph";
  base.fingerprint = "0123456789abcdef";
  EXPECT_TRUE(base == base);
  EXPECT_FALSE(base != base);
  std::vector<Alert> changed(9, base);
  changed[0].status = AlertStatus::kResolved;
  changed[1].labels.Set("instance", "a");
  changed[2].annotations = LabelSet();
  changed[3].starts_at += "x";
  changed[4].ends_at.clear();
  changed[5].generator_url += "x";
  changed[6].fingerprint.clear();
  changed[7].problem = "alerts[0].status: missing";
  changed[8].labels = LabelSet({{"alertname", "Y"}});
  for (size_t i = 0; i < changed.size(); ++i) {
    EXPECT_FALSE(changed[i] == base) << "field " << i;
    EXPECT_TRUE(changed[i] != base) << "field " << i;
  }
}

TEST(WebhookMessageTest, EqualityComparesEveryField) {
  WebhookMessage base;
  base.version = "4";
  base.receiver = "web\\.hook";
  base.alerts.emplace_back();
  base.alerts[0].labels = LabelSet({{"alertname", "X"}});
  base.group_labels = LabelSet({{"alertname", "X"}});
  base.common_labels = LabelSet({{"alertname", "X"}});
  base.common_annotations = LabelSet({{"summary", "s"}});
  base.external_url = "http://am";
  base.group_key = "{}:{alertname=\"X\"}";
  base.truncated_alerts = 3;
  EXPECT_TRUE(base == base);
  EXPECT_FALSE(base != base);
  std::vector<WebhookMessage> changed(11, base);
  changed[0].version = "3";
  changed[1].receiver.clear();
  changed[2].status = AlertStatus::kResolved;
  changed[3].alerts.emplace_back();
  changed[4].alerts[0].problem = "alerts[0]: x";
  changed[5].group_labels = LabelSet();
  changed[6].common_labels = LabelSet();
  changed[7].common_annotations = LabelSet();
  changed[8].external_url.clear();
  changed[9].group_key.clear();
  changed[10].truncated_alerts = 0;
  for (size_t i = 0; i < changed.size(); ++i) {
    EXPECT_FALSE(changed[i] == base) << "field " << i;
    EXPECT_TRUE(changed[i] != base) << "field " << i;
  }
}

}  // namespace
}  // namespace autoheal
